"""Snap points (bases, sites, incidents) to the network with a spatial index: to the nearest edge, or node.

:meth:`Snapper.snap_edges` finds the nearest drivable edge and the point on it (the fraction along it
from its start node), whatever the direction of travel: :func:`geodata.points.with_points` then splits
the edge there so travel starts and ends part-way along it, with one-way roads respected.
:meth:`Snapper.snap` finds the nearest node (approximate networks, whose links are not roads).
Every snap records the off-network distance. A point farther than the limit (default 2 km) is refused
with an error naming it, or flagged when the caller asks for flags, rather than silently snapped
across a river or onto the wrong side of a city.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geodata.errors import SnapError
from geodata.network import RoadNetwork
from geodata.projection import LocalProjection
from geodata.segments import segments

DEFAULT_MAX_SNAP_M = 2000.0
"""Farthest a point may lie from the network, in metres, before it is refused or flagged."""


DEFAULT_ACCESS_SPEED_KPH = 10.0
"""Speed over the off-road leg from a point to the road it snapped to, km/h ([U] planning assumption: a
rescue vehicle inside a plant's compound or on a track; a scenario sets ``access_speed_kph``)."""


@dataclass(frozen=True)
class EdgeSnap:
    """Nearest edge per point: its position, the fraction along it (0 at ``edge_u``), the point on the road.

    ``distance_m`` is the off-road distance from the point to the road; ``road_lon``/``road_lat`` the
    point on the road; ``too_far`` marks points beyond the limit (when not refused). Where the nearest
    edge is one carriageway of a divided road (one-way, with the other carriageway running the opposite
    way close by), ``other_*`` holds the same for the other carriageway (``other_edge`` -1: none), so
    the point can be reached from both directions as a site between the carriageways is.
    """

    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray
    road_lon: np.ndarray
    road_lat: np.ndarray
    too_far: np.ndarray
    other_edge: np.ndarray | None = None
    other_fraction: np.ndarray | None = None
    other_distance_m: np.ndarray | None = None
    other_lon: np.ndarray | None = None
    other_lat: np.ndarray | None = None

    def road(self, network: RoadNetwork, i: int) -> dict[str, object]:
        """Return the road point ``i`` snapped to, for details: class, OSM way id, source edge id, distances."""
        edge = int(self.edge[i])
        return {"highway": str(network.highway[edge]), "way_id": int(network.way_id[edge]),
                "edge_id": int(network.edge_id[edge]), "fraction": round(float(self.fraction[i]), 4),
                "snap_distance_m": round(float(self.distance_m[i]), 1)}


@dataclass(frozen=True)
class SnapResult:
    """Nearest node position per point, the distance to it in metres, and which points are too far."""

    node: np.ndarray
    distance_m: np.ndarray
    too_far: np.ndarray


class Snapper:
    """A spatial index over the network's nodes in a local metric projection, built once per network."""

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        self.projection = LocalProjection(float(np.mean(network.lon)), float(np.mean(network.lat)))
        x, y = self.projection.to_metres(network.lon, network.lat)
        self._tree = shapely.STRtree(shapely.points(x, y))

    def snap(
        self,
        lon: Sequence[float] | np.ndarray,
        lat: Sequence[float] | np.ndarray,
        *,
        labels: Sequence[str] | None = None,
        max_distance_m: float = DEFAULT_MAX_SNAP_M,
        refuse: bool = True,
    ) -> SnapResult:
        """Snap points to their nearest node.

        With ``refuse=True`` a point beyond ``max_distance_m`` raises ``SnapError`` naming the point
        (by ``labels`` where given) and its distance; otherwise it is snapped and flagged in ``too_far``.
        """
        lon_a, lat_a = self._checked(lon, lat)
        if lon_a.size == 0:
            return SnapResult(np.empty(0, np.int64), np.empty(0), np.empty(0, bool))
        x, y = self.projection.to_metres(lon_a, lat_a)
        (point_index, node_index), distance = self._tree.query_nearest(
            shapely.points(x, y), return_distance=True, all_matches=False
        )
        node = np.empty(lon_a.size, dtype=np.int64)
        dist = np.empty(lon_a.size)
        node[point_index] = node_index
        dist[point_index] = distance
        too_far = dist > max_distance_m
        self._refuse(lon_a, lat_a, dist, too_far, labels, max_distance_m, refuse)
        return SnapResult(node, dist, too_far)

    def snap_edges(
        self,
        lon: Sequence[float] | np.ndarray,
        lat: Sequence[float] | np.ndarray,
        *,
        labels: Sequence[str] | None = None,
        max_distance_m: float = DEFAULT_MAX_SNAP_M,
        refuse: bool = True,
    ) -> EdgeSnap:
        """Snap points to their nearest drivable edge (the straight segment between its nodes).

        Refuses or flags points beyond ``max_distance_m`` as :meth:`snap` does. Either direction of a
        two-way road may be returned; :func:`geodata.points.with_points` splits both. When the nearest
        edge is one-way, the nearest edge heading the opposite way within ``OTHER_CARRIAGEWAY``
        (twice the distance, or 30 m more) is found too: the other carriageway of a divided road.
        """
        lon_a, lat_a = self._checked(lon, lat)
        if lon_a.size == 0:
            empty = np.empty(0)
            return EdgeSnap(np.empty(0, np.int64), empty, empty, empty, empty, np.empty(0, bool))
        index = segments(self.network)
        x, y = index.projection.to_metres(lon_a, lat_a)
        points = shapely.points(x, y)
        (point_index, segment_index), distance = index.tree.query_nearest(points, return_distance=True,
                                                                          all_matches=False)
        order = np.argsort(point_index)
        segment_index, distance = segment_index[order], distance[order]
        lines = index.lines[segment_index]
        fraction = np.clip(shapely.line_locate_point(lines, points, normalized=True), 0.0, 1.0)
        on_road = shapely.line_interpolate_point(lines, fraction, normalized=True)
        road_lon, road_lat = index.projection.to_lonlat(shapely.get_x(on_road), shapely.get_y(on_road))
        too_far = distance > max_distance_m
        self._refuse(lon_a, lat_a, distance, too_far, labels, max_distance_m, refuse)
        edges = index.edges[segment_index].astype(np.int64)
        other = np.full(edges.size, -1, dtype=np.int64)
        other_distance = np.full(edges.size, np.inf)
        other_fraction = np.zeros(edges.size)
        u, v = self.network.edge_u, self.network.edge_v
        for i, edge in enumerate(edges.tolist()):
            if ((u == v[edge]) & (v == u[edge])).any():
                continue  # two-way: with_points joins both directions already
            radius = min(max(2 * distance[i], distance[i] + 30.0), max_distance_m)
            heading = np.array([index.x[v[edge]] - index.x[u[edge]], index.y[v[edge]] - index.y[u[edge]]])
            for candidate in index.tree.query(points[i], predicate="dwithin", distance=radius).tolist():
                road = int(index.edges[candidate])
                way = np.array([index.x[v[road]] - index.x[u[road]], index.y[v[road]] - index.y[u[road]]])
                norm = float(np.linalg.norm(heading) * np.linalg.norm(way))
                gap = float(shapely.distance(index.lines[candidate], points[i]))
                if norm > 0 and float(heading @ way) / norm < -0.5 and gap < other_distance[i]:
                    other[i], other_distance[i] = road, gap
                    other_fraction[i] = float(shapely.line_locate_point(index.lines[candidate], points[i],
                                                                        normalized=True))
        found = other >= 0
        other_lon = np.full(edges.size, np.nan)
        other_lat = np.full(edges.size, np.nan)
        if found.any():
            road_points = shapely.line_interpolate_point(index.lines[np.searchsorted(index.edges, other[found])],
                                                         other_fraction[found], normalized=True)
            other_lon[found], other_lat[found] = index.projection.to_lonlat(shapely.get_x(road_points),
                                                                            shapely.get_y(road_points))
        return EdgeSnap(edges, np.asarray(fraction, dtype=float), np.asarray(distance, dtype=float),
                        np.asarray(road_lon), np.asarray(road_lat), too_far, other, other_fraction,
                        other_distance, other_lon, other_lat)

    def _checked(self, lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
        if lon_a.shape != lat_a.shape:
            raise SnapError("lon and lat must have the same length")
        if lon_a.size and not (np.isfinite(lon_a).all() and np.isfinite(lat_a).all()):
            raise SnapError("coordinates must be finite numbers")
        return lon_a, lat_a

    def _refuse(self, lon: np.ndarray, lat: np.ndarray, distance: np.ndarray, too_far: np.ndarray,
                labels: Sequence[str] | None, max_distance_m: float, refuse: bool) -> None:
        """Raise ``SnapError`` naming the first point beyond the limit, when refusing."""
        if refuse and too_far.any():
            first = int(np.flatnonzero(too_far)[0])
            name = labels[first] if labels is not None else f"point {first}"
            raise SnapError(
                f"{name} at ({lon[first]:.5f}, {lat[first]:.5f}) is {_distance_text(distance[first])} from the "
                f"nearest road of network {self.network.name!r} (limit {_distance_text(max_distance_m)})"
            )


def _distance_text(metres: float) -> str:
    """``"1.2 km"`` or ``"350 m"``: readable at both scales."""
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
