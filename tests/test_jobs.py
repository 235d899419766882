"""Background jobs: validated before they are accepted, run in worker processes watched from outside, recovered
after a crash, run again on request; on SQLite and PostgreSQL.

The kinds these tests run besides the product's are in ``tests/job_kinds.py`` (a worker process imports
them from there).
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import update

import planner.jobs.kinds  # noqa: F401  (registers the product's job kinds, as the web app and CLI do)
import tests.job_kinds  # noqa: F401  (registers the test kinds)
from planner import settings
from planner.cli import main
from planner.errors import InputError, NotFoundError
from planner.jobs.runner import INTERRUPTED, JobQueue, JobRunner, this_host, wall_now
from planner.scenario.files import read_scenario
from planner.store.database import Store
from planner.store.migrate import alembic_config
from planner.store.tables import JobRow, UTCDateTime
from tests.conftest import MINI


@pytest.fixture
def runner(store):
    store.save_scenario(read_scenario(MINI))
    started = JobRunner(store, workers=2, time_limit_s=120, stale_s=30).start()
    yield started
    started.shutdown()


def _until(predicate, timeout_s=60.0):
    """Poll ``predicate()`` until it gives something true; return that."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the condition never came true")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_job_runs_in_a_worker_process_and_stores_its_progress_and_result(runner):
    job_id = runner.submit("test-steps", "mini", {"n": 4, "pause_s": 0.4})
    seen = set()

    def ended():
        state = runner.get(job_id)
        seen.add(state["progress"])
        return state if state["status"] in ("done", "failed") else None

    done = _until(ended)
    assert done["status"] == "done" and done["progress"] == 1.0 and done["result"]["teams"] == 3
    assert done["result"]["pid"] != os.getpid()  # it ran in a process of its own
    assert seen & {0.25, 0.5, 0.75}  # progress stored while it ran
    assert done["owner"] == runner.owner and done["attempts"] == 1 and done["time_limit_s"] == 120


def test_failures_are_recorded_not_raised(runner):
    mine = runner.wait(runner.submit("test-fails", "mini", {}), timeout_s=60)
    assert mine["status"] == "failed" and mine["error"] == "plan P9 does not exist" and mine["result"] is None
    bug = runner.wait(runner.submit("test-bug", "mini", {}), timeout_s=60)
    assert bug["status"] == "failed" and bug["message"] == "internal error" and bug["error"] == "KeyError: 'missing'"
    vanished = runner.wait(runner.submit("test-exits", "mini", {}), timeout_s=60)
    assert vanished["status"] == "failed" and "ended unexpectedly (exit code 3)" in vanished["error"]


def test_unknown_kind_or_scenario_and_bad_parameters_are_refused_at_once(runner):
    with pytest.raises(InputError, match="unknown job kind"):
        runner.submit("nope", "mini", {})
    with pytest.raises(NotFoundError):
        runner.submit("coverage", "atlantis", {})
    with pytest.raises(NotFoundError):
        runner.get("ffffffff")
    for params, field, words in [({"incidents": -1}, "params.incidents", "greater than or equal to 1"),
                                 ({"incidents": 1e12}, "params.incidents", "integer"),
                                 ({"workers": 1000}, "params.workers", "less than or equal to 32"),
                                 ({"incidents": 10, "wrokers": 2}, "params.wrokers", "unknown field"),
                                 ({"scheduler": "localhost:8786"}, "params.scheduler", "tcp://HOST:PORT")]:
        with pytest.raises(InputError, match=words) as refused:
            runner.submit("sweep", "mini", params)
        assert refused.value.field == field
    with pytest.raises(InputError, match="no plans settings"):  # the drills-plan kind's check: mini has no plans
        runner.submit("drills-plan", "mini", {"year": 2026})
    assert runner.list() == []  # nothing was queued


def test_a_job_past_its_time_limit_is_ended_from_outside_and_the_worker_is_free_again(store):
    store.save_scenario(read_scenario(MINI))
    runner = JobRunner(store, workers=1, time_limit_s=10).start()  # the worker starts well within it, even when busy
    try:
        stuck = runner.submit("test-sleep", "mini", {"seconds": 600})
        after = runner.submit("test-steps", "mini", {"n": 1})
        message = _until(lambda: runner.get(stuck)["message"].startswith("sleeping in process")
                         and runner.get(stuck)["message"])
        pid = int(message.rsplit(" ", 1)[1])
        ended = runner.wait(stuck, timeout_s=60)
        assert ended["status"] == "failed" and ended["error"] == "time limit of 10 s reached"
        assert ended["result"] is None
        _until(lambda: not _alive(pid), timeout_s=10)  # the worker process is gone
        assert runner.wait(after, timeout_s=60)["status"] == "done"  # the only worker took the next job
    finally:
        runner.shutdown()


def test_a_short_job_queued_behind_a_long_one_finishes_first(runner):
    long = runner.submit("test-sleep", "mini", {"seconds": 600})
    _until(lambda: runner.get(long)["status"] == "running")
    short = runner.submit("test-steps", "mini", {"n": 2})
    assert runner.wait(short, timeout_s=60)["status"] == "done"
    assert runner.get(long)["status"] == "running"
    runner.shutdown()  # a runner that stops ends what it runs and says so
    stopped = runner.get(long)
    assert stopped["status"] == "failed" and stopped["error"] == INTERRUPTED and stopped["result"] is None


def _running_elsewhere(store, job_id: str, owner: str, heartbeat: dt.datetime, attempts: int = 1) -> None:
    """Make a queued job look as if another runner (``owner``) runs it, with its last heartbeat at ``heartbeat``."""
    with store.transaction() as session:
        session.execute(update(JobRow).where(JobRow.id == job_id).values(
            status="running", owner=owner, heartbeat_at=heartbeat, attempts=attempts, progress=0.12,
            message="12 %"))


def test_jobs_of_a_runner_that_stopped_are_failed_or_queued_again(store):
    store.save_scenario(read_scenario(MINI))
    queue = JobQueue(store)  # a web process in external mode: accepts jobs, runs none
    silent = wall_now() - dt.timedelta(seconds=60)
    jobs = {name: queue.submit(kind, "mini", params) for name, kind, params in [
        ("stale", "test-sleep", {"seconds": 1}), ("fresh", "test-sleep", {"seconds": 1}),
        ("dead-here", "test-sleep", {"seconds": 1}), ("idempotent", "test-idempotent-sleep", {"seconds": 0}),
        ("idempotent-twice", "test-idempotent-sleep", {"seconds": 0})]}
    _running_elsewhere(store, jobs["stale"], "other-host:41:aa", silent)
    _running_elsewhere(store, jobs["fresh"], "other-host:41:aa", wall_now() + dt.timedelta(seconds=600))
    _running_elsewhere(store, jobs["dead-here"], f"{this_host()}:{2**22 + 17}:bb", wall_now())
    _running_elsewhere(store, jobs["idempotent"], "other-host:41:aa", silent)
    _running_elsewhere(store, jobs["idempotent-twice"], "other-host:41:aa", silent, attempts=2)
    runner = JobRunner(store, workers=2, stale_s=30).start()  # recovers on start-up
    try:
        for name in ("stale", "dead-here", "idempotent-twice"):
            state = runner.get(jobs[name])
            assert state["status"] == "failed" and state["error"] == INTERRUPTED, name
            assert state["result"] is None and state["finished_at"] is not None
        assert runner.get(jobs["fresh"])["status"] == "running"  # its runner is alive somewhere else
        again = runner.wait(jobs["idempotent"], timeout_s=60)
        assert again["status"] == "done" and again["attempts"] == 2 and again["owner"] == runner.owner
    finally:
        runner.shutdown()
    assert runner.get(jobs["fresh"])["status"] == "running"  # not this runner's to stop


def test_a_job_failed_by_another_process_while_it_runs_keeps_that_state(runner, store):
    """Another process (sharing the database) marks a running job failed: the runner ends its worker, stores nothing."""
    job_id = runner.submit("test-sleep", "mini", {"seconds": 600})
    message = _until(lambda: runner.get(job_id)["message"].startswith("sleeping in process")
                     and runner.get(job_id)["message"])
    other = Store(store.url)  # another process's store on the same database
    try:
        with other.transaction() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id)
                            .values(status="failed", error="interrupted: the server stopped"))
    finally:
        other.close()
    _until(lambda: not _alive(int(message.rsplit(" ", 1)[1])), timeout_s=30)  # its next progress found it out
    done = runner.get(job_id)
    assert done["status"] == "failed" and done["error"] == "interrupted: the server stopped" and done["result"] is None


def test_an_ended_job_runs_again_with_the_same_parameters(runner):
    first = runner.wait(runner.submit("test-fails", "mini", {}), timeout_s=60)
    second = runner.rerun(first["id"], actor="li")
    again = runner.wait(second, timeout_s=60)
    assert again["id"] != first["id"] and again["rerun_of"] == first["id"] and again["actor"] == "li"
    assert (again["kind"], again["scenario"], again["params"]) == (first["kind"], first["scenario"], first["params"])
    running = runner.submit("test-sleep", "mini", {"seconds": 600})
    with pytest.raises(InputError, match="only an ended job"):
        runner.rerun(running)


def test_coverage_job_over_the_api(client, auth):
    auth.login("viewer")
    started = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "coverage"})
    assert started.status_code == 202
    job_id = started.get_json()["id"]
    state = _until(lambda: (s := client.get(f"/api/v1/jobs/{job_id}").get_json())["status"] in ("done", "failed")
                   and s)
    assert state["status"] == "done", state
    assert {s["standard"] for s in state["result"]["standards"]} == {"fire-5", "hazchem-30"}
    listed = client.get("/api/v1/jobs?scenario=mini&kind=coverage").get_json()["jobs"]
    assert listed[0]["id"] == job_id and "result" not in listed[0]
    assert client.get("/api/v1/jobs?kind=sweep").get_json()["jobs"] == []


@pytest.mark.parametrize("params, field", [({"incidents": -1}, "params.incidents"),
                                           ({"incidents": 1e12}, "params.incidents"),
                                           ({"workers": 1000}, "params.workers"),
                                           ({"incidents": 100, "busy_share": 1.5}, "params.busy_share")])
def test_job_parameters_are_refused_over_the_api_before_the_job_is_accepted(client, auth, params, field):
    auth.login("planner")
    refused = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "sweep", "params": params})
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == field
    assert client.get("/api/v1/jobs").get_json()["jobs"] == []


def test_a_failed_job_runs_again_over_the_api_for_whoever_may_start_it(client, auth, app):
    auth.login("planner")
    runner = app.extensions["planner_jobs"]
    started = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "sweep", "params": {"incidents": 50}})
    first = runner.wait(started.get_json()["id"], timeout_s=60)
    assert first["status"] == "done"
    again = client.post(f"/api/v1/jobs/{first['id']}/again")
    assert again.status_code == 202
    rerun = runner.wait(again.get_json()["id"], timeout_s=60)
    assert rerun["rerun_of"] == first["id"] and rerun["params"] == first["params"]
    assert rerun["result"]["counted"] == first["result"]["counted"] == 50
    auth.logout()
    auth.login("viewer")
    assert client.post(f"/api/v1/jobs/{first['id']}/again").status_code == 403  # viewers may not sweep


def test_the_api_documents_each_kinds_parameters(client):
    document = client.get("/api/v1/openapi.json").get_json()
    new_job = document["components"]["schemas"]["NewJob"]
    branches = {b["properties"]["kind"]["const"]: b["properties"]["params"] for b in new_job["oneOf"]}
    assert set(branches) == {"coverage", "drills-plan", "drills-simulate", "sweep", "year"}
    sweep = branches["sweep"]["properties"]
    assert sweep["workers"]["maximum"] == 32 and sweep["incidents"]["minimum"] == 1
    assert branches["drills-plan"]["required"] == ["year"]


def test_the_job_settings_come_from_the_environment_and_wrong_ones_are_named(monkeypatch):
    for name in ("PLANNER_JOB_RUNNER", "PLANNER_JOB_WORKERS", "PLANNER_JOB_TIME_LIMIT_S", "PLANNER_JOB_STALE_S"):
        monkeypatch.delenv(name, raising=False)
    assert (settings.job_runner_mode(), settings.job_workers(), settings.job_time_limit_s(),
            settings.job_stale_s()) == ("in-process", 2, 3600.0, 30.0)
    monkeypatch.setenv("PLANNER_JOB_WORKERS", "4")
    monkeypatch.setenv("PLANNER_JOB_RUNNER", "external")
    assert settings.job_workers() == 4 and settings.job_runner_mode() == "external"
    reader = {"PLANNER_JOB_WORKERS": settings.job_workers, "PLANNER_JOB_STALE_S": settings.job_stale_s,
              "PLANNER_JOB_TIME_LIMIT_S": settings.job_time_limit_s, "PLANNER_JOB_RUNNER": settings.job_runner_mode}
    for name, value in [("PLANNER_JOB_WORKERS", "0"), ("PLANNER_JOB_WORKERS", "2.5"), ("PLANNER_JOB_STALE_S", "nan"),
                        ("PLANNER_JOB_TIME_LIMIT_S", "inf"), ("PLANNER_JOB_RUNNER", "threads")]:
        monkeypatch.setenv(name, value)
        with pytest.raises(InputError) as refused:
            reader[name]()
        assert refused.value.field == name
        monkeypatch.delenv(name)


def test_jobs_list_prints_the_recent_jobs(cli_env, capsys, store):
    store.save_scenario(read_scenario(MINI))
    job_id = JobQueue(store).submit("coverage", "mini", {})
    assert main(["jobs", "list", "--scenario", "mini"]) == 0
    out = capsys.readouterr().out
    assert job_id in out and "queued" in out


def test_a_job_left_running_before_the_upgrade_is_failed_when_a_runner_starts(database_url):
    """The tester's orphan: a sweep left ``running`` for ever by a killed server of the version before owners and
    heartbeats. The store upgrades the table (migration 0002_jobs) and the first runner fails the job."""
    engine = sa.create_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        columns = ("id", "kind", "scenario", "params", "status", "progress", "message", "actor")
        old_job = sa.table("job", *map(sa.column, columns), sa.column("created_at", UTCDateTime),
                           sa.column("started_at", UTCDateTime))
        started = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
        connection.execute(old_job.insert().values(id="old0job", kind="sweep", scenario="mini", params="{}",
                                                   status="running", progress=0.12, message="12 %", actor="li",
                                                   created_at=started, started_at=started))
    engine.dispose()
    store = Store(database_url)  # brought to the latest revision
    runner = JobRunner(store).start()
    try:
        left = runner.get("old0job")
        assert left["status"] == "failed" and left["error"] == INTERRUPTED and left["attempts"] == 0
        assert left["owner"] is None and left["result"] is None and left["progress"] == 0.12
    finally:
        runner.shutdown()
        store.close()
