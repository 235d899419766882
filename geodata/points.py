"""Points joined to the network part-way along their edge: the edge is split where the point snapped.

:func:`with_points` returns a copy of the network with two nodes per point: one on the road where the
point snapped (the edge ``u -> v`` is split there: ``u -> p -> v``, and so is its reverse ``v -> u``
when the road is two-way) and one at the point itself, joined to the road node both ways by an
off-road leg of the snap distance driven at the access speed. Travel to a point on a one-way road
therefore comes in from the edge's start and leaves towards its end; on a two-way road it may come
from either side; next to a divided road (:class:`geodata.snap.EdgeSnap` ``other_*``) it is joined to
both carriageways, each by its own off-road leg. Edge
positions of the original network are unchanged and new edges follow them, so node and edge
positions of the original network hold in the copy; a split edge keeps its row, marked ``superseded``
(left out of routing and snapping: its halves stand for it). Split edges keep their road's class, way id,
source edge id, speed and speed factor (a closed road stays closed on both halves).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from geodata.errors import GeodataError
from geodata.network import RoadNetwork
from geodata.segments import ACCESS_CLASS
from geodata.snap import EdgeSnap

SAME_PLACE_M = 0.5
"""Closer than this (metres) to a node or to its road, a point is taken to be there: no split, no off-road leg."""


def with_points(network: RoadNetwork, snaps: EdgeSnap, lon: np.ndarray, lat: np.ndarray, *,
                access_speed_kph: float) -> tuple[RoadNetwork, np.ndarray]:
    """Return the network with each snapped point joined part-way along its edge, and each point's node.

    Parameters
    ----------
    network
        The network the points were snapped on (:meth:`geodata.snap.Snapper.snap_edges`).
    snaps, lon, lat
        The snaps and the points themselves (lon/lat degrees).
    access_speed_kph
        Speed over the off-road leg between the point and its road.

    Returns
    -------
    tuple
        The network with the points, and the node position of each point (the off-road end; the road
        node when the point lies on its road; the edge's end node when it snapped onto a node).

    """
    if not (np.isfinite(access_speed_kph) and access_speed_kph > 0):
        raise GeodataError(f"access_speed_kph must be > 0, not {access_speed_kph}")
    count = int(snaps.edge.size)
    new_lon: list[float] = []
    new_lat: list[float] = []

    def add_node(x: float, y: float) -> int:
        new_lon.append(x)
        new_lat.append(y)
        return network.n_nodes + len(new_lon) - 1

    on_edge: dict[int, list[tuple[float, int]]] = defaultdict(list)  # directed edge -> (position, road node)

    def road_node(edge: int, fraction: float, lon_on_road: float, lat_on_road: float) -> int:
        """Return the node where a point joins ``edge``: its end node, a node joined there before, or a new one."""
        u, v = int(network.edge_u[edge]), int(network.edge_v[edge])
        length = float(network.length_m[edge])
        if fraction * length < SAME_PLACE_M:
            return u  # at the edge's start node: no split
        if (1.0 - fraction) * length < SAME_PLACE_M:
            return v
        same = [node for position, node in on_edge[edge] if abs(position - fraction) * length < SAME_PLACE_M]
        if same:
            return same[0]  # another point joined this road at the same place: share its node
        node = add_node(lon_on_road, lat_on_road)
        on_edge[edge].append((fraction, node))
        for reverse in np.flatnonzero((network.edge_u == v) & (network.edge_v == u)):
            on_edge[int(reverse)].append((1.0 - fraction, node))
        return node

    point_node = np.empty(count, dtype=np.int64)
    access: list[tuple[int, int, float]] = []  # (point node, road node, metres)
    for i in range(count):
        road = road_node(int(snaps.edge[i]), float(snaps.fraction[i]), float(snaps.road_lon[i]),
                         float(snaps.road_lat[i]))
        if float(snaps.distance_m[i]) < SAME_PLACE_M:
            point_node[i] = road  # on the road: no off-road leg
        else:
            point_node[i] = add_node(float(lon[i]), float(lat[i]))
            access.append((int(point_node[i]), road, float(snaps.distance_m[i])))
        if snaps.other_edge is not None and snaps.other_edge[i] >= 0:  # the other carriageway of a divided road
            assert snaps.other_fraction is not None and snaps.other_distance_m is not None
            assert snaps.other_lon is not None and snaps.other_lat is not None
            other = road_node(int(snaps.other_edge[i]), float(snaps.other_fraction[i]), float(snaps.other_lon[i]),
                              float(snaps.other_lat[i]))
            if other != point_node[i]:
                access.append((int(point_node[i]), other, float(snaps.other_distance_m[i])))

    parent, tails, heads, lengths = [], [], [], []
    for edge, stops in on_edge.items():
        stops.sort()
        chain = [int(network.edge_u[edge]), *(node for _, node in stops), int(network.edge_v[edge])]
        marks = [0.0, *(position for position, _ in stops), 1.0]
        for k in range(len(chain) - 1):
            parent.append(edge)
            tails.append(chain[k])
            heads.append(chain[k + 1])
            lengths.append((marks[k + 1] - marks[k]) * float(network.length_m[edge]))
    parent_a = np.asarray(parent, dtype=np.int64)
    legs = len(access)
    access_u = np.array([a[0] for a in access] + [a[1] for a in access], dtype=np.int64)
    access_v = np.array([a[1] for a in access] + [a[0] for a in access], dtype=np.int64)
    access_m = np.array([a[2] for a in access] * 2, dtype=float)

    def joined(base: np.ndarray, split: np.ndarray, legs_value: np.ndarray) -> np.ndarray:
        return np.concatenate([base, split, legs_value])

    first_id = min(int(network.node_id.min()), 0) - 1  # new nodes take ids below every source id
    ids = np.concatenate([network.node_id, first_id - np.arange(len(new_lon), dtype=np.int64)])
    return RoadNetwork(
        network.name,
        node_id=ids,
        lon=np.concatenate([network.lon, np.asarray(new_lon, dtype=float)]),
        lat=np.concatenate([network.lat, np.asarray(new_lat, dtype=float)]),
        edge_u=joined(network.edge_u, np.asarray(tails, dtype=np.int64), access_u),
        edge_v=joined(network.edge_v, np.asarray(heads, dtype=np.int64), access_v),
        length_m=joined(network.length_m, np.asarray(lengths, dtype=float), access_m),
        highway=joined(network.highway.astype(object), network.highway[parent_a].astype(object),
                       np.full(2 * legs, ACCESS_CLASS, dtype=object)),
        speed_kph=joined(network.speed_kph, network.speed_kph[parent_a], np.full(2 * legs, float(access_speed_kph))),
        way_id=joined(network.way_id, network.way_id[parent_a], np.full(2 * legs, -1, dtype=np.int64)),
        report=network.report,
        edge_id=joined(network.edge_id, network.edge_id[parent_a], np.full(2 * legs, -1, dtype=np.int64)),
        speed_factor=joined(network.speed_factor, network.speed_factor[parent_a], np.ones(2 * legs)),
        superseded=joined(network.superseded | np.isin(np.arange(network.n_edges), list(on_edge)),
                          np.zeros(parent_a.size, bool), np.zeros(2 * legs, bool)),
        base=network.base(),
    ), point_node
