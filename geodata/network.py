"""The road network: an edge table with travel times, its networkx graph and its CSR export.

A ``RoadNetwork`` is built once from an edge list (CSV, an OSM import or a networkx graph), cleaned
(zero-length edges contracted, only the largest strongly connected component kept, with a report of
what was dropped) and then treated as immutable: the CSR matrix used by every travel-time query and
the ``networkx.MultiDiGraph`` view are both built lazily and cached on the object.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from geodata.errors import GeodataError
from geodata.speeds import DEFAULT_SPEEDS_KPH, parse_maxspeed_kph, road_class, speed_for

log = logging.getLogger(__name__)

WEIGHTS = ("travel_time_s", "travel_time_ms", "length_m")
"""Edge weights a travel-cost query may use (``travel_time_ms``: the same times in whole milliseconds)."""



@dataclass(frozen=True)
class CleaningReport:
    """What cleaning did to the raw edge list, so a user can see what was dropped and why."""

    nodes_in: int
    edges_in: int
    zero_length_edges: int
    self_loops: int
    components: int
    nodes_dropped: int
    edges_dropped: int
    nodes: int
    edges: int

    def as_dict(self) -> dict[str, int]:
        """Plain dict for JSON output."""
        return asdict(self)


class RoadNetwork:
    """A cleaned, directed road network with per-edge length and travel time.

    Nodes are addressed by position ``0..n-1`` (``node_id`` keeps the source's ids, e.g. OSM node
    ids). Edges are parallel arrays: ``edge_u``/``edge_v`` positions, ``length_m``, ``speed_kph``,
    ``travel_time_s``, ``highway`` (OSM road class), ``way_id`` (source way id, or -1) and ``edge_id``
    (the source's edge id, ``eid`` of ``edges.csv``; the position when the source has none). Travel
    times are whole milliseconds (``travel_time_ms``, at least 1 ms; ``travel_time_s`` is the same in
    seconds), so every matrix engine sums the same integers and gives the same answer.

    A network adjusted for the conditions of a day (:meth:`adjusted`: closures, time-of-day speeds)
    has the same nodes and edges; a closed edge keeps its row with ``travel_time_s = inf`` and is left
    out of the CSR export, so edge positions mean the same edge in every adjusted copy.
    """

    def __init__(
        self,
        name: str,
        *,
        node_id: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        length_m: np.ndarray,
        highway: np.ndarray,
        speed_kph: np.ndarray,
        way_id: np.ndarray,
        report: CleaningReport,
        edge_id: np.ndarray | None = None,
        speed_factor: np.ndarray | None = None,
        superseded: np.ndarray | None = None,
        base: tuple[int, int, str] | None = None,
    ) -> None:
        self.name = name
        self.node_id = node_id
        self.lon = lon
        self.lat = lat
        self.edge_u = edge_u
        self.edge_v = edge_v
        self.length_m = length_m
        self.highway = highway
        self.speed_kph = speed_kph
        factor = np.ones(length_m.size) if speed_factor is None else np.asarray(speed_factor, dtype=np.float64)
        self.speed_factor = factor
        with np.errstate(divide="ignore"):
            free = length_m / (speed_kph / 3.6)
            seconds = np.where(factor > 0, free / np.where(factor > 0, factor, 1.0), np.inf)
        # Whole milliseconds (at least one): every engine then sums the same integers (geodata.cch).
        self.travel_time_ms = np.where(np.isfinite(seconds), np.maximum(np.round(seconds * 1000.0), 1.0), np.inf)
        self.travel_time_s = self.travel_time_ms / 1000.0
        self.way_id = way_id
        self.edge_id = np.arange(length_m.size, dtype=np.int64) if edge_id is None else np.asarray(edge_id, np.int64)
        self.superseded = np.zeros(length_m.size, dtype=bool) if superseded is None else np.asarray(superseded, bool)
        self.report = report
        self._base = base
        self._csr: dict[tuple[str, bool], sparse.csr_matrix] = {}
        self._graph: nx.MultiDiGraph | None = None
        self._index: dict[int, int] | None = None
        self._topology: str | None = None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.size)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.edge_u.size)

    def bbox(self) -> tuple[float, float, float, float]:
        """Bounding box ``(min_lon, min_lat, max_lon, max_lat)`` in degrees."""
        return (float(self.lon.min()), float(self.lat.min()), float(self.lon.max()), float(self.lat.max()))

    def fingerprint(self) -> str:
        """Hash of the edge list and travel times: the key of every cache derived from the network."""
        digest = hashlib.sha1()
        for array in (self.edge_u, self.edge_v, self.length_m, self.travel_time_s, self.lon, self.lat, self.superseded):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    @property
    def open_edges(self) -> np.ndarray:
        """Boolean per edge: whether it is routed on (not closed by a closure, not split into halves)."""
        return np.asarray(np.isfinite(self.travel_time_s) & ~self.superseded)

    def adjusted(self, speed_factor: np.ndarray, *, name: str | None = None) -> RoadNetwork:
        """Return a copy whose edge speeds are multiplied by ``speed_factor`` (0 closes the edge).

        Nodes, edges and their positions are unchanged, so node positions snapped on this network hold
        on the copy. Factors multiply the factors this network already has.
        """
        factor = np.asarray(speed_factor, dtype=np.float64)
        if factor.shape != (self.n_edges,):
            raise GeodataError(f"speed_factor must have one value per edge ({self.n_edges}), not {factor.shape}")
        if not np.isfinite(factor).all() or (factor < 0).any():
            raise GeodataError("speed factors must be finite and not negative")
        return RoadNetwork(
            name or self.name, node_id=self.node_id, lon=self.lon, lat=self.lat, edge_u=self.edge_u,
            edge_v=self.edge_v, length_m=self.length_m, highway=self.highway, speed_kph=self.speed_kph,
            way_id=self.way_id, report=self.report, edge_id=self.edge_id, speed_factor=self.speed_factor * factor,
            superseded=self.superseded, base=self._base,
        )

    def topology_key(self) -> str:
        """Hash of the nodes and edges alone (not their speeds): the key of caches that outlive a closure or band."""
        if self._topology is None:
            digest = hashlib.sha1()
            for array in (self.edge_u, self.edge_v, self.lon, self.lat, self.superseded):
                digest.update(np.ascontiguousarray(array).tobytes())
            self._topology = digest.hexdigest()[:16]
        return self._topology

    @property
    def base_nodes(self) -> int:
        """Nodes of the network before points were joined part-way along its edges (:mod:`geodata.points`)."""
        return self.n_nodes if self._base is None else self._base[0]

    @property
    def base_edges(self) -> int:
        """Edges of the network before points were joined (they keep their positions, first)."""
        return self.n_edges if self._base is None else self._base[1]

    @property
    def base_topology(self) -> str:
        """Topology key of the network before points were joined (the key of its cached CCH node order)."""
        return self.topology_key() if self._base is None else self._base[2]

    def base(self) -> tuple[int, int, str]:
        """``(base_nodes, base_edges, base_topology)``: what a network with points joined carries over."""
        return self.base_nodes, self.base_edges, self.base_topology

    def positions(self, node_ids: object) -> np.ndarray:
        """Node positions for source node ids; raises GeodataError naming the first unknown id."""
        if self._index is None:
            self._index = {int(n): i for i, n in enumerate(self.node_id)}
        ids = np.atleast_1d(np.asarray(node_ids, dtype=np.int64))
        try:
            return np.fromiter((self._index[int(n)] for n in ids), dtype=np.int64, count=ids.size)
        except KeyError as missing:
            raise GeodataError(f"node id {missing.args[0]} is not in network {self.name!r}") from None

    def csr(self, weight: str = "travel_time_s", *, reverse: bool = False) -> sparse.csr_matrix:
        """Return the network as a CSR matrix of ``weight`` (parallel edges: the smallest), cached.

        ``reverse=True`` gives the transposed graph, for travel times *to* a set of nodes.
        """
        key = (weight, reverse)
        if key not in self._csr:
            if weight not in WEIGHTS:
                raise GeodataError(f"weight must be one of {WEIGHTS}, not {weight!r}")
            values = getattr(self, weight)
            rows, cols = (self.edge_v, self.edge_u) if reverse else (self.edge_u, self.edge_v)
            usable = self.open_edges
            self._csr[key] = _min_csr(rows[usable], cols[usable], values[usable], self.n_nodes)
        return self._csr[key]

    def clear_cache(self) -> None:
        """Forget the cached CSR matrices and graph view (they are rebuilt on next use)."""
        self._csr.clear()
        self._graph = None

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The network as a ``networkx.MultiDiGraph``; nodes carry ``x``/``y`` (lon/lat), edges the attributes.

        Closed edges (:meth:`adjusted` with factor 0) and edges split into halves are left out, as in the
        CSR export.
        """
        if self._graph is None:
            graph = nx.MultiDiGraph(name=self.name, crs="EPSG:4326")
            graph.add_nodes_from(
                (int(n), {"x": float(x), "y": float(y)})
                for n, x, y in zip(self.node_id, self.lon, self.lat, strict=True)
            )
            ids = self.node_id
            graph.add_edges_from(
                (
                    int(ids[u]),
                    int(ids[v]),
                    {
                        "length_m": float(length),
                        "travel_time_s": float(tt),
                        "speed_kph": float(speed),
                        "highway": str(hw),
                        "way_id": int(way),
                    },
                )
                for u, v, length, tt, speed, hw, way, usable in zip(
                    self.edge_u,
                    self.edge_v,
                    self.length_m,
                    self.travel_time_s,
                    self.speed_kph * self.speed_factor,
                    self.highway,
                    self.way_id,
                    self.open_edges,
                    strict=True,
                )
                if usable
            )
            self._graph = graph
        return self._graph

    def info(self) -> dict[str, Any]:
        """Summary for ``network info``: size, components, bounding box and the cleaning report."""
        strong = connected_components(self.csr(), directed=True, connection="strong")[0]
        weak = connected_components(self.csr(), directed=True, connection="weak")[0]
        classes = pd.Series(self.highway).value_counts()
        return {
            "name": self.name,
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "strong_components": int(strong),
            "weak_components": int(weak),
            "bbox": list(self.bbox()),
            "length_km": round(float(self.length_m.sum()) / 1000, 1),
            "road_classes": {str(k): int(v) for k, v in classes.items()},
            "cleaning": self.report.as_dict(),
        }


def _min_csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int) -> sparse.csr_matrix:
    """CSR matrix keeping the smallest value of parallel entries (COO construction would sum them)."""
    order = np.lexsort((values, cols, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    matrix = sparse.csr_matrix(
        (values[first].astype(np.float64), (rows[first], cols[first])), shape=(n, n)
    )
    matrix.sort_indices()
    return matrix


def build_network(
    name: str,
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    speeds_kph: Mapping[str, float] | None = None,
    keep_all: bool = False,
) -> RoadNetwork:
    """Clean an edge table and return the network.

    ``nodes`` has columns ``node_id, lon, lat``; ``edges`` has ``u, v, length_m`` and optionally
    ``highway``, ``maxspeed`` (OSM tag text or km/h) and ``way_id``. Zero-length edges between
    distinct nodes mean the two nodes coincide: they are contracted into one. Self-loops are dropped.
    Unless ``keep_all``, only the largest strongly connected component is kept (a rescue vehicle
    must be able to get back out), and the report says how much was dropped.
    """
    speeds = {**DEFAULT_SPEEDS_KPH, **(speeds_kph or {})}
    _require_columns(nodes, ("node_id", "lon", "lat"), "nodes")
    _require_columns(edges, ("u", "v", "length_m"), "edges")
    if nodes.empty or edges.empty:
        raise GeodataError(f"network {name!r} has no {'nodes' if nodes.empty else 'edges'}")
    node_id = nodes["node_id"].to_numpy(dtype=np.int64)
    if pd.Index(node_id).has_duplicates:
        raise GeodataError(f"network {name!r}: duplicate node ids in nodes")
    index = pd.Index(node_id)
    u = index.get_indexer(edges["u"].to_numpy(dtype=np.int64))
    v = index.get_indexer(edges["v"].to_numpy(dtype=np.int64))
    if (u < 0).any() or (v < 0).any():
        bad = edges.loc[(u < 0) | (v < 0)].iloc[0]
        raise GeodataError(f"network {name!r}: edge {bad['u']}->{bad['v']} names a node that is not in nodes")
    length = edges["length_m"].to_numpy(dtype=np.float64)
    if not np.isfinite(length).all() or (length < 0).any():
        raise GeodataError(f"network {name!r}: edge lengths must be finite and not negative")
    highway = edges["highway"].fillna("").astype(str).to_numpy() if "highway" in edges else np.full(u.size, "")
    maxspeed = edges["maxspeed"].to_numpy() if "maxspeed" in edges else np.full(u.size, None)
    way = edges["way_id"].fillna(-1).to_numpy(dtype=np.int64) if "way_id" in edges else np.full(u.size, -1)
    eid = edges["eid"].to_numpy(dtype=np.int64) if "eid" in edges else np.arange(u.size, dtype=np.int64)
    speed = np.fromiter(
        (speed_for(h, parse_maxspeed_kph(m), speeds) for h, m in zip(highway, maxspeed, strict=True)),
        dtype=np.float64,
        count=u.size,
    )
    n_in, e_in = node_id.size, u.size

    # Contract zero-length edges: their end nodes are the same place.
    zero = (length <= 0) & (u != v)
    n_zero = int(zero.sum())
    if n_zero:
        link = sparse.coo_matrix((np.ones(n_zero), (u[zero], v[zero])), shape=(n_in, n_in))
        _, label = connected_components(link, directed=False)
        representative = np.full(label.max() + 1, n_in, dtype=np.int64)
        np.minimum.at(representative, label, np.arange(n_in))
        u, v = representative[label[u]], representative[label[v]]
    loops = u == v
    n_loops = int(loops.sum()) - n_zero
    keep = ~loops
    u, v, length, highway, speed, way, eid = (u[keep], v[keep], length[keep], highway[keep], speed[keep], way[keep],
                                              eid[keep])

    # Keep the largest strongly connected component (or every node that has an edge).
    graph = sparse.coo_matrix((np.ones(u.size), (u, v)), shape=(n_in, n_in)).tocsr()
    n_comp, comp = connected_components(graph, directed=True, connection="strong")
    has_edge = np.zeros(n_in, dtype=bool)
    has_edge[u] = True
    has_edge[v] = True
    if keep_all:
        kept_nodes = has_edge
    else:
        sizes = np.bincount(comp[has_edge], minlength=n_comp)
        kept_nodes = comp == int(np.argmax(sizes))
    kept_edges = kept_nodes[u] & kept_nodes[v]
    new_pos = np.cumsum(kept_nodes) - 1
    report = CleaningReport(
        nodes_in=int(n_in),
        edges_in=int(e_in),
        zero_length_edges=n_zero,
        self_loops=max(n_loops, 0),
        components=int(len(np.unique(comp[has_edge]))),
        nodes_dropped=int(n_in - kept_nodes.sum()),
        edges_dropped=int(e_in - kept_edges.sum()),
        nodes=int(kept_nodes.sum()),
        edges=int(kept_edges.sum()),
    )
    if report.edges == 0:
        raise GeodataError(f"network {name!r} has no usable edges after cleaning")
    log.info("network %s: %s", name, report)
    return RoadNetwork(
        name,
        node_id=node_id[kept_nodes],
        lon=nodes["lon"].to_numpy(dtype=np.float64)[kept_nodes],
        lat=nodes["lat"].to_numpy(dtype=np.float64)[kept_nodes],
        edge_u=new_pos[u[kept_edges]],
        edge_v=new_pos[v[kept_edges]],
        length_m=length[kept_edges],
        highway=highway[kept_edges],
        speed_kph=speed[kept_edges],
        way_id=way[kept_edges],
        report=report,
        edge_id=eid[kept_edges],
    )


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise GeodataError(f"{what} table lacks column(s) {', '.join(missing)}")


def read_network_csv(
    nodes_csv: str | Path,
    edges_csv: str | Path,
    *,
    name: str | None = None,
    speeds_kph: Mapping[str, float] | None = None,
) -> RoadNetwork:
    """Read a network from ``nodes.csv`` (node_id, lon, lat) and ``edges.csv`` (u, v, length_m, highway...).

    ``osm_way_id`` is read as ``way_id``; ``maxspeed`` may be present.
    """
    try:
        nodes = pd.read_csv(nodes_csv)
        edges = pd.read_csv(edges_csv)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise GeodataError(f"cannot read network CSV: {error}") from None
    edges = edges.rename(columns={"osm_way_id": "way_id"})
    return build_network(name or Path(nodes_csv).parent.name, nodes, edges, speeds_kph=speeds_kph)


def write_network_csv(network: RoadNetwork, folder: str | Path) -> None:
    """Write ``nodes.csv`` and ``edges.csv`` in the format ``read_network_csv`` reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"node_id": network.node_id, "lon": network.lon, "lat": network.lat}).to_csv(
        folder / "nodes.csv", index=False
    )
    pd.DataFrame(
        {
            "eid": network.edge_id,
            "u": network.node_id[network.edge_u],
            "v": network.node_id[network.edge_v],
            "length_m": np.round(network.length_m, 2),
            "highway": network.highway,
            "maxspeed": network.speed_kph,
            "osm_way_id": network.way_id,
        }
    ).to_csv(folder / "edges.csv", index=False)


def network_from_graph(
    graph: nx.MultiDiGraph, *, name: str = "graph", speeds_kph: Mapping[str, float] | None = None
) -> RoadNetwork:
    """Build a RoadNetwork from a networkx graph with ``x``/``y`` node and ``length`` edge attributes.

    Accepts OSMnx and pyrosm graphs (``length`` in metres; ``length_m`` is read too).
    """
    if graph.number_of_edges() == 0:
        raise GeodataError(f"network {name!r} has no edges")
    nodes = pd.DataFrame(
        [(n, d.get("x"), d.get("y")) for n, d in graph.nodes(data=True)], columns=["node_id", "lon", "lat"]
    )
    rows = []
    for u, v, data in graph.edges(data=True):
        length = data.get("length_m", data.get("length"))
        way = data.get("osmid", data.get("way_id", -1))
        if isinstance(way, (list, tuple)):
            way = way[0] if way else -1
        rows.append((u, v, length, road_class(data.get("highway")), data.get("maxspeed"), way))
    edges = pd.DataFrame(rows, columns=["u", "v", "length_m", "highway", "maxspeed", "way_id"])
    if nodes[["lon", "lat"]].isna().any().any():
        raise GeodataError(f"network {name!r}: some nodes have no coordinates")
    edges["length_m"] = pd.to_numeric(edges["length_m"], errors="coerce")
    if edges["length_m"].isna().any():
        raise GeodataError(f"network {name!r}: some edges have no length")
    edges["way_id"] = pd.to_numeric(edges["way_id"], errors="coerce").fillna(-1).astype(np.int64)
    return build_network(name, nodes, edges, speeds_kph=speeds_kph)
