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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from geodata.errors import GeodataError
from geodata.network import RoadNetwork, read_network_csv
from geodata.points import with_points
from geodata.regional import knn_network
from geodata.snap import DEFAULT_ACCESS_SPEED_KPH, DEFAULT_MAX_SNAP_M, Snapper
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


SNAP_MODES = ("edges", "nodes")


def snap_mode(scenario: Scenario) -> str:
    """``edges`` (split the nearest edge) on road networks, ``nodes`` on approximate kNN networks (``snap_to``)."""
    spec = dict(scenario.meta.get("network") or {})
    mode = str(scenario.meta.get("snap_to", "nodes" if spec.get("kind") == "knn" else "edges"))
    if mode not in SNAP_MODES:
        raise InputError(f"scenario {scenario.name}: snap_to must be edges or nodes, not {mode!r}", field="snap_to")
    return mode


def access_speed_kph(scenario: Scenario) -> float:
    """Speed over the off-road leg from a point to its road (``access_speed_kph`` in scenario.yaml)."""
    speed = scenario.meta.get("access_speed_kph", DEFAULT_ACCESS_SPEED_KPH)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0 < float(speed) <= 200:
        raise InputError(f"scenario {scenario.name}: access_speed_kph must be a number in (0, 200]",
                         field="access_speed_kph")
    return float(speed)


@dataclass(frozen=True)
class Joined:
    """Points joined to a network: the network with them, their nodes, off-road metres and the road chosen.

    ``roads`` holds, per point, the road it snapped to (class, way id, source edge id, fraction along
    it, snap distance) when snapping to edges, else None.
    """

    network: RoadNetwork
    node: np.ndarray
    distance_m: np.ndarray
    too_far: np.ndarray
    roads: tuple[dict[str, object] | None, ...]


def join_points(scenario: Scenario, network: RoadNetwork, lon: Sequence[float] | np.ndarray,
                lat: Sequence[float] | np.ndarray, *, labels: Sequence[str] | None = None,
                refuse: bool = True) -> Joined:
    """Join points to ``network`` as the scenario snaps: split their nearest edge, or at their nearest node.

    ``network`` is the scenario's network (:func:`placement`), or the same under closures or a time band
    (split edges keep their speed factor). Points beyond the scenario's snap limit raise ``GeodataError``
    naming them (or are flagged in ``too_far`` without ``refuse``).
    """
    limit = snap_limit_m(scenario)
    snapper = _snapper(network)
    if snap_mode(scenario) == "nodes":
        nodes = snapper.snap(lon, lat, labels=labels, max_distance_m=limit, refuse=refuse)
        return Joined(network, nodes.node, nodes.distance_m, nodes.too_far, (None,) * int(nodes.node.size))
    snaps = snapper.snap_edges(lon, lat, labels=labels, max_distance_m=limit, refuse=refuse)
    joined, nodes_a = with_points(network, snaps, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float),
                                  access_speed_kph=access_speed_kph(scenario))
    return Joined(joined, nodes_a, snaps.distance_m, snaps.too_far,
                  tuple(snaps.road(network, i) for i in range(int(snaps.edge.size))))


@dataclass(frozen=True)
class Placement:
    """Where every base, site and reserve depot of a scenario joins its network, and the network with them joined.

    ``network`` is the scenario's road network with each point joined part-way along its nearest edge
    (:func:`geodata.points.with_points`), or the network itself where points snap to nodes;
    ``base_node``/``site_node``/``depot_node`` are the points' nodes on it; ``roads`` the road each chose.
    """

    network: RoadNetwork
    snapper: Snapper
    base_node: dict[str, int]
    site_node: dict[str, int]
    off_network_m: dict[str, float]
    snap_limit_m: float
    depot_node: dict[str, int] = field(default_factory=dict)
    roads: dict[str, dict[str, object] | None] = field(default_factory=dict)


PLACEMENT_SETTINGS = ("network", "speeds_kph", "snap_limit_m", "snap_to", "access_speed_kph")
"""Scenario settings a placement depends on (its cache key holds them)."""
_placements: dict[tuple[str, str, int], Placement] = {}


def placement(scenario: Scenario) -> Placement:
    """Join the scenario's bases, sites and reserve depots to its network; refuse any point beyond the snap limit.

    The ``InputError`` names the first base, site or depot too far (kind, id, position and distance) and the
    scenario's ``snap_limit_m``, with ``lon`` as its field, so a form shows it beside the coordinates.
    Placements are cached by network and snapping settings, snap limit and the points' positions.
    """
    settings = json.dumps([scenario.meta.get(key) for key in PLACEMENT_SETTINGS], sort_keys=True, default=str)
    key = (scenario.name, settings, hash(tuple((r.id, r.lon, r.lat) for r in (*scenario.bases, *scenario.sites,
                                                                              *scenario.depots))))
    if key in _placements:
        return _placements[key]
    network = network_for(scenario)
    limit = snap_limit_m(scenario)
    groups = (("base", scenario.bases), ("site", scenario.sites), ("depot", scenario.depots))
    records = [r for _, group in groups for r in group]
    kinds = [kind for kind, group in groups for _ in group]
    try:
        joined = join_points(scenario, network, [r.lon for r in records], [r.lat for r in records], refuse=False)
    except GeodataError as error:
        raise InputError(str(error), field="lon") from None
    for kind, record, distance, too_far in zip(kinds, records, joined.distance_m, joined.too_far, strict=True):
        if too_far:
            raise InputError(f"{kind} {record.id} at ({record.lon:.5f}, {record.lat:.5f}) is "
                             f"{_distance(distance)} from the nearest road of network {network.name!r} (the "
                             f"scenario's snap_limit_m is {_distance(limit)})", field="lon", record=record.id)
    nodes = {kind: {r.id: int(n) for r, k, n in zip(records, kinds, joined.node, strict=True) if k == kind}
             for kind, _ in groups}
    if len(_placements) > 16:
        _placements.clear()
    _placements[key] = Placement(joined.network, _snapper(joined.network), nodes["base"], nodes["site"],
                                 {r.id: float(d) for r, d in zip(records, joined.distance_m, strict=True)}, limit,
                                 nodes["depot"], {r.id: road for r, road in zip(records, joined.roads, strict=True)})
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


SNAPPERS_KEPT = 8
"""Snappers kept (one per network: the scenario's, and each under closures or a band), oldest dropped first."""
_snappers: dict[str, Snapper] = {}


def _snapper(network: RoadNetwork) -> Snapper:
    key = network.fingerprint()
    if key not in _snappers:
        if len(_snappers) >= SNAPPERS_KEPT:
            _snappers.pop(next(iter(_snappers)))  # the oldest: a snapper holds its network
        _snappers[key] = Snapper(network)
    return _snappers[key]
