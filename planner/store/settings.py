"""A scenario's settings documents (plans, drill calendar, warning rules, staging points, ...) in the store.

Each domain package describes its own document once, with
:func:`planner.store.documents.register`: the document's name, its file in a scenario folder and the
check that validates it (the package's pydantic model). This module only stores the registered
documents and returns them by name; it imports no domain package. Once a scenario is
loaded, the store is the one source of its settings: web pages, the CLI and background jobs all read
:class:`StoredDocuments`. The folder is read by :func:`read_folder_settings` (``scenario load``, and
the CLI for a folder that is not stored) and written by :func:`write_folder_settings` (``scenario
export``); edits go through :func:`put_settings`, which checks the document before it is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from planner.errors import NotFoundError
from planner.model.reading import csv_dicts, csv_lines, parse_yaml, read_text
from planner.scenario.files import read_scenario
from planner.scenario.jurisdictions import root_of
from planner.scenario.model import Scenario
from planner.scenario.paths import scenario_path
from planner.store.database import SETTINGS_ID, Store
from planner.store.documents import registered, settings_document
from planner.store.scope import Scope, check_scope


def json_safe(value: Any) -> Any:
    """Return YAML data with dates as ISO strings, so it can be stored as JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------------------
# The folder: read by ``scenario load``, written by ``scenario export``


def read_folder_settings(folder: Path, scenario: Scenario, *, encoding: str | None = None) -> dict[str, Any]:
    """Read and check the settings files present in a scenario folder; return the documents by name.

    The files are UTF-8 text unless ``encoding`` declares gb18030 (see :mod:`planner.model.reading`).
    """
    found: dict[str, Any] = {}
    for document in registered():
        path = folder / document.filename
        if not path.is_file():
            continue
        text = read_text(path, encoding, field=path.name)
        data = _read_csv(text, path.name) if document.tabular else json_safe(parse_yaml(text, path.name))
        document.check(data, scenario, document.filename)
        found[document.name] = data
    return found


def read_folder(name_or_path: str | Path, encoding: str | None = None) -> tuple[Scenario, dict[str, Any]]:
    """Read and check a scenario folder as ``scenario load`` does: its records and its settings files.

    Its text files are UTF-8 (with or without a byte order mark) unless ``encoding`` declares gb18030.
    Reads the documents registered so far: the caller imports the packages that register theirs (the
    CLI's and the web app's entry modules import every one).
    """
    scenario = read_scenario(name_or_path, encoding=encoding)
    return scenario, read_folder_settings(scenario_path(name_or_path), scenario, encoding=encoding)


def write_folder_settings(store: Store, name: str, folder: Path) -> list[str]:
    """Write a scenario's stored settings documents as files of its folder; return the file names written."""
    written = []
    for document in registered():
        data = stored_settings(store, name, document.name)
        if data is None:
            continue
        path = folder / document.filename
        if document.tabular:
            with open(path, "w", newline="", encoding="utf-8") as handle:
                columns = list(dict.fromkeys(key for row in data for key in row)) or ["id"]
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows([{k: _cell(v) for k, v in row.items()} for row in data])
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written.append(document.filename)
    return written


def _cell(value: Any) -> Any:
    """Return a CSV cell: a list (as an edit through the API may store) joined with ``;`` as the files write it."""
    return ";".join(str(v) for v in value) if isinstance(value, list) else value


def _read_csv(text: str, name: str) -> list[dict[str | None, Any]]:
    """Return a settings table's rows as mappings of column to cell text (cells beyond the header under None)."""
    return [row for _, row in csv_dicts(csv_lines(text), name)[1]]


# ----------------------------------------------------------------------------------------------------
# The store: the one source once a scenario is loaded


def store_settings(store: Store, name: str, documents: Mapping[str, Any], *, actor: str = "system") -> None:
    """Put checked settings documents into the store in place of the scenario's, in one transaction.

    Registered documents the mapping lacks are removed, so a scenario loaded again from its folder has
    exactly the folder's settings (:meth:`Store.replace_settings`; ``Store.save_scenario(..., settings=)``
    stores them with the records).
    """
    store.replace_settings(name, documents, actor=actor)


def put_settings(store: Store, scenario: Scenario, name: str, data: Any, *, expected_version: int | None,
                 actor: str = "system", scope: Scope | None = None) -> int:
    """Check one settings document against the scenario and store it; return its new version.

    ``expected_version`` is the version the editor read (None when the scenario has none yet): a
    document changed since raises ``ConflictError`` and nothing is written. ``scope`` is the acting
    user's: every jurisdiction the change touches (the document's ``touches``; the whole scenario when it
    names none) must be theirs (:func:`planner.store.scope.check_scope`, 403 otherwise).
    """
    document = settings_document(name)
    document.check(data, scenario, f"{name}")
    if scope is not None:
        root = root_of(scenario)
        touched = (document.touches(stored_settings(store, scenario.name, name), data, scenario)
                   if document.touches is not None else [root])
        for region in sorted({t or root for t in touched}):
            check_scope(scope, scenario, region, what=f"the {name} settings", permission="edit_plans")
    return store.put_document(scenario.name, name, SETTINGS_ID, data, expected_version=expected_version, actor=actor)


def stored_settings(store: Store, scenario: str, name: str) -> Any | None:
    """Return one stored settings document of a scenario, or None when it has none."""
    found = stored_settings_version(store, scenario, name)
    return None if found is None else found[0]


def stored_settings_version(store: Store, scenario: str, name: str) -> tuple[Any, int] | None:
    """Return one stored settings document with its version, or None when the scenario has none."""
    try:
        return store.get_document(scenario, name, SETTINGS_ID)
    except NotFoundError as error:
        if error.field == "scenario":  # an unknown scenario is still an error; a missing document is not
            raise
        return None


class StoredDocuments(Mapping[str, Any]):
    """A stored scenario's settings documents by name, each read from the store when asked for."""

    def __init__(self, store: Store, scenario: str) -> None:
        self.store = store
        self.scenario = scenario

    def __getitem__(self, name: str) -> Any:
        data = stored_settings(self.store, self.scenario, name)
        if data is None:
            raise KeyError(name)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter([d.name for d in registered() if stored_settings(self.store, self.scenario, d.name) is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)
