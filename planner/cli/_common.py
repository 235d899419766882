"""Helpers shared by CLI commands: finding a scenario, with its settings, in the store or the shipped library."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from planner.errors import InputError, NotFoundError
from planner.scenario.files import library_names, read_scenario, scenario_path
from planner.scenario.model import Scenario
from planner.store.database import Store
from planner.store.settings import StoredDocuments, read_folder_settings


def add_scenario_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--scenario NAME`` (a stored scenario, else one of the shipped library or a folder)."""
    parser.add_argument("--scenario", required=required, metavar="NAME",
                        help="stored scenario name, or a shipped one (%(choices)s) or a folder path"
                        .replace("%(choices)s", ", ".join(library_names())))


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
    register_settings_documents()
    try:
        return store.load_scenario(name), StoredDocuments(store, name), True
    except NotFoundError:
        return (*read_folder(name), False)


def read_folder(name: str, encoding: str | None = None) -> tuple[Scenario, dict[str, Any]]:
    """Read and check a scenario folder (a shipped name or a path): its records and its settings files.

    Its text files are UTF-8 (with or without a byte order mark) unless ``encoding`` declares gb18030.
    """
    register_settings_documents()
    scenario = read_scenario(name, encoding=encoding)
    return scenario, read_folder_settings(scenario_path(name), scenario, encoding=encoding)


def register_settings_documents() -> None:
    """Import the packages that register the settings documents, so the folder and the store know them all.

    Imported here rather than at the top: posture's optimiser comes with them, and importing it at every
    command's start made ``python -m planner --help`` about 0.6 s slower (``python -X importtime``).
    """
    import planner.drills.settings
    import planner.posture.settings  # noqa: F401  (with the line above: registers every settings document)
