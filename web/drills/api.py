"""Drills JSON API: programmes, drills (design, shift, simulation), evaluations, reports, corrective actions.

All routes sit under ``/api/v1/scenarios/<name>/`` and are registered through ``web.openapi.operation``
(validated against ``web.schemas.drills``): reading needs ``view``; planning, designing, simulating,
evaluating and moving actions need ``edit_drills``; applying a team's turn-out proposal changes the team
record and needs ``edit_plans``.
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
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, jsonify

from geodata.routes import route_coordinates, shortest_routes
from planner import clock
from planner.drills import conduct_store, evaluation_store, records
from planner.drills.calendar_export import to_csv, to_ics, to_pdf
from planner.drills.cards import cards_pdf
from planner.drills.cards import response_card as make_card
from planner.drills.design import design_drill
from planner.drills.exercise import not_found
from planner.drills.programme import FIRST_YEAR, LAST_YEAR
from planner.drills.reports import aar_html, aar_pdf, drill_figure, evaluation_html, report_pdf, summary_html
from planner.drills.settings import PLANS, calendar_document, plan_set
from planner.errors import ForbiddenError, InputError, NotFoundError
from planner.model.codes import coded
from planner.requests import service as request_service
from planner.scenario.jurisdictions import root_of
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from planner.store.scope import check_scope
from planner.store.settings import StoredDocuments
from web.auth import actor, user_scope
from web.jobs import runner
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.common import JobStarted
from web.schemas.drills import (
    ActionBoard,
    ActionChange,
    ApplyTurnout,
    CardQuery,
    DesignSaved,
    DrillView,
    Evaluate,
    EvaluationAnswer,
    EvaluationList,
    EvaluationStored,
    ExportQuery,
    NewAction,
    ObservedEvent,
    PlanStarted,
    PlanYear,
    ProgrammeAnswer,
    ProgrammeList,
    ProgrammeSaved,
    ReportQuery,
    ResponseCardAnswer,
    SaveDesign,
    SaveJobResult,
    ShiftDrill,
    Simulate,
    SimulationSaved,
    TurnoutApplied,
    VersionedAction,
)
from web.store import get_store

bp = Blueprint("drills_api", __name__, url_prefix="/api/v1")
YEAR = f"<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>"
"""Path segment of a programme year (another number is a 404 from the router; the document states the range)."""
_designs: dict[tuple[str, int, str], dict[str, Any]] = {}


def local_today(name: str) -> dt.date:
    """Return today in the scenario's time zone, from the product's one clock (:mod:`planner.clock`)."""
    return clock.today(current_scenario(name).zone)


# ----------------------------------------------------------------------------------------------------
# Programmes


@operation(bp, "/scenarios/<name>/programmes", "GET", summary="Stored drill programmes by year",
           answers={200: ProgrammeList})
def list_programmes(name: str) -> Any:
    """Years planned, with version, status and counts, and the years the stored calendar covers."""
    scenario = current_scenario(name)
    documents = StoredDocuments(get_store(), name)
    calendar = calendar_document(documents, scenario)
    return jsonify({"programmes": records.programme_years(get_store(), name),
                    "calendar_years": sorted(calendar.years) if calendar else [], "has_plans": PLANS in documents})


@operation(bp, "/scenarios/<name>/programmes/plan", "POST", permission="edit_drills",
           summary="Plan a year's drills as a background job (202 with the job id)", answers={202: PlanStarted})
def plan_year(name: str, json: PlanYear) -> Any:
    """Start the CP-SAT scheduler on the stored plans and calendar of the scenario (the job reads them)."""
    check_drill_scope(name, None)
    params: dict[str, Any] = {"year": json.year}
    if json.time_limit_s is not None:
        params["time_limit_s"] = json.time_limit_s
    # no plans, or a year the calendar does not cover, is a 400 now (the kind's check), not a failed job later
    job_id = runner().submit("drills-plan", name, params, actor=actor(), loaded=current_scenario(name))
    return jsonify({"id": job_id, "status": "queued", "year": json.year}), 202


def _job_result(job_id: str, kind: str, name: str) -> Any:
    job = runner().get(job_id)
    if job["kind"] != kind or job["scenario"] != name:
        raise InputError(f"job {job_id} is not a {kind} job of scenario {name}", field="job")
    if job["status"] != "done":
        failure = f": {job['error']}" if job.get("error") else ""
        raise InputError(f"job {job_id} is {coded('job_status', job['status'])}{failure}", field="job")
    return job["result"]


@operation(bp, "/scenarios/<name>/programmes", "POST", permission="edit_drills",
           summary="Store the programme a finished drills-plan job produced",
           answers={201: ProgrammeSaved, 409: "a newer programme of the year was stored meanwhile"})
def save_programme(name: str, json: SaveJobResult) -> Any:
    """Save a job's programme as the year's programme (``expected_version`` when re-planning a year)."""
    check_drill_scope(name, None)
    result = _job_result(json.job, "drills-plan", name)
    version = records.save_programme(get_store(), name, result, expected_version=json.expected_version,
                                     actor=actor())
    return jsonify({"year": result["year"], "version": version, "drills": len(result["drills"])}), 201


@operation(bp, f"/scenarios/<name>/programmes/{YEAR}", "GET", summary="A year's stored drill programme",
           answers={200: ProgrammeAnswer})
def get_programme(name: str, year: int) -> Any:
    """Return the programme (drills, blackouts, flood season, unmet rules) with plans flagged for revision."""
    current_scenario(name)
    data, version = records.get_programme(get_store(), name, year)
    data = visible(name, data)
    return jsonify({**data, "version": version,
                    "plans_needing_revision": evaluation_store.plans_needing_revision(get_store(), name)})


@operation(bp, f"/scenarios/<name>/programmes/{YEAR}/export", "GET",
           summary="Download a programme as iCalendar, CSV or a PDF to file",
           answers={200: "the programme as text/calendar, text/csv or application/pdf"},
           media={200: ["text/calendar", "text/csv", "application/pdf"]})
def export_programme(name: str, year: int, query: ExportQuery) -> Any:
    """Export the programme as ``?format=ics`` (default), ``csv`` or ``pdf``."""
    fmt = query.format
    scenario = current_scenario(name)
    data, _ = records.get_programme(get_store(), name, year)
    programme = records.parse_programme(visible(name, data))
    filename = f"drills-{name}-{year}.{fmt}"
    if fmt == "ics":
        body: bytes | str = to_ics(programme, name=f"{name} drill programme")
        mimetype = "text/calendar"
    elif fmt == "pdf":
        body, mimetype = to_pdf(programme, agency=str(scenario.meta.get("agency", "")),
                                scenario=str(scenario.meta.get("title_zh") or scenario.title)), "application/pdf"
    else:
        body, mimetype = "\ufeff" + to_csv(programme), "text/csv"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


# ----------------------------------------------------------------------------------------------------
# Drills


def computed_design(scenario: Scenario, entry: Mapping[str, Any], version: int) -> dict[str, Any] | None:
    """Return the design of a programme drill at 09:00 local time on its date (cached per scenario version)."""
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


def visible(name: str, programme: dict[str, Any]) -> dict[str, Any]:
    """Return a programme without the no-notice drills hidden from the signed-in user (a player, before StartEx)."""
    return conduct_store.without_hidden(programme, conduct_store.hidden_drills(get_store(), name, actor()))


def check_visible(name: str, key: str) -> None:
    """Answer a drill hidden from the signed-in user as a drill that does not exist (404)."""
    if key in conduct_store.hidden_drills(get_store(), name, actor()):
        raise not_found(key)


def check_drill_scope(name: str, key: str | None) -> None:
    """Refuse (403) a change of a drill outside the user's jurisdiction (its owner's), or of the whole programme."""
    scenario = current_scenario(name)
    region = root_of(scenario) if key is None else records.drill_jurisdiction(get_store(), scenario, key)
    check_scope(user_scope(), scenario, region, what=f"drill {key}" if key else f"the drill programme of {name}",
                permission="edit_drills")


def may_change_drill(name: str, key: str | None) -> bool:
    """Whether the signed-in user may change a drill (or, key None, the whole programme): the pages' controls."""
    try:
        check_drill_scope(name, key)
    except ForbiddenError:
        return False
    return True


def may_change_action(name: str, drill: str | None, plan: str | None) -> bool:
    """Whether the signed-in user may move a corrective action of this drill or plan: the board's controls."""
    try:
        check_action_scope(name, "a corrective action", drill, plan)
    except ForbiddenError:
        return False
    return True


def check_action_scope(name: str, what: str, drill: str | None, plan: str | None) -> None:
    """Refuse (403) raising or moving a corrective action outside the user's jurisdiction (its drill's or plan's)."""
    scenario = current_scenario(name)
    region = records.action_jurisdiction(get_store(), scenario, drill, plan)
    check_scope(user_scope(), scenario, region, what=what, permission="edit_drills")


def drill_view(name: str, key: str) -> dict[str, Any]:
    """Everything the drill page shows: entry, design (stored or computed), simulation, evaluation, actions.

    ``requests`` are the cross-region requests for help the drill exercises (those the user may see), each with
    its times against the plan (request to approval, approval to first unit on scene, the proposal's arrival).
    """
    store = get_store()
    scenario = current_scenario(name)
    check_visible(name, key)
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
        "requests": [{"id": r["id"], "state": r["state"], "jurisdiction": r["jurisdiction"], "level": r["level"],
                      "times": r["times"]}
                     for r in request_service.list_requests(store, name, user_scope()) if r.get("drill") == key],
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
        if team is None or base is None:
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
    check_drill_scope(name, key)
    design = None if json.design is None else json.design.to_json()
    if design is None:
        design = drill_view(name, key)["design"]
        if design is None:
            raise InputError(f"drill {key} has no hazard site, so no design can be made", field="site")
    design = records.check_design(design, current_scenario(name).zone)
    version = records.save_design(get_store(), name, key, design, expected_version=json.expected_version,
                                  actor=actor())
    return jsonify({"key": key, "version": version, "design": design})


@operation(bp, "/scenarios/<name>/drills/<key>/shift", "POST", permission="edit_drills",
           summary="Shift the drill (start and every inject) keeping inject spacing",
           answers={200: DesignSaved, 409: "changed by someone else since you read it"})
def shift(name: str, key: str, json: ShiftDrill) -> Any:
    """Move the stored design by ``minutes`` or to ``start``; the computed design is saved first if needed."""
    check_drill_scope(name, key)
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
    check_drill_scope(name, key)
    entry = records.drill_entry(get_store(), name, key)
    if not entry.get("site"):
        raise InputError(f"drill {key} has no hazard site to simulate", field="site")
    params = {"template": entry["scenario"], "site": entry["site"], "runs": json.runs, "seed": json.seed, "drill": key,
              **{k: v for k, v in (("closures", json.closures), ("band", json.band)) if v}}
    job_id = runner().submit("drills-simulate", name, params,
                             actor=actor(), loaded=current_scenario(name))
    return jsonify({"id": job_id, "status": "queued"}), 202


@operation(bp, "/scenarios/<name>/drills/<key>/simulation", "PUT", permission="edit_drills",
           summary="Store the summary a finished drills-simulate job produced",
           answers={200: SimulationSaved, 409: "changed by someone else since you read it"})
def save_simulation(name: str, key: str, json: SaveJobResult) -> Any:
    """Keep the job's summary with the drill (its p50/p90 become the evaluation's expectation)."""
    check_drill_scope(name, key)
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
    """Each evaluated drill with its latest score, findings, plan, who and when, and how often it was evaluated."""
    current_scenario(name)
    return jsonify({"evaluations": [
        {"drill": key, "version": v, "plan": r.plan, "date": r.date.isoformat(), "score": r.evaluation.score,
         "findings": len(r.evaluation.findings), "evaluated_by": r.evaluated_by,
         "evaluated_at": None if r.evaluated_at is None else r.evaluated_at.isoformat(),
         "evaluations": len(r.history) + 1}
        for key, r, v in evaluation_store.evaluations(get_store(), name)]})


@operation(bp, "/scenarios/<name>/evaluations/<key>", "GET",
           summary="A drill's latest evaluation with its actions, turn-out proposals and the earlier "
                   "evaluations (history: who, when, inputs, result; newest first)",
           answers={200: EvaluationAnswer})
def get_evaluation(name: str, key: str) -> Any:
    """Return the latest evaluation, its corrective actions and turn-out proposals, and the history."""
    current_scenario(name)
    check_visible(name, key)
    view, _ = evaluation_store.evaluation_view(get_store(), name, key)
    return jsonify(view)


@operation(bp, "/scenarios/<name>/evaluations/<key>", "POST", permission="edit_drills",
           summary="Evaluate a drill from its observed timeline (events or CSV); findings become actions; "
                   "the earlier evaluation is kept in the history",
           answers={201: EvaluationStored, 409: "evaluated by someone else since you read it"})
def evaluate(name: str, key: str, json: Evaluate) -> Any:
    """Score against the objectives and the stored simulation; store it with the history; add the actions."""
    check_drill_scope(name, key)
    current_scenario(name)
    if json.csv:
        text, field = json.csv, "csv"
    else:
        text, field = events_csv(json.events or ()), "events"
    outcome = evaluation_store.evaluate_stored_drill(
        get_store(), name, key, text, actor=actor(), expected_version=json.expected_version, observed_field=field,
        plan=json.plan, owner=json.owner, on=json.date)
    return jsonify(outcome.to_json()), 201


@operation(bp, "/scenarios/<name>/evaluations/<key>/report", "GET",
           summary="The evaluation report (评估报告), summary report (总结报告) as HTML, or both as PDF; "
                   "the latest evaluation, or an earlier one by its number",
           answers={200: "text/html or application/pdf"}, media={200: ["text/html", "application/pdf"]})
def report(name: str, key: str, query: ReportQuery) -> Any:
    """``?format=html`` (evaluation report, default), ``summary``, ``pdf`` (download), ``aar`` or ``aar_pdf``."""
    fmt = query.format
    wanted = query.evaluation
    scenario = current_scenario(name)
    heading = {"agency": str(scenario.meta.get("agency", "")),
               "scenario": str(scenario.meta.get("title_zh") or scenario.title)}  # every PDF page's header
    record, _ = evaluation_store.get_evaluation(get_store(), name, key)
    run = record.latest() if wanted is None else record.run(wanted)
    evaluation = run.evaluation
    drill_actions = run.addressed_by([a for a, _ in records.drill_actions(get_store(), name, key)])
    figure = drill_figure(scenario, records.drill_entry(get_store(), name, key), evaluation)
    if fmt == "html":
        return Response(evaluation_html(evaluation, figure), mimetype="text/html")
    if fmt == "summary":
        return Response(summary_html(evaluation, drill_actions, figure), mimetype="text/html")
    if fmt in ("aar", "aar_pdf"):
        template = evaluation_store.drill_template(run.template)
        design = drill_view(name, key)["design"] or {}
        expected: dict[str, float] = {}
        for arrival in design.get("expected_dispatch", []):
            for capability in arrival.get("capabilities", {}):
                expected[capability] = min(expected.get(capability, arrival["arrival_min"]), arrival["arrival_min"])
        every = [a for a, _ in records.drill_actions(get_store(), name, key)]
        capabilities = {o.id: o.capability for o in template.objectives}
        if fmt == "aar":
            return Response(aar_html(evaluation, every, notes=run.notes, capabilities=capabilities, expected=expected,
                                     figure=figure), mimetype="text/html")
        return Response(aar_pdf(evaluation, every, notes=run.notes, capabilities=capabilities, expected=expected,
                                figure=figure, **heading),
                        mimetype="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename=after-action-report-{key}.pdf"})
    return Response(report_pdf(evaluation, drill_actions, figure=figure, **heading), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=drill-report-{key}.pdf"})


@operation(bp, "/scenarios/<name>/evaluations/<key>/turnout/<team>/apply", "POST", permission="edit_plans",
           summary="Apply a drill's proposed turn-out minutes to the team record (audited)",
           answers={200: TurnoutApplied, 409: "the team record changed since you read it"})
def apply_turnout(name: str, key: str, team: str, json: ApplyTurnout) -> Any:
    """Set the team's ``turnout_min`` to the observed value the evaluation proposed."""
    store = get_store()
    record, _ = evaluation_store.get_evaluation(store, name, key)
    proposal = next((p for p in record.turnout_proposals if p.team == team), None)
    if proposal is None:
        raise InputError(f"drill {key} proposes no turn-out update for team {team!r}", field="team")
    data, version = store.get_record(name, "teams", team)
    expected = json.expected_version or version
    data["turnout_min"] = float(proposal.proposed_min)
    new_version = store.put_record(name, "teams", data, expected_version=expected, actor=actor(), scope=user_scope())
    evaluation_store.mark_applied(store, name, key, team, actor=actor())
    return jsonify({"team": team, "turnout_min": data["turnout_min"], "version": new_version})


# ----------------------------------------------------------------------------------------------------
# Corrective actions


@operation(bp, "/scenarios/<name>/actions", "GET", summary="Corrective-action board: open, in progress, closed",
           answers={200: ActionBoard})
def board(name: str) -> Any:
    """Columns of corrective actions, each marked overdue (due before today in the scenario's zone) or not."""
    today = local_today(name)
    return jsonify({"today": today.isoformat(), "columns": records.board(get_store(), name, today),
                    "plans_needing_revision": evaluation_store.plans_needing_revision(get_store(), name)})


@operation(bp, "/scenarios/<name>/actions/<action_id>", "PATCH", permission="edit_drills",
           summary="Move a corrective action (closing needs verified_by and evidence, cancelling a reason) or "
                   "change its text, owner, due date, priority, capability or note",
           answers={200: VersionedAction, 409: "changed by someone else since you read it"})
def update_action(name: str, action_id: str, json: ActionChange) -> Any:
    """Change one action; ``version`` is the version you read (409 if someone changed it since)."""
    stored, _ = records.get_action(get_store(), name, action_id)
    check_action_scope(name, f"corrective action {action_id}", stored.drill, stored.plan)
    changes = json.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    action, version = records.update_action(get_store(), name, action_id, changes, today=local_today(name),
                                            expected_version=json.version, actor=actor())
    return jsonify({**action.to_json(), "version": version})


@operation(bp, "/scenarios/<name>/actions", "POST", permission="edit_drills",
           summary="Raise a corrective action by hand (not from a finding)", answers={201: VersionedAction})
def create_action(name: str, json: NewAction) -> Any:
    """Add an open action with its owner and due date, optionally of a drill, with priority and capability."""
    check_action_scope(name, f"a corrective action of drill {json.drill}" if json.drill else
                       f"a corrective action of plan {json.plan}" if json.plan else "a corrective action",
                       json.drill, json.plan)
    action, version = records.create_action(get_store(), name, json.model_dump(mode="json"),
                                            today=local_today(name), actor=actor())
    return jsonify({**action.to_json(), "version": version}), 201


# ----------------------------------------------------------------------------------------------------
# Response cards


def _card(name: str, plan_id: str) -> Any:
    scenario = current_scenario(name)
    return make_card(scenario, plan_set(StoredDocuments(get_store(), name), scenario), plan_id, load_library())


@operation(bp, "/scenarios/<name>/plans/<plan_id>/card", "GET",
           summary="The key-post response card (岗位应急处置卡) of an on-site plan", answers={200: ResponseCardAnswer})
def response_card(name: str, plan_id: str) -> Any:
    """Trigger, first actions, who to call, nearest teams and equipment with travel minutes, assembly point."""
    return jsonify(_card(name, plan_id).to_json())


@operation(bp, "/scenarios/<name>/plans/<plan_id>/card/pdf", "GET",
           summary="The response card of an on-site plan as a printable A4 or A5 PDF in Chinese",
           answers={200: "the card as a PDF"}, media={200: ["application/pdf"]})
def response_card_pdf(name: str, plan_id: str, query: CardQuery) -> Any:
    """One page with the card, the CJK font embedded when the system has one."""
    return Response(cards_pdf([_card(name, plan_id)], size=query.size), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=card-{plan_id}.pdf"})
