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

import datetime as dt
import math
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from planner import clock
from planner.errors import InputError
from planner.posture.prepositioning import plan_posture
from planner.posture.readiness import critical_periods
from planner.posture.settings import PostureInputs, posture_inputs
from planner.posture.warnings import parse_cap, warning_from_dict
from planner.store.settings import StoredDocuments
from web.auth import require
from web.openapi import Param, spec
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("posture", __name__)
SCENARIO = Param("name", description="scenario name")
POSTURE_BODY: dict[str, Any] = {"type": "object", "properties": {
    "cap": {"type": "string", "description": "CAP 1.2 alert XML"},
    "warning": {"type": "object", "description": "a warning entered by hand"},
    "now": {"type": "string", "description": "clock for refusing expired alerts, ISO 8601 with a time zone"},
    "at": {"type": "string", "description": "when the posture holds, ISO 8601 with a time zone"},
    "max_moves": {"type": "integer", "minimum": 0, "maximum": 50},
    "time_limit_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 60}}}
_MAX_CAP_CHARS = 1_000_000


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


@spec.operation(bp, "/api/v1/scenarios/<name>/posture/staging-points", "GET",
                summary="Listed staging points of a scenario, GeoJSON", params=[SCENARIO])
def staging_points(name: str) -> Any:
    """Return the scenario's stored staging points (empty when it has none)."""
    points = _inputs(name).staging
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
         "properties": {"id": p.id, "name": p.name, "name_zh": p.name_zh, "jurisdiction": p.jurisdiction,
                        "capacity": p.capacity, "team_types": sorted(p.team_types)}} for p in points]})


@spec.operation(bp, "/api/v1/scenarios/<name>/critical-periods", "GET",
                summary="Critical periods in force on a day (from the drill calendar)",
                params=[SCENARIO, Param("date", "query", description="YYYY-MM-DD (default: today, scenario's zone)")])
def periods(name: str) -> Any:
    """Critical periods of the scenario's calendar in force on ``?date=``."""
    inputs = _inputs(name)
    text = request.args.get("date") or clock.today(current_scenario(name).zone).isoformat()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"date {text!r} must be YYYY-MM-DD", field="date") from None
    found = critical_periods(inputs.calendar, day)
    return jsonify({"date": day.isoformat(), "periods": [
        {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat(), "applies_to": p.applies_to,
         "source": p.source} for p in found]})


@spec.operation(bp, "/api/v1/scenarios/<name>/posture", "POST",
                summary="Readiness posture and pre-positioning for a warning (CAP 1.2 or by hand)",
                permission="run_whatif", params=[SCENARIO], body=POSTURE_BODY)
def posture(name: str) -> Any:
    """Plan the posture for the warning in the body; nothing is stored."""
    scenario = current_scenario(name)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("send a JSON object", field="body")
    unknown = sorted(set(body) - set(POSTURE_BODY["properties"]))
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
    now = _time(body.get("now"), "now")
    at = _time(body.get("at"), "at")
    if ("cap" in body) == ("warning" in body):
        raise InputError("give exactly one of cap (CAP 1.2 XML) or warning", field="cap")
    if "cap" in body:
        if not isinstance(body["cap"], str) or not body["cap"].strip() or len(body["cap"]) > _MAX_CAP_CHARS:
            raise InputError(f"cap must be CAP 1.2 XML text of at most {_MAX_CAP_CHARS} characters", field="cap")
        warnings = parse_cap(body["cap"], name="CAP alert", now=now)
    else:
        warnings = (warning_from_dict(body["warning"], now=now),)
    max_moves = body.get("max_moves")
    if max_moves is not None and (isinstance(max_moves, bool) or not isinstance(max_moves, int)
                                  or not 0 <= max_moves <= 50):
        raise InputError("max_moves must be an integer 0..50", field="max_moves")
    limit = body.get("time_limit_s")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                              or not math.isfinite(limit) or not 0 < limit <= 60):
        raise InputError("time_limit_s must be a number in (0, 60]", field="time_limit_s")
    inputs = _inputs(name)
    report = plan_posture(scenario, warnings, rules=inputs.rules, staging=inputs.staging, calendar=inputs.calendar,
                          at=at, max_moves=max_moves, time_limit_s=float(limit) if limit is not None else None)
    return jsonify(report.to_dict(full=True))


def _inputs(name: str) -> PostureInputs:
    """Return the scenario's stored warning rules, staging points and calendar."""
    return posture_inputs(StoredDocuments(get_store(), name), current_scenario(name))


def _time(value: Any, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{field} must be an ISO 8601 date-time text", field=field)
    return clock.aware(value, field)
