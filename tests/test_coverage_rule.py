"""The coverage rule (``planner.coverage.rule``) on hand-made arrays with answers worked out by hand."""

from __future__ import annotations

import numpy as np

from planner.coverage import rule
from planner.model.records import ResponseStandard

FIRE_5 = ResponseStandard(id="fire-5", name="fire 5 min", capability="fire", max_min=5)
MINE_30_NATIONAL = ResponseStandard(id="mine-30", name="national mine 30 min", capability="mine_rescue", max_min=30,
                                    tiers=("national",), min_share=0.8)


def test_counted_by_capability_and_tier() -> None:
    types = ["fire", "mine_rescue", "mine_rescue", "fire"]
    tiers = ["local", "national", "provincial", "national"]
    assert rule.counted([FIRE_5, MINE_30_NATIONAL], types, tiers).tolist() == [
        [True, False, False, True],
        [False, True, False, False],
    ]


def test_in_time_at_the_limit_and_just_over() -> None:
    # Turn-out 1.1 + access 3.7 + drive 0.2 is 5 minutes, but the float sum is 5.000000000000001: in time.
    noisy = 1.1 + 3.7 + 0.2
    assert noisy > 5.0
    assert rule.in_time(np.array([5.0, noisy, 5.0 + 2e-9, 5.001]), 5.0).tolist() == [True, True, False, False]


def test_arrival_adds_turnout_access_and_drive() -> None:
    got = rule.arrival_minutes(np.array([[1.0], [2.0]]), np.array([[3.0, 4.0], [5.0, np.inf]]), np.array([[0.5], [0]]))
    assert got.tolist() == [[4.5, 5.5], [7.0, np.inf]]


def test_judge_first_second_pass_backup_and_ties() -> None:
    # 4 teams x 2 sites; rows: (site 0, fire-5), (site 1, fire-5), (site 1, mine-30).
    arrival = np.array([[5.0, 9.0],
                        [5.0, 4.0],
                        [1.0, 20.0],
                        [3.0, 6.0]])
    is_counted = rule.counted([FIRE_5, MINE_30_NATIONAL], ["fire", "fire", "mine_rescue", "fire"],
                              ["local", "local", "national", "local"])
    responding = np.array([True, True, True, False])  # team 3 is out
    verdict = rule.judge(arrival, is_counted, responding, np.array([0, 1, 1]), np.array([0, 0, 1]),
                         np.array([5.0, 30.0]), rank=np.array([1, 0, 2, 3]))
    # Row 0: teams 0 and 1 both at 5.0; rank puts team 1 first; both in time -> backup. Team 3 is out.
    assert (verdict.first[0], verdict.second[0]) == (1, 0)
    assert verdict.in_time[0].tolist() == [True, True, False, False]
    assert verdict.passed[0] and verdict.backup[0]
    # Row 1: team 1 at 4.0 in time, team 0 at 9.0 late -> passes without backup.
    assert (verdict.first[1], verdict.second[1], verdict.first_min[1], verdict.second_min[1]) == (1, 0, 4.0, 9.0)
    assert verdict.passed[1] and not verdict.backup[1]
    # Row 2: only team 2 counts (national mine team), at 20.0 -> passes, no second responder.
    assert (verdict.first[2], verdict.second[2], verdict.second_min[2]) == (2, -1, np.inf)
    assert verdict.passed[2] and not verdict.backup[2]


def test_judge_nobody_can_reach() -> None:
    verdict = rule.judge(np.array([[np.inf]]), np.array([[True]]), np.array([True]), np.array([0]), np.array([0]),
                         np.array([5.0]))
    assert (verdict.first[0], verdict.first_min[0], bool(verdict.passed[0])) == (-1, np.inf, False)
    empty = rule.judge(np.empty((0, 1)), np.empty((1, 0), bool), np.empty(0, bool), np.array([0]), np.array([0]),
                       np.array([5.0]))
    assert (empty.first[0], bool(empty.passed[0])) == (-1, False)


def test_first_arrival_and_share_met() -> None:
    times = np.array([[3.0, 1.0, 2.0], [3.0, 1.0, 2.0]])
    assert rule.first_arrival(times, np.array([[True, False, True], [False, False, False]])).tolist() == [2.0, np.inf]
    assert rule.share_met(4 / 5, 0.8) and rule.share_met(0.7 + 0.1, 0.8) and not rule.share_met(0.79, 0.8)
