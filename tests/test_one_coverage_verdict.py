"""One coverage verdict: every caller that asks "does this site meet its standard?" gives the same answer.

On each shipped scenario (jinan, shanxi-coal) the reference is :func:`planner.coverage.verdict.coverage`
(whose rule lives in :mod:`planner.coverage.rule`); the six callers are asked through their own entry
points and must agree on every (site, standard) pair and so on every site:

1. the coverage page's API (``GET /api/v1/scenarios/NAME/coverage``) and the CLI (``python -m planner
   coverage --json``), as a user runs them;
2. the gap list of both: exactly the failing pairs;
3. what-if (``POST .../coverage/whatif`` with an empty plan): before and after;
4. the drill programme's on-duty coverage: the pairs it keeps covered are the passing ones, and its
   covering teams are exactly the teams whose absence makes the pair fail;
5. the sweep's chunk function and summary, on the *equal-input case*: a sweep normally draws noise on
   turn-out and drive, time-of-day factors and busy teams; with all of them off (coefficients of
   variation 0, busy share 0, a time of day no template names, so factor 1) one incident per site is
   within standard exactly when the site passes;
6. the posture optimiser, on the *equal-input case*: with no warning the posture is the scenario itself,
   and doing nothing covers exactly the passing pairs; under a real warning its "current" and "do
   nothing" figures are the verdicts on the everyday and the raised-readiness postures, and the
   optimiser's covered weight equals the verdict on the posture it chose.

Where a caller's input legitimately differs (teams away on a drill, a warning's faster turn-out, moved
teams), the test builds the equal-input case rather than comparing different questions.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from planner.cli import main
from planner.coverage.verdict import CoverageReport, coverage
from planner.drills.programme_cover import on_duty_coverage
from planner.posture.optimiser import stay_home
from planner.posture.prepositioning import build_problem, plan_posture
from planner.posture.readiness import apply_readiness
from planner.posture.risk import apply_raises
from planner.posture.rules import PostureSettings
from planner.posture.settings import posture_inputs
from planner.posture.warnings import warning_from_dict
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.store.settings import read_folder
from planner.sweep.engine import SweepSettings, evaluate_chunk, summarise, sweep_model

SCENARIOS = ("jinan", "shanxi-coal")
Verdict = dict[tuple[str, str], bool]


@pytest.fixture(scope="module", params=SCENARIOS)
def shipped(request: pytest.FixtureRequest) -> tuple[Scenario, CoverageReport]:
    """A shipped scenario read from its folder, with the reference verdict."""
    scenario = read_scenario(request.param)
    return scenario, coverage(scenario)


def verdict_of(rows: list[dict[str, Any]]) -> Verdict:
    """(site, standard) -> passed, from JSON rows."""
    return {(r["site"], r["standard"]): bool(r["passed"]) for r in rows}


def reference(report: CoverageReport) -> Verdict:
    """(site, standard) -> passed of the reference report; it must have both outcomes to be a real check."""
    answer = {(r.site, r.standard): r.passed for r in report.sites}
    assert any(answer.values()) and not all(answer.values())
    return answer


def sites_of(verdict: Verdict) -> dict[str, bool]:
    """Site -> whether it meets every standard that applies to it."""
    out: dict[str, bool] = {}
    for (site, _), passed in verdict.items():
        out[site] = out.get(site, True) and passed
    return out


def test_coverage_api_cli_gap_list_and_what_if_agree(shipped: tuple[Scenario, CoverageReport], app: Any,
                                                     auth: Any, cli_env: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    scenario, report = shipped
    expected = reference(report)
    app.extensions["planner_store"].save_scenario(scenario)
    auth.login("planner")
    web = auth.client
    page = web.get(f"/api/v1/scenarios/{scenario.name}/coverage").get_json()
    assert verdict_of(page["sites"]) == expected
    assert sites_of(verdict_of(page["sites"])) == sites_of(expected)
    failing = {pair for pair, passed in expected.items() if not passed}
    assert {(g["site"], g["standard"]) for g in page["gaps"]} == failing and len(page["gaps"]) == len(failing)

    assert main(["coverage", "--scenario", scenario.name, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert verdict_of(cli["sites"]) == expected
    assert {(g["site"], g["standard"]) for g in cli["gaps"]} == failing

    whatif = web.post(f"/api/v1/scenarios/{scenario.name}/coverage/whatif", json={}).get_json()
    assert verdict_of(whatif["before"]["sites"]) == expected and verdict_of(whatif["after"]["sites"]) == expected
    assert whatif["gaps_before"] == whatif["gaps_after"] == len(failing)
    assert not whatif["newly_passing"] and not whatif["newly_failing"]


def test_drill_programme_keeps_exactly_the_passing_pairs(shipped: tuple[Scenario, CoverageReport]) -> None:
    scenario, report = shipped
    expected = reference(report)
    kept = on_duty_coverage(scenario)
    assert {(g.site, g.standard): True for g in kept.groups} | {gap: False for gap in kept.gaps} == expected
    # Teams away on a drill are the programme's different input: with every covering team of a pair away
    # the verdict fails that pair, with all but one of them away it still passes (checked on a sample).
    for group in kept.groups[:: max(1, len(kept.groups) // 8)]:
        assert not coverage(scenario, out=group.teams).result(group.site, group.standard).passed
        stays = min(group.teams)
        assert coverage(scenario, out=group.teams - {stays}).result(group.site, group.standard).passed


def test_sweep_without_noise_is_within_standard_exactly_where_the_site_passes(
        shipped: tuple[Scenario, CoverageReport]) -> None:
    scenario, report = shipped
    expected = reference(report)
    settings = SweepSettings(time_of_day={"baseline": 1.0}, notification_cv=0.0, turnout_cv=0.0, travel_cv=0.0,
                             busy_share=0.0)
    model = sweep_model(scenario, settings=settings)
    assert np.all(model.tod_turnout == 1.0) and np.all(model.tod_travel == 1.0)
    n = len(model.site_ids)
    site = np.arange(n, dtype=np.int32)
    template = np.array([(model.site_templates[j] or (0,))[0] for j in range(n)], dtype=np.int16)
    tod = np.zeros(n, dtype=np.int8)
    records = evaluate_chunk(model, 0, 0, site, template, tod, seed=0)
    summary = summarise(model, site, template, tod, records)
    swept = {(row["site"], standard): figures["share_within"] == 1.0
             for row in summary["sites"] for standard, figures in row["standards"].items()}
    shares = [figures["share_within"] for row in summary["sites"] for figures in row["standards"].values()]
    assert set(shares) == {0.0, 1.0}
    assert swept == expected
    minutes = {(r.site, r.standard): r.minutes for r in report.sites}
    for j, site_id in enumerate(model.site_ids):
        for k in model.site_standards[j]:
            assert records.standard_min[j, k] == pytest.approx(minutes[(site_id, model.standards[k])], abs=1e-4)


def test_posture_with_no_warning_does_nothing_exactly_where_the_sites_pass(
        shipped: tuple[Scenario, CoverageReport]) -> None:
    scenario, report = shipped
    expected = reference(report)
    problem, _, _ = build_problem(scenario, scenario, report, (), PostureSettings())
    covered = set().union(*(problem.options[k].covers for k in stay_home(problem).choice.values()))
    assert {(r.site, r.standard): i in covered for i, r in enumerate(report.sites)} == expected


WARNINGS = {
    "jinan": {"id": "w", "event": "暴雨红色预警", "level": "red", "onset": "2026-07-20T06:00:00+08:00",
              "expires": "2026-07-20T20:00:00+08:00", "area": {"regions": ["licheng", "zhangqiu"]}},
    "shanxi-coal": {"id": "w", "event": "暴雨红色预警", "level": "red", "onset": "2026-07-20T06:00:00+08:00",
                    "expires": "2026-07-20T20:00:00+08:00",
                    "area": {"regions": ["changzhi", "jincheng", "taiyuan"]}},
}


def test_posture_figures_are_the_verdicts_of_their_postures(shipped: tuple[Scenario, CoverageReport]) -> None:
    scenario, _ = shipped
    now = dt.datetime.fromisoformat("2026-07-20T06:30:00+08:00")
    inputs = posture_inputs(read_folder(scenario.name)[1], scenario)
    report = plan_posture(scenario, [warning_from_dict(WARNINGS[scenario.name], now=now)], rules=inputs.rules,
                          staging=inputs.staging, calendar=inputs.calendar, max_moves=3, time_limit_s=10)
    raised = apply_raises(scenario, report.site_raises)
    everyday = coverage(raised, reference=scenario)
    readied = coverage(apply_readiness(raised, report.team_raises), reference=scenario)
    assert report.figure("current").passing == sum(r.passed for r in everyday.sites)
    assert report.figure("do_nothing").passing == sum(r.passed for r in readied.sites)
    assert verdict_of([vars(r) for r in report.before.sites]) == verdict_of([vars(r) for r in readied.sites])
    changed = {(a.site, a.standard) for a, b in zip(everyday.sites, readied.sites, strict=True) if a.passed != b.passed}
    assert {(c.site, c.standard) for c in report.readiness_changes} == changed
    # The optimiser's own count of what its moves cover equals the verdict on the moved posture (a
    # disagreement would be reported in the notes).
    assert not [n for n in report.notes if "the optimiser counted" in n]
    assert report.figure("optimised").passing == sum(r.passed for r in report.after.sites)
