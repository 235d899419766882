"""``--help`` of every command loads none of the heavy libraries: they load when a command runs.

The rule is stated in ``planner/cli/__init__.py``; the times are printed by ``bench/cli_startup.py`` (no timing
is asserted here). Each check runs in a fresh interpreter, since the test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from planner.cli import command_paths

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("numpy", "pandas", "scipy", "networkx", "sqlalchemy", "alembic", "pydantic", "ortools", "shapely",
         "reportlab", "distributed", "dask", "flask", "yaml", "simpy", "icalendar", "osmium", "pyproj")
"""Libraries that no ``--help`` may import (each takes from 0.05 s to over 1 s to load)."""

PROBE = """
import contextlib, io, json, sys
from planner.cli import main
heavy = json.loads(sys.argv[1])
loaded = {}
for path in json.loads(sys.argv[2]):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            main([*path, "--help"])
        except SystemExit as done:
            code = done.code
    assert code == 0 and "usage:" in out.getvalue(), (path, code)
    loaded[" ".join(path) or "(top)"] = sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
print(json.dumps(loaded))
"""


def _heavy_loaded(paths: list[tuple[str, ...]]) -> dict[str, list[str]]:
    """Ask each command path for its ``--help`` in one fresh interpreter; the heavy libraries loaded after each."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY), json.dumps(paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_top_level_help_loads_no_heavy_library() -> None:
    assert _heavy_loaded([()]) == {"(top)": []}


def test_every_command_help_loads_no_heavy_library() -> None:
    paths = command_paths()
    assert ("drills", "plan") in paths and ("sweep",) in paths  # sub-commands are walked too
    loaded = _heavy_loaded(paths)
    assert list(loaded) == [" ".join(p) or "(top)" for p in paths]
    assert {name: mods for name, mods in loaded.items() if mods} == {}


def test_the_probe_sees_a_heavy_library_when_one_is_loaded() -> None:
    """The check can fail: a command that runs (not just --help) loads its libraries."""
    done = subprocess.run([sys.executable, "-c", "import sys; from planner.cli import main; "
                           "main(['locate', '--model', 'p-median', '--cost-matrix', '/nonexistent.csv']); "
                           "print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1].split(','))))",
                           ",".join(HEAVY)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "numpy" in done.stdout
