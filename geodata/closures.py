"""Road closures (barriers): which edges an area, a line, edge ids or OSM way ids close or slow down.

A closure is drawn on the map as a polygon (a flooded area, the area of a CAP warning) that closes
every edge running inside or across it, or as a line (a cut road) that closes every edge it crosses
or touches within ``width_m``; it may also list source edge ids (``eid``) or OSM way ids. A partial
closure slows the edges down by a speed factor (0.3: a road under water) instead of closing them.
Geometry is GeoJSON in WGS-84 lon/lat; the tests of "inside or across" run in a local metric
projection on the straight segment of each edge. Where several closures touch one edge the most
restrictive wins (the smallest factor; a full closure is factor 0), so the order of closures never
matters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geodata.errors import GeodataError
from geodata.network import RoadNetwork
from geodata.segments import segments

MAX_SPEED_FACTOR = 3.0
"""Largest speed factor a closure or a time band may set (1.1: a fast night; anything above 3 is a typo)."""

DEFAULT_LINE_WIDTH_M = 15.0
"""How close to a drawn line an edge must come to be cut by it, in metres."""

AREA_TYPES = ("Polygon", "MultiPolygon")
LINE_TYPES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class Closure:
    """One closure: a geometry (lon/lat) or source edge ids or OSM way ids, closed or slowed.

    ``speed_factor`` None closes the roads; a number in (0, 3] multiplies their speed.
    """

    id: str
    geometry: BaseGeometry | None = None
    edges: tuple[int, ...] = ()
    ways: tuple[int, ...] = ()
    speed_factor: float | None = None
    width_m: float = DEFAULT_LINE_WIDTH_M
    label: str = ""

    def __post_init__(self) -> None:
        """Check that it names something and that its factor is a usable speed factor."""
        if self.geometry is None and not self.edges and not self.ways:
            raise GeodataError(f"closure {self.id}: give a geometry, edge ids or way ids")
        check_speed_factor(self.speed_factor, f"closure {self.id}: speed_factor")
        if not (np.isfinite(self.width_m) and 0 < self.width_m <= 1000):
            raise GeodataError(f"closure {self.id}: width_m must be in (0, 1000] metres")

    @property
    def kind(self) -> str:
        """``area``, ``line``, ``edges`` or ``ways``: what the closure is drawn as."""
        if self.geometry is not None:
            return "area" if self.geometry.geom_type in AREA_TYPES else "line"
        return "edges" if self.edges else "ways"

    @property
    def factor(self) -> float:
        """The speed factor it sets on its edges (0 when it closes them)."""
        return 0.0 if self.speed_factor is None else float(self.speed_factor)


def check_speed_factor(value: float | None, where: str) -> None:
    """Raise ``GeodataError`` unless ``value`` is None or a finite number in (0, MAX_SPEED_FACTOR]."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise GeodataError(f"{where} must be a number in (0, {MAX_SPEED_FACTOR:g}]")
    if not 0 < float(value) <= MAX_SPEED_FACTOR:
        raise GeodataError(f"{where} = {value:g} must be > 0 and <= {MAX_SPEED_FACTOR:g}")


def parse_geometry(data: Any, where: str = "geometry") -> BaseGeometry:
    """Read a GeoJSON geometry, Feature or FeatureCollection of polygons or lines (lon/lat) and check it.

    Refused with ``GeodataError`` naming ``where``: not GeoJSON, a type other than (Multi)Polygon or
    (Multi)LineString, mixed areas and lines, coordinates outside lon/lat, an empty geometry, or an
    invalid polygon (self-intersecting, with the place shapely reports).
    """
    if not isinstance(data, Mapping):
        raise GeodataError(f"{where}: not a GeoJSON object")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise GeodataError(f"{where}: a FeatureCollection needs at least one feature")
        parts = [parse_geometry(f, f"{where}.features[{i}]") for i, f in enumerate(features)]
        if len({p.geom_type in AREA_TYPES for p in parts}) > 1:
            raise GeodataError(f"{where}: mixes areas and lines; give them as separate closures")
        return shapely.union_all(parts) if parts[0].geom_type in AREA_TYPES else shapely.MultiLineString(
            [line for p in parts for line in getattr(p, "geoms", [p])])
    if kind == "Feature":
        return parse_geometry(data.get("geometry"), f"{where}.geometry")
    if kind not in (*AREA_TYPES, *LINE_TYPES):
        raise GeodataError(f"{where}: type must be Polygon, MultiPolygon, LineString or MultiLineString "
                           f"(or a Feature or FeatureCollection of them), not {kind!r}")
    try:
        geometry = shapely.geometry.shape(data)
    except (ValueError, TypeError, IndexError, AttributeError, KeyError, shapely.errors.ShapelyError) as error:
        raise GeodataError(f"{where}: not valid GeoJSON {kind} coordinates ({error})") from None
    if geometry.is_empty:
        raise GeodataError(f"{where}: the {kind} is empty")
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise GeodataError(f"{where}: coordinates must be [lon, lat] in degrees")
    if kind in AREA_TYPES and not geometry.is_valid:
        raise GeodataError(f"{where}: the {kind} is not valid ({explain_validity(geometry)}); "
                           "draw it without crossing its own edges")
    return geometry


def _named(network: RoadNetwork, closure: Closure, ids: np.ndarray, wanted: Sequence[int], what: str) -> np.ndarray:
    """Return the positions of the edges whose ``ids`` (edge or OSM way ids) a closure names; each must exist."""
    asked = np.asarray(wanted, dtype=np.int64)
    hit = np.isin(ids, asked)
    missing = np.setdiff1d(asked, ids[hit])
    if missing.size:
        raise GeodataError(f"closure {closure.id}: {what} id {int(missing[0])} is not in network {network.name!r}")
    return np.flatnonzero(hit)


def closure_edges(network: RoadNetwork, closure: Closure) -> np.ndarray:
    """Edge positions a closure touches (sorted); ``GeodataError`` when it touches no road of the network."""
    found: list[np.ndarray] = []
    if closure.geometry is not None:
        index = segments(network)
        metric = index.to_metres(closure.geometry)
        if closure.kind == "line":
            metric = shapely.buffer(metric, closure.width_m)
        found.append(index.edges[np.asarray(index.tree.query(metric, predicate="intersects"), dtype=np.int64)])
    if closure.edges:
        found.append(_named(network, closure, network.edge_id, closure.edges, "edge"))
    if closure.ways:
        found.append(_named(network, closure, network.way_id, closure.ways, "way"))
    edges = np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)
    if edges.size == 0:
        raise GeodataError(f"closure {closure.id}: its {closure.kind} touches no road of network {network.name!r} "
                           "(it lies outside the network)")
    return edges


@dataclass(frozen=True)
class AppliedClosure:
    """What one closure did: how many edges it closed or slowed, and its factor (0 = closed)."""

    id: str
    kind: str
    edges: int
    speed_factor: float | None
    label: str = ""


def closure_factors(network: RoadNetwork, closures: Sequence[Closure]) -> tuple[np.ndarray, tuple[AppliedClosure, ...]]:
    """Speed factor per edge under ``closures`` (1 where none applies, 0 where closed), and what each did."""
    factor = np.ones(network.n_edges)
    applied = []
    ids = [c.id for c in closures]
    if len(set(ids)) != len(ids):
        raise GeodataError("closure ids must be unique within a set")
    for closure in closures:
        edges = closure_edges(network, closure)
        factor[edges] = np.minimum(factor[edges], closure.factor)
        applied.append(AppliedClosure(closure.id, closure.kind, int(edges.size), closure.speed_factor, closure.label))
    return factor, tuple(applied)


def edge_lines(network: RoadNetwork, edges: np.ndarray, *, decimals: int = 5) -> list[list[list[float]]]:
    """``[[lon, lat], [lon, lat]]`` of each edge (its straight segment), for drawing closed roads on a map."""
    u, v = network.edge_u[edges], network.edge_v[edges]
    coords = np.stack([np.column_stack([network.lon[u], network.lat[u]]),
                       np.column_stack([network.lon[v], network.lat[v]])], axis=1)
    lines: list[list[list[float]]] = np.round(coords, decimals).tolist()
    return lines
