"""OR-Tools CP-SAT's solver status as our :class:`~planner.model.status.Status`.

Kept apart from ``status`` so that reading a stored or reported ``Status`` never loads OR-Tools (about
1 s of imports); only the optimisers that run CP-SAT import this module.
"""

from __future__ import annotations

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import CpSolverStatus

from planner.model.status import Status

_KNOWN = {
    int(cp_model.OPTIMAL): Status.OPTIMAL,
    int(cp_model.FEASIBLE): Status.FEASIBLE,
    int(cp_model.INFEASIBLE): Status.INFEASIBLE,
}


def cp_sat_status(code: CpSolverStatus | int) -> Status:
    """Map an OR-Tools CP-SAT status (the solver's enum or its integer code) to our Status."""
    return _KNOWN.get(int(code), Status.NOT_SOLVED)
