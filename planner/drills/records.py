"""The drill programme's history in the store: programmes, drills (design, simulation), evaluations, actions.

Small functions over :class:`planner.store.database.Store` scenario documents, one collection per record type:

- ``programmes``: one document per year (id ``"2026"``), the JSON of a :class:`Programme`.
- ``drills``: one document per scheduled drill (id ``"<year>-<drill id>"``): the saved design (a
  :class:`DrillDesign`) and the last simulation summary (:meth:`SimSummary.to_dict` with histograms).
- ``evaluations``: one per drill, kept by :mod:`planner.drills.evaluation_store` (the latest evaluation
  and its history).
- ``actions``: one per corrective action (:class:`CorrectiveAction`), tracked until closed.

Every write is versioned and audited by the store; a stale ``expected_version`` raises
``ConflictError``. Documents are validated by their pydantic models on the way in and out, and errors
name the field (``InputError``, see :mod:`planner.model.validation`). Dates are ISO strings, days in
the scenario's zone (``timezone`` of ``scenario.yaml``); a design's alarm and inject times are ISO
date-times with the zone's offset (a time given without one, or stored by an earlier version without
one, is read as the scenario's local time).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field

from planner import clock
from planner.drills.design import DrillDesign, shift_design
from planner.drills.improvement import (
    DONE,
    CorrectiveAction,
    manual_action,
    open_actions,
    overdue,
    parse_action,
    set_status,
)
from planner.drills.programme import FIRST_YEAR, LAST_YEAR, Programme
from planner.errors import InputError, NotFoundError
from planner.model.validation import Model, validate
from planner.scenario.jurisdictions import root_of
from planner.scenario.model import Scenario
from planner.store.database import ConflictError, DocumentChange, Store
from planner.store.settings import stored_settings

DRILL_KEY = re.compile(r"^(?P<year>19[0-9]{2}|2[01][0-9]{2}|2200)-(?P<drill>[A-Za-z0-9][A-Za-z0-9_.:-]{0,70})$")
"""``<year>-<programme drill id>``, the id of a drill document, its year from FIRST_YEAR to LAST_YEAR (matched
whole; the API states it as a pattern)."""


# ----------------------------------------------------------------------------------------------------
# Programmes


def parse_year(value: Any, field: str = "year") -> int:
    """Return a programme year (FIRST_YEAR to LAST_YEAR) from a number or text; ``InputError`` names ``field``."""
    if isinstance(value, bool):
        raise InputError(f"{field} must be a year such as 2026, got {value!r}", field=field)
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} must be a year such as 2026, got {value!r}", field=field) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"{field} must be between {FIRST_YEAR} and {LAST_YEAR}, got {year}", field=field)
    return year


def parse_date(value: Any, field: str, record: str | None = None) -> dt.date:
    """Return an ISO date (YYYY-MM-DD); ``InputError`` naming ``field`` otherwise."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{field} must be a date YYYY-MM-DD, got {value!r}", field=field, record=record) from None


def parse_programme(data: Any) -> Programme:
    """Validate a programme's JSON (as :class:`Programme` writes it); ``InputError`` naming the field.

    Beyond the fields' types: drill ids are unique and every drill falls in the programme's year.
    """
    programme = validate(Programme, data, what="programme")
    seen: set[str] = set()
    for drill in programme.drills:
        if drill.id in seen:
            raise InputError(f"programme: duplicate drill id {drill.id!r}", field="id", record=drill.id)
        seen.add(drill.id)
        if drill.date.year != programme.year:
            raise InputError(f"drill {drill.id}: date {drill.date} is outside {programme.year}", field="date",
                             record=drill.id)
    return programme


def check_programme(data: Any) -> dict[str, Any]:
    """Return a programme's JSON validated and in its stored form."""
    return parse_programme(data).to_json()


def save_programme(store: Store, name: str, data: Any, *, expected_version: int | None = None,
                   replace: bool = False, actor: str = "system") -> int:
    """Store a year's programme (document id = the year); returns its new version.

    A new plan of a year that was planned before needs that programme's version (or ``replace``), so
    two planners cannot overwrite each other's calendar unknowingly.
    """
    programme = check_programme(data)
    return store.put_document(name, "programmes", str(programme["year"]), programme,
                              expected_version=expected_version, replace=replace, actor=actor)


def programme_years(store: Store, name: str) -> list[dict[str, Any]]:
    """List the stored programmes: year, version, status and drill count, latest year first."""
    rows = [{"year": int(doc_id), "version": version, "status": data.get("status"),
             "drills": len(data.get("drills", [])), "unmet": len(data.get("unmet", []))}
            for doc_id, data, version in store.documents(name, "programmes")]
    return sorted(rows, key=lambda r: -r["year"])


def get_programme(store: Store, name: str, year: Any) -> tuple[dict[str, Any], int]:
    """Return a stored programme and its version (``NotFoundError`` when that year was never planned)."""
    year = parse_year(year)
    try:
        data, version = store.get_document(name, "programmes", str(year))
    except NotFoundError:
        raise NotFoundError(f"no drill programme stored for {year}: plan the year first", field="year",
                            record=str(year)) from None
    return dict(data), version


# ----------------------------------------------------------------------------------------------------
# Drills: the programme entry, its design and its simulation


def drill_key(year: int, drill_id: str) -> str:
    """Return the document id of a programme's drill."""
    return f"{year}-{drill_id}"


def split_key(key: str) -> tuple[int, str]:
    """``(year, programme drill id)`` of a drill document id; ``InputError`` naming ``drill`` otherwise."""
    match = DRILL_KEY.fullmatch(key or "")
    if match is None:
        raise InputError(f"drill id must look like 2026-<drill id>, got {key!r}", field="drill", record=key)
    return int(match["year"]), match["drill"]


def drill_entry(store: Store, name: str, key: str) -> dict[str, Any]:
    """Return the programme entry of a drill (date, form, scope, scenario, plans, teams, site...)."""
    year, drill_id = split_key(key)
    programme, _ = get_programme(store, name, year)
    for drill in programme.get("drills", []):
        if drill["id"] == drill_id:
            return {**drill, "key": key, "year": year}
    raise NotFoundError(f"the {year} programme has no drill {drill_id!r}", field="drill", record=key)


def drill_jurisdiction(store: Store, scenario: Scenario, key: str) -> str:
    """Return the jurisdiction a drill belongs to: its owner organisation's (the plans document), else the root.

    The scope check of a user who changes the drill (design, shift, simulation, evaluation, its conduct and
    its corrective actions) asks for it.
    """
    return _owner_jurisdiction(store, scenario, drill_entry(store, scenario.name, key).get("owner"))


def action_jurisdiction(store: Store, scenario: Scenario, drill: str | None, plan: str | None) -> str:
    """Return the jurisdiction a corrective action belongs to: its drill's, else its plan owner's, else the root.

    The scope check of a user who raises, moves, closes or verifies the action asks for it.
    """
    if drill:
        return drill_jurisdiction(store, scenario, drill)
    plans = stored_settings(store, scenario.name, "plans") or {}
    entries = plans.get("plans", []) if isinstance(plans, Mapping) else []
    owner = next((p.get("owner") for p in entries if isinstance(p, Mapping) and p.get("id") == plan), None)
    return _owner_jurisdiction(store, scenario, owner)


def _owner_jurisdiction(store: Store, scenario: Scenario, owner: Any) -> str:
    """Return a plan owner organisation's jurisdiction (the plans document), else the scenario's root."""
    plans = stored_settings(store, scenario.name, "plans") or {}
    for organisation in plans.get("organisations", []) if isinstance(plans, Mapping) else []:
        if owner and organisation.get("id") == owner and organisation.get("jurisdiction"):
            return str(organisation["jurisdiction"])
    return root_of(scenario)


def get_drill(store: Store, name: str, key: str) -> tuple[dict[str, Any], int | None]:
    """Return a drill's stored record (``design``, ``simulation``) and version; an empty record and None if unsaved."""
    split_key(key)
    try:
        data, version = store.get_document(name, "drills", key)
    except NotFoundError:
        return {"id": key, "design": None, "simulation": None}, None
    return dict(data), version


def _put_drill(store: Store, name: str, key: str, changes: Mapping[str, Any], expected_version: int | None,
               actor: str) -> int:
    record, _ = get_drill(store, name, key)
    record.update(changes)
    record["id"] = key
    return store.put_document(name, "drills", key, record, expected_version=expected_version, actor=actor)


def parse_design(data: Any, zone: dt.tzinfo) -> DrillDesign:
    """Validate a design's JSON (as :class:`DrillDesign` writes it); ``InputError`` naming the field.

    Times without an offset are wall-clock times in ``zone`` (the scenario's).
    """
    design = validate(DrillDesign, data, what="design")
    if design.start.tzinfo is not None and all(row.time.tzinfo is not None for row in design.msel):
        return design
    return design.model_copy(update={"start": clock.wall_clock(design.start, zone),
                                     "msel": tuple(row.model_copy(update={"time": clock.wall_clock(row.time, zone)})
                                                   for row in design.msel)})


def check_design(data: Any, zone: dt.tzinfo) -> dict[str, Any]:
    """Return a design's JSON validated and in its stored form (times with the zone's offset)."""
    return parse_design(data, zone).to_json()


def save_design(store: Store, name: str, key: str, design: Any, *, expected_version: int | None = None,
                actor: str = "system") -> int:
    """Store a drill's design (objectives, participants, expected dispatch, MSEL)."""
    return _put_drill(store, name, key, {"design": check_design(design, store.scenario_zone(name))},
                      expected_version, actor)


def shift_stored_design(store: Store, name: str, key: str, *, minutes: Any = None, start: Any = None,
                        expected_version: int | None = None, actor: str = "system") -> tuple[dict[str, Any], int]:
    """Move a stored design by ``minutes`` or to a new ``start`` (ISO), keeping every inject's spacing."""
    record, version = get_drill(store, name, key)
    if record.get("design") is None:
        raise InputError(f"drill {key} has no saved design to shift", field="design", record=key)
    zone = store.scenario_zone(name)
    design = parse_design(record["design"], zone)
    if start not in (None, ""):
        delta = clock.local_moment(str(start), zone, "start") - design.start
    else:
        try:
            value = float(minutes)
        except (TypeError, ValueError):
            raise InputError(f"minutes must be a number, got {minutes!r}", field="minutes") from None
        if isinstance(minutes, bool) or not abs(value) <= 366 * 24 * 60:
            raise InputError("minutes must be a number of minutes within a year", field="minutes")
        delta = dt.timedelta(minutes=value)
    try:
        shifted = shift_design(design, delta).to_json()
    except OverflowError:
        raise InputError("the shifted drill falls outside the calendar", field="start") from None
    new_version = _put_drill(store, name, key, {"design": shifted},
                             version if expected_version is None else expected_version, actor)
    return shifted, new_version


class MetricSummary(Model):
    """One key time over the replications: share of runs where it happened, mean, p50, p90, min, max."""

    share: float = Field(default=0.0, ge=0, le=1)
    mean: float | None = None
    p50: float | None
    p90: float | None
    min: float | None = None
    max: float | None = None


class Histogram(Model):
    """Counts of a key time between bin ``edges`` (one more edge than counts)."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]


class SimulationRecord(Model):
    """A drill's stored Monte Carlo summary: the ``drills-simulate`` job's result, kept with the drill.

    It is the ``simulated`` expectation of :func:`~planner.drills.evaluation.evaluate_drill`: it answers
    the 50th and 90th percentiles from the stored figures.
    """

    runs: int = Field(strict=True, ge=1)
    seed: int | None = None
    escalated_share: float = 0.0
    seconds: float = 0.0
    metrics: dict[str, MetricSummary]
    template: str | None = None
    site: str | None = None
    drill: str | None = None
    histograms: dict[str, Histogram] = Field(default_factory=dict)
    roads: dict[str, Any] | None = Field(None, description="closures and time band the teams drove under "
                                                           "(planner.roads.conditions; null: free flow)")

    def percentile(self, metric: str, q: float) -> float:
        """Return the stored p50 or p90 of a metric (nan for other percentiles, an unknown metric or no value)."""
        row = self.metrics.get(metric)
        value = None if row is None else {50: row.p50, 90: row.p90}.get(int(q))
        return float("nan") if value is None else float(value)


def parse_simulation(data: Any) -> SimulationRecord:
    """Validate a simulation summary's JSON; ``InputError`` naming the field (``runs``, ``p50``...)."""
    return validate(SimulationRecord, data, what="simulation")


def save_simulation(store: Store, name: str, key: str, summary: Any, *, expected_version: int | None = None,
                    actor: str = "system") -> int:
    """Store a drill's Monte Carlo summary (with its template, site, runs and seed)."""
    return _put_drill(store, name, key, {"simulation": parse_simulation(summary).to_json()}, expected_version, actor)


# ----------------------------------------------------------------------------------------------------
# Corrective actions


def actions(store: Store, name: str) -> list[tuple[CorrectiveAction, int]]:
    """Every stored corrective action with its version."""
    return [(parse_action(data), version)
            for _doc_id, data, version in store.documents(name, "actions")]


def get_action(store: Store, name: str, action_id: str) -> tuple[CorrectiveAction, int]:
    """One corrective action and its version."""
    data, version = store.get_document(name, "actions", action_id)
    return parse_action(data), version


def add_actions(store: Store, name: str, new: Iterable[CorrectiveAction], *, actor: str = "system") -> list[str]:
    """Store new corrective actions in one transaction (an id that exists already is refused: ``ConflictError``)."""
    changes = action_changes(new)
    if changes:
        store.put_documents(name, changes, actor=actor)
    return [change.doc_id for change in changes]


def action_changes(new: Iterable[CorrectiveAction]) -> list[DocumentChange]:
    """Return the store changes that create new corrective actions (to write them with other documents at once)."""
    return [DocumentChange("actions", action.id, action.to_json()) for action in new]


def update_action(store: Store, name: str, action_id: str, changes: Mapping[str, Any], *, today: dt.date,
                  expected_version: int | None = None, actor: str = "system") -> tuple[CorrectiveAction, int]:
    """Change an action's status (closing needs ``verified_by``), owner, due date or note.

    ``expected_version`` is the version the editor saw; a stale one raises ``ConflictError``.
    """
    action, version = get_action(store, name, action_id)
    if expected_version is not None and expected_version != version:
        raise ConflictError(f"corrective action {action_id} was changed by someone else (version {version}, you "
                            f"edited {expected_version}); reload it", field="version", record=action_id)
    unknown = sorted(set(changes) - {"status", "verified_by", "note", "owner", "due", "version", "priority",
                                     "capability", "evidence", "cancel_reason", "text"})
    if unknown:
        raise InputError(f"corrective action: unknown field {unknown[0]!r}", field=unknown[0], record=action_id)
    data = action.to_json()
    if "owner" in changes:
        owner = str(changes["owner"] or "").strip()
        if not owner:
            raise InputError("owner must not be empty", field="owner", record=action_id)
        data["owner"] = owner
    if "due" in changes:
        data["due"] = parse_date(changes["due"], "due", action_id).isoformat()
    for field in ("priority", "capability", "text"):
        if changes.get(field) is not None:
            data[field] = str(changes[field]).strip()
    if not str(data.get("text", "")).strip():
        raise InputError("text must not be empty", field="text", record=action_id)
    updated = parse_action(data)
    if {"status", "verified_by", "note", "evidence", "cancel_reason"} & set(changes):
        status = str(changes.get("status") or updated.status)
        updated = set_status([updated], action_id, status, on=today,
                             verified_by=str(changes.get("verified_by") or "").strip(),
                             note=str(changes.get("note") or ""), evidence=str(changes.get("evidence") or "").strip(),
                             cancel_reason=str(changes.get("cancel_reason") or "").strip())[0]
    new_version = store.put_document(name, "actions", action_id, updated.to_json(), expected_version=version,
                                     actor=actor)
    return updated, new_version


def create_action(store: Store, name: str, data: Mapping[str, Any], *, today: dt.date,
                  actor: str = "system") -> tuple[CorrectiveAction, int]:
    """Raise a corrective action by hand (text, owner, due, and optionally drill, severity, priority, capability)."""
    drill = str(data.get("drill") or "")
    if drill:
        drill_entry(store, name, drill)
    action = manual_action([a for a, _ in actions(store, name)], text=str(data.get("text") or ""),
                           owner=str(data.get("owner") or ""), due=parse_date(data.get("due"), "due"), today=today,
                           drill=drill, severity=data.get("severity") or "minor",
                           priority=data.get("priority") or "medium", capability=str(data.get("capability") or ""),
                           plan=data.get("plan"))
    version = store.put_document(name, "actions", action.id, action.to_json(), actor=actor)
    return action, version


def board(store: Store, name: str, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Return the corrective-action board: open, in progress, closed and cancelled; each marked overdue or not."""
    stored = actions(store, name)
    late = {a.id for a in overdue([a for a, _ in stored], today)}
    columns: dict[str, list[dict[str, Any]]] = {"open": [], "in_progress": [], "closed": [], "cancelled": []}
    ordered = open_actions(a for a, _ in stored) + sorted((a for a, _ in stored if a.status in DONE),
                                                          key=lambda a: (a.closed_on or a.due, a.id), reverse=True)
    versions = {a.id: v for a, v in stored}
    for action in ordered:
        columns[action.status].append({**action.to_json(), "version": versions[action.id],
                                       "overdue": action.id in late})
    return columns


def drill_actions(store: Store, name: str, key: str) -> list[tuple[CorrectiveAction, int]]:
    """Return the corrective actions raised by one drill's evaluation."""
    return [(a, v) for a, v in actions(store, name) if a.drill == key]

