"""The annual drill programme as a CP-SAT model: slots, days, and one literal per rule group.

:func:`planner.drills.programme.schedule_programme` builds it, solves it and reads the calendar back.

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

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ortools.sat.python import cp_model

from planner.drills.calendar import Blackout, DrillCalendar
from planner.drills.plans import PlanSet
from planner.drills.programme_cover import Coverage
from planner.drills.programme_slots import Slot

__all__ = ["FIELD_WEIGHT", "OPTIONAL_WEIGHT", "PROGRESSION_WEIGHT", "UNMET_WEIGHT", "ProgrammeModel", "describe",
           "explain", "solve"]

UNMET_WEIGHT = 10_000
PROGRESSION_WEIGHT = 100
OPTIONAL_WEIGHT = 3
FIELD_WEIGHT = 1


class ProgrammeModel:
    """The CP-SAT model of one year's programme; every rule group has a literal in ``groups``.

    Prohibitions (blackouts, flood season, team load, on-duty coverage) hold when their literal is assumed;
    requirements (frequency, field drills, unit half-years) are rewarded by the objective, so the solver
    meets as many as the prohibitions allow. Each rule group is added by its own method, in the order of
    the module docstring.
    """

    def __init__(self, slots: Sequence[Slot], plans: PlanSet, calendar: DrillCalendar, coverage: Coverage) -> None:
        self.slots, self.settings, self.year = slots, calendar.settings, calendar.year
        self.first = dt.date(self.year, 1, 1)
        self.model = cp_model.CpModel()
        self.groups: dict[str, Any] = {}
        self.group_info: dict[str, dict[str, Any]] = {}
        all_black = [b for b in calendar.blackouts if b.applies_to == "all"]
        n_days = (dt.date(self.year, 12, 31) - self.first).days + 1
        self.month_of = [(self.first + dt.timedelta(days=d)).month for d in range(n_days)]
        model = self.model
        # Variables: x[i][d] (slot on day), field[i], placed[i], day[i].
        self.x: dict[int, dict[int, Any]] = {
            i: {d: model.new_bool_var(f"x_{i}_{d}") for d in self._allowed_days(slot, all_black)}
            for i, slot in enumerate(slots)
        }
        self.field = {i: model.new_bool_var(f"field_{i}") for i in self.x}
        self.placed = {i: model.new_bool_var(f"placed_{i}") for i in self.x}
        self.day = {i: model.new_int_var(0, n_days, f"day_{i}") for i in self.x}
        self._field_on: dict[tuple[int, int], Any] = {}
        for i, slot in enumerate(slots):
            # A slot is placed on at most one day, and its day variable is that day.
            model.add(sum(self.x[i].values()) == self.placed[i])
            model.add(self.day[i] == sum(d * v for d, v in self.x[i].items()))
            # A field drill is a placed drill, and preparation or unit drills are tabletop.
            model.add_implication(self.field[i], self.placed[i])
            if slot.tabletop_only:
                model.add(self.field[i] == 0)
        self._frequencies()
        self._field_drills(plans)
        self._unit_half_years(plans)
        self._field_blackouts([b for b in calendar.blackouts if b.applies_to == "field"])
        self._flood_season()
        self._team_load()
        self._on_duty(coverage)
        self.progression = self._progression()
        self.penalty = self._objective()

    def _allowed_days(self, slot: Slot, blackouts: Sequence[Blackout]) -> list[int]:
        """Days (of the year, from 0) a slot may take: its period's working days outside the ``all`` blackouts."""
        days = []
        day = slot.start
        while day <= slot.end:
            if not (self.settings["weekdays_only"] and day.weekday() >= 5) and not any(b.contains(day)
                                                                                      for b in blackouts):
                days.append((day - self.first).days)
            day += dt.timedelta(days=1)
        return days

    def group(self, key: str, **details: Any) -> Any:
        """Return the literal of rule group ``key``, made on first use with its ``details`` (for explanations)."""
        if key not in self.groups:
            self.groups[key] = self.model.new_bool_var(key)
            self.group_info[key] = details
        return self.groups[key]

    def _frequencies(self) -> None:
        for i, slot in enumerate(self.slots):
            if slot.required:
                # Each required drill is placed in its period (R-DRILL-1/2/3G).
                lit = self.group(f"freq:{slot.id}", kind="requirement", rule=slot.rule, plan=slot.plans[0],
                                 period=slot.period, slot=slot.id)
                self.model.add(self.placed[i] == 1).only_enforce_if(lit)

    def _field_drills(self, plans: PlanSet) -> None:
        for plan in plans.plans:
            carriers = [i for i, s in enumerate(self.slots) if plan.id in s.plans and not s.tabletop_only]
            if plan.field_drills:
                # Each plan has at least its minimum of field drills in the year.
                lit = self.group(f"field:{plan.id}", kind="requirement", rule="PLAN-FIELD", plan=plan.id,
                                 need=plan.field_drills)
                self.model.add(sum(self.field[i] for i in carriers) >= plan.field_drills).only_enforce_if(lit)

    def _unit_half_years(self, plans: PlanSet) -> None:
        for organisation in plans.organisations.values():
            for rule in plans.organisation_rules(organisation):
                if rule.frequency != "half-yearly":
                    continue
                members = [i for i, s in enumerate(self.slots) if s.owner == organisation.id]
                for half in ("H1", "H2"):
                    half_days = _half_days(half, self.year, self.first)
                    # A high-risk unit drills at least once in each half-year (R-DRILL-3).
                    lit = self.group(f"unit:{organisation.id}:{half}", kind="requirement", rule=rule.id,
                                     organisation=organisation.id, period=half)
                    self.model.add(sum(v for i in members for d, v in self.x[i].items() if d in half_days) >= 1
                                   ).only_enforce_if(lit)

    def _field_blackouts(self, blackouts: Sequence[Blackout]) -> None:
        for blackout in blackouts:
            black_days = {(d - self.first).days for d in _dates(blackout, self.year)}
            lit = self.group(f"blackout:{blackout.name}", kind="prohibition", rule="BLACKOUT", name=blackout.name,
                             start=blackout.start.isoformat(), end=blackout.end.isoformat())
            for i, days in self.x.items():
                inside = [v for d, v in days.items() if d in black_days]
                if inside:
                    # No field drill inside a field blackout window.
                    self.model.add(sum(inside) == 0).only_enforce_if([lit, self.field[i]])

    def _flood_season(self) -> None:
        for i, slot in enumerate(self.slots):
            if slot.flood_before is None:
                continue
            limit = (slot.flood_before - self.first).days
            late = [v for d, v in self.x[i].items() if d >= limit]
            if late:
                # Flood-related drills of the first period end before the flood season starts.
                lit = self.group(f"flood:{slot.id}", kind="prohibition", rule="FLOOD-BEFORE", slot=slot.id,
                                 plan=slot.plans[0], limit=slot.flood_before.isoformat())
                self.model.add(sum(late) == 0).only_enforce_if(lit)

    def _team_load(self) -> None:
        by_team: dict[str, list[int]] = defaultdict(list)
        for i, slot in enumerate(self.slots):
            for team in slot.teams:
                by_team[team].append(i)
        gap = int(self.settings["min_team_gap_days"])
        per_month = int(self.settings["max_team_drills_per_month"])
        model, day, placed = self.model, self.day, self.placed
        for team, members in sorted(by_team.items()):
            if len(members) < 2:
                continue
            lit = self.group(f"team:{team}", kind="prohibition", rule="TEAM-LOAD", team=team, gap=gap,
                             per_month=per_month)
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    i, j = members[a], members[b]
                    order = model.new_bool_var(f"order_{i}_{j}")
                    # Two drills of the same team are at least the minimum gap apart (never the same day).
                    model.add(day[i] + gap <= day[j]).only_enforce_if([lit, placed[i], placed[j], order])
                    model.add(day[j] + gap <= day[i]).only_enforce_if([lit, placed[i], placed[j], ~order])
            for month in range(1, 13):
                terms = [v for i in members for d, v in self.x[i].items() if self.month_of[d] == month]
                if len(terms) > per_month:
                    # A team has at most the monthly maximum of drills.
                    model.add(sum(terms) <= per_month).only_enforce_if(lit)

    def _field_on_day(self, i: int, d: int) -> Any:
        """Return a literal that is true exactly when slot ``i`` is a field drill on day ``d``."""
        if (i, d) not in self._field_on:
            both = self._field_on[(i, d)] = self.model.new_bool_var(f"y_{i}_{d}")
            self.model.add_bool_and([self.x[i][d], self.field[i]]).only_enforce_if(both)
            self.model.add_bool_or([~self.x[i][d], ~self.field[i], both])
        return self._field_on[(i, d)]

    def _on_duty(self, coverage: Coverage) -> None:
        covers_site = bool(self.settings["drilling_team_covers_drill_site"])
        for cover in coverage.groups:
            drilling = {i: cover.teams & set(s.teams) for i, s in enumerate(self.slots)
                        if not s.tabletop_only and not (covers_site and s.site == cover.site)}
            drilling = {i: t for i, t in drilling.items() if t}
            lit = None
            for d in sorted({d for i in drilling for d in self.x[i]}):
                answering = coverage.answering(cover, self.first + dt.timedelta(days=d))
                weights = {i: len(answering & t) for i, t in drilling.items() if d in self.x[i] and answering & t}
                if not answering or sum(weights.values()) < len(answering):
                    continue  # nobody answers that day anyway (not the drills' doing), or the drills cannot take all
                if lit is None:
                    lit = self.group(f"cover:{cover.site}:{cover.standard}", kind="prohibition", rule="COVER-ON-DUTY",
                                     site=cover.site, standard=cover.standard, teams=sorted(cover.teams))
                # On every day some team answering for this site's standard is not in a field drill.
                self.model.add(sum(w * self._field_on_day(i, d) for i, w in weights.items())
                               <= len(answering) - 1).only_enforce_if(lit)

    def _progression(self) -> dict[int, list[tuple[str, Any]]]:
        """Advisory: a field drill follows a tabletop, a comprehensive one a single one, of the same scenario."""
        model, slots, day, placed, field_var = self.model, self.slots, self.day, self.placed, self.field
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
        return progression

    def _objective(self) -> list[Any]:
        """Minimise unmet requirements, then progression warnings, then optional and field drills; return the terms."""
        penalty = [UNMET_WEIGHT * (1 - self.groups[key]) for key, details in self.group_info.items()
                   if details["kind"] == "requirement"]
        penalty += [PROGRESSION_WEIGHT * v for pairs in self.progression.values() for _, v in pairs]
        penalty += [OPTIONAL_WEIGHT * self.placed[i] for i, s in enumerate(self.slots) if not s.required]
        penalty += [FIELD_WEIGHT * self.field[i] for i in self.x]
        self.model.minimize(sum(penalty))
        return penalty

    def keys(self, kind: str) -> list[str]:
        """Return the rule groups of one kind (``requirement`` or ``prohibition``), in the order they were made."""
        return [k for k, v in self.group_info.items() if v["kind"] == kind]


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


def solve(built: ProgrammeModel, assumed: Sequence[str], *, time_limit_s: float, workers: int,
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


def explain(built: ProgrammeModel, slots: Sequence[Slot], key: str, met: Sequence[str],
            time_limit_s: float) -> list[str]:
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
    _, code = solve(built, assumed, time_limit_s=time_limit_s, workers=2, feasibility=True)
    if code != cp_model.INFEASIBLE:
        return []
    for candidate in candidates:
        trial = [k for k in assumed if k != candidate]
        _, code = solve(built, trial, time_limit_s=min(5.0, time_limit_s), workers=2, feasibility=True)
        if code == cp_model.INFEASIBLE:
            assumed = trial
    return [k for k in assumed if k in candidates]


def describe(details: Mapping[str, Any]) -> str:
    """Say a rule group in words, from its details (the ``unmet`` reasons and their blockers)."""
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
