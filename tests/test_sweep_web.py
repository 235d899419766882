"""The sweep page and its job over the API: permissions, progress, a summary that counts every incident."""

from __future__ import annotations

import time

import pytest

from planner.jobs.runner import INTERRUPTED
from planner.store.tables import JobRow
from tests.browser import screenshot_path
from tests.conftest import browser_login


def _wait(client, job_id):
    for _ in range(300):
        state = client.get(f"/api/v1/jobs/{job_id}").get_json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("the sweep job did not finish")


def test_planner_runs_a_sweep_and_every_incident_is_counted(client, auth):
    auth.login("planner")
    body = {"kind": "sweep", "params": {"incidents": 300, "seed": 4}}
    started = client.post("/api/v1/scenarios/mini/jobs", json=body)
    assert started.status_code == 202
    state = _wait(client, started.get_json()["id"])
    assert state["status"] == "done", state
    result = state["result"]
    assert result["counted"] == result["distinct_incidents"] == 300
    assert sum(result["incidents_by_template"].values()) == 300
    assert all(0 <= s["share_within"] <= 1 for s in result["standards"])


def test_viewers_may_not_sweep_and_only_admins_pick_a_scheduler(client, auth):
    auth.login("viewer")
    assert client.post("/api/v1/scenarios/mini/jobs", json={"kind": "sweep", "params": {}}).status_code == 403
    auth.logout()
    auth.login("planner")
    refused = client.post("/api/v1/scenarios/mini/jobs",
                          json={"kind": "sweep", "params": {"scheduler": "tcp://127.0.0.1:8786"}})
    assert refused.status_code == 403 and "administrator" in refused.get_json()["error"]["message"]
    bad = client.post("/api/v1/scenarios/mini/jobs", json={"kind": "sweep", "params": {"incidents": -5}})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "params.incidents"  # refused at once


@pytest.mark.browser
def test_sweep_page_shows_progress_and_the_summary(page, server_url, users):
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/sweep?scenario=mini")
    page.fill("input[name=incidents]", "400")
    page.click("#run-sweep")
    page.wait_for_selector("#sweep-page[data-state='done']", timeout=60_000)
    assert page.locator("#sweep-standards tbody tr").count() == 2  # fire-5 and hazchem-30 in the mini scenario
    assert "计入 400 起事故" in page.inner_text("#sweep-meta")
    assert page.locator("#progress-bar").evaluate("b => b.style.width") == "100%"
    page.screenshot(path=screenshot_path("sweep"), full_page=True)


@pytest.mark.browser
def test_the_sweep_page_shows_an_interrupted_sweep_and_runs_it_again(page, server_url, users, app):
    """A sweep cut short by a server that stopped: the page says so and its "run again" button runs the same sweep."""
    with app.extensions["planner_store"].transaction() as session:
        session.add(JobRow(id="cut0short000", kind="sweep", scenario="mini", params={"incidents": 300, "seed": 4},
                           status="failed", progress=0.12, message=INTERRUPTED, error=INTERRUPTED, actor="planner",
                           attempts=1))
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/sweep?scenario=mini")
    page.wait_for_selector("#sweep-page[data-state='error']", timeout=30_000)
    assert INTERRUPTED in page.inner_text("#sweep-error")
    page.click("#sweep-again")
    page.wait_for_selector("#sweep-page[data-state='done']", timeout=90_000)
    assert "计入 300 起事故" in page.inner_text("#sweep-meta")
    rerun = app.extensions["planner_jobs"].list(kind="sweep")[0]
    assert rerun["rerun_of"] == "cut0short000" and rerun["params"]["incidents"] == 300
