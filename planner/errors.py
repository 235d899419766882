"""The planner's error hierarchy, mapped to exit codes by the CLI and to 4xx answers by the web app.

A message may name coded values (a status, a capability) marked by :func:`planner.model.codes.coded`:
``⟦unit_status:on_scene|on scene⟧``. ``str(error)`` shows them by their English display name ("no unit is
on scene"); :attr:`PlannerError.marked` keeps the marks, for the pages, the API and the CLI to show them in
their reader's language (:func:`planner.model.codes.shown`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from geodata.errors import GeodataError

CODED = re.compile(r"⟦(\w+):([^⟦⟧|]*)\|([^⟦⟧]*)⟧")
"""A coded value marked in a message: ``⟦field:value|English display name⟧``."""


def plain(text: str) -> str:
    """Return a message with its marked coded values (:data:`CODED`) shown by their English display names."""
    return CODED.sub(r"\3", text)


class PlannerError(Exception):
    """Base of every error the planner raises on purpose."""

    exit_code = 1

    def __str__(self) -> str:
        """Return the message, its coded values by their English display names."""
        return plain(super().__str__())

    @property
    def marked(self) -> str:
        """Return the message with its coded values still marked, to be shown in a reader's language."""
        return super().__str__()


class InputError(PlannerError, ValueError):
    """Bad input: names the record or file, the field and the problem."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None, record: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.record = record


class NotFoundError(InputError):
    """A named thing (scenario, record) does not exist."""

    @classmethod
    def among(cls, what: str, name: str, known: Iterable[str], *, field: str) -> NotFoundError:
        """Return the error for ``name``, not one of ``known``: it lists them, so the reader sees the choices."""
        listed = ", ".join(known) or "none"
        return cls(f"no {what} {name!r} (known: {listed})", field=field, record=name)


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
