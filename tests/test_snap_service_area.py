"""Snapping to the network with a distance limit, and service-area polygons."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geodata.errors import SnapError
from geodata.matrix import travel_time_matrix
from geodata.projection import haversine_m
from geodata.service_area import service_areas
from geodata.snap import Snapper


def test_snap_returns_nearest_node_and_distance(jinan):
    snapper = Snapper(jinan)
    chosen = np.array([10, 500, 4000])
    result = snapper.snap(jinan.lon[chosen] + 0.0005, jinan.lat[chosen])
    brute = haversine_m(jinan.lon[None, :], jinan.lat[None, :], (jinan.lon[chosen] + 0.0005)[:, None],
                        jinan.lat[chosen][:, None])
    assert np.array_equal(result.node, brute.argmin(axis=1))
    assert np.allclose(result.distance_m, brute.min(axis=1), rtol=0.01)


def test_far_point_is_refused_or_flagged(jinan):
    snapper = Snapper(jinan)
    with pytest.raises(SnapError, match=r"site X .* km from the nearest road"):
        snapper.snap([118.2], [36.6], labels=["site X"])
    flagged = snapper.snap([118.2, 117.0], [36.6, 36.65], refuse=False)
    assert flagged.too_far.tolist() == [True, False]
    with pytest.raises(SnapError, match=r"p at .* is \d+ m from .*limit 10 m"):
        snapper.snap([117.0], [36.65], max_distance_m=10, labels=["p"])


def test_service_areas_grow_and_contain_reached_nodes(jinan):
    origin = int(Snapper(jinan).snap([117.02], [36.66]).node[0])
    five, ten = service_areas(jinan, origin, [5, 10])
    assert ten.area > five.area > 0
    assert five.difference(ten).area < 0.02 * five.area  # nested, up to simplification
    seconds = travel_time_matrix(jinan, [origin])[0]
    inside = np.flatnonzero(seconds < 5 * 60)
    far = np.flatnonzero(seconds > 20 * 60)
    points_in = shapely.points(jinan.lon[inside], jinan.lat[inside])
    assert shapely.covers(five.buffer(1e-6), points_in).all()
    # a node twice the time away lies inside only when it is within the margin of a reached road
    wrongly_in = shapely.covers(ten, shapely.points(jinan.lon[far], jinan.lat[far]))
    assert wrongly_in.mean() < 0.01


def test_turnout_shrinks_the_area(jinan):
    origin = 100
    (plain,) = service_areas(jinan, origin, [8])
    (late,) = service_areas(jinan, origin, [8], turnout_s=180)
    assert late.area < plain.area
