"""Warnings with an area propose closures (road rules as data); the proposal is a closure set that applies.

The proposal is checked against what the rules and the alert say (the area of the alert, the factor of
the first rule that answers it), and applying it is checked against networkx's Dijkstra on weights the
test computes from the roads the area touches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely
import shapely.geometry

from geodata.closures import Closure as GeoClosure
from geodata.closures import closure_edges, parse_geometry
from geodata.matrix import travel_time_matrix
from planner.errors import InputError
from planner.posture.cap import parse_cap
from planner.posture.closures import RoadRule, propose_closures
from planner.posture.prepositioning import plan_posture
from planner.posture.rules import parse_rules
from planner.posture.settings import posture_inputs
from planner.posture.warnings import warning_from_dict
from planner.roads.closures import check_closures, with_set
from planner.roads.conditions import travel_network
from planner.scenario.network import placement
from planner.store.settings import read_folder

CAP = Path(__file__).resolve().parent / "fixtures" / "cap" / "red-rainstorm-licheng.xml"
NOW = dt.datetime(2026, 7, 20, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(scope="module")
def jinan():
    return read_folder("jinan")


@pytest.fixture(scope="module")
def rainstorm():
    return parse_cap(CAP.read_text(encoding="utf-8"), now=NOW)


def test_a_red_rainstorm_proposes_its_area_at_the_rules_factor(jinan, rainstorm):
    scenario, documents = jinan
    rules = posture_inputs(documents, scenario).rules.roads
    proposal = propose_closures(scenario, rainstorm, rules)
    assert proposal is not None and proposal.name == "warning-20260720-0600"
    assert len(rainstorm) == 2 and len(proposal.closures) == 1  # the alert's two languages share one area
    (closure,) = proposal.closures
    assert closure.speed_factor == 0.5  # jinan's rule for a red rainstorm: half speed, not closed
    assert "red rainstorm" in closure.label and "[U]" in proposal.source
    area = shapely.geometry.shape(closure.geometry)
    ring = rainstorm[0].areas[0].polygons[0]
    alert = shapely.Polygon(ring)
    assert alert.difference(area).area < 1e-6 * alert.area  # the alert's own polygon (with its district), to 1e-6 deg
    # the stored closures document accepts it as it is (checked on the network, as an edit would be)
    check_closures(with_set(documents, proposal), scenario, "closures")


def test_applying_the_proposal_slows_the_roads_of_the_area_only(jinan, rainstorm):
    scenario, documents = jinan
    proposal = propose_closures(scenario, rainstorm, posture_inputs(documents, scenario).rules.roads)
    placed = placement(scenario)
    network = placed.network
    touched = closure_edges(network, GeoClosure("a", parse_geometry(proposal.closures[0].geometry)))
    roads = travel_network(scenario, {**documents, "closures": with_set(documents, proposal)}, closures=proposal.name)
    assert roads.closed_edges.size == 0 and np.array_equal(roads.slowed_edges, touched)
    assert roads.describe()["closures"][0]["speed_factor"] == 0.5
    # the test's own weights: the touched roads at half their free-flow speed, in whole milliseconds
    milliseconds = network.travel_time_ms.copy()
    milliseconds[touched] = np.maximum(np.round(network.length_m[touched] / (network.speed_kph[touched] / 3.6)
                                                / 0.5 * 1000.0), 1.0)
    graph = nx.DiGraph()
    for u, v, w, usable in zip(network.edge_u, network.edge_v, milliseconds, network.open_edges, strict=True):
        if usable and (not graph.has_edge(int(u), int(v)) or graph[int(u)][int(v)]["w"] > w):
            graph.add_edge(int(u), int(v), w=float(w))
    base = placed.base_node[scenario.bases[0].id]
    lengths = nx.single_source_dijkstra_path_length(graph, base, weight="w")
    sites = [placed.site_node[s.id] for s in scenario.sites]
    got = travel_time_matrix(roads.network, [base], sites, engine="csgraph")[0]
    assert np.array_equal(np.round(got * 1000.0), [lengths.get(s, np.inf) for s in sites])
    free = travel_time_matrix(network, [base], sites, engine="csgraph")[0]
    assert (got >= free).all() and (got > free).any()


def test_no_rule_and_no_road_propose_nothing(jinan, rainstorm):
    scenario, _ = jinan
    heat = [warning_from_dict({"id": "h", "event": "高温红色预警 heat red", "level": "red",
                               "onset": "2026-07-20T06:00:00+08:00",
                               "area": {"regions": ["licheng"], "description": "Licheng"}}, now=NOW)]
    rules = [RoadRule(name="floods close roads", hazards=frozenset({"flood"}))]
    assert propose_closures(scenario, heat, rules) is None  # no rule answers a heat warning
    far = [warning_from_dict({"id": "f", "event": "洪水红色预警 flood red", "level": "red",
                              "onset": "2026-07-20T06:00:00+08:00",
                              "area": {"description": "far away",
                                       "polygon": [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]}},
                             now=NOW)]
    assert propose_closures(scenario, far, rules) is None  # its area touches no road of the network


def test_the_posture_report_carries_the_proposal_unapplied(jinan, rainstorm):
    scenario, documents = jinan
    inputs = posture_inputs(documents, scenario)
    report = plan_posture(scenario, rainstorm, rules=inputs.rules, staging=inputs.staging, calendar=inputs.calendar,
                          at=NOW, time_limit_s=5)
    assert report.roads is None  # proposed, not applied
    assert report.proposed_closures is not None
    assert report.proposed_closures["closures"][0]["speed_factor"] == 0.5
    assert report.to_dict()["proposed_closures"]["name"] == "warning-20260720-0600"


def test_bad_road_rules_are_refused_naming_the_field():
    with pytest.raises(InputError, match="speed_factor") as error:
        parse_rules({"road_rules": [{"name": "x", "speed_factor": 0}]})
    assert "road_rules" in str(error.value)
    with pytest.raises(InputError, match="hazards"):
        parse_rules({"road_rules": [{"name": "x", "hazards": ["meteor"]}]})
