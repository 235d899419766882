"""A writing process, watched while it writes and then killed with SIGKILL: the SQLite store is always whole.

The writer is ``python -m planner scenario load --replace`` run again and again in one process, loading
two variants of the Jinan folder in turn: variant A and B differ in the scenario's title, in one team's
members and in the drill calendar's settings document. While it writes, the test reads the three in one
read transaction as fast as it can: every snapshot must be one variant whole (a load stored in several
transactions shows B's records with A's settings in between). Then the writer is killed at a random
moment; SQLite's ``PRAGMA integrity_check`` must pass and the store must still be one variant whole.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

KILLS = 3
WATCH_S = 1.5
"""How long the test reads snapshots while the writer writes, before each kill."""
TEAM = "nat-tunnel-crcc14-tunnel"
"""The team whose members mark the variant (the first row of the Jinan teams.csv)."""
MARKS = {"A": (101, 11), "B": (202, 22)}
"""Variant -> (the team's members, the calendar's time_limit_s)."""
WRITER = """
import sys
from planner.cli import main
folders = sys.argv[1:]
for k in range(100_000):
    main(["scenario", "load", "--replace", folders[k % 2]])
    if k == 1:
        print("ready", file=sys.stderr, flush=True)
"""


def variant(tmp_path: Path, name: str) -> Path:
    """A copy of the Jinan folder whose title, first team's members and calendar time limit mark the variant."""
    members, time_limit_s = MARKS[name]
    folder = tmp_path / name
    # Without the people and the duty roster: they multiply a load's rows and time, and the watch below must
    # see the writer store both variants within its window.
    shutil.copytree(ROOT / "scenarios" / "jinan", folder, ignore=shutil.ignore_patterns("people.csv", "shifts.csv"))
    meta = folder / "scenario.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("title: Jinan", f"title: {name} Jinan", 1),
                    encoding="utf-8")
    teams = folder / "teams.csv"
    lines = teams.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    assert cells[0] == TEAM
    cells[5] = str(members)
    teams.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    calendar = folder / "calendar.yaml"
    text = calendar.read_text(encoding="utf-8").replace("time_limit_s: 20", f"time_limit_s: {time_limit_s}")
    calendar.write_text(text, encoding="utf-8")
    return folder


def snapshot(database: Path) -> tuple[str, tuple[int, int]]:
    """Read the title's variant, the team's members and the calendar's time limit in one read transaction."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        connection.execute("BEGIN")
        (scenario_id, title), = connection.execute("SELECT id, title FROM scenario WHERE name = 'jinan'")
        (team,), = connection.execute("SELECT data FROM record WHERE scenario_id = ? AND kind = 'teams' AND "
                                      "record_id = ?", (scenario_id, TEAM))
        (calendar,), = connection.execute("SELECT data FROM record WHERE scenario_id = ? AND kind = 'calendar'",
                                          (scenario_id,))
        connection.execute("COMMIT")
    finally:
        connection.close()
    return title.split()[0], (json.loads(team)["members"], json.loads(calendar)["programme"]["time_limit_s"])


def test_a_watched_and_killed_writer_leaves_a_whole_store(tmp_path: Path) -> None:
    folders = [variant(tmp_path, "A"), variant(tmp_path, "B")]
    database = tmp_path / "planner.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PLANNER_INSTANCE": str(tmp_path)}
    rng = random.Random(13)
    seen: set[str] = set()
    for _ in range(KILLS):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, *map(str, folders)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            assert writer.stderr is not None and writer.stderr.readline().strip() == "ready"
            deadline = time.monotonic() + WATCH_S + rng.uniform(0.0, 0.3)
            while time.monotonic() < deadline:
                which, marks = snapshot(database)
                assert marks == MARKS[which], f"a half-stored load is visible: title {which}, marks {marks}"
                seen.add(which)
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(30)
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        which, marks = snapshot(database)
        assert marks == MARKS[which], f"the kill left a half-stored load: title {which}, marks {marks}"
    assert seen == {"A", "B"}  # the watch saw the writer at work
