"""Pre-positioning under a warning: which teams to move to which standby points (OR-Tools CP-SAT).

When a warning is in force, :func:`plan_posture` raises the risk grade of the sites inside its area
(``planner.posture.warnings`` risk rules), puts teams on higher readiness (``planner.posture.readiness`` rules, plus the
critical periods of the scenario's ``calendar.yaml``), recomputes coverage for that posture, and then
chooses moves of teams to standby points (existing bases and the scenario's ``staging_points.csv``)
that maximise the risk-weighted coverage of (site, standard) pairs within standard during the warning.

The optimiser itself, on plain data, is :mod:`planner.posture.optimiser`; the warning rules are
parsed in :mod:`planner.posture.rules` and staging points in :mod:`planner.posture.staging`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely
import shapely.geometry

from geodata.routes import route_length_m, shortest_routes
from planner.availability import AvailabilityRules, as_available, availability
from planner.coverage import rule
from planner.coverage.verdict import CoverageReport, drive_minutes, jsonable, place_points
from planner.coverage.verdict import coverage as coverage_report
from planner.coverage.whatif import Plan, SiteChange, WhatIfResult, apply_plan, compare
from planner.dispatch.pricing import province_of
from planner.dispatch.scenario import region_of
from planner.drills.calendar import Blackout, CalendarDocument
from planner.errors import InputError
from planner.model.records import Availability, Team, Tier
from planner.model.status import Status
from planner.posture.closures import propose_closures
from planner.posture.optimiser import (
    PostureOption,
    PostureProblem,
    PostureSolution,
    PostureTeam,
    greedy_posture,
    solve_posture,
    stay_home,
)
from planner.posture.readiness import TeamRaise, apply_readiness, critical_periods, raise_teams
from planner.posture.risk import SiteRaise, apply_raises, raise_sites, region_shapes
from planner.posture.rules import PostureRules, PostureSettings, default_rules
from planner.posture.staging import StagingPoint
from planner.posture.warnings import HazardWarning
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.jurisdictions import team_jurisdictions
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from planner.sharing import Deployment, Mission, agreements_from_dicts, build_ledger, find_agreement

__all__ = [
    "Figures",
    "Move",
    "PostureReport",
    "build_problem",
    "explain_figures",
    "plan_posture",
    "tiers_of",
]


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
