"""Transient locks: a write waits for SQLite's lock or runs again after PostgreSQL's deadlock; never a 500."""

from __future__ import annotations

import base64
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.store import engine
from planner.store.accounts import create_user
from planner.store.database import Store
from planner.store.tables import ScenarioRow
from tests.conftest import MINI, USERS
from web import create_app


def hold_write_lock(database: Path, seconds: float, held: threading.Event) -> threading.Thread:
    """Hold SQLite's write lock from another connection (another process would do the same) for ``seconds``."""

    def hold() -> None:
        connection = sqlite3.connect(database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def basic(user: str) -> dict[str, str]:
    """HTTP Basic credentials of a test user."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()}


def test_a_save_waits_for_a_lock_held_by_another_process_and_succeeds(app, client, users, database_url) -> None:
    """Held 6 s: longer than the driver's old 5 s timeout, which answered 500 'database is locked'."""
    read = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=basic("admin")).get_json()
    held = threading.Event()
    holder = hold_write_lock(Path(database_url.removeprefix("sqlite:///")), 6.0, held)
    assert held.wait(10)
    saved = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=basic("admin"),
                       json={"version": read["version"], "data": {**read["data"], "members": 40}})
    holder.join()
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["version"] == read["version"] + 1


def test_a_lock_held_through_every_attempt_answers_503_with_retry_after(database_url, tmp_path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 100)  # a short wait and few attempts, so the test is quick
    monkeypatch.setattr(engine, "ATTEMPTS", 3)
    monkeypatch.setattr(engine, "FIRST_DELAY_S", 0.01)
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                              "DEFAULT_SCENARIO": "mini", "WTF_CSRF_ENABLED": False})
    store = application.extensions["planner_store"]
    store.save_scenario(read_scenario(MINI))
    create_user(store, "admin", USERS["admin"], "admin")
    client = application.test_client()
    read = client.get("/api/v1/scenarios/mini/records/teams/T1", headers=basic("admin")).get_json()
    held = threading.Event()
    holder = hold_write_lock(Path(database_url.removeprefix("sqlite:///")), 3.0, held)
    assert held.wait(10)
    busy = client.put("/api/v1/scenarios/mini/records/teams/T1", headers=basic("admin"),
                      json={"version": read["version"], "data": {**read["data"], "members": 40}})
    holder.join()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert busy.get_json()["error"]["code"] == "busy" and "try again" in busy.get_json()["error"]["message"]
    assert store.get_record("mini", "teams", "T1") == (read["data"], read["version"])
    store.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_transaction_chosen_as_a_deadlock_victim_on_postgresql_is_run_again(database_url: str, mini_folder) -> None:
    store = Store(database_url)
    mini = read_scenario(mini_folder)
    for name in ("a", "b"):
        store.save_scenario(Scenario.build(name, dict(mini.meta), {k: mini.records(k) for k in
                                                                   ("jurisdictions", "bases", "teams", "sites")}))
    barrier = threading.Barrier(2, timeout=30)
    attempts = {"a": 0, "b": 0}

    def lock_both(first: str, second: str) -> str:
        def work(session: Session) -> str:
            attempts[first] += 1
            session.execute(select(ScenarioRow).where(ScenarioRow.name == first).with_for_update())
            if attempts[first] == 1:
                barrier.wait()  # both hold their first row: each now waits for the other's
            session.execute(select(ScenarioRow).where(ScenarioRow.name == second).with_for_update())
            return first

        return store.write(work)

    done: list[str] = []
    other = threading.Thread(target=lambda: done.append(lock_both("b", "a")))
    other.start()
    done.append(lock_both("a", "b"))
    other.join(60)
    assert sorted(done) == ["a", "b"]  # both committed: PostgreSQL's deadlock victim was run again
    assert sorted(attempts.values()) == [1, 2]
    store.close()
