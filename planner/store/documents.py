"""Which scenario documents the store keeps beside the records: the settings register and the other collections.

A settings document (plans, drill calendar, warning rules, staging points, ...) is described once by the
domain package that owns it, with :func:`register`: its name, its file in a scenario folder, its pydantic
model (fields and types: the settings API documents and validates edits with it) and the check that
validates it against a scenario (the model, and what spans records: a plan's teams exist). The register
is the one list of settings documents: the store accepts a settings collection only once it is
registered, :mod:`planner.store.settings` reads, stores and exports exactly the registered ones, and the
settings API offers them. The other document collections (the drill programme's history and the
accepted warnings) are listed in
:data:`HISTORY_COLLECTIONS`. This module imports no domain package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from planner.errors import InputError, NotFoundError
from planner.scenario.model import Scenario

Check = Callable[[Any, Scenario, str], object]
"""``check(data, scenario, where)``: raise ``InputError`` naming ``where``, the entry and the field."""
Touches = Callable[[Any, Any, Scenario], Iterable[str]]
"""``touches(before, after, scenario)``: the jurisdictions a change of the document touches (``before`` None when
there is none yet; an empty id stands for the whole scenario), for the scope check of the user who makes it."""

HISTORY_COLLECTIONS = frozenset({"programmes", "drills", "evaluations", "actions", "warnings", "msels", "exercises",
                                 "conducts", "requests"})
"""Scenario documents that are not settings: the drill programme's history (programmes, drills, their
MSELs, exercise roles and conduct logs, evaluations, corrective actions), the accepted warnings, and the
cross-region requests for help with their claims (``planner.requests``). Each module that owns one
validates its documents; the store versions and audits them like records."""


@dataclass(frozen=True)
class SettingsDocument:
    """A kind of settings document: its name, its file in a scenario folder, its model and the check of its owner."""

    name: str
    filename: str
    model: type[BaseModel]
    """The document's pydantic model (a CSV document's: the list of its rows)."""
    check: Check
    description: str = ""
    touches: Touches | None = None
    """Which jurisdictions a change touches; None: the whole scenario (only who holds it all may change it)."""

    @property
    def tabular(self) -> bool:
        """Whether the folder keeps it as a CSV table (a list of rows) rather than YAML."""
        return self.filename.endswith(".csv")

    def typed(self, data: Any) -> Any:
        """Return a stored document as JSON typed by its model: a CSV document's text cells as numbers and lists.

        A YAML document is returned as stored (its values have their types already); a CSV document's rows
        are read by the model (blank cells left out, ``;``-separated lists split, unknown columns dropped).
        """
        if not self.tabular:
            return data
        return self.model.model_validate(data).model_dump(mode="json", exclude_unset=True)


_REGISTERED: dict[str, SettingsDocument] = {}


def register(document: SettingsDocument) -> SettingsDocument:
    """Register a kind of settings document (called once by the domain module that owns it)."""
    _REGISTERED[document.name] = document
    return document


def registered() -> tuple[SettingsDocument, ...]:
    """Return the registered kinds of settings documents, by name."""
    return tuple(_REGISTERED[name] for name in sorted(_REGISTERED))


def settings_document(name: str) -> SettingsDocument:
    """Return a registered kind of settings document; ``NotFoundError`` lists the known ones."""
    try:
        return _REGISTERED[name]
    except KeyError:
        raise NotFoundError.among("settings document", name, sorted(_REGISTERED), field="settings") from None


def check_collection(collection: str) -> None:
    """Refuse a document collection that is neither a registered settings document nor a history collection."""
    if collection not in HISTORY_COLLECTIONS and collection not in _REGISTERED:
        raise InputError(f"unknown document collection {collection!r}", field="collection")
