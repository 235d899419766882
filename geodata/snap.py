"""Snap points (bases, sites, incidents) to their nearest network node with a spatial index.

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

DEFAULT_MAX_SNAP_M = 2000.0
"""Farthest a point may lie from the network, in metres, before it is refused or flagged."""


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
        lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
        if lon_a.shape != lat_a.shape:
            raise SnapError("lon and lat must have the same length")
        if lon_a.size == 0:
            return SnapResult(np.empty(0, np.int64), np.empty(0), np.empty(0, bool))
        if not (np.isfinite(lon_a).all() and np.isfinite(lat_a).all()):
            raise SnapError("coordinates must be finite numbers")
        x, y = self.projection.to_metres(lon_a, lat_a)
        (point_index, node_index), distance = self._tree.query_nearest(
            shapely.points(x, y), return_distance=True, all_matches=False
        )
        node = np.empty(lon_a.size, dtype=np.int64)
        dist = np.empty(lon_a.size)
        node[point_index] = node_index
        dist[point_index] = distance
        too_far = dist > max_distance_m
        if refuse and too_far.any():
            first = int(np.flatnonzero(too_far)[0])
            name = labels[first] if labels is not None else f"point {first}"
            raise SnapError(
                f"{name} at ({lon_a[first]:.5f}, {lat_a[first]:.5f}) is {_distance_text(dist[first])} from the "
                f"nearest road of network {self.network.name!r} (limit {_distance_text(max_distance_m)})"
            )
        return SnapResult(node, dist, too_far)


def _distance_text(metres: float) -> str:
    """``"1.2 km"`` or ``"350 m"``: readable at both scales."""
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
