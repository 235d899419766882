"""Annual drill programme: place each year's drills with CP-SAT so that every rule holds, or say why not.

Formulation (one day per drill, days of the year as integers):

- *Slots*: each plan needs one drill per period of its frequency (R-DRILL-1, R-DRILL-2, R-DRILL-3G,
  see :mod:`planner.drills.plans`); a comprehensive plan's yearly drill also exercises its owner's special plans
  of the same scenario (one drill, several plans). Optional slots are added and used only when needed:
  a tabletop *preparation* drill per owner and scenario (R-PROGRESSION) and a tabletop drill per
  high-risk unit and half-year (R-DRILL-3).
- *Variables*: ``x[i, d]`` = slot ``i`` on day ``d`` (only working days of its period outside the
  ``all`` blackouts), ``field[i]`` = field (实战) rather than tabletop (桌面) form.
- *Constraints*: each required slot placed once; each plan's minimum of field drills; no field drill
  in a ``field`` blackout; flood-related drills of the first period before the flood season; a team's
  drills at least ``min_team_gap_days`` apart and at most ``max_team_drills_per_month`` per month (so
  never two the same day); on every day, each hazard site covered at baseline stays within its response
  standard from the teams not in a field drill (a team drilling at the site itself still covers it). A
  team that cannot answer on a day by the one availability function (its duty roster, people on leave,
  certificates, strength rules: :func:`planner.availability.availability` at :data:`DRILL_HOUR`) covers
  nothing that day, so the team whose on-duty strength is then the site's only cover does not drill.
- *Advisory*: a field drill follows an earlier tabletop drill, and a comprehensive drill an earlier single
  one, of the same owner and scenario (R-PROGRESSION, 先桌面后实战、先单项后综合); violations are listed.
- *Objective*: fewest unmet requirements, then fewest progression warnings, then fewest optional drills
  and field drills (field drills take teams off duty); then, in a second solve that may not make any of
  these worse, the spreading goals of :mod:`planner.drills.spreading` (drills per day and week per
  jurisdiction, team spacing, a plan's preferred months), each reported with what it cost.

Every rule group carries a literal. Prohibitions are assumed (never violated); requirements are rewarded,
so when they cannot all hold the solver meets as many as it can, and each unmet requirement is explained:
with it and the met ones assumed the model is infeasible, and a deletion pass over the rule groups touching
it leaves the ones that block it (which rule, plan, team or site). These are reported in ``unmet``;
nothing is violated silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model
from pydantic import Field, field_serializer, field_validator

from planner.availability import AvailabilityRules, availability
from planner.clock import DEFAULT_ZONE
from planner.coverage.verdict import coverage as coverage_report
from planner.drills.calendar import Blackout, DrillCalendar
from planner.drills.plans import Plan, PlanSet, biennial_due, required_periods
from planner.drills.spreading import GoalCost, add_goals, goal_costs
from planner.errors import InputError, SolverLimitError
from planner.model.cp_sat import cp_sat_status
from planner.model.status import Status
from planner.model.validation import Model
from planner.scenario.library import Template
from planner.scenario.model import Scenario

logger = logging.getLogger(__name__)

UNMET_WEIGHT = 10_000
PROGRESSION_WEIGHT = 100
OPTIONAL_WEIGHT = 3
FIELD_WEIGHT = 1
DRILL_HOUR = 10
"""The hour (wall clock in the scenario's zone) at which a day's on-duty strength is judged [U]: mid-morning,
when drills are held and after the usual 08:00 shift change."""


@dataclass(frozen=True)
class CoverGroup:
    """A (site, standard) pair met at baseline and the teams that meet it (``teams`` is never empty)."""

    site: str
    standard: str
    max_min: float
    teams: frozenset[str]


@dataclass(frozen=True)
class Coverage:
    """Which teams keep each hazard site within each of its standards, the baseline gaps, and who is off duty.

    ``off_duty`` maps a day to the teams that cannot answer that day (by the one availability function):
    they cover nothing on that day, drilling or not.
    """

    groups: tuple[CoverGroup, ...]
    gaps: tuple[tuple[str, str], ...]
    off_duty: Mapping[dt.date, frozenset[str]] = field(default_factory=dict)

    def answering(self, cover: CoverGroup, day: dt.date) -> frozenset[str]:
        """Return the teams of a cover group that can answer on a day."""
        return cover.teams - self.off_duty.get(day, frozenset())


def on_duty_coverage(scenario: Scenario, *, year: int | None = None,
                     rules: AvailabilityRules | None = None) -> Coverage:
    """Teams that meet each site's response standards at baseline, by the one coverage verdict.

    The verdict is :func:`planner.coverage.verdict.coverage` (rule in :mod:`planner.coverage.rule`):
    a team meets standard ``s`` at site ``k`` when it is available, counts for the standard
    (capability, tiers) and arrives (turn-out + drive) within ``max_min``. Pairs no team meets are
    baseline gaps (not caused by drills). ``min_share`` is not used: every site met at baseline must
    stay met while teams drill. With ``year``, each day's off-duty teams come from :func:`off_duty_by_day`
    under ``rules`` (the scenario's strength rules; the defaults when None).
    """
    report = coverage_report(scenario)
    groups = tuple(CoverGroup(r.site, r.standard, r.max_min, frozenset(r.in_time)) for r in report.sites if r.passed)
    gaps = tuple((r.site, r.standard) for r in report.sites if not r.passed)
    off_duty = {} if year is None else off_duty_by_day(scenario, year, rules,
                                                        teams={t for g in groups for t in g.teams})
    return Coverage(groups, gaps, off_duty)


def off_duty_by_day(scenario: Scenario, year: int, rules: AvailabilityRules | None = None, *,
                    teams: set[str] | None = None) -> dict[dt.date, frozenset[str]]:
    """Return, for each day of the year, the teams (of ``teams``, default all) that cannot answer at DRILL_HOUR.

    Judged by the one availability function: a team nobody of which is on duty, or whose people on duty
    can staff none of what it declares, cannot answer. Days when every team can are left out; a scenario
    without people recorded has none (every team counts at its declared strength).
    """
    if not scenario.people:
        return {}
    if teams is not None:  # judge only those teams: the same function on their records, a fraction of the work
        scenario = dataclasses.replace(
            scenario, teams=tuple(t for t in scenario.teams if t.id in teams),
            people=tuple(p for p in scenario.people if p.team in teams),
            shifts=tuple(s for s in scenario.shifts if s.team in teams),
            equipment=tuple(e for e in scenario.equipment if e.team in teams))
    out: dict[dt.date, frozenset[str]] = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        report = availability(scenario, dt.datetime.combine(day, dt.time(DRILL_HOUR)), rules)
        gone = frozenset(t for t in report.out() if teams is None or t in teams)
        if gone:
            out[day] = gone
        day += dt.timedelta(days=1)
    return out


# ----------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Slot:
    """A drill the model may place: required by ``rule`` for ``period`` or optional (``purpose``)."""

    id: str
    plans: tuple[str, ...]
    owner: str
    scenario: str
    teams: tuple[str, ...]
    site: str | None
    scope: str
    start: dt.date
    end: dt.date
    period: str
    purpose: str
    rule: str | None
    tabletop_only: bool = False
    flood_before: dt.date | None = None
    jurisdiction: str = ""
    """The owner's jurisdiction: the spreading goals count drills per jurisdiction."""
    preferred_months: tuple[int, ...] = ()

    @property
    def required(self) -> bool:
        """Whether a frequency rule requires this drill."""
        return self.purpose == "required"


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
    tabletop (桌面) drill holds nobody (the on-duty coverage rule above is stated the same way). The
    year model (:mod:`planner.year`) keeps these teams from being sent on those days.
    """
    return tuple(sorted({(d.date, team) for d in programme.drills if d.form == "field" for team in d.teams}))


# ----------------------------------------------------------------------------------------------------
# Slots


def build_slots(plans: PlanSet, year: int, templates: Mapping[str, Template],
                flood_season: Blackout | None) -> list[Slot]:
    """Return the required drills of ``year`` and the optional ones the model may add."""
    slots: list[Slot] = []
    merged_into: dict[str, str] = {}
    for plan in plans.plans:
        if plan.kind != "comprehensive" or plans.frequency(plan) != "yearly":
            continue
        for other in plans.plans:
            if (other.owner == plan.owner and other.kind == "special" and plans.frequency(other) == "yearly"
                    and other.id not in merged_into and other.scenarios[0] == plan.scenarios[0]):
                merged_into[other.id] = plan.id
    for plan in plans.plans:
        if plan.id in merged_into:
            continue
        rule = plans.plan_rule(plan)
        combined = [plan] + [plans.plan(p) for p, host in merged_into.items() if host == plan.id]
        teams = tuple(dict.fromkeys(t for p in combined for t in p.teams))
        for k, period in enumerate(required_periods(plans, plan, year)):
            scenario = plan.scenarios[k % len(plan.scenarios)]
            slots.append(Slot(
                id=f"{plan.id}-{period.label}", plans=tuple(p.id for p in combined), owner=plan.owner,
                scenario=scenario, teams=teams, site=plan.sites[0] if plan.sites else None,
                scope="comprehensive" if plan.kind == "comprehensive" else "single",
                start=period.start, end=period.end, period=period.label, purpose="required",
                rule=None if rule is None else rule.id,
                flood_before=_flood_limit(templates, scenario, period.label, flood_season),
                jurisdiction=_jurisdiction(plans, plan.owner), preferred_months=plan.preferred_months,
            ))
    # Optional tabletop preparation drills, one per owner and scenario (R-PROGRESSION).
    keys: dict[tuple[str, str], list[Plan]] = defaultdict(list)
    for plan in plans.plans:
        for scenario in plan.scenarios:
            keys[(plan.owner, scenario)].append(plan)
    used = {(s.owner, s.scenario) for s in slots}
    for (owner, scenario), owned in sorted(keys.items()):
        if (owner, scenario) not in used:
            continue
        teams = tuple(dict.fromkeys(t for p in owned for t in p.teams))
        slots.append(Slot(
            id=f"prep-{owner}-{scenario}", plans=tuple(p.id for p in owned), owner=owner, scenario=scenario,
            teams=teams, site=owned[0].sites[0] if owned[0].sites else None, scope="single",
            start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), period="Y", purpose="preparation", rule=None,
            tabletop_only=True, flood_before=_flood_limit(templates, scenario, "Y", flood_season),
            jurisdiction=_jurisdiction(plans, owner),
        ))
    # Optional tabletop drills that keep a high-risk unit drilling every half-year (R-DRILL-3).
    for organisation in plans.organisations.values():
        owned = [p for p in plans.plans if p.owner == organisation.id]
        for rule in plans.organisation_rules(organisation):
            if not owned or rule.frequency != "half-yearly":
                continue
            first = owned[0]
            for half, start, end in (("H1", dt.date(year, 1, 1), dt.date(year, 6, 30)),
                                     ("H2", dt.date(year, 7, 1), dt.date(year, 12, 31))):
                slots.append(Slot(
                    id=f"unit-{organisation.id}-{half}", plans=(first.id,), owner=organisation.id,
                    scenario=first.scenarios[0], teams=first.teams, site=first.sites[0] if first.sites else None,
                    scope="single", start=start, end=end, period=half, purpose="unit", rule=rule.id,
                    tabletop_only=True,
                    flood_before=_flood_limit(templates, first.scenarios[0], half, flood_season),
                    jurisdiction=organisation.jurisdiction,
                ))
    return slots


def _jurisdiction(plans: PlanSet, owner: str) -> str:
    """Return the jurisdiction of a plan owner ("" when the owner is not listed or names none)."""
    organisation = plans.organisations.get(owner)
    return "" if organisation is None else organisation.jurisdiction


def _flood_limit(templates: Mapping[str, Template], scenario: str, period: str,
                 flood_season: Blackout | None) -> dt.date | None:
    """Flood-related drills of the first period (H1 or the year) end before the flood season."""
    template = templates.get(scenario)
    if flood_season is None or template is None or not template.flood_related or period == "H2":
        return None
    return flood_season.start


# ----------------------------------------------------------------------------------------------------
# Model


@dataclass
class _Built:
    model: Any
    x: dict[int, dict[int, Any]]
    field: dict[int, Any]
    placed: dict[int, Any]
    day: dict[int, Any]
    groups: dict[str, Any]
    group_info: dict[str, dict[str, Any]]
    progression: dict[int, list[tuple[str, Any]]]
    penalty: list[Any]
    first: dt.date
    settings: Mapping[str, Any]


def _build(slots: Sequence[Slot], plans: PlanSet, calendar: DrillCalendar, coverage: Coverage) -> _Built:
    """Build the CP-SAT model; every rule group has a literal in ``groups``.

    Prohibitions (blackouts, flood season, team load, on-duty coverage) hold when their literal is assumed;
    requirements (frequency, field drills, unit half-years) are rewarded by the objective, so the solver
    meets as many as the prohibitions allow.
    """
    settings = calendar.settings
    year = calendar.year
    first = dt.date(year, 1, 1)

    # Data: allowed days of each slot, field-blackout days, months.
    all_black = [b for b in calendar.blackouts if b.applies_to == "all"]
    field_black = [b for b in calendar.blackouts if b.applies_to == "field"]

    def allowed(slot: Slot) -> list[int]:
        days = []
        day = slot.start
        while day <= slot.end:
            if not (settings["weekdays_only"] and day.weekday() >= 5) and not any(b.contains(day) for b in all_black):
                days.append((day - first).days)
            day += dt.timedelta(days=1)
        return days

    domains = {i: allowed(s) for i, s in enumerate(slots)}
    n_days = (dt.date(year, 12, 31) - first).days + 1
    month_of = [(first + dt.timedelta(days=d)).month for d in range(n_days)]

    # Model.
    model = cp_model.CpModel()
    groups: dict[str, Any] = {}
    info: dict[str, dict[str, Any]] = {}

    def group(key: str, **details: Any) -> Any:
        if key not in groups:
            groups[key] = model.new_bool_var(key)
            info[key] = details
        return groups[key]

    # Variables: x[i][d] (slot on day), field[i], placed[i], day[i].
    x: dict[int, dict[int, Any]] = {i: {d: model.new_bool_var(f"x_{i}_{d}") for d in domains[i]} for i in domains}
    field_var = {i: model.new_bool_var(f"field_{i}") for i in domains}
    placed = {i: model.new_bool_var(f"placed_{i}") for i in domains}
    day = {i: model.new_int_var(0, n_days, f"day_{i}") for i in domains}
    for i, slot in enumerate(slots):
        # A slot is placed on at most one day, and its day variable is that day.
        model.add(sum(x[i].values()) == placed[i])
        model.add(day[i] == sum(d * v for d, v in x[i].items()))
        # A field drill is a placed drill, and preparation or unit drills are tabletop.
        model.add_implication(field_var[i], placed[i])
        if slot.tabletop_only:
            model.add(field_var[i] == 0)

    # Constraints.
    for i, slot in enumerate(slots):
        if slot.required:
            # Each required drill is placed in its period (R-DRILL-1/2/3G).
            lit = group(f"freq:{slot.id}", kind="requirement", rule=slot.rule, plan=slot.plans[0], period=slot.period,
                        slot=slot.id)
            model.add(placed[i] == 1).only_enforce_if(lit)
    for plan in plans.plans:
        carriers = [i for i, s in enumerate(slots) if plan.id in s.plans and not s.tabletop_only]
        if plan.field_drills:
            # Each plan has at least its minimum of field drills in the year.
            lit = group(f"field:{plan.id}", kind="requirement", rule="PLAN-FIELD", plan=plan.id,
                        need=plan.field_drills)
            model.add(sum(field_var[i] for i in carriers) >= plan.field_drills).only_enforce_if(lit)
    for organisation in plans.organisations.values():
        for rule in plans.organisation_rules(organisation):
            if rule.frequency != "half-yearly":
                continue
            for half in ("H1", "H2"):
                members = [i for i, s in enumerate(slots) if s.owner == organisation.id]
                half_days = _half_days(half, year, first)
                # A high-risk unit drills at least once in each half-year (R-DRILL-3).
                lit = group(f"unit:{organisation.id}:{half}", kind="requirement", rule=rule.id,
                            organisation=organisation.id, period=half)
                model.add(sum(v for i in members for d, v in x[i].items() if d in half_days) >= 1
                          ).only_enforce_if(lit)
    for blackout in field_black:
        black_days = {(d - first).days for d in _dates(blackout, year)}
        lit = group(f"blackout:{blackout.name}", kind="prohibition", rule="BLACKOUT", name=blackout.name,
                    start=blackout.start.isoformat(), end=blackout.end.isoformat())
        for i in domains:
            inside = [v for d, v in x[i].items() if d in black_days]
            if inside:
                # No field drill inside a field blackout window.
                model.add(sum(inside) == 0).only_enforce_if([lit, field_var[i]])
    for i, slot in enumerate(slots):
        if slot.flood_before is not None:
            limit = (slot.flood_before - first).days
            late = [v for d, v in x[i].items() if d >= limit]
            if late:
                # Flood-related drills of the first period end before the flood season starts.
                lit = group(f"flood:{slot.id}", kind="prohibition", rule="FLOOD-BEFORE", slot=slot.id,
                            plan=slot.plans[0], limit=slot.flood_before.isoformat())
                model.add(sum(late) == 0).only_enforce_if(lit)
    by_team: dict[str, list[int]] = defaultdict(list)
    for i, slot in enumerate(slots):
        for team in slot.teams:
            by_team[team].append(i)
    gap = int(settings["min_team_gap_days"])
    per_month = int(settings["max_team_drills_per_month"])
    for team, members in sorted(by_team.items()):
        if len(members) < 2:
            continue
        lit = group(f"team:{team}", kind="prohibition", rule="TEAM-LOAD", team=team, gap=gap, per_month=per_month)
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                i, j = members[a], members[b]
                order = model.new_bool_var(f"order_{i}_{j}")
                # Two drills of the same team are at least the minimum gap apart (never the same day).
                model.add(day[i] + gap <= day[j]).only_enforce_if([lit, placed[i], placed[j], order])
                model.add(day[j] + gap <= day[i]).only_enforce_if([lit, placed[i], placed[j], ~order])
        for month in range(1, 13):
            terms = [v for i in members for d, v in x[i].items() if month_of[d] == month]
            if len(terms) > per_month:
                # A team has at most the monthly maximum of drills.
                model.add(sum(terms) <= per_month).only_enforce_if(lit)
    covers_site = bool(settings["drilling_team_covers_drill_site"])
    y: dict[tuple[int, int], Any] = {}

    def field_on(i: int, d: int) -> Any:
        if (i, d) not in y:
            y[(i, d)] = model.new_bool_var(f"y_{i}_{d}")
            model.add_bool_and([x[i][d], field_var[i]]).only_enforce_if(y[(i, d)])
            model.add_bool_or([~x[i][d], ~field_var[i], y[(i, d)]])
        return y[(i, d)]

    for cover in coverage.groups:
        drilling = {i: cover.teams & set(s.teams) for i, s in enumerate(slots)
                    if not s.tabletop_only and not (covers_site and s.site == cover.site)}
        drilling = {i: t for i, t in drilling.items() if t}
        lit = None
        for d in sorted({d for i in drilling for d in x[i]}):
            answering = coverage.answering(cover, first + dt.timedelta(days=d))
            weights = {i: len(answering & t) for i, t in drilling.items() if d in x[i] and answering & t}
            if not answering or sum(weights.values()) < len(answering):
                continue  # nobody answers that day anyway (not the drills' doing), or the drills cannot take all
            if lit is None:
                lit = group(f"cover:{cover.site}:{cover.standard}", kind="prohibition", rule="COVER-ON-DUTY",
                            site=cover.site, standard=cover.standard, teams=sorted(cover.teams))
            # On every day some team answering for this site's standard is not in a field drill.
            model.add(sum(w * field_on(i, d) for i, w in weights.items()) <= len(answering) - 1).only_enforce_if(lit)

    # Advisory progression: a field drill follows a tabletop, a comprehensive one a single one, same scenario.
    progression: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    same: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, slot in enumerate(slots):
        same[(slot.owner, slot.scenario)].append(i)
    for i, slot in enumerate(slots):
        peers = [j for j in same[(slot.owner, slot.scenario)] if j != i]
        checks: list[tuple[str, Any, Any]] = []
        if not slot.tabletop_only:
            checks.append(("tabletop", field_var[i], lambda j: ~field_var[j]))
        if slot.scope == "comprehensive":
            checks.append(("single", placed[i], None))
        for label, trigger, condition in checks:
            violated = model.new_bool_var(f"prog_{label}_{i}")
            befores = []
            for j in peers:
                if label == "single" and slots[j].scope != "single":
                    continue
                before = model.new_bool_var(f"before_{label}_{j}_{i}")
                model.add(day[j] + 1 <= day[i]).only_enforce_if(before)
                model.add_implication(before, placed[j])
                if condition is not None:
                    model.add_implication(before, condition(j))
                befores.append(before)
            # Unless flagged as a warning, the drill has an earlier preparatory drill (R-PROGRESSION).
            model.add_bool_or([~trigger, violated, *befores])
            progression[i].append((label, violated))

    # Objective: unmet soft requirements, progression warnings, optional and field drills.
    penalty = []
    for key, details in info.items():
        if details["kind"] == "requirement":
            penalty.append(UNMET_WEIGHT * (1 - groups[key]))
    penalty += [PROGRESSION_WEIGHT * v for pairs in progression.values() for _, v in pairs]
    penalty += [OPTIONAL_WEIGHT * placed[i] for i, s in enumerate(slots) if not s.required]
    penalty += [FIELD_WEIGHT * field_var[i] for i in domains]
    model.minimize(sum(penalty))
    return _Built(model, x, field_var, placed, day, groups, info, progression, penalty, first, settings)


def _dates(blackout: Blackout, year: int) -> list[dt.date]:
    days = []
    day = max(blackout.start, dt.date(year, 1, 1))
    while day <= min(blackout.end, dt.date(year, 12, 31)):
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def _half_days(half: str, year: int, first: dt.date) -> set[int]:
    start, end = (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == "H1" else (dt.date(year, 7, 1),
                                                                                    dt.date(year, 12, 31))
    return set(range((start - first).days, (end - first).days + 1))


def _solve(built: _Built, assumed: Sequence[str], *, time_limit_s: float, workers: int,
           feasibility: bool = False) -> Any:
    """Solve under the assumed rule groups; ``feasibility`` stops at the first calendar (explanations ask no more)."""
    built.model.clear_assumptions()
    built.model.add_assumptions([built.groups[key] for key in assumed])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 7
    solver.parameters.stop_after_first_solution = feasibility
    code = solver.solve(built.model)
    return solver, code


def _explain(built: _Built, slots: Sequence[Slot], key: str, met: Sequence[str], time_limit_s: float) -> list[str]:
    """Rule groups that, with requirement ``key``, cannot all hold (deletion over the groups touching it).

    The candidates are the prohibitions and met requirements that share a team, a slot or a plan with
    ``key``; each is dropped in turn and kept out when the rest stays infeasible.
    """
    details = built.group_info[key]
    mine = [s for s in slots if s.id == details.get("slot") or details.get("plan") in s.plans
            or (details.get("organisation") and s.owner == details.get("organisation"))]
    teams = {t for s in mine for t in s.teams}
    slot_ids = {s.id for s in mine}
    prohibitions = [k for k, v in built.group_info.items() if v["kind"] == "prohibition"]
    others = [k for k in met if k != key]

    def touches(k: str) -> bool:
        v = built.group_info[k]
        if v["rule"] == "BLACKOUT":
            return True
        if v["rule"] == "TEAM-LOAD":
            return v["team"] in teams
        if v["rule"] == "COVER-ON-DUTY":
            return bool(teams & set(v["teams"]))
        if v["rule"] == "FLOOD-BEFORE":
            return v["slot"] in slot_ids
        slot = v.get("slot")
        plan = v.get("plan")
        return any((slot == s.id or plan in s.plans) and teams & set(s.teams) for s in slots)

    candidates = [k for k in prohibitions + others if touches(k)]
    assumed = [key, *prohibitions, *others]
    _, code = _solve(built, assumed, time_limit_s=time_limit_s, workers=2, feasibility=True)
    if code != cp_model.INFEASIBLE:
        return []
    for candidate in candidates:
        trial = [k for k in assumed if k != candidate]
        _, code = _solve(built, trial, time_limit_s=min(5.0, time_limit_s), workers=2, feasibility=True)
        if code == cp_model.INFEASIBLE:
            assumed = trial
    return [k for k in assumed if k in candidates]


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
    built = _build(slots, plans, calendar, coverage)
    requirements = [k for k, v in built.group_info.items() if v["kind"] == "requirement"]
    prohibitions = [k for k, v in built.group_info.items() if v["kind"] == "prohibition"]
    solver, code = _solve(built, prohibitions, time_limit_s=limit, workers=workers)
    status = cp_sat_status(code)
    if status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise SolverLimitError(f"drill programme: no calendar within {limit:g} s (status {status.value})")
    met = [k for k in requirements if solver.value(built.groups[k])]
    failed = [k for k in requirements if k not in met]
    blockers: dict[str, list[str]] = {}
    for key in failed:
        blockers[key] = _explain(built, slots, key, met, limit)
        logger.info("programme: %s unmet, blocked by %s", key, blockers[key])
    if failed:  # the explanation solves changed the solver; solve the calendar again
        solver, code = _solve(built, prohibitions, time_limit_s=limit, workers=workers)
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


def _spread(built: _Built, slots: Sequence[Slot], prohibitions: Sequence[str], solver: Any, status: Status, *,
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
    spread, code = _solve(built, prohibitions, time_limit_s=max(1.0, time_limit_s / 2), workers=workers)
    spread_status = cp_sat_status(code)
    if spread_status not in (Status.OPTIMAL, Status.FEASIBLE):
        return solver, status
    return spread, spread_status


def _drills(slots: Sequence[Slot], built: _Built, solver: Any, year: int) -> tuple[Drill, ...]:
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


def _unmet(built: _Built, solver: Any, blockers: Mapping[str, list[str]], slots: Sequence[Slot]) -> tuple[Unmet, ...]:
    out = []
    for key in sorted(blockers):
        if solver.value(built.groups[key]):
            continue
        details = built.group_info[key]
        blocking = blockers.get(key, [])
        reasons = [_describe(built.group_info[k]) for k in blocking]
        what = _describe(details)
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


def _describe(details: Mapping[str, Any]) -> str:
    rule = details.get("rule")
    if rule == "PLAN-FIELD":
        return f"plan {details['plan']} needs {details['need']} field drill(s) a year"
    if rule == "COVER-ON-DUTY":
        teams = ", ".join(details["teams"])
        return (f"site {details['site']} must stay within standard {details['standard']} while teams drill "
                f"(only {teams} meet it)")
    if rule == "TEAM-LOAD":
        return (f"team {details['team']} drills at most {details['per_month']} a month, "
                f"at least {details['gap']} days apart")
    if rule == "BLACKOUT":
        return f"no field drills in {details['name']} ({details['start']}..{details['end']})"
    if rule == "FLOOD-BEFORE":
        return f"flood drill {details['slot']} must end before the flood season ({details['limit']})"
    if details.get("organisation"):
        return f"{rule}: organisation {details['organisation']} drills in {details['period']}"
    return f"{rule}: plan {details.get('plan')} drilled in {details.get('period')}"
