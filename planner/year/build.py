"""Build a :class:`~planner.year.model.YearModel` from a scenario on its road network, and drill holds.

The places are the scenario's bases, the staging points it lists (posture's ``staging_points``), its
hazard sites and, for every area of the rates document, ``points_per_area`` road nodes inside the
jurisdiction's boundary (drawn once with a fixed seed, so the model is the same on every call; nodes no
station can reach are dropped). Drive minutes between all places come from
:func:`planner.coverage.verdict.drive_minutes` on the scenario's cached network, the searches every
coverage answer uses. Units are the scenario's available teams with their own and carried capabilities
(:func:`planner.dispatch.scenario.unit_capabilities`); incident classes are the library's templates
(needs by :func:`planner.dispatch.requests.requirements_from_template`, escalations, on-scene minutes =
the sum of the template's task minutes) and one class per area; which teams count for which standard is
:func:`planner.coverage.rule.counted`, and a station covers a (site, standard) row for a unit when
:func:`planner.coverage.rule.teams_in_time` says so. Agreements, the jurisdiction tree and retained
minimums are the scenario's.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
import shapely.geometry

from geodata.network import RoadNetwork
from planner.availability import AvailabilityRules
from planner.coverage import rule
from planner.coverage.verdict import drive_minutes
from planner.coverage.whatif import RISK_WEIGHTS
from planner.dispatch.pricing import jurisdiction_parents
from planner.dispatch.requests import incident_library, indexed_escalations, indexed_needs, template_capabilities
from planner.dispatch.scenario import unit_capabilities
from planner.drills.calendar import CalendarDocument
from planner.drills.programme import Programme, off_duty
from planner.errors import InputError
from planner.model.records import Availability
from planner.posture.prepositioning import plan_posture
from planner.posture.rules import PostureRules
from planner.posture.staging import StagingPoint
from planner.posture.warnings import HazardWarning
from planner.roads.bands import Band, week_bands
from planner.roads.conditions import RoadConditions, routing_network
from planner.scenario.library import Template
from planner.scenario.model import Scenario
from planner.scenario.network import Placement, placement
from planner.sharing import agreements_from_dicts
from planner.year.model import DAYS_PER_YEAR, MINUTES_PER_DAY, MONTH_STARTS_DAY, IncidentClass, YearModel
from planner.year.rates import RatesDocument

DEFAULT_ON_SCENE_MIN = 60.0
"""On-scene minutes of a template that lists no task [U]."""
AREA_POINTS_SEED = 0xA2EA
"""Seed of the draw of the areas' road points (fixed: the same model on every build)."""
REPLAY_CLOCK = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
"""Clock given to the warning readers: a period replays warnings, so none is refused as expired."""
OPEN_WARNING_H = 24.0
"""Hours a warning without an expiry holds its posture [U]."""


def year_model(scenario: Scenario, rates: RatesDocument, *, staging: Sequence[StagingPoint] = (),
               roads: RoadConditions | None = None, bands: Sequence[tuple[Band, RoadConditions]] = ()) -> YearModel:
    """Build the year model of a scenario with its incident rates (see the module docstring).

    ``roads``: the travel network every drive takes (a closure set, :func:`planner.roads.conditions.travel_network`),
    default free flow; ``bands``: each time band of the scenario's speed profiles with its network (under the
    same closures), giving one drive matrix per band, taken by the incidents and trips in that band's hours
    (:meth:`YearModel.drive_at`); what a station covers (the coverage in time) is judged on each band's matrix too.
    """
    teams = [t for t in scenario.teams if t.availability is Availability.AVAILABLE]
    if not teams:
        raise InputError(f"scenario {scenario.name} has no available team", field="teams")
    placed = placement(scenario)
    places = _places(scenario, placed, rates, staging)
    drives = _drives(scenario, placed.network, places, roads, bands)
    library = incident_library()
    template_ids = sorted({tid for s in scenario.sites for tid, t in library.items() if s.kind.value in t.site_kinds})
    owned = unit_capabilities(scenario)
    capabilities = _capabilities(library, template_ids, rates, owned.values())
    classes, class_of_template = _incident_classes(library, template_ids, rates, capabilities)
    standards = scenario.standards
    tiers = {b.id: b.tier.value for b in scenario.bases}
    counted = rule.counted(standards, [t.team_type.value for t in teams], [tiers[t.base] for t in teams])
    sources = _sources(scenario, rates, places, drives.reachable, library, template_ids, class_of_template,
                       first_area_class=len(classes) - len(rates.areas))
    rows = _rows(scenario, places)
    turnout = np.array([t.turnout_min for t in teams], dtype=float)
    max_min = np.array([s.max_min for s in standards], dtype=float)

    def station_cover(matrix: np.ndarray) -> np.ndarray:
        """Stations x rows x units: the arrival minutes of a unit waiting at a station, where it meets the standard."""
        cover = np.full((places.n_stations, rows.place.size, len(teams)), np.inf)
        everyone = np.ones(len(teams), dtype=bool)
        for station in range(places.n_stations):
            arrival = rule.arrival_minutes(turnout[:, None], matrix[station, rows.place][None, :])
            meets = rule.teams_in_time(arrival, counted, everyone, np.arange(rows.place.size), rows.standard, max_min)
            cover[station] = np.where(meets, arrival.T, np.inf)
        return cover

    band_cover = None if drives.bands is None else np.stack([station_cover(matrix) for matrix in drives.bands])
    hour = np.ones(24) if rates.time_of_day is None else np.array(rates.time_of_day, dtype=float)
    month = np.ones(12) if rates.season is None else np.array(rates.season, dtype=float)
    month_days = np.diff(np.append(MONTH_STARTS_DAY, DAYS_PER_YEAR))
    bases = scenario.by_id("bases")
    place_index = {p: k for k, p in enumerate(places.ids)}
    model = YearModel(
        scenario=scenario.name,
        unit_ids=tuple(t.id for t in teams),
        unit_types=tuple(t.team_type.value for t in teams),
        unit_region=tuple(bases[t.base].jurisdiction for t in teams),  # type: ignore[attr-defined]
        unit_people=np.array([t.members for t in teams], dtype=np.int64),
        unit_home=np.array([place_index[t.base] for t in teams], dtype=np.int64),
        turnout_min=turnout,
        capabilities=capabilities,
        capability_qty=np.array([[owned[t.id].get(c, 0) for c in capabilities] for t in teams], dtype=np.int64),
        place_ids=tuple(places.ids),
        place_region=tuple(places.region),
        n_stations=places.n_stations,
        drive_min=drives.drive,
        source_ids=tuple(sources.ids),
        source_place=np.array(sources.place, dtype=np.int64),
        source_rate_per_min=np.array(sources.rate, dtype=float),
        source_classes=tuple(sources.classes),
        source_standards=tuple(sources.standards),
        classes=tuple(classes),
        standard_ids=tuple(s.id for s in standards),
        standard_max_min=max_min,
        standard_min_share=np.array([s.min_share for s in standards], dtype=float),
        standard_counted=counted,
        row_place=rows.place,
        row_standard=rows.standard,
        row_weight=rows.weight,
        station_cover_min=station_cover(drives.drive),
        hour_factor=hour / hour.mean(),
        month_factor=month / (month * month_days).sum() * DAYS_PER_YEAR,
        on_scene=rates.on_scene.distribution,
        on_scene_cv=float(rates.on_scene.cv),
        station_capacity=np.array(places.capacity, dtype=np.int64),
        agreements=tuple(agreements_from_dicts(scenario.agreements)),
        parents=jurisdiction_parents(scenario),
        min_retained={r: dict(v) for r, v in dict(scenario.meta.get("min_retained") or {}).items()},
        notes=tuple([*rates.sources, *sources.notes]),
        band_ids=tuple(band.id for band, _ in bands),
        band_drive_min=drives.bands,
        band_station_cover_min=band_cover,
        week_band=week_bands([band for band, _ in bands]) if bands else None,
        roads=None if roads is None and not bands else {
            "closures": None if roads is None else roads.describe(),
            "bands": {band.id: conditions.describe() for band, conditions in bands}},
    )
    model.check()
    return model


@dataclass
class _Places:
    """The model's places in matrix order: stations (bases, then staging points), hazard sites, area points."""

    ids: list[str]
    region: list[str]
    nodes: list[int]
    capacity: list[int]
    """Units a station holds (0: no limit); stations only."""
    n_stations: int = 0
    site_place: dict[str, int] = field(default_factory=dict)
    area_points: list[list[int]] = field(default_factory=list)
    """For each area of the rates document, the places of its road points."""

    def add(self, place_id: str, region: str, node: int) -> int:
        """Append a place; return its index."""
        self.ids.append(place_id)
        self.region.append(region)
        self.nodes.append(node)
        return len(self.ids) - 1


def _places(scenario: Scenario, placed: Placement, rates: RatesDocument,
            staging: Sequence[StagingPoint]) -> _Places:
    """Bases, staging points (those within snapping distance), hazard sites and each area's road points."""
    places = _Places([b.id for b in scenario.bases], [b.jurisdiction for b in scenario.bases],  # type: ignore[attr-defined]
                     [placed.base_node[b.id] for b in scenario.bases], [0] * len(scenario.bases))
    if staging:
        snapped = placed.snapper.snap([p.lon for p in staging], [p.lat for p in staging],
                                      max_distance_m=placed.snap_limit_m, refuse=False)
        for point, node, too_far in zip(staging, snapped.node, snapped.too_far, strict=True):
            if not too_far:
                places.add(point.id, point.jurisdiction or "", int(node))
                places.capacity.append(point.capacity or 0)
    places.n_stations = len(places.ids)
    for site in scenario.sites:
        places.site_place[site.id] = places.add(site.id, site.jurisdiction, placed.site_node[site.id])
    regions = scenario.by_id("jurisdictions")
    network = placed.network
    for k, area in enumerate(rates.areas):
        geometry = regions[area.jurisdiction].geometry  # type: ignore[attr-defined]
        inside = np.zeros(0, dtype=np.int64)
        if geometry is not None:
            inside = np.flatnonzero(shapely.contains_xy(shapely.geometry.shape(geometry), network.lon, network.lat))
        rng = np.random.default_rng([AREA_POINTS_SEED, zlib.crc32(area.jurisdiction.encode()), k])
        size = min(rates.points_per_area, inside.size)
        chosen = rng.choice(inside, size=size, replace=False) if inside.size else inside
        places.area_points.append([places.add(f"{area.jurisdiction}:area{k}:p{j}", area.jurisdiction, node)
                                   for j, node in enumerate(sorted(int(n) for n in chosen))])
    return places


@dataclass(frozen=True)
class _Drives:
    """Drive minutes between all places: on the travel network, per time band, and who can be reached at all."""

    drive: np.ndarray
    bands: np.ndarray | None
    reachable: np.ndarray
    """Places some station reaches and is reached from, on the free-flow network."""


def _drives(scenario: Scenario, network: RoadNetwork, places: _Places, roads: RoadConditions | None,
            bands: Sequence[tuple[Band, RoadConditions]]) -> _Drives:
    """Drive matrices between every pair of places (diagonal 0), by the searches every coverage answer uses."""
    nodes = np.array(places.nodes, dtype=np.int64)
    drive, _, _ = drive_minutes(routing_network(scenario, roads), nodes, nodes)
    np.fill_diagonal(drive, 0.0)
    band_drive = None
    if bands:
        band_drive = np.stack([drive_minutes(conditions.network, nodes, nodes)[0] for _, conditions in bands])
        for matrix in band_drive:
            np.fill_diagonal(matrix, 0.0)
    # Which places can be served is judged on the free-flow network, so a closure set keeps the same places and
    # sources (runs compare on common random numbers) and an incident it cuts off is counted unserved.
    free = drive if roads is None else drive_minutes(network, nodes, nodes)[0]
    stations = places.n_stations
    reachable = np.isfinite(free[:stations]).any(axis=0) & np.isfinite(free[:, :stations]).any(axis=1)
    return _Drives(drive, band_drive, reachable)


def _capabilities(library: Mapping[str, Template], template_ids: Sequence[str], rates: RatesDocument,
                  owned: Iterable[Mapping[str, int]]) -> tuple[str, ...]:
    """Every capability an incident may need or a unit holds, sorted (the model's capability columns)."""
    needed = template_capabilities(library[tid] for tid in template_ids)
    needed |= {n.capability for area in rates.areas for n in area.needs}
    return tuple(sorted(needed | {c for held in owned for c in held}))


def _incident_classes(library: Mapping[str, Template], template_ids: Sequence[str], rates: RatesDocument,
                      capabilities: Sequence[str]) -> tuple[list[IncidentClass], dict[str, int]]:
    """One class per template (needs, escalations, on-scene minutes), then one per area; and each template's class."""
    cap_index = {c: k for k, c in enumerate(capabilities)}
    classes: list[IncidentClass] = []
    class_of_template: dict[str, int] = {}
    for tid in template_ids:
        template = library[tid]
        class_of_template[tid] = len(classes)
        on_scene = sum(task.duration_min for task in template.tasks) or DEFAULT_ON_SCENE_MIN
        classes.append(IncidentClass(tid, indexed_needs(template, cap_index), indexed_escalations(template, cap_index),
                                     float(on_scene)))
    for k, area in enumerate(rates.areas):
        classes.append(IncidentClass(area.name or f"{area.jurisdiction} routine calls (area {k})",
                                     tuple((cap_index[n.capability], n.quantity, float(n.deadline_min))
                                           for n in area.needs), (), float(area.on_scene_min)))
    return classes, class_of_template


@dataclass
class _Sources:
    """Where incidents arise: place, rate per minute, classes, the standards that apply; notes on what is left out."""

    ids: list[str] = field(default_factory=list)
    place: list[int] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)
    classes: list[tuple[int, ...]] = field(default_factory=list)
    standards: list[tuple[int, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, source_id: str, place: int, rate: float, classes: tuple[int, ...],
            standards: tuple[int, ...]) -> None:
        """Append one source."""
        self.ids.append(source_id)
        self.place.append(place)
        self.rate.append(rate)
        self.classes.append(classes)
        self.standards.append(standards)


def _sources(scenario: Scenario, rates: RatesDocument, places: _Places, reachable: np.ndarray,
             library: Mapping[str, Template], template_ids: Sequence[str], class_of_template: Mapping[str, int], *,
             first_area_class: int) -> _Sources:
    """Hazard sites with a rate and a template (reachable ones), then each area's reachable road points."""
    per_minute = 1.0 / (DAYS_PER_YEAR * MINUTES_PER_DAY)
    std_index = {s.id: k for k, s in enumerate(scenario.standards)}
    sources = _Sources()
    for site in scenario.sites:
        kinds = [class_of_template[tid] for tid in template_ids if site.kind.value in library[tid].site_kinds]
        rate = float(rates.sites.get(site.kind, {}).get(site.risk_grade, 0.0))
        place = places.site_place[site.id]
        if kinds and rate > 0 and reachable[place]:
            sources.add(site.id, place, rate * per_minute, tuple(kinds),
                        tuple(std_index[s.id] for s in scenario.standards_for(site)))
    for k, area in enumerate(rates.areas):
        points = [p for p in places.area_points[k] if reachable[p]]
        if not points and area.per_year > 0:
            sources.notes.append(f"areas[{k}] ({area.jurisdiction}): no road point of the network lies in its boundary "
                                 f"and reaches a station; its {area.per_year:g} incidents a year are left out")
        applies = tuple(j for j, s in enumerate(scenario.standards)
                        if area.kind is not None and area.kind in s.site_kinds)
        for p in points:
            sources.add(places.ids[p], p, area.per_year / len(points) * per_minute, (first_area_class + k,), applies)
    return sources


@dataclass(frozen=True)
class _Rows:
    """The (site, standard) rows coverage is counted on: the site's place, the standard, the risk weight."""

    place: np.ndarray
    standard: np.ndarray
    weight: np.ndarray


def _rows(scenario: Scenario, places: _Places) -> _Rows:
    """One row per hazard site and each standard that applies to it."""
    std_index = {s.id: k for k, s in enumerate(scenario.standards)}
    pairs = [(places.site_place[site.id], std_index[standard.id], RISK_WEIGHTS.get(site.risk_grade.value, 1.0))
             for site in scenario.sites for standard in scenario.standards_for(site)]
    place, standard, weight = zip(*pairs, strict=True) if pairs else ((), (), ())
    return _Rows(np.array(place, dtype=np.int64), np.array(standard, dtype=np.int64), np.array(weight, dtype=float))


def programme_holds(model: YearModel, programme: Programme, *, year: int) -> tuple[tuple[int, float, float], ...]:
    """Return the holds ``(unit, start_min, end_min)`` of the programme's field drills in ``year`` (whole days).

    Which teams a drill takes off duty and for how long is the programme's rule
    (:func:`planner.drills.programme.off_duty`); teams the model does not have (not available) are skipped.
    """
    index = {u: k for k, u in enumerate(model.unit_ids)}
    first = dt.date(year, 1, 1)
    holds = []
    for day, team in off_duty(programme):
        if team in index and day.year == year:
            start = (day - first).days * MINUTES_PER_DAY
            holds.append((index[team], float(start), float(start + MINUTES_PER_DAY)))
    return tuple(holds)


def period_start(scenario: Scenario, year: int) -> dt.datetime:
    """Return minute 0 of a period starting in ``year``: midnight on 1 January in the scenario's zone."""
    return dt.datetime(year, 1, 1, tzinfo=scenario.zone)


@dataclass(frozen=True)
class WarningPosture:
    """What a warning's posture does in a period: the teams it moves to standby (held), those on raised readiness."""

    warning: str
    event: str
    onset: str
    start_min: float
    end_min: float
    teams: tuple[str, ...]
    raised: tuple[str, ...] = ()


@dataclass(frozen=True)
class WarningEffects:
    """The warnings' postures in a period: holds ``(unit, start, end)``, turn-outs ``(unit, start, end, min)``."""

    holds: tuple[tuple[int, float, float], ...] = ()
    turnouts: tuple[tuple[int, float, float, float], ...] = ()
    postures: tuple[WarningPosture, ...] = ()


def warning_holds(model: YearModel, scenario: Scenario, warnings: Sequence[HazardWarning], *, year: int,
                  rules: PostureRules | None = None, staging: Sequence[StagingPoint] = (),
                  calendar: CalendarDocument | None = None, availability_rules: AvailabilityRules | None = None,
                  ) -> WarningEffects:
    """Return what the warnings' postures do in a period of ``year``: the teams held, the turn-outs raised.

    Each warning's posture is the posture engine's (:func:`planner.posture.prepositioning.plan_posture`, its
    one function and rules, at the warning's onset): the teams it moves to standby points are held from the
    onset to the expiry (:data:`OPEN_WARNING_H` hours when open-ended), kept for the warning's hazard and
    not sent to the period's other incidents; the teams it puts on higher readiness turn out in the raised
    level's minutes meanwhile. Limits: each warning is planned on its own (two warnings in force together
    are not planned jointly), and what the stations cover is judged on everyday turn-outs. Effects ending
    before the period's start are left out; teams the model does not have are skipped.
    """
    index = {u: k for k, u in enumerate(model.unit_ids)}
    start = period_start(scenario, year)
    holds: list[tuple[int, float, float]] = []
    turnouts: list[tuple[int, float, float, float]] = []
    postures = []
    for warning in warnings:
        begin = (warning.onset - start).total_seconds() / 60.0
        end = begin + warning.duration_h(OPEN_WARNING_H) * 60.0
        report = plan_posture(scenario, [warning], rules=rules, staging=staging, calendar=calendar,
                              at=warning.onset, availability_rules=availability_rules)
        teams = tuple(move.team for move in report.moves if move.team in index)
        raised = tuple(r for r in report.team_raises if r.team in index and r.turnout_after < r.turnout_before)
        postures.append(WarningPosture(warning.id, warning.event, warning.onset.isoformat(), round(begin, 3),
                                       round(end, 3), teams, tuple(r.team for r in raised)))
        if end > 0:
            holds += [(index[team], max(0.0, begin), end) for team in teams]
            turnouts += [(index[r.team], max(0.0, begin), end, float(r.turnout_after)) for r in raised]
    return WarningEffects(tuple(holds), tuple(turnouts), tuple(postures))
