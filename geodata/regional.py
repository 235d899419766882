"""An approximate regional road network from points, for regions without a real road graph.

Each point is linked both ways to its ``k`` nearest neighbours, and the minimum spanning tree is added
so the network is always connected. Edge length is the great-circle distance times a detour factor;
every edge gets one speed. This is an approximation of a regional road network, stated as such
wherever it is used (e.g. the ``shanxi-coal`` scenario).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import minimum_spanning_tree

from geodata.errors import GeodataError
from geodata.network import RoadNetwork, build_network
from geodata.projection import haversine_m

REGIONAL_CLASS = "regional"


def knn_network(
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    k: int = 5,
    detour_factor: float = 1.3,
    speed_kph: float = 60.0,
    name: str = "regional",
) -> RoadNetwork:
    """Link every point to its ``k`` nearest neighbours (plus a spanning tree) at ``speed_kph``.

    Points at the same place are merged into one node by the network's cleaning step.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = lon.size
    if n < 2:
        raise GeodataError("a regional network needs at least two points")
    if k < 1 or detour_factor < 1 or speed_kph <= 0:
        raise GeodataError("k must be >= 1, detour_factor >= 1 and speed_kph > 0")
    distance = haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    np.fill_diagonal(distance, np.inf)
    nearest = np.argsort(distance, axis=1)[:, : min(k, n - 1)]
    pairs = {(min(i, j), max(i, j)) for i in range(n) for j in nearest[i]}
    finite = np.where(np.isfinite(distance), distance + 1e-6, 0.0)
    tree = minimum_spanning_tree(finite).tocoo()
    pairs |= {(min(i, j), max(i, j)) for i, j in zip(tree.row, tree.col, strict=True)}
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    length = distance[a, b] * detour_factor
    edges = pd.DataFrame(
        {
            "u": np.concatenate([a, b]),
            "v": np.concatenate([b, a]),
            "length_m": np.concatenate([length, length]),
            "highway": REGIONAL_CLASS,
        }
    )
    nodes = pd.DataFrame({"node_id": np.arange(n), "lon": lon, "lat": lat})
    return build_network(name, nodes, edges, speeds_kph={REGIONAL_CLASS: speed_kph})
