"""Soft goals that spread a year's drills: per-day and per-week limits per jurisdiction, team spacing, plan months.

The hard rules of :mod:`planner.drills.programme` say what a programme must do; on their own they let the
solver put six drills on 2 January. These goals say what a programme people can run looks like, and are
paid for only when a hard rule or another goal needs it:

- at most ``max_drills_per_day`` drills a day and ``max_drills_per_week`` a week (Monday to Sunday) in one
  jurisdiction (the plan owner's, ``organisations[].jurisdiction``; owners without one share a pool);
- two drills of the same team at least ``team_spacing_days`` apart (beyond the hard ``min_team_gap_days``);
- a plan's drills in its ``preferred_months`` when it names some.

One function states the goals in the CP-SAT model (:func:`add_goals`), one measures what a calendar pays
for each (:func:`goal_costs`), from the dates alone, so the page can say which goal cost what and a test
can check the solver's calendar against it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from planner.model.validation import Model

PER_DAY_WEIGHT = 20
PER_WEEK_WEIGHT = 10
SPACING_WEIGHT = 4
MONTH_WEIGHT = 4
"""Cost of one unit of each goal in the programme's objective: below an unmet requirement (10,000) and a
progression warning (100), above an optional (3) or a field drill (1)."""

GOALS = ("per-day", "per-week", "team-spacing", "preferred-months")


class Placeable(Protocol):
    """What the goals need of a drill the model may place: its teams, jurisdiction and preferred months."""

    @property
    def teams(self) -> tuple[str, ...]: ...  # noqa: D102

    @property
    def jurisdiction(self) -> str: ...  # noqa: D102

    @property
    def preferred_months(self) -> tuple[int, ...]: ...  # noqa: D102


class GoalCost(Model):
    """What one spreading goal cost in a calendar: how often it gave way, the weighted cost, and where."""

    goal: str
    limit: str
    weight: int
    violations: int = 0
    cost: int = 0
    details: tuple[str, ...] = ()


def week_of(day: dt.date) -> tuple[int, int]:
    """ISO (year, week) of a day: weeks run Monday to Sunday."""
    iso = day.isocalendar()
    return iso.year, iso.week


def add_goals(model: Any, drills: Sequence[Placeable], x: Mapping[int, Mapping[int, Any]],
              day: Mapping[int, Any], placed: Mapping[int, Any], first: dt.date,
              settings: Mapping[str, Any]) -> list[Any]:
    """State the goals in ``model`` over ``x[i][d]`` (drill i on day offset d); return the objective's terms."""
    terms: list[Any] = []
    per_day, per_week = int(settings["max_drills_per_day"]), int(settings["max_drills_per_week"])
    by_place: dict[tuple[str, int], list[Any]] = defaultdict(list)
    by_week: dict[tuple[str, tuple[int, int]], list[Any]] = defaultdict(list)
    for i, drill in enumerate(drills):
        for d, var in x[i].items():
            by_place[(drill.jurisdiction, d)].append(var)
            by_week[(drill.jurisdiction, week_of(first + dt.timedelta(days=d)))].append(var)
    for groups, limit, weight, name in ((by_place, per_day, PER_DAY_WEIGHT, "day"),
                                        (by_week, per_week, PER_WEEK_WEIGHT, "week")):
        for key, members in groups.items():
            if len(members) > limit:
                excess = model.new_int_var(0, len(members) - limit, f"over_{name}_{key}")
                model.add(sum(members) - limit <= excess)
                terms.append(weight * excess)
    spacing = int(settings["team_spacing_days"])
    by_team: dict[str, list[int]] = defaultdict(list)
    for i, drill in enumerate(drills):
        for team in drill.teams:
            by_team[team].append(i)
    horizon = max((d for days in x.values() for d in days), default=0) + 1
    for team, members in sorted(by_team.items()):
        for a, i in enumerate(members):
            for j in members[a + 1:]:
                if spacing <= 0:
                    continue
                apart = model.new_int_var(0, horizon, f"apart_{team}_{i}_{j}")
                model.add_abs_equality(apart, day[i] - day[j])
                close = model.new_bool_var(f"close_{team}_{i}_{j}")
                model.add(apart >= spacing).only_enforce_if([placed[i], placed[j], ~close])
                terms.append(SPACING_WEIGHT * close)
    for i, drill in enumerate(drills):
        if drill.preferred_months:
            outside = [var for d, var in x[i].items() if (first + dt.timedelta(days=d)).month not in
                       drill.preferred_months]
            terms += [MONTH_WEIGHT * var for var in outside]
    return terms


def goal_costs(dates: Sequence[dt.date], drills: Sequence[Placeable], ids: Sequence[str],
               settings: Mapping[str, Any]) -> tuple[GoalCost, ...]:
    """Measure what a calendar (``dates[k]`` of drill ``drills[k]``, named ``ids[k]``) pays for each goal."""
    per_day, per_week = int(settings["max_drills_per_day"]), int(settings["max_drills_per_week"])
    spacing = int(settings["team_spacing_days"])
    days: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    weeks: dict[tuple[str, tuple[int, int]], list[str]] = defaultdict(list)
    for when, drill, name in zip(dates, drills, ids, strict=True):
        days[(drill.jurisdiction, when)].append(name)
        weeks[(drill.jurisdiction, week_of(when))].append(name)
    where = lambda jurisdiction: jurisdiction or "no jurisdiction"  # noqa: E731
    day_rows = [(len(v) - per_day, f"{d}: {len(v)} drills in {where(j)} ({', '.join(v)})")
                for (j, d), v in sorted(days.items()) if len(v) > per_day]
    week_rows = [(len(v) - per_week, f"week {w[1]} of {w[0]}: {len(v)} drills in {where(j)} ({', '.join(v)})")
                 for (j, w), v in sorted(weeks.items()) if len(v) > per_week]
    close_rows: list[tuple[int, str]] = []
    for a in range(len(drills)):
        for b in range(a + 1, len(drills)):
            shared = sorted(set(drills[a].teams) & set(drills[b].teams))
            gap = abs((dates[a] - dates[b]).days)
            if shared and spacing > 0 and gap < spacing:
                close_rows.extend((1, f"team {team}: {ids[a]} and {ids[b]} {gap} days apart") for team in shared)
    month_rows = [(1, f"{name} in month {when.month}, preferred {list(drill.preferred_months)}")
                  for when, drill, name in zip(dates, drills, ids, strict=True)
                  if drill.preferred_months and when.month not in drill.preferred_months]

    def cost(goal: str, limit: str, weight: int, rows: list[tuple[int, str]]) -> GoalCost:
        count = sum(n for n, _ in rows)
        return GoalCost(goal=goal, limit=limit, weight=weight, violations=count, cost=weight * count,
                        details=tuple(text for _, text in rows))

    return (cost("per-day", f"{per_day} a day per jurisdiction", PER_DAY_WEIGHT, day_rows),
            cost("per-week", f"{per_week} a week per jurisdiction", PER_WEEK_WEIGHT, week_rows),
            cost("team-spacing", f"{spacing} days between a team's drills", SPACING_WEIGHT, close_rows),
            cost("preferred-months", "a plan's preferred months", MONTH_WEIGHT, month_rows))
