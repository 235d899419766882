"""Helpers shared by CLI commands: finding a scenario, with its settings, in the store or the shipped library.

Imported by the commands' handlers when they run, never while the parser is built (it loads the store and
the records). Importing it registers every settings document (availability's, drills', posture's, the roads'
and the year's), so the folder and the store know them all.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import planner.availability.settings  # noqa: F401  (registers the availability rules document)
import planner.drills.settings  # noqa: F401  (registers the plans and calendar documents)
import planner.posture.settings  # noqa: F401  (registers the warning, readiness and staging documents)
import planner.roads.bands  # noqa: F401  (registers the speed-profiles document)
import planner.roads.closures  # noqa: F401  (registers the closures document)
import planner.year.settings  # noqa: F401  (registers the incident-rates document)
from planner.clock import local_moment
from planner.errors import InputError, NotFoundError
from planner.roads.conditions import ClosureRequest, RoadConditions, travel_network
from planner.roads.day import OnTheDay, on_the_day
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


def road_conditions(args: argparse.Namespace, scenario_name: str, *,
                    use_at: bool = True) -> tuple[Scenario, RoadConditions | None]:
    """Return the scenario and its travel network under the command's road options (None when none is given).

    Reads the scenario with its settings (stored, else its folder) only when an option needs them.
    """
    if not road_options_given(args, use_at=use_at):
        return load_scenario(scenario_name), None
    scenario, documents, _ = load_with_settings(scenario_name, Store())
    return scenario, roads_for(args, scenario, documents, use_at=use_at)


def road_options_given(args: argparse.Namespace, *, use_at: bool = True) -> bool:
    """Whether the command was given ``--closures``, ``--close-area``, ``--band`` or (with ``use_at``) ``--at``."""
    options = ("closures", "close_area", "band", *(("at",) if use_at else ()))
    return any(getattr(args, option, None) is not None for option in options)


def roads_for(args: argparse.Namespace, scenario: Scenario, documents: Mapping[str, Any], *,
              use_at: bool = True) -> RoadConditions | None:
    """Return the scenario's travel network under the command's road options, or None when none is given.

    ``--closures`` and ``--close-area`` together are refused, as are ``--at`` and ``--band``. A command
    whose ``--at`` means something else (posture: when the posture holds) passes ``use_at=False``.
    """
    if not road_options_given(args, use_at=use_at):
        return None
    at_text = getattr(args, "at", None) if use_at else None
    at = None if at_text is None else local_moment(at_text, scenario.zone, "at")
    return travel_network(scenario, documents, closures=closures_of(args), band=getattr(args, "band", None), at=at)


def day_for(args: argparse.Namespace, scenario_name: str) -> tuple[Scenario, OnTheDay]:
    """Return the scenario and the command's moment: the teams on duty at ``--at`` and the roads then.

    The one reading of ``--at`` for coverage, what-if and dispatch (:func:`planner.roads.day.on_the_day`,
    as the API's ``at``): who is on duty, and the time band the roads are driven in, under
    ``--closures``/``--close-area``. Without any of those options: the scenario and nothing changed.
    """
    if not road_options_given(args):
        return load_scenario(scenario_name), OnTheDay(None, None, None)
    scenario, documents, _ = load_with_settings(scenario_name, Store())
    return scenario, on_the_day(scenario, documents, at=getattr(args, "at", None), closures=closures_of(args),
                                band=getattr(args, "band", None))


def closures_of(args: argparse.Namespace) -> ClosureRequest:
    """Return the command's closures: ``--closures NAME``, the geometry of ``--close-area FILE``, or None."""
    closures: Any = getattr(args, "closures", None)
    area: Path | None = getattr(args, "close_area", None)
    if closures is not None and area is not None:
        raise InputError("give --closures NAME or --close-area FILE, not both", field="closures")
    return read_area(area) if area is not None else closures


def read_area(path: Path) -> Any:
    """Read a GeoJSON file of areas to close; ``InputError`` names ``close-area`` when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"--close-area {path}: cannot read GeoJSON ({error})", field="close-area") from None
