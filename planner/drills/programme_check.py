"""Independent check of a drill calendar against every programme rule, from its JSON alone.

It shares no code with the scheduler's model: it re-derives each rule from the plans, the calendar
data and the baseline coverage, and lists every violation that the programme's ``unmet`` list does not
declare. Used by the tests and available to the web pages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from planner.drills.calendar import DrillCalendar
from planner.drills.plans import PlanSet, required_periods
from planner.drills.programme_cover import Coverage


def check_programme(payload: Mapping[str, Any], plans: PlanSet, calendar: DrillCalendar, coverage: Coverage,
                    flood_scenarios: set[str]) -> tuple[list[str], list[str]]:
    """``(violations, warnings)``: hard rules broken without an ``unmet`` entry, and advisory ones.

    Rules: each plan drilled in each period its frequency requires; each plan's minimum field drills;
    each high-risk unit drilling every half-year; weekdays only (if set); no drill in an ``all`` blackout
    and no field drill in a ``field`` one; a plan's first flood-related drill before the flood season; no
    team twice a day, team drills ``min_team_gap_days`` apart and at most ``max_team_drills_per_month`` a
    month; every baseline-covered site keeps a covering team not in a field drill among those that can answer
    that day (``coverage.off_duty``; teams drilling at the site itself count when the setting says so);
    R-PROGRESSION as warnings.
    """
    settings = calendar.settings
    drills = [dict(d, day=dt.date.fromisoformat(d["date"])) for d in payload["drills"]]
    unmet = payload.get("unmet", [])
    declared = {(u.get("rule"), u.get("plan"), u.get("organisation"), u.get("period")) for u in unmet}
    declared_plans = {(u.get("rule"), u.get("plan")) for u in unmet}
    violations: list[str] = []
    warnings: list[str] = []
    year = int(payload["year"])
    for drill in drills:
        if drill["day"].year != year:
            violations.append(f"{drill['id']}: date {drill['date']} outside {year}")
        if drill["form"] not in ("tabletop", "field") or drill["scope"] not in ("single", "comprehensive"):
            violations.append(f"{drill['id']}: bad form or scope")
    # Frequency per plan.
    for plan in plans.plans:
        rule = plans.plan_rule(plan)
        for period in required_periods(plans, plan, year):
            held = [d for d in drills if plan.id in d["plans"] and period.start <= d["day"] <= period.end]
            if not held and (rule.id if rule else None, plan.id) not in declared_plans:
                violations.append(f"{rule.id if rule else '?'}: plan {plan.id} has no drill in {period.label}")
        fields = [d for d in drills if plan.id in d["plans"] and d["form"] == "field"]
        if len(fields) < plan.field_drills and ("PLAN-FIELD", plan.id) not in declared_plans:
            violations.append(f"PLAN-FIELD: plan {plan.id} has {len(fields)} field drills, needs {plan.field_drills}")
    # High-risk units every half-year.
    for organisation in plans.organisations.values():
        owned = {p.id for p in plans.plans if p.owner == organisation.id}
        for rule in plans.organisation_rules(organisation):
            if rule.frequency != "half-yearly" or not owned:
                continue
            for half, months in (("H1", range(1, 7)), ("H2", range(7, 13))):
                if not any(set(d["plans"]) & owned and d["day"].month in months for d in drills) and \
                        (rule.id, None, organisation.id, half) not in declared:
                    violations.append(f"{rule.id}: organisation {organisation.id} has no drill in {half}")
    # Calendar windows.
    for drill in drills:
        if settings["weekdays_only"] and drill["day"].weekday() >= 5:
            violations.append(f"{drill['id']}: on a weekend ({drill['date']})")
        for blackout in calendar.blackouts:
            if blackout.contains(drill["day"]) and (blackout.applies_to == "all" or drill["form"] == "field"):
                violations.append(f"BLACKOUT: {drill['id']} ({drill['form']}) on {drill['date']} in {blackout.name}")
    if calendar.flood_season is not None:
        for plan in plans.plans:
            mine = sorted(d["day"] for d in drills if plan.id in d["plans"] and d["scenario"] in flood_scenarios
                           and d["day"] < dt.date(year, 7, 1))
            if mine and mine[0] >= calendar.flood_season.start:
                violations.append(f"FLOOD-BEFORE: plan {plan.id} first flood drill {mine[0]} is in the flood season")
    # Team load.
    by_team: dict[str, list[dt.date]] = defaultdict(list)
    for drill in drills:
        for team in drill["teams"]:
            by_team[team].append(drill["day"])
    gap = int(settings["min_team_gap_days"])
    for team, days in by_team.items():
        days.sort()
        for a, b in zip(days, days[1:], strict=False):
            if (b - a).days < gap:
                violations.append(f"TEAM-LOAD: team {team} drills {a} and {b}, less than {gap} days apart")
        per_month: dict[int, int] = defaultdict(int)
        for day in days:
            per_month[day.month] += 1
        for month, count in per_month.items():
            if count > int(settings["max_team_drills_per_month"]):
                violations.append(f"TEAM-LOAD: team {team} has {count} drills in month {month}")
    # On-duty coverage.
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for drill in drills:
        if drill["form"] == "field":
            by_day[drill["day"]].append(drill)
    for day, field_drills in by_day.items():
        for cover in coverage.groups:
            away = {t for d in field_drills for t in d["teams"]
                    if not (settings["drilling_team_covers_drill_site"] and d.get("site") == cover.site)}
            answering = cover.teams - coverage.off_duty.get(day, frozenset())
            if answering and answering <= away:
                violations.append(f"COVER-ON-DUTY: on {day} site {cover.site} ({cover.standard}) has no team on duty")
    # Advisory progression.
    advisory = {(u.get("plan")) for u in unmet if u.get("rule") == "R-PROGRESSION"}
    for drill in drills:
        peers = [d for d in drills if d["owner"] == drill["owner"] and d["scenario"] == drill["scenario"]
                 and d["day"] < drill["day"]]
        if drill["form"] == "field" and not any(d["form"] == "tabletop" for d in peers):
            message = f"R-PROGRESSION: field drill {drill['id']} has no earlier tabletop drill"
            (warnings if drill["plans"][0] in advisory else violations).append(message)
        if drill["scope"] == "comprehensive" and not any(d["scope"] == "single" for d in peers):
            message = f"R-PROGRESSION: comprehensive drill {drill['id']} has no earlier single drill"
            (warnings if drill["plans"][0] in advisory else violations).append(message)
    return violations, warnings
