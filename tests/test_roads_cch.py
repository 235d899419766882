"""The contraction-hierarchy engine gives exactly csgraph's answers (and networkx's) on the same integer weights.

Weights are whole milliseconds; the references are ``scipy.sparse.csgraph.dijkstra`` on the network's
millisecond CSR and networkx's Dijkstra on a graph of the same milliseconds, built by the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from geodata import cch
from geodata.closures import Closure, closure_factors
from geodata.errors import GeodataError
from geodata.matrix import choose_engine, travel_time_matrix
from geodata.network import build_network
from geodata.synthetic import synthetic_road_tables
from planner.roads.conditions import travel_network
from planner.scenario.network import network_for, placement
from planner.store.settings import read_folder
from tests.conftest import ROOT


def csgraph_seconds(network, origins, destinations) -> np.ndarray:
    return dijkstra(network.csr("travel_time_ms"), directed=True, indices=origins)[:, destinations] / 1000.0


def random_pairs(network, seed: int, n_origins: int = 40, n_destinations: int = 300):
    rng = np.random.default_rng(seed)
    return (rng.choice(network.n_nodes, n_origins, replace=False),
            rng.choice(network.n_nodes, n_destinations, replace=False))


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cch")


@pytest.fixture(scope="module")
def jinan_scenario():
    return read_folder("jinan")


def test_cch_equals_csgraph_and_networkx_on_jinan(jinan, cache) -> None:
    origins, destinations = random_pairs(jinan, 1)
    fast = cch.cch_matrix(jinan, origins, destinations, cache_dir=cache)
    assert np.array_equal(fast, csgraph_seconds(jinan, origins, destinations))
    graph = nx.DiGraph()
    for u, v, ms in zip(jinan.edge_u, jinan.edge_v, jinan.travel_time_ms, strict=True):
        if not graph.has_edge(int(u), int(v)) or graph[int(u)][int(v)]["ms"] > ms:
            graph.add_edge(int(u), int(v), ms=int(ms))
    for i in range(0, origins.size, 8):
        lengths = nx.single_source_dijkstra_path_length(graph, int(origins[i]), weight="ms")
        expected = np.array([lengths.get(int(d), np.inf) for d in destinations]) / 1000.0
        assert np.array_equal(fast[i], expected)


def test_cch_equals_csgraph_under_closures_and_a_band(jinan_scenario, cache) -> None:
    scenario, documents = jinan_scenario
    for roads in (travel_network(scenario, documents, closures="north-corridor-cut", band="morning-peak"),
                  travel_network(scenario, documents, closures="luokou-flooding"),
                  travel_network(scenario, documents, band="night")):
        network = roads.network
        origins, destinations = random_pairs(network, 2)
        fast = cch.cch_matrix(network, origins, destinations, cache_dir=cache)
        assert np.array_equal(fast, csgraph_seconds(network, origins, destinations))


def test_cch_reports_unreachable_as_inf_after_a_closure(jinan_scenario, cache) -> None:
    scenario, documents = jinan_scenario
    network = travel_network(scenario, documents, closures="north-corridor-cut").network
    north = np.flatnonzero(network.lat[: network.base_nodes] > 36.9)[:5]
    south = np.flatnonzero(network.lat[: network.base_nodes] < 36.65)[:20]
    fast = cch.cch_matrix(network, south, north, cache_dir=cache)
    assert np.isinf(fast).all()
    assert np.array_equal(fast, csgraph_seconds(network, south, north))


def test_cch_equals_csgraph_on_the_approximate_and_a_generated_network(cache) -> None:
    shanxi = network_for(read_folder("shanxi-coal")[0])
    nodes, edges = synthetic_road_tables(20_000, seed=5)
    synthetic = build_network("synthetic", nodes, edges)
    factor, _ = closure_factors(synthetic, [Closure("some", edges=tuple(int(e) for e in synthetic.edge_id[::97]))])
    for network in (shanxi, synthetic, synthetic.adjusted(factor)):
        origins, destinations = random_pairs(network, 3, n_origins=min(30, network.n_nodes),
                                             n_destinations=min(200, network.n_nodes))
        fast = cch.cch_matrix(network, origins, destinations, cache_dir=cache)
        assert np.array_equal(fast, csgraph_seconds(network, origins, destinations))


def test_points_joined_part_way_reuse_the_base_order_and_stay_exact(cache) -> None:
    scenario, _ = read_folder("jinan")
    network = placement(scenario).network
    assert network.n_nodes > network.base_nodes  # bases and sites joined part-way along their edges
    order = cch.node_order(network, cache_dir=cache)
    assert sorted(order.tolist()) == list(range(network.n_nodes))
    placed = placement(scenario)
    bases = np.array(sorted(placed.base_node.values()))
    sites = np.array(sorted(placed.site_node.values()))
    assert np.array_equal(cch.cch_matrix(network, bases, sites, cache_dir=cache),
                          csgraph_seconds(network, bases, sites))


def test_weights_are_clipped_below_routingkit_infinity() -> None:
    nodes = {"node_id": [0, 1, 2], "lon": [117.0, 117.1, 117.2], "lat": [36.6, 36.6, 36.6]}
    edges = pd.DataFrame({"u": [0, 1, 1, 2], "v": [1, 2, 0, 1], "length_m": [5e10, 1000.0, 5e10, 1000.0]})
    network = build_network("far", pd.DataFrame(nodes), edges, speeds_kph={"": 3.6})
    weights = cch.weights_ms(network)
    assert weights.max() == cch.MAX_WEIGHT_MS < cch.INFINITY_MS
    factor = np.ones(network.n_edges)
    factor[0] = 0.0
    assert cch.weights_ms(network.adjusted(factor))[0] == cch.INFINITY_MS


SECOND_PROCESS = """
import sys
from pathlib import Path
import numpy as np
import pyroutingkit

class NotBuilt(pyroutingkit.CCHTopology):
    def build(self, *args):
        raise SystemExit("the topology was built again instead of loaded")

pyroutingkit.CCHTopology = NotBuilt
from geodata import cch
from geodata.network import read_network_csv
root, cache, out, origins, destinations = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
network = read_network_csv(root / "geodata/data/jinan/nodes.csv", root / "geodata/data/jinan/edges.csv")
np.save(out, cch.cch_matrix(network, np.load(origins), np.load(destinations), cache_dir=cache))
"""
"""A second process: builds of the topology fail, so its matrix comes from the saved topology, loaded."""


def test_the_topology_is_saved_on_disk_and_loaded_by_another_process(jinan, tmp_path) -> None:
    order = cch.node_order(jinan, cache_dir=tmp_path)
    (folder,) = tmp_path.glob("topology-*")
    assert sorted(path.name for path in folder.iterdir()) == sorted(cch.TOPOLOGY_FILES)
    stamps = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert sorted(order.tolist()) == list(range(jinan.n_nodes))
    origins, destinations = random_pairs(jinan, 6, n_origins=20, n_destinations=100)
    np.save(tmp_path / "origins.npy", origins)
    np.save(tmp_path / "destinations.npy", destinations)
    out = tmp_path / "second.npy"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", SECOND_PROCESS, str(ROOT), str(tmp_path), str(out),
                    str(tmp_path / "origins.npy"), str(tmp_path / "destinations.npy")],
                   check=True, env=env, timeout=300)
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == stamps  # read, not written again
    assert np.array_equal(np.load(out), csgraph_seconds(jinan, origins, destinations))


def test_a_written_topology_is_what_pyroutingkit_saves(jinan, cache) -> None:
    """The joined networks' topologies are written in pyroutingkit's save format: held to what it saves itself."""
    saved = cch.topology_folder(jinan, cache)
    cch.node_order(jinan, cache_dir=cache)
    written = cache / "written"
    written.mkdir()
    cch.write_topology(written, jinan, cch.node_order(jinan, cache_dir=cache))
    for name in cch.TOPOLOGY_FILES:
        assert (written / name).read_bytes() == (saved / name).read_bytes(), name


def test_a_stale_topology_on_disk_is_named_not_used(tmp_path) -> None:
    nodes, edges = synthetic_road_tables(400, seed=21)
    network = build_network("small", nodes, edges)
    cch.node_order(network, cache_dir=tmp_path)
    folder = cch.topology_folder(network, tmp_path)
    (folder / "tail").write_bytes((folder / "head").read_bytes())
    with pytest.raises(GeodataError, match="is not of network"):
        cch.hierarchy(network, cache_dir=tmp_path, fresh=True)


def test_node_positions_outside_the_network_are_refused_not_queried(jinan, cache) -> None:
    """pyroutingkit reads past its arrays for such ids (garbage, or a segmentation fault for -1)."""
    for origins, destinations in (([-1], [0]), ([0], [jinan.n_nodes]), ([jinan.n_nodes + 5], [1, 2])):
        with pytest.raises(GeodataError, match="node positions"):
            cch.cch_matrix(jinan, np.array(origins), np.array(destinations), cache_dir=cache)


def test_threads_querying_one_metric_at_once_get_right_answers(jinan, cache) -> None:
    """Without the metric's lock, pyroutingkit's queries from two threads at once crash the process."""
    origins, destinations = random_pairs(jinan, 7, n_origins=24, n_destinations=400)
    expected = csgraph_seconds(jinan, origins, destinations)
    cch.metric(jinan, cache_dir=cache)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: cch.cch_matrix(jinan, origins, destinations, cache_dir=cache), range(16)))
    assert all(np.array_equal(answer, expected) for answer in answers)


def test_a_distance_of_routingkit_infinity_or_more_reads_as_unreachable(tmp_path) -> None:
    """Two legs of 2**30 ms sum to 2**31 ms (24.8 days), past RoutingKit's infinity: documented as unreachable."""
    nodes = pd.DataFrame({"node_id": [0, 1, 2], "lon": [117.0, 117.1, 117.2], "lat": [36.6, 36.6, 36.6]})
    edges = pd.DataFrame({"u": [0, 1, 1, 2], "v": [1, 2, 0, 1], "length_m": [2.0**30 / 1000] * 4})
    network = build_network("long", nodes, edges, speeds_kph={"": 3.6})
    assert cch.weights_ms(network).tolist() == [2**30] * 4
    assert csgraph_seconds(network, [0], [2]).tolist() == [[2.0**31 / 1000]]
    assert cch.cch_matrix(network, np.array([0]), np.array([1, 2]), cache_dir=tmp_path).tolist() == [
        [2.0**30 / 1000, np.inf]]


def test_auto_engine_uses_cch_for_many_to_many_and_csgraph_for_one_to_all(jinan) -> None:
    assert choose_engine(jinan, 200, 2000) == "cch"
    assert choose_engine(jinan, 200, None) == "csgraph"
    assert choose_engine(jinan, 4, 2000) == "csgraph"
    origins, destinations = random_pairs(jinan, 4, n_origins=32, n_destinations=100)
    assert np.array_equal(travel_time_matrix(jinan, origins, destinations),
                          travel_time_matrix(jinan, origins, destinations, engine="csgraph"))


def test_hierarchies_and_their_metrics_are_kept_within_the_bound(cache) -> None:
    """A topology beyond the last TOPOLOGIES_KEPT is loaded anew, and its metrics went with it."""
    networks = []
    for seed in range(cch.TOPOLOGIES_KEPT + 1):
        nodes, edges = synthetic_road_tables(400, seed=11 + seed)
        networks.append(build_network(f"g{seed}", nodes, edges))
    first_hierarchy = cch.hierarchy(networks[0], cache_dir=cache)
    first_metric = cch.metric(networks[0], cache_dir=cache)
    assert cch.hierarchy(networks[0], cache_dir=cache) is first_hierarchy  # kept
    assert cch.metric(networks[0], cache_dir=cache) is first_metric
    slower = networks[0].adjusted(np.full(networks[0].n_edges, 0.5))  # same topology, other weights: same hierarchy
    assert cch.metric(slower, cache_dir=cache) is not first_metric
    assert cch.hierarchy(slower, cache_dir=cache) is first_hierarchy
    for network in networks[1:]:
        cch.metric(network, cache_dir=cache)
    assert cch.hierarchy(networks[0], cache_dir=cache) is not first_hierarchy  # evicted, loaded anew
    assert cch.metric(networks[0], cache_dir=cache) is not first_metric  # its metrics went with it
    origins, destinations = np.arange(20), np.arange(20, 60)
    assert np.array_equal(cch.cch_matrix(networks[0], origins, destinations, cache_dir=cache),
                          csgraph_seconds(networks[0], origins, destinations))
