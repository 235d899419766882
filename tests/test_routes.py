"""Fastest routes and their road lengths: one at a time and many at once agree, and a hand-made case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geodata.network import build_network
from geodata.routes import route_length_m, route_lengths_m, shortest_routes


def test_route_lengths_by_hand():
    # 1 -> 2 -> 3 on a fast road (2 x 1000 m) beats the slow direct 1 -> 3 (1500 m); 4 is a dead end
    # one-way away from 3 and kept only with keep_all, so it cannot reach 3.
    nodes = pd.DataFrame({"node_id": [1, 2, 3, 4], "lon": [0, 0.01, 0.02, 0.03], "lat": [0, 0, 0, 0]})
    edges = pd.DataFrame({"u": [1, 2, 2, 3, 1, 3, 3], "v": [2, 1, 3, 2, 3, 1, 4],
                          "length_m": [1000.0, 1000, 1000, 1000, 1500, 1500, 700],
                          "highway": ["motorway"] * 4 + ["residential"] * 2 + ["primary"]})
    net = build_network("t", nodes, edges, keep_all=True)
    one, two, three, four = net.positions([1, 2, 3, 4])
    lengths = route_lengths_m(net, [one, two, three, four], int(three))
    assert lengths[:3].tolist() == [2000.0, 1000.0, 0.0]
    assert lengths[3] == np.inf


def test_many_at_once_equals_one_at_a_time(jinan):
    rng = np.random.default_rng(7)
    origins = rng.integers(0, jinan.n_nodes, 40).tolist()
    target = int(rng.integers(0, jinan.n_nodes))
    paths = shortest_routes(jinan, origins, target)
    expected = [route_length_m(jinan, path) for path in paths]
    assert route_lengths_m(jinan, origins, target).tolist() == pytest.approx(expected, abs=1e-6)
