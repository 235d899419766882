"""Drills JSON API: programmes, drills (design, shift, simulation), evaluations, reports, corrective actions.

All routes sit under ``/api/v1/scenarios/<name>/`` and are registered through ``spec.operation``:
reading needs ``view``; planning, designing, simulating, evaluating and moving actions need
``edit_drills``; applying a team's turn-out proposal changes the team record and needs ``edit_plans``.
Long work (a year's CP-SAT schedule, Monte Carlo runs) runs as a background job: the start routes
answer 202 with the job id, ``GET /api/v1/jobs/<id>`` reports progress, and the page then saves the
finished job's result with ``POST programmes`` or ``PUT drills/<key>/simulation`` (``{"job": id}``).
Evaluating goes through :func:`planner.drills.evaluation_store.evaluate_stored_drill`, the procedure the
CLI uses too; ``GET evaluations/<key>`` answers the latest evaluation and its ``history``.
Bad input is a 400 naming the field, a stale version a 409.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from planner import clock
from planner.drills import evaluation_store, records
from planner.drills.settings import PLANS, calendar_document, drill_calendar, plan_set
from planner.errors import InputError, NotFoundError
from planner.scenario.model import Scenario
from planner.store.settings import StoredDocuments
from web.auth import actor
from web.openapi import Param, spec
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("drills_api", __name__, url_prefix="/api/v1")
SCENARIO = Param("name", description="scenario name")
YEAR = Param("year", schema={"type": "integer", "minimum": 1900, "maximum": 2200})
KEY = Param("key", schema={"type": "string", "pattern": r"^\d{4}-[A-Za-z0-9][A-Za-z0-9_.:-]{0,70}$"},
            description="drill id: <year>-<programme drill id>")
ACTION = Param("action_id", schema={"type": "string", "minLength": 1, "maxLength": 80})
TEAM = Param("team", schema={"type": "string", "minLength": 1, "maxLength": 80})
VERSION = {"type": ["integer", "null"], "minimum": 1}
JOB_BODY: dict[str, Any] = {"type": "object", "required": ["job"], "properties": {
    "job": {"type": "string", "pattern": "^[0-9a-f]{1,32}$"}, "expected_version": VERSION}}
EVENT_SCHEMA: dict[str, Any] = {"type": "object", "required": ["time", "event"], "properties": {
    "time": {"type": ["number", "string"]}, "event": {"type": "string"}, "team": {"type": "string"},
    "capability": {"type": "string"}, "quantity": {"type": ["integer", "string", "null"]}, "note": {"type": "string"}}}
MAX_CSV_CHARS = 200_000
MAX_EVENTS = 2000
_designs: dict[tuple[str, int, str], dict[str, Any]] = {}


def local_today(name: str) -> dt.date:
    """Return today in the scenario's time zone, from the product's one clock (:mod:`planner.clock`)."""
    return clock.today(current_scenario(name).zone)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object", field="body")
    return body


def _version(body: Mapping[str, Any], name: str = "expected_version") -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be an integer >= 1 (the version you read) or null", field=name)
    return value


def _number(text: str, name: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise InputError(f"{name} must be a whole number >= 1, got {text!r}", field=name) from None
    if number < 1:
        raise InputError(f"{name} must be a whole number >= 1, got {number}", field=name)
    return number


# ----------------------------------------------------------------------------------------------------
# Programmes


@spec.operation(bp, "/scenarios/<name>/programmes", "GET", summary="Stored drill programmes by year",
                params=[SCENARIO])
def list_programmes(name: str) -> Any:
    """Years planned, with version, status and counts, and the years the stored calendar covers."""
    scenario = current_scenario(name)
    documents = StoredDocuments(get_store(), name)
    calendar = calendar_document(documents, scenario)
    return jsonify({"programmes": records.programme_years(get_store(), name),
                    "calendar_years": sorted(calendar.years) if calendar else [], "has_plans": PLANS in documents})


@spec.operation(bp, "/scenarios/<name>/programmes/plan", "POST", permission="edit_drills",
                summary="Plan a year's drills as a background job (202 with the job id)", params=[SCENARIO],
                body={"type": "object", "required": ["year"], "properties": {
                    "year": {"type": "integer", "minimum": 1900, "maximum": 2200},
                    "time_limit_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 600}}},
                responses={202: "job started"})
def plan_year(name: str) -> Any:
    """Start the CP-SAT scheduler on the stored plans and calendar of the scenario (the job reads them)."""
    from web.jobs import runner

    body = _body()
    year = records.parse_year(body.get("year"))
    params: dict[str, Any] = {"year": year}
    if body.get("time_limit_s") is not None:
        limit = body["time_limit_s"]
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit <= 600:
            raise InputError("time_limit_s must be a number of seconds in (0, 600]", field="time_limit_s")
        params["time_limit_s"] = float(limit)
    scenario = current_scenario(name)
    documents = StoredDocuments(get_store(), name)
    plan_set(documents, scenario)  # no plans, or an unknown year, is a 400 now, not a failed job later
    drill_calendar(documents, scenario, year)
    job_id = runner().submit("drills-plan", name, params, actor=actor())
    return jsonify({"id": job_id, "status": "queued", "year": year}), 202


def _job_result(job_id: Any, kind: str, name: str) -> Any:
    from web.jobs import runner

    if not isinstance(job_id, str) or not job_id:
        raise InputError("job must be the id of a finished job", field="job")
    job = runner().get(job_id)
    if job["kind"] != kind or job["scenario"] != name:
        raise InputError(f"job {job_id} is not a {kind} job of scenario {name}", field="job")
    if job["status"] != "done":
        raise InputError(f"job {job_id} is {job['status']}" + (f": {job['error']}" if job.get("error") else ""),
                         field="job")
    return job["result"]


@spec.operation(bp, "/scenarios/<name>/programmes", "POST", permission="edit_drills",
                summary="Store the programme a finished drills-plan job produced", params=[SCENARIO],
                body=JOB_BODY, responses={201: "stored"})
def save_programme(name: str) -> Any:
    """Save a job's programme as the year's programme (``expected_version`` when re-planning a year)."""
    body = _body()
    result = _job_result(body.get("job"), "drills-plan", name)
    version = records.save_programme(get_store(), name, result, expected_version=_version(body), actor=actor())
    return jsonify({"year": result["year"], "version": version, "drills": len(result["drills"])}), 201


@spec.operation(bp, "/scenarios/<name>/programmes/<int:year>", "GET", summary="A year's stored drill programme",
                params=[SCENARIO, YEAR])
def get_programme(name: str, year: int) -> Any:
    """Return the programme (drills, blackouts, flood season, unmet rules) with plans flagged for revision."""
    current_scenario(name)
    data, version = records.get_programme(get_store(), name, year)
    return jsonify({**data, "version": version,
                    "plans_needing_revision": evaluation_store.plans_needing_revision(get_store(), name)})


@spec.operation(bp, "/scenarios/<name>/programmes/<int:year>/export", "GET",
                summary="Download a programme as iCalendar or CSV",
                params=[SCENARIO, YEAR, Param("format", "query", schema={"type": "string", "enum": ["ics", "csv"]},
                                              required=False)],
                responses={200: "text/calendar or text/csv"})
def export_programme(name: str, year: int) -> Any:
    """Export the programme as ``?format=ics`` (default) or ``csv``."""
    from planner.drills.calendar_export import to_csv, to_ics

    fmt = request.args.get("format", "ics")
    if fmt not in ("ics", "csv"):
        raise InputError("format must be ics or csv", field="format")
    current_scenario(name)
    data, _ = records.get_programme(get_store(), name, year)
    programme = records.parse_programme(data)
    filename = f"drills-{name}-{year}.{fmt}"
    if fmt == "ics":
        body: bytes | str = to_ics(programme, name=f"{name} drill programme")
        mimetype = "text/calendar"
    else:
        body, mimetype = "\ufeff" + to_csv(programme), "text/csv"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


# ----------------------------------------------------------------------------------------------------
# Drills


def computed_design(scenario: Scenario, entry: Mapping[str, Any], version: int) -> dict[str, Any] | None:
    """Return the design of a programme drill at 09:00 local time on its date (cached per scenario version)."""
    from planner.drills.design import design_drill

    if not entry.get("site"):
        return None
    key = (scenario.name, version, f"{entry['key']}@{entry['date']}@{entry['site']}")
    if key not in _designs:
        if len(_designs) > 64:
            _designs.clear()
        start = clock.at_local(dt.date.fromisoformat(entry["date"]), dt.time(9, 0), scenario.zone)
        template = evaluation_store.drill_template(entry["scenario"])
        _designs[key] = design_drill(scenario, template, entry["site"], start=start).to_json()
    return _designs[key]


def drill_view(name: str, key: str) -> dict[str, Any]:
    """Everything the drill page shows: entry, design (stored or computed), simulation, evaluation, actions."""
    store = get_store()
    scenario = current_scenario(name)
    entry = records.drill_entry(store, name, key)
    record, version = records.get_drill(store, name, key)
    design = record.get("design")
    stored = design is not None
    if design is None:
        design = computed_design(scenario, entry, store.scenario_version(name))
    try:
        evaluation, evaluation_version = evaluation_store.evaluation_view(store, name, key)
    except NotFoundError:
        evaluation, evaluation_version = None, None
    return {
        "key": key, "entry": entry, "version": version, "design": design, "design_stored": stored,
        "simulation": record.get("simulation"), "evaluation": evaluation, "evaluation_version": evaluation_version,
        "turnout_proposals": evaluation["turnout_proposals"] if evaluation else [],
        "actions": [{**a.to_json(), "version": v} for a, v in records.drill_actions(store, name, key)],
        "map": drill_map(scenario, entry, design),
    }


def drill_map(scenario: Scenario, entry: Mapping[str, Any], design: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the site, and each expected team's base, route (along roads when the network has one) and arrival."""
    sites = {s.id: s for s in scenario.sites}
    site = sites.get(entry.get("site") or "")
    if site is None:
        return {"site": None, "teams": []}
    bases = {b.id: b for b in scenario.bases}
    teams = {t.id: t for t in scenario.teams}
    expected = (design or {}).get("expected_dispatch", [])
    routes: dict[str, list[list[float]]] = {}
    try:
        from geodata.routes import route_coordinates, shortest_routes
        from planner.scenario.network import placement

        placed = placement(scenario)
        sent = [e["team"] for e in expected if e["team"] in teams]
        paths = shortest_routes(placed.network, [placed.base_node[teams[t].base] for t in sent],
                                placed.site_node[site.id])
        routes = {t: route_coordinates(placed.network, p) for t, p in zip(sent, paths, strict=True) if len(p) > 1}
    except Exception:  # noqa: BLE001  (no network or an unsnappable point: straight lines are drawn instead)
        routes = {}
    rows = []
    for e in expected:
        team = teams.get(e["team"])
        base = bases.get(team.base) if team else None
        if base is None:
            continue
        rows.append({"team": e["team"], "name": team.name, "base": base.id, "base_name": base.name,
                     "lon": base.lon, "lat": base.lat, "arrival_min": e["arrival_min"],
                     "capabilities": e.get("capabilities", {}), "route": routes.get(e["team"])})
    return {"site": {"id": site.id, "name": site.name, "name_zh": site.name_zh, "lon": site.lon, "lat": site.lat},
            "teams": rows}


@spec.operation(bp, "/scenarios/<name>/drills/<key>", "GET",
                summary="A programme drill: entry, design (objectives, participants, expected dispatch, MSEL), "
                        "simulation, evaluation, actions, map", params=[SCENARIO, KEY])
def get_drill(name: str, key: str) -> Any:
    """One drill of a stored programme."""
    return jsonify(drill_view(name, key))


@spec.operation(bp, "/scenarios/<name>/drills/<key>/design", "PUT", permission="edit_drills",
                summary="Save the drill's design (the computed one when no design is given)", params=[SCENARIO, KEY],
                body={"type": "object", "properties": {"design": {"type": "object"}, "expected_version": VERSION}})
def put_design(name: str, key: str) -> Any:
    """Store the design so that shifts and evaluations refer to it."""
    body = _body()
    design = body.get("design")
    if design is None:
        view = drill_view(name, key)
        design = view["design"]
        if design is None:
            raise InputError(f"drill {key} has no hazard site, so no design can be made", field="site")
    design = records.check_design(design, current_scenario(name).zone)
    version = records.save_design(get_store(), name, key, design, expected_version=_version(body), actor=actor())
    return jsonify({"key": key, "version": version, "design": design})


@spec.operation(bp, "/scenarios/<name>/drills/<key>/shift", "POST", permission="edit_drills",
                summary="Shift the drill (start and every inject) keeping inject spacing", params=[SCENARIO, KEY],
                body={"type": "object", "properties": {"minutes": {"type": "number"}, "start": {"type": "string"},
                                                       "expected_version": VERSION}})
def shift(name: str, key: str) -> Any:
    """Move the stored design by ``minutes`` or to ``start``; the computed design is saved first if needed."""
    body = _body()
    if body.get("minutes") is None and not body.get("start"):
        raise InputError("give minutes (a shift) or start (the new alarm time)", field="minutes")
    store = get_store()
    record, version = records.get_drill(store, name, key)
    expected = _version(body)
    if record.get("design") is None:
        view = drill_view(name, key)
        if view["design"] is None:
            raise InputError(f"drill {key} has no hazard site, so no design can be made", field="site")
        version = records.save_design(store, name, key, view["design"], expected_version=expected, actor=actor())
        expected = version
    design, version = records.shift_stored_design(store, name, key, minutes=body.get("minutes"),
                                                  start=body.get("start"), expected_version=expected or version,
                                                  actor=actor())
    return jsonify({"key": key, "version": version, "design": design})


@spec.operation(bp, "/scenarios/<name>/drills/<key>/simulations", "POST", permission="edit_drills",
                summary="Run the drill's Monte Carlo simulation as a background job (202 with the job id)",
                params=[SCENARIO, KEY],
                body={"type": "object", "properties": {"runs": {"type": "integer", "minimum": 1, "maximum": 20000},
                                                       "seed": {"type": "integer", "minimum": 0}}},
                responses={202: "job started"})
def simulate(name: str, key: str) -> Any:
    """Start ``drills-simulate`` on the drill's template and site."""
    from web.jobs import runner

    body = _body()
    entry = records.drill_entry(get_store(), name, key)
    if not entry.get("site"):
        raise InputError(f"drill {key} has no hazard site to simulate", field="site")
    runs, seed = body.get("runs", 500), body.get("seed", 0)
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= 20000:
        raise InputError(f"runs must be an integer from 1 to 20000, got {runs!r}", field="runs")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}", field="seed")
    job_id = runner().submit("drills-simulate", name, {"template": entry["scenario"], "site": entry["site"],
                                                       "runs": runs, "seed": seed, "drill": key}, actor=actor())
    return jsonify({"id": job_id, "status": "queued"}), 202


@spec.operation(bp, "/scenarios/<name>/drills/<key>/simulation", "PUT", permission="edit_drills",
                summary="Store the summary a finished drills-simulate job produced", params=[SCENARIO, KEY],
                body=JOB_BODY)
def save_simulation(name: str, key: str) -> Any:
    """Keep the job's summary with the drill (its p50/p90 become the evaluation's expectation)."""
    body = _body()
    result = _job_result(body.get("job"), "drills-simulate", name)
    if result.get("drill") != key:
        raise InputError(f"job {body['job']} simulated drill {result.get('drill')}, not {key}", field="job")
    version = records.save_simulation(get_store(), name, key, result, expected_version=_version(body), actor=actor())
    return jsonify({"key": key, "version": version, "simulation": result})


# ----------------------------------------------------------------------------------------------------
# Evaluations


def events_csv(events: Any) -> str:
    """Return the observed timeline CSV of a list of event objects (the evaluation table of the page)."""
    if not isinstance(events, list) or not events:
        raise InputError("events must be a non-empty list of observed events", field="events")
    if len(events) > MAX_EVENTS:
        raise InputError(f"at most {MAX_EVENTS} events", field="events")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "event", "team", "capability", "quantity", "note"])
    for k, item in enumerate(events):
        if not isinstance(item, Mapping):
            raise InputError(f"events[{k}] must be an object", field="events")
        time = item.get("time")
        if isinstance(time, bool) or (isinstance(time, float) and not math.isfinite(time)):
            raise InputError(f"events[{k}]: time must be minutes or HH:MM", field="time")
        quantity = item.get("quantity")
        writer.writerow(["" if time is None else time, item.get("event", ""), item.get("team", "") or "",
                         item.get("capability", "") or "", "" if quantity in (None, "") else quantity,
                         item.get("note", "") or ""])
    return out.getvalue()


@spec.operation(bp, "/scenarios/<name>/evaluations", "GET", summary="Evaluated drills", params=[SCENARIO])
def list_evaluations(name: str) -> Any:
    """Each evaluated drill with its latest score, findings, plan, who and when, and how often it was evaluated."""
    current_scenario(name)
    return jsonify({"evaluations": [
        {"drill": key, "version": v, "plan": r.plan, "date": r.date.isoformat(), "score": r.evaluation.score,
         "findings": len(r.evaluation.findings), "evaluated_by": r.evaluated_by,
         "evaluated_at": None if r.evaluated_at is None else r.evaluated_at.isoformat(),
         "evaluations": len(r.history) + 1}
        for key, r, v in evaluation_store.evaluations(get_store(), name)]})


@spec.operation(bp, "/scenarios/<name>/evaluations/<key>", "GET",
                summary="A drill's latest evaluation with its actions, turn-out proposals and the earlier "
                        "evaluations (history: who, when, inputs, result; newest first)",
                params=[SCENARIO, KEY])
def get_evaluation(name: str, key: str) -> Any:
    """Return the latest evaluation, its corrective actions and turn-out proposals, and the history."""
    current_scenario(name)
    view, _ = evaluation_store.evaluation_view(get_store(), name, key)
    return jsonify(view)


@spec.operation(bp, "/scenarios/<name>/evaluations/<key>", "POST", permission="edit_drills",
                summary="Evaluate a drill from its observed timeline (events or CSV); findings become actions; "
                        "the earlier evaluation is kept in the history",
                params=[SCENARIO, KEY],
                body={"type": "object", "properties": {
                    "events": {"type": "array", "items": EVENT_SCHEMA, "maxItems": MAX_EVENTS},
                    "csv": {"type": "string", "maxLength": MAX_CSV_CHARS}, "plan": {"type": ["string", "null"]},
                    "owner": {"type": "string"}, "date": {"type": "string"}, "expected_version": VERSION}},
                responses={201: "evaluated"})
def evaluate(name: str, key: str) -> Any:
    """Score against the objectives and the stored simulation; store it with the history; add the actions."""
    body = _body()
    current_scenario(name)
    if body.get("csv") not in (None, ""):
        text, field = body["csv"], "csv"
        if not isinstance(text, str) or len(text) > MAX_CSV_CHARS:
            raise InputError(f"csv must be the observed timeline as text (at most {MAX_CSV_CHARS} characters)",
                             field="csv")
    else:
        text, field = events_csv(body.get("events")), "events"
    plan = body.get("plan")
    if plan is not None and not isinstance(plan, str):
        raise InputError("plan must be the id of one of the drill's plans, or null", field="plan")
    owner = body.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise InputError("owner must be text", field="owner")
    on = records.parse_date(body["date"], "date") if body.get("date") else None
    outcome = evaluation_store.evaluate_stored_drill(
        get_store(), name, key, text, actor=actor(), expected_version=_version(body), observed_field=field,
        plan=plan, owner=owner, on=on)
    return jsonify(outcome.to_json()), 201


@spec.operation(bp, "/scenarios/<name>/evaluations/<key>/report", "GET",
                summary="The evaluation report (评估报告), summary report (总结报告) as HTML, or both as PDF; "
                        "the latest evaluation, or an earlier one by its number",
                params=[SCENARIO, KEY, Param("format", "query", required=False, schema={
                    "type": "string", "enum": ["html", "summary", "pdf"]}),
                        Param("evaluation", "query", required=False, schema={"type": "integer", "minimum": 1},
                              description="number of the evaluation (1 = the first; default the latest)")],
                responses={200: "text/html or application/pdf"})
def report(name: str, key: str) -> Any:
    """``?format=html`` (evaluation report, default), ``summary`` or ``pdf`` (download)."""
    from planner.drills.reports import evaluation_html, report_pdf, summary_html

    fmt = request.args.get("format", "html")
    if fmt not in ("html", "summary", "pdf"):
        raise InputError("format must be html, summary or pdf", field="format")
    number = request.args.get("evaluation")
    wanted = None if number in (None, "") else _number(number, "evaluation")
    current_scenario(name)
    record, _ = evaluation_store.get_evaluation(get_store(), name, key)
    run = record.latest() if wanted is None else record.run(wanted)
    evaluation = run.evaluation
    drill_actions = run.addressed_by([a for a, _ in records.drill_actions(get_store(), name, key)])
    if fmt == "html":
        return Response(evaluation_html(evaluation), mimetype="text/html")
    if fmt == "summary":
        return Response(summary_html(evaluation, drill_actions), mimetype="text/html")
    return Response(report_pdf(evaluation, drill_actions), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=drill-report-{key}.pdf"})


@spec.operation(bp, "/scenarios/<name>/evaluations/<key>/turnout/<team>/apply", "POST", permission="edit_plans",
                summary="Apply a drill's proposed turn-out minutes to the team record (audited)",
                params=[SCENARIO, KEY, TEAM],
                body={"type": "object", "properties": {"expected_version": VERSION}})
def apply_turnout(name: str, key: str, team: str) -> Any:
    """Set the team's ``turnout_min`` to the observed value the evaluation proposed."""
    body = _body()
    store = get_store()
    record, _ = evaluation_store.get_evaluation(store, name, key)
    proposal = next((p for p in record.turnout_proposals if p.team == team), None)
    if proposal is None:
        raise InputError(f"drill {key} proposes no turn-out update for team {team!r}", field="team")
    data, version = store.get_record(name, "teams", team)
    expected = _version(body) or version
    data["turnout_min"] = float(proposal.proposed_min)
    new_version = store.put_record(name, "teams", data, expected_version=expected, actor=actor())
    evaluation_store.mark_applied(store, name, key, team, actor=actor())
    return jsonify({"team": team, "turnout_min": data["turnout_min"], "version": new_version})


# ----------------------------------------------------------------------------------------------------
# Corrective actions


@spec.operation(bp, "/scenarios/<name>/actions", "GET", summary="Corrective-action board: open, in progress, closed",
                params=[SCENARIO])
def board(name: str) -> Any:
    """Columns of corrective actions, each marked overdue (due before today in the scenario's zone) or not."""
    today = local_today(name)
    return jsonify({"today": today.isoformat(), "columns": records.board(get_store(), name, today),
                    "plans_needing_revision": evaluation_store.plans_needing_revision(get_store(), name)})


@spec.operation(bp, "/scenarios/<name>/actions/<action_id>", "PATCH", permission="edit_drills",
                summary="Move a corrective action (closing needs verified_by) or change owner, due date, note",
                params=[SCENARIO, ACTION],
                body={"type": "object", "properties": {
                    "status": {"type": "string", "enum": ["open", "in_progress", "closed"]},
                    "verified_by": {"type": "string"}, "note": {"type": "string"}, "owner": {"type": "string"},
                    "due": {"type": "string"}, "version": VERSION}})
def update_action(name: str, action_id: str) -> Any:
    """Change one action; ``version`` is the version you read (409 if someone changed it since)."""
    body = _body()
    current_scenario(name)
    action, version = records.update_action(get_store(), name, action_id, body, today=local_today(name),
                                            expected_version=_version(body, "version"), actor=actor())
    return jsonify({**action.to_json(), "version": version})
