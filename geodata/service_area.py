"""Service areas (isochrones): the part of the road network reachable within given minutes.

The polygon is the union of the reached road segments buffered by a walking margin, computed in a
local metric projection: it follows the roads, unlike a convex hull that would claim the far side of
a river or a mountain. Partly reached edges are cut at the point the time runs out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.errors import GeodataError
from geodata.matrix import csr_matrix_costs
from geodata.network import RoadNetwork
from geodata.projection import LocalProjection

DEFAULT_MARGIN_M = 150.0
"""How far either side of a reached road the service area extends, in metres."""


def service_areas(
    network: RoadNetwork,
    origin: int | Sequence[int],
    minutes: Sequence[float],
    *,
    turnout_s: float = 0.0,
    margin_m: float = DEFAULT_MARGIN_M,
    simplify_m: float = 50.0,
) -> list[BaseGeometry]:
    """One polygon (lon/lat) per break in ``minutes``, reachable from ``origin`` after ``turnout_s``.

    ``origin`` may be several node positions (a set of stations): the area is then what any of them
    reaches in time.
    """
    breaks = sorted(float(m) for m in minutes)
    if not breaks or breaks[0] <= 0:
        raise GeodataError("minutes must be positive numbers")
    origins = np.atleast_1d(np.asarray(origin, dtype=np.int64))
    limit_s = breaks[-1] * 60 - turnout_s
    if limit_s <= 0:
        return [shapely.Polygon() for _ in breaks]
    costs = csr_matrix_costs(network.csr(), origins, None, cutoff=limit_s).min(axis=0) + turnout_s
    projection = LocalProjection(float(np.mean(network.lon)), float(np.mean(network.lat)))
    x, y = projection.to_metres(network.lon, network.lat)
    areas = []
    for minute in breaks:
        budget = minute * 60
        start = costs[network.edge_u]
        reached = (start < budget) & network.open_edges  # closed and split edges are not driven
        u, v = network.edge_u[reached], network.edge_v[reached]
        share = np.clip((budget - start[reached]) / network.travel_time_s[reached], 0.0, 1.0)
        ends_x = x[u] + (x[v] - x[u]) * share
        ends_y = y[u] + (y[v] - y[u]) * share
        coords = np.stack([np.column_stack([x[u], y[u]]), np.column_stack([ends_x, ends_y])], axis=1)
        segments = shapely.linestrings(coords)
        area = shapely.union_all(shapely.buffer(segments, margin_m, quad_segs=2))
        area = shapely.simplify(area, simplify_m)
        areas.append(shapely.transform(area, lambda xy: np.column_stack(projection.to_lonlat(xy[:, 0], xy[:, 1]))))
    return areas
