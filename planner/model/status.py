"""Solver outcome shared by every optimiser, so the CLI and the web report it the same way."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python.cp_model import CpSolverStatus


class Status(StrEnum):
    """How trustworthy a result is: proven optimal, feasible (with a gap), or no solution.

    ``str()`` and f-strings give the value (``"optimal"``), as JSON and CSV output do.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NOT_SOLVED = "not_solved"


def cp_sat_status(code: CpSolverStatus | int) -> Status:
    """Map an OR-Tools CP-SAT status (the solver's enum or its integer code) to our Status."""
    from ortools.sat.python import cp_model

    known = {
        int(cp_model.OPTIMAL): Status.OPTIMAL,
        int(cp_model.FEASIBLE): Status.FEASIBLE,
        int(cp_model.INFEASIBLE): Status.INFEASIBLE,
    }
    return known.get(int(code), Status.NOT_SOLVED)
