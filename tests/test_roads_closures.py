"""Closures (barriers) and time bands: which edges they touch, the travel times they give, bad input refused.

Travel times under closures and bands are checked against networkx's Dijkstra on a graph whose weights
the test computes itself (length / speed / factor), never against the product's own matrix.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import weakref

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from geodata.closures import Closure, closure_edges, closure_factors, parse_geometry
from geodata.errors import GeodataError
from geodata.matrix import travel_time_matrix
from geodata.network import build_network
from planner.coverage.verdict import coverage, drive_minutes
from planner.errors import InputError, NotFoundError
from planner.roads.bands import band_at, check_profiles
from planner.roads.closures import check_closures
from planner.roads.conditions import travel_network
from planner.scenario.network import placement
from planner.store.settings import read_folder


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture(scope="module")
def grid():
    """A 4 x 4 grid of two-way streets 0.01 degrees apart (about 1.1 km), primary roads in row 0."""
    nodes = pd.DataFrame([(r * 4 + c, 117.0 + c * 0.01, 36.6 + r * 0.01) for r in range(4) for c in range(4)],
                         columns=["node_id", "lon", "lat"])
    rows = []
    for r in range(4):
        for c in range(4):
            here = r * 4 + c
            for other in ([here + 1] if c < 3 else []) + ([here + 4] if r < 3 else []):
                kind = "primary" if r == 0 and other == here + 1 else "residential"
                rows += [(here, other, 1000.0, kind), (other, here, 1000.0, kind)]
    edges = pd.DataFrame(rows, columns=["u", "v", "length_m", "highway"])
    edges["eid"] = np.arange(len(edges)) + 100
    edges["way_id"] = np.arange(len(edges)) // 2 + 7000
    return build_network("grid", nodes, edges)


def reference_seconds(network, factor, origin, target):
    """Fastest time on a networkx graph with the test's own weights (length / (speed * factor), in whole ms)."""
    graph = nx.DiGraph()
    for k in range(network.n_edges):
        if factor[k] > 0:
            seconds = max(round(network.length_m[k] / (network.speed_kph[k] * factor[k] / 3.6) * 1000), 1) / 1000
            u, v = int(network.edge_u[k]), int(network.edge_v[k])
            if not graph.has_edge(u, v) or graph[u][v]["w"] > seconds:
                graph.add_edge(u, v, w=seconds)
    try:
        return nx.dijkstra_path_length(graph, origin, target, weight="w")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return math.inf


def test_area_closes_edges_inside_and_across_it_only(grid):
    # A box around the middle of the first street (nodes 0-1): it crosses that street and no other.
    area = parse_geometry(box(117.004, 36.598, 117.006, 36.602))
    touched = closure_edges(grid, Closure("a", area))
    pairs = {(int(grid.edge_u[k]), int(grid.edge_v[k])) for k in touched}
    assert pairs == {(0, 1), (1, 0)}


def test_line_cuts_the_road_it_crosses(grid):
    line = parse_geometry({"type": "LineString", "coordinates": [[117.015, 36.605], [117.015, 36.615]]})
    touched = closure_edges(grid, Closure("cut", line))
    pairs = {(int(grid.edge_u[k]), int(grid.edge_v[k])) for k in touched}
    assert pairs == {(5, 6), (6, 5)}  # the street between nodes 5 and 6 at lat 36.61


def test_edge_and_way_ids_name_source_ids(grid):
    by_edge = closure_edges(grid, Closure("e", edges=(100,)))
    assert grid.edge_id[by_edge].tolist() == [100]
    by_way = closure_edges(grid, Closure("w", ways=(7000,)))
    assert sorted(grid.edge_id[by_way].tolist()) == [100, 101]
    with pytest.raises(GeodataError, match="edge id 99 is not in network"):
        closure_edges(grid, Closure("e", edges=(99,)))


def test_closed_and_slowed_travel_times_equal_networkx(grid):
    closures = [Closure("shut", parse_geometry(box(117.004, 36.598, 117.006, 36.602))),
                Closure("slow", ways=(7001,), speed_factor=0.3)]
    factor, applied = closure_factors(grid, closures)
    assert [(a.id, a.edges) for a in applied] == [("shut", 2), ("slow", 2)]
    adjusted = grid.adjusted(factor)
    seconds = travel_time_matrix(adjusted, np.arange(16), np.arange(16))
    for origin, target in [(0, 1), (0, 15), (1, 0), (4, 1), (12, 3)]:
        assert seconds[origin, target] == pytest.approx(reference_seconds(grid, factor, origin, target), rel=1e-9)
    assert seconds[0, 1] > travel_time_matrix(grid, [0], [1])[0, 0]  # the detour is longer


def test_closure_that_isolates_a_node_makes_it_unreachable(grid):
    factor, _ = closure_factors(grid, [Closure("corner", edges=tuple(
        int(grid.edge_id[k]) for k in range(grid.n_edges) if 15 in (grid.edge_u[k], grid.edge_v[k])))])
    seconds = travel_time_matrix(grid.adjusted(factor), [0], [15, 14])
    assert math.isinf(seconds[0, 0]) and math.isfinite(seconds[0, 1])


@pytest.mark.parametrize(("geometry", "message"), [
    ({"type": "Polygon", "coordinates": [[[117.0, 36.6], [117.01, 36.61], [117.01, 36.6], [117.0, 36.61],
                                          [117.0, 36.6]]]}, "not valid .*Self-intersection"),
    ({"type": "Point", "coordinates": [117.0, 36.6]}, "type must be Polygon"),
    ({"type": "Polygon", "coordinates": "nope"}, "not valid GeoJSON"),
    ({"type": "Polygon", "coordinates": [[[1117.0, 36.6], [117.01, 36.6], [117.01, 36.61], [1117.0, 36.6]]]},
     r"\[lon, lat\]"),
    ("not a mapping", "not a GeoJSON object"),
])
def test_bad_geometry_is_refused(geometry, message):
    with pytest.raises(GeodataError, match=message):
        parse_geometry(geometry)


def test_closure_outside_the_network_is_refused(grid):
    with pytest.raises(GeodataError, match="touches no road .* outside the network"):
        closure_edges(grid, Closure("far", parse_geometry(box(120.0, 30.0, 120.1, 30.1))))


@pytest.mark.parametrize("factor", [0, -1, 3.5, math.nan])
def test_speed_factor_out_of_range_is_refused(factor):
    with pytest.raises(GeodataError, match="speed_factor"):
        Closure("x", edges=(1,), speed_factor=factor)


@pytest.fixture(scope="module")
def jinan_folder():
    return read_folder("jinan")


def test_shipped_closures_and_bands_are_read_with_the_scenario(jinan_folder):
    scenario, documents = jinan_folder
    assert {"closures", "speed_profiles"} <= set(documents)
    names = [s["name"] for s in documents["closures"]["sets"]]
    assert names == ["north-corridor-cut", "luokou-flooding"]


def test_closing_the_river_crossing_fails_the_sites_across_it(jinan_folder):
    """Acceptance: close the crossing to Jiyang; sites north of it lose every team based south of it.

    In this extract the hazardous-chemicals team is based in the city: the northern chemical sites then
    fail their standard as unreachable (not with a made-up number of minutes).
    """
    scenario, documents = jinan_folder
    before = coverage(scenario)
    roads = travel_network(scenario, documents, closures="north-corridor-cut")
    after = coverage(scenario, roads=roads)
    assert after.roads["closure_set"] == "north-corridor-cut"
    assert [c["id"] for c in after.roads["closures"]] == ["north-link"]
    bases = scenario.by_id("bases")
    north = {s.id for s in scenario.sites if s.lat > 36.8}
    assert north, "the scenario has sites across the river"
    served_from_south = [(b, a) for b, a in zip(before.sites, after.sites, strict=True)
                         if b.site in north and b.first is not None and bases[b.first.base].lat < 36.75]
    assert served_from_south, "some northern site's first responder is based south of the crossing"
    for _, a in served_from_south:
        assert not a.passed  # under the closure it fails its standard...
        assert a.first is None or bases[a.first.base].lat > 36.75  # ...served from the north, if at all
    unreachable = [a for a in after.sites if a.unreachable]
    assert unreachable and all(a.site in north and not a.passed and a.first is None for a in unreachable)
    assert all(not a.unreachable for a in before.sites)


def test_no_closure_and_no_band_is_the_scenario_network_itself(jinan_folder):
    scenario, documents = jinan_folder
    roads = travel_network(scenario, documents)
    assert roads.network is placement(scenario).network and roads.intact


def test_unknown_set_and_drawn_area_outside_are_refused(jinan_folder):
    scenario, documents = jinan_folder
    with pytest.raises(NotFoundError, match="no closure set 'nope' .*north-corridor-cut"):
        travel_network(scenario, documents, closures="nope")
    with pytest.raises(InputError, match="touches no road") as error:
        travel_network(scenario, documents, closures=box(120.0, 30.0, 120.1, 30.1))
    assert error.value.field == "closures"


def test_band_travel_times_equal_networkx_with_the_band_factors(jinan_folder):
    scenario, documents = jinan_folder
    network = placement(scenario).network
    roads = travel_network(scenario, documents, band="morning-peak")
    band = next(b for b in documents["speed_profiles"]["bands"] if b["id"] == "morning-peak")
    factor = np.array([band["factors"].get(str(h), band["default_factor"]) for h in network.highway])
    origins = np.array([3, 2000, 7000])
    seconds = travel_time_matrix(roads.network, origins, [9000])[:, 0]
    for origin, value in zip(origins, seconds, strict=True):
        assert value == pytest.approx(reference_seconds(network, factor, int(origin), 9000), rel=1e-9)
    assert (seconds > travel_time_matrix(network, origins, [9000])[:, 0]).all()


def test_a_moment_picks_its_band_in_the_scenario_zone(jinan_folder):
    scenario, documents = jinan_folder
    zone = scenario.zone
    assert band_at(documents, dt.datetime(2026, 7, 1, 8, 0, tzinfo=zone), zone).id == "morning-peak"  # Wednesday
    assert band_at(documents, dt.datetime(2026, 7, 4, 8, 0, tzinfo=zone), zone) is None  # Saturday: free flow
    assert band_at(documents, dt.datetime(2026, 7, 4, 23, 30, tzinfo=zone), zone).id == "night"
    assert band_at(documents, dt.datetime(2026, 7, 5, 3, 0, tzinfo=zone), zone).id == "night"  # past midnight
    # 00:00 UTC on 1 July is 08:00 in Shanghai
    roads = travel_network(scenario, documents, at=dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC))
    assert roads.band == "morning-peak" and roads.at.startswith("2026-07-01T08:00")


def test_bad_documents_are_refused_naming_the_field(jinan_folder):
    scenario, documents = jinan_folder
    bands = documents["speed_profiles"]
    overlapping = {**bands, "bands": [*bands["bands"], {"id": "late", "start": "18:30", "end": "20:00"}]}
    with pytest.raises(InputError, match="band 'late' .*overlaps band 'evening-peak'") as error:
        check_profiles(overlapping, scenario, "speed_profiles")
    assert error.value.field == "bands[3].start"
    zero = {"bands": [{"id": "z", "start": "01:00", "end": "02:00", "default_factor": 0}]}
    with pytest.raises(InputError, match="default_factor"):
        check_profiles(zero, scenario, "speed_profiles")
    too_fast = {"bands": [{"id": "z", "start": "01:00", "end": "02:00", "factors": {"primary": 3.5}}]}
    with pytest.raises(InputError, match="factors"):
        check_profiles(too_fast, scenario, "speed_profiles")
    bad_polygon = {"sets": [{"name": "s", "closures": [{"id": "c", "geometry": {
        "type": "Polygon", "coordinates": [[[117.0, 36.6], [117.1, 36.7], [117.1, 36.6], [117.0, 36.7],
                                            [117.0, 36.6]]]}}]}]}
    with pytest.raises(InputError, match="Self-intersection") as error:
        check_closures(bad_polygon, scenario, "closures")
    assert error.value.field == "sets[0].closures[0].geometry"
    slow_zero = {"sets": [{"name": "s", "closures": [{"id": "c", "edges": [1], "speed_factor": 0}]}]}
    with pytest.raises(InputError, match="speed_factor"):
        check_closures(slow_zero, scenario, "closures")


def test_searches_under_a_closure_are_never_the_intact_networks(jinan_folder):
    """The coverage search cache keys on the travel network: the same nodes under a closure are searched anew."""
    scenario, documents = jinan_folder
    placed = placement(scenario)
    bases = sorted(set(placed.base_node.values()))
    sites = [placed.site_node[s.id] for s in scenario.sites]
    intact, _, _ = drive_minutes(placed.network, bases, sites)  # now kept for the intact network
    closed = travel_network(scenario, documents, closures="north-corridor-cut").network
    under, _, _ = drive_minutes(closed, bases, sites)
    reference = dijkstra(closed.csr("travel_time_ms"), directed=True, indices=bases)[:, sites] / 1000.0 / 60.0
    assert np.array_equal(under, reference)
    assert np.isinf(under).sum() > np.isinf(intact).sum() == 0
    again, _, _ = drive_minutes(placed.network, bases, sites)
    assert np.array_equal(again, intact)


def test_kept_searches_do_not_keep_a_network_alive(jinan_folder):
    """A network nobody holds (a what-if's, a test's) is freed with its kept searches (the suite ran out of memory)."""
    scenario, _ = jinan_folder
    placed = placement(scenario)
    slower = placed.network.adjusted(np.full(placed.network.n_edges, 0.9))
    bases = sorted(set(placed.base_node.values()))
    sites = [placed.site_node[s.id] for s in scenario.sites]
    drive_minutes(slower, bases, sites)
    gone = weakref.ref(slower)
    del slower
    gc.collect()
    assert gone() is None
