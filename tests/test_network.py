"""The road network: cleaning, CSR export, travel-time matrices checked against networkx."""

from __future__ import annotations

import os

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geodata import matrix, rowpool
from geodata.errors import GeodataError
from geodata.matrix import travel_time_matrix, travel_times_to
from geodata.network import build_network, network_from_graph, read_network_csv, write_network_csv


def test_jinan_keeps_largest_strong_component(jinan):
    info = jinan.info()
    assert 11_000 < info["nodes"] < 12_766
    assert info["strong_components"] == 1
    report = info["cleaning"]
    assert report["nodes"] + report["nodes_dropped"] == report["nodes_in"] == 12_766
    assert report["edges"] + report["edges_dropped"] == report["edges_in"] == 28_597
    assert (jinan.travel_time_s > 0).all()
    lon0, lat0, lon1, lat1 = info["bbox"]
    assert 116.7 < lon0 < lon1 < 117.6 and 36.5 < lat0 < lat1 < 37.2


def test_speed_by_road_class_and_maxspeed():
    nodes = pd.DataFrame({"node_id": [1, 2, 3], "lon": [0, 0.01, 0.02], "lat": [0, 0, 0]})
    edges = pd.DataFrame({"u": [1, 2, 2, 3], "v": [2, 1, 3, 2], "length_m": [1000.0] * 4,
                          "highway": ["motorway", "motorway", "residential", "residential"],
                          "maxspeed": [None, "50", None, "20 mph"]})
    net = build_network("t", nodes, edges, speeds_kph={"residential": 36})
    # times are whole milliseconds
    assert net.travel_time_s.tolist() == pytest.approx([45.0, 72.0, 100.0, 1000 / (20 * 1.609344 / 3.6)], abs=5e-4)


def test_zero_length_edges_are_contracted_and_parallel_edges_take_the_minimum():
    nodes = pd.DataFrame({"node_id": [1, 2, 3, 4], "lon": [0, 0.01, 0.01, 0.02], "lat": [0, 0, 0, 0]})
    edges = pd.DataFrame({"u": [1, 2, 2, 3, 3, 4, 1, 3], "v": [2, 1, 3, 2, 4, 3, 2, 1],
                          "length_m": [1000, 1000, 0, 0, 500, 500, 400, 400], "highway": "primary"})
    net = build_network("t", nodes, edges, speeds_kph={"primary": 36})
    assert net.report.zero_length_edges == 2
    assert net.n_nodes == 3  # nodes 2 and 3 are one place
    m = net.csr()
    one, two = net.positions([1, 2])
    assert m[one, two] == pytest.approx(40.0)  # the 400 m edge, not 1000 m, and not their sum


def test_dropped_components_are_reported():
    nodes = pd.DataFrame({"node_id": [1, 2, 3, 4, 5], "lon": [0, 1, 2, 3, 4], "lat": [0] * 5})
    edges = pd.DataFrame({"u": [1, 2, 2, 3, 4], "v": [2, 1, 3, 2, 5], "length_m": [10.0] * 5})
    net = build_network("t", nodes, edges)
    assert net.n_nodes == 3 and net.report.nodes_dropped == 2 and net.report.edges_dropped == 1


def test_bad_edge_table_is_refused():
    nodes = pd.DataFrame({"node_id": [1, 2], "lon": [0, 1], "lat": [0, 0]})
    with pytest.raises(GeodataError, match="not in nodes"):
        build_network("t", nodes, pd.DataFrame({"u": [1], "v": [9], "length_m": [1.0]}))
    with pytest.raises(GeodataError, match="not negative"):
        build_network("t", nodes, pd.DataFrame({"u": [1], "v": [2], "length_m": [-1.0]}))


def test_matrix_agrees_with_networkx(jinan):
    rng = np.random.default_rng(7)
    origins = rng.choice(jinan.n_nodes, 6, replace=False)
    matrix = travel_time_matrix(jinan, origins)
    graph = jinan.graph
    for row, origin in zip(matrix, origins, strict=True):
        expected = nx.single_source_dijkstra_path_length(graph, int(jinan.node_id[origin]), weight="travel_time_s")
        sample = rng.choice(jinan.n_nodes, 300, replace=False)
        for target in sample:
            assert row[target] == pytest.approx(expected[int(jinan.node_id[target])], abs=1e-6)


def test_matrix_cutoff_workers_and_reverse(jinan):
    origins = np.arange(0, 600, 20)
    full = travel_time_matrix(jinan, origins, np.arange(100))
    cut = travel_time_matrix(jinan, origins, np.arange(100), cutoff_s=300)
    assert np.array_equal(np.isinf(cut), full > 300)
    assert np.allclose(cut[np.isfinite(cut)], full[np.isfinite(cut)])
    parallel = travel_time_matrix(jinan, np.arange(0, 640, 20), np.arange(100), workers=2)
    assert np.allclose(parallel[: len(origins)], full)
    to = travel_times_to(jinan, np.arange(100))
    assert np.allclose(to[:, origins].T, full)


@pytest.mark.parametrize(("n_origins", "workers"), [(33, 2), (97, 3), (64, 4)])
def test_matrix_workers_share_every_origin_once(jinan, n_origins, workers):
    # Rows live in a zero-filled shared map, so an origin no process searched would show as a row of
    # zeros, and one searched twice would change nothing: compare every row with the single process.
    origins = np.random.default_rng(n_origins).choice(jinan.n_nodes, n_origins, replace=False)
    serial = travel_time_matrix(jinan, origins)
    shared = travel_time_matrix(jinan, origins, workers=workers)
    assert shared.shape == serial.shape and np.array_equal(shared, serial)
    some = travel_time_matrix(jinan, origins, np.arange(0, jinan.n_nodes, 97), cutoff_s=600, workers=workers)
    assert np.array_equal(some, travel_time_matrix(jinan, origins, np.arange(0, jinan.n_nodes, 97), cutoff_s=600))


def test_matrix_refuses_unknown_nodes(jinan):
    with pytest.raises(GeodataError, match="outside"):
        travel_time_matrix(jinan, [jinan.n_nodes + 5])


def test_csv_round_trip_and_graph_round_trip(jinan, tmp_path):
    write_network_csv(jinan, tmp_path / "net")
    again = read_network_csv(tmp_path / "net" / "nodes.csv", tmp_path / "net" / "edges.csv")
    assert again.n_nodes == jinan.n_nodes and again.n_edges == jinan.n_edges
    assert np.allclose(np.sort(again.travel_time_s), np.sort(jinan.travel_time_s), rtol=1e-3)
    from_graph = network_from_graph(jinan.graph, name="g")
    assert from_graph.n_edges == jinan.n_edges


def test_a_matrix_worker_that_dies_is_an_error_not_missing_rows_and_the_next_call_gets_new_workers(
        jinan, monkeypatch, tmp_path):
    # The parent waits for a child's answer, not for its exit: a child that dies before answering must
    # fail the matrix (its rows would otherwise be zeros), and the next call, with the same search, must
    # get working children again instead of the dead pool.
    parent = os.getpid()
    search = matrix._dijkstra_block
    once = tmp_path / "die-once"
    once.touch()

    def dies_once_in_a_child(*args, **kwargs):
        if os.getpid() != parent and once.exists():
            once.unlink()
            os._exit(3)
        return search(*args, **kwargs)

    monkeypatch.setattr(matrix, "_dijkstra_block", dies_once_in_a_child)
    with pytest.raises(GeodataError, match="worker process failed"):
        travel_time_matrix(jinan, np.arange(64), workers=2)
    assert np.array_equal(travel_time_matrix(jinan, np.arange(64), workers=2), travel_time_matrix(jinan, np.arange(64)))


def test_matrix_workers_are_kept_for_the_next_call_and_rebuilt_for_another_graph(jinan):
    # The pool forks once per graph: the second call of the same graph reuses its children, a new
    # graph (a closure's, here the length weights) gets new ones, and both answer like one process.
    origins = np.arange(0, 3000, 50)
    first = travel_time_matrix(jinan, origins, workers=2)
    children = {c.pid for c in rowpool._pool.children}
    again = travel_time_matrix(jinan, origins[::-1], workers=2)
    assert {c.pid for c in rowpool._pool.children} == children
    assert np.array_equal(again, first[::-1]) and np.array_equal(first, travel_time_matrix(jinan, origins))
    lengths = travel_time_matrix(jinan, origins, weight="length_m", workers=2)
    assert not {c.pid for c in rowpool._pool.children} & children
    assert np.array_equal(lengths, travel_time_matrix(jinan, origins, weight="length_m"))
