"""``python -m planner backup`` / ``restore`` on SQLite and PostgreSQL: round trip, refusals, snapshot, atomicity."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import planner.jobs.kinds  # noqa: F401  (registers the coverage job run by fill())
from planner.cli import main
from planner.jobs.runner import JobRunner
from planner.model.records import RECORD_TYPES
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from planner.store.accounts import create_user
from planner.store.backup import TABLES
from planner.store.database import Store
from tests.conftest import MINI


def dump(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by primary key: the whole store, to compare before and after."""
    with store.engine.connect() as connection:
        return {table.name: [dict(row) for row in connection.execute(
            select(table).order_by(*table.primary_key.columns)).mappings()] for table in TABLES}


def fill(store: Store) -> None:
    """A store with something in every table: two scenarios, an edit, a document, users, a finished job."""
    mini = read_scenario(MINI)
    store.save_scenario(mini)
    store.save_scenario(Scenario.build("mini-two", dict(mini.meta), {kind: mini.records(kind) for kind in RECORD_TYPES},
                                       mini.agreements))
    data, version = store.get_record("mini", "teams", "T1")
    store.put_record("mini", "teams", {**data, "members": 30}, expected_version=version, actor="li")
    store.put_document("mini", "actions", "CA-1", {"title": "fix radio 修理电台", "status": "open"}, actor="li")
    create_user(store, "admin", "admin-pass-123", "admin")
    create_user(store, "li", "planner-pass-1", "planner")
    runner = JobRunner(store).start()  # runs the job in a worker process of its own
    try:
        runner.wait(runner.submit("coverage", "mini", {}), timeout_s=120)
    finally:
        runner.shutdown()


def change(store: Store) -> None:
    """Change the store after the backup: an edit, a new user, a deleted scenario."""
    data, version = store.get_record("mini", "teams", "T1")
    store.put_record("mini", "teams", {**data, "members": 5}, expected_version=version, actor="wang")
    create_user(store, "wang", "planner-pass-2", "planner")
    store.delete_scenario("mini-two")


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
def test_backup_then_restore_gives_back_every_row(cli_env: Path, database_url: str, kind: str, capsys) -> None:
    store = Store(database_url)
    if kind == "sqlite" and store.engine.dialect.name != "sqlite":
        pytest.skip("an sqlite backup is made of an SQLite store")
    fill(store)
    before = dump(store)
    target = cli_env / f"backup.{kind}"
    assert main(["backup", str(target), "--format", kind]) == 0
    said = capsys.readouterr().out
    assert "scenarios mini (version 2), mini-two (version 1)" in said and "2 users" in said
    change(store)
    assert dump(store) != before
    assert main(["restore", str(target)]) == 2  # a store with data is replaced only when asked
    assert "--replace" in capsys.readouterr().err
    assert main(["restore", str(target), "--replace"]) == 0
    said = capsys.readouterr().out
    assert f"restored {target}" in said and "scenarios mini (version 2), mini-two (version 1)" in said
    assert "it replaced: store" in said and "3 users" in said
    assert dump(store) == before
    # the restored store takes new writes (PostgreSQL's id sequences moved past the restored ids)
    data, version = store.get_record("mini", "teams", "T1")
    assert store.put_record("mini", "teams", {**data, "members": 31}, expected_version=version) == version + 1
    create_user(store, "zhao", "planner-pass-3", "planner")
    store.close()


def test_restore_refuses_what_is_not_a_backup_and_leaves_the_store(cli_env: Path, database_url: str,
                                                                   capsys) -> None:
    store = Store(database_url)
    fill(store)
    good = cli_env / "good.jsonl"
    assert main(["backup", str(good), "--format", "jsonl"]) == 0
    before = dump(store)
    lines = good.read_text(encoding="utf-8").splitlines()
    other_sqlite = cli_env / "other.sqlite"
    with sqlite3.connect(other_sqlite) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    bad_row = json.loads(lines[3])
    bad_row["row"]["surprise"] = 1
    duplicate_user = next(json.loads(line) for line in lines if '"table": "user_account"' in line)
    duplicate_user["row"]["id"] = 999
    end = json.loads(lines[-1])
    end["end"]["user_account"] += 1
    newer = json.loads(lines[0])
    newer["revision"] = "9999"
    cases = {
        "text.txt": ("hello\n", "not a planner backup"),
        "empty.jsonl": ("", "empty, not a planner backup"),
        "cut.jsonl": ("\n".join(lines[:-5]) + "\n", "incomplete or altered"),
        "edited.jsonl": ("\n".join([*lines[:3], json.dumps(bad_row), *lines[4:]]) + "\n", "line 4: a "),
        "newer.jsonl": ("\n".join([json.dumps(newer), *lines[1:]]) + "\n", "does not know"),
        "twice.jsonl": ("\n".join([*lines[:-1], json.dumps(duplicate_user), json.dumps(end)]) + "\n",
                        "break the store's constraints"),
    }
    for name, (content, _) in cases.items():
        (cli_env / name).write_text(content, encoding="utf-8")
    for name, message in [*((n, m) for n, (_, m) in cases.items()), ("other.sqlite", "not a backup of the planner"),
                          ("missing.jsonl", "no such backup file")]:
        assert main(["restore", str(cli_env / name), "--replace"]) == 2, name
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and "Traceback" not in err, (name, err)
        assert dump(store) == before, name  # nothing was restored, not even in part
    store.close()


def test_a_backup_taken_while_the_app_writes_is_one_consistent_snapshot(cli_env: Path, database_url: str) -> None:
    """Each write adds a record, its audit entry and one to the scenario's version: a snapshot agrees on all three."""
    store = Store(database_url)
    store.save_scenario(read_scenario(MINI))
    start_version = store.scenario_version("mini")
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            store.put_record("mini", "equipment", {"id": f"E-bk-{n}", "kind": "pump", "name": "pump", "quantity": 1,
                                                   "capabilities": [], "base": "B1"}, actor="writer")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        targets = []
        for k in range(3):
            target = cli_env / f"during-{k}.{'sqlite' if store.engine.dialect.name == 'sqlite' else 'jsonl'}"
            assert main(["backup", str(target)]) == 0
            targets.append(target)
    finally:
        stop.set()
        writer.join(60)
    for target in targets:
        assert main(["restore", str(target), "--replace"]) == 0
        made = [r for r in store.record_versions("mini", "equipment") if r.startswith("E-bk-")]
        audited = [e for e in store.audit_log(scenario="mini", limit=100_000) if e["record_id"].startswith("E-bk-")]
        assert len(made) == len(audited)
        assert store.scenario_version("mini") == start_version + len(made)
        store.load_scenario("mini")  # the restored scenario is whole and valid
    store.close()


def test_an_sqlite_backup_restores_into_either_database(tmp_path: Path, cli_env: Path, database_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving to PostgreSQL: back up the embedded store, restore with DATABASE_URL pointing at the server."""
    source_url = f"sqlite:///{tmp_path / 'embedded.sqlite'}"
    source = Store(source_url)
    fill(source)
    monkeypatch.setenv("DATABASE_URL", source_url)
    assert main(["backup", str(tmp_path / "move.sqlite")]) == 0
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["restore", str(tmp_path / "move.sqlite")]) == 0
    target = Store(database_url)
    assert dump(target) == dump(source)
    source.close()
    target.close()
