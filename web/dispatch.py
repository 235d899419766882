"""Dispatch tester page and API: incidents placed on the map, who goes where, routes and the ledger.

- ``GET /dispatch?scenario=NAME``: the page (map clicks place incidents; each gets a template,
  editable requirements, priority, duration and the responsible unit; Run shows the plan).
- ``GET /api/v1/incident-types``: the incident templates with their default requirements.
- ``POST /api/v1/scenarios/<name>/dispatch``: ``{"incidents": [...], "time_limit_s"?}`` answered
  with the incidents, the optimal plan (each assignment with its unit, base, route and borrowing),
  the greedy baseline and the compensation ledger (``planner.dispatch.scenario``).

Every problem with the request is a 400 naming the field (``incidents[2].requirements[0].quantity``)
so the page can show it next to the incident concerned.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from geodata.errors import SnapError
from planner.dispatch.requests import (
    IncidentRequest,
    incident_library,
    parse_incident_request,
    requirements_from_template,
)
from planner.dispatch.scenario import ScenarioDispatch, dispatch_scenario, region_of
from planner.errors import InputError
from planner.model.records import LABELS
from planner.scenario.model import Scenario
from web.auth import require
from web.openapi import Param, spec
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("dispatch", __name__)
SCENARIO = Param("name", description="scenario name")

MAX_INCIDENTS = 50
"""Incidents per request (the page places a handful; this keeps one request's solve bounded)."""
MAX_REQUIREMENTS = 50
"""Requirement rows per incident."""
MAX_QUANTITY = 1000
"""Largest quantity of one requirement row (units of a capability)."""
DEFAULT_TIME_LIMIT_S = 10.0
"""Solver time limit when the request gives none, seconds."""
MAX_TIME_LIMIT_S = 60.0
"""Largest solver time limit a request may ask for, seconds."""

REQUIREMENT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["capability", "quantity", "deadline_min"],
    "properties": {
        "capability": {"type": "string", "minLength": 1, "description": "capability tag, e.g. fire_squad"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
        "deadline_min": {"type": "number", "minimum": 0, "maximum": 10_000,
                         "description": "minutes from the call by which the quantity must be on scene"},
    },
}
DISPATCH_BODY: dict[str, Any] = {
    "type": "object", "required": ["incidents"],
    "properties": {
        "incidents": {"type": "array", "minItems": 1, "maxItems": MAX_INCIDENTS, "items": {
            "type": "object", "required": ["lon", "lat"],
            "properties": {
                "id": {"type": "string", "description": "unique; I1, I2... by position when absent"},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "type": {"type": "string",
                         "description": "incident template id (GET /api/v1/incident-types)"},
                "priority": {"type": "integer", "minimum": 1, "maximum": 10},
                "requirements": {"type": "array", "maxItems": MAX_REQUIREMENTS, "items": REQUIREMENT_SCHEMA,
                                 "description": "defaults to the template's requirements"},
                "duration_h": {"type": "number", "exclusiveMinimum": 0, "maximum": 720,
                               "description": "expected mission length for the ledger, hours"},
                "responsible_unit": {"type": "string",
                                     "description": "the accident-responsible unit, if any"},
                "responsible_can_pay": {"type": "boolean"},
            },
        }},
        "time_limit_s": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIME_LIMIT_S},
    },
}


@bp.get("/dispatch")
@require("view")
def page() -> str:
    """Render the dispatch tester page of a scenario."""
    name = request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]
    scenario = current_scenario(name)
    return render_template("dispatch.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           capabilities=sorted(_capabilities(scenario)))


@spec.operation(bp, "/api/v1/incident-types", "GET",
                summary="Incident templates with their default requirements")
def incident_types() -> Any:
    """Return the incident templates, each with its default dispatch requirements."""
    return jsonify({"incident_types": [
        {"id": t.id, "name": t.name, "name_zh": t.name_zh, "category": t.category,
         "requirements": [{"capability": r.capability, "quantity": r.quantity, "deadline_min": r.deadline_min}
                          for r in requirements_from_template(t)]}
        for t in sorted(incident_library().values(), key=lambda t: t.id)]})


@spec.operation(bp, "/api/v1/scenarios/<name>/dispatch", "POST",
                summary="Dispatch units to incidents placed by coordinates (optimal and greedy), "
                        "routes and ledger",
                permission="run_dispatch", params=[SCENARIO], body=DISPATCH_BODY)
def run(name: str) -> Any:
    """Solve the dispatch of the posted incidents on the scenario."""
    scenario = current_scenario(name)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object", field="body")
    requests, time_limit_s = parse_body(body, scenario)
    try:
        result = dispatch_scenario(scenario, requests, time_limit_s=time_limit_s)
    except SnapError as error:
        raise InputError(str(error), field=_snapped_field(str(error), requests)) from None
    return jsonify(result_json(scenario, result))


def parse_body(body: dict[str, Any], scenario: Scenario) -> tuple[list[IncidentRequest], float]:
    """Return the incident requests and the time limit; ``InputError`` names the field at fault."""
    unknown = sorted(set(body) - {"incidents", "time_limit_s"})
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
    raw = body.get("incidents")
    if not isinstance(raw, list) or not raw:
        raise InputError("place at least one incident (incidents must be a non-empty list)",
                         field="incidents")
    if len(raw) > MAX_INCIDENTS:
        raise InputError(f"at most {MAX_INCIDENTS} incidents per request, got {len(raw)}", field="incidents")
    time_limit_s = body.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if not _finite(time_limit_s) or not 0 < time_limit_s <= MAX_TIME_LIMIT_S:
        raise InputError(f"time_limit_s must be seconds in (0, {MAX_TIME_LIMIT_S:g}]", field="time_limit_s")
    library = incident_library()
    requests = []
    for index, item in enumerate(raw):
        _check_sizes(item, index)
        parsed = parse_incident_request(item, index, library)
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
    return requests, float(time_limit_s)


def _check_sizes(item: Any, index: int) -> None:
    """Check what the engine does not: numbers too large for a float, requirement rows, quantities."""
    if not isinstance(item, dict):
        return
    for key in ("lon", "lat"):
        value = item.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and not _finite(value):
            raise InputError(f"incidents[{index}]: lon and lat must be numbers",
                             field=f"incidents[{index}].{key}")
    rows = item.get("requirements")
    if isinstance(rows, list):
        if len(rows) > MAX_REQUIREMENTS:
            raise InputError(f"incidents[{index}]: at most {MAX_REQUIREMENTS} requirement rows",
                             field=f"incidents[{index}].requirements")
        for row, data in enumerate(rows):
            quantity = data.get("quantity") if isinstance(data, dict) else None
            if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > MAX_QUANTITY:
                where = f"incidents[{index}].requirements[{row}]"
                raise InputError(f"{where}: quantity must be at most {MAX_QUANTITY}",
                                 field=f"{where}.quantity")


def _finite(value: Any) -> bool:
    """Tell whether a JSON number fits a float (Python reads ``1e999``-sized integers exactly)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


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
        })
    optimal["assignments"] = described
    optimal["units_sent"] = len(described)
    greedy = result.greedy.to_dict()
    greedy["units_sent"] = len(greedy["assignments"])
    return {"scenario": scenario.name, "incidents": list(result.incidents), "optimal": optimal,
            "greedy": greedy, "ledger": result.ledger}


def _capabilities(scenario: Scenario) -> set[str]:
    """Capability tags the scenario's teams and equipment offer, and those the templates ask for."""
    tags = {c for t in scenario.teams for c in t.capabilities}
    tags |= {c for e in scenario.equipment for c in e.capabilities}
    tags |= {r.capability for t in incident_library().values() for r in t.requirements}
    return tags
