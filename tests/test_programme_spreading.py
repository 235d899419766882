"""Spreading goals of the drill programme: drills spread when the rules allow, give way by the least possible.

Each test counts the calendar's dates itself (not through :func:`goal_costs`) and compares with a bound that
follows from the set-up: the pigeonhole bound when too few days are open, zero when there is room.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from planner.drills.calendar import parse_calendar
from planner.drills.plans import parse_plans
from planner.drills.programme import Programme, schedule_programme
from planner.drills.programme_cover import Coverage
from planner.drills.spreading import week_of
from planner.scenario.library import load_library

LIBRARY = load_library()
NO_COVER = Coverage((), ())


def _programme(plans: list[dict[str, Any]], *, jurisdictions: dict[str, str],
               blackouts: Sequence[dict[str, Any]] = (), settings: dict[str, Any] | None = None) -> Programme:
    """Schedule 2026 for yearly special plans of units (R-DRILL-1), one owner per jurisdiction given."""
    plan_set = parse_plans({
        "organisations": [{"id": owner, "name": owner, "type": "unit", "jurisdiction": place}
                          for owner, place in jurisdictions.items()],
        "plans": [{"name": p["id"], "kind": "special", "scenarios": ["mine-flooding"], **p} for p in plans],
    })
    calendar = parse_calendar({"programme": {"time_limit_s": 10, **(settings or {})},
                               "years": {2026: {"blackouts": list(blackouts)}}}, 2026)
    return schedule_programme(None, plan_set, calendar, LIBRARY, coverage=NO_COVER)  # type: ignore[arg-type]


def _goal(programme: Programme, name: str) -> int:
    return next(g.violations for g in programme.goals if g.goal == name)


def _six_plans(owner_of: Any) -> list[dict[str, Any]]:
    return [{"id": f"p{k}", "owner": owner_of(k), "teams": [f"team{k}"]} for k in range(6)]


ONE_WEEK_OPEN = [{"name": "works", "start": "2026-01-01", "end": "2026-03-01", "applies_to": "all"},
                 {"name": "works 2", "start": "2026-03-07", "end": "2026-12-31", "applies_to": "all"}]
"""Only Monday 2 March to Friday 6 March 2026 are open: five working days of one week."""


def test_drills_spread_over_days_and_weeks_when_the_year_is_open() -> None:
    programme = _programme(_six_plans(lambda k: "u"), jurisdictions={"u": "licheng"})
    assert not [u for u in programme.unmet if not u.advisory]
    dates = [d.date for d in programme.drills]
    assert len(dates) == 6
    assert max(Counter(dates).values()) == 1  # one a day
    assert max(Counter(week_of(d) for d in dates).values()) <= 2  # two a week
    assert _goal(programme, "per-day") == 0 and _goal(programme, "per-week") == 0


def test_goals_give_way_by_the_least_the_rules_need_and_say_where() -> None:
    # Six required drills in five open days of one week: the pigeonhole bound is one day with two drills,
    # and the week holds 6 against a limit of 2, so per-day costs 1 and per-week 4, no more.
    programme = _programme(_six_plans(lambda k: "u"), jurisdictions={"u": "licheng"}, blackouts=ONE_WEEK_OPEN)
    dates = [d.date for d in programme.drills]
    assert len(dates) == 6 and all(dt.date(2026, 3, 2) <= d <= dt.date(2026, 3, 6) for d in dates)
    per_day = Counter(dates)
    assert sum(n - 1 for n in per_day.values() if n > 1) == 1
    assert _goal(programme, "per-day") == 1 and _goal(programme, "per-week") == 4
    day_goal = next(g for g in programme.goals if g.goal == "per-day")
    crowded = next(d for d, n in per_day.items() if n == 2)
    assert day_goal.cost == 20 and str(crowded) in day_goal.details[0] and "licheng" in day_goal.details[0]


def test_limits_count_per_jurisdiction() -> None:
    # Three drills in each of two jurisdictions, three open days: each jurisdiction gets one a day.
    blackouts = [{"name": "works", "start": "2026-01-01", "end": "2026-03-01", "applies_to": "all"},
                 {"name": "works 2", "start": "2026-03-05", "end": "2026-12-31", "applies_to": "all"}]
    programme = _programme(_six_plans(lambda k: "a" if k < 3 else "b"), jurisdictions={"a": "licheng", "b": "lixia"},
                           blackouts=blackouts, settings={"max_drills_per_week": 3})
    owner = {d.id: d.owner for d in programme.drills}
    per_place_day = Counter((owner[d.id], d.date) for d in programme.drills)
    assert len(programme.drills) == 6 and max(per_place_day.values()) == 1
    assert _goal(programme, "per-day") == 0


def test_a_teams_drills_keep_their_spacing_and_a_plan_its_months() -> None:
    plans: list[dict[str, Any]] = [{"id": "early", "owner": "u", "teams": ["squad"]},
                                   {"id": "late", "owner": "u", "teams": ["squad"], "preferred_months": [10]}]
    programme = _programme(plans, jurisdictions={"u": "licheng"}, settings={"team_spacing_days": 60})
    day = {d.plans[0]: d.date for d in programme.drills}
    assert day["late"].month == 10
    assert abs((day["late"] - day["early"]).days) >= 60
    assert _goal(programme, "team-spacing") == 0 and _goal(programme, "preferred-months") == 0
