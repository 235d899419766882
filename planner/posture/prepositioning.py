"""Pre-positioning under a warning: which teams to move to which standby points (OR-Tools CP-SAT).

When a warning is in force, :func:`plan_posture` raises the risk grade of the sites inside its area
(``planner.posture.warnings`` risk rules), puts teams on higher readiness (``planner.posture.readiness`` rules, plus the
critical periods of the scenario's ``calendar.yaml``), recomputes coverage for that posture, and then
chooses moves of teams to standby points (existing bases and the scenario's ``staging_points.csv``)
that maximise the risk-weighted coverage of (site, standard) pairs within standard during the warning.

Formulation (:func:`solve_posture`). Options o = (team t, point p) include one "stay" option per team;
a move option exists only if p is within ``max_move_min`` drive of t's base, p admits t's type, and
either p lies in t's region or a sharing agreement t's region -> p's region covers one of t's
capabilities (R-AGREEMENT). a[o,i] = 1 when t at p reaches row i = (site, standard) within the
standard (turn-out at the posture's readiness + drive), counting only the standard's tiers::

    sum_{o of t} x[o] = 1                                each team is at exactly one place
    y[i] <= sum_o a[o,i] x[o]                            a row counts only if some team covers it
    sum_{o move} x[o] <= K                               at most K moves
    sum_{o move at p} x[o] <= cap[p]                     a staging point holds at most its capacity
    sum_{o leaving R} k[t,c] x[o] <= max(0, H[R,c] - m[R,c])       region R keeps m of capability c
    sum_{o leaving L} k[t,c] x[o] + m_a[c] lend[a] <= H[L,c];  x[o] <= lend[a] for o under a
                                                                   agreement a's retained minimum
    maximise  sum_i w[i] y[i]                            w = risk weight of the site's grade under the warning
    then      minimise sum_{o move} ((K + 1) C[o] + 1) x[o]   compensation in fen, then fewest moves

H[R,c] is the capability c held by R's available teams (``Team.capabilities``); a team "leaves" R when it
moves to a point outside R. Stage 2 keeps stage 1's optimum as a constraint. C[o] is the agreement's
planning cost ``fixed_cost + cost_per_travel_min x drive`` (0 inside the region). Each stage has its own
time limit; the status is optimal only if both are proven.

The greedy baseline (:func:`greedy_posture`) takes rows by weight, and for each row not covered moves the
nearest team (shortest arrival) that covers it and keeps every constraint, if that raises the total.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import shapely
import shapely.geometry
from ortools.sat.python import cp_model
from pydantic import (
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_serializer,
    field_validator,
    model_validator,
)

from geodata.routes import route_length_m, shortest_routes
from planner.availability import AvailabilityRules, as_available, availability
from planner.coverage import rule
from planner.coverage.verdict import CoverageReport, drive_minutes, jsonable, place_points
from planner.coverage.verdict import coverage as coverage_report
from planner.coverage.whatif import RISK_WEIGHTS, Plan, SiteChange, WhatIfResult, apply_plan, compare
from planner.dispatch.pricing import province_of
from planner.dispatch.scenario import region_of
from planner.drills.calendar import Blackout, CalendarDocument
from planner.errors import InputError
from planner.model.cp_sat import cp_sat_status
from planner.model.reading import csv_dicts, csv_lines, read_text
from planner.model.records import Availability, Readiness, Team, Tier
from planner.model.status import Status
from planner.model.validation import Model, Text, validate
from planner.posture.closures import RoadRule, propose_closures
from planner.posture.readiness import (
    LevelSpec,
    ReadinessPolicy,
    ReadinessRule,
    TeamRaise,
    apply_readiness,
    critical_periods,
    raise_teams,
    readiness_policy,
)
from planner.posture.warnings import HazardWarning, RiskRule, SiteRaise, apply_raises, raise_sites, region_shapes
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.jurisdictions import team_jurisdictions
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from planner.sharing import Agreement, Deployment, Mission, agreements_from_dicts, build_ledger, find_agreement

__all__ = [
    "DEFAULT_RULES",
    "PostureOption",
    "PostureProblem",
    "PostureReport",
    "PostureRules",
    "PostureSettings",
    "PostureSolution",
    "PostureTeam",
    "StagingPoint",
    "default_rules",
    "evaluate",
    "greedy_posture",
    "parse_rules",
    "plan_posture",
    "read_staging_points",
    "solve_posture",
    "stay_home",
    "violations",
]

_WEIGHT_SCALE = 1000
"""Risk weights are scaled to integers for CP-SAT (three decimals kept)."""


# ---------------------------------------------------------------------------------------------
# settings, rules and staging points


class PostureSettings(Model):
    """Pre-positioning limits (section ``posture`` of ``warning_rules.yaml``).

    Attributes
    ----------
    max_moves
        At most this many teams move.
    max_move_min
        A team moves only to points within this many minutes' drive of its base.
    min_at_home
        Region (or ``"*"`` for every region) -> capability -> quantity the region keeps at home; merged
        (by maximum) with the scenario's ``min_retained``.
    use_bases
        Existing bases are standby points too (besides the staging points).
    risk_weights
        Weight of a (site, standard) pair by the site's grade under the warning (grades not given keep
        :data:`planner.coverage.whatif.RISK_WEIGHTS`).
    time_limit_s
        CP-SAT seconds per stage.

    """

    max_moves: StrictInt = Field(default=4, ge=0)
    max_move_min: StrictFloat = Field(default=45.0, gt=0)
    min_at_home: Mapping[str, Mapping[str, Annotated[StrictInt, Field(ge=0)]]] = {}
    use_bases: StrictBool = True
    risk_weights: Annotated[Mapping[str, Annotated[StrictFloat, Field(ge=0)]],
                            Field(json_schema_extra={"propertyNames": {"enum": list(RISK_WEIGHTS)}})] = (
        dict(RISK_WEIGHTS))
    time_limit_s: StrictFloat = Field(default=10.0, gt=0)

    @field_validator("risk_weights", mode="before")
    @classmethod
    def _over_defaults(cls, weights: Any) -> Any:
        if not isinstance(weights, Mapping):
            return weights
        unknown = sorted(set(weights) - set(RISK_WEIGHTS))
        if unknown:
            raise ValueError(f"unknown grade {unknown[0]!r} (grades: {', '.join(RISK_WEIGHTS)})")
        return {**RISK_WEIGHTS, **weights}


class WarningRulesDocument(Model):
    """The ``warning_rules`` settings document (``warning_rules.yaml``): risk rules, readiness, posture limits."""

    risk_rules: tuple[RiskRule, ...] = ()
    readiness_levels: Mapping[Readiness, LevelSpec] = {}
    team_readiness: Mapping[str, Mapping[Readiness, Annotated[StrictFloat, Field(ge=0)]]] = {}
    readiness_rules: tuple[ReadinessRule, ...] = ()
    posture: PostureSettings = PostureSettings()
    road_rules: tuple[RoadRule, ...] = ()


@dataclass(frozen=True)
class PostureRules:
    """Everything ``warning_rules.yaml`` holds: risk rules, readiness policy, posture settings, road rules."""

    risk: tuple[RiskRule, ...]
    readiness: ReadinessPolicy
    settings: PostureSettings
    source: str = "defaults"
    roads: tuple[RoadRule, ...] = ()


DEFAULT_RULES: Mapping[str, Any] = {
    "risk_rules": [
        {"name": "red rainstorm or flood: tailings dams to the top grade", "hazards": ["rainstorm", "flood", "typhoon"],
         "levels": ["red"], "site_kinds": ["tailings_dam"], "raise_to": "red"},
        {"name": "orange rainstorm or flood: tailings dams one grade up", "hazards": ["rainstorm", "flood", "typhoon"],
         "levels": ["orange"], "site_kinds": ["tailings_dam"], "raise_by": 1},
        {"name": "red or orange rainstorm: tunnels one grade up", "hazards": ["rainstorm", "flood"],
         "levels": ["red", "orange"], "site_kinds": ["tunnel"], "raise_by": 1},
    ],
    "readiness_rules": [
        {"name": "red rainstorm: mine rescue, drilling and water rescue near the area on full readiness",
         "hazards": ["rainstorm", "flood", "typhoon"], "levels": ["red"],
         "team_types": ["mine_rescue", "drilling", "water_rescue"], "scope": "near", "near_km": 30, "level": "full"},
        {"name": "flood season: all rescue teams on full combat readiness", "periods": ["flood season"],
         "level": "full"},
    ],
    "posture": {"max_moves": 4, "max_move_min": 45, "min_at_home": {"*": {"fire_squad": 1}}},
    "road_rules": [
        {"name": "red flood: roads in the area closed", "hazards": ["flood"], "levels": ["red"],
         "source": "[U] planning assumption"},
        {"name": "red or orange rainstorm, flood or typhoon: roads in the area at half speed",
         "hazards": ["rainstorm", "flood", "typhoon"], "levels": ["red", "orange"], "speed_factor": 0.5,
         "source": "[U] planning assumption"},
    ],
}
"""Rules used when a scenario folder has no ``warning_rules.yaml`` (a generic subset of Jinan's)."""


def parse_rules(data: Any, *, where: str = "warning_rules.yaml") -> PostureRules:
    """Rules from the parsed YAML mapping; ``InputError`` names the section, the entry and the field."""
    document = validate(WarningRulesDocument, data, what=where, field="warning_rules")
    policy = readiness_policy(document.readiness_levels, document.team_readiness, document.readiness_rules)
    return PostureRules(document.risk_rules, policy, document.posture, where, document.road_rules)


def default_rules() -> PostureRules:
    """Return :data:`DEFAULT_RULES`, the rules of a scenario that has no warning rules."""
    return parse_rules(DEFAULT_RULES, where="default warning rules")


class StagingPoint(Model):
    """A listed standby point (集结待命点) where teams may be pre-positioned (one row of ``staging_points.csv``).

    ``capacity`` is the number of teams it holds (None: no limit); ``team_types`` the types it
    admits (empty: any; ``;``-separated in the CSV); ``jurisdiction`` the region it lies in ('' = found
    from the boundaries). Columns the model does not know (notes) are ignored.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    id: Text
    name: str = ""
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    name_zh: str = ""
    jurisdiction: str = ""
    capacity: int | None = Field(default=None, ge=1)
    team_types: frozenset[str] = frozenset()
    source: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_csv_cells(cls, row: Any) -> Any:
        if not isinstance(row, Mapping):
            return row
        cells = {k: v for k, v in row.items() if k is not None and v is not None and v != ""}
        if isinstance(cells.get("team_types"), str):
            cells["team_types"] = [t for t in cells["team_types"].split(";") if t.strip()]
        if not str(cells.get("name", "")).strip():
            cells["name"] = cells.get("id", "")
        return cells

    @field_serializer("team_types")
    def _sorted_types(self, types: frozenset[str]) -> tuple[str, ...]:
        """Write the team types in order, so the same point always reads the same (API answers, exports)."""
        return tuple(sorted(types))


class StagingPoints(RootModel[tuple[StagingPoint, ...]]):
    """The ``staging_points`` settings document: rows of ``staging_points.csv``."""


def read_staging_points(path: str | Path) -> tuple[StagingPoint, ...]:
    """Staging points from a CSV (``id,name,name_zh,lon,lat,jurisdiction,capacity,team_types,source``).

    ``InputError`` names the file, the line and the field.
    """
    path = Path(path)
    _, records = csv_dicts(csv_lines(read_text(path, field="staging_points")), path.name)
    return staging_points_from_rows([row for _, row in records], where=path.name)


def staging_points_from_rows(rows: Any, *, where: str = "staging_points") -> tuple[StagingPoint, ...]:
    """Staging points from CSV rows (mappings of column to text), as read from the file or stored."""
    points = validate(StagingPoints, rows, what=where, field="staging_points",
                               item_label=lambda _section, index, _row: f"line {index + 2}").root
    ids = [p.id for p in points]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"{where}: duplicate staging point id {duplicate!r}", field="id", record=duplicate)
    return points


# ---------------------------------------------------------------------------------------------
# the pure problem


@dataclass(frozen=True)
class PostureTeam:
    """A team that may stay or move: its home region and capability quantities."""

    id: str
    region: str
    capabilities: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PostureOption:
    """Team ``team`` at point ``point`` (its home when ``home``): rows it covers there, with arrival minutes."""

    team: str
    point: str
    region: str
    home: bool
    covers: Mapping[int, float]
    cost: float = 0.0
    agreement: str = ""
    drive_min: float = 0.0


@dataclass(frozen=True)
class PostureProblem:
    """Teams, their options (one home option each), row weights and the limits.

    ``agreements`` are the sharing agreements whose ``retained`` minimums apply when an option names
    them (by id, or ``lender->borrower`` when the agreement has no id).
    """

    teams: tuple[PostureTeam, ...]
    options: tuple[PostureOption, ...]
    weights: tuple[float, ...]
    max_moves: int
    min_retained: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    agreements: tuple[Agreement, ...] = ()
    capacity: Mapping[str, int] = field(default_factory=dict)

    def check(self) -> None:
        """Raise ``InputError`` for a team without exactly one home option or a row out of range."""
        ids = [t.id for t in self.teams]
        if len(set(ids)) != len(ids):
            raise InputError("posture problem: duplicate team id", field="teams")
        homes = {t: 0 for t in ids}
        for o in self.options:
            if o.team not in homes:
                raise InputError(f"posture problem: option for unknown team {o.team!r}", field="options")
            homes[o.team] += o.home
            if any(not 0 <= i < len(self.weights) for i in o.covers):
                raise InputError(f"posture problem: option {o.team}@{o.point} covers an unknown row", field="options")
            if not o.home and o.agreement and self.agreement(o.agreement) is None:
                raise InputError(f"posture problem: unknown agreement {o.agreement!r}", field="agreements")
        bad = [t for t, n in homes.items() if n != 1]
        if bad:
            raise InputError(f"posture problem: team {bad[0]} needs exactly one home option", field="options")
        if self.max_moves < 0:
            raise InputError("posture problem: max_moves must be >= 0", field="max_moves")

    def agreement(self, key: str) -> Agreement | None:
        """Return the agreement an option names."""
        for a in self.agreements:
            if key in (a.id, f"{a.lender}->{a.borrower}"):
                return a
        return None

    def holdings(self, region: str) -> dict[str, int]:
        """Capability quantities held by the region's teams in the problem."""
        held: dict[str, int] = {}
        for t in self.teams:
            if t.region == region:
                for c, q in t.capabilities.items():
                    held[c] = held.get(c, 0) + q
        return held

    def leaves(self, option: PostureOption) -> bool:
        """Whether the option takes its team out of its region."""
        team = next(t for t in self.teams if t.id == option.team)
        return not option.home and option.region != team.region


@dataclass(frozen=True)
class PostureSolution:
    """Where each team is (option index per team), the covered weight, the moves and their cost."""

    method: str
    choice: Mapping[str, int]
    weight: float
    cost: float
    moves: tuple[int, ...]
    status: Status
    bound: float | None
    wall_s: float


def evaluate(problem: PostureProblem, choice: Mapping[str, int]) -> tuple[float, float, tuple[int, ...]]:
    """Covered weight, total cost and move option indices of a choice (team -> option index)."""
    covered: set[int] = set()
    for index in choice.values():
        covered.update(problem.options[index].covers)
    moves = tuple(sorted(i for i in choice.values() if not problem.options[i].home))
    return (float(sum(problem.weights[i] for i in covered)), float(sum(problem.options[i].cost for i in moves)), moves)


def violations(problem: PostureProblem, choice: Mapping[str, int]) -> list[str]:
    """Every constraint a choice breaks, in words (empty when feasible)."""
    out = []
    if set(choice) != {t.id for t in problem.teams}:
        out.append("not every team has exactly one place")
    for team, index in choice.items():
        if problem.options[index].team != team:
            out.append(f"team {team} given another team's option")
    moves = [problem.options[i] for i in choice.values() if not problem.options[i].home]
    if len(moves) > problem.max_moves:
        out.append(f"{len(moves)} moves > {problem.max_moves}")
    for point, cap in problem.capacity.items():
        n = sum(1 for o in moves if o.point == point)
        if n > cap:
            out.append(f"point {point}: {n} teams > capacity {cap}")
    team_of = {t.id: t for t in problem.teams}
    for region in sorted({t.region for t in problem.teams}):
        held = problem.holdings(region)
        gone: dict[str, int] = {}
        for o in moves:
            if team_of[o.team].region == region and o.region != region:
                for c, q in team_of[o.team].capabilities.items():
                    gone[c] = gone.get(c, 0) + q
        for c, m in problem.min_retained.get(region, {}).items():
            if gone.get(c, 0) > max(0, held.get(c, 0) - m):
                out.append(f"region {region} keeps {held.get(c, 0) - gone.get(c, 0)} {c} < {m}")
        for a in problem.agreements:
            if a.lender != region or not a.retained:
                continue
            if any(problem.agreement(o.agreement) is a for o in moves):
                for c, m in a.retained.items():
                    if held.get(c, 0) - gone.get(c, 0) < m:
                        out.append(f"lending under {a.id or a.lender + '->' + a.borrower}: {region} keeps "
                                   f"{held.get(c, 0) - gone.get(c, 0)} {c} < {m}")
    return out


def stay_home(problem: PostureProblem) -> PostureSolution:
    """Return the do-nothing posture: every team at home."""
    started = time.perf_counter()
    choice = {o.team: i for i, o in enumerate(problem.options) if o.home}
    weight, cost, moves = evaluate(problem, choice)
    return PostureSolution("stay", choice, weight, cost, moves, Status.FEASIBLE, None, time.perf_counter() - started)


def greedy_posture(problem: PostureProblem) -> PostureSolution:
    """Greedy nearest moves: for each uncovered row, heaviest first, the nearest feasible gaining move."""
    started = time.perf_counter()
    problem.check()
    choice = dict(stay_home(problem).choice)
    best, _, _ = evaluate(problem, choice)
    moved: set[str] = set()
    order = sorted(range(len(problem.weights)), key=lambda i: (-problem.weights[i], i))
    for row in order:
        if len(moved) >= problem.max_moves:
            break
        if any(row in problem.options[i].covers for i in choice.values()):
            continue
        candidates = sorted((o.covers[row], o.cost, k) for k, o in enumerate(problem.options)
                            if not o.home and row in o.covers and o.team not in moved)
        for _, _, k in candidates:
            trial = dict(choice)
            trial[problem.options[k].team] = k
            weight, _, _ = evaluate(problem, trial)
            if weight > best + 1e-9 and not violations(problem, trial):
                choice, best = trial, weight
                moved.add(problem.options[k].team)
                break
    weight, cost, moves = evaluate(problem, choice)
    return PostureSolution("greedy", choice, weight, cost, moves, Status.FEASIBLE, None, time.perf_counter() - started)


def solve_posture(problem: PostureProblem, *, time_limit_s: float = 10.0,
                  hint: PostureSolution | None = None) -> PostureSolution:
    """Best pre-positioning by CP-SAT (formulation in the module docstring), cost second.

    Parameters
    ----------
    problem
        Teams, options, weights and limits.
    time_limit_s
        Seconds per stage (two stages).
    hint
        A feasible solution to start from (default: the greedy one).

    Returns
    -------
    PostureSolution
        ``status`` optimal when both stages are proven; ``bound`` the best bound on the weight.

    """
    started = time.perf_counter()
    problem.check()
    if not time_limit_s > 0:
        raise InputError(f"time limit {time_limit_s} must be > 0", field="time_limit_s")
    hint = hint or greedy_posture(problem)

    # Data: integer weights and fen costs, rows that some option covers, holdings per region.
    weights = [int(round(w * _WEIGHT_SCALE)) for w in problem.weights]
    fen = [int(round(o.cost * 100)) for o in problem.options]
    rows = sorted({i for o in problem.options for i in o.covers})
    team_of = {t.id: t for t in problem.teams}
    by_team: dict[str, list[int]] = {t.id: [] for t in problem.teams}
    for k, o in enumerate(problem.options):
        by_team[o.team].append(k)
    movers = [k for k, o in enumerate(problem.options) if not o.home]

    # Model.
    model = cp_model.CpModel()

    # Variables: x[o] the team takes option o; y[i] row i is covered.
    x = [model.new_bool_var(f"x[{o.team}@{o.point}]") for o in problem.options]
    y = {i: model.new_bool_var(f"y[{i}]") for i in rows}

    # Constraints.
    for options in by_team.values():
        # Each team is at exactly one place (home or one standby point).
        model.add_exactly_one(x[k] for k in options)
    covering: dict[int, list[int]] = {i: [] for i in rows}
    for k, o in enumerate(problem.options):
        for i in o.covers:
            covering[i].append(k)
    for i in rows:
        # A row counts as covered only if a team at a place covering it is chosen.
        model.add(y[i] <= sum(x[k] for k in covering[i]))
    # At most max_moves teams move.
    model.add(sum(x[k] for k in movers) <= problem.max_moves)
    for point, cap in sorted(problem.capacity.items()):
        at_point = [k for k in movers if problem.options[k].point == point]
        if at_point:
            # A staging point holds no more teams than its capacity.
            model.add(sum(x[k] for k in at_point) <= cap)
    for region in sorted({t.region for t in problem.teams}):
        held = problem.holdings(region)
        leaving = [k for k in movers if team_of[problem.options[k].team].region == region
                   and problem.options[k].region != region]
        for capability, minimum in sorted(problem.min_retained.get(region, {}).items()):
            terms = [(k, team_of[problem.options[k].team].capabilities.get(capability, 0)) for k in leaving]
            terms = [(k, q) for k, q in terms if q]
            if terms:
                # The region keeps its minimum of the capability at home (all of it if it holds less).
                model.add(sum(q * x[k] for k, q in terms) <= max(0, held.get(capability, 0) - minimum))
        for agreement in problem.agreements:
            if agreement.lender != region or not agreement.retained:
                continue
            lent = [k for k in leaving if problem.agreement(problem.options[k].agreement) is agreement]
            if not lent:
                continue
            lends = model.new_bool_var(f"lends[{agreement.lender}->{agreement.borrower}]")
            for k in lent:
                # Moving a team under the agreement switches on its retained minimum.
                model.add_implication(x[k], lends)
            for capability, minimum in sorted(agreement.retained.items()):
                terms = [(k, team_of[problem.options[k].team].capabilities.get(capability, 0)) for k in leaving]
                # While lending under the agreement the lender keeps the agreement's minimum at home.
                model.add(sum(q * x[k] for k, q in terms if q) + minimum * lends <= held.get(capability, 0))

    # Objective, stage 1: the risk-weighted coverage.
    covered_weight = sum(weights[i] * y[i] for i in rows)
    model.maximize(covered_weight)
    for k, var in enumerate(x):
        model.add_hint(var, 1 if hint.choice.get(problem.options[k].team) == k else 0)

    # Solve stage 1.
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    # One worker with the full LP relaxation proves these covering models in well under a second,
    # where a two-worker portfolio (no LP worker) stalls at the relaxation bound.
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = 0
    code = solver.solve(model)
    status1 = cp_sat_status(code)
    if status1 not in (Status.OPTIMAL, Status.FEASIBLE):
        return dataclasses.replace(hint, method="greedy (solver found nothing)", status=Status.NOT_SOLVED,
                                   wall_s=time.perf_counter() - started)
    best = int(round(solver.objective_value))
    bound = solver.best_objective_bound / _WEIGHT_SCALE
    stage1 = {t: next(k for k in ks if solver.boolean_value(x[k])) for t, ks in by_team.items()}

    # Objective, stage 2: keep the coverage, then least compensation, then fewest moves.
    model.add(covered_weight >= best)
    model.minimize(sum(((problem.max_moves + 1) * fen[k] + 1) * x[k] for k in movers))
    model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools leaves CpModel.clear_hints unannotated
    for k, var in enumerate(x):
        model.add_hint(var, 1 if stage1[problem.options[k].team] == k else 0)
    code2 = solver.solve(model)
    status2 = cp_sat_status(code2)
    if status2 in (Status.OPTIMAL, Status.FEASIBLE):
        choice = {t: next(k for k in ks if solver.boolean_value(x[k])) for t, ks in by_team.items()}
    else:
        choice, status2 = stage1, Status.FEASIBLE
    weight, cost, moves = evaluate(problem, choice)
    status = Status.OPTIMAL if status1 is Status.OPTIMAL and status2 is Status.OPTIMAL else Status.FEASIBLE
    return PostureSolution("cp-sat", choice, weight, cost, moves, status, bound, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# on a scenario


@dataclass(frozen=True)
class Move:
    """A team pre-positioned at a standby point."""

    team: str
    team_type: str
    from_base: str
    from_lon: float
    from_lat: float
    to: str
    to_kind: str
    to_name: str
    lon: float
    lat: float
    from_region: str
    to_region: str
    agreement: str
    drive_min: float
    cost: float
    rows_covered: int


FIGURE_MEANINGS: Mapping[str, str] = {
    "current": "现状：队伍在驻地、按日常战备等级出动 · Current: every team at home on its everyday readiness and "
               "turn-out, sites weighted by the risk grades the warning raises.",
    "do_nothing": "不调动：不调动队伍，但预警和重点时段提升战备等级、缩短出动时间 · Do nothing: no team moves, but the "
                  "teams the warning and the critical periods put on higher readiness turn out faster.",
    "greedy": "就近贪心：按权重逐个为未达标的风险点调动最近的可行队伍 · Greedy nearest: for each failing (site, "
              "standard) pair, heaviest first, the nearest team that may move there and brings it within standard.",
    "optimised": "优化：在调动上限、驻地保留和协议约束下使加权覆盖最大，其次补偿最少 · Optimised: CP-SAT moves that "
                 "maximise the risk-weighted coverage within the move limit, retained minimums and agreements, "
                 "then the least compensation.",
}
"""What each posture of the figures is, in words (Chinese, then English), for the page, the API and the CLI."""


@dataclass(frozen=True)
class Figures:
    """Risk-weighted coverage of one posture: weight covered, share of the total, rows passing, what it is.

    Every figure is the one coverage verdict (:mod:`planner.coverage.rule`) on that posture: ``weight``
    sums the risk weights of the (site, standard) rows that pass, ``passing`` counts them.
    """

    name: str
    weight: float
    share: float
    passing: int
    rows: int
    moves: int
    cost: float
    wall_s: float
    meaning: str = ""


@dataclass(frozen=True)
class PostureReport:
    """A warning's posture: raised sites and teams, moves, coverage before and after, figures.

    ``readiness_changes`` are the (site, standard) rows whose verdict differs between ``current`` and
    ``do_nothing`` (the only difference between the two is the raised readiness's turn-out), and
    ``explanation`` says in words why the figures differ. ``roads`` says which closures and time band
    the drive times were taken under; ``proposed_closures`` is the closure set the warnings propose by
    the road rules (:func:`planner.posture.closures.propose_closures`), not applied.
    """

    scenario: str
    at: str
    warnings: tuple[dict[str, Any], ...]
    periods: tuple[str, ...]
    site_raises: tuple[SiteRaise, ...]
    team_raises: tuple[TeamRaise, ...]
    moves: tuple[Move, ...]
    greedy_moves: tuple[Move, ...]
    figures: tuple[Figures, ...]
    status: str
    bound: float | None
    wall_s: float
    before: CoverageReport
    after: CoverageReport
    ledger: dict[str, Any]
    area: dict[str, Any]
    settings: dict[str, Any]
    notes: tuple[str, ...] = ()
    readiness_changes: tuple[SiteChange, ...] = ()
    explanation: tuple[str, ...] = ()
    roads: dict[str, Any] | None = None
    proposed_closures: dict[str, Any] | None = None

    def figure(self, name: str) -> Figures:
        """Return the figures of ``current``, ``do_nothing``, ``greedy`` or ``optimised``."""
        return next(f for f in self.figures if f.name == name)

    def to_dict(self, *, full: bool = True) -> dict[str, Any]:
        """JSON-able dict; ``full=False`` leaves out the per-site rows of before and after."""
        out: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, CoverageReport):
                value = value.to_dict()
                if not full:
                    value.pop("sites")
            elif isinstance(value, tuple):
                value = [asdict(v) if dataclasses.is_dataclass(v) and not isinstance(v, type) else v for v in value]
            out[item.name] = value
        return jsonable(out)  # type: ignore[no-any-return]


def plan_posture(
    scenario: Scenario,
    warnings: Sequence[HazardWarning],
    *,
    rules: PostureRules | None = None,
    staging: Sequence[StagingPoint] = (),
    calendar: CalendarDocument | None = None,
    at: dt.datetime | None = None,
    max_moves: int | None = None,
    time_limit_s: float | None = None,
    roads: RoadConditions | None = None,
    availability_rules: AvailabilityRules | None = None,
) -> PostureReport:
    """Plan the posture for warnings on a scenario: raises, readiness, the best moves, before/after coverage.

    Parameters
    ----------
    scenario
        The scenario.
    warnings
        The warnings (already read and accepted); only those in force at ``at`` count.
    rules, staging, calendar
        The scenario's warning rules (default: :func:`default_rules`), staging points (default: none)
        and drill calendar, whose critical periods on the day of ``at`` (in the scenario's zone) apply
        as well (default: none). :mod:`planner.posture.settings` reads all three from the scenario's
        settings documents.
    at
        When the posture holds (default: the latest onset of the warnings).
    max_moves, time_limit_s
        Override the rules' posture settings.
    roads
        Closures and time band every drive time is taken under (:func:`planner.roads.conditions.travel_network`);
        default the free-flow network.
    availability_rules
        The scenario's strength rules (default: :func:`planner.availability.default_rules`): the posture is
        planned with the teams as they stand at ``at`` by the one availability function (people on duty,
        certificates, strength rules; :func:`planner.availability.as_available`), so a team that cannot
        answer then neither covers nor moves, and one below strength declares only what it can staff.

    """
    started = time.perf_counter()
    if not warnings:
        raise InputError("give at least one warning", field="warnings")
    rules = rules or default_rules()
    settings = rules.settings
    if max_moves is not None:
        if max_moves < 0:
            raise InputError(f"max_moves {max_moves} must be >= 0", field="max_moves")
        settings = settings.model_copy(update={"max_moves": int(max_moves)})
    if time_limit_s is not None:
        if not time_limit_s > 0:
            raise InputError(f"time limit {time_limit_s} must be > 0", field="time_limit_s")
        settings = settings.model_copy(update={"time_limit_s": float(time_limit_s)})
    at = at or max(w.onset for w in warnings)
    if at.tzinfo is None:
        raise InputError("at must carry a time zone", field="at")
    active = [w for w in warnings if w.in_force(at)]
    notes = [f"warning {w.id} is not in force at {at.isoformat()} and is left out" for w in warnings if w not in active]
    if not active:
        raise InputError(f"no warning is in force at {at.isoformat()}", field="at")
    periods: tuple[Blackout, ...] = critical_periods(calendar, at.astimezone(scenario.zone).date())
    scenario = as_available(scenario, availability(scenario, at, availability_rules))

    # Risk grades and readiness under the warning.
    site_raises = raise_sites(scenario, active, rules.risk)
    raised = apply_raises(scenario, site_raises)
    team_raises = raise_teams(raised, active, periods, rules.readiness)
    posture = apply_readiness(raised, team_raises)

    current = coverage_report(raised, reference=scenario, roads=roads)
    before = coverage_report(posture, reference=scenario, roads=roads)
    problem, points, context = build_problem(scenario, posture, before, staging, settings, roads)
    do_nothing = stay_home(problem)
    greedy = greedy_posture(problem)
    best = solve_posture(problem, time_limit_s=settings.time_limit_s, hint=greedy)
    if best.weight + 1e-9 < max(greedy.weight, do_nothing.weight):  # only possible when stopped by the limit
        notes.append("the solver stopped before matching the greedy posture; the greedy posture is reported")
        best = dataclasses.replace(greedy, status=Status.FEASIBLE)
    moves = _moves(scenario, problem, best, points, context)
    greedy_moves = _moves(scenario, problem, greedy, points, context)
    after = _coverage_after(scenario, posture, moves, roads)
    rows = len(problem.weights)
    total = sum(problem.weights) or 1.0

    def figures(name: str, solution: PostureSolution | None, report: CoverageReport) -> Figures:
        weight = sum(problem.weights[i] for i, r in enumerate(report.sites) if r.passed)
        if solution is not None and abs(weight - solution.weight) > 1e-6:  # one rule: never expected
            notes.append(f"{name}: the optimiser counted weight {solution.weight:g}, the coverage verdict {weight:g}")
        return Figures(name, round(weight, 6), round(weight / total, 6), sum(r.passed for r in report.sites), rows,
                       len(solution.moves) if solution else 0, round(solution.cost, 2) if solution else 0.0,
                       round(solution.wall_s, 4) if solution else 0.0, FIGURE_MEANINGS[name])

    figs = (figures("current", None, current),
            figures("do_nothing", do_nothing, before),
            figures("greedy", greedy, _coverage_after(scenario, posture, greedy_moves, roads)),
            figures("optimised", best, after))
    readiness = compare(current, before, modified=posture)
    changes = readiness.newly_passing + readiness.newly_failing
    shapes = region_shapes(scenario)
    area = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"warning": w.id, "event": w.event, "level": w.level,
                                           "description": "; ".join(a.description for a in w.areas)},
         "geometry": _merge([a.geometry(shapes) for a in w.areas])} for w in active]}
    ledger = _ledger(scenario, moves, active, roads)
    proposed = propose_closures(scenario, active, rules.roads)
    return PostureReport(
        scenario=scenario.name, at=at.isoformat(), warnings=tuple(w.to_dict() for w in active),
        periods=tuple(p.name for p in periods), site_raises=site_raises, team_raises=team_raises, moves=moves,
        greedy_moves=greedy_moves, figures=figs, status=best.status.value,
        bound=None if best.bound is None else round(best.bound, 6), wall_s=time.perf_counter() - started,
        before=before, after=after, ledger=ledger, area=area,
        settings={**settings.model_dump(mode="json"), "rules": rules.source, "staging_points": len(staging)},
        notes=tuple(notes), readiness_changes=changes, explanation=explain_figures(figs, readiness, team_raises),
        roads=None if roads is None else roads.describe(),
        proposed_closures=None if proposed is None else proposed.to_json())


def explain_figures(figures: Sequence[Figures], readiness: WhatIfResult, team_raises: Sequence[TeamRaise],
                    *, shown: int = 5) -> tuple[str, ...]:
    """Say in words why ``current`` and ``do nothing`` differ (and what the moves add), from the verdicts.

    ``readiness`` compares the coverage of ``current`` (everyday turn-out) with that of ``do nothing``
    (the raised readiness's turn-out); both use the same rule, sites and risk weights, so the rows it
    lists are the whole difference. At most ``shown`` rows are named in each sentence.
    """
    by_name = {f.name: f for f in figures}
    now, still = by_name["current"], by_name["do_nothing"]
    faster = sum(r.turnout_after < r.turnout_before for r in team_raises)
    lines = [f"Current ({now.passing}/{now.rows} pairs within standard, weight {now.weight:g}) and do nothing "
             f"({still.passing}/{still.rows}, weight {still.weight:g}) apply the same coverage rule to the same "
             f"sites and risk weights, with every team at home; they differ only in turn-out: {faster} team(s) on "
             "the higher readiness the warning and the critical periods call for turn out faster in do nothing."]

    def listed(changes: Sequence[SiteChange]) -> str:
        named = [f"{c.site} {c.standard} ({_minutes(c.minutes_before)} -> {_minutes(c.minutes_after)} min, limit "
                 f"{readiness.before.result(c.site, c.standard).max_min:g}, first {c.first_after or 'none'})"
                 for c in changes[:shown]]
        return "; ".join(named) + (f"; and {len(changes) - shown} more" if len(changes) > shown else "")

    if readiness.newly_passing:
        lines.append(f"{len(readiness.newly_passing)} pair(s) come within standard with the faster turn-out: "
                     f"{listed(readiness.newly_passing)}.")
    if readiness.newly_failing:
        lines.append(f"{len(readiness.newly_failing)} pair(s) fall out of standard with the readiness turn-out: "
                     f"{listed(readiness.newly_failing)}.")
    if not readiness.newly_passing and not readiness.newly_failing:
        lines.append("The faster turn-out brings no further pair within standard, so both pass the same pairs.")
    best = by_name["optimised"]
    if best.moves:
        lines.append(f"Greedy and optimised add moves to standby points on top of do nothing: optimised passes "
                     f"{best.passing}/{best.rows} with {best.moves} move(s).")
    else:
        lines.append("No move to a standby point within the limits improves on do nothing, so the optimised "
                     "posture is do nothing.")
    return tuple(lines)


def _minutes(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "unreachable"


def _merge(geometries: list[dict[str, Any]]) -> dict[str, Any]:
    shapes = [shapely.geometry.shape(g) for g in geometries
              if g.get("type") != "GeometryCollection" or g.get("geometries")]
    if not shapes:
        return {"type": "GeometryCollection", "geometries": []}
    return dict(shapely.geometry.mapping(shapely.set_precision(shapely.union_all(shapes), 1e-6)))


@dataclass(frozen=True)
class _Point:
    id: str
    kind: str
    name: str
    lon: float
    lat: float
    region: str
    node: int
    access_min: float
    team_types: frozenset[str]


@dataclass(frozen=True)
class _Place:
    """Where a team may be: home (``point`` -1) or a standby point (index), with the move's terms."""

    team: Team
    point: int
    agreement: str = ""
    cost: float = 0.0
    move_min: float = 0.0

    @property
    def home(self) -> bool:
        """Whether the team stays at its home base."""
        return self.point < 0


def build_problem(reference: Scenario, posture: Scenario, before: CoverageReport, staging: Sequence[StagingPoint],
                  settings: PostureSettings, roads: RoadConditions | None = None,
                  ) -> tuple[PostureProblem, list[_Point], dict[str, Any]]:
    """Build the pure problem for a scenario under a posture: options from drive times, weights from grades.

    Rows are ``before.sites`` in order; teams are the available teams of a capability some standard
    asks for. Drive times are on the reference scenario's network (standby points are placed as in a
    what-if move).
    """
    placed = placement(reference)
    network = routing_network(reference, roads)
    bases = posture.by_id("bases")
    capabilities = {s.capability for s in posture.standards}
    teams = [t for t in posture.teams if t.availability is Availability.AVAILABLE and t.team_type in capabilities]
    regions = {j.id for j in posture.jurisdictions}
    points: list[_Point] = []
    if settings.use_bases:
        for b in posture.bases:
            base_region = _region(reference, b.lon, b.lat, b.jurisdiction)
            points.append(_Point(b.id, "base", b.name_zh or b.name, b.lon, b.lat, base_region,
                                 placed.base_node[b.id], 0.0, frozenset()))
    if staging:
        taken = {p.id for p in points}
        clash = [s.id for s in staging if s.id in taken]
        if clash:
            raise InputError(f"staging point id {clash[0]!r} is also a base id", field="staging_points")
        network, nodes, access = place_points(reference, [s.id for s in staging], [s.lon for s in staging],
                                              [s.lat for s in staging], network=network)
        for s, n, a in zip(staging, nodes, access, strict=True):
            if s.jurisdiction and s.jurisdiction not in regions:
                raise InputError(f"staging point {s.id}: jurisdiction {s.jurisdiction!r} is not in the scenario",
                                 field="jurisdiction", record=s.id)
            points.append(_Point(s.id, "staging", s.name_zh or s.name, s.lon, s.lat,
                                 s.jurisdiction or _region(reference, s.lon, s.lat, ""), int(n), float(a),
                                 s.team_types))
    site_index = {s.id: j for j, s in enumerate(posture.sites)}
    site_nodes = np.array([placed.site_node[s.id] for s in posture.sites], dtype=np.int64)
    point_nodes = np.array([p.node for p in points], dtype=np.int64)
    point_access = np.array([p.access_min for p in points], dtype=float)
    to_site, _, _ = (drive_minutes(network, point_nodes, site_nodes) if points
                     else (np.empty((0, len(site_nodes))), "", 0))
    home_ids = sorted({t.base for t in teams})
    home_nodes = np.array([placed.base_node[b] if b in placed.base_node else 0 for b in home_ids], dtype=np.int64)
    home_to_site, _, _ = drive_minutes(network, home_nodes, site_nodes)
    home_row = {b: k for k, b in enumerate(home_ids)}
    to_point, _, _ = (drive_minutes(network, home_nodes, point_nodes) if points
                      else (np.empty((len(home_ids), 0)), "", 0))
    to_point = to_point + point_access[None, :] if points else to_point
    agreements = agreements_from_dicts(posture.agreements)
    home = team_jurisdictions(posture)
    min_retained = _min_retained(reference, settings, {home[t.id] for t in teams})
    weights = tuple(float(settings.risk_weights[r.risk_grade]) for r in before.sites)

    # Candidate places of each team: home, then every point it may move to (drive, type, agreement).
    places: list[_Place] = []
    for team in teams:
        region = home[team.id]
        hk = home_row[team.base]
        places.append(_Place(team, -1))
        for p, point in enumerate(points):
            if point.id == team.base or (point.team_types and team.team_type.value not in point.team_types):
                continue
            move_min = float(to_point[hk, p])
            if not math.isfinite(move_min) or move_min > settings.max_move_min:
                continue
            agreement_id, cost = "", 0.0
            if point.region != region:
                agreement = find_agreement(agreements, region, point.region)
                if agreement is None or not any(agreement.covers(c) for c in team.capabilities):
                    continue
                agreement_id = agreement.id or f"{agreement.lender}->{agreement.borrower}"
                cost = round(agreement.dispatch_cost(move_min), 2)
            places.append(_Place(team, p, agreement_id, cost, round(move_min, 3)))

    # Rows each place covers: the one coverage rule (planner.coverage.rule) over every place at once.
    # A team at a base answers with that base's tier, at a staging point with its home base's tier,
    # as the what-if move that checks the result (whatif.apply_plan) places it.
    row_site = np.array([site_index[r.site] for r in before.sites], dtype=np.int64)
    standard_list = list(posture.standards)
    standard_row = {s.id: k for k, s in enumerate(standard_list)}
    drive = np.array([home_to_site[home_row[x.team.base]] if x.home else to_site[x.point] for x in places],
                     dtype=float).reshape(len(places), len(site_nodes))
    access = np.array([0.0 if x.home else point_access[x.point] for x in places])
    turnout = np.array([x.team.turnout_min for x in places], dtype=float)
    arrival = rule.arrival_minutes(turnout[:, None], drive, access[:, None])
    tier_at = [bases[points[x.point].id if not x.home and points[x.point].kind == "base" else x.team.base].tier.value  # type: ignore[attr-defined]
               for x in places]
    meets = rule.teams_in_time(
        arrival, rule.counted(standard_list, [x.team.team_type.value for x in places], tier_at),
        np.ones(len(places), dtype=bool), row_site, np.array([standard_row[r.standard] for r in before.sites]),
        np.array([s.max_min for s in standard_list], dtype=float))

    options: list[PostureOption] = []
    pteams: list[PostureTeam] = []
    home_covers: dict[str, set[int]] = {}
    for c, x in enumerate(places):
        covers = {int(i): round(float(arrival[c, row_site[i]]), 3) for i in np.flatnonzero(meets[:, c])}
        region = home[x.team.id]
        if x.home:
            pteams.append(PostureTeam(x.team.id, region, dict(x.team.capabilities)))
            home_covers[x.team.id] = set(covers)
            options.append(PostureOption(x.team.id, x.team.base, region, True, covers))
        elif not set(covers) <= home_covers[x.team.id]:  # else staying home covers as much, for no move and no cost
            point = points[x.point]
            options.append(PostureOption(x.team.id, point.id, point.region, False, covers, x.cost, x.agreement,
                                         x.move_min))
    capacity = {s.id: s.capacity for s in staging if s.capacity is not None}
    problem = PostureProblem(tuple(pteams), tuple(options), weights, settings.max_moves, min_retained, agreements,
                             capacity)
    problem.check()
    return problem, points, {"teams": {t.id: t for t in teams}}


def _region(scenario: Scenario, lon: float, lat: float, fallback: str) -> str:
    try:
        return region_of(scenario, lon, lat)
    except InputError:
        if fallback:
            return fallback
        raise


def _min_retained(scenario: Scenario, settings: PostureSettings, regions: set[str]) -> dict[str, dict[str, int]]:
    """Return the scenario's ``min_retained`` merged (by maximum) with the posture's ``min_at_home``."""
    out: dict[str, dict[str, int]] = {}
    sources = [dict(scenario.meta.get("min_retained") or {}), dict(settings.min_at_home)]
    for source in sources:
        for region, row in source.items():
            targets = sorted(regions) if region == "*" else [region]
            for r in targets:
                for capability, quantity in dict(row).items():
                    out.setdefault(r, {})[capability] = max(out.get(r, {}).get(capability, 0), int(quantity))
    return out


def _moves(scenario: Scenario, problem: PostureProblem, solution: PostureSolution, points: list[_Point],
           context: dict[str, Any]) -> tuple[Move, ...]:
    bases = scenario.by_id("bases")
    by_id = {p.id: p for p in points}
    out = []
    for k in solution.moves:
        o = problem.options[k]
        team = context["teams"][o.team]
        home = bases[team.base]
        p = by_id[o.point]
        out.append(Move(o.team, team.team_type.value, team.base, home.lon, home.lat, p.id, p.kind, p.name,  # type: ignore[attr-defined]
                        p.lon, p.lat, home.jurisdiction, p.region, o.agreement, o.drive_min, o.cost, len(o.covers)))  # type: ignore[attr-defined]
    return tuple(sorted(out, key=lambda m: m.team))


def _coverage_after(reference: Scenario, posture: Scenario, moves: Sequence[Move],
                    roads: RoadConditions | None) -> CoverageReport:
    """Coverage of the posture with the moves made (``whatif.apply_plan``), on the reference network."""
    if not moves:
        return coverage_report(posture, reference=reference, roads=roads)
    plan = Plan(move_teams={m.team: (m.to if m.to_kind == "base" else (m.lon, m.lat)) for m in moves})
    modified, out, _ = apply_plan(posture, plan)
    return coverage_report(modified, out=out, reference=reference, roads=roads)


def _ledger(scenario: Scenario, moves: Sequence[Move], warnings: Sequence[HazardWarning],
            roads: RoadConditions | None) -> dict[str, Any]:
    """Compensation ledger of the cross-region moves for the warning's window (standby as a natural-disaster mission).

    Transport is the round trip at the road length of the fastest route.
    """
    crossing = [m for m in moves if m.from_region != m.to_region]
    if not crossing:
        return {"lines": [], "excluded": [], "totals_by_payer": {}, "totals_by_lender": {}, "total": 0.0}
    placed = placement(scenario)
    teams = scenario.by_id("teams")
    hours = max(w.duration_h() for w in warnings)
    missions = []
    for region in sorted({m.to_region for m in crossing}):
        deployments = []
        for m in (m for m in crossing if m.to_region == region):
            target = placed.base_node.get(m.to)
            network = routing_network(scenario, roads)
            if target is None:
                network, nodes, _ = place_points(scenario, [m.to], [m.lon], [m.lat], network=network)
                target = int(nodes[0])
            path = shortest_routes(network, [placed.base_node[m.from_base]], int(target))[0]
            km = route_length_m(network, path) / 1000 if path else 0.0
            deployments.append(Deployment(unit=m.team, lender=m.from_region, people=teams[m.team].members,  # type: ignore[attr-defined]
                                          duration_h=hours, transport_km=round(2 * km, 2), trips=1,
                                          lender_province=province_of(scenario, m.from_region)))
        missions.append(Mission(id=f"standby-{region}", region=region, kind="natural_disaster",
                                deployments=tuple(deployments), province=province_of(scenario, region)))
    return build_ledger(missions, agreements_from_dicts(scenario.agreements)).to_dict()


def tiers_of(scenario: Scenario) -> dict[str, Tier]:
    """Tier of each base."""
    return {b.id: b.tier for b in scenario.bases}
