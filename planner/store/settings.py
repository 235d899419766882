"""A scenario's settings files beside its records: plans, drill calendar, warning rules, staging points.

They are read from the scenario folder (``plans.yaml``, ``calendar.yaml``, ``warning_rules.yaml``,
``staging_points.csv``),
validated by the module that owns each, stored in the database as scenario documents, and written
back on export. The store, not the folder, is what the running product reads.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from planner.errors import InputError, NotFoundError
from planner.scenario.model import Scenario
from planner.store.database import Store

SETTINGS_FILES: dict[str, str] = {"plans": "plans.yaml", "calendar": "calendar.yaml",
                                  "warning_rules": "warning_rules.yaml", "staging_points": "staging_points.csv"}
"""Collection name -> file name in a scenario folder."""

DEFAULT_ID = "default"
"""Document id of a scenario's one settings document per collection."""


def _check_plans(data: Any, scenario: Scenario) -> None:
    from planner.drills.plans import parse_plans
    from planner.scenario.library import load_library

    parse_plans(data, scenario=scenario, templates=load_library())


def _check_calendar(data: Any, scenario: Scenario) -> None:
    from planner.drills.calendar import parse_calendar

    for year in (data.get("years") or {}) if isinstance(data, Mapping) else ():
        parse_calendar(data, int(year))
    if not isinstance(data, Mapping):
        raise InputError("calendar.yaml: must be a mapping", field="calendar")


def _check_warning_rules(data: Any, scenario: Scenario) -> None:
    from planner.posture.prepositioning import parse_rules

    parse_rules(data)


def _check_staging_points(data: Any, scenario: Scenario) -> None:
    from planner.posture.prepositioning import staging_points_from_rows

    staging_points_from_rows(data, where="staging_points.csv")


VALIDATORS: dict[str, Callable[[Any, Scenario], None]] = {
    "plans": _check_plans, "calendar": _check_calendar, "warning_rules": _check_warning_rules,
    "staging_points": _check_staging_points}
"""Collection -> validator (raises InputError naming the file, entry and field)."""


def json_safe(value: Any) -> Any:
    """YAML data with dates as ISO strings, so it can be stored as JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def read_settings(folder: Path, scenario: Scenario) -> dict[str, Any]:
    """Read and validate the settings files present in a scenario folder."""
    found: dict[str, Any] = {}
    for collection, filename in SETTINGS_FILES.items():
        path = folder / filename
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = _read_csv(path) if path.suffix == ".csv" else json_safe(yaml.safe_load(text))
        except yaml.YAMLError as error:
            raise InputError(f"{filename}: not valid YAML ({str(error).splitlines()[0]})", field=filename) from None
        validator = VALIDATORS.get(collection)
        if validator is not None:
            validator(data, scenario)
        found[collection] = data
    return found


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def store_settings(store: Store, scenario: Scenario, settings: Mapping[str, Any], *, actor: str = "system") -> None:
    """Put each settings document into the store (replacing what was there)."""
    for collection, data in settings.items():
        store.put_document(scenario.name, collection, DEFAULT_ID, data, replace=True, actor=actor)


def stored_settings(store: Store, name: str, collection: str) -> Any | None:
    """Return a scenario's stored settings document, or None when it has none."""
    try:
        return store.get_document(name, collection, DEFAULT_ID)[0]
    except NotFoundError as error:
        if error.field == "scenario":  # an unknown scenario is still an error; a missing document is not
            raise
        return None


def write_settings(store: Store, name: str, folder: Path) -> None:
    """Write the stored settings documents back as YAML files."""
    for collection, filename in SETTINGS_FILES.items():
        data = stored_settings(store, name, collection)
        if data is None:
            continue
        if filename.endswith(".csv"):
            with open(folder / filename, "w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(data[0]) if data else ["id"])
                writer.writeheader()
                writer.writerows(data)
        else:
            (folder / filename).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def posture_settings(store: Store, name: str) -> tuple[Any, Any]:
    """Return the stored warning rules and staging points of a scenario (each None when none is stored)."""
    from planner.posture.prepositioning import parse_rules, staging_points_from_rows

    rules = stored_settings(store, name, "warning_rules")
    staging = stored_settings(store, name, "staging_points")
    return (None if rules is None else parse_rules(rules),
            None if staging is None else staging_points_from_rows(staging, where="stored staging points"))
