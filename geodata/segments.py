"""The network's edges as straight segments in a local metric projection, with a spatial index.

Closures ask which edges run inside or across an area; snapping asks which edge is nearest to a point.
Both use this one index, built once per network topology (nodes and edges, not speeds) and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from geodata.network import RoadNetwork
from geodata.projection import LocalProjection

ACCESS_CLASS = "access"
"""Road class of the off-road legs that join a snapped point to its road (never snapped to, never closed by class)."""


@dataclass
class Segments:
    """Straight edge segments (metres) of the edges that may be snapped to, with their STRtree.

    ``edges`` maps a segment's position in the tree to the edge's position in the network; ``x``/``y``
    are the nodes' projected coordinates.
    """

    projection: LocalProjection
    x: np.ndarray
    y: np.ndarray
    edges: np.ndarray
    lines: np.ndarray = field(repr=False)
    tree: shapely.STRtree = field(repr=False)

    def to_metres(self, geometry: shapely.Geometry) -> shapely.Geometry:
        """Project a lon/lat geometry into this index's metres."""
        return shapely.transform(geometry, lambda xy: np.column_stack(self.projection.to_metres(xy[:, 0], xy[:, 1])))


SEGMENTS_KEPT = 4
"""Segment indexes kept (per topology: a network and its closure sets and bands share one)."""
_cache: dict[str, Segments] = {}


def segments(network: RoadNetwork) -> Segments:
    """Return the network's segment index (off-road access legs left out), built once per topology."""
    key = network.topology_key()
    if key not in _cache:
        projection = LocalProjection(float(np.mean(network.lon)), float(np.mean(network.lat)))
        x, y = projection.to_metres(network.lon, network.lat)
        edges = np.flatnonzero((network.highway != ACCESS_CLASS) & ~network.superseded)
        u, v = network.edge_u[edges], network.edge_v[edges]
        lines = shapely.linestrings(np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], 1))
        if len(_cache) >= SEGMENTS_KEPT:
            _cache.pop(next(iter(_cache)))  # the oldest: an STRtree of every edge is large on a big network
        _cache[key] = Segments(projection, x, y, edges, lines, shapely.STRtree(lines))
    return _cache[key]
