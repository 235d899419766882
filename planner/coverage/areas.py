"""Multi-break service areas: per base and team type, nested polygons of what is reached in 5/10/15/30 min.

Each base with available teams of the type gets one polygon per break: the road network its fastest
such team reaches within the break, counting its turn-out (``Team.turnout_min``), built from the
reached edges (partly reached edges cut where the time runs out, :func:`geodata.service_area.service_areas`)
rather than a hull of nodes, so a river or a closed bridge shows as a gap. Under closures or a time
band (``roads``) the areas shrink accordingly. The answer is a GeoJSON FeatureCollection (lon/lat),
one feature per (base, break), largest break first so smaller areas draw on top; export it as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import shapely
import shapely.geometry

from geodata.service_area import DEFAULT_MARGIN_M, service_areas
from planner.coverage.verdict import access_speed_m_per_min
from planner.errors import InputError
from planner.model.records import Availability, TeamType
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.model import Scenario
from planner.scenario.network import placement

DEFAULT_BREAKS_MIN: tuple[float, ...] = (5.0, 10.0, 15.0, 30.0)
"""Breaks of a service area when none are given, minutes from the call (turn-out included)."""
MAX_BREAKS = 8
MAX_BREAK_MIN = 24 * 60.0


def check_breaks(breaks: Sequence[float]) -> tuple[float, ...]:
    """Return the breaks sorted; ``InputError`` (field ``breaks``) unless 1..8 distinct numbers in (0, 1440]."""
    values = tuple(sorted(float(b) for b in breaks))
    if not 1 <= len(values) <= MAX_BREAKS:
        raise InputError(f"breaks: give 1 to {MAX_BREAKS} minutes, got {len(values)}", field="breaks")
    if any(not (math.isfinite(b) and 0 < b <= MAX_BREAK_MIN) for b in values) or len(set(values)) != len(values):
        raise InputError(f"breaks: minutes must be distinct numbers in (0, {MAX_BREAK_MIN:g}]", field="breaks")
    return values


def service_area_breaks(scenario: Scenario, team_type: str, breaks: Sequence[float] = DEFAULT_BREAKS_MIN, *,
                        bases: Sequence[str] | None = None, roads: RoadConditions | None = None) -> dict[str, Any]:
    """Nested service areas of each base's teams of ``team_type`` at each break, as GeoJSON.

    Parameters
    ----------
    scenario
        Bases, teams and the network.
    team_type
        The teams' type (``fire``, ``hazchem``...); only available teams count.
    breaks
        Minutes from the call, turn-out included (default 5, 10, 15, 30).
    bases
        Only these bases (default every base with such a team).
    roads
        Closures and time band (:func:`planner.roads.conditions.travel_network`); default free flow.

    """
    try:
        kind = TeamType(team_type)
    except ValueError:
        raise InputError(f"team_type {team_type!r} is not one of {', '.join(t.value for t in TeamType)}",
                         field="team_type") from None
    minutes = check_breaks(breaks)
    known = {b.id for b in scenario.bases}
    if bases is not None and (unknown := [b for b in bases if b not in known]):
        raise InputError(f"bases: unknown id {unknown[0]!r}", field="bases", record=unknown[0])
    fastest: dict[str, float] = {}
    for team in scenario.teams:
        if team.team_type is kind and team.availability is Availability.AVAILABLE and (bases is None
                                                                                        or team.base in bases):
            fastest[team.base] = min(fastest.get(team.base, math.inf), float(team.turnout_min))
    placed = placement(scenario)
    network = routing_network(scenario, roads)
    margin_m = 1500.0 if access_speed_m_per_min(scenario) is not None else DEFAULT_MARGIN_M
    features = []
    for base_id in sorted(fastest):
        areas = service_areas(network, placed.base_node[base_id], minutes, turnout_s=fastest[base_id] * 60,
                              margin_m=margin_m)
        for minute, area in sorted(zip(minutes, areas, strict=True), reverse=True):
            features.append({
                "type": "Feature",
                "properties": {"base": base_id, "team_type": kind.value, "minutes": minute,
                               "turnout_min": fastest[base_id], "empty": bool(area.is_empty)},
                "geometry": None if area.is_empty else shapely.geometry.mapping(shapely.set_precision(area, 1e-6)),
            })
    return {"type": "FeatureCollection", "features": features, "breaks": list(minutes),
            "roads": None if roads is None else roads.describe()}
