"""Simulation: a hand-computable deterministic case, reproducibility, R-TEAM-MINE entry, drill design."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from planner.drills.design import design_drill, shift_design
from planner.drills.sim_case import build_case
from planner.drills.simulate import RoadChange, SimCase, SimSettings, SimUnit, monte_carlo, simulate_once
from planner.scenario.files import read_scenario
from planner.scenario.library import load_library

LIBRARY = load_library()


def _case() -> SimCase:
    units = (
        SimUnit("far", {"mine_rescue_squad": 3}, turnout_min=1.0, travel_min=40.0),
        SimUnit("near", {"mine_rescue_squad": 1}, turnout_min=2.0, travel_min=10.0),
        SimUnit("mid", {"mine_rescue_squad": 1}, turnout_min=1.0, travel_min=20.0),
        SimUnit("pumps", {"drainage": 2}, turnout_min=10.0, travel_min=50.0),
        SimUnit("rig", {"drilling_squad": 1}, turnout_min=30.0, travel_min=90.0),
    )
    return SimCase(LIBRARY["mine-flooding"], "m1", units)


def test_deterministic_first_arrival_is_exact() -> None:
    run = simulate_once(_case(), None, SimSettings(notification_min=2.0, deterministic=True))
    # Nearest mine-rescue units: near (2 + 10 = 12) then mid (1 + 20 = 21) make the 2 squads of T+0.
    assert run.times["first_arrival"] == pytest.approx(2.0 + 2.0 + 10.0)
    assert run.times["assembled:mine_rescue_squad:2"] == pytest.approx(2.0 + 1.0 + 20.0)
    # R-TEAM-MINE: the entry waits for the committed and the standby squad.
    assert run.times["entry"] == pytest.approx(23.0)
    assert run.times["first:drainage"] == pytest.approx(2.0 + 10.0 + 50.0)
    assert run.times["tasks_done"] == pytest.approx(23.0 + 60.0 + 120.0)
    assert not run.escalated
    assert [e for e in run.timeline if e[1] == "dispatched"][0][0] == 2.0


def test_same_seed_same_result_and_different_seed_differs() -> None:
    a = monte_carlo(_case(), 200, seed=42)
    b = monte_carlo(_case(), 200, seed=42)
    c = monte_carlo(_case(), 200, seed=43)
    assert a.metrics.keys() == b.metrics.keys()
    for key in a.metrics:
        np.testing.assert_array_equal(a.metrics[key], b.metrics[key])
    assert a.to_dict()["metrics"] == b.to_dict()["metrics"]
    assert not np.array_equal(a.metrics["first_arrival"], c.metrics["first_arrival"])
    assert 0 < a.escalated_share < 1  # the flooding template escalates with probability 0.3


def test_percentiles_and_weather_slow_travel() -> None:
    dry = monte_carlo(_case(), 300, seed=1)
    wet = monte_carlo(_case(), 300, seed=1, settings=SimSettings(weather="rain"))
    assert dry.percentile("first_arrival", 90) >= dry.percentile("first_arrival", 50)
    assert wet.percentile("first_arrival", 50) > dry.percentile("first_arrival", 50)


def test_shanxi_mine_flooding_runs() -> None:
    case = build_case(read_scenario("shanxi-coal"), LIBRARY["mine-flooding"], "mine-M0335")
    summary = monte_carlo(case, 100, seed=0)
    assert summary.to_dict()["metrics"]["first_arrival"]["share"] == 1.0
    assert np.all(summary.metrics["entry"] >= summary.metrics["first_arrival"])


def test_design_dispatch_msel_and_shift() -> None:
    design = design_drill(read_scenario("shanxi-coal"), LIBRARY["mine-flooding"], "mine-M0335",
                          start=dt.datetime(2026, 4, 8, 9, 0))
    assert design.participants and design.expected[0].capabilities.get("mine_rescue_squad", 0) >= 1
    assert any("30 min" in o.text for o in design.objectives)
    assert design.msel[0].time == dt.datetime(2026, 4, 8, 9, 0)
    assert all(r.expected_actions for r in design.msel)
    moved = shift_design(design, dt.timedelta(days=2, hours=1))
    before = [b.time - a.time for a, b in zip(design.msel, design.msel[1:], strict=False)]
    after = [b.time - a.time for a, b in zip(moved.msel, moved.msel[1:], strict=False)]
    assert before == after and moved.start == dt.datetime(2026, 4, 10, 10, 0)


def test_a_road_change_holds_for_teams_departing_after_it() -> None:
    """A bridge closed at minute 2.5: near (ordered at 2, departs at 4) drives the closed roads, 2 + 2 + 30."""
    closed = RoadChange(2.5, {"near": 30.0}, "bridge")
    case = replace(_case(), changes=(closed,))
    run = simulate_once(case, None, SimSettings(notification_min=2.0, deterministic=True))
    # Ordered at 2 on the open roads: near (12) and mid (21) are chosen; near departs at 4, after the closure.
    assert run.times["first_arrival"] == pytest.approx(2.0 + 1.0 + 20.0)  # mid, untouched
    arrived = {who: t for t, what, who in run.timeline if what == "arrived"}
    assert arrived["near"] == pytest.approx(2.0 + 2.0 + 30.0)
    assert (2.5, "roads changed", "bridge") in run.timeline
    # A team that departs before the change keeps its route: the same closure at minute 5 leaves near at 14.
    later = simulate_once(replace(case, changes=(RoadChange(5.0, {"near": 30.0}),)), None,
                          SimSettings(notification_min=2.0, deterministic=True))
    assert later.times["first_arrival"] == pytest.approx(2.0 + 2.0 + 10.0)


def test_a_road_change_before_the_order_changes_who_is_sent_and_can_cut_a_team_off() -> None:
    # Closed from minute 1, before the order at 2: by turn-out + travel then, mid (1 + 20 = 21) and near
    # (2 + 30 = 32) make the two squads of T+0; far (1 + 40 = 41) is not sent.
    early = simulate_once(replace(_case(), changes=(RoadChange(1.0, {"near": 30.0}),)), None,
                          SimSettings(notification_min=2.0, deterministic=True))
    sent = {who for _, what, who in early.timeline if what == "dispatched"}
    assert {"mid", "near"} <= sent and "far" not in sent
    # Near cut off from minute 1: far (3 squads) is sent in its place; two squads stand at its arrival.
    cut = simulate_once(replace(_case(), changes=(RoadChange(1.0, {"near": np.inf}),)), None,
                        SimSettings(notification_min=2.0, deterministic=True))
    sent = {who for _, what, who in cut.timeline if what == "dispatched"}
    assert "near" not in sent and "far" in sent
    assert cut.times["assembled:mine_rescue_squad:2"] == pytest.approx(2.0 + 1.0 + 40.0)
    # Cut off after being ordered (closure at 3, near departs at 4): it never arrives.
    late = simulate_once(replace(_case(), changes=(RoadChange(3.0, {"near": np.inf}),)), None,
                         SimSettings(notification_min=2.0, deterministic=True))
    assert (4.0, "cut off", "near") in late.timeline
    assert "near" not in {who for _, what, who in late.timeline if what == "arrived"}
