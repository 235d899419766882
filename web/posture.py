"""Posture page and API: an early warning's raised sites, readiness, pre-positioning moves, coverage before/after.

- ``GET /posture?scenario=NAME``: the page (CAP upload or a warning entered by hand, map, moves, figures).
- ``GET /api/v1/scenarios/<name>/posture/staging-points``: standby points (listed staging points), GeoJSON.
- ``GET /api/v1/scenarios/<name>/critical-periods?date=YYYY-MM-DD``: critical periods in force that day.
- ``POST /api/v1/scenarios/<name>/posture``: ``{"cap": "<CAP 1.2 XML>"}`` or ``{"warning": {...}}``
  (see ``planner.posture.warnings.warning_from_dict``), optional ``now``, ``at``, ``max_moves``, ``time_limit_s``;
  answered with the posture report (``planner.posture.prepositioning``): each figure (current, do nothing,
  greedy, optimised) with its ``meaning`` in words, the ``readiness_changes`` and the ``explanation`` of why
  current and do nothing differ. A refused CAP file is a 400 naming the field; nothing is stored, whether the
  file is read or refused.

Warning rules, staging points and the drill calendar are the scenario's stored settings documents
(``planner.posture.settings``), the ones the CLI reads; a scenario without warning rules uses the
default rules, one without staging points its bases only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from planner import clock
from planner.availability.settings import availability_rules
from planner.posture.cap import parse_cap
from planner.posture.prepositioning import plan_posture
from planner.posture.readiness import critical_periods
from planner.posture.settings import PostureInputs, posture_inputs
from planner.posture.warnings import warning_from_dict
from planner.store.settings import StoredDocuments
from web.auth import require
from web.openapi import operation
from web.roads import road_conditions
from web.scenarios import current_scenario
from web.schemas.common import FeatureCollection
from web.schemas.posture import CriticalPeriods, PeriodsQuery, PostureReport, PostureRequest
from web.store import get_store

bp = Blueprint("posture", __name__)


@bp.get("/posture")
@require("view")
def page() -> str:
    """Render the posture page of a scenario."""
    name = request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]
    scenario = current_scenario(name)
    districts = [j for j in scenario.jurisdictions
                 if j.geometry is not None and j.level.value in ("district", "county")]
    return render_template("posture.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           districts=districts, zone=clock.zone_name(scenario.zone))


@operation(bp, "/api/v1/scenarios/<name>/posture/staging-points", "GET",
           summary="Listed staging points of a scenario, GeoJSON", answers={200: FeatureCollection})
def staging_points(name: str) -> Any:
    """Return the scenario's stored staging points (empty when it has none)."""
    points = _inputs(name).staging
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
         "properties": {"id": p.id, "name": p.name, "name_zh": p.name_zh, "jurisdiction": p.jurisdiction,
                        "capacity": p.capacity, "team_types": sorted(p.team_types)}} for p in points]})


@operation(bp, "/api/v1/scenarios/<name>/critical-periods", "GET",
           summary="Critical periods in force on a day (from the drill calendar)", answers={200: CriticalPeriods})
def periods(name: str, query: PeriodsQuery) -> Any:
    """Critical periods of the scenario's calendar in force on ``?date=`` (default today, scenario's zone)."""
    inputs = _inputs(name)
    day = query.date or clock.today(current_scenario(name).zone)
    found = critical_periods(inputs.calendar, day)
    return jsonify({"date": day.isoformat(), "periods": [
        {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat(), "applies_to": p.applies_to,
         "source": p.source} for p in found]})


@operation(bp, "/api/v1/scenarios/<name>/posture", "POST",
           summary="Readiness posture and pre-positioning for a warning (CAP 1.2 or by hand)",
           permission="run_whatif", answers={200: PostureReport, 422: "no posture found in the time limit"})
def posture(name: str, json: PostureRequest) -> Any:
    """Plan the posture for the warning in the body; nothing is stored."""
    scenario = current_scenario(name)
    if json.cap is not None:
        warnings = parse_cap(json.cap, name="CAP alert", now=json.now)
    else:
        warnings = (warning_from_dict(json.warning or {}, now=json.now),)
    inputs = _inputs(name)
    report = plan_posture(scenario, warnings, rules=inputs.rules, staging=inputs.staging, calendar=inputs.calendar,
                          at=json.at, max_moves=json.max_moves, time_limit_s=json.time_limit_s,
                          roads=road_conditions(name, json.closures, None, json.band),
                          availability_rules=availability_rules(StoredDocuments(get_store(), name), scenario))
    return jsonify(report.to_dict(full=True))


def _inputs(name: str) -> PostureInputs:
    """Return the scenario's stored warning rules, staging points and calendar."""
    return posture_inputs(StoredDocuments(get_store(), name), current_scenario(name))
