"""Solver outcome shared by every optimiser, so the CLI and the web report it the same way."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """How trustworthy a result is: proven optimal, feasible (with a gap), or no solution.

    ``str()`` and f-strings give the value (``"optimal"``), as JSON and CSV output do.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NOT_SOLVED = "not_solved"
