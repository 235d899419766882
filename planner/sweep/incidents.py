"""A sweep's model and the evaluation of a chunk of incidents on it: the part that runs on the workers.

:class:`SweepModel` holds everything a worker needs as small arrays (the team x site matrix, not the
graph); :func:`evaluate_chunk` answers a chunk of incidents on it with one of the two incident models
(``MODES``) described in :mod:`planner.sweep.engine`, a pure function of its arguments. Kept apart from
the engine, which builds the model from a scenario on the road network: a worker imports only this
module, numpy, SimPy and the coverage rule, never the network stack or Dask.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.coverage import rule
from planner.drills.simulate import SimCase, SimSettings, SimUnit, simulate_once
from planner.errors import InputError
from planner.model.records import RiskGrade
from planner.sweep.chunks import ChunkResult

MODES = ("dispatch", "simulate")
"""Incident models: the vectorised nearest-available rule, or one SimPy replication per incident."""

DEFAULT_RISK_WEIGHTS: Mapping[str, float] = {"red": 8.0, "orange": 4.0, "yellow": 2.0, "blue": 1.0}
"""Relative incident rate of a site by risk grade [U]: each grade up doubles the rate (assumption)."""

DEFAULT_TIME_OF_DAY: Mapping[str, float] = {"day": 0.5, "rush_hour": 1 / 6, "night": 1 / 3}
"""Share of incidents by time of day [U]: 12 h day, 4 h rush hour (7-9, 17-19), 8 h night (22-6)."""

DEFAULT_TIME_OF_DAY_HOURS: Mapping[str, float] = {"day": 12.0, "rush_hour": 18.0, "night": 3.0}
"""The hour at which a time of day's availability is judged (wall clock in the scenario's zone) [U]: one
moment inside each class (noon, the evening rush, the small hours). A name not listed is judged at noon."""

@dataclass(frozen=True)
class SweepSettings:
    """Assumptions of a sweep; every value is a planning assumption [U] a caller may change.

    ``risk_weights``: incident rate by risk grade (relative); ``time_of_day``: share of incidents per
    condition named in the templates' ``effects.time_of_day`` (a name no template knows means factor 1);
    ``notification_min``/``notification_cv``: alarm to dispatch order, minutes, and its log-normal sigma;
    ``turnout_cv``/``travel_cv``: sigma of the turn-out and drive factors; ``busy_share``: probability
    that an available team is busy elsewhere when the incident happens.

    ``availability_from`` (a day) turns on availability by time of day: each time of day of each of the
    ``availability_days`` days from it is judged by the one availability function
    (:func:`planner.availability.availability`) at its hour (``time_of_day_hours``), and an incident
    answered on day ``incident number mod availability_days`` counts each team only for what its people
    on duty can staff then (a team that cannot answer is not sent and does not count for the standards).
    Without it every available team counts at its declared strength.
    """

    risk_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RISK_WEIGHTS))
    time_of_day: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TIME_OF_DAY))
    notification_min: float = 2.0
    notification_cv: float = 0.5
    turnout_cv: float = 0.3
    travel_cv: float = 0.15
    busy_share: float = 0.0
    availability_from: dt.date | None = None
    availability_days: int = 7
    time_of_day_hours: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TIME_OF_DAY_HOURS))

    def hour_of(self, time_of_day: str) -> float:
        """Return the hour at which a time of day's availability is judged (noon for a name not listed)."""
        return float(self.time_of_day_hours.get(time_of_day, 12.0))

    def check(self) -> None:
        """Raise ``InputError`` naming the first bad value."""
        grades = {g.value for g in RiskGrade}
        for grade, weight in self.risk_weights.items():
            if grade not in grades:
                raise InputError(f"risk_weights: unknown grade {grade!r}", field="risk_weights")
            if not (math.isfinite(weight) and weight >= 0):
                raise InputError(f"risk_weights[{grade}] must be >= 0, got {weight}", field="risk_weights")
        shares = list(self.time_of_day.values())
        if not shares or any(not (math.isfinite(s) and s >= 0) for s in shares) or sum(shares) <= 0:
            raise InputError("time_of_day shares must be >= 0 with a positive sum", field="time_of_day")
        for name in ("notification_min", "notification_cv", "turnout_cv", "travel_cv"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be >= 0, got {value}", field=name)
        if not 0 <= self.busy_share < 1:
            raise InputError(f"busy_share must be in [0, 1), got {self.busy_share}", field="busy_share")
        if isinstance(self.availability_days, bool) or not 1 <= self.availability_days <= 366:
            raise InputError(f"availability_days must be from 1 to 366, got {self.availability_days}",
                             field="availability_days")
        for name, hour in self.time_of_day_hours.items():
            if not (math.isfinite(hour) and 0 <= hour < 24):
                raise InputError(f"time_of_day_hours[{name}] must be in [0, 24), got {hour}", field="time_of_day_hours")


@dataclass(frozen=True)
class SweepModel:
    """Everything a worker needs, as small arrays: the matrix, not the graph (a few hundred kB).

    Teams are the scenario's *available* teams (others never respond). ``travel_min`` is teams x sites
    drive minutes (``inf`` = unreachable); ``capability_qty`` teams x capabilities (own plus carried
    equipment in service). With availability (``SweepSettings.availability_from``), ``moment_qty`` holds
    days x times of day x teams x capabilities what each team can staff then and ``moment_live`` days x
    times of day x teams whether it answers at all (:meth:`staffed`). Templates carry requirements as
    ``(capability index, quantity, deadline_min)`` and escalations as ``(at_min, probability,
    ((capability index, quantity), ...))``; ``template_objects`` are the library's templates themselves,
    for ``mode="simulate"``.
    """

    scenario: str
    team_ids: tuple[str, ...]
    team_types: tuple[str, ...]
    turnout_min: np.ndarray
    travel_min: np.ndarray
    capabilities: tuple[str, ...]
    capability_qty: np.ndarray
    site_ids: tuple[str, ...]
    site_weight: np.ndarray
    site_templates: tuple[tuple[int, ...], ...]
    templates: tuple[str, ...]
    requirements: tuple[tuple[tuple[int, int, float], ...], ...]
    escalations: tuple[tuple[tuple[float, float, tuple[tuple[int, int], ...]], ...], ...]
    tod_names: tuple[str, ...]
    tod_share: np.ndarray
    tod_turnout: np.ndarray
    tod_travel: np.ndarray
    standards: tuple[str, ...]
    standard_max_min: np.ndarray
    standard_min_share: np.ndarray
    site_standards: tuple[tuple[int, ...], ...]
    standard_counted: np.ndarray
    settings: SweepSettings
    template_objects: tuple[Any, ...] = ()
    travel_by_tod: np.ndarray | None = None
    roads: dict[str, Any] | None = None
    moment_qty: np.ndarray | None = None
    moment_live: np.ndarray | None = None

    def travel(self, tod: int) -> np.ndarray:
        """Teams x sites drive minutes at a time of day: its band's network when the sweep draws bands."""
        return self.travel_min if self.travel_by_tod is None else self.travel_by_tod[tod]

    @property
    def n_teams(self) -> int:
        """Number of available teams."""
        return len(self.team_ids)

    def staffed(self, incident: int, tod: int) -> tuple[np.ndarray, np.ndarray]:
        """Return what each team brings (teams x capabilities) and whether it answers, for an incident.

        Without availability, the declared quantities and every team; with it, those of the incident's
        day (its number modulo the days judged) at its time of day.
        """
        if self.moment_qty is None or self.moment_live is None:
            return self.capability_qty, np.ones(self.n_teams, dtype=bool)
        day = incident % self.moment_qty.shape[0]
        return self.moment_qty[day, tod], self.moment_live[day, tod]

    def staffed_all(self, incidents: np.ndarray, tods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return :meth:`staffed` for many incidents at once.

        What the teams bring is teams x capabilities (incidents x teams x capabilities with availability);
        whether each answers is incidents x teams.
        """
        if self.moment_qty is None or self.moment_live is None:
            return self.capability_qty, np.ones((incidents.size, self.n_teams), dtype=bool)
        days = incidents % self.moment_qty.shape[0]
        return self.moment_qty[days, tods], self.moment_live[days, tods]

    def travel_rows(self, tods: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Return incidents x teams drive minutes to each incident's site at its time of day (:meth:`travel`)."""
        if self.travel_by_tod is None:
            return self.travel_min[:, sites].T
        return self.travel_by_tod[tods, :, sites]

    def fingerprint(self) -> str:
        """Hash of the model's arrays and settings: the identity of a sweep's inputs, for checkpoints."""
        digest = hashlib.sha1()
        for array in (
            self.turnout_min,
            self.travel_min,
            np.empty(0) if self.travel_by_tod is None else self.travel_by_tod,
            self.capability_qty,
            self.site_weight,
            self.tod_share,
            self.tod_turnout,
            self.tod_travel,
            self.standard_max_min,
            self.standard_counted,
            *(a for a in (self.moment_qty, self.moment_live) if a is not None),
        ):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(
            repr(
                (
                    self.team_ids,
                    self.capabilities,
                    self.site_ids,
                    self.site_templates,
                    self.templates,
                    self.requirements,
                    self.escalations,
                    self.tod_names,
                    self.standards,
                    self.site_standards,
                    sorted(self.settings.risk_weights.items()),
                    sorted(self.settings.time_of_day.items()),
                    self.settings.notification_min,
                    self.settings.notification_cv,
                    self.settings.turnout_cv,
                    self.settings.travel_cv,
                    self.settings.busy_share,
                    self.roads,
                    self.settings.availability_from,
                    self.settings.availability_days,
                    sorted(self.settings.time_of_day_hours.items()),
                )
            ).encode()
        )
        return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# evaluation (runs on workers)


def _incident_rng(seed: int, incident: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(incident,))))


def _lognormal(rng: np.random.Generator, sigma: float, size: int | None = None) -> Any:
    """Log-normal factors of mean 1 (always drawn, so the stream does not depend on sigma being 0)."""
    return rng.lognormal(-sigma * sigma / 2.0, sigma, size) if sigma > 0 else rng.random(size) * 0 + 1.0


def evaluate_chunk(
    model: SweepModel,
    chunk: int,
    start: int,
    site: np.ndarray,
    template: np.ndarray,
    time_of_day: np.ndarray,
    *,
    seed: int,
    mode: str = "dispatch",
) -> ChunkResult:
    """Evaluate incidents ``start .. start + len(site) - 1``: a pure function of its arguments."""
    n, n_cap, n_std = len(site), len(model.capabilities), len(model.standards)
    first = np.full((n, n_cap), np.nan, dtype=np.float32)
    met = np.full((n, n_cap), -1, dtype=np.int8)
    std = np.full((n, n_std), np.nan, dtype=np.float32)
    sent = np.zeros((n, model.n_teams), dtype=bool)
    escalated = np.zeros(n, dtype=bool)
    if mode == "dispatch":
        _evaluate_dispatch(model, start, site, template, time_of_day, seed, first, met, std, sent, escalated)
        return ChunkResult(chunk, np.arange(start, start + n, dtype=np.int64), first, met, std, sent, escalated)
    for k in range(n):
        _evaluate_simulate(
            model,
            start + k,
            int(site[k]),
            int(template[k]),
            int(time_of_day[k]),
            seed,
            first[k],
            met[k],
            std[k],
            sent[k],
            escalated[k : k + 1],
        )
    return ChunkResult(chunk, np.arange(start, start + n, dtype=np.int64), first, met, std, sent, escalated)


def choose_nearest(order: np.ndarray, taken: np.ndarray, qty_of_cap: np.ndarray, quantity: int) -> np.ndarray:
    """Untaken units in ``order`` carrying the capability, nearest first, until ``quantity`` is held.

    The nearest-available rule, vectorised: ``order`` lists the candidate units nearest first,
    ``taken`` marks those already sent, ``qty_of_cap`` is each unit's quantity of the capability. All
    candidates are returned when together they hold less than ``quantity``. The sweep applies it per
    incident, the year model (:mod:`planner.year`) per incident as it happens.
    """
    candidates = order[~taken[order] & (qty_of_cap[order] > 0)]
    if candidates.size == 0:
        return np.asarray(candidates)
    held = np.cumsum(qty_of_cap[candidates])
    return np.asarray(candidates[: int(np.searchsorted(held, quantity)) + 1])


def _evaluate_dispatch(
    model: SweepModel,
    start: int,
    site: np.ndarray,
    template: np.ndarray,
    tod: np.ndarray,
    seed: int,
    first: np.ndarray,
    met: np.ndarray,
    std: np.ndarray,
    sent: np.ndarray,
    escalated: np.ndarray,
) -> None:
    """Answer a chunk of incidents with the nearest-available rule, vectorised over the incidents.

    Each incident draws from its own generator (:func:`_incident_rng`), in the order a one-incident
    loop would (notification, turn-out and drive factors, busy teams, one draw per escalation), so the
    records do not depend on the chunking; the dispatch itself then runs for all the chunk's incidents
    of a template at once, requirement by requirement and escalation by escalation, as
    :func:`choose_nearest` would pick for each incident alone.
    """
    s = model.settings
    n, n_teams = site.size, model.n_teams
    incident = start + np.arange(n)
    notification = np.empty(n)
    f_turnout = np.empty((n, n_teams))
    f_travel = np.empty((n, n_teams))
    busy = np.empty((n, n_teams), dtype=bool)
    most = max((len(e) for e in model.escalations), default=0)
    draws = np.ones((n, most))
    for k in range(n):
        rng = _incident_rng(seed, int(incident[k]))
        notification[k] = s.notification_min * float(_lognormal(rng, s.notification_cv))
        f_turnout[k] = _lognormal(rng, s.turnout_cv, n_teams)
        f_travel[k] = _lognormal(rng, s.travel_cv, n_teams)
        busy[k] = rng.random(n_teams) < s.busy_share
        count = len(model.escalations[template[k]])
        draws[k, :count] = rng.random(count)
    qty, answering = model.staffed_all(incident, tod)
    turnout = model.turnout_min[None, :] * model.tod_turnout[template, tod][:, None]
    travel = model.travel_rows(tod, site) * model.tod_travel[template, tod][:, None]
    live = ~busy & np.isfinite(travel) & answering
    realised = turnout * f_turnout + travel * f_travel
    order = np.argsort(np.where(live, turnout + travel, np.inf), axis=1, kind="stable")
    taken = np.zeros((n, n_teams), dtype=bool)
    arrival = np.full((n, n_teams), np.inf)

    def send(rows: np.ndarray, cap: int, quantity: int, at_min: np.ndarray | float) -> None:
        ranked = order[rows]
        carried = np.take_along_axis(qty[rows, :, cap] if qty.ndim == 3 else np.broadcast_to(
            qty[:, cap], (rows.size, n_teams)), ranked, axis=1)
        free = np.take_along_axis(live[rows] & ~taken[rows], ranked, axis=1) & (carried > 0)
        held = np.cumsum(np.where(free, carried, 0), axis=1)
        chosen_ranked = free & (held - np.where(free, carried, 0) < quantity)
        chosen = np.zeros_like(chosen_ranked)
        np.put_along_axis(chosen, ranked, chosen_ranked, axis=1)
        taken[rows] |= chosen
        arrival[rows] = np.where(chosen, np.asarray(at_min, dtype=float).reshape(-1, 1) + realised[rows],
                                 arrival[rows])

    for t in np.unique(template):
        rows = np.flatnonzero(template == t)
        for cap, quantity, _ in model.requirements[t]:
            send(rows, cap, quantity, notification[rows])
        for e, (at_min, probability, adds) in enumerate(model.escalations[t]):
            grows = rows[draws[rows, e] < probability]
            escalated[grows] = True
            for cap, quantity in adds:
                send(grows, cap, quantity, at_min)
        _record(model, qty, int(t), rows, arrival, taken, first, met)
    sent[:] = taken
    for where in np.unique(site):
        rows = np.flatnonzero(site == where)
        applies = list(model.site_standards[where])
        if applies:
            pool = model.standard_counted[applies][None, :, :] & live[rows][:, None, :]
            std[np.ix_(rows, applies)] = rule.first_arrival(realised[rows][:, None, :], pool)


def _record(
    model: SweepModel,
    qty: np.ndarray,
    template: int,
    rows: np.ndarray,
    arrival: np.ndarray,
    taken: np.ndarray,
    first: np.ndarray,
    met: np.ndarray,
) -> None:
    """Record, for incidents ``rows`` of a template, first arrival per required capability and whether in time.

    ``qty`` is what each team brings (teams x capabilities, or incidents x teams x capabilities);
    ``arrival`` and ``taken`` are incidents x teams.
    """
    for cap, quantity, deadline in model.requirements[template]:
        carried = qty[rows, :, cap] if qty.ndim == 3 else np.broadcast_to(qty[:, cap], (rows.size, qty.shape[0]))
        brings = taken[rows] & (carried > 0)
        times = np.where(brings, arrival[rows], np.inf)
        ranked = np.argsort(times, axis=1, kind="stable")
        ordered = np.take_along_axis(times, ranked, axis=1)
        held = np.cumsum(np.take_along_axis(np.where(brings, carried, 0), ranked, axis=1), axis=1)
        any_unit = brings.any(axis=1)
        enough = held >= quantity
        reach = enough.argmax(axis=1)
        assembled = np.where(enough[:, -1], ordered[np.arange(rows.size), reach], np.inf)
        ok = (assembled <= deadline).astype(np.int8)
        before = met[rows, cap]
        first[rows, cap] = np.where(any_unit, ordered[:, 0], np.inf)
        met[rows, cap] = np.where(any_unit, np.where(before < 0, ok, np.minimum(before, ok)), 0)


def _evaluate_simulate(
    model: SweepModel,
    incident: int,
    site: int,
    template: int,
    tod: int,
    seed: int,
    first: np.ndarray,
    met: np.ndarray,
    std: np.ndarray,
    sent: np.ndarray,
    escalated: np.ndarray,
) -> None:
    s = model.settings
    rng = _incident_rng(seed, incident)
    busy = rng.random(model.n_teams) < s.busy_share
    qty, answering = model.staffed(incident, tod)
    travel = model.travel(tod)[:, site]
    live = ~busy & np.isfinite(travel) & answering
    units = tuple(
        SimUnit(
            model.team_ids[j],
            {c: int(q) for c, q in zip(model.capabilities, qty[j], strict=True) if q > 0},
            float(model.turnout_min[j]),
            float(travel[j]),
        )
        for j in np.flatnonzero(live)
    )
    case = SimCase(model.template_objects[template], model.site_ids[site], units)
    settings = SimSettings(
        notification_min=s.notification_min,
        notification_cv=s.notification_cv,
        turnout_cv=s.turnout_cv,
        travel_cv=s.travel_cv,
        time_of_day=model.tod_names[tod],
    )
    replication = simulate_once(case, rng, settings)
    escalated[0] = replication.escalated
    position = {t: j for j, t in enumerate(model.team_ids)}
    arrival = np.full(model.n_teams, np.inf)
    for when, what, who in replication.timeline:
        if what == "arrived":
            arrival[position[who]] = when
        elif what == "dispatched":
            sent[position[who]] = True
    _record(model, qty, template, np.zeros(1, dtype=np.int64), arrival[None], sent[None].copy(), first[None],
            met[None])
    turnout = model.turnout_min * model.tod_turnout[template, tod]
    drive = travel * model.tod_travel[template, tod]
    realised = turnout * _lognormal(rng, s.turnout_cv, model.n_teams) + drive * _lognormal(
        rng, s.travel_cv, model.n_teams
    )
    applies = list(model.site_standards[site])
    std[applies] = rule.first_arrival(realised, model.standard_counted[applies] & live)
