"""Synthetic road-like networks (for the large-network benchmark) and the blocked matrix path."""

from __future__ import annotations

import numpy as np
import pytest

import geodata.matrix as matrix
from geodata.errors import GeodataError
from geodata.synthetic import synthetic_road_network, synthetic_road_tables


def test_same_seed_same_tables_and_a_road_hierarchy() -> None:
    nodes, edges = synthetic_road_tables(2500, seed=3)
    again, again_edges = synthetic_road_tables(2500, seed=3)
    assert nodes.equals(again) and edges.equals(again_edges)
    assert len(nodes) == 2500 and set(edges["highway"]) == {"motorway", "primary", "residential"}
    # Every road is two-way, and about 12% of the local streets are gone.
    assert (
        len(edges) % 2 == 0
        and (edges["u"].to_numpy()[: len(edges) // 2] == edges["v"].to_numpy()[len(edges) // 2 :]).all()
    )
    full_grid_segments = 2 * 50 * 49
    assert 0.85 * full_grid_segments < len(edges) / 2 < full_grid_segments


def test_network_is_cleaned_and_strongly_connected() -> None:
    network = synthetic_road_network(3000, seed=1)
    assert network.report.nodes_in >= 3000 and network.n_nodes > 0.95 * network.report.nodes_in
    costs = matrix.travel_time_matrix(network, [0, network.n_nodes - 1])
    assert np.isfinite(costs).all()
    with pytest.raises(GeodataError):
        synthetic_road_tables(2)


def test_blocked_origins_give_the_same_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    network = synthetic_road_network(2000, seed=2)
    origins = np.arange(0, 200, 7)
    destinations = np.arange(5, network.n_nodes, 13)
    whole = matrix.travel_time_matrix(network, origins, destinations)
    monkeypatch.setattr(matrix, "BLOCK_BYTES", 3 * 8 * network.n_nodes)  # three origins at a time
    blocked = matrix.travel_time_matrix(network, origins, destinations)
    assert np.array_equal(whole, blocked) and blocked.shape == (origins.size, destinations.size)
