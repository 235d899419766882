"""A real server killed with SIGKILL mid-conduct: after a restart the clock, state and acknowledged log are there.

The server is ``python -m web`` (waitress) on a free port and an SQLite file. An evaluator logs observations
as fast as the server answers; the server is killed at a random moment while they are being sent. Every
observation the server answered 201 must be in the log after a restart, with its exercise time, and the
clock must still be running at x10 from where it was.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from planner.drills import records
from planner.store.accounts import create_user
from planner.store.database import Store
from tests.conftest import ROOT, load_jinan
from tests.test_drills_web import KEY, PROGRAMME

PASSWORD = "exercise-pass-1"
API = f"/api/v1/scenarios/jinan/drills/{KEY}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(base: str, user: str, method: str, path: str, body: object = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, method=method, data=data,
                                     headers={"Content-Type": "application/json", "Authorization": "Basic " +
                                              base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _serve(url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "PLANNER_INSTANCE": str(folder), "SECRET_KEY": "t"}
    env.pop("PLANNER_CLOCK", None)
    server = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("the server did not start within 60 s")


def test_a_server_killed_mid_conduct_loses_no_acknowledged_observation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'planner.sqlite'}"
    store = Store(url)
    load_jinan(store, small_plans=True)
    records.save_programme(store, "jinan", copy.deepcopy(PROGRAMME))
    for user in ("dir", "eva"):
        create_user(store, user, PASSWORD, "viewer")
    store.put_document("jinan", "exercises", KEY, {"roles": [{"user": "dir", "role": "director"},
                                                              {"user": "eva", "role": "evaluator"}]})
    store.close()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(url, port, tmp_path)
    acknowledged: list[dict] = []
    refused: list[dict] = []
    stop = threading.Event()

    def log_forever() -> None:
        k = 0
        while not stop.is_set():
            k += 1
            try:
                status, body = _call(base, "eva", "POST", f"{API}/conduct/observations",
                                     {"event": "note", "note": f"observation {k}"})
            except OSError as error:
                refused.append({"error": repr(error)})
                return  # the server is gone: what it answered before is what counts
            if status == 201:
                acknowledged.append(body)
            else:
                refused.append(body)

    try:
        status, started = _call(base, "dir", "POST", f"{API}/conduct", {"action": "start", "speed": 10})
        assert status == 200 and started["state"] == "running"
        writer = threading.Thread(target=log_forever)
        writer.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 3 and time.monotonic() < deadline:  # the first answers wait for the sign-in hash
            time.sleep(0.05)
        time.sleep(random.random())
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        writer.join(timeout=30)
    finally:
        stop.set()
        if server.poll() is None:
            server.kill()
    assert acknowledged, f"no observation was acknowledged before the kill: {refused[:2]}"

    server = _serve(url, port, tmp_path)
    try:
        status, after = _call(base, "dir", "GET", f"{API}/conduct")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    assert status == 200 and after["state"] == "running" and after["speed"] == 10
    logged = {(o["seq"], o["note"], o["exercise_min"]) for o in after["observations"]}
    assert {(o["seq"], o["note"], o["exercise_min"]) for o in acknowledged} <= logged
    assert after["exercise_min"] >= max(o["exercise_min"] for o in acknowledged)  # the clock ran on
