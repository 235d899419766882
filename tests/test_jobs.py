"""Background jobs: queued, run, progress stored, result or a clear failure; permissions per kind."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import update

import planner.jobs.kinds  # noqa: F401  (registers the product's job kinds, as the web app and CLI do)
from planner.errors import InputError, NotFoundError
from planner.jobs.runner import JOB_KINDS, JobRunner, job_kind
from planner.scenario.files import read_scenario
from planner.store.database import Store
from planner.store.tables import JobRow
from tests.conftest import MINI


@pytest.fixture
def runner(store):
    store.save_scenario(read_scenario(MINI))
    started = JobRunner(store)
    yield started
    started.shutdown()


def test_a_job_reports_progress_and_its_result(runner):
    seen = []

    @job_kind("test-steps")
    def steps(scenario, settings, params, progress):
        for i in range(params["n"]):
            progress((i + 1) / params["n"], f"step {i + 1}")
            seen.append(runner.get(job_id)["progress"])
        return {"teams": len(scenario.teams)}

    try:
        job_id = runner.submit("test-steps", "mini", {"n": 4})
        done = runner.wait(job_id, timeout_s=30)
    finally:
        JOB_KINDS.pop("test-steps")
    assert done["status"] == "done" and done["result"] == {"teams": 3} and done["progress"] == 1.0
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_failures_are_recorded_not_raised(runner):
    @job_kind("test-fails")
    def fails(scenario, settings, params, progress):
        raise InputError("plan P9 does not exist", field="plan")

    try:
        job_id = runner.submit("test-fails", "mini", {})
        done = runner.wait(job_id, timeout_s=30)
    finally:
        JOB_KINDS.pop("test-fails")
    assert done["status"] == "failed" and done["error"] == "plan P9 does not exist"


def test_unknown_kind_or_scenario_is_refused_at_once(runner):
    with pytest.raises(InputError, match="unknown job kind"):
        runner.submit("nope", "mini", {})
    with pytest.raises(NotFoundError):
        runner.submit("coverage", "atlantis", {})
    with pytest.raises(NotFoundError):
        runner.get("ffffffff")


def test_coverage_job_over_the_api(client, auth):
    auth.login("viewer")
    started = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "coverage"})
    assert started.status_code == 202
    job_id = started.get_json()["id"]
    for _ in range(100):
        state = client.get(f"/api/v1/jobs/{job_id}").get_json()
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert state["status"] == "done", state
    assert {s["standard"] for s in state["result"]["standards"]} == {"fire-5", "hazchem-30"}
    listed = client.get("/api/v1/jobs?scenario=mini").get_json()["jobs"]
    assert listed[0]["id"] == job_id and "result" not in listed[0]


def test_a_job_failed_by_another_process_while_it_runs_keeps_that_state(runner, store):
    """Another process (sharing the database) marks a running job failed: its late progress and result are dropped."""
    running, release = threading.Event(), threading.Event()

    @job_kind("test-waits")
    def waits(scenario, settings, params, progress):
        running.set()
        release.wait(30)
        progress(0.9, "nearly")
        return {"late": True}

    other = Store(store.url)  # another process's store on the same database
    try:
        job_id = runner.submit("test-waits", "mini", {})
        assert running.wait(30)
        with other.transaction() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id)
                            .values(status="failed", error="interrupted: the server stopped"))
        release.set()
        done = runner.wait(job_id, timeout_s=30)
    finally:
        JOB_KINDS.pop("test-waits")
        other.close()
    assert done["status"] == "failed" and done["error"] == "interrupted: the server stopped"
    assert done["result"] is None and done["progress"] < 0.9
