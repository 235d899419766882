"""What a year's simulation runs on: the model of a scenario as small arrays, and the settings of a run.

:class:`YearModel` holds everything a replication needs and nothing more (the drive-minute matrix
between the places that matter, not the road graph), so it travels to local processes and Dask workers
once per run; :func:`planner.year.build.year_model` makes it from a scenario on its road network, and
tests make it by hand (one base, one site, zero travel: the M/M/c queue). :class:`YearRun` is what a
run varies: the period, the policy, the rate scale, drill holds and move-up.

Places are indexed once: the first ``n_stations`` are where free units wait (bases, then staging
points), then the hazard sites, then the random road points of the areas. Times are minutes from
midnight on 1 January of the period's year, in the scenario's time zone.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.errors import InputError
from planner.sharing import Agreement
from planner.sweep.incidents import SweepSettings

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
DAYS_PER_YEAR = 365
MONTH_STARTS_DAY = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])
"""Day of the year (0-based) each month starts on, in a year of 365 days."""
POLICIES = ("nearest", "optimal")
"""Dispatch policies: the nearest-available rule, or the dispatch optimiser over the free units."""
ON_SCENE = ("lognormal", "exponential", "fixed")
"""How on-scene minutes vary around their mean."""


@dataclass(frozen=True)
class IncidentClass:
    """A kind of incident: a library template (at hazard sites) or an area's routine call.

    ``needs``: ``(capability index, quantity, deadline_min)``; ``escalations``: ``(at_min, probability,
    ((capability index, quantity), ...))`` in time order; ``on_scene_min``: mean minutes each unit works
    on scene.
    """

    name: str
    needs: tuple[tuple[int, int, float], ...]
    escalations: tuple[tuple[float, float, tuple[tuple[int, int], ...]], ...] = ()
    on_scene_min: float = 60.0


@dataclass(frozen=True)
class YearModel:
    """A scenario as the year's simulation sees it (see the module docstring for the place index)."""

    scenario: str
    unit_ids: tuple[str, ...]
    unit_types: tuple[str, ...]
    unit_region: tuple[str, ...]
    unit_people: np.ndarray
    unit_home: np.ndarray
    turnout_min: np.ndarray
    capabilities: tuple[str, ...]
    capability_qty: np.ndarray
    place_ids: tuple[str, ...]
    place_region: tuple[str, ...]
    n_stations: int
    drive_min: np.ndarray
    source_ids: tuple[str, ...]
    source_place: np.ndarray
    source_rate_per_min: np.ndarray
    source_classes: tuple[tuple[int, ...], ...]
    source_standards: tuple[tuple[int, ...], ...]
    classes: tuple[IncidentClass, ...]
    standard_ids: tuple[str, ...]
    standard_max_min: np.ndarray
    standard_min_share: np.ndarray
    standard_counted: np.ndarray
    row_place: np.ndarray
    row_standard: np.ndarray
    row_weight: np.ndarray
    station_cover_min: np.ndarray
    hour_factor: np.ndarray = field(default_factory=lambda: np.ones(24))
    month_factor: np.ndarray = field(default_factory=lambda: np.ones(12))
    on_scene: str = "lognormal"
    on_scene_cv: float = 0.5
    # The response noise of one incident is the sweep's, with its defaults (one home for the figures).
    notification_min: float = SweepSettings.notification_min
    notification_cv: float = SweepSettings.notification_cv
    turnout_cv: float = SweepSettings.turnout_cv
    travel_cv: float = SweepSettings.travel_cv
    station_capacity: np.ndarray | None = None
    agreements: tuple[Agreement, ...] = ()
    parents: Mapping[str, str] = field(default_factory=dict)
    min_retained: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    km_per_min: float = 0.6
    notes: tuple[str, ...] = ()
    band_ids: tuple[str, ...] = ()
    band_drive_min: np.ndarray | None = None
    band_station_cover_min: np.ndarray | None = None
    week_band: np.ndarray | None = None
    roads: Mapping[str, Any] | None = None

    def drive_at(self, minute: float, first_weekday: int = 0) -> np.ndarray:
        """Return the drive minutes between places at a time: its time band's, else ``drive_min`` (free flow).

        ``band_drive_min`` (bands x places x places) holds one matrix per band of the scenario's speed
        profiles, built once with the model; ``week_band`` the band of each minute of the week (Monday 00:00
        = 0; -1: free flow); ``first_weekday`` is the weekday of the period's first day (Monday 0). All of
        them under the same closure set as ``drive_min``. ``band_station_cover_min`` is ``station_cover_min``
        on each band's matrix (bands x stations x rows x units).
        """
        if self.week_band is None or self.band_drive_min is None:
            return self.drive_min
        band = int(self.week_band[int(first_weekday * MINUTES_PER_DAY + minute) % MINUTES_PER_WEEK])
        return self.drive_min if band < 0 else self.band_drive_min[band]  # type: ignore[no-any-return]

    @property
    def n_units(self) -> int:
        """Number of units (the scenario's available teams)."""
        return len(self.unit_ids)

    @property
    def n_rows(self) -> int:
        """Number of (hazard site, standard) rows whose coverage is followed in time."""
        return int(self.row_place.size)

    def check(self) -> None:
        """Raise ``InputError`` when the arrays do not fit together (a hand-made model's mistakes)."""
        n_places, n_sources = len(self.place_ids), len(self.source_ids)
        shapes = {
            "drive_min": (self.drive_min.shape, (n_places, n_places)),
            "capability_qty": (self.capability_qty.shape, (self.n_units, len(self.capabilities))),
            "standard_counted": (self.standard_counted.shape, (len(self.standard_ids), self.n_units)),
            "station_cover_min": (self.station_cover_min.shape, (self.n_stations, self.n_rows, self.n_units)),
            "source_rate_per_min": (self.source_rate_per_min.shape, (n_sources,)),
            "hour_factor": (self.hour_factor.shape, (24,)),
            "month_factor": (self.month_factor.shape, (12,)),
        }
        for name, (got, wanted) in shapes.items():
            if got != wanted:
                raise InputError(f"year model: {name} has shape {got}, expected {wanted}", field=name)
        if not np.all(self.source_rate_per_min >= 0) or not np.all(np.isfinite(self.source_rate_per_min)):
            raise InputError("year model: rates must be finite and >= 0", field="rates")
        if self.band_drive_min is not None and (
                self.band_drive_min.shape != (len(self.band_ids), n_places, n_places) or self.week_band is None
                or self.week_band.shape != (MINUTES_PER_WEEK,) or self.week_band.max() >= len(self.band_ids)):
            raise InputError("year model: band_drive_min must be bands x places x places, with week_band per minute "
                             "of the week naming those bands", field="band_drive_min")
        if (self.band_station_cover_min is not None) != (self.band_drive_min is not None) or (
                self.band_station_cover_min is not None
                and self.band_station_cover_min.shape != (len(self.band_ids), *self.station_cover_min.shape)):
            raise InputError("year model: band_station_cover_min must be bands x stations x rows x units, with "
                             "band_drive_min", field="band_station_cover_min")
        if np.any(self.unit_home >= self.n_stations):
            raise InputError("year model: every unit's home must be a station", field="unit_home")
        if self.on_scene not in ON_SCENE:
            raise InputError(f"on_scene must be one of {', '.join(ON_SCENE)}", field="on_scene")

    def fingerprint(self) -> str:
        """Hash of the model's arrays and tables: the identity of a run's inputs, for checkpoints."""
        digest = hashlib.sha1()
        for array in (self.unit_home, self.turnout_min, self.capability_qty, self.drive_min, self.source_place,
                      self.source_rate_per_min, self.standard_max_min, self.standard_counted, self.row_place,
                      self.row_standard, self.station_cover_min, self.hour_factor, self.month_factor):
            digest.update(np.ascontiguousarray(array).tobytes())
        for optional in (self.band_drive_min, self.week_band, self.band_station_cover_min):
            digest.update(b"-" if optional is None else np.ascontiguousarray(optional).tobytes())
        digest.update(repr((self.unit_ids, self.capabilities, self.place_ids, self.source_ids, self.source_classes,
                            self.source_standards, self.classes, self.standard_ids, self.on_scene, self.on_scene_cv,
                            self.notification_min, self.notification_cv, self.turnout_cv, self.travel_cv,
                            sorted(self.min_retained.items()), self.km_per_min, self.band_ids)).encode())
        return digest.hexdigest()[:16]

    def rate_at(self, minutes: np.ndarray) -> np.ndarray:
        """Profile factor (hour of day x month) at each time, mean 1 over a year."""
        t = np.asarray(minutes, dtype=float)
        hour = (t // 60).astype(np.int64) % 24
        day = (t // MINUTES_PER_DAY).astype(np.int64) % DAYS_PER_YEAR
        month = np.searchsorted(MONTH_STARTS_DAY, day, side="right") - 1
        return self.hour_factor[hour] * self.month_factor[month]  # type: ignore[no-any-return]

    def expected_incidents(self, start_min: float, end_min: float, rate_scale: float = 1.0) -> float:
        """Return the expected number of incidents arriving in ``[start_min, end_min)`` (profile integrated by hour)."""
        if end_min <= start_min:
            return 0.0
        edges = np.arange(np.floor(start_min / 60) * 60, end_min + 60, 60.0)
        lo, hi = np.maximum(edges[:-1], start_min), np.minimum(edges[1:], end_min)
        width = np.clip(hi - lo, 0, None)
        return float(rate_scale * self.source_rate_per_min.sum() * (self.rate_at(edges[:-1]) * width).sum())


@dataclass(frozen=True)
class YearRun:
    """What one run of the year model varies: the period, the policy and the what-ifs.

    ``holds`` lists ``(unit index, start_min, end_min)``: the unit may not be sent while held (a field
    drill of the programme, a warning posture). ``warmup_days``: incidents before it are simulated but
    not counted (a queue that starts empty is not yet in its steady state). ``move_up``: after each
    dispatch, when a standard's covered (site, standard) rows drop below ``move_up_threshold`` times the
    rows it covers with every unit at home, the posture engine moves up to ``max_moves`` free units within
    ``max_move_min`` of their station to other stations of their region, at most once an hour
    (:data:`planner.year.engine.MOVE_UP_COOLDOWN_MIN`). The rule defends the normal coverage against
    dispatches; it does not redesign the layout: a standard the bases leave short with everyone home (on
    Jinan, fire-5 covers 31 % of its rows) does not fire it. An earlier rule compared the absolute share with
    0.9, so on Jinan it fired at every dispatch allowed by the cooldown (about 23 moves a day, 1 incident in
    2 followed by a move); the default 0.75 (a quarter of the normal coverage lost) fired about 3 moves a
    day on Jinan (30 days, 2 replications, about 40 incidents a day): a dispatcher moves units up when a
    district is visibly stripped, not after every call. ``first_weekday``: weekday of
    the period's first day (Monday 0), which puts each minute in its time band (:meth:`YearModel.drive_at`).
    ``turnouts`` lists ``(unit index, start_min, end_min, turnout_min)``: a shorter turn-out while a
    warning's raised readiness holds (the fastest in force counts).
    """

    days: float
    policy: str = "nearest"
    rate_scale: float = 1.0
    warmup_days: float = 0.0
    holds: tuple[tuple[int, float, float], ...] = ()
    move_up: bool = False
    move_up_threshold: float = 0.75
    max_moves: int = 2
    max_move_min: float = 30.0
    time_limit_s: float = 2.0
    first_weekday: int = 0
    turnouts: tuple[tuple[int, float, float, float], ...] = ()

    def check(self, model: YearModel) -> None:
        """Raise ``InputError`` naming the first bad value."""
        if not 0 < self.days <= 3660:
            raise InputError(f"days must be > 0 and <= 3660, got {self.days}", field="days")
        if not 0 <= self.warmup_days < self.days:
            raise InputError(f"warmup_days must be >= 0 and below days, got {self.warmup_days}", field="warmup_days")
        if self.policy not in POLICIES:
            raise InputError(f"policy must be one of {', '.join(POLICIES)}, not {self.policy!r}", field="policy")
        if not (np.isfinite(self.rate_scale) and 0 <= self.rate_scale <= 1000):
            raise InputError(f"rate_scale must be from 0 to 1000, got {self.rate_scale}", field="rate_scale")
        if not 0 <= self.move_up_threshold <= 1:
            raise InputError(f"move_up_threshold must be from 0 to 1, got {self.move_up_threshold}",
                             field="move_up_threshold")
        if self.first_weekday not in range(7):
            raise InputError(f"first_weekday must be 0 (Monday) to 6, got {self.first_weekday}", field="first_weekday")
        for unit, start, end in self.holds:
            if not 0 <= unit < model.n_units or not start <= end:
                raise InputError(f"holds: bad hold ({unit}, {start}, {end})", field="holds")
        for unit, start, end, minutes in self.turnouts:
            if not 0 <= unit < model.n_units or not start <= end or not 0 <= minutes < math.inf:
                raise InputError(f"turnouts: bad turn-out ({unit}, {start}, {end}, {minutes})", field="turnouts")

    def key(self) -> str:
        """Identity of the run's settings, for checkpoints."""
        return hashlib.sha1(repr(self).encode()).hexdigest()[:12]


def describe(model: YearModel) -> dict[str, Any]:
    """Return the sizes of a model and its notes (the rates' sources, what was left out), for a run's report."""
    return {"units": model.n_units, "places": len(model.place_ids), "sources": len(model.source_ids),
            "incident_classes": len(model.classes), "standards": len(model.standard_ids),
            "covered_rows": model.n_rows, "time_bands": list(model.band_ids), "incidents_per_year": round(float(
                model.source_rate_per_min.sum() * DAYS_PER_YEAR * MINUTES_PER_DAY), 1), "notes": list(model.notes)}
