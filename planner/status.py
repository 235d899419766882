"""Solver outcome shared by every optimiser, so the CLI and the web report it the same way."""

from enum import Enum


class Status(str, Enum):
    """How trustworthy a result is: proven optimal, feasible (with a gap), or no solution."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NOT_SOLVED = "not_solved"

    def __str__(self) -> str:
        return self.value


def cp_sat_status(code: int) -> Status:
    """Map an OR-Tools CP-SAT status code to our Status."""
    from ortools.sat.python import cp_model

    return {
        cp_model.OPTIMAL: Status.OPTIMAL,
        cp_model.FEASIBLE: Status.FEASIBLE,
        cp_model.INFEASIBLE: Status.INFEASIBLE,
    }.get(code, Status.NOT_SOLVED)
