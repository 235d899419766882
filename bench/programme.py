"""Drill programme benchmark: CP-SAT scheduler vs a greedy first-fit calendar on jinan 2026.

The greedy baseline puts each required drill (tabletop form) on the first working day of its period
outside the blackouts where none of its teams already drills within the gap; it ignores field minimums,
progression and coverage. Both calendars go through the independent checker; prints drills, violations,
unmet, wall_s and the time ratio.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import datetime as dt
import time
from typing import Any

from planner.drills.calendar import read_calendar
from planner.drills.plans import read_plans
from planner.drills.programme import schedule_programme
from planner.drills.programme_check import check_programme
from planner.drills.programme_cover import on_duty_coverage
from planner.drills.programme_slots import build_slots
from planner.scenario.files import read_scenario
from planner.scenario.library import load_library
from planner.scenario.paths import scenario_path


def greedy(slots: list[Any], calendar: Any) -> dict[str, Any]:
    """First-fit calendar of the required slots."""
    busy: dict[str, list[dt.date]] = {}
    drills = []
    gap = calendar.settings["min_team_gap_days"]
    for slot in [s for s in slots if s.required]:
        day = slot.start
        while day <= slot.end:
            free = day.weekday() < 5 and not any(b.contains(day) and b.applies_to == "all" for b in calendar.blackouts)
            free = free and all(abs((day - d).days) >= gap for t in slot.teams for d in busy.get(t, []))
            if free:
                for team in slot.teams:
                    busy.setdefault(team, []).append(day)
                drills.append({"id": slot.id, "date": day.isoformat(), "form": "tabletop", "scope": slot.scope,
                               "scenario": slot.scenario, "plans": list(slot.plans), "teams": list(slot.teams),
                               "site": slot.site, "owner": slot.owner})
                break
            day += dt.timedelta(days=1)
    return {"year": calendar.year, "drills": drills, "unmet": []}


def main() -> None:
    """Schedule jinan 2026 with CP-SAT and the greedy baseline, check both and print the comparison."""
    library = load_library()
    scenario = read_scenario("jinan")
    folder = scenario_path("jinan")
    plans = read_plans(folder / "plans.yaml", scenario=scenario, templates=library)
    calendar = read_calendar(folder / "calendar.yaml", 2026)
    coverage = on_duty_coverage(scenario)
    flood = {t for t, x in library.items() if x.flood_related}
    started = time.perf_counter()
    programme = schedule_programme(scenario, plans, calendar, library, coverage=coverage)
    cp_s = time.perf_counter() - started
    violations, _ = check_programme(programme.to_json(), plans, calendar, coverage, flood)
    started = time.perf_counter()
    baseline = greedy(build_slots(plans, 2026, library, calendar.flood_season), calendar)
    greedy_s = time.perf_counter() - started
    greedy_violations, _ = check_programme(baseline, plans, calendar, coverage, flood)
    print(f"instance jinan 2026: {len(plans.plans)} plans, {len(scenario.teams)} teams, "
          f"{len(coverage.groups)} cover groups")
    print(f"cp-sat:  drills {len(programme.drills)}  status {programme.status.value}  unmet {len(programme.unmet)}  "
          f"violations {len(violations)}  wall_s {cp_s:.2f}")
    print(f"greedy:  drills {len(baseline['drills'])}  violations {len(greedy_violations)}  wall_s {greedy_s:.4f}")
    for line in greedy_violations[:5]:
        print(f"         {line}")
    print(f"ratio cp-sat / greedy time: {cp_s / max(greedy_s, 1e-9):.0f}  (limit: 60 s)")


if __name__ == "__main__":
    main()
