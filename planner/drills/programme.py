"""Annual drill programme: place each year's drills with CP-SAT so that every rule holds, or say why not.

The model (slots, days, one literal per rule group, and the formulation in words) is
:mod:`planner.drills.programme_model`; the drills it may place are :mod:`planner.drills.programme_slots`, the
on-duty coverage it keeps :mod:`planner.drills.programme_cover`. Here: the programme as a record, and the
schedule itself: solve with every prohibition assumed, explain each unmet requirement (a deletion pass over
the rule groups touching it), then spread the drills without giving up any rule.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, field_serializer, field_validator

from planner.availability import AvailabilityRules
from planner.clock import DEFAULT_ZONE
from planner.drills.calendar import Blackout, DrillCalendar
from planner.drills.plans import PlanSet, biennial_due
from planner.drills.programme_cover import Coverage, on_duty_coverage
from planner.drills.programme_model import ProgrammeModel, describe, explain, solve
from planner.drills.programme_slots import Slot, build_slots
from planner.drills.spreading import GoalCost, add_goals, goal_costs
from planner.errors import InputError, SolverLimitError
from planner.model.cp_sat import cp_sat_status
from planner.model.status import Status
from planner.model.validation import Model
from planner.scenario.library import Template
from planner.scenario.model import Scenario

__all__ = ["FIRST_YEAR", "LAST_YEAR", "CoverageGap", "Drill", "Programme", "Unmet", "off_duty", "schedule_programme"]

logger = logging.getLogger(__name__)


class Drill(Model):
    """A scheduled drill: date, form (tabletop | field), scope (single | comprehensive), what it satisfies."""

    id: str = Field(min_length=1, max_length=80)
    date: dt.date
    form: str = Field(pattern="^(tabletop|field)$")
    scope: str = Field(pattern="^(single|comprehensive)$")
    scenario: str
    plans: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    site: str | None = None
    owner: str = ""
    satisfies: tuple[str, ...] = ()


class Unmet(Model):
    """A rule that could not be met: which rule, plan or team, and why."""

    rule: str
    reason: str = ""
    plan: str | None = None
    organisation: str | None = None
    period: str | None = None
    advisory: bool = False
    blocked_by: tuple[str, ...] = ()


class CoverageGap(Model):
    """A site outside one of its response standards already before any drill (so no drill is held to it)."""

    site: str
    standard: str


FIRST_YEAR, LAST_YEAR = 1900, 2200
"""The years a programme may be planned for (a year outside is a mistake: a typo, a two-digit year)."""


class Programme(Model):
    """The year's drill calendar with the rules it meets and those it cannot.

    JSON: ``seconds`` is the solve time (``wall_s``); the flood season is kept as its ``start`` and ``end``.
    """

    year: int = Field(strict=True, ge=FIRST_YEAR, le=LAST_YEAR)
    plans: tuple[dict[str, Any], ...] = ()
    drills: tuple[Drill, ...]
    blackouts: tuple[Blackout, ...] = ()
    flood_season: Blackout | None = None
    unmet: tuple[Unmet, ...] = ()
    coverage_gaps: tuple[CoverageGap, ...] = ()
    settings: dict[str, Any] = Field(default_factory=dict)
    status: Status = Status.FEASIBLE
    wall_s: float = Field(default=0.0, alias="seconds")
    timezone: str = DEFAULT_ZONE
    organisations: tuple[dict[str, Any], ...] = ()
    goals: tuple[GoalCost, ...] = ()
    """What each spreading goal cost (:mod:`planner.drills.spreading`): where it gave way to the rules."""

    @field_validator("flood_season", mode="before")
    @classmethod
    def _flood_window(cls, value: Any) -> Any:
        """Read the stored ``{start, end}`` as the flood-season window (field drills barred)."""
        if isinstance(value, Mapping):
            return {"name": "flood season", "applies_to": "field", **value}
        return value

    @field_serializer("flood_season")
    def _flood_dates(self, value: Blackout | None) -> dict[str, str] | None:
        return None if value is None else {"start": value.start.isoformat(), "end": value.end.isoformat()}

    @field_serializer("wall_s")
    def _seconds(self, value: float) -> float:
        return round(value, 3)


def off_duty(programme: Programme) -> tuple[tuple[dt.date, str], ...]:
    """Return ``(day, team)`` for every team a field drill of the programme takes off duty, by day.

    The programme's own reading of a drill: a field (实战) drill holds its teams for its whole day, a
    tabletop (桌面) drill holds nobody (the on-duty coverage rule of :mod:`planner.drills.programme_model`
    reads it so). The year model (:mod:`planner.year`) keeps these teams from being sent on those days.
    """
    return tuple(sorted({(d.date, team) for d in programme.drills if d.form == "field" for team in d.teams}))


def schedule_programme(
    scenario: Scenario,
    plans: PlanSet,
    calendar: DrillCalendar,
    templates: Mapping[str, Template],
    *,
    coverage: Coverage | None = None,
    rules: AvailabilityRules | None = None,
    time_limit_s: float | None = None,
    workers: int = 2,
) -> Programme:
    """Place the year's drills so that every rule holds, or report in ``unmet`` which cannot and why.

    Parameters
    ----------
    scenario
        Teams and hazard sites (for the on-duty coverage rule).
    plans
        Plans, organisations and frequency rules (``plans.yaml``).
    calendar
        The year's blackouts, flood season and scheduler settings (``calendar.yaml``).
    templates
        The incident template library (flood-related scenarios).
    coverage
        Baseline coverage (default: :func:`on_duty_coverage` of the scenario for the calendar's year, each
        day's off-duty teams judged by the one availability function under ``rules``).
    rules
        The scenario's strength rules (default: :func:`planner.availability.default_rules`).
    time_limit_s
        Wall-clock limit per CP-SAT solve, seconds (default: the calendar's ``time_limit_s``).
    workers
        CP-SAT search workers for the main solve.

    Returns
    -------
    Programme
        Drills with the rules each satisfies, unmet rules with their reasons, baseline coverage gaps.

    """
    started = time.perf_counter()
    limit = float(time_limit_s if time_limit_s is not None else calendar.settings["time_limit_s"])
    if not limit > 0:
        raise InputError(f"time limit must be > 0 seconds, got {limit}", field="time_limit")
    for plan in plans.plans:
        for scenario_id in plan.scenarios:
            if scenario_id not in templates:
                raise InputError(f"plan {plan.id}: scenarios: {scenario_id!r} is not in the library",
                                 field="scenarios", record=plan.id)
    coverage = coverage if coverage is not None else on_duty_coverage(scenario, year=calendar.year, rules=rules)
    slots = build_slots(plans, calendar.year, templates, calendar.flood_season)
    built = ProgrammeModel(slots, plans, calendar, coverage)
    requirements = built.keys("requirement")
    prohibitions = built.keys("prohibition")
    solver, code = solve(built, prohibitions, time_limit_s=limit, workers=workers)
    status = cp_sat_status(code)
    if status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise SolverLimitError(f"drill programme: no calendar within {limit:g} s (status {status.value})")
    met = [k for k in requirements if solver.value(built.groups[k])]
    failed = [k for k in requirements if k not in met]
    blockers: dict[str, list[str]] = {}
    for key in failed:
        blockers[key] = explain(built, slots, key, met, limit)
        logger.info("programme: %s unmet, blocked by %s", key, blockers[key])
    if failed:  # the explanation solves changed the solver; solve the calendar again
        solver, code = solve(built, prohibitions, time_limit_s=limit, workers=workers)
        status = cp_sat_status(code)
    solver, status = _spread(built, slots, prohibitions, solver, status, time_limit_s=limit, workers=workers)

    drills = _drills(slots, built, solver, calendar.year)
    unmet = _unmet(built, solver, blockers, slots)
    by_id = {slot.id: slot for slot in slots}
    goals = goal_costs([d.date for d in drills], [by_id[d.id] for d in drills], [d.id for d in drills],
                       calendar.settings)
    plan_rows = []
    for plan in plans.plans:
        rule = plans.plan_rule(plan)
        frequency = plans.frequency(plan)
        plan_rows.append({
            "id": plan.id, "name": plan.name, "kind": plan.kind, "owner": plan.owner, "frequency": frequency,
            "rule": None if rule is None else rule.id, "source": None if rule is None else rule.source,
            "due": frequency != "biennial" or biennial_due(plan, calendar.year), "field_drills": plan.field_drills,
            "scenarios": list(plan.scenarios), "teams": list(plan.teams), "sites": list(plan.sites),
            "needs_revision": plan.needs_revision,
        })
    organisations = tuple({"id": o.id, "name": o.name, "type": o.type,
                           "rules": [r.id for r in plans.organisation_rules(o)]}
                          for o in plans.organisations.values())
    return Programme(
        year=calendar.year, plans=tuple(plan_rows), drills=drills, blackouts=calendar.blackouts,
        flood_season=calendar.flood_season, unmet=unmet,
        coverage_gaps=tuple(CoverageGap(site=site, standard=standard) for site, standard in coverage.gaps),
        settings=dict(calendar.settings), status=status, seconds=time.perf_counter() - started,
        timezone=calendar.timezone, organisations=organisations, goals=goals,
    )


def _spread(built: ProgrammeModel, slots: Sequence[Slot], prohibitions: Sequence[str], solver: Any, status: Status, *,
            time_limit_s: float, workers: int) -> tuple[Any, Status]:
    """Solve again with the spreading goals added, from the calendar in hand; keep that calendar if none is found.

    Finding a first calendar that meets every rule is the hard part, and the goals' many day and week sums
    slow it down; so the rules are solved first, and the goals refine that calendar (a CP-SAT hint) within
    half the time limit. The first solve's cost of the rules is a bound of the second, so no requirement,
    progression warning or extra drill is traded for a better spread.
    """
    ruled = len(built.model.proto.variables)
    goals = add_goals(built.model, slots, built.x, built.day, built.placed, built.first, built.settings)
    # Lexicographic: the rules' outcome (unmet, warnings, optional and field drills) may only get better.
    built.model.add(sum(built.penalty) <= round(solver.objective_value))
    built.model.minimize(sum(built.penalty) + sum(goals))
    built.model.clear_hints()
    hint = built.model.proto.solution_hint  # every variable of the rules, so CP-SAT starts from that calendar
    solution = solver.response_proto.solution
    hint.vars.extend(range(ruled))
    hint.values.extend(solution[k] for k in range(ruled))
    spread, code = solve(built, prohibitions, time_limit_s=max(1.0, time_limit_s / 2), workers=workers)
    spread_status = cp_sat_status(code)
    if spread_status not in (Status.OPTIMAL, Status.FEASIBLE):
        return solver, status
    return spread, spread_status


def _drills(slots: Sequence[Slot], built: ProgrammeModel, solver: Any, year: int) -> tuple[Drill, ...]:
    first = dt.date(year, 1, 1)
    out = []
    for i, slot in enumerate(slots):
        if not solver.value(built.placed[i]):
            continue
        d = next(d for d, v in built.x[i].items() if solver.value(v))
        form = "field" if solver.value(built.field[i]) else "tabletop"
        if slot.required:
            satisfies = tuple(f"{slot.rule} {p} {slot.period}" for p in slot.plans)
        elif slot.purpose == "preparation":
            satisfies = (f"R-PROGRESSION {slot.owner} {slot.scenario}",)
        else:
            satisfies = (f"{slot.rule} {slot.owner} {slot.period}",)
        out.append(Drill(id=slot.id, date=first + dt.timedelta(days=d), form=form, scope=slot.scope,
                         scenario=slot.scenario, plans=slot.plans, teams=slot.teams, site=slot.site, owner=slot.owner,
                         satisfies=satisfies))
    return tuple(sorted(out, key=lambda r: (r.date, r.id)))


def _unmet(built: ProgrammeModel, solver: Any, blockers: Mapping[str, list[str]],
           slots: Sequence[Slot]) -> tuple[Unmet, ...]:
    out = []
    for key in sorted(blockers):
        if solver.value(built.groups[key]):
            continue
        details = built.group_info[key]
        blocking = blockers.get(key, [])
        reasons = [describe(built.group_info[k]) for k in blocking]
        what = describe(details)
        reason = f"{what} cannot hold together with: " + "; ".join(reasons) if reasons else \
            f"{what} cannot be met in the year's working days outside the blackout windows"
        out.append(Unmet(rule=str(details.get("rule")), reason=reason, plan=details.get("plan"),
                         organisation=details.get("organisation"), period=details.get("period"),
                         blocked_by=tuple(blocking)))
    for i, pairs in built.progression.items():
        for label, violated in pairs:
            if solver.value(violated):
                slot = slots[i]
                first_kind = "field" if label == "tabletop" else "comprehensive"
                out.append(Unmet(
                    rule="R-PROGRESSION", plan=slot.plans[0], period=slot.period, advisory=True,
                    reason=f"the {first_kind} drill {slot.id} ({slot.scenario}) has no earlier {label} drill of the "
                           f"same scenario for {slot.owner} this year (先桌面后实战、先单项后综合)",
                ))
    return tuple(out)
