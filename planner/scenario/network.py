"""The network a scenario sits on, and where its bases, depots and sites join it.

A scenario's ``network`` setting names its road graph in one of three forms:
``{kind: csv, path: "geodata:jinan"}`` (shipped with the product; a plain path is read as a folder),
``{kind: imported, name: NAME}`` (made by ``python -m planner import-osm``) or
``{kind: knn, k, detour_factor, speed_kph, waypoints}`` (an approximate regional network through the
scenario's own points). Networks and placements are cached per scenario content, so the CLI, the
web app and workers build each once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from geodata.errors import GeodataError
from geodata.network import RoadNetwork, read_network_csv
from geodata.regional import knn_network
from geodata.snap import DEFAULT_MAX_SNAP_M, Snapper
from planner.errors import InputError
from planner.scenario.model import Scenario
from planner.settings import PROJECT_DIR, imported_networks_dir

GEODATA_DIR = PROJECT_DIR / "geodata" / "data"


def network_folder(spec: dict[str, Any]) -> Path:
    """Folder of ``nodes.csv``/``edges.csv`` for a csv or imported network specification."""
    if spec.get("kind") == "imported":
        return imported_networks_dir() / str(spec.get("name"))
    path = str(spec.get("path", ""))
    return GEODATA_DIR / path.removeprefix("geodata:") if path.startswith("geodata:") else Path(path)


def network_for(scenario: Scenario) -> RoadNetwork:
    """Return the scenario's road network, built once per distinct specification."""
    spec = dict(scenario.meta.get("network") or {})
    speeds = dict(scenario.meta.get("speeds_kph") or {})
    if spec.get("kind") == "knn":
        points = [(s.lon, s.lat) for s in (*scenario.bases, *scenario.sites)]
        points += [(float(w["lon"]), float(w["lat"])) for w in spec.get("waypoints", [])]
        return _knn(scenario.name, json.dumps(spec, sort_keys=True), tuple(points))
    if spec.get("kind") not in ("csv", "imported"):
        raise InputError(f"scenario {scenario.name}: network.kind must be csv, imported or knn", field="network.kind")
    return _csv(scenario.name, str(network_folder(spec)), json.dumps(speeds, sort_keys=True))


@lru_cache(maxsize=8)
def _csv(name: str, folder: str, speeds_json: str) -> RoadNetwork:
    path = Path(folder)
    if not (path / "nodes.csv").is_file():
        raise InputError(f"scenario {name}: network folder {path} has no nodes.csv", field="network.path")
    return read_network_csv(path / "nodes.csv", path / "edges.csv", name=path.name,
                            speeds_kph=json.loads(speeds_json))


@lru_cache(maxsize=8)
def _knn(name: str, spec_json: str, points: tuple[tuple[float, float], ...]) -> RoadNetwork:
    spec = json.loads(spec_json)
    lon, lat = np.array(points, dtype=float).T
    return knn_network(lon, lat, k=int(spec.get("k", 5)), detour_factor=float(spec.get("detour_factor", 1.3)),
                       speed_kph=float(spec.get("speed_kph", 60.0)), name=name)


@dataclass(frozen=True)
class Placement:
    """Node and off-network distance of every base, site and reserve depot of a scenario, and its snap limit."""

    network: RoadNetwork
    snapper: Snapper
    base_node: dict[str, int]
    site_node: dict[str, int]
    off_network_m: dict[str, float]
    snap_limit_m: float
    depot_node: dict[str, int]


_placements: dict[tuple[str, str, int], Placement] = {}


def placement(scenario: Scenario) -> Placement:
    """Snap the scenario's bases, sites and reserve depots to its network; refuse any point beyond the snap limit.

    The ``InputError`` names the first base, site or depot too far (kind, id, position and distance) and the
    scenario's ``snap_limit_m``, with ``lon`` as its field, so a form shows it beside the coordinates.
    Placements are cached by network settings, snap limit and the points' positions.
    """
    settings = json.dumps([scenario.meta.get(key) for key in ("network", "speeds_kph", "snap_limit_m")],
                          sort_keys=True, default=str)
    key = (scenario.name, settings, hash(tuple((r.id, r.lon, r.lat) for r in (*scenario.bases, *scenario.sites,
                                                                              *scenario.depots))))
    if key in _placements:
        return _placements[key]
    network = network_for(scenario)
    snapper = _snapper(network)
    limit = snap_limit_m(scenario)
    nodes: dict[str, dict[str, int]] = {}
    distances: dict[str, float] = {}
    for kind, records in (("bases", scenario.bases), ("sites", scenario.sites), ("depots", scenario.depots)):
        try:
            result = snapper.snap([r.lon for r in records], [r.lat for r in records], max_distance_m=limit,
                                  refuse=False)
        except GeodataError as error:
            raise InputError(str(error), field="lon") from None
        for record, distance, too_far in zip(records, result.distance_m, result.too_far, strict=True):
            if too_far:
                raise InputError(f"{kind[:-1]} {record.id} at ({record.lon:.5f}, {record.lat:.5f}) is "
                                 f"{_distance(distance)} from the nearest road of network {network.name!r} (the "
                                 f"scenario's snap_limit_m is {_distance(limit)})", field="lon", record=record.id)
        nodes[kind] = {r.id: int(n) for r, n in zip(records, result.node, strict=True)}
        distances.update({r.id: float(d) for r, d in zip(records, result.distance_m, strict=True)})
    if len(_placements) > 16:
        _placements.clear()
    _placements[key] = Placement(network, snapper, nodes["bases"], nodes["sites"], distances, limit, nodes["depots"])
    return _placements[key]


def snap_limit_m(scenario: Scenario) -> float:
    """Return the scenario's ``snap_limit_m`` (2 km when it sets none); refuse one that is not a positive number."""
    value = scenario.meta.get("snap_limit_m", DEFAULT_MAX_SNAP_M)
    try:
        limit = float(value)
    except (TypeError, ValueError):
        limit = math.nan
    if isinstance(value, bool) or not math.isfinite(limit) or limit <= 0:
        raise InputError(f"scenario {scenario.name}: snap_limit_m must be a positive number of metres, not {value!r}",
                         field="snap_limit_m")
    return limit


def _distance(metres: float) -> str:
    """``"709.3 km"`` or ``"350 m"``."""
    return f"{metres / 1000:,.1f} km" if metres >= 1000 else f"{metres:.0f} m"


_snappers: dict[str, Snapper] = {}


def _snapper(network: RoadNetwork) -> Snapper:
    key = network.fingerprint()
    if key not in _snappers:
        _snappers[key] = Snapper(network)
    return _snappers[key]
