"""Snapping to edges: a point joins its road part-way along the edge, one-way roads respected, off-road leg timed.

Expected times are sums the test makes itself from networkx's Dijkstra on the network without the points
and the edge's own length and speed, never the product's matrix on the joined network; they agree to the
product's rounding of every edge's time to whole milliseconds.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geodata.matrix import travel_time_matrix
from geodata.network import build_network
from geodata.points import with_points
from geodata.projection import haversine_m
from geodata.snap import Snapper
from planner.dispatch.problem import Requirement
from planner.dispatch.requests import IncidentRequest
from planner.dispatch.scenario import dispatch_scenario
from planner.scenario.files import read_scenario
from planner.scenario.network import access_speed_kph, network_for, placement
from tests.conftest import MINI

ACCESS_KPH = 10.0
MS = 5e-3
"""Tolerance of the expected sums: every edge's time is rounded to whole milliseconds (a few edges here)."""


@pytest.fixture(scope="module")
def street():
    """A one-way street 0 -> 1 (east, 1 km at 36 km/h: 100 s), and a two-way road back 1 -> 2 -> 0 (slow)."""
    nodes = pd.DataFrame({"node_id": [0, 1, 2], "lon": [117.0, 117.0112, 117.0056],
                          "lat": [36.6, 36.6, 36.61]})
    edges = pd.DataFrame({"u": [0, 1, 2, 2, 0], "v": [1, 2, 1, 0, 2], "length_m": [1000.0, 1200.0, 1200.0, 1200.0,
                                                                                    1200.0],
                          "highway": ["primary", "residential", "residential", "residential", "residential"]})
    return build_network("street", nodes, edges, speeds_kph={"primary": 36.0, "residential": 18.0})


def dijkstra_s(network, a: int, b: int) -> float:
    return float(nx.dijkstra_path_length(network.graph, int(network.node_id[a]), int(network.node_id[b]),
                                         weight="travel_time_s"))


def test_a_point_on_a_one_way_street_is_reached_with_the_traffic(street):
    # 30 % along the one-way street, 20 m south of it.
    lon, lat = np.array([117.0 + 0.3 * 0.0112]), np.array([36.6 - 20 / 111_000])
    snap = Snapper(street).snap_edges(lon, lat)
    assert int(street.edge_u[snap.edge[0]]) == 0 and int(street.edge_v[snap.edge[0]]) == 1
    assert snap.fraction[0] == pytest.approx(0.3, abs=1e-3) and snap.distance_m[0] == pytest.approx(20, rel=0.02)
    joined, (point,) = with_points(street, snap, lon, lat, access_speed_kph=ACCESS_KPH)
    access_s = snap.distance_m[0] / (ACCESS_KPH / 3.6)
    tt = float(street.travel_time_s[snap.edge[0]])  # 100 s
    seconds = travel_time_matrix(joined, [0, 1, point], [0, 1, point])
    # from node 1 (the street's end) it must go round to node 0 and drive 30 % of the street
    assert seconds[1, 2] == pytest.approx(dijkstra_s(street, 1, 0) + snap.fraction[0] * tt + access_s, abs=MS)
    assert seconds[0, 2] == pytest.approx(snap.fraction[0] * tt + access_s, abs=MS)
    # leaving, it drives on with the traffic to node 1, never back against it to node 0
    assert seconds[2, 1] == pytest.approx(access_s + (1 - snap.fraction[0]) * tt, abs=MS)
    assert seconds[2, 0] == pytest.approx(access_s + (1 - snap.fraction[0]) * tt + dijkstra_s(street, 1, 0), abs=MS)
    assert seconds[1, 2] > (1 - snap.fraction[0]) * tt  # against the traffic would have been shorter


def test_a_point_on_a_two_way_road_is_reached_from_either_end(street):
    # the middle of the two-way road 2 <-> 0
    lon, lat = np.array([117.0031]), np.array([36.605])  # a little east of it
    snap = Snapper(street).snap_edges(lon, lat)
    edge = int(snap.edge[0])
    assert {int(street.edge_u[edge]), int(street.edge_v[edge])} == {0, 2}
    joined, (point,) = with_points(street, snap, lon, lat, access_speed_kph=ACCESS_KPH)
    access_s = snap.distance_m[0] / (ACCESS_KPH / 3.6)
    tt = 1200 / 5.0  # 18 km/h
    share_from_0 = snap.fraction[0] if int(street.edge_u[edge]) == 0 else 1 - snap.fraction[0]
    seconds = travel_time_matrix(joined, [0, 2], [point])[:, 0]
    assert seconds[0] == pytest.approx(share_from_0 * tt + access_s, abs=MS)
    assert seconds[1] == pytest.approx((1 - share_from_0) * tt + access_s, abs=MS)


def test_two_points_on_one_edge_drive_the_part_between_them(street):
    lon = np.array([117.0 + 0.2 * 0.0112, 117.0 + 0.6 * 0.0112])
    lat = np.array([36.6, 36.6])
    snap = Snapper(street).snap_edges(lon, lat)
    joined, nodes = with_points(street, snap, lon, lat, access_speed_kph=ACCESS_KPH)
    seconds = travel_time_matrix(joined, nodes, nodes)
    assert seconds[0, 1] == pytest.approx((snap.fraction[1] - snap.fraction[0]) * 100.0, abs=MS)
    assert seconds[1, 0] == pytest.approx((1 - snap.fraction[1]) * 100 + dijkstra_s(street, 1, 0)
                                          + snap.fraction[0] * 100, abs=MS)


def test_a_point_at_a_node_joins_that_node(street):
    snap = Snapper(street).snap_edges([117.0], [36.6])
    joined, nodes = with_points(street, snap, np.array([117.0]), np.array([36.6]), access_speed_kph=ACCESS_KPH)
    assert nodes.tolist() == [0] and joined.n_nodes == street.n_nodes


def test_snapping_to_edges_finds_the_nearest_segment(jinan):
    rng = np.random.default_rng(3)
    lon = rng.uniform(116.95, 117.1, 20)
    lat = rng.uniform(36.62, 36.70, 20)
    snap = Snapper(jinan).snap_edges(lon, lat)
    # the road point lies on its edge's segment and is no farther than the nearest node
    nearest_node = Snapper(jinan).snap(lon, lat)
    assert (snap.distance_m <= nearest_node.distance_m + 1e-6).all()
    on_road = haversine_m(lon, lat, snap.road_lon, snap.road_lat)
    assert np.allclose(on_road, snap.distance_m, rtol=0.01, atol=0.5)
    u, v = jinan.edge_u[snap.edge], jinan.edge_v[snap.edge]
    expected_lon = jinan.lon[u] + (jinan.lon[v] - jinan.lon[u]) * snap.fraction
    assert np.allclose(expected_lon, snap.road_lon, atol=2e-5)


def test_scenario_points_show_their_road_and_snap_distance():
    mini = read_scenario(MINI)
    placed = placement(mini)
    network = network_for(mini)
    for record in (*mini.bases, *mini.sites):
        road = placed.roads[record.id]
        assert road is not None and road["snap_distance_m"] == pytest.approx(placed.off_network_m[record.id], abs=0.1)
        edge = int(np.flatnonzero(network.edge_id == road["edge_id"])[0])
        assert road["way_id"] == int(network.way_id[edge]) and road["highway"] == str(network.highway[edge])


def test_dispatch_to_an_incident_on_a_one_way_road_drives_with_the_traffic():
    """Acceptance: an incident snapped onto a one-way edge is reached from the edge's start, part-way along it."""
    mini = read_scenario(MINI)
    network = network_for(mini)
    reverse = {(int(u), int(v)) for u, v in zip(network.edge_u, network.edge_v, strict=True)}
    one_way = [k for k in range(network.n_edges)
               if (int(network.edge_v[k]), int(network.edge_u[k])) not in reverse and network.length_m[k] > 300
               and 116.98 < network.lon[network.edge_u[k]] < 117.08 and 36.64 < network.lat[network.edge_u[k]] < 36.7]
    edge = one_way[0]
    u, v = int(network.edge_u[edge]), int(network.edge_v[edge])
    lon = float(network.lon[u] + 0.5 * (network.lon[v] - network.lon[u]))
    lat = float(network.lat[u] + 0.5 * (network.lat[v] - network.lat[u]))
    run = dispatch_scenario(mini, [IncidentRequest("I1", lon, lat, requirements=(Requirement("fire_squad", 1, 60),))],
                            time_limit_s=5)
    travel = run.problem.travel_min[("T1", "I1")]
    placed = placement(mini)
    base = placed.base_node["B1"]
    graph = placed.network.graph
    to_start = nx.dijkstra_path_length(graph, int(placed.network.node_id[base]), int(network.node_id[u]),
                                       weight="travel_time_s")
    snap = Snapper(network).snap_edges([lon], [lat])
    assert int(snap.edge[0]) == edge
    expected_s = to_start + float(snap.fraction[0]) * float(network.travel_time_s[edge]) \
        + float(snap.distance_m[0]) / (access_speed_kph(mini) / 3.6)
    assert travel == pytest.approx(expected_s / 60, abs=MS)
    assert run.incidents[0]["road"]["edge_id"] == int(network.edge_id[edge])
    assert math.isfinite(travel)


def test_a_point_between_the_carriageways_of_a_divided_road_joins_both():
    """Two one-way carriageways 33 m apart (east 0 -> 1, west 2 -> 3), linked at both ends; a site between them."""
    nodes = pd.DataFrame({"node_id": [0, 1, 2, 3], "lon": [117.0, 117.0112, 117.0112, 117.0],
                          "lat": [36.6, 36.6, 36.6003, 36.6003]})
    edges = pd.DataFrame({"u": [0, 2, 1, 2, 3, 0], "v": [1, 3, 2, 1, 0, 3],
                          "length_m": [1000.0, 1000.0, 33.0, 33.0, 33.0, 33.0],
                          "highway": ["primary", "primary", "tertiary", "tertiary", "tertiary", "tertiary"]})
    road = build_network("divided", nodes, edges, speeds_kph={"primary": 36.0, "tertiary": 36.0})
    lon, lat = np.array([117.0 + 0.3 * 0.0112]), np.array([36.6001])  # 11 m from east, 22 m from west
    snap = Snapper(road).snap_edges(lon, lat)
    assert (int(road.edge_u[snap.edge[0]]), int(road.edge_v[snap.edge[0]])) == (0, 1)
    assert snap.other_edge is not None and snap.other_distance_m is not None and snap.other_fraction is not None
    other = int(snap.other_edge[0])
    assert (int(road.edge_u[other]), int(road.edge_v[other])) == (2, 3)
    joined, (point,) = with_points(road, snap, lon, lat, access_speed_kph=ACCESS_KPH)
    seconds = travel_time_matrix(joined, [0, 2], [point])[:, 0]
    speed = ACCESS_KPH / 3.6
    assert seconds[0] == pytest.approx(snap.fraction[0] * 100 + snap.distance_m[0] / speed, abs=MS)
    # from the west carriageway's start it arrives along it, without going round to the east one
    assert seconds[1] == pytest.approx(snap.other_fraction[0] * 100 + snap.other_distance_m[0] / speed, abs=MS)
    assert snap.other_fraction[0] == pytest.approx(0.7, abs=1e-3)
