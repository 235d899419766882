"""GeoJSON views of a scenario for maps: records as features, and the road network for drawing.

The road network for drawing is simplified: one straight segment per pair of linked nodes (the two
directions of a two-way street drawn once), grouped into one MultiLineString per road class, with
coordinates rounded to about a metre. Routing always uses the full network.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geodata.network import RoadNetwork
from planner.model.codes import LABELS, label
from planner.model.records import Record
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.scenario.network import placement

FeatureCollection = dict[str, Any]
_CODED_FIELDS = {"tier", "team_type", "risk_grade", "kind"}
_PLACED_KINDS = ("bases", "sites", "depots")
"""Kinds with a point of their own, joined to the road network (:func:`planner.scenario.network.placement`)."""


def _properties(record: Record) -> dict[str, Any]:
    properties = record.model_dump(mode="json", exclude={"geometry", "lon", "lat"})
    for field in _CODED_FIELDS & set(properties):
        properties[f"{field}_label"] = label("site_kind" if field == "kind" else field, properties[field])
    return properties


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def layer(scenario: Scenario, kind: str) -> FeatureCollection:
    """One record kind as a FeatureCollection; teams and equipment sit at their base's point."""
    bases = scenario.by_id("bases")
    teams = scenario.by_id("teams")
    placed = placement(scenario) if kind in _PLACED_KINDS else None
    features = []
    for record in scenario.records(kind):
        properties = _properties(record)
        geometry: dict[str, Any] | None
        if kind == "jurisdictions":
            geometry = getattr(record, "geometry", None)
        elif kind in _PLACED_KINDS:
            geometry = _point(record.lon, record.lat)  # type: ignore[attr-defined]
            properties["off_network_m"] = round(placed.off_network_m[record.id], 1)  # type: ignore[union-attr]
            properties["snap_road"] = placed.roads.get(record.id)  # type: ignore[union-attr]
        else:
            base_id = getattr(record, "base", None) or getattr(teams.get(getattr(record, "team", "")), "base", None)
            base = bases.get(base_id) if base_id else None
            geometry = _point(base.lon, base.lat) if base is not None else None  # type: ignore[attr-defined]
            if base is not None:
                properties["tier"] = base.tier.value  # type: ignore[attr-defined]
                properties["tier_label"] = label("tier", base.tier)  # type: ignore[attr-defined]
        features.append({"type": "Feature", "id": record.id, "properties": properties, "geometry": geometry})
    if kind == "bases":
        _attach_teams(scenario, features)
    return {"type": "FeatureCollection", "features": features}


def _attach_teams(scenario: Scenario, base_features: list[dict[str, Any]]) -> None:
    """Give each base feature a summary of its teams, for popups and team-type filters."""
    by_base: dict[str, list[dict[str, Any]]] = {}
    for team in scenario.teams:
        by_base.setdefault(team.base, []).append({
            "id": team.id, "name": team.name, "team_type": team.team_type.value,
            "team_type_label": label("team_type", team.team_type), "members": team.members,
            "squads": team.squads, "turnout_min": team.turnout_min, "availability": team.availability.value,
            "readiness": team.readiness.value,
        })
    for feature in base_features:
        teams = by_base.get(feature["id"], [])
        feature["properties"]["teams"] = teams
        feature["properties"]["team_types"] = sorted({t["team_type"] for t in teams})


def roads(network: RoadNetwork, *, decimals: int = 5) -> FeatureCollection:
    """Return the network for drawing: one MultiLineString feature per road class, each street drawn once."""
    a = np.minimum(network.edge_u, network.edge_v)
    b = np.maximum(network.edge_u, network.edge_v)
    _, first = np.unique(a * network.n_nodes + b, return_index=True)
    lon = np.round(network.lon, decimals)
    lat = np.round(network.lat, decimals)
    features = []
    highway = network.highway[first]
    for road_class in sorted(set(highway.tolist())):
        chosen = first[highway == road_class]
        u, v = network.edge_u[chosen], network.edge_v[chosen]
        lines = np.stack([np.column_stack([lon[u], lat[u]]), np.column_stack([lon[v], lat[v]])], axis=1)
        features.append({"type": "Feature", "properties": {"highway": road_class, "segments": int(chosen.size)},
                         "geometry": {"type": "MultiLineString", "coordinates": lines.tolist()}})
    return {"type": "FeatureCollection", "features": features}


def labels() -> dict[str, dict[str, list[str]]]:
    """Chinese and English label of every coded value, for the front end; incident types from the library."""
    table = {field: {key: list(pair) for key, pair in values.items()} for field, values in LABELS.items()}
    table["incident_type"] = {t.id: [t.name_zh or t.name, t.name] for t in load_library().values()}
    return table
