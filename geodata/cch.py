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
  million nodes) and kept in memory for the last ``TOPOLOGIES_KEPT`` topologies;
- a metric is customised per distinct set of weights (a band, a closure set) and kept with its
  hierarchy (the last ``METRICS_KEPT`` of each), so evicting a topology frees its metrics too: a
  metric holds its hierarchy, and kept apart they could pin more hierarchies than the bound;
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
from dataclasses import dataclass, field
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


TOPOLOGIES_KEPT = 2
"""Hierarchies kept in memory (the everyday network, and the one a what-if or an incident joined points to)."""
METRICS_KEPT = 4
"""Customised metrics kept per hierarchy (free flow, a band, a closure set or two)."""


@dataclass
class _Kept:
    """A topology's hierarchy and its metrics by weights hash, most recently used last."""

    hierarchy: Any
    metrics: OrderedDict[str, Any] = field(default_factory=OrderedDict)


_kept: OrderedDict[str, _Kept] = OrderedDict()
_lock = threading.Lock()


def _keep(table: OrderedDict[str, Any], key: str, value: Any, size: int) -> Any:
    table[key] = value
    table.move_to_end(key)
    while len(table) > size:
        table.popitem(last=False)
    return value


def hierarchy(network: RoadNetwork, *, cache_dir: Path | None = None, fresh: bool = False) -> Any:
    """Return the contracted hierarchy of the network's topology (kept in memory; ``fresh`` rebuilds it).

    At most :data:`TOPOLOGIES_KEPT` are kept, each with its metrics: a metric holds its hierarchy, so
    they go together (on a million nodes a hierarchy is about 1 GB of RoutingKit's heap).
    """
    key = network.topology_key()
    with _lock:
        if key in _kept and not fresh:
            _kept.move_to_end(key)
            return _kept[key].hierarchy
    order = node_order(network, cache_dir=cache_dir)
    built = routingkit_cch.CCH(order.tolist(), network.edge_u.tolist(), network.edge_v.tolist(), False)
    with _lock:
        return _keep(_kept, key, _Kept(built), TOPOLOGIES_KEPT).hierarchy


def metric(network: RoadNetwork, *, cache_dir: Path | None = None, fresh: bool = False) -> Any:
    """Return the CCH metric customised to the network's weights (kept per topology and weights; ``fresh``: anew)."""
    weights = weights_ms(network)
    topology, key = network.topology_key(), hashlib.sha1(weights.tobytes()).hexdigest()[:16]
    with _lock:
        kept = _kept.get(topology)
        if kept is not None and key in kept.metrics and not fresh:
            kept.metrics.move_to_end(key)
            _kept.move_to_end(topology)
            return kept.metrics[key]
    customised = routingkit_cch.CCHMetric(hierarchy(network, cache_dir=cache_dir), weights.tolist())
    with _lock:
        kept = _kept.get(topology)
        if kept is not None:
            _keep(kept.metrics, key, customised, METRICS_KEPT)
    return customised


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
