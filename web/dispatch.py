"""Dispatch tester page and API: incidents placed on the map, who goes where, routes and the ledger.

- ``GET /dispatch?scenario=NAME``: the page (map clicks place incidents; each gets a template,
  editable requirements, priority, duration and the responsible unit; Run shows the plan).
- ``GET /api/v1/incident-types``: the incident templates with their default requirements.
- ``POST /api/v1/scenarios/<name>/dispatch``: ``{"incidents": [...], "time_limit_s"?, "at"?, "closures"?,
  "band"?}`` (``at``: who is on duty then, and the time band the roads are driven in) answered
  with the incidents, the optimal plan (each assignment with its unit, base, route and borrowing, and
  with ``at`` the people and certificates it brings), the greedy baseline, the compensation ledger and,
  with ``at``, who was held back below strength and why (``planner.dispatch.scenario``).

Every problem with the request is a 400 naming the field (``incidents[2].requirements[0].quantity``)
so the page can show it next to the incident concerned.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from geodata.errors import SnapError
from planner.dispatch.printout import dispatch_html, dispatch_pdf
from planner.dispatch.requests import (
    IncidentRequest,
    incident_library,
    incident_request,
    materials_from_template,
    requirements_from_template,
)
from planner.dispatch.scenario import ScenarioDispatch, availability_summary, dispatch_scenario, region_of
from planner.errors import InputError
from planner.model.codes import LABELS
from planner.scenario.model import Scenario
from web.auth import require
from web.openapi import operation
from web.roads import day_of
from web.scenarios import current_scenario
from web.schemas.dispatch import DispatchAnswer, DispatchRequest, IncidentTypes, SummaryQuery
from web.store import get_store

bp = Blueprint("dispatch", __name__)


@bp.get("/dispatch")
@require("view")
def page() -> str:
    """Render the dispatch tester page of a scenario."""
    name = request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]
    scenario = current_scenario(name)
    return render_template("dispatch.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           capabilities=sorted(_capabilities(scenario)))


@operation(bp, "/api/v1/incident-types", "GET", summary="Incident templates with their default requirements",
           answers={200: IncidentTypes})
def incident_types() -> Any:
    """Return the incident templates, each with its default dispatch requirements."""
    return jsonify({"incident_types": [
        {"id": t.id, "name": t.name, "name_zh": t.name_zh, "category": t.category,
         "requirements": [{"capability": r.capability, "quantity": r.quantity, "deadline_min": r.deadline_min}
                          for r in requirements_from_template(t)],
         "materials": [{"material": m.material, "quantity": m.quantity, "unit": m.unit,
                        "deadline_min": m.deadline_min} for m in materials_from_template(t)]}
        for t in sorted(incident_library().values(), key=lambda t: t.id)]})


@operation(bp, "/api/v1/scenarios/<name>/dispatch", "POST",
           summary="Dispatch units to incidents placed by coordinates (optimal and greedy), routes and ledger",
           permission="run_dispatch", answers={200: DispatchAnswer, 422: "no feasible plan in the time limit"})
def run(name: str, json: DispatchRequest) -> Any:
    """Solve the dispatch of the posted incidents on the scenario."""
    scenario, result = solved(name, json)
    return jsonify(result_json(scenario, result))


@operation(bp, "/api/v1/scenarios/<name>/dispatch/summary", "POST",
           summary="The dispatch summary to file (plan, materials, retained minimums, ledger) as PDF or HTML",
           permission="run_dispatch", answers={200: "the summary: a PDF (A4, CJK font embedded) or an HTML page",
                                               422: "no feasible plan in the time limit"},
           media={200: ["application/pdf", "text/html"]},
           notes="The body is the dispatch request's; the plan is solved again, as ``POST .../dispatch`` solves it.")
def summary(name: str, query: SummaryQuery, json: DispatchRequest) -> Any:
    """Solve the posted incidents and return the dispatch summary as a PDF (default) or a printable HTML page."""
    scenario, result = solved(name, json)
    header = {"agency": str(scenario.meta.get("agency", "")),
              "scenario": str(scenario.meta.get("title_zh") or scenario.title)}
    if query.format == "html":
        return Response(dispatch_html(result, **header), mimetype="text/html")
    return Response(dispatch_pdf(result, **header), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=dispatch-summary-{name}.pdf"})


def solved(name: str, body: DispatchRequest) -> tuple[Scenario, ScenarioDispatch]:
    """Solve a dispatch request on the scenario; a point the network cannot take names its incident's field."""
    scenario = current_scenario(name)
    requests = incident_requests(body, scenario)
    day = day_of(name, body.closures, body.at, body.band)  # who is on duty then, and the roads then
    try:
        result = dispatch_scenario(scenario, requests, time_limit_s=body.time_limit_s, available=day.available,
                                   roads=day.roads)
    except SnapError as error:
        raise InputError(str(error), field=_snapped_field(str(error), requests)) from None
    return scenario, result


def incident_requests(body: DispatchRequest, scenario: Scenario) -> list[IncidentRequest]:
    """Return the incident requests (templates applied, regions found); ``InputError`` names the field at fault."""
    library = incident_library()
    requests = []
    for index, item in enumerate(body.incidents):
        parsed = incident_request(item, index, library)
        where = f"incidents[{index}]"
        try:
            region_of(scenario, parsed.lon, parsed.lat)
        except InputError as error:
            raise InputError(f"{where}: {error}", field=f"{where}.lon") from None
        requests.append(parsed)
    seen: dict[str, int] = {}
    for index, parsed in enumerate(requests):
        if parsed.id in seen:
            raise InputError(f"incidents[{index}]: id {parsed.id!r} repeats incidents[{seen[parsed.id]}]",
                             field=f"incidents[{index}].id")
        seen[parsed.id] = index
    return requests


def _snapped_field(message: str, requests: list[IncidentRequest]) -> str:
    """Return the field of the incident a snapping error names (``incident I2 at ...``)."""
    for index, parsed in enumerate(requests):
        if message.startswith(f"incident {parsed.id} at "):
            return f"incidents[{index}].lon"
    return "incidents"


def result_json(scenario: Scenario, result: ScenarioDispatch) -> dict[str, Any]:
    """Return the API answer: each optimal assignment described with its unit, base, route and borrowing."""
    teams = {t.id: t for t in scenario.teams}
    bases = {b.id: b for b in scenario.bases}
    borrowed = {b.unit: b for b in result.optimal.borrowed}
    optimal = result.optimal.to_dict()
    summary = availability_summary(result)
    described = []
    for assignment in optimal["assignments"]:
        team = teams[assignment["unit"]]
        base = bases[team.base]
        lent = borrowed.get(team.id)
        kind = team.team_type.value
        described.append({
            **assignment,
            "name": team.name, "name_zh": team.name_zh, "team_type": kind,
            "team_type_label": list(LABELS["team_type"].get(kind, [kind])), "turnout_min": team.turnout_min,
            "base": base.id, "base_name": base.name, "base_name_zh": base.name_zh,
            "lon": base.lon, "lat": base.lat,
            "route": result.routes.get(team.id, []), "route_km": result.route_km.get(team.id),
            "borrowed": lent is not None,
            "lender": lent.lender if lent else None, "cost": lent.cost if lent else 0.0,
            **({"brings": summary["units"][team.id]} if summary is not None else {}),
        })
    optimal["assignments"] = described
    optimal["units_sent"] = len(described)
    greedy = result.greedy.to_dict()
    greedy["units_sent"] = len(greedy["assignments"])
    return {"scenario": scenario.name, "incidents": list(result.incidents), "optimal": optimal,
            "greedy": greedy, "ledger": result.ledger, "availability": summary, "roads": result.roads}


def _capabilities(scenario: Scenario) -> set[str]:
    """Capability tags the scenario's teams and equipment offer, and those the templates ask for."""
    tags = {c for t in scenario.teams for c in t.capabilities}
    tags |= {c for e in scenario.equipment for c in e.capabilities}
    tags |= {r.capability for t in incident_library().values() for r in t.requirements}
    return tags
