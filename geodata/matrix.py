"""Travel-time matrices: many origins to many destinations, on csgraph or on a contraction hierarchy.

This is the hot path of the product. Two engines give the same answers (travel times are summed in
whole milliseconds by both, then returned in seconds):

- ``csgraph``: ``scipy.sparse.csgraph.dijkstra`` once per batch of origins on the cached CSR matrix
  (no Python loop over networkx), with an optional cut-off; it can split the origins over worker
  processes (scipy's Dijkstra holds the GIL), forked once and kept between calls
  (:mod:`geodata.rowpool`). It wins for one origin to every node (service areas, reversed searches
  per site) and for a handful of origins.
- ``cch``: RoutingKit's customizable contraction hierarchy (:mod:`geodata.cch`), many-to-many per
  block of origins. It wins for many origins to a subset of nodes (bases x sites, teams x incidents).

:func:`choose_engine` picks one per query (``engine="auto"``); ``bench/cch.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from geodata import cch
from geodata.errors import GeodataError
from geodata.network import RoadNetwork
from geodata.rowpool import pooled_rows

_MIN_ORIGINS_PER_WORKER = 16
ENGINES = ("auto", "csgraph", "cch")
CCH_MIN_ORIGINS = 16
"""Fewer origins than this run on csgraph: a new hierarchy (a new topology) would cost more than it saves."""
CCH_MAX_TARGET_SHARE = 0.25
"""More destinations than this share of the nodes run on csgraph: one-to-all is where it wins."""


def choose_engine(network: RoadNetwork, n_origins: int, n_destinations: int | None, *, weight: str = "travel_time_s",
                  cutoff_s: float | None = None, workers: int = 1) -> str:
    """Return ``"cch"`` for many origins to a subset of nodes, else ``"csgraph"``.

    csgraph also keeps queries by length, with a cut-off or over several worker processes.
    """
    if (weight != "travel_time_s" or cutoff_s is not None or workers > 1
            or n_destinations is None or n_origins < CCH_MIN_ORIGINS
            or n_destinations > CCH_MAX_TARGET_SHARE * network.n_nodes):
        return "csgraph"
    return "cch"


def travel_time_matrix(
    network: RoadNetwork,
    origins: Sequence[int] | np.ndarray,
    destinations: Sequence[int] | np.ndarray | None = None,
    *,
    cutoff_s: float | None = None,
    weight: str = "travel_time_s",
    workers: int = 1,
    engine: str = "auto",
) -> np.ndarray:
    """Shortest travel cost from each origin to each destination, in seconds (or metres).

    Parameters
    ----------
    network
        The road network; its CSR export is built once and cached.
    origins, destinations
        Node positions (``0..n-1``, as returned by snapping). ``destinations=None`` means every node.
    cutoff_s
        Stop searching beyond this cost; farther destinations get ``inf``.
    weight
        ``"travel_time_s"`` (default) or ``"length_m"``.
    workers
        Processes to split the origins over; 1 runs in this process (csgraph only).
    engine
        ``"auto"`` (:func:`choose_engine`), ``"csgraph"`` or ``"cch"``: the same answers either way.

    Returns
    -------
    numpy.ndarray
        ``len(origins) x len(destinations)`` float64 array, ``inf`` where unreachable.

    """
    if engine not in ENGINES:
        raise GeodataError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    origin_pos = _checked_positions(origins, network.n_nodes, "origins")
    dest_pos = None if destinations is None else _checked_positions(destinations, network.n_nodes, "destinations")
    if engine == "auto":
        engine = choose_engine(network, origin_pos.size, None if dest_pos is None else dest_pos.size, weight=weight,
                               cutoff_s=cutoff_s, workers=workers)
    if engine == "cch":
        if weight != "travel_time_s" or cutoff_s is not None:
            raise GeodataError("the cch engine answers travel times without a cut-off only")
        return cch.cch_matrix(network, origin_pos, np.arange(network.n_nodes) if dest_pos is None else dest_pos)
    if weight != "travel_time_s":
        return csr_matrix_costs(network.csr(weight), origin_pos, dest_pos, cutoff=cutoff_s, workers=workers)
    milliseconds = csr_matrix_costs(network.csr("travel_time_ms"), origin_pos, dest_pos,
                                    cutoff=None if cutoff_s is None else cutoff_s * 1000.0, workers=workers)
    return milliseconds / 1000.0


def csr_matrix_costs(
    graph: sparse.csr_matrix,
    origins: np.ndarray,
    destinations: np.ndarray | None = None,
    *,
    cutoff: float | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Dijkstra from ``origins`` on a CSR matrix, keeping only the ``destinations`` columns."""
    if origins.size == 0:
        return np.empty((0, graph.shape[0] if destinations is None else destinations.size))
    workers = max(1, min(int(workers), origins.size // _MIN_ORIGINS_PER_WORKER or 1))
    if workers == 1:
        return _dijkstra_block(graph, origins, destinations, cutoff)
    return pooled_rows(graph, _dijkstra_block, origins, destinations, cutoff, workers)


BLOCK_BYTES = 256 * 2**20
"""Scratch memory for the origins x nodes rows searched at once when only some destinations are kept."""


def _dijkstra_block(
    graph: sparse.csr_matrix, origins: np.ndarray, destinations: np.ndarray | None, cutoff: float | None
) -> np.ndarray:
    limit = np.inf if cutoff is None else float(cutoff)
    if destinations is None:
        return np.asarray(dijkstra(graph, directed=True, indices=origins, limit=limit))
    # Keep only the wanted columns of a few origins at a time, so a 1-million-node network does not
    # hold every origin's full row (8 MB each) at once.
    step = max(1, BLOCK_BYTES // (8 * max(1, graph.shape[0])))
    if origins.size <= step:
        return np.asarray(dijkstra(graph, directed=True, indices=origins, limit=limit)[:, destinations])
    costs = np.empty((origins.size, destinations.size))
    for start in range(0, origins.size, step):
        block = origins[start : start + step]
        costs[start : start + block.size] = dijkstra(graph, directed=True, indices=block, limit=limit)[:, destinations]
    return costs


def travel_times_to(
    network: RoadNetwork,
    targets: Sequence[int] | np.ndarray,
    *,
    cutoff_s: float | None = None,
) -> np.ndarray:
    """Travel time from every node *to* each target (targets x nodes), on the reversed graph.

    Used to ask "how long from anywhere to this site" with one search per site instead of one per node.
    """
    target_pos = _checked_positions(targets, network.n_nodes, "targets")
    milliseconds = csr_matrix_costs(network.csr("travel_time_ms", reverse=True), target_pos, None,
                                    cutoff=None if cutoff_s is None else cutoff_s * 1000.0)
    return milliseconds / 1000.0


def _checked_positions(values: Sequence[int] | np.ndarray, n_nodes: int, what: str) -> np.ndarray:
    positions = np.atleast_1d(np.asarray(values, dtype=np.int64))
    if positions.ndim != 1:
        raise GeodataError(f"{what} must be a flat list of node positions")
    bad = (positions < 0) | (positions >= n_nodes)
    if bad.any():
        raise GeodataError(f"{what}: node position {int(positions[bad][0])} is outside 0..{n_nodes - 1}")
    return positions
