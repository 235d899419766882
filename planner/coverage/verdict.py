"""Coverage of hazard sites against response-time standards (R-COVER-MINE, R-COVER-FIRE, ...).

For every hazard site and every standard that applies to it (``Scenario.standards_for``), the
report gives the verdict of :mod:`planner.coverage.rule` (the one home of the rule: who counts, who
is in time, pass, backup, standard met) with the records a reader needs: first and second
responder, shortfall, the fastest team of each tier, the teams left out. The responders are the
teams whose type is the standard's capability (and, when the standard names ``tiers``, whose base is
of one of those tiers). A responder's time is its turn-out time (``Team.turnout_min``) plus the
access leg of a base a what-if adds or moves off the network plus the network drive from its base
to the site. Teams that are not ``available`` (drilling, committed, off duty) or that a caller marks
as out (committed to an incident, base closed) do not respond, but are reported. A site passes a
standard when its first responder arrives within ``max_min``; a standard with ``min_share < 1`` is
met when that share of its sites pass (e.g. national mine teams within 10 h for >= 80% of mines).
Backup coverage asks whether the site still passes when its first responder is already committed
elsewhere, i.e. whether the second responder arrives within ``max_min``.

Drive times come from one Dijkstra search per site on the reversed graph (``travel_times_to``) or
one forward search per base, whichever is fewer, never one per (team, site) pair. Times are from
the node each base and site is snapped to; the off-network distance of scenario points is not
added. Points added by a what-if (a new or moved base) are placed on the *reference* scenario's
network, so a what-if never reshapes an approximate kNN network; on a kNN network their distance to
the nearest node is driven at the network's speed times its detour factor.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np
import shapely

from geodata.errors import GeodataError
from geodata.matrix import choose_engine, travel_time_matrix, travel_times_to
from geodata.network import RoadNetwork
from geodata.service_area import DEFAULT_MARGIN_M, service_areas
from planner.coverage import rule
from planner.errors import InputError
from planner.model.records import Availability, HazardSite, ResponseStandard, Team, Tier
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.model import Scenario
from planner.scenario.network import Placement, join_points, placement

__all__ = [
    "CoverageReport",
    "ExcludedTeam",
    "Responder",
    "SiteCoverage",
    "StandardCoverage",
    "coverage",
    "drive_minutes",
    "place_points",
]

TIER_ORDER: tuple[str, ...] = tuple(t.value for t in Tier)


@dataclass(frozen=True)
class Responder:
    """A team answering a site: its arrival ``minutes`` = ``turnout_min`` + ``drive_min``."""

    team: str
    base: str
    tier: str
    minutes: float
    drive_min: float
    turnout_min: float


@dataclass(frozen=True)
class SiteCoverage:
    """One site against one standard: first and second responder, pass/fail, shortfall, backup.

    ``shortfall_min`` is 0 when the site passes, ``inf`` when no team of the capability can reach it.
    ``fastest_by_tier`` holds the fastest available team of the capability of each tier (any tier,
    even where the standard counts only some). ``unavailable_faster`` names the teams left out
    (not available or marked out) that would have arrived before the first responder. ``in_time``
    names every responding, counted team that meets the standard, earliest first: the site passes
    when there is at least one, has backup when there are two (:mod:`planner.coverage.rule`).
    """

    site: str
    name: str
    name_zh: str
    kind: str
    risk_grade: str
    risk_rank: int
    lon: float
    lat: float
    standard: str
    max_min: float
    first: Responder | None
    second: Responder | None
    passed: bool
    shortfall_min: float
    backup: bool
    fastest_by_tier: tuple[Responder, ...]
    unavailable_faster: tuple[str, ...]
    in_time: tuple[str, ...] = ()
    unreachable: bool = False

    @property
    def minutes(self) -> float:
        """Arrival of the first responder in minutes (``inf`` when none)."""
        return self.first.minutes if self.first is not None else math.inf


@dataclass(frozen=True)
class StandardCoverage:
    """How a standard fares over the sites it applies to.

    ``share`` is passing / sites (None when it applies to no site); ``met`` is ``share >= min_share``
    (vacuously true without sites); ``backup_share`` the share whose second responder is also in time.
    """

    standard: str
    name: str
    capability: str
    max_min: float
    tiers: tuple[str, ...]
    min_share: float
    rule: str
    sites: int
    passing: int
    share: float | None
    met: bool
    with_backup: int
    backup_share: float | None


@dataclass(frozen=True)
class ExcludedTeam:
    """A team of a standard's capability that does not respond, and why."""

    team: str
    team_type: str
    base: str
    reason: str


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a scenario: per site and standard, per standard, the gap list and excluded teams.

    ``gaps`` are the failing (site, standard) pairs, red sites first, then the largest shortfall.
    ``searches`` counts the shortest-path searches run, ``direction`` says which way
    (``"to-sites"``: one reversed search per site; ``"from-bases"``: one forward search per base).
    ``roads`` says which closures and time band applied (:meth:`RoadConditions.describe`).
    """

    scenario: str
    sites: tuple[SiteCoverage, ...]
    standards: tuple[StandardCoverage, ...]
    gaps: tuple[SiteCoverage, ...]
    excluded: tuple[ExcludedTeam, ...]
    searches: int
    direction: str
    wall_s: float
    roads: Mapping[str, Any] | None = None

    def standard(self, standard_id: str) -> StandardCoverage:
        """Return the summary of one standard; InputError when the scenario has no such standard."""
        for summary in self.standards:
            if summary.standard == standard_id:
                return summary
        raise InputError(f"standards: unknown id {standard_id!r}", field="standard", record=standard_id)

    def result(self, site_id: str, standard_id: str) -> SiteCoverage:
        """Return the coverage of one site against one standard; KeyError when the standard does not apply."""
        for row in self.sites:
            if row.site == site_id and row.standard == standard_id:
                return row
        raise KeyError((site_id, standard_id))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (``inf`` stays a float: ``print_json`` and ``jsonable`` turn it into null)."""
        out: dict[str, Any] = jsonable(self)
        return out


def jsonable(value: Any) -> Any:
    """Replace dataclasses by dicts, non-finite floats by None and tuples by lists, recursively.

    One pass without ``dataclasses.asdict``'s deep copies: a Jinan coverage report has thousands of
    rows, and asdict + a second pass took most of the coverage answer's time.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# travel


def drive_minutes(
    network: RoadNetwork, origin_nodes: Sequence[int] | np.ndarray, site_nodes: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, str, int]:
    """Drive minutes from each origin node to each site node, with the fewest shortest-path searches.

    Many distinct origins to a few nodes run on the contraction hierarchy (``"cch"``: one one-to-many
    query per origin, :func:`geodata.matrix.choose_engine`); otherwise one reversed search per distinct
    site node (``travel_times_to``) when there are no more of them than distinct origin nodes, else one
    forward search per distinct origin node. Every way gives the same whole-millisecond sums.

    Returns
    -------
    tuple
        ``origins x sites`` minutes (``inf`` = unreachable), the direction (``"to-sites"``,
        ``"from-bases"`` or ``"cch"``) and the number of searches run.

    """
    origins = np.asarray(origin_nodes, dtype=np.int64)
    sites = np.asarray(site_nodes, dtype=np.int64)
    if origins.size == 0 or sites.size == 0:
        return np.full((origins.size, sites.size), np.inf), "none", 0
    unique_o, inverse_o = np.unique(origins, return_inverse=True)
    unique_s, inverse_s = np.unique(sites, return_inverse=True)
    seconds, direction, searches = _distinct_seconds(network, tuple(unique_o.tolist()), tuple(unique_s.tolist()))
    return seconds[np.ix_(inverse_o.ravel(), inverse_s.ravel())] / 60.0, direction, searches


_SEARCHES_PER_NETWORK = 8
"""Distinct (origins, sites) answers kept per travel network (each is a small origins x sites array)."""
_Searched = tuple[np.ndarray, str, int]
_searches: weakref.WeakKeyDictionary[RoadNetwork, OrderedDict[tuple[tuple[int, ...], tuple[int, ...]], _Searched]] = (
    weakref.WeakKeyDictionary())
_searches_lock = threading.Lock()


def _distinct_seconds(network: RoadNetwork, origins: tuple[int, ...],
                      sites: tuple[int, ...]) -> _Searched:
    """Seconds between distinct origin and site nodes, kept for the next call on the same network and nodes.

    Most record edits (equipment, team strength, a site's risk grade) move no base and no site, so the
    coverage answered after them reuses the searches of the one before: under mixed load this was most
    of a coverage answer's time. The answers are kept per network object, weakly: the travel network of
    a (scenario, closure set, band) (:func:`planner.roads.conditions.travel_network`) is its own object,
    so coverage under a closure never reads the answers of the intact network, and a network nobody
    holds any more (a what-if's, a test's) takes its answers with it instead of being kept alive by them.
    """
    key = (origins, sites)
    with _searches_lock:
        kept = _searches.setdefault(network, OrderedDict())
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    origin_a, site_a = np.array(origins, dtype=np.int64), np.array(sites, dtype=np.int64)
    if choose_engine(network, len(origins), len(sites)) == "cch":
        seconds = travel_time_matrix(network, origin_a, site_a, engine="cch")
        direction, searches = "cch", len(origins)
    elif len(sites) <= len(origins):
        seconds = travel_times_to(network, site_a)[:, origin_a].T  # distinct sites x every node, then the origins
        direction, searches = "to-sites", len(sites)
    else:
        seconds = travel_time_matrix(network, origin_a, site_a)
        direction, searches = "from-bases", len(origins)
    seconds.setflags(write=False)
    answer = (seconds, direction, searches)
    with _searches_lock:
        kept = _searches.setdefault(network, OrderedDict())
        kept[key] = answer
        while len(kept) > _SEARCHES_PER_NETWORK:
            kept.popitem(last=False)
    return answer


def forget_searches() -> None:
    """Forget every kept search (a benchmark that compares engines times each afresh)."""
    with _searches_lock:
        _searches.clear()


def access_speed_m_per_min(scenario: Scenario) -> float | None:
    """Speed for reaching the network from a new point: the kNN network's (with detour), None on roads."""
    spec = dict(scenario.meta.get("network") or {})
    if spec.get("kind") != "knn":
        return None
    speed_kph = float(spec.get("speed_kph", 60.0))
    return speed_kph * 1000 / 60 / float(spec.get("detour_factor", 1.3))


def place_points(
    reference: Scenario, ids: Sequence[str], lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray,
    *, network: RoadNetwork | None = None,
) -> tuple[RoadNetwork, np.ndarray, np.ndarray]:
    """Join new points (a candidate or moved base, a moved site, a standby point) to the reference's network.

    On a road network a point is joined as the scenario's own bases and sites are (part-way along its
    nearest edge, :func:`planner.scenario.network.join_points`), and one beyond the scenario's snap
    limit is refused (``InputError``); on an approximate kNN network any point is accepted, snapped to
    its nearest node, and its distance to it is driven at the network's speed divided by its detour factor.

    Parameters
    ----------
    reference
        The scenario whose network and snapping rules apply.
    ids, lon, lat
        The points (ids name them in errors).
    network
        The network to join them to (default the reference's placement network; a network under
        closures or a band, :func:`planner.roads.conditions.routing_network`, keeps its factors).

    Returns
    -------
    tuple
        The network with the points joined, their node positions on it, and access minutes (0 on roads).

    """
    network = network if network is not None else placement(reference).network
    speed = access_speed_m_per_min(reference)
    try:
        joined = join_points(reference, network, lon, lat, labels=[f"point {i}" for i in ids], refuse=speed is None)
    except GeodataError as error:
        raise InputError(str(error), field="lon/lat") from None
    access = np.zeros(len(ids)) if speed is None else joined.distance_m / speed
    return joined.network, joined.node.astype(np.int64), access


def _positions(scenario: Scenario, reference: Scenario, placed: Placement, wanted: set[str], network: RoadNetwork
               ) -> tuple[RoadNetwork, dict[str, tuple[int, float]], np.ndarray]:
    """Return the network, each wanted base's node and access minutes, and each site's node.

    The reference placement where a base or site is unchanged, else joined anew (all in one join, so
    the network returned holds them all).
    """
    ref_bases = reference.by_id("bases")
    ref_sites = reference.by_id("sites")

    def unchanged(record: Any, old: Any, nodes: Mapping[str, int]) -> bool:
        return old is not None and record.id in nodes and (old.lon, old.lat) == (record.lon, record.lat)

    positions: dict[str, tuple[int, float]] = {}
    site_nodes = np.empty(len(scenario.sites), dtype=np.int64)
    new: list[tuple[str, Any]] = []
    for base in scenario.bases:
        if base.id not in wanted:
            continue
        if unchanged(base, ref_bases.get(base.id), placed.base_node):
            positions[base.id] = (placed.base_node[base.id], 0.0)
        else:
            new.append(("base", base))
    for j, site in enumerate(scenario.sites):
        if unchanged(site, ref_sites.get(site.id), placed.site_node):
            site_nodes[j] = placed.site_node[site.id]
        else:
            new.append(("site", site))
    if new:
        network, nodes, access = place_points(reference, [r.id for _, r in new], [r.lon for _, r in new],
                                              [r.lat for _, r in new], network=network)
        index = {s.id: j for j, s in enumerate(scenario.sites)}
        for (kind, record), node, minutes in zip(new, nodes, access, strict=True):
            if kind == "base":
                positions[record.id] = (int(node), float(minutes))
            else:
                site_nodes[index[record.id]] = int(node)
    return network, positions, site_nodes


# ---------------------------------------------------------------------------------------------
# analysis


def coverage(
    scenario: Scenario,
    *,
    out: Mapping[str, str] | Iterable[str] = (),
    reference: Scenario | None = None,
    roads: RoadConditions | None = None,
) -> CoverageReport:
    """Assess every site against every standard that applies to it.

    Parameters
    ----------
    scenario
        The resources, sites and standards to assess.
    out
        Teams that do not respond although ``available`` (e.g. committed to an incident): ids, or
        id -> reason. Unknown ids raise ``InputError``.
    reference
        Scenario whose network and placement to use (default ``scenario``); a what-if passes the
        unmodified scenario so new points are placed on the same network.
    roads
        Closures and time band (:func:`planner.roads.conditions.travel_network` of ``reference``);
        default the free-flow network. A site no responding team can reach at all fails as
        ``unreachable``.

    Returns
    -------
    CoverageReport
        Frozen, JSON-able through ``to_dict``.

    """
    started = time.perf_counter()
    reference = reference or scenario
    reasons = dict(out) if isinstance(out, Mapping) else {team: "committed" for team in out}
    teams_by_id = scenario.by_id("teams")
    unknown = [t for t in reasons if t not in teams_by_id]
    if unknown:
        raise InputError(f"teams: unknown id {unknown[0]!r}", field="team", record=unknown[0])
    capabilities = {s.capability for s in scenario.standards}
    teams = [t for t in scenario.teams if t.team_type in capabilities]
    placed = placement(reference)
    network, positions, site_nodes = _positions(scenario, reference, placed, {t.base for t in teams},
                                                routing_network(reference, roads))
    base_ids = sorted(positions)
    drive_base, direction, searches = drive_minutes(network, [positions[b][0] for b in base_ids], site_nodes)
    row = {b: i for i, b in enumerate(base_ids)}
    drive = drive_base[[row[t.base] for t in teams]] if teams else np.empty((0, len(scenario.sites)))
    access = np.array([positions[t.base][1] for t in teams], dtype=float)
    tiers = {b.id: b.tier.value for b in scenario.bases}
    why_out = [_reason(t, reasons) for t in teams]
    site_rows, summaries, gaps = assess(
        scenario.sites, [scenario.standards_for(s) for s in scenario.sites], scenario.standards,
        teams, [tiers[t.base] for t in teams], why_out, drive, access,
    )
    excluded = tuple(
        ExcludedTeam(t.id, t.team_type.value, t.base, reason)
        for t, reason in zip(teams, why_out, strict=True) if reason
    )
    return CoverageReport(scenario.name, site_rows, summaries, gaps, excluded, searches, direction,
                          time.perf_counter() - started, None if roads is None else roads.describe())


def _reason(team: Team, reasons: Mapping[str, str]) -> str:
    """Why a team does not respond ('' when it does)."""
    if team.id in reasons:
        return reasons[team.id]
    return "" if team.availability is Availability.AVAILABLE else team.availability.value


def assess(
    sites: Sequence[HazardSite],
    applicable: Sequence[Sequence[ResponseStandard]],
    standards: Sequence[ResponseStandard],
    teams: Sequence[Team],
    team_tiers: Sequence[str],
    team_out: Sequence[str],
    drive_min: np.ndarray,
    access_min: np.ndarray | None = None,
) -> tuple[tuple[SiteCoverage, ...], tuple[StandardCoverage, ...], tuple[SiteCoverage, ...]]:
    """Compare arrival times with the standards: a pure function of records and a drive-time array.

    ``drive_min`` is ``teams x sites`` network minutes (``inf`` = unreachable), ``access_min`` each
    team's access leg (default 0; a responder's ``drive_min`` includes it); ``team_out`` is '' for a
    responding team, else the reason it does not respond. The verdict
    (who counts, in time, pass, backup, standard met) is :mod:`planner.coverage.rule`'s; this adds
    the records and the details a reader needs (fastest team of each tier, faster teams left out).

    Returns
    -------
    tuple
        Per (site, standard) rows in site order, per-standard summaries in standard order, and the
        gap list (failing rows, red first then largest shortfall).

    """
    access = (np.zeros(len(teams)) if access_min is None else np.asarray(access_min, dtype=float)).reshape(-1, 1)
    turnout = np.array([t.turnout_min for t in teams], dtype=float).reshape(-1, 1)
    arrival = rule.arrival_minutes(turnout, drive_min, access)
    drive_min = np.asarray(drive_min, dtype=float) + access  # what a responder reports as its drive
    tier_arr = np.array(list(team_tiers), dtype=object)
    responding = np.array([not why for why in team_out], dtype=bool)
    ids = [t.id for t in teams]
    id_rank = np.argsort(np.argsort(np.array(ids, dtype=object))) if ids else np.zeros(0, dtype=np.int64)
    standard_index = {s.id: k for k, s in enumerate(standards)}
    pairs = [(j, standard) for j in range(len(sites)) for standard in applicable[j]]
    row_site = np.array([j for j, _ in pairs], dtype=np.int64)
    row_standard = np.array([standard_index[s.id] for _, s in pairs], dtype=np.int64)
    is_counted = rule.counted(standards, [t.team_type.value for t in teams], list(team_tiers))
    types = np.array([t.team_type.value for t in teams], dtype=object)
    verdict = rule.judge(arrival, is_counted, responding, row_site, row_standard,
                         np.array([s.max_min for s in standards], dtype=float), id_rank)

    def responder(k: int, j: int) -> Responder | None:
        if k < 0:
            return None
        team = teams[k]
        return Responder(team.id, team.base, str(tier_arr[k]), float(arrival[k, j]), float(drive_min[k, j]),
                         float(team.turnout_min))

    rows: list[SiteCoverage] = []
    for i, (j, standard) in enumerate(pairs):
        site = sites[j]
        k_std = row_standard[i]
        times = arrival[:, j]
        first = responder(int(verdict.first[i]), j)
        second = responder(int(verdict.second[i]), j)
        passed = bool(verdict.passed[i])
        shortfall = 0.0 if passed else (first.minutes - standard.max_min if first else math.inf)
        by_tier = []
        reachable = (types == standard.capability.value) & responding & np.isfinite(times)
        for tier in TIER_ORDER:
            pool = np.flatnonzero(reachable & (tier_arr == tier))
            if pool.size:
                best = pool[np.lexsort((id_rank[pool], times[pool]))][0]
                by_tier.append(responder(int(best), j))
        first_time = first.minutes if first else math.inf
        idle = np.flatnonzero(is_counted[k_std] & ~responding & (times < first_time))
        meeting = np.flatnonzero(verdict.in_time[i])
        meeting = meeting[np.lexsort((id_rank[meeting], times[meeting]))]
        rows.append(SiteCoverage(
            site=site.id, name=site.name, name_zh=site.name_zh, kind=site.kind.value,
            risk_grade=site.risk_grade.value, risk_rank=site.risk_grade.rank, lon=site.lon, lat=site.lat,
            standard=standard.id, max_min=standard.max_min, first=first, second=second, passed=passed,
            shortfall_min=shortfall, backup=bool(verdict.backup[i]),
            fastest_by_tier=tuple(r for r in by_tier if r is not None),
            unavailable_faster=tuple(sorted(ids[k] for k in idle)),
            in_time=tuple(ids[k] for k in meeting),
            unreachable=first is None,
        ))
    summaries = []
    for standard in standards:
        mine = [r for r in rows if r.standard == standard.id]
        passing = sum(r.passed for r in mine)
        backed = sum(r.backup for r in mine)
        share = passing / len(mine) if mine else None
        summaries.append(StandardCoverage(
            standard=standard.id, name=standard.name, capability=standard.capability.value,
            max_min=standard.max_min, tiers=tuple(t.value for t in standard.tiers), min_share=standard.min_share,
            rule=standard.rule, sites=len(mine), passing=passing, share=share,
            met=share is None or rule.share_met(share, standard.min_share),
            with_backup=backed, backup_share=backed / len(mine) if mine else None,
        ))
    gaps = sorted((r for r in rows if not r.passed), key=lambda r: (r.risk_rank, -r.shortfall_min, r.site, r.standard))
    return tuple(rows), tuple(summaries), tuple(gaps)


# ---------------------------------------------------------------------------------------------
# service areas


def service_area_features(
    scenario: Scenario, standard_id: str, *, out: Mapping[str, str] | Iterable[str] = (),
    roads: RoadConditions | None = None,
) -> dict[str, Any]:
    """Isochrones of a standard's counted, responding teams at its ``max_min``, as GeoJSON.

    One feature per distinct turn-out time (the area any of those teams reaches within ``max_min``
    minutes including turn-out), so mixed turn-outs are honoured with one search per group. On an
    approximate kNN network the margin either side of a link is 1.5 km instead of 150 m, since its
    links stand for roads that are not drawn.
    """
    standards = scenario.by_id("standards")
    standard = standards.get(standard_id)
    if standard is None:
        raise InputError(f"standards: unknown id {standard_id!r}", field="standard", record=standard_id)
    assert isinstance(standard, ResponseStandard)
    reasons = dict(out) if isinstance(out, Mapping) else {t: "committed" for t in out}
    tiers = {b.id: b.tier.value for b in scenario.bases}
    counts = rule.counted([standard], [t.team_type.value for t in scenario.teams],
                          [tiers[t.base] for t in scenario.teams])[0]
    teams = [t for t, yes in zip(scenario.teams, counts, strict=True) if yes and not _reason(t, reasons)]
    placed = placement(scenario)
    margin_m = 1500.0 if access_speed_m_per_min(scenario) is not None else DEFAULT_MARGIN_M
    groups: dict[float, list[Team]] = {}
    for team in teams:
        groups.setdefault(float(team.turnout_min), []).append(team)
    features = []
    for turnout_min, members in sorted(groups.items()):
        nodes = sorted({placed.base_node[t.base] for t in members})
        (area,) = service_areas(routing_network(scenario, roads), nodes, [standard.max_min],
                                turnout_s=turnout_min * 60, margin_m=margin_m)
        if area.is_empty:
            continue
        features.append({
            "type": "Feature",
            "properties": {"standard": standard.id, "minutes": standard.max_min, "turnout_min": turnout_min,
                           "teams": [t.id for t in members], "bases": sorted({t.base for t in members})},
            "geometry": shapely.geometry.mapping(shapely.set_precision(area, 1e-6)),
        })
    return {"type": "FeatureCollection", "features": features}
