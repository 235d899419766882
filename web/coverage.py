"""Coverage page and API: sites against response standards, service areas and what-if plans.

- ``GET /coverage?scenario=NAME``: the page (map, standard picker, gap table, what-if controls).
- ``GET /api/v1/scenarios/<name>/coverage``: the coverage report (``planner.coverage.verdict``).
- ``GET /api/v1/scenarios/<name>/coverage/service-areas?standard=ID``: isochrones, GeoJSON.
- ``POST /api/v1/scenarios/<name>/coverage/whatif``: a plan as JSON
  ``{"committed": [...], "close_bases": [...], "move_teams": {"T": "BASE" | [lon, lat]},
  "add": {"k", "team_type", "turnout_min", "tier", "candidates": [{"id", "lon", "lat"} | {"id", "node"}]}}``
  answered with before, after and the changes (``planner.coverage.whatif``).

Reports and service areas are cached per scenario version.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from planner.coverage.verdict import coverage, service_area_features
from planner.coverage.whatif import Candidate, Plan, TeamTemplate, what_if
from planner.errors import InputError
from planner.model.records import LABELS, TeamType, Tier
from web.auth import require
from web.openapi import Param, spec
from web.scenarios import cached_for_version, cached_json, current_scenario
from web.store import get_store

bp = Blueprint("coverage", __name__)
SCENARIO = Param("name", description="scenario name")
WHATIF_BODY: dict[str, Any] = {"type": "object", "properties": {
    "committed": {"type": "array", "items": {"type": "string"}},
    "close_bases": {"type": "array", "items": {"type": "string"}},
    "move_teams": {"type": "object", "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}]}},
    "add": {"type": "object", "required": ["k", "candidates"], "properties": {
        "k": {"type": "integer", "minimum": 1}, "team_type": {"type": "string"}, "turnout_min": {"type": "number"},
        "tier": {"type": "string"}, "candidates": {"type": "array", "items": {"type": "object"}}}}}}
_MAX_CANDIDATES = 500


@bp.get("/coverage")
@require("view")
def page() -> str:
    """Render the coverage page of a scenario."""
    name = request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]
    scenario = current_scenario(name)
    return render_template(
        "coverage.html", scenario=scenario, scenarios=get_store().list_scenarios(),
        standards=scenario.standards, bases=scenario.bases,
        team_types=[(t.value, " / ".join(LABELS["team_type"][t.value])) for t in TeamType],
        tiers=[(t.value, " / ".join(LABELS["tier"][t.value])) for t in Tier],
    )


@spec.operation(bp, "/api/v1/scenarios/<name>/coverage", "GET", summary="Coverage of every site against its standards",
                params=[SCENARIO])
def report(name: str) -> Any:
    """Coverage of every site against every standard that applies to it."""
    scenario = current_scenario(name)
    return cached_json("coverage", name, None, lambda: coverage(scenario).to_dict())


@spec.operation(bp, "/api/v1/scenarios/<name>/coverage/service-areas", "GET",
                summary="Service areas of a standard's teams, GeoJSON",
                params=[SCENARIO, Param("standard", "query", description="standard id")])
def areas(name: str) -> Any:
    """Service areas of the standard's teams at its minutes (``?standard=ID``)."""
    scenario = current_scenario(name)
    standard = request.args.get("standard", "")
    if not standard:
        raise InputError("give ?standard=ID", field="standard")
    return jsonify(cached_for_version("service_areas", name, standard,
                                      lambda: service_area_features(scenario, standard)))


@spec.operation(bp, "/api/v1/scenarios/<name>/coverage/whatif", "POST",
                summary="Coverage before and after a what-if plan", permission="run_whatif", params=[SCENARIO],
                body=WHATIF_BODY)
def whatif(name: str) -> Any:
    """Coverage before and after a what-if plan, and what changed."""
    scenario = current_scenario(name)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("send a JSON object", field="body")
    result = what_if(scenario, plan_from_json(body))
    return jsonify(result.to_dict(full=True))


def plan_from_json(body: dict[str, Any]) -> Plan:
    """Parse a what-if plan; InputError names the field."""
    unknown = set(body) - {"committed", "close_bases", "move_teams", "add"}
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    committed = _strings(body.get("committed", []), "committed")
    close = _strings(body.get("close_bases", []), "close_bases")
    moves_in = body.get("move_teams", {})
    if not isinstance(moves_in, dict):
        raise InputError("move_teams must be an object team -> base id or [lon, lat]", field="move_teams")
    moves: dict[str, str | tuple[float, float]] = {}
    for team, target in moves_in.items():
        if isinstance(target, str):
            moves[str(team)] = target
        elif isinstance(target, list) and len(target) == 2 and all(_number(v) for v in target):
            moves[str(team)] = (float(target[0]), float(target[1]))
        else:
            raise InputError(f"move_teams.{team}: give a base id or [lon, lat]", field="move_teams")
    add = body.get("add")
    if add is None:
        return Plan(committed=committed, close_bases=close, move_teams=moves)
    if not isinstance(add, dict):
        raise InputError("add must be an object", field="add")
    k = add.get("k")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise InputError("add.k must be an integer >= 1", field="add.k")
    raw = add.get("candidates")
    if not isinstance(raw, list) or not raw or len(raw) > _MAX_CANDIDATES:
        raise InputError(f"add.candidates must be a list of 1..{_MAX_CANDIDATES} points", field="add.candidates")
    candidates = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InputError(f"add.candidates[{i}] must be an object", field="add.candidates")
        cid = str(item.get("id") or f"c{i + 1}")
        if "node" in item:
            if not isinstance(item["node"], int):
                raise InputError(f"add.candidates[{i}].node must be an integer", field="add.candidates")
            candidates.append(Candidate(cid, node=item["node"]))
        elif _number(item.get("lon")) and _number(item.get("lat")):
            candidates.append(Candidate(cid, lon=float(item["lon"]), lat=float(item["lat"])))
        else:
            raise InputError(f"add.candidates[{i}] needs lon and lat (or node)", field="add.candidates")
    turnout = add.get("turnout_min", 5.0)
    if not _number(turnout):
        raise InputError("add.turnout_min must be a number", field="add.turnout_min")
    template = TeamTemplate(add.get("team_type", ""), turnout_min=float(turnout), tier=add.get("tier", "local"))
    return Plan(committed=committed, close_bases=close, move_teams=moves, add_k=k, candidates=tuple(candidates),
                template=template)


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{field} must be a list of ids", field=field)
    return tuple(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
