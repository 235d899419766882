"""Shortest routes as node sequences and coordinates, for drawing who drives where."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geodata.errors import GeodataError
from geodata.network import RoadNetwork


def shortest_routes(network: RoadNetwork, origins: Sequence[int], target: int) -> list[list[int]]:
    """Return the fastest node path from each origin to ``target`` (one search on the reversed graph)."""
    _, predecessors = dijkstra(network.csr(reverse=True), directed=True, indices=[int(target)],
                               return_predecessors=True)
    towards = predecessors[0]
    routes = []
    for origin in origins:
        path = [int(origin)]
        while path[-1] != target:
            step = int(towards[path[-1]])
            if step < 0:
                raise GeodataError(f"node {origin} cannot reach node {target}")
            path.append(step)
        routes.append(path)
    return routes


def route_coordinates(network: RoadNetwork, path: Sequence[int], *, decimals: int = 5) -> list[list[float]]:
    """``[[lon, lat], ...]`` of a node path."""
    nodes = np.asarray(path, dtype=np.int64)
    coordinates: list[list[float]] = np.column_stack(
        [np.round(network.lon[nodes], decimals), np.round(network.lat[nodes], decimals)]).tolist()
    return coordinates


def route_length_m(network: RoadNetwork, path: Sequence[int]) -> float:
    """Length of a node path in metres, along the shortest-time edges it uses."""
    graph = network.csr("length_m")
    return float(sum(graph[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))


def route_lengths_m(network: RoadNetwork, origins: Sequence[int] | np.ndarray, target: int) -> np.ndarray:
    """Length in metres of the fastest route from each origin to ``target``; ``inf`` when it cannot reach.

    The same routes and edge lengths as :func:`shortest_routes` and :func:`route_length_m`, for many
    origins at once: one search on the reversed graph, then the lengths summed along the tree of
    fastest routes by pointer doubling (log2 of the longest route's edge count numpy steps).
    """
    _, predecessors = dijkstra(network.csr(reverse=True), directed=True, indices=[int(target)],
                               return_predecessors=True)
    towards = predecessors[0]
    nodes = np.arange(network.n_nodes)
    steps = towards >= 0
    following = np.where(steps, towards, nodes)
    length = np.zeros(network.n_nodes)
    lengths = network.csr("length_m")
    length[steps] = np.asarray(lengths[nodes[steps], towards[steps]]).ravel()
    while not np.array_equal(following[following], following):
        length = length + length[following]
        following = following[following]
    reached = following == int(target)
    out = np.where(reached, length, np.inf)
    return np.asarray(out[np.asarray(origins, dtype=np.int64)], dtype=float)
