"""Drills JSON API: programmes, drills (design, shift, simulation), evaluations, reports, corrective actions.

All routes sit under ``/api/v1/scenarios/<name>/`` and are registered through ``web.openapi.operation``
(validated against ``web.schemas.drills``): reading needs ``view``; planning, designing, simulating,
evaluating and moving actions need ``edit_drills``; applying a team's turn-out proposal changes the team
record and needs ``edit_plans``.
Long work (a year's CP-SAT schedule, Monte Carlo runs) runs as a background job: the start routes
answer 202 with the job id, ``GET /api/v1/jobs/<id>`` reports progress, and the page then saves the
finished job's result with ``POST programmes`` or ``PUT drills/<key>/simulation`` (``{"job": id}``).
Bad input is a 400 naming the field, a stale version a 409.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify

from planner.drills import records
from planner.errors import InputError, NotFoundError
from planner.scenario.library import Template, load_library
from planner.scenario.model import Scenario
from planner.store.settings import stored_settings
from web.auth import actor
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.common import JobStarted
from web.schemas.drills import (
    ActionAnswer,
    ActionBoard,
    ActionChange,
    ApplyTurnout,
    DesignSaved,
    DrillView,
    Evaluate,
    EvaluationAnswer,
    EvaluationList,
    ExportQuery,
    ObservedEvent,
    PlanStarted,
    PlanYear,
    Programme,
    ProgrammeList,
    ProgrammeSaved,
    ReportQuery,
    SaveDesign,
    SaveJobResult,
    ShiftDrill,
    Simulate,
    SimulationSaved,
    TurnoutApplied,
)
from web.store import get_store

bp = Blueprint("drills_api", __name__, url_prefix="/api/v1")
LOCAL = ZoneInfo("Asia/Shanghai")
_designs: dict[tuple[str, int, str], dict[str, Any]] = {}


def local_today() -> dt.date:
    """Today in the drills' time zone (Asia/Shanghai)."""
    return dt.datetime.now(LOCAL).date()


def _template(template_id: str) -> Template:
    library = load_library()
    if template_id not in library:
        raise InputError(f"no template {template_id!r} in the library", field="template")
    return library[template_id]


# ----------------------------------------------------------------------------------------------------
# Programmes


@operation(bp, "/scenarios/<name>/programmes", "GET", summary="Stored drill programmes by year",
           answers={200: ProgrammeList})
def list_programmes(name: str) -> Any:
    """Years planned, with version, status and counts, and the years the stored calendar covers."""
    current_scenario(name)
    calendar = stored_settings(get_store(), name, "calendar") or {}
    years = sorted(int(y) for y in (calendar.get("years") or {})) if isinstance(calendar, Mapping) else []
    return jsonify({"programmes": records.programme_years(get_store(), name), "calendar_years": years,
                    "has_plans": stored_settings(get_store(), name, "plans") is not None})


@operation(bp, "/scenarios/<name>/programmes/plan", "POST", permission="edit_drills",
           summary="Plan a year's drills as a background job (202 with the job id)", answers={202: PlanStarted})
def plan_year(name: str, json: PlanYear) -> Any:
    """Start the CP-SAT scheduler on the stored plans and calendar of the scenario."""
    from web.jobs import runner

    params: dict[str, Any] = {"year": json.year}
    if json.time_limit_s is not None:
        params["time_limit_s"] = json.time_limit_s
    scenario = current_scenario(name)
    store = get_store()
    plans, calendar = stored_settings(store, name, "plans"), stored_settings(store, name, "calendar")
    if plans is not None:
        params["plans"] = plans
    if calendar is not None:
        from planner.drills.calendar import parse_calendar

        parse_calendar(calendar, json.year)  # an unknown year is a 400 now, not a failed job later
        params["calendar"] = calendar
    if plans is None or calendar is None:
        from planner.jobs.kinds import _folder_settings

        params["plans"], params["calendar"] = _folder_settings(scenario.name, plans, calendar)
    job_id = runner().submit("drills-plan", name, params, actor=actor())
    return jsonify({"id": job_id, "status": "queued", "year": json.year}), 202


def _job_result(job_id: str, kind: str, name: str) -> Any:
    from web.jobs import runner

    job = runner().get(job_id)
    if job["kind"] != kind or job["scenario"] != name:
        raise InputError(f"job {job_id} is not a {kind} job of scenario {name}", field="job")
    if job["status"] != "done":
        raise InputError(f"job {job_id} is {job['status']}" + (f": {job['error']}" if job.get("error") else ""),
                         field="job")
    return job["result"]


@operation(bp, "/scenarios/<name>/programmes", "POST", permission="edit_drills",
           summary="Store the programme a finished drills-plan job produced",
           answers={201: ProgrammeSaved, 409: "a newer programme of the year was stored meanwhile"})
def save_programme(name: str, json: SaveJobResult) -> Any:
    """Save a job's programme as the year's programme (``expected_version`` when re-planning a year)."""
    result = _job_result(json.job, "drills-plan", name)
    version = records.save_programme(get_store(), name, result, expected_version=json.expected_version,
                                     actor=actor())
    return jsonify({"year": result["year"], "version": version, "drills": len(result["drills"])}), 201


@operation(bp, "/scenarios/<name>/programmes/<int:year>", "GET", summary="A year's stored drill programme",
           answers={200: Programme})
def get_programme(name: str, year: int) -> Any:
    """Return the programme (drills, blackouts, flood season, unmet rules) with plans flagged for revision."""
    current_scenario(name)
    data, version = records.get_programme(get_store(), name, year)
    return jsonify({**data, "version": version,
                    "plans_needing_revision": records.plans_needing_revision(get_store(), name)})


@operation(bp, "/scenarios/<name>/programmes/<int:year>/export", "GET",
           summary="Download a programme as iCalendar or CSV",
           answers={200: "the programme as text/calendar or text/csv"}, media={200: ["text/calendar", "text/csv"]})
def export_programme(name: str, year: int, query: ExportQuery) -> Any:
    """Export the programme as ``?format=ics`` (default) or ``csv``."""
    from planner.drills.calendar_export import to_csv, to_ics

    fmt = query.format
    current_scenario(name)
    data, _ = records.get_programme(get_store(), name, year)
    programme = records.programme_from_dict(data)
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
        start = dt.datetime.combine(dt.date.fromisoformat(entry["date"]), dt.time(9, 0))
        _designs[key] = design_drill(scenario, _template(entry["scenario"]), entry["site"], start=start).to_dict()
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
        evaluation, evaluation_version = records.get_evaluation(store, name, key)
    except NotFoundError:
        evaluation, evaluation_version = None, None
    return {
        "key": key, "entry": entry, "version": version, "design": design, "design_stored": stored,
        "simulation": record.get("simulation"), "evaluation": evaluation, "evaluation_version": evaluation_version,
        "turnout_proposals": records.turnout_proposals(evaluation) if evaluation else [],
        "actions": [{**a.to_dict(), "version": v} for a, v in records.drill_actions(store, name, key)],
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


@operation(bp, "/scenarios/<name>/drills/<key>", "GET",
           summary="A programme drill: entry, design (objectives, participants, expected dispatch, MSEL), "
                   "simulation, evaluation, actions, map", answers={200: DrillView})
def get_drill(name: str, key: str) -> Any:
    """One drill of a stored programme."""
    return jsonify(drill_view(name, key))


@operation(bp, "/scenarios/<name>/drills/<key>/design", "PUT", permission="edit_drills",
           summary="Save the drill's design (the computed one when no design is given)",
           answers={200: DesignSaved, 409: "changed by someone else since you read it"})
def put_design(name: str, key: str, json: SaveDesign) -> Any:
    """Store the design so that shifts and evaluations refer to it."""
    design = json.design
    if design is None:
        view = drill_view(name, key)
        design = view["design"]
        if design is None:
            raise InputError(f"drill {key} has no hazard site, so no design can be made", field="site")
    version = records.save_design(get_store(), name, key, design, expected_version=json.expected_version,
                                  actor=actor())
    return jsonify({"key": key, "version": version, "design": design})


@operation(bp, "/scenarios/<name>/drills/<key>/shift", "POST", permission="edit_drills",
           summary="Shift the drill (start and every inject) keeping inject spacing",
           answers={200: DesignSaved, 409: "changed by someone else since you read it"})
def shift(name: str, key: str, json: ShiftDrill) -> Any:
    """Move the stored design by ``minutes`` or to ``start``; the computed design is saved first if needed."""
    store = get_store()
    record, version = records.get_drill(store, name, key)
    expected = json.expected_version
    if record.get("design") is None:
        view = drill_view(name, key)
        if view["design"] is None:
            raise InputError(f"drill {key} has no hazard site, so no design can be made", field="site")
        version = records.save_design(store, name, key, view["design"], expected_version=expected, actor=actor())
        expected = version
    design, version = records.shift_stored_design(store, name, key, minutes=json.minutes, start=json.start,
                                                  expected_version=expected or version, actor=actor())
    return jsonify({"key": key, "version": version, "design": design})


@operation(bp, "/scenarios/<name>/drills/<key>/simulations", "POST", permission="edit_drills",
           summary="Run the drill's Monte Carlo simulation as a background job (202 with the job id)",
           answers={202: JobStarted})
def simulate(name: str, key: str, json: Simulate) -> Any:
    """Start ``drills-simulate`` on the drill's template and site."""
    from web.jobs import runner

    entry = records.drill_entry(get_store(), name, key)
    if not entry.get("site"):
        raise InputError(f"drill {key} has no hazard site to simulate", field="site")
    job_id = runner().submit("drills-simulate", name, {"template": entry["scenario"], "site": entry["site"],
                                                       "runs": json.runs, "seed": json.seed, "drill": key},
                             actor=actor())
    return jsonify({"id": job_id, "status": "queued"}), 202


@operation(bp, "/scenarios/<name>/drills/<key>/simulation", "PUT", permission="edit_drills",
           summary="Store the summary a finished drills-simulate job produced",
           answers={200: SimulationSaved, 409: "changed by someone else since you read it"})
def save_simulation(name: str, key: str, json: SaveJobResult) -> Any:
    """Keep the job's summary with the drill (its p50/p90 become the evaluation's expectation)."""
    result = _job_result(json.job, "drills-simulate", name)
    if result.get("drill") != key:
        raise InputError(f"job {json.job} simulated drill {result.get('drill')}, not {key}", field="job")
    version = records.save_simulation(get_store(), name, key, result, expected_version=json.expected_version,
                                      actor=actor())
    return jsonify({"key": key, "version": version, "simulation": result})


# ----------------------------------------------------------------------------------------------------
# Evaluations


def events_csv(events: Sequence[ObservedEvent]) -> str:
    """Return the observed timeline CSV of the events (the evaluation table of the page)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "event", "team", "capability", "quantity", "note"])
    for item in events:
        writer.writerow([item.time, item.event, item.team or "", item.capability or "",
                         "" if item.quantity in (None, "") else item.quantity, item.note or ""])
    return out.getvalue()


@operation(bp, "/scenarios/<name>/evaluations", "GET", summary="Evaluated drills", answers={200: EvaluationList})
def list_evaluations(name: str) -> Any:
    """Each evaluated drill with its score, findings and plan."""
    current_scenario(name)
    return jsonify({"evaluations": [
        {"drill": key, "version": v, "plan": r.get("plan"), "date": r.get("date"),
         "score": r["evaluation"].get("score"), "findings": len(r["evaluation"].get("findings", []))}
        for key, r, v in records.evaluations(get_store(), name)]})


@operation(bp, "/scenarios/<name>/evaluations/<key>", "GET", summary="A drill's evaluation",
           answers={200: EvaluationAnswer})
def get_evaluation(name: str, key: str) -> Any:
    """Return the evaluation record with its corrective actions and turn-out proposals."""
    current_scenario(name)
    record, version = records.get_evaluation(get_store(), name, key)
    return jsonify({**record, "version": version, "turnout_proposals": records.turnout_proposals(record),
                    "actions": [{**a.to_dict(), "version": v}
                                for a, v in records.drill_actions(get_store(), name, key)]})


@operation(bp, "/scenarios/<name>/evaluations/<key>", "POST", permission="edit_drills",
           summary="Evaluate a drill from its observed timeline (events or CSV); findings become actions",
           answers={201: EvaluationAnswer, 409: "evaluated by someone else since you read it"})
def evaluate(name: str, key: str, json: Evaluate) -> Any:
    """Score against the objectives and the stored simulation; store it; add the corrective actions."""
    from planner.drills.evaluation import evaluate_drill, parse_observed
    from planner.drills.improvement import actions_from_findings, propose_turnout_updates

    store = get_store()
    scenario = current_scenario(name)
    entry = records.drill_entry(store, name, key)
    template = _template(entry["scenario"])
    text = json.csv.lstrip("\ufeff") if json.csv else events_csv(json.events or ())
    events = parse_observed(text, where="observed timeline")
    if not events:
        raise InputError("the observed timeline has no events", field="events")
    plan = json.plan if "plan" in json.model_fields_set else (entry.get("plans") or [None])[0]
    if plan is not None and plan not in entry.get("plans", []):
        raise InputError(f"plan must be one of the drill's plans ({', '.join(entry.get('plans', []))})", field="plan")
    owner = (json.owner or "").strip() or str(entry.get("owner") or "drill organiser")
    today = json.date or local_today()
    record, _ = records.get_drill(store, name, key)
    simulation = record.get("simulation")
    simulated = records.StoredSimulation(simulation) if simulation and \
        simulation.get("template") == template.id else None
    evaluation = evaluate_drill(key, template, events, {t.id: dict(t.capabilities) for t in scenario.teams},
                                turnout_min={t.id: t.turnout_min for t in scenario.teams}, simulated=simulated)
    existing = [a for a, _ in records.actions(store, name)]
    raised = {(a.drill, a.text) for a in existing}
    new = [a for a in actions_from_findings(evaluation, plan=plan, owner=owner, today=today,
                                            start_number=records.number_from(existing, key))
           if (a.drill, a.text) not in raised]
    try:
        _, previous = records.get_evaluation(store, name, key)
    except NotFoundError:
        previous = None
    expected = json.expected_version
    if previous is not None and expected is None:
        expected = -1  # re-evaluating needs the version the evaluator saw
    saved = {"drill": key, "template": template.id, "plan": plan, "date": today.isoformat(), "owner": owner,
             "observed_csv": text, "evaluation": evaluation.to_dict(),
             "simulated": None if simulated is None else {"runs": simulation["runs"], "seed": simulation["seed"]},
             "turnout_proposals": [p.__dict__ for p in propose_turnout_updates(evaluation)],
             "plan_needs_revision": any(f.severity == "major" for f in evaluation.findings),
             "actions": [a.id for a in new], "applied": []}
    version = records.save_evaluation(store, name, key, saved, expected_version=expected, actor=actor())
    records.add_actions(store, name, new, actor=actor())
    return jsonify({**saved, "version": version, "actions": [a.to_dict() for a in new]}), 201


@operation(bp, "/scenarios/<name>/evaluations/<key>/report", "GET",
           summary="The evaluation report (评估报告), summary report (总结报告) as HTML, or both as PDF",
           answers={200: "text/html or application/pdf"}, media={200: ["text/html", "application/pdf"]})
def report(name: str, key: str, query: ReportQuery) -> Any:
    """``?format=html`` (evaluation report, default), ``summary`` or ``pdf`` (download)."""
    from planner.drills.reports import evaluation_html, report_pdf, summary_html

    fmt = query.format
    current_scenario(name)
    record, _ = records.get_evaluation(get_store(), name, key)
    evaluation = records.evaluation_from_dict(record["evaluation"])
    drill_actions = [a for a, _ in records.drill_actions(get_store(), name, key)]
    if fmt == "html":
        return Response(evaluation_html(evaluation), mimetype="text/html")
    if fmt == "summary":
        return Response(summary_html(evaluation, drill_actions), mimetype="text/html")
    return Response(report_pdf(evaluation, drill_actions), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=drill-report-{key}.pdf"})


@operation(bp, "/scenarios/<name>/evaluations/<key>/turnout/<team>/apply", "POST", permission="edit_plans",
           summary="Apply a drill's proposed turn-out minutes to the team record (audited)",
           answers={200: TurnoutApplied, 409: "the team record changed since you read it"})
def apply_turnout(name: str, key: str, team: str, json: ApplyTurnout) -> Any:
    """Set the team's ``turnout_min`` to the observed value the evaluation proposed."""
    store = get_store()
    record, _ = records.get_evaluation(store, name, key)
    proposal = next((p for p in record.get("turnout_proposals", []) if p["team"] == team), None)
    if proposal is None:
        raise InputError(f"drill {key} proposes no turn-out update for team {team!r}", field="team")
    data, version = store.get_record(name, "teams", team)
    expected = json.expected_version or version
    data["turnout_min"] = float(proposal["proposed_min"])
    new_version = store.put_record(name, "teams", data, expected_version=expected, actor=actor())
    records.mark_applied(store, name, key, team, actor=actor())
    return jsonify({"team": team, "turnout_min": data["turnout_min"], "version": new_version})


# ----------------------------------------------------------------------------------------------------
# Corrective actions


@operation(bp, "/scenarios/<name>/actions", "GET", summary="Corrective-action board: open, in progress, closed",
           answers={200: ActionBoard})
def board(name: str) -> Any:
    """Columns of corrective actions, each marked overdue (due before today, Asia/Shanghai) or not."""
    current_scenario(name)
    today = local_today()
    return jsonify({"today": today.isoformat(), "columns": records.board(get_store(), name, today),
                    "plans_needing_revision": records.plans_needing_revision(get_store(), name)})


@operation(bp, "/scenarios/<name>/actions/<action_id>", "PATCH", permission="edit_drills",
           summary="Move a corrective action (closing needs verified_by) or change owner, due date, note",
           answers={200: ActionAnswer, 409: "changed by someone else since you read it"})
def update_action(name: str, action_id: str, json: ActionChange) -> Any:
    """Change one action; ``version`` is the version you read (409 if someone changed it since)."""
    current_scenario(name)
    changes = json.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    action, version = records.update_action(get_store(), name, action_id, changes, today=local_today(),
                                            expected_version=json.version, actor=actor())
    return jsonify({**action.to_dict(), "version": version})
