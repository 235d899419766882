"""Where k new mine-rescue bases go on the shipped Shanxi scenario: the exact p-median of the what-if.

The candidates are every town of the scenario's network and every mine; the existing bases stay. The
choice is checked against coverage recomputed from scratch (``coverage`` on the scenario with the
base added, a path that builds no cost matrix): by enumeration of every candidate for one new base,
and for three new bases the reported objective equals what the after-coverage shows.
"""

from __future__ import annotations

import dataclasses

import pytest

from planner.coverage.verdict import CoverageReport, coverage
from planner.coverage.whatif import RISK_WEIGHTS, Candidate, Plan, TeamTemplate, scenario_candidates, what_if
from planner.errors import InputError
from planner.model.records import Base, Team
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario

TEMPLATE = TeamTemplate("mine_rescue", turnout_min=5.0)


@pytest.fixture(scope="module")
def shanxi() -> Scenario:
    return read_scenario("shanxi-coal")


def _weighted_arrival(report: CoverageReport) -> float:
    """Risk-weighted first-team arrival as a share of the standard, over the standards a local team counts for."""
    local = {s.standard for s in report.standards if not s.tiers or "local" in s.tiers}
    return sum(RISK_WEIGHTS[r.risk_grade] * r.minutes / r.max_min for r in report.sites if r.standard in local)


def _with_base(scenario: Scenario, candidate: Candidate) -> Scenario:
    base = Base(id="x", name="x", tier="local", jurisdiction="shanxi", lon=candidate.lon, lat=candidate.lat)
    team = Team(id="xt", name="x", team_type="mine_rescue", base="x", members=9, squads=1, turnout_min=5.0)
    return dataclasses.replace(scenario, bases=(*scenario.bases, base), teams=(*scenario.teams, team))


def test_every_town_and_mine_are_the_candidates(shanxi: Scenario) -> None:
    candidates = scenario_candidates(shanxi)
    towns = [c for c in candidates if c.id.startswith("town-")]
    assert len(towns) == len(shanxi.meta["network"]["waypoints"]) == 13
    assert "town-taiyuan" in {c.id for c in towns}
    assert [c.id for c in candidates if not c.id.startswith("town-")] == [s.id for s in shanxi.sites]


def test_one_new_base_is_the_best_of_every_candidate_recomputed(shanxi: Scenario) -> None:
    candidates = scenario_candidates(shanxi)
    result = what_if(shanxi, Plan(add_k=1, candidates=candidates, template=TEMPLATE, model="p-median"))
    selection = result.selection
    assert selection is not None and selection.model == "p-median" and selection.status == "optimal"
    assert selection.objective_before == pytest.approx(_weighted_arrival(coverage(shanxi)))
    recomputed = {c.id: _weighted_arrival(coverage(_with_base(shanxi, c))) for c in candidates}
    best = min(recomputed.values())
    assert selection.objective == pytest.approx(best, rel=1e-9)
    assert recomputed[selection.chosen[0]] == pytest.approx(best, rel=1e-9)
    assert selection.bound is not None and selection.bound <= best + 1e-9


def test_three_new_bases_keep_the_existing_ones_and_lower_the_arrival(shanxi: Scenario) -> None:
    candidates = scenario_candidates(shanxi)
    result = what_if(shanxi, Plan(add_k=3, candidates=candidates, template=TEMPLATE, model="p-median"))
    selection = result.selection
    assert selection is not None and selection.status == "optimal" and len(selection.chosen) == 3
    assert {b.id for b in shanxi.bases} < {b.id for b in result.modified.bases}
    assert selection.objective == pytest.approx(_weighted_arrival(result.after), rel=1e-9)
    assert selection.objective < selection.objective_before
    assert not result.newly_failing
    # No single new base does as well as the three together.
    one = what_if(shanxi, Plan(add_k=1, candidates=candidates, template=TEMPLATE, model="p-median"))
    assert one.selection is not None and selection.objective < one.selection.objective


def test_unknown_siting_model_is_refused(shanxi: Scenario) -> None:
    with pytest.raises(InputError, match="model 'median'") as caught:
        what_if(shanxi, Plan(add_k=1, candidates=scenario_candidates(shanxi), template=TEMPLATE, model="median"))
    assert caught.value.field == "model"
