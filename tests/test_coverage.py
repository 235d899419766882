"""Coverage against response standards and what-if plans, checked on a hand-made line network with
known answers, against an independent networkx brute force on the mini and Jinan scenarios, and
what-if answers against coverage recomputed from scratch on the modified scenario."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from planner.coverage.verdict import coverage, drive_minutes, service_area_features
from planner.coverage.whatif import Candidate, Plan, TeamTemplate, what_if
from planner.errors import InputError
from planner.model.records import Base, HazardSite, Jurisdiction, ResponseStandard, Team
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from tests.conftest import MINI

KM_LON = 0.0112  # about 1 km of longitude at 36.6 N


def _line_network(folder: Path) -> Path:
    """Six nodes 1 km apart, two-way at 60 km/h (1 min per km), plus a one-way 2 km shortcut 0 -> 5."""
    folder.mkdir()
    (folder / "nodes.csv").write_text("node_id,lon,lat\n" + "".join(
        f"{i},{117 + i * KM_LON:.6f},36.6\n" for i in range(6)))
    rows = ["eid,u,v,length_m,highway,maxspeed"]
    for i in range(5):
        rows += [f"{2 * i},{i},{i + 1},1000,primary,60", f"{2 * i + 1},{i + 1},{i},1000,primary,60"]
    rows.append("99,0,5,2000,primary,60")
    (folder / "edges.csv").write_text("\n".join(rows) + "\n")
    return folder


def _at(node: int) -> dict[str, float]:
    return {"lon": 117 + node * KM_LON, "lat": 36.6}


@pytest.fixture
def line(tmp_path: Path) -> Scenario:
    """A scenario on the line network with known travel times."""
    folder = _line_network(tmp_path / "line")
    j = Jurisdiction(id="J", name="Line", level="city")
    bases = [Base(id="B0", name="b0", tier="local", jurisdiction="J", **_at(0)),
             Base(id="B3", name="b3", tier="regional", jurisdiction="J", **_at(3)),
             Base(id="B5", name="b5", tier="national", jurisdiction="J", **_at(5))]
    team = dict(members=9, squads=1)
    teams = [Team(id="F0", name="f0", team_type="fire", base="B0", turnout_min=1, **team),
             Team(id="F3", name="f3", team_type="fire", base="B3", turnout_min=0.5, **team),
             Team(id="M0", name="m0", team_type="mine_rescue", base="B0", turnout_min=1, availability="drilling",
                  **team),
             Team(id="M3", name="m3", team_type="mine_rescue", base="B3", turnout_min=1, **team),
             Team(id="N5", name="n5", team_type="mine_rescue", base="B5", turnout_min=2, **team)]
    sites = [HazardSite(id="S0", name="s0", kind="urban_critical", risk_grade="orange", jurisdiction="J", **_at(0)),
             HazardSite(id="S2", name="s2", kind="coal_mine", risk_grade="yellow", jurisdiction="J", **_at(2)),
             HazardSite(id="S5", name="s5", kind="coal_mine", risk_grade="red", jurisdiction="J", **_at(5))]
    standards = [
        ResponseStandard(id="fire-5", name="fire", capability="fire", max_min=5, site_kinds=("urban_critical",)),
        ResponseStandard(id="mine-3", name="mine", capability="mine_rescue", max_min=3, site_kinds=("coal_mine",)),
        ResponseStandard(id="nat-4", name="national", capability="mine_rescue", max_min=4, site_kinds=("coal_mine",),
                         tiers=("national",), min_share=0.5),
    ]
    meta = {"network": {"kind": "csv", "path": str(folder)}, "snap_limit_m": 200, "speeds_kph": {"primary": 60}}
    return Scenario.build("line", meta, {"jurisdictions": [j], "bases": bases, "teams": teams, "sites": sites,
                                         "standards": standards})


def test_directed_drive_times_both_search_directions(line: Scenario) -> None:
    network = placement(line).network
    # one origin, two sites: forward search; two origins, one site: reversed search
    forward, how_f, n_f = drive_minutes(network, [0], [5, 0])
    backward, how_b, n_b = drive_minutes(network, [5, 0], [0])
    assert (how_f, n_f, how_b, n_b) == ("from-bases", 1, "to-sites", 1)
    assert forward[0].tolist() == pytest.approx([2.0, 0.0])  # the one-way shortcut 0 -> 5
    assert backward[:, 0].tolist() == pytest.approx([5.0, 0.0])  # no shortcut back


def test_known_answers_on_the_line(line: Scenario) -> None:
    report = coverage(line)
    s0 = report.result("S0", "fire-5")
    # a site exactly at a base passes with the turn-out only; the second responder is the backup
    assert s0.first.team == "F0" and s0.first.minutes == pytest.approx(1.0) and s0.first.drive_min == 0
    assert s0.second.team == "F3" and s0.second.minutes == pytest.approx(3.5)
    assert s0.passed and s0.backup and s0.shortfall_min == 0
    s5 = report.result("S5", "mine-3")
    assert (s5.first.team, s5.second.team) == ("N5", "M3")
    assert s5.second.minutes == pytest.approx(3.0) and s5.backup  # exactly at the limit counts
    s2 = report.result("S2", "mine-3")
    assert s2.first.team == "M3" and s2.first.minutes == pytest.approx(2.0)
    assert s2.second.team == "N5" and s2.second.minutes == pytest.approx(5.0) and not s2.backup
    assert s2.unavailable_faster == ()  # M0 (drilling) would take 3.0, not faster than 2.0
    assert [(r.tier, r.team) for r in s2.fastest_by_tier] == [("national", "N5"), ("regional", "M3")]
    # tier filter: only the national team counts; beyond max_min it fails with the right shortfall
    n2 = report.result("S2", "nat-4")
    assert n2.first.team == "N5" and not n2.passed and n2.shortfall_min == pytest.approx(1.0)
    assert report.result("S5", "nat-4").passed
    nat = report.standard("nat-4")
    assert (nat.sites, nat.passing, nat.share, nat.met) == (2, 1, 0.5, True)  # 50% needed
    assert report.standard("mine-3").met and report.standard("fire-5").met
    assert [(g.site, g.standard) for g in report.gaps] == [("S2", "nat-4")]
    assert [(e.team, e.reason) for e in report.excluded] == [("M0", "drilling")]
    with pytest.raises(KeyError):
        report.result("S0", "mine-3")  # the mine standard does not apply to an urban site


def test_min_share_above_the_passing_share_is_not_met(line: Scenario) -> None:
    stricter = [s.model_copy(update={"min_share": 0.6}) if s.id == "nat-4" else s for s in line.standards]
    report = coverage(dataclasses.replace(line, standards=tuple(stricter)))
    assert report.standard("nat-4").share == 0.5 and not report.standard("nat-4").met


def test_committed_team_is_excluded_and_reported(line: Scenario) -> None:
    report = coverage(line, out={"F0": "committed"})
    s0 = report.result("S0", "fire-5")
    assert s0.first.team == "F3" and s0.second is None and s0.passed and not s0.backup
    assert s0.unavailable_faster == ("F0",)
    assert ("F0", "committed") in [(e.team, e.reason) for e in report.excluded]
    # committing both fire teams leaves the site with no responder: infinite shortfall, first in the gaps
    none = coverage(line, out=["F0", "F3"]).result("S0", "fire-5")
    assert none.first is None and not none.passed and math.isinf(none.shortfall_min)
    with pytest.raises(InputError, match="unknown id 'nobody'"):
        coverage(line, out=["nobody"])


def test_drilling_team_faster_than_the_first_is_reported(line: Scenario) -> None:
    slow = tuple(t.model_copy(update={"turnout_min": 5.0}) if t.id == "M3" else t for t in line.teams)
    s2 = coverage(dataclasses.replace(line, teams=slow)).result("S2", "mine-3")
    assert s2.first.team == "N5" and s2.unavailable_faster == ("M0",)


def _brute_force(scenario: Scenario) -> dict[tuple[str, str], float]:
    """First-responder minutes per (site, standard): networkx Dijkstra from every team's base, no shortcuts."""
    placed = placement(scenario)
    ids = placed.network.node_id
    graph = placed.network.graph
    tiers = {b.id: b.tier for b in scenario.bases}
    from_base = {}
    for base in {t.base for t in scenario.teams}:
        from_base[base] = nx.single_source_dijkstra_path_length(graph, int(ids[placed.base_node[base]]),
                                                                 weight="travel_time_s")
    answer = {}
    for site in scenario.sites:
        target = int(ids[placed.site_node[site.id]])
        for standard in scenario.standards_for(site):
            best = math.inf
            for team in scenario.teams:
                if (team.team_type is standard.capability and team.availability.value == "available"
                        and (not standard.tiers or tiers[team.base] in standard.tiers)):
                    seconds = from_base[team.base].get(target, math.inf)
                    best = min(best, seconds / 60 + team.turnout_min)
            answer[(site.id, standard.id)] = best
    return answer


@pytest.mark.parametrize("name", ["mini", "jinan"])
def test_against_networkx_brute_force(name: str) -> None:
    scenario = read_scenario(MINI if name == "mini" else name)
    report = coverage(scenario)
    expected = _brute_force(scenario)
    assert {(r.site, r.standard) for r in report.sites} == set(expected)
    for row in report.sites:
        want = expected[(row.site, row.standard)]
        assert row.minutes == pytest.approx(want, abs=1e-6), (row.site, row.standard)
        assert row.passed == (want <= row.max_min)
    for summary in report.standards:
        rows = [r for r in report.sites if r.standard == summary.standard]
        assert summary.passing == sum(expected[(r.site, r.standard)] <= r.max_min for r in rows)


def test_jinan_gap_order_and_search_count() -> None:
    scenario = read_scenario("jinan")
    report = coverage(scenario)
    assert report.gaps, "the illustrative Jinan scenario has gaps"
    keys = [(g.risk_rank, -g.shortfall_min) for g in report.gaps]
    assert keys == sorted(keys) and report.gaps[0].risk_grade == "red"
    assert all(not g.passed and g.shortfall_min > 0 for g in report.gaps)
    assert len(report.gaps) == sum(not r.passed for r in report.sites)
    placed = placement(scenario)
    capabilities = {s.capability for s in scenario.standards}
    base_nodes = {placed.base_node[t.base] for t in scenario.teams if t.team_type in capabilities}
    site_nodes = set(placed.site_node.values())
    assert report.searches == min(len(base_nodes), len(site_nodes))


def test_shanxi_national_standard_uses_only_the_national_team() -> None:
    scenario = read_scenario("shanxi-coal")
    report = coverage(scenario)
    national = {b.id for b in scenario.bases if b.tier.value == "national"}
    rows = [r for r in report.sites if r.standard == "national-light-10h"]
    assert len(rows) == 49 and all(r.first is None or r.first.base in national for r in rows)
    assert report.standard("national-light-10h").min_share == 0.8


# ---- what-if ------------------------------------------------------------------------------------


def _same(after, scratch) -> None:
    got = {(r.site, r.standard): (r.minutes, r.passed, r.backup) for r in after.sites}
    want = {(r.site, r.standard): (r.minutes, r.passed, r.backup) for r in scratch.sites}
    assert got.keys() == want.keys()
    for key in got:
        assert got[key][0] == pytest.approx(want[key][0]) and got[key][1:] == want[key][1:], key
    assert [(s.standard, s.passing) for s in after.standards] == [(s.standard, s.passing) for s in scratch.standards]


def test_close_base_equals_scenario_without_its_teams() -> None:
    mini = read_scenario(MINI)
    result = what_if(mini, Plan(close_bases=("B2",)))
    scratch = coverage(dataclasses.replace(mini, teams=tuple(t for t in mini.teams if t.base != "B2")))
    _same(result.after, scratch)
    assert [(c.site, c.standard) for c in result.newly_failing] == [("S1", "hazchem-30")]
    change = next(c for c in result.standards if c.standard == "hazchem-30")
    assert (change.share_before, change.share_after, change.met_before, change.met_after) == (1.0, 0.0, True, False)
    assert (result.gaps_before, result.gaps_after) == (2, 3)


def test_move_team_to_base_and_to_point_equal_recomputation() -> None:
    mini = read_scenario(MINI)
    to_base = what_if(mini, Plan(move_teams={"T1": "B3"}))
    moved = tuple(t.model_copy(update={"base": "B3"}) if t.id == "T1" else t for t in mini.teams)
    _same(to_base.after, coverage(Scenario.build("mini", mini.meta, {**_records(mini), "teams": moved})))
    s1_before, s1_after = (r.result("S1", "fire-5").minutes for r in (to_base.before, to_base.after))
    s2_before, s2_after = (r.result("S2", "fire-5").minutes for r in (to_base.before, to_base.after))
    assert s1_after < s1_before and s2_after > s2_before  # nearer the refinery, farther from the station
    assert not to_base.newly_passing and not to_base.newly_failing  # both still beyond 5 min

    to_point = what_if(mini, Plan(move_teams={"T1": (116.99, 36.67)}))
    extra = Base(id="moved-T1", name="x", tier="local", jurisdiction="LX", lon=116.99, lat=36.67)
    moved = tuple(t.model_copy(update={"base": "moved-T1"}) if t.id == "T1" else t for t in mini.teams)
    records = {**_records(mini), "bases": (*mini.bases, extra), "teams": moved}
    scratch = coverage(Scenario.build("mini", mini.meta, records))
    _same(to_point.after, scratch)
    assert [(c.site, c.standard) for c in to_point.newly_passing] == [("S2", "fire-5")]


def _records(scenario: Scenario) -> dict[str, tuple]:
    kinds = ("jurisdictions", "bases", "teams", "equipment", "sites", "standards")
    return {kind: scenario.records(kind) for kind in kinds}


def test_add_bases_picks_the_best_candidate_and_matches_recomputation() -> None:
    mini = read_scenario(MINI)
    candidates = (Candidate("near-station", 116.99, 36.67), Candidate("near-refinery", 117.11, 36.69),
                  Candidate("far", 117.05, 36.62))
    template = TeamTemplate("fire", turnout_min=1.0)
    result = what_if(mini, Plan(add_k=1, candidates=candidates, template=template))
    assert result.selection.status == "optimal" and result.selection.chosen == ("near-refinery",)

    # brute force: add each candidate alone and weigh the fire-5 sites it makes pass (red 8, orange 4)
    def weight_with(candidate: Candidate) -> float:
        base = Base(id="x", name="x", tier="local", jurisdiction="LX", lon=candidate.lon, lat=candidate.lat)
        team = Team(id="xt", name="x", team_type="fire", base="x", members=9, squads=1, turnout_min=1.0)
        report = coverage(dataclasses.replace(mini, bases=(*mini.bases, base), teams=(*mini.teams, team)))
        return sum({"red": 8, "orange": 4}[r.risk_grade] for r in report.sites if r.standard == "fire-5" and r.passed)

    weights = {c.id: weight_with(c) for c in candidates}
    assert weights["near-refinery"] == max(weights.values()) == result.selection.objective

    added = result.added_bases[0]
    base = Base(id=added["id"], name="x", tier="local", jurisdiction="LX", lon=added["lon"], lat=added["lat"])
    team = Team(id=added["team"], name="x", team_type="fire", base=added["id"], members=9, squads=1, turnout_min=1.0)
    _same(result.after, coverage(dataclasses.replace(mini, bases=(*mini.bases, base), teams=(*mini.teams, team))))
    assert ("S1", "fire-5") in [(c.site, c.standard) for c in result.newly_passing]


def test_add_two_bases_on_shanxi_improves_the_mine_standard() -> None:
    shanxi = read_scenario("shanxi-coal")
    candidates = tuple(Candidate(s.id, s.lon, s.lat) for s in shanxi.sites)
    result = what_if(shanxi, Plan(add_k=2, candidates=candidates, template=TeamTemplate("mine_rescue", turnout_min=1)))
    change = next(c for c in result.standards if c.standard == "mine-30")
    assert result.selection.status == "optimal" and len(result.added_bases) == 2
    assert change.passing_after >= change.passing_before + 2 and result.gaps_after < result.gaps_before
    assert not result.newly_failing


def test_what_if_rejects_unknown_ids_and_bad_plans() -> None:
    mini = read_scenario(MINI)
    with pytest.raises(InputError, match="unknown id 'B9'"):
        what_if(mini, Plan(close_bases=("B9",)))
    with pytest.raises(InputError, match="unknown id 'T9'"):
        what_if(mini, Plan(move_teams={"T9": "B1"}))
    with pytest.raises(InputError, match="unknown id 'B9'"):
        what_if(mini, Plan(move_teams={"T1": "B9"}))
    with pytest.raises(InputError, match="only 1 candidate"):
        what_if(mini, Plan(add_k=2, candidates=(Candidate("a", 117.0, 36.7),), template=TeamTemplate("fire")))
    with pytest.raises(InputError, match="no standard"):
        what_if(mini, Plan(add_k=1, candidates=(Candidate("a", 117.0, 36.7),), template=TeamTemplate("tunnel")))
    with pytest.raises(InputError, match="from the nearest road"):
        what_if(mini, Plan(add_k=1, candidates=(Candidate("sea", 122.0, 30.0),), template=TeamTemplate("fire")))
    with pytest.raises(InputError, match="team type"):
        TeamTemplate("laser")


def test_service_areas_contain_the_sites_that_pass() -> None:
    mini = read_scenario(MINI)
    areas = service_area_features(mini, "hazchem-30")
    assert len(areas["features"]) == 1 and areas["features"][0]["properties"]["teams"] == ["T2"]  # T3 is drilling
    shape = shapely.geometry.shape(areas["features"][0]["geometry"])
    placed = placement(mini)
    node = placed.site_node["S1"]
    assert shape.buffer(1e-3).contains(shapely.Point(placed.network.lon[node], placed.network.lat[node]))
    fire = shapely.geometry.shape(service_area_features(mini, "fire-5")["features"][0]["geometry"])
    node = placed.site_node["S2"]  # fails fire-5 at 11.5 min: outside the 5-minute area
    assert not fire.contains(shapely.Point(placed.network.lon[node], placed.network.lat[node]))
    with pytest.raises(InputError, match="unknown id"):
        service_area_features(mini, "nope")


def test_report_is_json_able() -> None:
    report = coverage(read_scenario(MINI), out=["T1"]).to_dict()
    text = json.dumps(report, allow_nan=False)
    assert '"shortfall_min": null' in text  # no fire team left: unreachable is null, not Infinity
    assert np.isclose(report["standards"][1]["share"], 1.0)
