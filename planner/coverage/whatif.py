"""What-if planning on coverage: close bases, move teams, add the k best new bases.

A plan is applied to a copy of the scenario (records are frozen; the scenario is rebuilt, never
edited) in a fixed order: committed teams and closed bases take teams out, moves re-station teams,
then ``add_k`` new bases are chosen from candidate points with the maximal covering location model
(MCLP, Church & ReVelle 1974; ``planner.locate.MCLP``) and each gets one team made from a template.
Both the before and the after coverage are computed on the unmodified scenario's network
(``coverage(..., reference=scenario)``), and the answer lists what changed: share per standard,
sites newly passing or failing, backups gained or lost, gap list sizes, and the model's status.

MCLP formulation used for "add k bases": demand rows are the (site, standard) pairs of standards
for which the template's team counts (``planner.coverage.rule.counted``: its type is the
capability, its tier one of the ``tiers`` if any), weighted by risk grade (``RISK_WEIGHTS``). Costs
are normalised by each row's standard, ``(turn-out + access + drive) / max_min``, where the coverage
rule puts the column within standard (``rule.in_time``, with its tolerance), else infinite, so one
coverage radius of 1 serves standards of different minutes and decides exactly as the rule does.
Column 0 is the existing network (covering the rows that pass now) and is kept open through
``existing``; the other columns are the candidates; ``p = k + 1``.

``Plan.model = "p-median"`` answers the other planning question, "where do k new bases bring the
first team soonest", with the exact p-median (``planner.locate.PMedian``, the Benders engine that
proves TSPLIB instances of N = 1,304..1,432) on the same rows and columns: a row's cost is its first
counted responder's arrival as a share of its standard (``minutes / max_min``, so standards of
different minutes weigh alike), uncapped, from the existing network in column 0 (its current first
responder, fixed open) or from a candidate's template team; unreachable pairs stay infinite. The
objective is the risk-weighted sum of those shares. ``scenario_candidates`` gives every town (the
network's named waypoints) and every hazard site of a scenario as the candidate set.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from planner.coverage import rule
from planner.coverage.verdict import (
    CoverageReport,
    SiteCoverage,
    coverage,
    drive_minutes,
    jsonable,
    place_points,
)
from planner.errors import InputError
from planner.locate import MCLP, PMedian
from planner.model.codes import coded
from planner.model.records import Base, HazardSite, RiskGrade, Team, TeamType, Tier
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.model import Scenario
from planner.scenario.network import placement

__all__ = [
    "RISK_WEIGHTS",
    "Candidate",
    "Plan",
    "Selection",
    "SiteChange",
    "StandardChange",
    "TeamTemplate",
    "WhatIfResult",
    "SITING_MODELS",
    "apply_plan",
    "scenario_candidates",
    "what_if",
]

RISK_WEIGHTS: Mapping[str, float] = {"red": 8.0, "orange": 4.0, "yellow": 2.0, "blue": 1.0}
"""Demand weight of a (site, standard) row by risk grade when choosing new bases. [U] planning
choice: each grade counts twice the one below, so a red site outweighs an orange and a yellow one."""

DEFAULT_TIME_LIMIT_S = 30.0
SITING_MODELS = ("mclp", "p-median")
"""How ``add_k`` new bases are chosen: most risk weight brought within standard (MCLP), or the least
risk-weighted arrival of the first team (p-median)."""


@dataclass(frozen=True)
class TeamTemplate:
    """The team a new base gets: type, turn-out minutes, tier and strength."""

    team_type: TeamType
    turnout_min: float = 5.0
    tier: Tier = Tier.LOCAL
    members: int = 9
    squads: int = 1

    def __post_init__(self) -> None:
        """Coerce strings to enums and check the numbers."""
        try:
            object.__setattr__(self, "team_type", TeamType(self.team_type))
        except ValueError:
            raise InputError(f"team type {self.team_type!r} is not one of {', '.join(t.value for t in TeamType)}",
                             field="team_type") from None
        try:
            object.__setattr__(self, "tier", Tier(self.tier))
        except ValueError:
            raise InputError(f"tier {self.tier!r} is not one of {', '.join(t.value for t in Tier)}",
                             field="tier") from None
        if not (math.isfinite(self.turnout_min) and 0 <= self.turnout_min <= 24 * 60):
            raise InputError(f"turnout_min {self.turnout_min:g} must be in 0..1440", field="turnout_min")


@dataclass(frozen=True)
class Candidate:
    """A candidate base: a WGS-84 point, or a node position of the scenario's network."""

    id: str
    lon: float | None = None
    lat: float | None = None
    node: int | None = None

    def __post_init__(self) -> None:
        """Exactly one of a point (lon and lat) or a node."""
        has_point = self.lon is not None and self.lat is not None
        if has_point == (self.node is not None) or (self.lon is None) != (self.lat is None):
            raise InputError(f"candidate {self.id}: give lon and lat, or a node, not both", field="candidates",
                             record=self.id)
        if has_point and not (-180 <= float(self.lon) <= 180 and -90 <= float(self.lat) <= 90):  # type: ignore[arg-type]
            raise InputError(f"candidate {self.id}: ({self.lon}, {self.lat}) is not a lon/lat point",
                             field="candidates", record=self.id)


@dataclass(frozen=True)
class Plan:
    """A what-if: teams out, bases closed, teams moved, and k new bases from candidates.

    ``move_teams`` maps a team id to a base id or a ``(lon, lat)`` point.
    """

    committed: tuple[str, ...] = ()
    close_bases: tuple[str, ...] = ()
    move_teams: Mapping[str, str | tuple[float, float]] = field(default_factory=dict)
    add_k: int = 0
    candidates: tuple[Candidate, ...] = ()
    template: TeamTemplate | None = None
    risk_weights: Mapping[str, float] = field(default_factory=lambda: dict(RISK_WEIGHTS))
    model: str = "mclp"

    @property
    def is_empty(self) -> bool:
        """True when the plan changes nothing but the committed teams."""
        return not (self.close_bases or self.move_teams or self.add_k)


@dataclass(frozen=True)
class Selection:
    """Which candidates the location model chose, and how sure it is."""

    model: str
    status: str
    objective: float
    bound: float | None
    gap: float | None
    wall_s: float
    method: str
    chosen: tuple[str, ...]
    candidates: int
    demand_rows: int
    weight_covered_before: float
    objective_before: float


@dataclass(frozen=True)
class StandardChange:
    """A standard's share of passing sites before and after."""

    standard: str
    sites: int
    passing_before: int
    passing_after: int
    share_before: float | None
    share_after: float | None
    met_before: bool
    met_after: bool
    backup_before: int
    backup_after: int


@dataclass(frozen=True)
class SiteChange:
    """A (site, standard) pair whose pass/fail or backup changed, with arrival minutes."""

    site: str
    standard: str
    risk_grade: str
    minutes_before: float
    minutes_after: float
    first_before: str | None
    first_after: str | None
    passed_before: bool
    passed_after: bool
    backup_before: bool
    backup_after: bool


@dataclass(frozen=True)
class WhatIfResult:
    """Coverage before and after a plan, and the differences.

    ``modified`` is the scenario after the plan (not in ``to_dict``); ``added_bases`` the new bases
    as ``{id, lon, lat, team, candidate}``.
    """

    changes: tuple[str, ...]
    before: CoverageReport
    after: CoverageReport
    standards: tuple[StandardChange, ...]
    newly_passing: tuple[SiteChange, ...]
    newly_failing: tuple[SiteChange, ...]
    backup_gained: tuple[SiteChange, ...]
    backup_lost: tuple[SiteChange, ...]
    gaps_before: int
    gaps_after: int
    selection: Selection | None
    added_bases: tuple[dict[str, Any], ...]
    modified: Scenario

    def to_dict(self, *, full: bool = True) -> dict[str, Any]:
        """JSON-able dict; ``full=False`` leaves out the before/after site rows (summaries kept)."""
        out: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            if item.name == "modified":
                continue
            value = getattr(self, item.name)
            if isinstance(value, CoverageReport):
                value = value.to_dict()
                if not full:
                    value.pop("sites")
            elif dataclasses.is_dataclass(value) and not isinstance(value, type):
                value = asdict(value)
            elif isinstance(value, tuple):
                value = [asdict(x) if dataclasses.is_dataclass(x) and not isinstance(x, type) else x for x in value]
            out[item.name] = value
        return jsonable(out)  # type: ignore[no-any-return]


def apply_plan(scenario: Scenario, plan: Plan) -> tuple[Scenario, dict[str, str], list[str]]:
    """Apply closures and moves (not additions): the modified scenario, teams out with reasons, a log.

    Raises ``InputError`` naming the first unknown team or base, or a team both moved and out.
    """
    teams = {t.id: t for t in scenario.teams}
    bases = {b.id: b for b in scenario.bases}
    out: dict[str, str] = {}
    log: list[str] = []
    for team_id in plan.committed:
        if team_id not in teams:
            raise InputError(f"teams: unknown id {team_id!r}", field="committed", record=team_id)
        out[team_id] = "committed"
        log.append(f"team {team_id} committed")
    for base_id in plan.close_bases:
        if base_id not in bases:
            raise InputError(f"bases: unknown id {base_id!r}", field="close_bases", record=base_id)
        gone = [t.id for t in scenario.teams if t.base == base_id]
        out.update({t: f"base {base_id} closed" for t in gone})
        log.append(f"base {base_id} closed ({len(gone)} team(s) out: {', '.join(gone) or 'none'})")
    new_bases: list[Base] = []
    moved: dict[str, Team] = {}
    for team_id, target in plan.move_teams.items():
        team = teams.get(team_id)
        if team is None:
            raise InputError(f"teams: unknown id {team_id!r}", field="move_teams", record=team_id)
        if team_id in out:
            raise InputError(f"team {team_id} is {out[team_id]} and cannot also be moved", field="move_teams",
                             record=team_id)
        home = bases[team.base]
        if isinstance(target, str):
            if target not in bases:
                raise InputError(f"bases: unknown id {target!r}", field="move_teams", record=target)
            if target in plan.close_bases:
                raise InputError(f"team {team_id} cannot move to closed base {target}", field="move_teams",
                                 record=target)
            new_base_id = target
            log.append(f"team {team_id} moved from {team.base} to base {target}")
        else:
            lon, lat = (float(v) for v in target)
            new_base_id = f"moved-{team_id}"
            new_bases.append(Base(id=new_base_id, name=f"{team.name} (moved)", name_zh=team.name_zh, tier=home.tier,
                                  jurisdiction=home.jurisdiction, lon=lon, lat=lat, illustrative=True))
            log.append(f"team {team_id} moved from {team.base} to ({lon:.5f}, {lat:.5f}), "
                       f"keeping tier {home.tier.value}")
        moved[team_id] = team.model_copy(update={"base": new_base_id})
    modified = dataclasses.replace(
        scenario,
        bases=scenario.bases + tuple(new_bases),
        teams=tuple(moved.get(t.id, t) for t in scenario.teams),
    )
    if new_bases:
        place_points(scenario, [b.id for b in new_bases], [b.lon for b in new_bases], [b.lat for b in new_bases])
    return modified, out, log


def what_if(scenario: Scenario, plan: Plan, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
            roads: RoadConditions | None = None, unavailable: Mapping[str, str] | None = None) -> WhatIfResult:
    """Coverage before and after ``plan``, on the unmodified scenario's network (under ``roads`` when given).

    Both the before and the after are under the same closures and time band, and without the teams
    ``unavailable`` at the moment asked about (team id -> why: :class:`planner.roads.day.OnTheDay`), so
    the difference is the plan's; the closures' own effect is the before against an everyday report.
    """
    absent = dict(unavailable or {})
    before = coverage(scenario, out={**absent, **{t: "committed" for t in plan.committed}}, reference=scenario,
                      roads=roads)
    modified, out, log = apply_plan(scenario, plan)
    out = {**absent, **out}
    if absent:
        log.insert(0, f"{len(absent)} team(s) cannot answer at the moment asked, left out before and after: "
                      f"{', '.join(sorted(absent))}")
    selection = None
    added: list[dict[str, Any]] = []
    if plan.add_k:
        modified, selection, added = _add_bases(scenario, modified, out, plan, time_limit_s, roads)
        log.append(f"{len(added)} base(s) added with a {plan.template.team_type.value} team each: "  # type: ignore[union-attr]
                   f"{', '.join(b['candidate'] for b in added)} ({selection.model} {selection.status})")
    after = coverage(modified, out=out, reference=scenario, roads=roads)
    return compare(before, after, modified=modified, changes=tuple(log), selection=selection, added=tuple(added))


def compare(before: CoverageReport, after: CoverageReport, *, modified: Scenario, changes: tuple[str, ...] = (),
            selection: Selection | None = None, added: tuple[dict[str, Any], ...] = ()) -> WhatIfResult:
    """Return the differences between two coverage reports of the same sites and standards."""
    old = {(r.site, r.standard): r for r in before.sites}
    pairs = [(old[(r.site, r.standard)], r) for r in after.sites if (r.site, r.standard) in old]
    standards = []
    for b, a in zip(before.standards, after.standards, strict=True):
        standards.append(StandardChange(b.standard, b.sites, b.passing, a.passing, b.share, a.share, b.met, a.met,
                                        b.with_backup, a.with_backup))
    return WhatIfResult(
        changes=changes, before=before, after=after, standards=tuple(standards),
        newly_passing=tuple(_change(b, a) for b, a in pairs if a.passed and not b.passed),
        newly_failing=tuple(_change(b, a) for b, a in pairs if b.passed and not a.passed),
        backup_gained=tuple(_change(b, a) for b, a in pairs if a.backup and not b.backup),
        backup_lost=tuple(_change(b, a) for b, a in pairs if b.backup and not a.backup),
        gaps_before=len(before.gaps), gaps_after=len(after.gaps), selection=selection, added_bases=added,
        modified=modified,
    )


def _change(before: SiteCoverage, after: SiteCoverage) -> SiteChange:
    return SiteChange(
        before.site, before.standard, before.risk_grade, before.minutes, after.minutes,
        before.first.team if before.first else None, after.first.team if after.first else None,
        before.passed, after.passed, before.backup, after.backup,
    )


def _add_bases(
    reference: Scenario, modified: Scenario, out: Mapping[str, str], plan: Plan, time_limit_s: float,
    roads: RoadConditions | None,
) -> tuple[Scenario, Selection, list[dict[str, Any]]]:
    """Choose ``plan.add_k`` candidates with ``plan.model`` and add a base and a template team at each."""
    template = plan.template
    if template is None:
        raise InputError("adding bases needs a team template (team type, turn-out)", field="team_type")
    k = int(plan.add_k)
    if k < 1:
        raise InputError(f"add_k = {k} must be >= 1", field="add_k")
    if len(plan.candidates) < k:
        raise InputError(f"add_k = {k} but only {len(plan.candidates)} candidate(s) given", field="candidates")
    ids = [c.id for c in plan.candidates]
    if len(set(ids)) != len(ids):
        raise InputError("candidates: duplicate id", field="candidates")
    if plan.model not in SITING_MODELS:
        raise InputError(f"model {plan.model!r} is not one of {', '.join(SITING_MODELS)}", field="model")
    grades = set(plan.risk_weights)
    if missing := [g.value for g in RiskGrade if g.value not in grades]:
        raise InputError(f"risk_weights lacks grade(s) {', '.join(missing)}", field="risk_weights")

    # Data: the rows (site, standard) the template team can serve, and the current coverage.
    current = coverage(modified, out=out, reference=reference, roads=roads)
    counts = rule.counted(modified.standards, [template.team_type.value], [template.tier.value])[:, 0]
    served = {s.id for s, yes in zip(modified.standards, counts, strict=True) if yes}
    rows = [r for r in current.sites if r.standard in served]
    if not rows:
        raise InputError(f"no standard of this scenario counts a {coded('tier', template.tier)} "
                         f"{coded('team_type', template.team_type)} team at any site", field="team_type")
    lon, lat = _candidate_points(reference, plan.candidates)
    network, nodes, access = place_points(reference, ids, lon, lat, network=routing_network(reference, roads))
    site_index = {s.id: i for i, s in enumerate(modified.sites)}
    site_nodes = np.array([placement(reference).site_node[s.id] for s in modified.sites], dtype=np.int64)
    drive, _, _ = drive_minutes(network, nodes, site_nodes)
    arrival = rule.arrival_minutes(template.turnout_min, drive, access[:, None])  # candidates x sites
    weights = np.array([float(plan.risk_weights[r.risk_grade]) for r in rows])
    cost = _siting_cost(plan.model, rows, arrival[:, [site_index[r.site] for r in rows]].T)
    # Model: the existing network (column 0) kept open and k more columns.
    if plan.model == "mclp":
        model: MCLP | PMedian = MCLP.from_cost_matrix(cost, weights, p=k + 1, max_cost=1.0, existing=[0])
        before = float(weights @ np.isfinite(cost[:, 0]))
    else:
        model = PMedian.from_cost_matrix(cost, weights, p=k + 1, existing=[0])
        before = float(weights @ cost[:, 0])
    result = model.solve(time_limit_s=time_limit_s)
    chosen = [j - 1 for j in result.selected if j != 0][:k]
    selection = Selection(
        model=result.model, status=result.status.value, objective=result.objective, bound=result.bound,
        gap=result.gap, wall_s=result.wall_s, method=result.method, chosen=tuple(ids[j] for j in chosen),
        candidates=len(ids), demand_rows=len(rows),
        weight_covered_before=float(sum(w for w, r in zip(weights, rows, strict=True) if r.passed)),
        objective_before=before,
    )
    nearest = _nearest_base(reference, lon, lat)
    bases: list[Base] = []
    teams: list[Team] = []
    added: list[dict[str, Any]] = []
    existing_ids = {b.id for b in modified.bases} | {t.id for t in modified.teams}
    for j in chosen:
        base_id = _fresh(f"new-{ids[j]}", existing_ids)
        team_id = _fresh(f"{base_id}-{template.team_type.value}", existing_ids)
        bases.append(Base(id=base_id, name=f"New base {ids[j]}", name_zh=f"新建基地 {ids[j]}", tier=template.tier,
                          jurisdiction=nearest[j], lon=float(lon[j]), lat=float(lat[j]), illustrative=True))
        teams.append(Team(id=team_id, name=f"New {template.team_type.value} team at {ids[j]}", name_zh="",
                          team_type=template.team_type, base=base_id, members=template.members,
                          squads=template.squads, turnout_min=template.turnout_min, illustrative=True))
        added.append({"id": base_id, "candidate": ids[j], "lon": float(lon[j]), "lat": float(lat[j]), "team": team_id,
                      "node": int(nodes[j]), "access_min": float(access[j])})
    modified = dataclasses.replace(modified, bases=modified.bases + tuple(bases), teams=modified.teams + tuple(teams))
    return modified, selection, added


def _siting_cost(model: str, rows: Sequence[SiteCoverage], to_rows: np.ndarray) -> np.ndarray:
    """Return the rows x (1 + candidates) cost matrix of a siting model (module docstring).

    ``to_rows`` holds each row's arrival minutes from each candidate's template team. Column 0 is the
    existing network: each row's current first counted responder.
    """
    max_min = np.array([r.max_min for r in rows])[:, None]
    now = np.array([[r.minutes] for r in rows])
    if model == "p-median":
        return np.hstack([now / max_min, to_rows / max_min])
    # MCLP: which column brings which row within standard is the coverage rule's, the existing network
    # where the row passes now, a candidate where its team would be in time. A covered entry keeps its
    # normalised cost (at most 1), any other is beyond the radius of 1.
    passed = np.array([[r.passed] for r in rows])
    existing = np.where(passed, np.minimum(now / max_min, 1.0), np.inf)
    candidates = np.where(rule.in_time(to_rows, max_min), np.minimum(to_rows / max_min, 1.0), np.inf)
    return np.hstack([existing, candidates])


def scenario_candidates(scenario: Scenario) -> tuple[Candidate, ...]:
    """Every town (named waypoint of the scenario's network) and every hazard site, as candidate bases.

    Towns get the id ``town-<name>`` (lower case, spaces as hyphens), sites their own id.
    """
    spec = dict(scenario.meta.get("network") or {})
    towns = [Candidate(f"town-{str(w['name']).lower().replace(' ', '-')}", lon=float(w["lon"]), lat=float(w["lat"]))
             for w in spec.get("waypoints", []) if w.get("name")]
    return (*towns, *(Candidate(s.id, lon=s.lon, lat=s.lat) for s in scenario.sites))


def _candidate_points(reference: Scenario, candidates: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of each candidate; a node candidate takes its node's coordinates."""
    network = placement(reference).network
    lon = np.empty(len(candidates))
    lat = np.empty(len(candidates))
    for i, c in enumerate(candidates):
        if c.node is not None:
            if not 0 <= int(c.node) < network.n_nodes:
                raise InputError(f"candidate {c.id}: node {c.node} is not in 0..{network.n_nodes - 1}",
                                 field="candidates", record=c.id)
            lon[i], lat[i] = network.lon[int(c.node)], network.lat[int(c.node)]
        else:
            lon[i], lat[i] = float(c.lon), float(c.lat)  # type: ignore[arg-type]
    return lon, lat


def _nearest_base(reference: Scenario, lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Jurisdiction of the nearest existing base (or site) of each point, for new base records."""
    records: list[Base] | list[HazardSite] = list(reference.bases) or list(reference.sites)
    if not records:
        raise InputError("the scenario has no base or site to take a jurisdiction from", field="candidates")
    blon = np.array([r.lon for r in records])
    blat = np.array([r.lat for r in records])
    d = ((lon[:, None] - blon[None, :]) ** 2 * np.cos(np.radians(lat))[:, None] ** 2
         + (lat[:, None] - blat[None, :]) ** 2)
    return [records[int(i)].jurisdiction for i in d.argmin(axis=1)]


def _fresh(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... not in ``taken`` (which it then includes)."""
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name)
    return name
