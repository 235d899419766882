"""Customizable Contraction Hierarchies for travel-time matrices (RoutingKit, via ``pyroutingkit``).

A CCH answers many-to-many matrices far faster than one Dijkstra per origin, in three phases: a node
order (nested dissection on the coordinates; weight-independent, the slow part: minutes on a million
nodes), the contraction of that order into the hierarchy (weight-independent), and a customisation to
one metric (the edge weights of a time band and closure set). Here:

- the topology (the order, its inverse and the arcs) is built once per network topology and saved on
  disk (``topology-<key>/`` under ``cache_dir``, pyroutingkit's own format), so a second process loads
  it instead of computing the order (loading contracts the saved order again: seconds on a million
  nodes, against minutes for the order). A network with points joined part-way along its edges (:mod:`geodata.points`)
  reuses its base network's order, its new nodes put first (any order gives exact answers; only speed
  depends on it): its topology is written in the same format from that order and loaded;
- loaded topologies are kept in memory for the last ``TOPOLOGIES_KEPT`` networks, and a metric is
  customised per distinct set of weights (a band, a closure set) and kept with its topology (the last
  ``METRICS_KEPT`` of each), so evicting a topology frees its metrics too. A kept metric is never
  changed: pyroutingkit's partial update (``update_weights``) was measured 13x slower than a whole new
  customisation for 1 % of the arcs closed on a million nodes (``bench/data/cch-after.txt``), so a
  closure set gets a metric of its own; customisation runs on one thread (two were slower on the
  shared 2-core machine);
- a matrix is one many-to-many call per block of origins.

Weights are whole milliseconds (``RoadNetwork.travel_time_ms``): every edge's time rounded to the
nearest millisecond, at least 1; closed and split edges get RoutingKit's infinity (2**31 - 1), and no
weight may exceed it (larger ones silently give wrong distances), so weights are clipped below it.
Distances come back as whole milliseconds and are returned as seconds (``ms / 1000``): exactly what
``scipy.sparse.csgraph.dijkstra`` gives on the same integer weights (the tests hold it to that), for
every distance below 2**31 - 1 ms (24.8 days): a longer one reads as unreachable, ``inf``, as do the
pairs that are. Gotchas of ``pyroutingkit`` 0.2.1, each handled here and tested: a node id outside the
network gives garbage or a segmentation fault (ids are checked first); two threads querying one metric
at once crash the process (each metric's queries take its lock); a topology folder must exist before
``save`` writes into it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyroutingkit

from geodata.errors import GeodataError
from geodata.network import RoadNetwork

log = logging.getLogger(__name__)

INFINITY_MS = int(pyroutingkit.INF_WEIGHT)
"""RoutingKit's infinite weight (2**31 - 1): an arc with it is never used, a distance equal to it is unreachable."""
MAX_WEIGHT_MS = INFINITY_MS - 1
"""Largest finite weight (about 24.8 days); larger ones are clipped to it."""
CACHE_ENV = "GEODATA_CACHE"
"""Environment variable naming the folder of cached topologies (default ``~/.cache/rescue-planner``)."""
TOPOLOGY_FILES = ("node_count", "order", "rank", "tail", "head")
"""What pyroutingkit saves of a topology: raw little-endian uint32 arrays, one file each."""
BLOCK_CELLS = 8_000_000
"""Matrix cells per many-to-many call (32 MB of uint32): bounds the memory of a query to every node."""


def default_cache_dir() -> Path:
    """Folder of cached topologies: ``$GEODATA_CACHE`` or ``~/.cache/rescue-planner``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "rescue-planner")


def weights_ms(network: RoadNetwork) -> np.ndarray:
    """Edge weights for RoutingKit: whole milliseconds, infinity for closed or split edges, clipped below it."""
    weights = np.full(network.n_edges, INFINITY_MS, dtype=np.uint32)
    usable = network.open_edges
    weights[usable] = np.clip(network.travel_time_ms[usable], 1, MAX_WEIGHT_MS).astype(np.uint32)
    return weights


def topology_folder(network: RoadNetwork, cache_dir: Path | None = None) -> Path:
    """Folder of the saved topology of the network's base (before points were joined)."""
    return (cache_dir or default_cache_dir()) / f"topology-{network.base_topology}"


def _base_arrays(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    base_n, base_m = network.base_nodes, network.base_edges
    return (network.edge_u[:base_m].astype(np.uint32), network.edge_v[:base_m].astype(np.uint32),
            network.lat[:base_n].astype(np.float32), network.lon[:base_n].astype(np.float32))


def _saved_base(network: RoadNetwork, cache_dir: Path | None) -> tuple[Path, pyroutingkit.CCHTopology | None]:
    """Return the base topology's folder, building and saving it first if absent (then also the built topology).

    The folder is written under a scratch name and renamed into place: a concurrent process sees the
    whole topology or none, and the first one to finish wins.
    """
    folder = topology_folder(network, cache_dir)
    if folder.is_dir():
        return folder, None
    tail, head, lat, lon = _base_arrays(network)
    built = pyroutingkit.CCHTopology()
    built.build(tail, head, lat, lon, network.base_nodes)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=folder.parent))
    built.save(str(scratch))
    try:
        scratch.rename(folder)
        log.info("CCH topology of %s nodes saved in %s", network.base_nodes, folder)
    except OSError:  # another process saved it first: same topology, keep theirs
        shutil.rmtree(scratch, ignore_errors=True)
    return folder, built


def _read(folder: Path, name: str) -> np.ndarray:
    return np.fromfile(folder / name, dtype="<u4")


def _checked(folder: Path, network: RoadNetwork) -> None:
    """Raise GeodataError unless the saved topology has the network's base nodes and arcs."""
    tail, head, _, _ = _base_arrays(network)
    missing = [name for name in TOPOLOGY_FILES if not (folder / name).is_file()]
    if missing:
        raise GeodataError(f"cached CCH topology {folder} lacks {', '.join(missing)}: delete the folder")
    if (_read(folder, "node_count").tolist() != [network.base_nodes] or not np.array_equal(_read(folder, "tail"), tail)
            or not np.array_equal(_read(folder, "head"), head)):
        raise GeodataError(f"cached CCH topology {folder} is not of network {network.name!r}: delete the folder")


def node_order(network: RoadNetwork, *, cache_dir: Path | None = None) -> np.ndarray:
    """Return the CCH node order of the network's topology, from the disk cache when it has it.

    Nodes joined part-way along edges (beyond ``network.base_nodes``) go first, followed by the base
    topology's order, computed once (inertial-flow nested dissection) and saved with its topology.
    """
    folder, _ = _saved_base(network, cache_dir)
    _checked(folder, network)
    order = _read(folder, "order").astype(np.int64)
    extra = np.arange(network.base_nodes, network.n_nodes, dtype=np.int64)
    return np.concatenate([extra, order]) if extra.size else order


def node_rank(network: RoadNetwork, *, cache_dir: Path | None = None) -> np.ndarray:
    """Return each node's place in the CCH order (the inverse of :func:`node_order`)."""
    order = node_order(network, cache_dir=cache_dir)
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank


def write_topology(folder: Path, network: RoadNetwork, order: np.ndarray) -> None:
    """Write the network's topology with the given node order in pyroutingkit's format (what ``save`` writes)."""
    rank = np.empty(order.size, dtype="<u4")
    rank[order] = np.arange(order.size, dtype="<u4")
    arrays = {"node_count": np.array([network.n_nodes]), "order": order, "rank": rank,
              "tail": network.edge_u, "head": network.edge_v}
    for name in TOPOLOGY_FILES:
        np.asarray(arrays[name]).astype("<u4").tofile(folder / name)


def _loaded(network: RoadNetwork, cache_dir: Path | None) -> pyroutingkit.CCHTopology:
    """Return the network's topology: the saved base loaded (or just built), or the joined one written and loaded."""
    folder, built = _saved_base(network, cache_dir)
    topology = pyroutingkit.CCHTopology()
    if network.n_nodes == network.base_nodes and network.n_edges == network.base_edges:
        if built is not None:
            return built
        _checked(folder, network)
        topology.load(str(folder))
    else:
        order = node_order(network, cache_dir=cache_dir)
        with tempfile.TemporaryDirectory(prefix="cch-joined-") as scratch:
            write_topology(Path(scratch), network, order)
            topology.load(scratch)
    if topology.node_count != network.n_nodes or topology.arc_count != network.n_edges:
        raise GeodataError(f"CCH topology of {topology.node_count} nodes and {topology.arc_count} arcs loaded for "
                           f"a network of {network.n_nodes} and {network.n_edges}")
    return topology


@dataclass(eq=False)
class Metric:
    """A metric customised to one set of weights, with the lock its queries take.

    pyroutingkit's queries release the GIL and share the metric's scratch space: two threads querying
    one metric at once crash the process (a web server answers requests on several threads).
    """

    customised: pyroutingkit.CCHMetric
    rank: np.ndarray
    lock: threading.Lock = field(default_factory=threading.Lock)

    def distances_ms(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Whole milliseconds from each source to each target (uint32, ``INFINITY_MS`` = unreachable).

        Sources and targets are queried in the order of their rank in the hierarchy (nodes near each
        other in the order share the upper part of their searches, which then stays in the cache) and
        put back in the caller's order: 1.35-1.46x faster on Jinan (200 x 2,000, four samples); on the
        1M-node synthetic graph 7 % on one sample (40 x 2,000) and within the noise on another (100 x 2,000).
        """
        by_source = np.argsort(self.rank[sources], kind="stable")
        by_target = np.argsort(self.rank[targets], kind="stable")
        with self.lock:
            ranked = np.asarray(self.customised.distances_many_to_many(sources[by_source].astype(np.uint32),
                                                                        targets[by_target].astype(np.uint32)))
        out = np.empty_like(ranked)
        out[by_source[:, None], by_target[None, :]] = ranked
        return out


TOPOLOGIES_KEPT = 2
"""Topologies kept in memory (the everyday network, and the one a what-if or an incident joined points to)."""
METRICS_KEPT = 4
"""Customised metrics kept per topology (free flow, a band, a closure set or two)."""


@dataclass
class _Kept:
    """A topology and its metrics by weights hash, most recently used last."""

    topology: pyroutingkit.CCHTopology
    rank: np.ndarray
    metrics: OrderedDict[str, Metric] = field(default_factory=OrderedDict)


T = TypeVar("T")
_kept: OrderedDict[str, _Kept] = OrderedDict()
_lock = threading.Lock()


def _keep(table: OrderedDict[str, T], key: str, value: T, size: int) -> T:
    table[key] = value
    table.move_to_end(key)
    while len(table) > size:
        table.popitem(last=False)
    return value


def hierarchy(network: RoadNetwork, *, cache_dir: Path | None = None, fresh: bool = False) -> pyroutingkit.CCHTopology:
    """Return the contracted topology of the network (kept in memory; ``fresh`` loads it again).

    At most :data:`TOPOLOGIES_KEPT` are kept, each with its metrics.
    """
    key = network.topology_key()
    with _lock:
        if key in _kept and not fresh:
            _kept.move_to_end(key)
            return _kept[key].topology
    kept = _Kept(_loaded(network, cache_dir), node_rank(network, cache_dir=cache_dir))
    with _lock:
        return _keep(_kept, key, kept, TOPOLOGIES_KEPT).topology


_weights_of: weakref.WeakKeyDictionary[RoadNetwork, tuple[np.ndarray, str]] = weakref.WeakKeyDictionary()


def _weights_and_key(network: RoadNetwork) -> tuple[np.ndarray, str]:
    """Return the network's weights (:func:`weights_ms`) and their hash, computed once per network object.

    A network's travel times do not change once built (conditions make a new network), and on 1M nodes
    the weights and their hash cost 20-50 ms per query otherwise.
    """
    with _lock:
        known = _weights_of.get(network)
    if known is None:
        weights = weights_ms(network)
        known = (weights, hashlib.sha1(weights.tobytes()).hexdigest()[:16])
        with _lock:
            _weights_of[network] = known
    return known


def metric(network: RoadNetwork, *, cache_dir: Path | None = None, fresh: bool = False) -> Metric:
    """Return the CCH metric customised to the network's weights (kept per topology and weights; ``fresh``: anew)."""
    weights, key = _weights_and_key(network)
    topology = network.topology_key()
    with _lock:
        kept = _kept.get(topology)
        if kept is not None and key in kept.metrics and not fresh:
            kept.metrics.move_to_end(key)
            _kept.move_to_end(topology)
            return kept.metrics[key]
    customised = pyroutingkit.CCHMetric(hierarchy(network, cache_dir=cache_dir))
    customised.customize(weights)
    with _lock:
        kept = _kept.get(topology)
    made = Metric(customised, kept.rank if kept is not None else node_rank(network, cache_dir=cache_dir))
    if kept is not None:
        with _lock:
            _keep(kept.metrics, key, made, METRICS_KEPT)
    return made


def _positions(values: np.ndarray, n_nodes: int, what: str) -> np.ndarray:
    positions = np.asarray(values, dtype=np.int64).ravel()
    bad = positions[(positions < 0) | (positions >= n_nodes)]
    if bad.size:
        raise GeodataError(f"{what} must be node positions 0..{n_nodes - 1}, not {int(bad[0])}")
    return positions


def cch_matrix(network: RoadNetwork, origins: np.ndarray, destinations: np.ndarray, *,
               cache_dir: Path | None = None) -> np.ndarray:
    """Seconds from each origin to each destination (``inf`` = unreachable) on the CCH, many-to-many.

    Equal to ``scipy.sparse.csgraph.dijkstra`` on ``network.csr("travel_time_ms")`` divided by 1000.
    """
    origins = _positions(origins, network.n_nodes, "origins")
    destinations = _positions(destinations, network.n_nodes, "destinations")
    out = np.full((origins.size, destinations.size), np.inf)
    if origins.size == 0 or destinations.size == 0:
        return out
    customised = metric(network, cache_dir=cache_dir)
    rows = max(1, BLOCK_CELLS // destinations.size)
    for start in range(0, origins.size, rows):
        milliseconds = customised.distances_ms(origins[start:start + rows], destinations)
        block = out[start:start + rows]
        reached = milliseconds != INFINITY_MS
        block[reached] = milliseconds[reached] / 1000.0
    return out
