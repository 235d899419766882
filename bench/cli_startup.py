"""CLI start-up benchmark: wall time of ``python -m planner [COMMAND ...] --help`` for every command.

Each command path (the top level, every command and sub-command) is asked for its ``--help`` in a fresh
interpreter, as a user types it; the median of ``--runs`` runs is printed. The baseline, measured in the same
run, is the same ``--help`` after importing eagerly every module the CLI package imports anywhere (at the
top of a module or inside a handler): the start-up the CLI had with all its imports at the top. The ratio is
baseline / lazy. Goal (issue 17): every lazy ``--help`` under 0.3 s on the project's machine.

Wall time depends on how busy the machine is (several sessions share its two cores), so the CPU seconds
of each child (user + system, from ``getrusage``) are printed beside it: on a loaded machine they show
what the wall time is on an idle one.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import table  # noqa: E402
from planner.cli import command_paths  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 0.3

EAGER = """
import importlib, sys
for name in sys.argv[1].split(","):
    importlib.import_module(name)
from planner.cli import main
main(sys.argv[2:])
"""


def cli_imports() -> list[str]:
    """Every module the CLI package imports, at the top of a module or inside a function (sorted)."""
    found: set[str] = set()
    for path in (ROOT / "planner" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return sorted(found - {"__future__"})


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of ``runs`` runs of a command (output discarded; it must exit 0)."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    """Measure every command's --help, lazy and eager, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command, the median is printed (default 5)")
    args = parser.parse_args(argv)
    modules = ",".join(cli_imports())
    python = sys.executable
    timed([python, "-m", "planner", "--help"], 1)  # warms the file cache for both kinds
    rows = []
    for path in command_paths():
        help_args = [*path, "--help"]
        lazy, lazy_cpu = timed([python, "-m", "planner", *help_args], args.runs)
        eager, eager_cpu = timed([python, "-c", EAGER, modules, *help_args], args.runs)
        rows.append([" ".join(path) or "(top)", f"{lazy:.3f}", f"{lazy_cpu:.3f}", f"{eager:.3f}", f"{eager_cpu:.3f}",
                     f"{eager / lazy:.1f}"])
        print(f"{rows[-1][0]}: lazy {lazy:.3f} s, eager {eager:.3f} s", file=sys.stderr, flush=True)
    table(["python -m planner ... --help", "lazy s", "lazy CPU s", "eager s (baseline)", "eager CPU s", "ratio"], rows)
    slowest = max(float(r[1]) for r in rows)
    slowest_cpu = max(float(r[2]) for r in rows)
    print(f"\nslowest lazy --help {slowest:.3f} s wall, {slowest_cpu:.3f} s CPU (goal < {GOAL_S} s: "
          f"{'met' if slowest < GOAL_S else 'NOT met'} on the wall clock, load average "
          f"{os.getloadavg()[0]:.1f}); {len(rows)} command paths, median of {args.runs} runs each, "
          f"{len(modules.split(','))} modules eager")
    return 0


if __name__ == "__main__":
    sys.exit(main())
