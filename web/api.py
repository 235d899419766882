"""JSON API under ``/api/v1``: scenarios, their map layers and the road network for drawing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from werkzeug.exceptions import NotFound

from planner import geojson
from planner.model import RECORD_TYPES
from planner.networks import network_for
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_roads_cache: dict[str, dict[str, Any]] = {}


@bp.get("/scenarios")
def scenarios() -> Any:
    """Every stored scenario with its record counts."""
    return jsonify({"scenarios": get_store().list_scenarios()})


@bp.get("/scenarios/<name>")
def scenario(name: str) -> Any:
    """A scenario's metadata and counts."""
    found = current_scenario(name)
    return jsonify({"name": found.name, "title": found.title, "meta": dict(found.meta), "counts": found.counts()})


@bp.get("/scenarios/<name>/layers/<kind>")
def layer(name: str, kind: str) -> Any:
    """One record kind as GeoJSON (bases, teams, equipment, sites, jurisdictions)."""
    if kind not in RECORD_TYPES or kind == "standards":
        raise NotFound(f"no map layer {kind!r}; layers: bases, teams, equipment, sites, jurisdictions")
    return jsonify(geojson.layer(current_scenario(name), kind))


@bp.get("/scenarios/<name>/roads")
def roads(name: str) -> Any:
    """The road network for drawing, one MultiLineString per road class (cached per network)."""
    network = network_for(current_scenario(name))
    key = network.fingerprint()
    if key not in _roads_cache:
        _roads_cache[key] = geojson.roads(network)
    return jsonify(_roads_cache[key])


@bp.get("/labels")
def labels() -> Any:
    """Chinese and English labels of coded values."""
    return jsonify(geojson.labels())
