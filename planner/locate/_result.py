"""The one result type every location model returns."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.model.status import Status

__all__ = ["LocationResult", "relative_gap"]


@dataclass(frozen=True)
class LocationResult:
    """Outcome of one location model solve.

    Attributes
    ----------
    model
        Model name: ``"lscp"``, ``"mclp"``, ``"p-median"``, ``"p-center"`` or ``"backup"``.
    selected
        Open site indices (columns of the cost matrix), sorted, existing sites included.
    assignment
        For each demand row, the site index serving it, ``-1`` if none (not covered or unreachable).
    objective
        Objective value in the model's own unit (cost for p-median, max cost for p-center, number of
        sites for LSCP, covered weight for MCLP, weight covered twice for backup coverage).
    bound
        Best proven bound on the objective (lower for minimisation, upper for maximisation), or None.
    status
        OPTIMAL when ``objective`` is proven optimal, FEASIBLE otherwise.
    wall_s
        Wall-clock seconds of ``solve``.
    method
        How the result was found and proven, e.g. ``"HiGHS MIP (radius formulation)"``.
    gap
        ``|objective - bound| / max(|objective|, 1e-9)``; 0 when optimal, None without a bound.

    """

    model: str
    selected: tuple[int, ...]
    assignment: np.ndarray
    objective: float
    bound: float | None
    status: Status
    wall_s: float
    method: str
    gap: float | None

    def __post_init__(self) -> None:
        """Freeze the assignment array too, so the result cannot change after the solve."""
        assignment = np.array(self.assignment, dtype=np.int64)
        assignment.setflags(write=False)
        object.__setattr__(self, "assignment", assignment)


def relative_gap(objective: float, bound: float | None) -> float | None:
    """Relative distance between objective and bound, None without a bound."""
    if bound is None or not math.isfinite(objective):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)
