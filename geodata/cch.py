"""Customizable Contraction Hierarchies for travel-time matrices (RoutingKit, via ``routingkit-cch``).

A CCH answers many-to-many matrices far faster than one Dijkstra per origin, in three phases: a node
order (nested dissection on the coordinates; weight-independent, the slow part: about 90 s on a
million nodes), the contraction of that order into the hierarchy (weight-independent), and a
customisation to one metric (the edge weights of a time band and closure set). Here:

- the order is computed once per network topology and cached on disk (``order-<key>.npy`` under
  ``cache_dir``), so a second process loads it instead of computing it; a network with points joined
  part-way along its edges (:mod:`geodata.points`) reuses its base network's order, its new nodes put
  first (any order gives exact answers; only speed depends on it). RoutingKit cannot save the
  contracted hierarchy itself, so that is rebuilt per process from the cached order (seconds on a
  million nodes) and kept in memory per topology;
- a metric is customised per distinct set of weights (a band, a closure set) and kept in memory;
- queries are one-to-many with the targets pinned (RoutingKit's many-to-one is about 5x slower for
  the same matrix).

Weights are whole milliseconds (``RoadNetwork.travel_time_ms``): every edge's time rounded to the
nearest millisecond, at least 1; closed and split edges get RoutingKit's infinity (2**31 - 1), and no
weight may exceed it (larger ones silently give wrong distances), so weights are clipped below it.
Distances come back as whole milliseconds and are returned as seconds (``ms / 1000``): exactly what
``scipy.sparse.csgraph.dijkstra`` gives on the same integer weights (the tests hold it to that).
Unreachable pairs (RoutingKit's None) are ``inf``. Updating a metric while a query object is alive
raises a Rust panic that ``except Exception`` does not catch: metrics here are never updated in place,
a new weight set gets a new metric, and query objects live only inside one call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import routingkit_cch

from geodata.errors import GeodataError
from geodata.network import RoadNetwork

log = logging.getLogger(__name__)

INFINITY_MS = 2**31 - 1
"""RoutingKit's infinite weight: an arc with it is never used."""
MAX_WEIGHT_MS = INFINITY_MS - 1
"""Largest finite weight (about 24.8 days); larger ones are clipped to it."""
CACHE_ENV = "GEODATA_CACHE"
"""Environment variable naming the folder of cached node orders (default ``~/.cache/rescue-planner``)."""

def default_cache_dir() -> Path:
    """Folder of cached node orders: ``$GEODATA_CACHE`` or ``~/.cache/rescue-planner``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "rescue-planner")


def weights_ms(network: RoadNetwork) -> np.ndarray:
    """Edge weights for RoutingKit: whole milliseconds, infinity for closed or split edges, clipped below it."""
    weights = np.full(network.n_edges, INFINITY_MS, dtype=np.int64)
    usable = network.open_edges
    weights[usable] = np.clip(network.travel_time_ms[usable], 1, MAX_WEIGHT_MS).astype(np.int64)
    return weights


def node_order(network: RoadNetwork, *, cache_dir: Path | None = None) -> np.ndarray:
    """Return the CCH node order of the network's topology, from the disk cache when it has it.

    Nodes joined part-way along edges (beyond ``network.base_nodes``) go first, followed by the base
    topology's order, computed once (inertial-flow nested dissection) and cached.
    """
    base_n = network.base_nodes
    folder = cache_dir or default_cache_dir()
    path = folder / f"order-{network.base_topology}.npy"
    if path.is_file():
        order = np.load(path)
        if order.size != base_n:
            raise GeodataError(f"cached node order {path} has {order.size} nodes, the network {base_n}")
    else:
        base = network.base_edges
        tail = network.edge_u[: base].tolist()
        head = network.edge_v[: base].tolist()
        order = np.asarray(routingkit_cch.compute_order_inertial(base_n, tail, head, network.lat[:base_n].tolist(),
                                                     network.lon[:base_n].tolist()), dtype=np.int64)
        folder.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(scratch, order)
        scratch.replace(path)  # atomic: a concurrent process sees the whole file or none
        log.info("CCH node order of %s nodes cached in %s", base_n, path)
    extra = np.arange(base_n, network.n_nodes, dtype=np.int64)
    return np.concatenate([extra, order]) if extra.size else order


class _Lru(OrderedDict[str, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: str, value: Any) -> Any:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


_hierarchies = _Lru(4)
_metrics = _Lru(8)
_lock = threading.Lock()


def hierarchy(network: RoadNetwork, *, cache_dir: Path | None = None, fresh: bool = False) -> Any:
    """Return the contracted hierarchy of the network's topology (kept in memory; ``fresh`` rebuilds it)."""
    key = network.topology_key()
    with _lock:
        if key in _hierarchies and not fresh:
            _hierarchies.move_to_end(key)
            return _hierarchies[key]
    order = node_order(network, cache_dir=cache_dir)
    hierarchy = routingkit_cch.CCH(order.tolist(), network.edge_u.tolist(), network.edge_v.tolist(), False)
    with _lock:
        return _hierarchies.keep(key, hierarchy)


def metric(network: RoadNetwork, *, cache_dir: Path | None = None, fresh: bool = False) -> Any:
    """Return the CCH metric customised to the network's weights (cached per topology and weights; ``fresh``: anew)."""
    weights = weights_ms(network)
    key = network.topology_key() + hashlib.sha1(weights.tobytes()).hexdigest()[:16]
    with _lock:
        if key in _metrics and not fresh:
            _metrics.move_to_end(key)
            return _metrics[key]
    customised = routingkit_cch.CCHMetric(hierarchy(network, cache_dir=cache_dir), weights.tolist())
    with _lock:
        return _metrics.keep(key, customised)


def cch_matrix(network: RoadNetwork, origins: np.ndarray, destinations: np.ndarray, *,
               cache_dir: Path | None = None) -> np.ndarray:
    """Seconds from each origin to each destination (``inf`` = unreachable) on the CCH, one-to-many per origin.

    Equal to ``scipy.sparse.csgraph.dijkstra`` on ``network.csr("travel_time_ms")`` divided by 1000.
    """
    origins = np.asarray(origins, dtype=np.int64)
    destinations = np.asarray(destinations, dtype=np.int64)
    out = np.full((origins.size, destinations.size), np.inf)
    if origins.size == 0 or destinations.size == 0:
        return out
    query = routingkit_cch.CCHOneToMany(metric(network, cache_dir=cache_dir), destinations.tolist())
    try:
        for row, origin in enumerate(origins.tolist()):
            found = query.distances_from(origin)
            milliseconds = np.asarray(found, dtype=np.float64)  # numpy reads None (unreachable) as nan
            out[row] = np.where(np.isnan(milliseconds), np.inf, milliseconds / 1000.0)
    finally:
        del query  # no query object may outlive this call (see the module: metric updates panic)
    return out
