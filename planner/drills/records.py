"""The drill programme's history in the store: programmes, drills (design, simulation), evaluations, actions.

Small functions over :class:`planner.store.database.Store` scenario documents, one collection per record type:

- ``programmes``: one document per year (id ``"2026"``), the JSON of :meth:`Programme.to_dict`.
- ``drills``: one document per scheduled drill (id ``"<year>-<drill id>"``): the programme entry, the
  saved design (:meth:`DrillDesign.to_dict`) and the last simulation summary (:meth:`SimSummary.to_dict`
  with histograms).
- ``evaluations``: one per drill: the observed timeline (CSV text), the evaluation, the turn-out
  proposals and which of them were applied.
- ``actions``: one per corrective action (:meth:`CorrectiveAction.to_dict`), tracked until closed.

Every write is versioned and audited by the store; a stale ``expected_version`` raises
``ConflictError``. Input is checked here and errors name the field (``InputError``). Dates are ISO
strings, days in the scenario's zone (``timezone`` of ``scenario.yaml``); a design's alarm and inject
times are ISO date-times with the zone's offset (a time given without one, or stored by an earlier
version without one, is read as the scenario's local time).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planner.clock import DEFAULT_ZONE
from planner.drills.calendar import Blackout
from planner.drills.design import DrillDesign, ExpectedArrival, MselRow, shift_design
from planner.drills.evaluation import Evaluation, Finding, ObjectiveResult, TurnoutObservation
from planner.drills.improvement import CorrectiveAction, open_actions, overdue, set_status
from planner.drills.programme import Drill, Programme, Unmet
from planner.errors import InputError, NotFoundError
from planner.model.status import Status
from planner.store.database import Store
from planner.store.settings import stored_settings

DRILL_KEY = re.compile(r"^(?P<year>\d{4})-(?P<drill>[A-Za-z0-9][A-Za-z0-9_.:-]{0,70})$")
"""``<year>-<programme drill id>``, the id of a drill document."""


# ----------------------------------------------------------------------------------------------------
# Programmes


def parse_year(value: Any, field: str = "year") -> int:
    """Return a programme year (1900..2200) from a number or text; ``InputError`` names ``field``."""
    if isinstance(value, bool):
        raise InputError(f"{field} must be a year such as 2026, got {value!r}", field=field)
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} must be a year such as 2026, got {value!r}", field=field) from None
    if not 1900 <= year <= 2200:
        raise InputError(f"{field} must be between 1900 and 2200, got {year}", field=field)
    return year


def _date(value: Any, field: str, record: str | None = None) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{field} must be a date YYYY-MM-DD, got {value!r}", field=field, record=record) from None


def check_programme(data: Any) -> dict[str, Any]:
    """Validate the JSON of a programme (as :meth:`Programme.to_dict` makes it); returns it."""
    if not isinstance(data, Mapping):
        raise InputError("a programme must be a JSON object", field="programme")
    year = parse_year(data.get("year"))
    drills = data.get("drills")
    if not isinstance(drills, list):
        raise InputError("programme: drills must be a list", field="drills")
    seen: set[str] = set()
    for k, drill in enumerate(drills):
        if not isinstance(drill, Mapping) or not isinstance(drill.get("id"), str):
            raise InputError(f"programme drills[{k}]: must be an object with an id", field="drills")
        if drill["id"] in seen:
            raise InputError(f"programme drills[{k}]: duplicate id {drill['id']!r}", field="id", record=drill["id"])
        seen.add(drill["id"])
        day = _date(drill.get("date"), "date", drill["id"])
        if day.year != year:
            raise InputError(f"drill {drill['id']}: date {day} is outside {year}", field="date", record=drill["id"])
        for name in ("form", "scope", "scenario"):
            if not isinstance(drill.get(name), str):
                raise InputError(f"drill {drill['id']}: {name} must be text", field=name, record=drill["id"])
    if not isinstance(data.get("unmet", []), list):
        raise InputError("programme: unmet must be a list", field="unmet")
    return dict(data)


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


def programme_from_dict(data: Mapping[str, Any]) -> Programme:
    """Rebuild the :class:`Programme` from its JSON form (for the iCalendar and CSV exports)."""
    def window(b: Mapping[str, Any]) -> Blackout:
        return Blackout(str(b.get("name", "")), _date(b["start"], "start"), _date(b["end"], "end"),
                        str(b.get("applies_to", "all")), str(b.get("source", "")))

    drills = tuple(Drill(d["id"], _date(d["date"], "date", d["id"]), d["form"], d["scope"], d["scenario"],
                         tuple(d.get("plans", ())), tuple(d.get("teams", ())), d.get("site"), str(d.get("owner", "")),
                         tuple(d.get("satisfies", ()))) for d in data.get("drills", []))
    flood = data.get("flood_season")
    unmet = tuple(Unmet(str(u.get("rule")), str(u.get("reason", "")), u.get("plan"), u.get("organisation"),
                        u.get("period"), bool(u.get("advisory")), tuple(u.get("blocked_by", ())))
                  for u in data.get("unmet", []))
    try:
        status = Status(data.get("status", "feasible"))
    except ValueError:
        status = Status.FEASIBLE
    return Programme(
        year=parse_year(data.get("year")), plans=tuple(data.get("plans", ())), drills=drills,
        blackouts=tuple(window(b) for b in data.get("blackouts", [])),
        flood_season=None if not flood else window({"name": "flood season", "applies_to": "field", **flood}),
        unmet=unmet, coverage_gaps=tuple((g["site"], g["standard"]) for g in data.get("coverage_gaps", [])),
        settings=dict(data.get("settings", {})), status=status, wall_s=float(data.get("seconds", 0.0)),
        timezone=str(data.get("timezone", DEFAULT_ZONE)), organisations=tuple(data.get("organisations", ())),
    )


# ----------------------------------------------------------------------------------------------------
# Drills: the programme entry, its design and its simulation


def drill_key(year: int, drill_id: str) -> str:
    """Return the document id of a programme's drill."""
    return f"{year}-{drill_id}"


def split_key(key: str) -> tuple[int, str]:
    """``(year, programme drill id)`` of a drill document id; ``InputError`` naming ``drill`` otherwise."""
    match = DRILL_KEY.match(key or "")
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


def check_design(data: Any, zone: dt.tzinfo) -> dict[str, Any]:
    """Validate a design's JSON (as :meth:`DrillDesign.to_dict` makes it); return it with zoned times."""
    return design_from_dict(data, zone).to_dict()


def design_from_dict(data: Any, zone: dt.tzinfo) -> DrillDesign:
    """Rebuild the :class:`DrillDesign` from its JSON form; ``InputError`` naming the field.

    Times without an offset are read in ``zone`` (the scenario's).
    """
    if not isinstance(data, Mapping):
        raise InputError("a design must be a JSON object", field="design")
    try:
        start = _zoned(str(data["start"]), zone)
        msel = tuple(MselRow(_zoned(str(r["time"]), zone), float(r["at_min"]), str(r["inject"]),
                             str(r.get("title", "")), str(r.get("message", "")),
                             tuple(str(a) for a in r.get("expected_actions", ())),
                             str(r.get("evaluator_notes", "")), r.get("objective")) for r in data.get("msel", []))
        expected = tuple(ExpectedArrival(str(e["team"]), float(e["arrival_min"]), dict(e.get("capabilities", {})))
                         for e in data.get("expected_dispatch", []))
        return DrillDesign(str(data["template"]), str(data["site"]), start, tuple(data.get("objectives", ())),
                           tuple(str(p) for p in data.get("participants", ())), expected,
                           tuple(data.get("shortfall", ())), msel, str(data.get("dispatch_status", "")))
    except KeyError as error:
        raise InputError(f"design: {error.args[0]} is missing", field=str(error.args[0])) from None
    except (TypeError, ValueError, AttributeError) as error:
        raise InputError(f"design: {error}", field="design") from None


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
    design = design_from_dict(record["design"], zone)
    if start not in (None, ""):
        try:
            delta = _zoned(str(start), zone) - design.start
        except ValueError:
            raise InputError(f"start must be an ISO date-time such as 2026-04-08T09:00, got {start!r}",
                             field="start") from None
    else:
        try:
            value = float(minutes)
        except (TypeError, ValueError):
            raise InputError(f"minutes must be a number, got {minutes!r}", field="minutes") from None
        if isinstance(minutes, bool) or not abs(value) <= 366 * 24 * 60:
            raise InputError("minutes must be a number of minutes within a year", field="minutes")
        delta = dt.timedelta(minutes=value)
    try:
        shifted = shift_design(design, delta).to_dict()
    except OverflowError:
        raise InputError("the shifted drill falls outside the calendar", field="start") from None
    new_version = _put_drill(store, name, key, {"design": shifted},
                             version if expected_version is None else expected_version, actor)
    return shifted, new_version


def _zoned(text: str, zone: dt.tzinfo) -> dt.datetime:
    """Parse an ISO date-time; one without an offset is a wall-clock time in ``zone``."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def check_simulation(data: Any) -> dict[str, Any]:
    """Validate a simulation summary's JSON (runs, seed, metrics with p50/p90)."""
    if not isinstance(data, Mapping):
        raise InputError("a simulation summary must be a JSON object", field="simulation")
    if isinstance(data.get("runs"), bool) or not isinstance(data.get("runs"), int) or data["runs"] < 1:
        raise InputError("simulation: runs must be an integer >= 1", field="runs")
    metrics = data.get("metrics")
    if not isinstance(metrics, Mapping):
        raise InputError("simulation: metrics must be an object", field="metrics")
    for key, row in metrics.items():
        if not isinstance(row, Mapping) or not {"p50", "p90"} <= set(row):
            raise InputError(f"simulation: metric {key} needs p50 and p90", field="metrics", record=str(key))
    return dict(data)


def save_simulation(store: Store, name: str, key: str, summary: Any, *, expected_version: int | None = None,
                    actor: str = "system") -> int:
    """Store a drill's Monte Carlo summary (with its template, site, runs and seed)."""
    return _put_drill(store, name, key, {"simulation": check_simulation(summary)}, expected_version, actor)


class StoredSimulation:
    """A stored simulation summary, the ``simulated`` argument of :func:`~planner.drills.evaluation.evaluate_drill`.

    It answers the 50th and 90th percentiles the evaluation asks for from the stored figures.
    """

    def __init__(self, summary: Mapping[str, Any]) -> None:
        self.metrics = {k: v for k, v in summary.get("metrics", {}).items() if v.get("p50") is not None}

    def percentile(self, metric: str, q: float) -> float:
        """Return the stored p50 or p90 of a metric (nan for other percentiles or an unknown metric)."""
        row = self.metrics.get(metric, {})
        value = row.get({50: "p50", 90: "p90"}.get(int(q), ""))
        return float("nan") if value is None else float(value)


# ----------------------------------------------------------------------------------------------------
# Evaluations


def evaluation_from_dict(data: Mapping[str, Any]) -> Evaluation:
    """Rebuild the :class:`Evaluation` from its JSON form (for the HTML and PDF reports)."""
    try:
        return Evaluation(
            drill=str(data["drill"]), template=str(data["template"]),
            results=tuple(ObjectiveResult(**r) for r in data.get("objectives", [])),
            findings=tuple(Finding(**f) for f in data.get("findings", [])),
            turnout=tuple(TurnoutObservation(**t) for t in data.get("turnout", [])),
            figures=dict(data.get("figures", {})),
        )
    except (KeyError, TypeError) as error:
        raise InputError(f"evaluation: {error}", field="evaluation") from None


def save_evaluation(store: Store, name: str, key: str, record: Mapping[str, Any], *,
                    expected_version: int | None = None, actor: str = "system") -> int:
    """Store a drill's evaluation record (``evaluation``, ``observed_csv``, ``plan``, ``date``, proposals)."""
    split_key(key)
    if not isinstance(record.get("evaluation"), Mapping):
        raise InputError("an evaluation record needs its evaluation", field="evaluation")
    evaluation_from_dict(record["evaluation"])
    return store.put_document(name, "evaluations", key, {**record, "id": key}, expected_version=expected_version,
                              actor=actor)


def get_evaluation(store: Store, name: str, key: str) -> tuple[dict[str, Any], int]:
    """Return a drill's stored evaluation and version (``NotFoundError`` if the drill was not evaluated)."""
    split_key(key)
    try:
        data, version = store.get_document(name, "evaluations", key)
    except NotFoundError:
        raise NotFoundError(f"drill {key} has not been evaluated yet", field="drill", record=key) from None
    return dict(data), version


def evaluations(store: Store, name: str) -> list[tuple[str, dict[str, Any], int]]:
    """Every stored evaluation: ``(drill key, record, version)``."""
    return [(doc_id, dict(data), version) for doc_id, data, version in store.documents(name, "evaluations")]


# ----------------------------------------------------------------------------------------------------
# Corrective actions


def actions(store: Store, name: str) -> list[tuple[CorrectiveAction, int]]:
    """Every stored corrective action with its version."""
    return [(CorrectiveAction.from_dict(dict(data)), version)
            for _doc_id, data, version in store.documents(name, "actions")]


def get_action(store: Store, name: str, action_id: str) -> tuple[CorrectiveAction, int]:
    """One corrective action and its version."""
    data, version = store.get_document(name, "actions", action_id)
    return CorrectiveAction.from_dict(dict(data)), version


def add_actions(store: Store, name: str, new: Iterable[CorrectiveAction], *, actor: str = "system") -> list[str]:
    """Store new corrective actions (an id that exists already is refused: ``ConflictError``)."""
    ids = []
    for action in new:
        store.put_document(name, "actions", action.id, action.to_dict(), expected_version=None, actor=actor)
        ids.append(action.id)
    return ids


def update_action(store: Store, name: str, action_id: str, changes: Mapping[str, Any], *, today: dt.date,
                  expected_version: int | None = None, actor: str = "system") -> tuple[CorrectiveAction, int]:
    """Change an action's status (closing needs ``verified_by``), owner, due date or note.

    ``expected_version`` is the version the editor saw; a stale one raises ``ConflictError``.
    """
    action, version = get_action(store, name, action_id)
    if expected_version is not None and expected_version != version:
        from planner.store.database import ConflictError

        raise ConflictError(f"corrective action {action_id} was changed by someone else (version {version}, you "
                            f"edited {expected_version}); reload it", field="version", record=action_id)
    unknown = sorted(set(changes) - {"status", "verified_by", "note", "owner", "due", "version"})
    if unknown:
        raise InputError(f"corrective action: unknown field {unknown[0]!r}", field=unknown[0], record=action_id)
    data = action.to_dict()
    if "owner" in changes:
        owner = str(changes["owner"] or "").strip()
        if not owner:
            raise InputError("owner must not be empty", field="owner", record=action_id)
        data["owner"] = owner
    if "due" in changes:
        data["due"] = _date(changes["due"], "due", action_id).isoformat()
    updated = CorrectiveAction.from_dict(data)
    if "status" in changes or "verified_by" in changes or "note" in changes:
        status = str(changes.get("status") or updated.status)
        updated = set_status([updated], action_id, status, on=today,
                             verified_by=str(changes.get("verified_by") or "").strip(),
                             note=str(changes.get("note") or ""))[0]
    new_version = store.put_document(name, "actions", action_id, updated.to_dict(), expected_version=version,
                                     actor=actor)
    return updated, new_version


def board(store: Store, name: str, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Return the corrective-action board: open, in progress and closed columns; each action marked overdue or not."""
    stored = actions(store, name)
    late = {a.id for a in overdue([a for a, _ in stored], today)}
    columns: dict[str, list[dict[str, Any]]] = {"open": [], "in_progress": [], "closed": []}
    ordered = open_actions(a for a, _ in stored) + sorted((a for a, _ in stored if a.status == "closed"),
                                                          key=lambda a: (a.closed_on or a.due, a.id), reverse=True)
    versions = {a.id: v for a, v in stored}
    for action in ordered:
        columns[action.status].append({**action.to_dict(), "version": versions[action.id],
                                       "overdue": action.id in late})
    return columns


def plans_needing_revision(store: Store, name: str) -> dict[str, list[str]]:
    """Plan id -> reasons: a major finding of an evaluated drill flags its plan until its actions are closed.

    Plans flagged in the stored plans document (``needs_revision``) are listed too (条例 Art 6, R-PLAN-1).
    """
    flagged: dict[str, list[str]] = {}
    plans = stored_settings(store, name, "plans") or {}
    for plan in plans.get("plans", []) if isinstance(plans, Mapping) else []:
        if plan.get("needs_revision"):
            flagged.setdefault(plan["id"], []).extend(plan.get("revision_reasons") or ["flagged in plans"])
    stored = [a for a, _ in actions(store, name)]
    for key, record, _version in evaluations(store, name):
        plan = record.get("plan")
        if not plan:
            continue
        for finding in record["evaluation"].get("findings", []):
            raised = [a for a in stored if a.drill == key and a.finding == finding["id"]]
            if finding["severity"] == "major" and (not raised or any(a.status != "closed" for a in raised)):
                flagged.setdefault(plan, []).append(f"drill {key}: {finding['text']}")
    return flagged


def turnout_proposals(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return an evaluation record's turn-out proposals, each marked applied or not."""
    applied = set(record.get("applied", []))
    return [{**p, "applied": p["team"] in applied} for p in record.get("turnout_proposals", [])]


def mark_applied(store: Store, name: str, key: str, team: str, *, actor: str = "system") -> int:
    """Record that a drill's turn-out proposal for ``team`` was applied to the team record."""
    record, version = get_evaluation(store, name, key)
    if team not in {p["team"] for p in record.get("turnout_proposals", [])}:
        raise InputError(f"drill {key} proposes no turn-out update for team {team!r}", field="team", record=team)
    record["applied"] = sorted({*record.get("applied", []), team})
    return store.put_document(name, "evaluations", key, record, expected_version=version, actor=actor)


def drill_actions(store: Store, name: str, key: str) -> list[tuple[CorrectiveAction, int]]:
    """Return the corrective actions raised by one drill's evaluation."""
    return [(a, v) for a, v in actions(store, name) if a.drill == key]


def number_from(existing: Sequence[CorrectiveAction], key: str) -> int:
    """Return the next action number of a drill (actions are numbered ``CA-<drill>-<n>``)."""
    return len([a for a in existing if a.drill == key]) + 1
