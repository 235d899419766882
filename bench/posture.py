"""Pre-positioning under a warning: the CP-SAT posture against doing nothing and greedy nearest moves.

Instances: the red rainstorm CAP alert over Licheng (tests/fixtures/cap) on the Jinan scenario, for
1, 2, 4 and 8 moves, and a manual red rainstorm over the whole Jinan city area at 4 moves. For each:
problem size (teams, options, rows), risk-weighted coverage covered by doing nothing, greedy nearest
moves and the optimiser, the optimiser's bound and status, seconds, and the ratio optimiser/greedy.
All in this process on the same network. Run: ``.venv/bin/python bench/posture.py``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import table  # noqa: E402
from planner.posture.cap import read_cap  # noqa: E402
from planner.posture.prepositioning import plan_posture  # noqa: E402
from planner.posture.settings import posture_inputs  # noqa: E402
from planner.posture.warnings import warning_from_dict  # noqa: E402
from planner.store.settings import read_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime.fromisoformat("2026-07-20T06:30:00+08:00")


def main() -> None:
    """Plan the posture for each warning and move budget and print the comparison table."""
    scenario, settings = read_folder("jinan")
    inputs = posture_inputs(settings, scenario)
    licheng = read_cap(ROOT / "tests" / "fixtures" / "cap" / "red-rainstorm-licheng.xml", now=NOW)
    city = (warning_from_dict({"id": "city-red", "event": "暴雨红色预警", "onset": "2026-07-20T06:00:00+08:00",
                               "expires": "2026-07-20T20:00:00+08:00",
                               "area": {"regions": ["lixia", "shizhong", "huaiyin", "tianqiao", "licheng"]}}, now=NOW),)
    rows = []
    for label, warnings, moves in [("licheng", licheng, 1), ("licheng", licheng, 2), ("licheng", licheng, 4),
                                   ("licheng", licheng, 8), ("city", city, 4)]:
        started = time.perf_counter()
        report = plan_posture(scenario, warnings, rules=inputs.rules, staging=inputs.staging, calendar=inputs.calendar,
                              max_moves=moves, time_limit_s=20)
        total = time.perf_counter() - started
        f = {x.name: x for x in report.figures}
        rows.append([f"jinan/{label}", moves, f["optimised"].rows, f["current"].weight, f["do_nothing"].weight,
                     f["greedy"].weight, f["optimised"].weight, report.bound, report.status,
                     f"{f['greedy'].wall_s:.3f}", f"{f['optimised'].wall_s:.3f}", f"{total:.2f}",
                     f"{f['optimised'].weight / f['greedy'].weight:.3f}", f"{f['optimised'].cost:.0f}"])
    table(["instance", "K", "rows", "current", "do nothing", "greedy", "optimised", "bound", "status", "greedy s",
           "solver s", "total s", "opt/greedy", "cost yuan"], rows)


if __name__ == "__main__":
    main()
