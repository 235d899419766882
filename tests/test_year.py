"""The year model against queueing theory and Little's law, on the shipped scenarios, and its interfaces.

The theory tests build the model by hand (one base, one site, zero travel, exponential on-scene time:
the M/M/c queue) and check the simulated figures against the closed forms within the replications'
95 % interval. Horizons and replication counts are small so ``make test`` stays quick; bench/year.py
runs the full-size year.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from planner.cli import main
from planner.drills.programme import schedule_programme
from planner.drills.settings import drill_calendar, plan_set
from planner.errors import InputError
from planner.jobs.registry import JOB_KINDS, parse_params
from planner.scenario.library import load_library
from planner.sharing import Agreement, RateCard
from planner.store.settings import read_folder
from planner.year.engine import draw_arrivals, simulate
from planner.year.model import IncidentClass, YearModel, YearRun
from planner.year.parameters import YearParameters
from planner.year.policies import nearest_units
from planner.year.rates import parse_rates
from planner.year.results import contains, interval
from planner.year.run import run_year
from planner.year.service import build_model, holds_for, year_report
from tests.browser import screenshot_path
from tests.conftest import browser_login, jinan_folder
from tests.sweep_checks import pool_killer

MINUTES_PER_YEAR = 365 * 24 * 60


def queue_model(servers: int, rate_per_min: float, mean_service_min: float, *, regions: tuple[str, str] = ("A", "A"),
                agreements: tuple[Agreement, ...] = (), drive_min: float = 0.0, on_scene: str = "exponential",
                noise: float = 0.0) -> YearModel:
    """``servers`` identical units at one base, one incident site ``drive_min`` away, one unit per incident."""
    units = servers
    drive = np.array([[0.0, drive_min], [drive_min, 0.0]])
    arrival = np.full((1, 1, units), drive_min)
    return YearModel(
        scenario="queue", unit_ids=tuple(f"u{j}" for j in range(units)), unit_types=("fire",) * units,
        unit_region=(regions[0],) * units, unit_people=np.full(units, 4), unit_home=np.zeros(units, dtype=np.int64),
        turnout_min=np.zeros(units), capabilities=("squad",), capability_qty=np.ones((units, 1), dtype=np.int64),
        place_ids=("base", "site"), place_region=regions, n_stations=1, drive_min=drive,
        source_ids=("site",), source_place=np.array([1]), source_rate_per_min=np.array([rate_per_min]),
        source_classes=((0,),), source_standards=((0,),),
        classes=(IncidentClass("call", ((0, 1, 30.0),), (), mean_service_min),),
        standard_ids=("s10",), standard_max_min=np.array([10.0]), standard_min_share=np.array([0.9]),
        standard_counted=np.ones((1, units), dtype=bool), row_place=np.array([1]), row_standard=np.array([0]),
        row_weight=np.array([1.0]), station_cover_min=np.where(arrival <= 10.0, arrival, np.inf),
        on_scene=on_scene, on_scene_cv=0.5, notification_min=0.0, notification_cv=0.0, turnout_cv=noise,
        travel_cv=noise, agreements=agreements)


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in M/M/c (offered load ``lambda / mu`` < ``servers``)."""
    top = offered**servers / math.factorial(servers) / (1 - offered / servers)
    return top / (sum(offered**k / math.factorial(k) for k in range(servers)) + top)


@pytest.mark.parametrize("utilisation", [0.5, 0.9])
def test_mmc_waiting_probability_and_mean_wait_match_erlang_c(utilisation: float) -> None:
    servers, mean_service = 3, 60.0
    rate = utilisation * servers / mean_service
    model = queue_model(servers, rate, mean_service)
    result = run_year(model, YearRun(days=30, warmup_days=3), replications=16, seed=7)
    waits = result.summary["queue"]
    p_wait = erlang_c(servers, rate * mean_service)
    mean_wait = p_wait / (servers / mean_service - rate)
    assert contains(waits["waited_share"], p_wait), (waits["waited_share"], p_wait)
    assert contains(waits["wait_min"], mean_wait), (waits["wait_min"], mean_wait)
    # the intervals say something: the waiting share's within +-5 points, the mean wait's within +-50 %
    assert waits["waited_share"]["ci95"][1] - waits["waited_share"]["ci95"][0] < 0.1
    low, high = waits["wait_min"]["ci95"]
    assert high - low < mean_wait


def test_mm_infinity_busy_count_is_poisson() -> None:
    offered, mean_service = 6.0, 120.0
    model = queue_model(25, offered / mean_service, mean_service)
    result = run_year(model, YearRun(days=20, warmup_days=1), replications=10, seed=3)
    assert contains(result.summary["little"]["busy_units"], offered)
    share = result.records.busy_share  # replications x (units + 1): time share with k units busy
    k = np.arange(share.shape[1])
    variance = (share * k**2).sum(axis=1) - (share * k).sum(axis=1) ** 2
    assert contains(interval(variance), offered)  # Poisson: variance = mean
    pooled = share.mean(axis=0)
    assert 0.5 * np.abs(pooled - stats.poisson.pmf(k, offered)).sum() < 0.03  # total variation distance
    assert result.summary["queue"]["waited_share"]["mean"] == 0.0  # nobody ever waits with 25 units


@pytest.mark.parametrize("name", ["jinan", "shanxi-coal"])
def test_littles_law_holds_on_the_shipped_scenarios(name: str) -> None:
    scenario, documents = read_folder(name)
    model = build_model(scenario, documents)
    days = 12 if name == "jinan" else 365
    result = run_year(model, YearRun(days=days, warmup_days=2), replications=8, seed=11)
    little = result.summary["little"]
    assert little["busy_units"]["mean"] > 0
    busy = result.records.busy_mean
    rate_times_w = result.records.expected_incidents / result.records.counted_min * \
        result.records.busy_per_incident_min
    assert contains(interval(busy - rate_times_w), 0.0), (little, interval(busy - rate_times_w))
    counted = result.summary["incidents"]
    assert contains(counted, result.summary["expected_incidents"])  # the arrival process has its rate


def test_shipped_rates_give_jinan_a_year_of_ten_to_thirty_thousand_incidents() -> None:
    scenario, documents = read_folder("jinan")
    model = build_model(scenario, documents)
    assert 10_000 <= model.expected_incidents(0, MINUTES_PER_YEAR) <= 30_000
    assert len(model.source_ids) > len(scenario.sites)  # hazard sites and the districts' road points


def test_a_higher_rate_scale_has_the_same_incidents_and_more() -> None:
    model = queue_model(2, 0.01, 30.0)
    run = YearRun(days=10)
    low = draw_arrivals(model, run, 0, 5)
    high = draw_arrivals(model, replace(run, rate_scale=2.5), 0, 5)

    def incidents(drawn):
        return {(round(float(t), 9), int(k), int(p), round(float(f), 9)) for t, k, p, f in zip(
            drawn.times, drawn.layer, drawn.point, drawn.scene_f, strict=True)}

    assert incidents(low) <= incidents(high)  # same times, same on-scene draws
    assert high.size > 2 * low.size


def test_scaling_every_rate_up_never_raises_the_share_met() -> None:
    model = queue_model(3, 1 / 40.0, 50.0, drive_min=6.0, on_scene="lognormal", noise=0.3)
    shares = []
    for scale in (1.0, 2.0, 4.0):
        result = run_year(model, YearRun(days=10, rate_scale=scale), replications=6, seed=2)
        shares.append(result.summary["standards"][0]["met_share"]["mean"])
    assert shares[0] >= shares[1] >= shares[2]
    assert shares[0] > shares[2]  # and the load does bite


def test_the_optimiser_policy_waits_exactly_as_nearest_when_units_are_identical() -> None:
    model = queue_model(2, 1 / 45.0, 60.0)
    run = YearRun(days=3)
    nearest = simulate(model, run, 0, 9)
    optimal = simulate(model, replace(run, policy="optimal"), 0, 9)
    for name in ("incidents", "waited", "wait_min", "busy_mean", "met"):
        assert np.allclose(nearest[name], optimal[name], equal_nan=True), name
    assert nearest["waited"] > 0  # the queue was used


def test_the_optimiser_never_crosses_a_border_without_an_agreement() -> None:
    apart = queue_model(2, 1 / 120.0, 30.0, regions=("A", "B"), drive_min=5.0)
    run = YearRun(days=5)
    assert simulate(apart, run, 0, 1)["unit_dispatches"].sum() > 0  # the nearest rule knows no border
    assert simulate(apart, replace(run, policy="optimal"), 0, 1)["unit_dispatches"].sum() == 0
    lent = replace(apart, agreements=(Agreement(lender="A", borrower="B", fixed_cost=500, cost_per_travel_min=10,
                                                rates=RateCard(labour_per_person_day=330.0)),))
    figures = simulate(lent, replace(run, policy="optimal"), 0, 1)
    assert figures["unit_dispatches"].sum() > 0
    assert figures["unit_cross_h"].sum() > 0 and figures["unit_compensation"].sum() > 0


def test_a_unit_lent_on_many_incidents_a_day_is_paid_each_day_once() -> None:
    card = RateCard(labour_per_person_day=100.0, subsistence_per_person_day=0.0, transport_per_km=0.0,
                    transport_per_trip=0.0)
    lent = queue_model(1, 1 / 120.0, 20.0, regions=("A", "B"), drive_min=5.0,
                       agreements=(Agreement(lender="A", borrower="B", rates=card),))
    figures = simulate(lent, YearRun(days=3), 0, 1)
    assert figures["unit_dispatches"][0] > 12  # about 36 calls in 3 days, every day
    # 4 people x 100 yuan x the 3 days served (a fourth when the last call runs past midnight), not x calls
    assert figures["unit_compensation"][0] in (1200.0, 1600.0)


def test_a_raised_readiness_shortens_the_turn_out_while_it_holds() -> None:
    model = replace(queue_model(2, 1 / 240.0, 30.0, drive_min=5.0), turnout_min=np.full(2, 4.0))
    everyday = simulate(model, YearRun(days=4), 0, 3)
    raised = simulate(model, YearRun(days=4, turnouts=((0, 0.0, 1e9, 1.0), (1, 0.0, 1e9, 1.0))), 0, 3)
    assert everyday["incidents"] == raised["incidents"] > 0
    assert everyday["p50_min"][0] == pytest.approx(9.0) and raised["p50_min"][0] == pytest.approx(6.0)


def test_a_held_unit_is_not_sent_until_its_hold_ends() -> None:
    model = queue_model(1, 1 / 90.0, 20.0)
    days = 4
    free = simulate(model, YearRun(days=days), 0, 4)
    held = simulate(model, YearRun(days=days, holds=((0, 0.0, 2 * 1440.0),)), 0, 4)
    assert held["incidents"] == free["incidents"]
    assert held["waited"] > 0.4 > free["waited"]  # about half the incidents came while it drilled
    assert held["covered"][0] < 0.55 < free["covered"][0]


def test_move_up_repositions_free_units_with_the_posture_engine() -> None:
    # Two bases each covering one site; a standby point covering both. Incidents at site A take the unit of
    # base 1; while it is away, site A is uncovered (half the normal coverage) and move-up sends the unit of
    # base 2 to the standby point, from where it covers both sites.
    model = queue_model(2, 1 / 120.0, 90.0)
    far, near, mid = 20.0, 5.0, 8.0
    drive = np.array([[0, 9, 9, near, far], [9, 0, 9, far, near], [9, 9, 0, mid, mid],
                      [near, far, mid, 0, 9], [far, near, mid, 9, 0]], dtype=float)
    cover = np.full((3, 2, 2), np.inf)
    cover[0, 0, :], cover[1, 1, :], cover[2, :, :] = near, near, mid
    layout = replace(
        model, place_ids=("b1", "b2", "standby", "siteA", "siteB"), place_region=("A",) * 5, n_stations=3,
        unit_home=np.array([0, 1]), drive_min=drive, source_place=np.array([3]), row_place=np.array([3, 4]),
        row_standard=np.array([0, 0]), row_weight=np.array([1.0, 1.0]), station_cover_min=cover)
    still = simulate(layout, YearRun(days=10), 0, 2)
    moved = simulate(layout, YearRun(days=10, move_up=True), 0, 2)
    assert still["moves"] == 0 and moved["moves"] > 0
    assert moved["covered"][0] > still["covered"][0]  # site A covered more of the time
    # a layout that leaves a site uncovered with every unit at home is not "repaired" by move-up: it defends
    # the normal coverage, it does not redesign the layout
    standby_only = replace(
        model, place_ids=("base", "standby", "site"), place_region=("A", "A", "A"), n_stations=2,
        drive_min=np.array([[0.0, 4.0, 12.0], [4.0, 0.0, 3.0], [12.0, 3.0, 0.0]]), source_place=np.array([2]),
        row_place=np.array([2]), station_cover_min=np.stack([np.full((1, 2), np.inf), np.full((1, 2), 3.0)]))
    assert simulate(standby_only, YearRun(days=10, move_up=True, move_up_threshold=1.0), 0, 2)["moves"] == 0


def test_replications_are_the_same_on_every_backend_and_resume(tmp_path: Path) -> None:
    model = queue_model(2, 1 / 50.0, 40.0, drive_min=3.0, on_scene="lognormal", noise=0.2)
    run = YearRun(days=6)
    serial = run_year(model, run, replications=4, seed=8, checkpoint=tmp_path)
    again = run_year(model, run, replications=4, seed=8, checkpoint=tmp_path)
    parallel = run_year(model, run, replications=4, seed=8, workers=2)
    assert again.resumed == 4 and parallel.backend == "processes"
    for other in (again, parallel):
        assert np.array_equal(other.records.index, np.arange(4))
        assert np.allclose(other.records.wait_min, serial.records.wait_min, equal_nan=True)
        assert np.allclose(other.records.unit_busy_h, serial.records.unit_busy_h)


def test_a_killed_worker_loses_no_replication_and_counts_none_twice() -> None:
    model = queue_model(2, 1 / 30.0, 40.0, drive_min=3.0, on_scene="lognormal", noise=0.2)
    run = YearRun(days=10)
    serial = run_year(model, run, replications=10, seed=3)
    killed: list[int] = []
    kill_one = pool_killer(killed, 0.05, 0.6)

    pooled = run_year(model, run, replications=10, seed=3, workers=2, progress=kill_one)
    assert killed and pooled.backend == "processes" and pooled.resubmitted > 0
    assert np.array_equal(pooled.records.index, np.arange(10)) and pooled.duplicates_ignored == 0
    assert np.allclose(pooled.records.unit_busy_h, serial.records.unit_busy_h)


def test_intervals_are_student_t_over_replications() -> None:
    figure = interval(np.array([1.0, 2.0, 3.0, np.nan]))
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n), sd of 1, 2, 3 = 1
    assert figure["n"] == 3 and figure["mean"] == 2.0
    assert figure["ci95"] == [round(2.0 - half, 4), round(2.0 + half, 4)]
    assert interval(np.array([0.9, 1.0, 1.0]), share=True)["ci95"][1] == 1.0  # a share stays within [0, 1]
    assert interval(np.array([5.0]))["ci95"] is None  # no interval from one replication


def test_the_nearest_rule_by_hand() -> None:
    # units 0..3 nearest first 2, 0, 3, 1; capabilities (squad, ladder): 0 (1, 1), 1 (2, 0), 2 (1, 0), 3 (0, 1)
    model = replace(queue_model(4, 0.01, 30.0), capabilities=("squad", "ladder"),
                    capability_qty=np.array([[1, 1], [2, 0], [1, 0], [0, 1]]))
    order = np.array([2, 0, 3, 1])
    # two squads: 2 then 0 (which brings its ladder too), so the ladder needs nobody more
    assert nearest_units(model, order, np.array([2, 1])) == [2, 0]
    assert nearest_units(model, order, np.array([0, 2])) == [0, 3]
    assert nearest_units(model, order, np.array([5, 0])) == [2, 0, 1]  # all there are, short of 5
    assert nearest_units(model, order[order != 0], np.array([1, 1])) == [2, 3]


def test_rates_documents_are_checked_naming_the_field() -> None:
    scenario, documents = read_folder("jinan")
    rates = documents["incident_rates"]
    for bad, field in [({**rates, "sites": {"volcano": {"red": 1}}}, "sites"),
                       ({**rates, "sites": {"coal_mine": {"purple": 2}}}, "sites"),
                       ({**rates, "sites": {"coal_mine": {"red": -2}}}, "red"),
                       ({**rates, "sites": {"coal_mine": {"red": "often"}}}, "red"),
                       ({**rates, "areas": [{**rates["areas"][0], "jurisdiction": "atlantis"}]}, "jurisdiction"),
                       ({**rates, "season": [1.0] * 11}, "season")]:
        with pytest.raises(InputError) as refused:
            parse_rates(bad, scenario)
        assert refused.value.field == field, (refused.value, refused.value.field)


def test_cli_json_and_bad_input(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["year", "--scenario", "shanxi-coal", "--days", "60", "--replications", "3", "--json", "--no-progress"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["replications"] == data["counted_replications"] == 3
    for standard in data["standards"]:
        for figure in ("met_share", "covered_time_share", "p50_min", "p90_min"):
            assert "ci95" in standard[figure]
        histogram = standard["histogram"]  # every incident the standard applied to is in one bin
        binned = sum(histogram["incidents"]) + histogram["beyond"]
        assert binned == pytest.approx(standard["incidents"]["mean"], abs=0.2)
    assert all("ci95" in team["utilisation"] for team in data["teams"])
    for options, field in [(["--days", "0"], "days"), (["--days", "4000"], "days"),
                           (["--replications", "5000"], "replications"), (["--rate-scale", "-1"], "rate_scale"),
                           (["--policy", "fastest"], "policy"), (["--scheduler", "localhost:8786"], "scheduler"),
                           (["--days", "10", "--warmup-days", "10"], "warmup_days")]:
        assert main(["year", "--scenario", "shanxi-coal", *options, "--no-progress"]) == 2
        assert field in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["year", "--scenario", "shanxi-coal", "--rate-scale", "often"])
    assert stopped.value.code == 2 and "--rate-scale" in capsys.readouterr().err


def test_the_year_job_compares_two_configurations_on_the_same_seeds() -> None:
    assert JOB_KINDS["year"].params is YearParameters
    with pytest.raises(InputError, match="params.days"):
        parse_params(YearParameters, {"days": 0}, prefix=("params",))
    scenario, documents = read_folder("shanxi-coal")
    updates: list[float] = []
    params = YearParameters(days=90, replications=3, seed=1, compare_rate_scale=3)
    report = year_report(scenario, documents, params, progress=lambda f, m: updates.append(f))
    difference = report["comparison"]["difference"]
    assert report["comparison"]["changes"] == {"rate_scale": 3}
    assert difference["busy_units"]["mean"] > 0  # three times the incidents keep units busier
    assert updates == sorted(updates) and updates[-1] == 1.0


def _wait(client, job_id):
    for _ in range(600):
        state = client.get(f"/api/v1/jobs/{job_id}").get_json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("the year job did not finish")


def test_planner_runs_a_year_job_and_bad_parameters_are_refused_at_once(client, auth) -> None:
    auth.login("viewer")
    assert client.post("/api/v1/scenarios/mini/jobs", json={"kind": "year", "params": {}}).status_code == 403
    auth.logout()
    auth.login("planner")
    for params, field in [({"days": 0}, "params.days"), ({"days": 5000}, "params.days"),
                          ({"replications": 5000}, "params.replications"), ({"rate_scale": -1}, "params.rate_scale"),
                          ({"rate_scale": "often"}, "params.rate_scale")]:
        refused = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "year", "params": params})
        assert refused.status_code == 400 and refused.get_json()["error"]["field"] == field, params
    started = client.post("/api/v1/scenarios/mini/jobs",
                          json={"kind": "year", "params": {"days": 120, "replications": 3, "rate_scale": 20}})
    assert started.status_code == 202
    state = _wait(client, started.get_json()["id"])
    assert state["status"] == "done", state
    result = state["result"]
    assert result["counted_replications"] == 3 and {s["standard"] for s in result["standards"]} == {"fire-5",
                                                                                                  "hazchem-30"}
    assert result["timeline"]["unit"] == "day" and len(result["timeline"]["incidents"]) == 120


@pytest.mark.browser
def test_the_sweep_page_runs_a_year_over_time_with_its_timeline(page, server_url, users) -> None:
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/sweep?scenario=mini")
    page.check("input[name=sweep-mode][value=over-time]")
    assert page.is_hidden("#sweep-form") and page.is_visible("#year-form")
    page.fill("#year-form input[name=days]", "60")
    page.fill("#year-form input[name=replications]", "3")
    page.fill("#year-form input[name=rate_scale]", "20")
    page.select_option("#year-compare-closed-base", index=1)  # a what-if layout: the first base closed
    warning = {"id": "w1", "event": "Rainstorm red warning", "onset": "2027-01-02T00:00:00+08:00",
               "expires": "2027-01-03T00:00:00+08:00", "area": {"regions": ["LX", "TQ"]}}
    page.fill("#year-warnings", json.dumps([warning]))  # the period is then 2027's, the warning's year
    page.wait_for_selector("#year-closures[data-ready=true]")
    page.click("#run-year")
    page.wait_for_selector("#year-mode[data-state='done']", timeout=120_000)
    assert page.locator("#year-standards tbody tr").count() == 2
    assert page.locator("#year-difference tbody tr").count() == 2 and page.is_visible("#year-comparison")
    assert page.locator("#year-chart").evaluate("c => Chart.getChart(c).data.labels.length") == 60
    assert "封闭集" in page.inner_text("#year-form")  # the new labels speak zh_CN
    assert "w1:" in page.inner_text("#year-meta")  # the warning's posture, with the teams it holds
    page.screenshot(path=screenshot_path("sweep-over-time"), full_page=True)


def test_a_programme_year_holds_the_teams_of_its_field_drills_for_their_days() -> None:
    scenario, documents = jinan_folder(small_plans=True)
    model = build_model(scenario, documents)  # type: ignore[arg-type]
    programme = schedule_programme(scenario, plan_set(documents, scenario),  # type: ignore[arg-type]
                                   drill_calendar(documents, scenario, 2026), load_library())  # type: ignore[arg-type]
    holds = holds_for(model, scenario, documents, 2026, lambda year: programme)  # type: ignore[arg-type]
    field_days = {(d.date, team) for d in programme.drills if d.form == "field" for team in d.teams
                  if team in model.unit_ids}
    assert field_days and len(holds) == len(field_days)
    held = {(dt.date(2026, 1, 1) + dt.timedelta(days=int(start // 1440)), model.unit_ids[unit])
            for unit, start, end in holds if end - start == 1440}
    assert held == field_days  # each field drill's teams, for its whole day; tabletop drills hold nobody


def test_a_band_that_slows_every_road_raises_the_median_response_on_the_same_incidents() -> None:
    scenario, documents = read_folder("jinan")
    slow = {**documents, "speed_profiles": {"bands": [{"id": "gridlock", "start": "07:00", "end": "07:00",
                                                       "default_factor": 0.5}]}}  # all week, half speed
    slowed = build_model(scenario, slow)
    free = build_model(scenario, slow, time_bands=False)
    assert slowed.band_ids == ("gridlock",) and free.band_ids == ()
    finite = np.isfinite(free.drive_min) & (free.drive_min > 0)
    assert np.allclose(slowed.drive_at(123.0)[finite], 2 * free.drive_min[finite], rtol=0.02)  # one matrix per band
    run = YearRun(days=2, warmup_days=0.5)
    a = run_year(free, run, replications=3, seed=5)
    b = run_year(slowed, run, replications=3, seed=5)
    assert np.array_equal(a.records.incidents, b.records.incidents)  # common random numbers: the same incidents
    measured = ~np.isnan(a.records.p50_min) & np.isfinite(a.records.p50_min)
    assert measured.any() and np.all(b.records.p50_min[measured] > a.records.p50_min[measured])
    assert b.records.covered.mean() < a.records.covered.mean()  # the stations cover less in the band, too


def test_the_year_drives_under_a_stored_closure_set(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario, documents = read_folder("jinan")
    closed = build_model(scenario, documents, closures="north-corridor-cut", time_bands=False)
    free = build_model(scenario, documents, time_bands=False)
    assert closed.roads is not None and closed.roads["closures"]["closure_set"] == "north-corridor-cut"
    assert np.count_nonzero(np.isinf(closed.drive_min)) > np.count_nonzero(np.isinf(free.drive_min))
    assert main(["year", "--scenario", "jinan", "--days", "1", "--replications", "1", "--closures", "nowhere",
                 "--no-progress"]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_a_what_if_layout_is_compared_on_the_same_incidents(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario, documents = read_folder("jinan")
    params = YearParameters(days=2, warmup_days=0.5, replications=2, seed=3, time_bands=False,
                            compare_closed_bases=["fs-tianqiao-beiyuan"], compare_closures="north-corridor-cut")
    report = year_report(scenario, documents, params)
    comparison = report["comparison"]
    assert comparison["changes"] == {"closures": "north-corridor-cut", "closed_bases": ["fs-tianqiao-beiyuan"]}
    closed = {t.id for t in scenario.teams if t.base == "fs-tianqiao-beiyuan"}
    first = {t["team"]: t["dispatches"]["mean"] for t in report["teams"]}
    second = {t["team"]: t["dispatches"]["mean"] for t in comparison["second"]["teams"]}
    assert closed and sum(first[t] for t in closed) > 0 and all(second[t] == 0 for t in closed)
    assert comparison["second"]["held_unit_days"] == 2 * len(closed) and report["held_unit_days"] == 0
    assert comparison["second"]["incidents"] == report["incidents"]  # common random numbers: the same incidents
    assert all(s["met_share"]["ci95"] is not None for s in comparison["difference"]["standards"]
               if s["met_share"]["mean"] is not None)
    assert main(["year", "--scenario", "jinan", "--days", "1", "--replications", "1", "--compare-closed-base", "nope",
                 "--no-progress"]) == 2
    assert "compare_closed_bases" in capsys.readouterr().err


RED_RAIN = {"id": "m1", "event": "Rainstorm red warning", "onset": "2026-01-01T06:00:00+08:00",
            "expires": "2026-01-03T06:00:00+08:00", "area": {"circle": {"lon": 117.11, "lat": 36.69, "radius_km": 30}}}


def test_a_warning_posture_holds_the_teams_it_moves_from_onset_to_expiry() -> None:
    scenario, documents = read_folder("jinan")
    # the counted period is the warning's window (06:00 on 1 January to 06:00 on 3 January)
    params = YearParameters(days=2.25, warmup_days=0.25, replications=2, seed=4, warnings=[RED_RAIN],
                            compare_warnings=False, rate_scale=2)
    report = year_report(scenario, documents, params)
    moved = set(report["warning_postures"][0]["teams"])  # the posture engine's moves (tests/test_posture*)
    assert report["warning_postures"][0]["raised"]  # and the teams it puts on higher readiness
    assert report["year"] == 2026 and len(report["warning_postures"]) == 1 and moved
    assert (report["warning_postures"][0]["start_min"], report["warning_postures"][0]["end_min"]) == (360, 3240)
    assert report["held_unit_days"] == 2 * len(moved) and report["comparison"]["second"]["held_unit_days"] == 0
    held = [t["dispatches"]["mean"] for t in report["teams"] if t["team"] in moved]
    free = [t["dispatches"]["mean"] for t in report["comparison"]["second"]["teams"] if t["team"] in moved]
    assert held == [0.0] * len(moved) and sum(free) > 0  # held: never sent; without the warning: sent
    with pytest.raises(InputError) as refused:
        year_report(scenario, documents, YearParameters(days=1, replications=1, warnings=[{**RED_RAIN, "level": "x"}]))
    assert refused.value.field == "level" and "warnings[0]" in str(refused.value)


def test_bad_rates_over_the_api_are_refused_naming_the_field_and_nothing_is_stored(client, auth) -> None:
    auth.login("planner")
    url = "/api/v1/scenarios/mini/settings/incident_rates"
    for data, field in [({"sites": {"volcano": {"red": 1}}}, "sites"), ({"sites": {"chemical_plant": {"red": -1}}},
                                                                         "red"),
                        ({"areas": [{"jurisdiction": "atlantis", "per_year": 5, "needs": [{"capability": "x"}]}]},
                         "jurisdiction")]:
        refused = client.put(url, json={"data": data, "expected_version": None})
        assert refused.status_code == 400, refused.get_json()
        assert field in refused.get_json()["error"]["field"], refused.get_json()
    assert client.get(url).status_code == 404  # nothing stored
    good = {"sites": {"chemical_plant": {"red": 40}}, "sources": ["[U] test"]}
    assert client.put(url, json={"data": good, "expected_version": None}).status_code == 200
    started = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "year", "params": {"days": 60,
                                                                                          "replications": 2}})
    result = _wait(client, started.get_json()["id"])["result"]
    assert result["expected_incidents"] == pytest.approx(40 * 60 / 365, abs=0.05)  # the stored rates are the job's
