"""Helpers shared by CLI commands: finding a scenario, with its settings, in the store or the shipped library.

Imported by the commands' handlers when they run, never while the parser is built (it loads the store and
the records). Importing it registers every settings document (availability's, drills' and posture's), so
the folder and the store know them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import planner.availability.settings  # noqa: F401  (registers the availability rules document)
import planner.drills.settings  # noqa: F401  (registers the plans and calendar documents)
import planner.posture.settings  # noqa: F401  (registers the warning, readiness and staging documents)
import planner.year.settings  # noqa: F401  (registers the incident-rates document)
from planner.errors import InputError, NotFoundError
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.store.database import Store
from planner.store.settings import StoredDocuments, read_folder


def load_scenario(name: str, store: Store | None = None) -> Scenario:
    """Return the stored scenario of that name if there is one, else the shipped library's or a folder's."""
    store = store or Store()
    try:
        return store.load_scenario(name)
    except InputError:
        return read_scenario(name)


def load_with_settings(name: str, store: Store) -> tuple[Scenario, Mapping[str, Any], bool]:
    """Return a scenario, its settings documents by name, and whether it is stored.

    A stored scenario's settings are its stored documents, the ones the web app and background jobs
    read. A scenario that is not stored (a shipped name or a folder path) is read from its folder with
    its settings files, read and checked exactly as ``scenario load`` reads them.
    """
    try:
        return store.load_scenario(name), StoredDocuments(store, name), True
    except NotFoundError:
        return (*read_folder(name), False)
