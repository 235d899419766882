"""Scenario sweeps: the dispatch rule by hand, seeded reproducibility, serial == processes == Dask,
a Dask worker killed mid-sweep, a process-pool worker killed mid-sweep, resuming from a checkpoint,
the CLI and the job kind."""

from __future__ import annotations

import functools
import json
import logging
import os
import pickle
import signal
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from distributed import Client

from planner.cli import main
from planner.errors import InputError
from planner.jobs.kinds import sweep_job
from planner.jobs.registry import JOB_KINDS, parse_params
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.sweep.backends import run_chunks
from planner.sweep.engine import SweepModel, SweepResult, SweepSettings, evaluate_chunk, sweep, sweep_model
from planner.sweep.parameters import SweepParameters
from tests.sweep_checks import pool_killer, slow_in

FIELDS = ("index", "first_min", "met", "standard_min", "sent", "escalated")


@pytest.fixture(scope="module")
def jinan_scenario() -> Scenario:
    return read_scenario("jinan")


@pytest.fixture(scope="module")
def model(jinan_scenario: Scenario) -> SweepModel:
    return sweep_model(jinan_scenario)


def same_records(a: SweepResult, b: SweepResult) -> bool:
    return (
        all(
            np.array_equal(
                getattr(a.records, f),
                getattr(b.records, f),
                equal_nan=getattr(a.records, f).dtype.kind == "f",
            )
            for f in FIELDS
        )
        and a.summary == b.summary
    )


def tiny_model(**settings: Any) -> SweepModel:
    """Three fire units and one site; one template needing 2 fire squads within 10 min; standard 5 min."""
    return SweepModel(
        scenario="tiny",
        team_ids=("A", "B", "C"),
        team_types=("fire", "fire", "fire"),
        turnout_min=np.array([1.0, 2.0, 0.0]),
        travel_min=np.array([[3.0], [2.0], [10.0]]),
        capabilities=("fire_squad",),
        capability_qty=np.array([[1], [2], [1]], dtype=np.int32),
        site_ids=("S",),
        site_weight=np.array([1.0]),
        site_templates=((0,),),
        templates=("fire",),
        requirements=(((0, 2, 10.0),),),
        escalations=((),),
        tod_names=("day", "rush_hour"),
        tod_share=np.array([0.5, 0.5]),
        tod_turnout=np.array([[1.0, 1.0]]),
        tod_travel=np.array([[1.0, 2.0]]),
        standards=("fire-5",),
        standard_max_min=np.array([5.0]),
        standard_min_share=np.array([1.0]),
        site_standards=((0,),),
        standard_counted=np.array([[True, True, True]]),
        settings=SweepSettings(
            notification_min=2.0, notification_cv=0.0, turnout_cv=0.0, travel_cv=0.0, **settings
        ),
    )


def test_nearest_available_rule_by_hand() -> None:
    # Expected arrivals from the order: A 1+3 = 4, B 2+2 = 4 (tie: A first, the earlier team), C 0+10 = 10.
    # A brings 1 squad, B 2 more: 2 are held with A and B, first at 2 + 4 = 6 min after the alarm.
    model = tiny_model()
    day = evaluate_chunk(model, 0, 0, np.array([0]), np.array([0]), np.array([0]), seed=1)
    assert day.first_min[0, 0] == pytest.approx(6.0) and day.met[0, 0] == 1
    assert day.sent[0].tolist() == [True, True, False]
    assert day.standard_min[0, 0] == pytest.approx(4.0)  # from the order, as coverage measures it
    # Rush hour doubles drive times: A 1+6 = 7, B 2+4 = 6 (B first, and B alone brings 2), C 20.
    rush = evaluate_chunk(model, 0, 0, np.array([0]), np.array([0]), np.array([1]), seed=1)
    assert rush.sent[0].tolist() == [False, True, False]
    assert rush.first_min[0, 0] == pytest.approx(8.0) and rush.met[0, 0] == 1
    assert rush.standard_min[0, 0] == pytest.approx(6.0)


def test_a_chunk_answers_each_incident_as_it_would_alone() -> None:
    # The chunk is answered for all its incidents at once: a day and a rush-hour incident side by side
    # keep the hand-worked answers above (A and B at 6 min; B alone at 8 min).
    both = evaluate_chunk(tiny_model(), 0, 0, np.array([0, 0, 0]), np.array([0, 0, 0]), np.array([0, 1, 0]), seed=1)
    assert both.sent.tolist() == [[True, True, False], [False, True, False], [True, True, False]]
    assert both.first_min[:, 0].tolist() == pytest.approx([6.0, 8.0, 6.0])
    assert both.standard_min[:, 0].tolist() == pytest.approx([4.0, 6.0, 4.0])


def test_busy_teams_do_not_respond() -> None:
    model = tiny_model(busy_share=0.999999)
    result = evaluate_chunk(model, 0, 0, np.array([0]), np.array([0]), np.array([0]), seed=1)
    assert not result.sent[0].any() and result.first_min[0, 0] == np.inf and result.met[0, 0] == 0
    assert result.standard_min[0, 0] == np.inf


def test_same_seed_same_records_and_chunking_does_not_matter(
    jinan_scenario: Scenario, model: SweepModel
) -> None:
    a = sweep(jinan_scenario, 400, seed=7, model=model)
    b = sweep(jinan_scenario, 400, seed=7, model=model, chunk_size=33)
    c = sweep(jinan_scenario, 400, seed=8, model=model)
    assert same_records(a, b) and a.chunks != b.chunks
    assert not np.array_equal(a.site, c.site)
    assert a.summary["counted"] == a.summary["distinct_incidents"] == 400


def test_incidents_follow_risk_weights(jinan_scenario: Scenario, model: SweepModel) -> None:
    result = sweep(jinan_scenario, 4000, seed=2, model=model)
    grades = np.array([s.risk_grade.value for s in jinan_scenario.sites])[result.site]
    weights = model.settings.risk_weights
    red_per_site = (grades == "red").sum() / sum(s.risk_grade.value == "red" for s in jinan_scenario.sites)
    yellow_per_site = (grades == "yellow").sum() / sum(
        s.risk_grade.value == "yellow" for s in jinan_scenario.sites
    )
    assert red_per_site / yellow_per_site == pytest.approx(weights["red"] / weights["yellow"], rel=0.2)
    assert sum(result.summary["incidents_by_time_of_day"].values()) == 4000


def test_summary_shape(jinan_scenario: Scenario, model: SweepModel) -> None:
    data = json.loads(json.dumps(sweep(jinan_scenario, 300, seed=1, model=model).to_dict()))
    assert {"standards", "capabilities", "sites", "failing_sites", "utilisation", "model"} <= set(data)
    assert sum(s["incidents"] for s in data["sites"]) == 300
    assert all(0 <= s["share_within"] <= 1 for s in data["standards"] if s["share_within"] is not None)
    assert len(data["utilisation"]) == model.n_teams


def test_simulate_mode_counts_every_incident(jinan_scenario: Scenario, model: SweepModel) -> None:
    result = sweep(jinan_scenario, 60, seed=1, model=model, mode="simulate")
    again = sweep(jinan_scenario, 60, seed=1, model=model, mode="simulate", chunk_size=7)
    assert same_records(result, again) and result.summary["counted"] == 60


def test_bad_arguments(jinan_scenario: Scenario, model: SweepModel) -> None:
    with pytest.raises(InputError, match="incidents"):
        sweep(jinan_scenario, 0, model=model)
    with pytest.raises(InputError, match="mode"):
        sweep(jinan_scenario, 10, model=model, mode="optimise")
    with pytest.raises(InputError, match="busy_share"):
        sweep_model(jinan_scenario, settings=SweepSettings(busy_share=1.0))


def test_checkpoint_resumes_from_finished_chunks(
    jinan_scenario: Scenario, model: SweepModel, tmp_path: Path
) -> None:
    first = sweep(jinan_scenario, 200, seed=4, model=model, chunk_size=20, checkpoint=tmp_path)
    (folder,) = tmp_path.iterdir()
    for path in sorted(folder.glob("chunk-*.npz"))[::2]:
        path.unlink()
    resumed = sweep(jinan_scenario, 200, seed=4, model=model, chunk_size=20, checkpoint=tmp_path)
    assert first.resumed == 0 and resumed.resumed == 5 and same_records(first, resumed)


def test_processes_equal_serial_and_survive_a_killed_worker(
    jinan_scenario: Scenario, model: SweepModel
) -> None:
    serial = sweep(jinan_scenario, 600, seed=5, model=model, mode="simulate", chunk_size=20)
    killed: list[int] = []
    kill_one = pool_killer(killed, 0.05, 0.5)

    pooled = sweep(
        jinan_scenario, 600, seed=5, model=model, mode="simulate", chunk_size=20, workers=2, progress=kill_one
    )
    assert killed, "no pool worker was found to kill"
    assert pooled.backend == "processes" and pooled.resubmitted > 0
    assert (
        same_records(serial, pooled)
        and pooled.summary["counted"] == pooled.summary["distinct_incidents"] == 600
    )


def test_processes_stop_on_a_chunk_that_raises(model: SweepModel) -> None:
    # Every chunk but the first names a site the model does not have: whichever process takes one
    # (this one or the pool's), the sweep stops with that error instead of waiting or dropping it.
    evaluate = functools.partial(evaluate_chunk, seed=0)
    one = np.zeros(5, dtype=np.int32)
    specs = [(0, 0, one, one.astype(np.int16), one.astype(np.int8))] + [
        (c, 5 * c, one + len(model.site_ids), one.astype(np.int16), one.astype(np.int8)) for c in range(1, 12)
    ]
    with pytest.raises(IndexError):
        run_chunks(model, specs, evaluate, backend="processes", workers=2, scheduler=None, checkpoint=None,
                   progress=lambda fraction, message: None)
    good = [(c, 5 * c, one, one.astype(np.int16), one.astype(np.int8)) for c in range(12)]
    outcome = run_chunks(model, good, evaluate, backend="processes", workers=2, scheduler=None, checkpoint=None,
                         progress=lambda fraction, message: None)
    assert sorted(outcome.results) == list(range(12)) and outcome.workers == 2 and outcome.resubmitted == 0


def test_processes_finish_when_the_pool_ends_first(model: SweepModel) -> None:
    # This process sleeps in each chunk it takes, so the pool runs out of chunks and ends long before
    # it: the sweep must still collect every chunk and return (it once waited for the pool's end twice).
    one = np.zeros(5, dtype=np.int32)
    specs = [(c, 5 * c, one, one.astype(np.int16), one.astype(np.int8)) for c in range(12)]
    found: dict[str, Any] = {}

    def run() -> None:
        found["outcome"] = run_chunks(
            model, specs, functools.partial(slow_in, os.getpid(), 2.0), backend="processes", workers=2,
            scheduler=None, checkpoint=None, progress=lambda fraction, message: None,
        )

    runner = threading.Thread(target=run, daemon=True)  # a hang fails the test instead of the suite
    runner.start()
    runner.join(timeout=300)
    assert not runner.is_alive(), "the sweep did not return after its pool ended"
    outcome = found["outcome"]
    serial = run_chunks(model, specs, functools.partial(evaluate_chunk, seed=0), backend="serial", workers=1,
                        scheduler=None, checkpoint=None, progress=lambda fraction, message: None)
    assert sorted(outcome.results) == list(range(12))
    assert all(np.array_equal(outcome.results[c].sent, serial.results[c].sent) for c in range(12))


@pytest.fixture(scope="module")
def dask_cluster() -> Any:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    yield cluster
    cluster.close()


def test_dask_equals_serial(jinan_scenario: Scenario, model: SweepModel, dask_cluster: Any) -> None:
    serial = sweep(jinan_scenario, 500, seed=6, model=model, chunk_size=25)
    on_dask = sweep(
        jinan_scenario, 500, seed=6, model=model, chunk_size=25, scheduler=dask_cluster.scheduler_address
    )
    assert on_dask.backend == "dask" and on_dask.workers == 2 and same_records(serial, on_dask)


def test_dask_worker_killed_mid_sweep_counts_every_incident_once(
    jinan_scenario: Scenario, model: SweepModel, dask_cluster: Any
) -> None:
    n = 1500
    serial = sweep(jinan_scenario, n, seed=9, model=model, mode="simulate", chunk_size=25)
    with Client(dask_cluster) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    seen: list[float] = []

    def kill_after_first_chunk(fraction: float, message: str) -> None:
        if "of" in message:
            seen.append(fraction)
            if len(seen) == 2:  # some chunks done, most still queued or running on both workers
                os.kill(victim, signal.SIGKILL)

    result = sweep(
        jinan_scenario,
        n,
        seed=9,
        model=model,
        mode="simulate",
        chunk_size=25,
        scheduler=dask_cluster.scheduler_address,
        progress=kill_after_first_chunk,
    )
    assert len(seen) == result.chunks and seen[1] < 0.5, "the worker was not killed mid-sweep"
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)
    assert result.summary["counted"] == result.summary["distinct_incidents"] == n
    assert np.array_equal(result.records.index, np.arange(n)) and result.duplicates_ignored == 0
    assert same_records(serial, result)


def test_cli_json_and_exit_codes(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", "--scenario", "jinan", "--incidents", "200", "--json", "--no-progress"])
    data = json.loads(capsys.readouterr().out)
    assert (
        code == 0
        and data["counted"] == 200
        and data["backend"] == "serial"
        and "speedup_over_serial" not in data
    )
    code = main(
        ["sweep", "--scenario", "jinan", "--incidents", "300", "--workers", "2", "--json", "--no-progress"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["backend"] == "processes" and data["counted"] == 300
    assert data["serial_seconds"] > 0 and data["speedup_over_serial"] > 0
    code = main(["sweep", "--scenario", "jinan", "--incidents", "0", "--no-progress"])
    assert code == 2 and "incidents" in capsys.readouterr().err
    code = main(["sweep", "--scenario", "jinan", "--scheduler", "localhost:8786", "--no-progress"])
    assert code == 2 and "tcp://HOST:PORT" in capsys.readouterr().err


def test_sweep_job_reports_progress(jinan_scenario: Scenario) -> None:
    updates: list[tuple[float, str]] = []
    result = sweep_job(jinan_scenario, {}, SweepParameters(incidents=300, seed=1), lambda f, m: updates.append((f, m)))
    assert JOB_KINDS["sweep"].run is sweep_job and JOB_KINDS["sweep"].params is SweepParameters
    assert result["counted"] == 300
    fractions = [f for f, _ in updates]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(updates) > 5
    with pytest.raises(InputError, match="workers"):
        parse_params(SweepParameters, {"workers": 99})


def test_the_cli_and_the_job_refuse_the_same_parameters_with_the_same_words(capsys) -> None:
    """``sweep --workers 1000`` and a sweep job with ``workers: 1000`` are refused by one model, before any work."""
    for options, params in [(["--workers", "1000"], {"workers": 1000}), (["--incidents", "-1"], {"incidents": -1}),
                            (["--busy-share", "1"], {"busy_share": 1.0})]:
        assert main(["sweep", "--scenario", "no-such-scenario", *options, "--no-progress"]) == 2
        said = capsys.readouterr().err.strip().removeprefix("error: ")
        with pytest.raises(InputError) as refused:
            parse_params(JOB_KINDS["sweep"].params, params, prefix=("params",))
        assert str(refused.value) == f"params.{said}"  # the scenario is not even looked up first


def test_model_is_small_and_picklable(model: SweepModel) -> None:
    assert len(pickle.dumps(model)) < 500_000
    assert replace(model).fingerprint() == model.fingerprint()
