"""The planner's error hierarchy, mapped to exit codes by the CLI and to 4xx answers by the web app."""

from geodata.errors import GeodataError


class PlannerError(Exception):
    """Base of every error the planner raises on purpose."""

    exit_code = 1


class InputError(PlannerError, ValueError):
    """Bad input: names the record or file, the field and the problem."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None, record: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.record = record


class NotFoundError(InputError):
    """A named thing (scenario, record) does not exist."""


class ForbiddenError(PlannerError):
    """The caller may not do this (a role in a drill they do not hold); the message says what is needed."""

    exit_code = 2


class InfeasibleError(PlannerError):
    """The problem as stated has no solution; the message says which constraint and with what numbers."""

    exit_code = 3


class SolverLimitError(PlannerError):
    """The solver hit its time limit before finding any feasible solution."""

    exit_code = 4


def exit_code_for(error: BaseException) -> int:
    """Exit code for an error: 2 bad input, 3 infeasible, 4 solver limit, 1 anything else (a bug)."""
    if isinstance(error, PlannerError):
        return error.exit_code
    if isinstance(error, GeodataError):
        return 2
    return 1
