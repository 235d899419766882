"""The deployment with several processes, a server killed with SIGKILL during a job, a Dask scheduler that never
answers: real processes on a temporary SQLite instance (loopback only).

- Two gunicorn workers serve ``web:create_app()`` with ``PLANNER_JOB_RUNNER=external`` and one
  ``python -m planner jobs run`` process runs the jobs: a job submitted through one worker is seen
  finished through the other, and it ran in the runner (its owner), not in a web process.
- ``python -m web`` (the ``make run`` server, jobs in-process) is killed with SIGKILL during a sweep: its
  job's worker process ends with it, and after a restart the job is failed "interrupted: the server
  stopped" within 30 s, the database passes ``PRAGMA integrity_check`` and no result is visible; it can
  be run again.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

import planner.jobs.kinds  # noqa: F401
from planner.jobs.runner import INTERRUPTED, JobRunner
from planner.scenario.files import read_scenario
from planner.store.accounts import create_user
from planner.store.database import Store
from planner.sweep.backends import CONNECT_TIMEOUT_S
from tests.conftest import MINI, ROOT

PASSWORD = "planner-pass-1"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"planner:{PASSWORD}".encode()).decode()}


@pytest.fixture
def instance(tmp_path: Path) -> dict[str, str]:
    """A temporary instance (SQLite) with the mini scenario and a planner; the environment its processes get."""
    database = tmp_path / "planner.sqlite"
    store = Store(f"sqlite:///{database}")
    store.save_scenario(read_scenario(MINI))
    create_user(store, "planner", PASSWORD, "planner")
    store.close()
    return {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PLANNER_INSTANCE": str(tmp_path),
            "SECRET_KEY": "multi-process-test", "PYTHONUNBUFFERED": "1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(url: str, method: str = "GET", body: Any = None) -> tuple[int, dict[str, Any], str]:
    """Send a request with the planner's Basic credentials; return status, JSON answer and the serving process."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={**AUTH, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read()), answer.headers.get("X-Served-By", "")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), error.headers.get("X-Served-By", "")


def _wait_until_serving(base: str, process: subprocess.Popen[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited: {process.stdout.read() if process.stdout else ''}"
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not start serving")


def _start(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *arguments], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _drain(process: subprocess.Popen[str], into: list[str]) -> None:
    """Read a process's output in the background (a full pipe would block it)."""
    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            into.append(line)

    threading.Thread(target=read, daemon=True).start()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; whatever is still running at the end is ended with everything it started."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            family = psutil.Process(process.pid).children(recursive=True)
            process.kill()
            for child in family:
                child.kill()
            process.wait(30)


def _job(base: str, job_id: str) -> tuple[dict[str, Any], str]:
    status, job, served_by = _call(f"{base}/api/v1/jobs/{job_id}")
    assert status == 200, job
    return job, served_by


def test_two_gunicorn_workers_and_a_runner_process_share_one_database(instance, processes) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**instance, "PLANNER_JOB_RUNNER": "external"}
    web = _start(["-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
                  "tests.wsgi_served_by:application"], env)
    processes.append(web)
    web_output: list[str] = []
    _drain(web, web_output)
    _wait_until_serving(base, web)
    status, started, submitted_by = _call(f"{base}/api/v1/scenarios/mini/jobs", "POST", {"kind": "coverage"})
    assert status == 202, started
    time.sleep(3)
    job, _ = _job(base, started["id"])
    assert job["status"] == "queued"  # the web processes do not run jobs in this mode
    runner = _start(["-m", "planner", "jobs", "run", "--workers", "2"], env)
    processes.append(runner)
    runner_output: list[str] = []
    _drain(runner, runner_output)
    seen: dict[str, str] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ("done" in seen.values() and set(seen) - {submitted_by}):
        job, served_by = _job(base, started["id"])
        if job["status"] == "done":
            seen[served_by] = job["status"]
        time.sleep(0.1)
    assert set(seen) - {submitted_by}, f"no other worker than {submitted_by} answered: {seen}"
    assert {s["standard"] for s in job["result"]["standards"]} == {"fire-5", "hazchem-30"}
    assert job["owner"].split(":")[1] == str(runner.pid)  # run by the runner process, not by a web process
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(60) == 0 and "job runner stopped" in "".join(runner_output)


def test_a_server_killed_during_a_job_leaves_it_failed_after_a_restart(instance, processes) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**instance, "PORT": str(port), "PLANNER_JOB_STALE_S": "30"}
    server = _start(["-m", "web"], env)
    processes.append(server)
    _drain(server, [])
    _wait_until_serving(base, server)
    status, started, _ = _call(f"{base}/api/v1/scenarios/mini/jobs", "POST",
                               {"kind": "sweep", "params": {"incidents": 1_000_000, "mode": "simulate",
                                                               "chunk_size": 500}})
    assert status == 202, started
    deadline = time.monotonic() + 120
    job, _ = _job(base, started["id"])
    while job["progress"] == 0 and time.monotonic() < deadline:  # running, its first chunks done
        time.sleep(0.2)
        job, _ = _job(base, started["id"])
    assert job["status"] == "running" and job["progress"] > 0
    family = psutil.Process(server.pid).children(recursive=True)  # the fork server and the job's worker
    assert family
    server.send_signal(signal.SIGKILL)
    server.wait(30)
    gone, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"processes outlived the killed server: {alive}"  # the job's worker ended with its runner
    database = Path(instance["PLANNER_INSTANCE"]) / "planner.sqlite"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        left = connection.execute("SELECT status, result FROM job WHERE id = ?", (started["id"],)).fetchone()
    assert left[0] == "running" and left[1] in (None, "null")  # what a crash leaves; no part of a result
    restarted = _start(["-m", "web"], env)
    processes.append(restarted)
    _drain(restarted, [])
    _wait_until_serving(base, restarted)
    came_back = time.monotonic()
    job, _ = _job(base, started["id"])
    while job["status"] == "running" and time.monotonic() - came_back < 30:
        time.sleep(0.2)
        job, _ = _job(base, started["id"])
    assert job["status"] == "failed" and job["error"] == INTERRUPTED and job["result"] is None
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    status, again, _ = _call(f"{base}/api/v1/jobs/{job['id']}/again", "POST")
    assert status == 202
    rerun, _ = _job(base, again["id"])
    assert rerun["rerun_of"] == job["id"] and rerun["params"] == job["params"]
    restarted.send_signal(signal.SIGTERM)  # stopping normally: the runner ends the job it runs and says so
    restarted.wait(60)
    with sqlite3.connect(database) as connection:
        status_after, error_after = connection.execute("SELECT status, error FROM job WHERE id = ?",
                                                       (again["id"],)).fetchone()
    assert (status_after, error_after) == ("failed", INTERRUPTED)


def test_a_dask_scheduler_that_never_answers_fails_the_sweep_job_within_the_connect_timeout(store) -> None:
    silent = socket.socket()  # accepts connections (the kernel does) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = _free_port()
    store.save_scenario(read_scenario(MINI))
    runner = JobRunner(store, workers=2, time_limit_s=10 * CONNECT_TIMEOUT_S).start()
    try:
        quiet = runner.submit("sweep", "mini", {"incidents": 100,
                                                "scheduler": f"tcp://127.0.0.1:{silent.getsockname()[1]}"})
        refused = runner.submit("sweep", "mini", {"incidents": 100, "scheduler": f"tcp://127.0.0.1:{closed}"})
        behind = runner.submit("sweep", "mini", {"incidents": 100})
        for job_id in (quiet, refused):
            failed = runner.wait(job_id, timeout_s=20 * CONNECT_TIMEOUT_S)
            assert failed["status"] == "failed" and "cannot reach the Dask scheduler" in failed["error"], failed
        assert f"did not answer within {CONNECT_TIMEOUT_S:g} s" in runner.get(quiet)["error"]  # not the job's limit
        assert runner.wait(behind, timeout_s=120)["status"] == "done"
    finally:
        runner.shutdown()
        silent.close()


def test_web_processes_starting_at_once_share_one_secret_key(tmp_path: Path) -> None:
    """Without SECRET_KEY, gunicorn workers starting together make the instance's key once and all use it."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(PLANNER_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'planner.sqlite'}",
               PLANNER_JOB_RUNNER="external")
    script = "from web import create_app; print(create_app().secret_key)"
    starting = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    keys = {process.communicate(timeout=300)[0].strip() for process in starting}
    assert len(keys) == 1 and keys == {(tmp_path / "secret_key").read_text().strip()}
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []
