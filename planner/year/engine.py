"""One replication of a period as it happens: a SimPy discrete-event simulation on a :class:`YearModel`.

Incidents arrive at every source (a hazard site, or a random road point of an area) as a
non-homogeneous Poisson process: the source's yearly rate times the hour-of-day and month factors
times ``rate_scale``. They are drawn by thinning in layers: layer ``k`` of a source is a homogeneous
process at the source's peak rate with marks ``u`` in ``[k, k + 1)``, and a point is an incident when
``u < rate_scale * factor(t) / peak``. Each layer has its own generator, seeded by ``(seed, replication,
source, layer)``, which also draws every number each of the layer's points would need as an incident
(class, notification, on-scene and escalation draws, each unit's turn-out and drive noise), kept or not;
so a run with a higher ``rate_scale`` has the same incidents plus more, each with the same template,
durations and noise: common random numbers for comparisons.

At an incident's dispatch order (its arrival plus the notification delay) the policy
(:mod:`planner.year.policies`) sends units:

- ``nearest``: for each needed capability, the available units carrying it, nearest first by expected
  turn-out + drive from where each unit is, until the quantity is held (the sweep's rule);
- ``optimal``: the dispatch optimiser (the one dispatch function) over the units free at that moment,
  with the scenario's agreements, jurisdiction tree and retained minimums (dropped for an incident when
  they cannot hold with the units left at home, counted as ``retained_relaxed``); needs it leaves short
  (nobody in time) are topped up with the nearest units allowed there, late.

Every drive (to the scene, back home, a move-up; the nearest rule's ranking and the optimiser's travel
times) takes the drive minutes of the time band in force when it starts (:meth:`YearModel.drive_at`: one
matrix per band of the scenario's speed profiles, built with the model, free flow outside every band);
what each station covers switches with the band as well.
A unit brings all its capabilities: each need counts every unit sent (the dispatch rules' reading).
What cannot be sent waits: the incident queues (first come, first served) and the wait is recorded; a
unit that finishes on scene goes straight on to the oldest waiting incident it can help (from the
scene, no turn-out), else drives back to its home base and then serves the queue. Each unit sent
works the incident's on-scene minutes from its arrival. Escalations add needs at their time, with
their probability, while the incident lasts. A unit held (a field drill, a warning posture) is not
sent; a unit moving up is not sent until it arrives. A warning's raised readiness gives a unit a
shorter turn-out while it lasts (``YearRun.turnouts``); what the stations cover is judged on the
everyday turn-outs.

Measured over the counted period ``[warmup, days)`` (incidents arriving in it; the run continues
after its end until their work is done): per standard the share of incidents whose first counted unit
(:func:`planner.coverage.rule.counted`: the standard's capability and tiers) arrived within the
standard's minutes of the order (:func:`planner.coverage.rule.in_time`), with p50/p90; when the policy
sent no counted unit (a nearer team of another tier went), the arrival the fastest counted unit
available at the order would have made, as the sweep measures it (``inf`` when none was available);
the share of time each (site, standard) row is covered by an available unit at its station (the
stations' coverage precomputed with :func:`planner.coverage.rule.teams_in_time`); per unit the
busy time (dispatch to back home), the cross-region busy time and its compensation
(:func:`planner.sharing.compensate` on the deployment's terms, the ledger's own function, once per unit and
borrowing region over the distinct days it served there: a part day is a whole person-day, once); the
time-weighted distribution of units busy; and hourly incidents, peak simultaneous incidents and
uncovered share for the worst hours and the timeline.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import simpy

from planner.coverage import rule
from planner.posture.optimiser import PostureOption, PostureProblem, PostureTeam, greedy_posture
from planner.sharing import Deployment, Terms, compensate, deployment_terms
from planner.year.model import MINUTES_PER_DAY, MINUTES_PER_WEEK, YearModel, YearRun
from planner.year.policies import nearest_first, nearest_units, optimal_units, optimiser_units

log = logging.getLogger(__name__)

ESCALATION_DRAWS = 8
"""Uniforms drawn per incident for its escalations (a template with more escalates only by the first)."""
DEFAULT_DEADLINE_MIN = 30.0
"""Deadline the optimiser gives an escalation's added need when its class states none for the capability."""
MOVE_UP_COOLDOWN_MIN = 60.0
"""Minutes between two move-up decisions (units just moved are not moved again at once)."""
HISTOGRAM_BINS = 24
"""Bins of a standard's response-time histogram, from 0 to three times its minutes (one more bin beyond)."""


def histogram_edges(max_min: float) -> np.ndarray:
    """Return the edges of a standard's response-time histogram: 0 to 3 x its minutes."""
    return np.linspace(0.0, 3.0 * max_min, HISTOGRAM_BINS + 1)


@dataclass(frozen=True)
class ReplicationResult:
    """Figures of a chunk of replications (first axis: ``index``, the replication numbers).

    ``met``/``p50_min``/``p90_min``/``applied``: replications x standards (``nan`` when no incident
    applied); ``covered``: replications x rows, share of the counted period each row was covered;
    ``busy_share``: replications x (units + 1), share of time with j units busy; ``unit_*``:
    replications x units; ``hourly_*``: replications x hours of the period.
    """

    chunk: int
    index: np.ndarray
    incidents: np.ndarray
    expected_incidents: np.ndarray
    counted_min: np.ndarray
    waited: np.ndarray
    wait_min: np.ndarray
    met: np.ndarray
    applied: np.ndarray
    p50_min: np.ndarray
    p90_min: np.ndarray
    response_histogram: np.ndarray
    covered: np.ndarray
    busy_mean: np.ndarray
    busy_per_incident_min: np.ndarray
    busy_share: np.ndarray
    unit_busy_h: np.ndarray
    unit_cross_h: np.ndarray
    unit_compensation: np.ndarray
    unit_dispatches: np.ndarray
    moves: np.ndarray
    move_min: np.ndarray
    retained_relaxed: np.ndarray
    unserved: np.ndarray
    peak_incidents: np.ndarray
    hourly_incidents: np.ndarray
    hourly_peak: np.ndarray
    hourly_uncovered: np.ndarray


def run_replications(model: YearModel, chunk: int, start: int, numbers: np.ndarray, *, run: YearRun,
                     seed: int) -> ReplicationResult:
    """Simulate replications ``numbers`` (a chunk of the backends): a pure function of its arguments."""
    figures = [simulate(model, run, int(r), seed) for r in numbers]
    names = [f.name for f in fields(ReplicationResult) if f.name not in ("chunk", "index")]
    return ReplicationResult(chunk, np.asarray(numbers, dtype=np.int64),
                             **{name: np.stack([f[name] for f in figures]) for name in names})


# ---------------------------------------------------------------------------------------------
# arrivals


def _generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


@dataclass(frozen=True)
class Arrivals:
    """The period's incidents in time order, with every random number each one needs.

    ``source``/``layer``/``point`` identify an incident (its point in its source's layer); ``pick`` chooses
    its class, ``notify_f``/``scene_f`` scale its notification and on-scene minutes, ``escalate`` decides
    its escalations, and ``turnout_f``/``travel_f`` (incidents x units, None: all 1) scale each unit's
    turn-out and drive to it. Drawn for every point of a layer, kept or not, so an incident has the same
    numbers whatever ``rate_scale`` keeps it.
    """

    times: np.ndarray
    source: np.ndarray
    layer: np.ndarray
    point: np.ndarray
    pick: np.ndarray
    notify_f: np.ndarray
    scene_f: np.ndarray
    escalate: np.ndarray
    turnout_f: np.ndarray | None
    travel_f: np.ndarray | None

    @property
    def size(self) -> int:
        """Number of incidents."""
        return int(self.times.size)


def draw_arrivals(model: YearModel, run: YearRun, replication: int, seed: int) -> Arrivals:
    """Draw the period's incidents in time order (see the module docstring and :class:`Arrivals`)."""
    horizon = run.days * MINUTES_PER_DAY
    peak = float(model.hour_factor.max() * model.month_factor.max())
    layers = math.ceil(run.rate_scale) if peak > 0 else 0
    n_units = model.n_units
    parts: dict[str, list[np.ndarray]] = {name: [] for name in (
        "times", "source", "layer", "point", "pick", "notify_f", "scene_f", "escalate", "turnout_f", "travel_f")}
    for s, rate in enumerate(model.source_rate_per_min):
        if rate <= 0:
            continue
        for k in range(layers):
            rng = _generator(seed, replication, s, k)
            n = int(rng.poisson(rate * peak * horizon))
            t = rng.uniform(0.0, horizon, n)
            u = k + rng.random(n)
            pick = rng.random(n)
            notify = _lognormal(model.notification_cv, rng.standard_normal(n))
            scene = _on_scene_factors(model.on_scene, model.on_scene_cv, rng.standard_normal(n),
                                      rng.standard_exponential(n))
            escalate = rng.random((n, ESCALATION_DRAWS))
            turnout = _lognormal(model.turnout_cv, rng.standard_normal((n, n_units))) if model.turnout_cv > 0 else None
            travel = _lognormal(model.travel_cv, rng.standard_normal((n, n_units))) if model.travel_cv > 0 else None
            keep = np.flatnonzero(u < run.rate_scale * model.rate_at(t) / peak)
            for name, values in (("times", t), ("pick", pick), ("notify_f", notify), ("scene_f", scene),
                                 ("escalate", escalate), ("turnout_f", turnout), ("travel_f", travel)):
                if values is not None:
                    parts[name].append(values[keep])
            parts["source"].append(np.full(keep.size, s, dtype=np.int64))
            parts["layer"].append(np.full(keep.size, k, dtype=np.int64))
            parts["point"].append(keep.astype(np.int64))

    def joined(name: str, shape: tuple[int, ...] = ()) -> np.ndarray:
        return np.concatenate(parts[name]) if parts[name] else np.zeros((0, *shape))

    times = joined("times")
    order = np.lexsort((joined("point"), joined("layer"), joined("source"), times))
    turnout_all = joined("turnout_f", (n_units,))[order] if model.turnout_cv > 0 else None
    travel_all = joined("travel_f", (n_units,))[order] if model.travel_cv > 0 else None
    return Arrivals(times[order], joined("source").astype(np.int64)[order], joined("layer").astype(np.int64)[order],
                    joined("point").astype(np.int64)[order], joined("pick")[order], joined("notify_f")[order],
                    joined("scene_f")[order], joined("escalate", (ESCALATION_DRAWS,))[order], turnout_all, travel_all)


# ---------------------------------------------------------------------------------------------
# the simulation


class _Incident:
    """An incident while it lasts: what it needs, who was sent, when."""

    __slots__ = ("arrival", "cls", "counted", "ended", "escalate", "f_travel", "f_turnout", "first_dispatch",
                 "held", "id", "need", "on_scene", "order_at", "place", "region", "response", "source", "standards",
                 "waiting", "working", "could")

    def __init__(self, ident: str, source: int, place: int, region: str, cls: int, arrival: float) -> None:
        self.id, self.source, self.place, self.region, self.cls = ident, source, place, region, cls
        self.arrival = arrival
        self.order_at = arrival
        self.counted = False
        self.ended = False
        self.waiting = False
        self.working = 0
        self.first_dispatch: float | None = None
        self.need = np.zeros(0, dtype=np.int64)
        self.held = np.zeros(0, dtype=np.int64)
        self.standards: tuple[int, ...] = ()
        self.response: dict[int, float] = {}
        self.could: dict[int, float] = {}
        self.on_scene = 0.0
        self.f_turnout = np.zeros(0)
        self.f_travel = np.zeros(0)
        self.escalate = np.zeros(0)

    def outstanding(self) -> np.ndarray:
        """Quantity still missing per capability."""
        return np.maximum(self.need - self.held, 0)  # type: ignore[no-any-return]


@dataclass
class _Lent:
    """A unit's lending to one region over the period: the agreement's terms, the days, km and trips."""

    terms: Terms
    days: set[int] = field(default_factory=set)
    km: float = 0.0
    trips: int = 0


class _Year:
    """State and processes of one replication."""

    def __init__(self, model: YearModel, run: YearRun, replication: int, seed: int) -> None:
        self.m, self.run, self.replication, self.seed = model, run, replication, seed
        self.env = simpy.Environment()
        n_units, n_cap = model.n_units, len(model.capabilities)
        self.horizon = run.days * MINUTES_PER_DAY
        self.start = run.warmup_days * MINUTES_PER_DAY
        self.free = np.ones(n_units, dtype=bool)
        self.moving = np.zeros(n_units, dtype=bool)
        self.held = np.zeros(n_units, dtype=np.int64)
        self.loc = model.unit_home.astype(np.int64).copy()
        self.queue: deque[_Incident] = deque()
        self.cover_ok = np.isfinite(model.station_cover_min)
        self.cover_by_band = [self.cover_ok] + ([] if model.band_station_cover_min is None else
                                                list(np.isfinite(model.band_station_cover_min)))
        """What each station covers in free flow, then in each time band (the band's drive minutes)."""
        self.class_need = np.zeros((len(model.classes), n_cap), dtype=np.int64)
        deadline = np.full((len(model.classes), n_cap), np.inf)
        for k, c in enumerate(model.classes):
            for cap, quantity, minutes in c.needs:
                self.class_need[k, cap] = max(self.class_need[k, cap], quantity)
                deadline[k, cap] = min(deadline[k, cap], minutes)
        self.class_deadline = np.where(np.isfinite(deadline), deadline, DEFAULT_DEADLINE_MIN)
        self.servable_cap = model.capability_qty.sum(axis=0) > 0
        self.reachable_place = np.isfinite(model.drive_min[: model.n_stations]).any(axis=0)
        carried = model.capability_qty > 0
        standard_caps = np.any(model.standard_counted[:, :, None] & carried[None, :, :], axis=1)
        self.class_standard = np.asarray(np.any((self.class_need[:, None, :] > 0) & standard_caps[None, :, :], axis=2))
        self.row_of_standard = [np.flatnonzero(model.row_standard == k) for k in range(len(model.standard_ids))]
        self.normal_by_band = [self._normal(ok) for ok in self.cover_by_band]
        self.normal_cover = self.normal_by_band[0]
        """Rows of each standard covered with every unit home (free flow, then each band): what move-up defends."""
        self.applies = [[tuple(k for k in model.source_standards[s] if self.class_standard[c, k])
                         for c in range(len(model.classes))] for s in range(len(model.source_ids))]
        self.ones = np.ones(n_units)
        self.terms: dict[tuple[str, str], Terms | None] = {}
        self.turnout = model.turnout_min.astype(float).copy()
        self.raised: list[list[float]] = [[] for _ in range(n_units)]
        """Turn-out of each unit now, and the raised turn-outs in force (a warning's readiness)."""
        self.optimiser_units = optimiser_units(model) if run.policy == "optimal" else ()
        # accumulators over the counted period
        hours = int(math.ceil(self.horizon / 60))
        self.last = 0.0
        self.active = 0
        self.busy_count = 0
        self.covered = np.zeros(model.n_rows, dtype=bool)
        self.uncovered_share = 0.0
        self.cov_acc = np.zeros(model.n_rows)
        self.busy_acc = np.zeros(n_units)
        self.busy_hist = np.zeros(n_units + 1)
        self.hourly_incidents = np.zeros(hours)
        self.hourly_peak = np.zeros(hours)
        self.hourly_uncovered = np.zeros(hours)
        self.unit_cross = np.zeros(n_units)
        self.lent: dict[tuple[int, str], _Lent] = {}
        self.unit_dispatches = np.zeros(n_units)
        self.leg_minutes = 0.0
        self.counted: list[_Incident] = []
        self.moves = 0
        self.move_min = 0.0
        self.last_move_up = -math.inf
        self.relaxed = 0
        self.unserved = 0
        self.peak = 0
        self._refresh()

    # --- helpers -------------------------------------------------------------------------------

    def _caps(self, unit: int) -> dict[str, int]:
        return {c: int(q) for c, q in zip(self.m.capabilities, self.m.capability_qty[unit], strict=True) if q > 0}

    def available(self) -> np.ndarray:
        """Units that may be sent now."""
        return self.free & ~self.moving & (self.held == 0)  # type: ignore[no-any-return]

    def _terms(self, unit: int, region: str) -> Terms | None:
        key = (self.m.unit_region[unit], region)
        if key not in self.terms:
            self.terms[key] = deployment_terms(self.m.agreements, key[0], region, parents=self.m.parents)
        return self.terms[key]

    def drive(self) -> np.ndarray:
        """Drive minutes between places now: the time band's matrix (free flow outside every band)."""
        return self.m.drive_at(self.env.now, self.run.first_weekday)

    def _advance(self) -> None:
        """Accumulate the figures of the time since the last change (the state was constant meanwhile)."""
        t0, t1 = self.last, self.env.now
        if t1 <= t0:
            return
        a, b = max(t0, self.start), min(t1, self.horizon)
        if b > a:
            dt = b - a
            self.cov_acc += dt * self.covered
            self.busy_acc[~self.free] += dt
            self.busy_hist[self.busy_count] += dt
        end = min(t1, self.horizon)
        hour = int(t0 // 60)
        while hour * 60.0 < end:
            if self.hourly_peak[hour] < self.active:
                self.hourly_peak[hour] = self.active
            self.hourly_uncovered[hour] += (min(end, hour * 60.0 + 60.0) - max(t0, hour * 60.0)) * self.uncovered_share
            hour += 1
        self.last = t1

    def _refresh(self) -> None:
        """Recompute which rows are covered by the available units at their stations."""
        if self.m.n_rows == 0:
            return
        units = np.flatnonzero(self.available())
        self.covered = self.cover_ok[self.loc[units], :, units].any(axis=0) if units.size else \
            np.zeros(self.m.n_rows, dtype=bool)
        self.uncovered_share = 1.0 - np.count_nonzero(self.covered) / self.m.n_rows

    # --- processes -----------------------------------------------------------------------------

    def _normal(self, cover_ok: np.ndarray) -> list[int]:
        """Return the rows of each standard covered with every unit at home, on a station cover table."""
        if self.m.n_rows == 0:
            return [0] * len(self.row_of_standard)
        at_home = np.asarray(cover_ok[self.m.unit_home, :, np.arange(self.m.n_units)].any(axis=0))
        return [int(at_home[rows].sum()) for rows in self.row_of_standard]

    def _use_band(self, band: int) -> None:
        """Take what the stations cover in a band (-1: free flow), and its normal coverage for move-up."""
        self.cover_ok = self.cover_by_band[band + 1]
        self.normal_cover = self.normal_by_band[band + 1]

    def band_changes(self) -> Generator[Any, Any, None]:
        """Switch what the stations cover at each change of time band (free flow between bands)."""
        m = self.m
        if m.week_band is None or m.band_station_cover_min is None:
            return
        week = np.roll(m.week_band, -self.run.first_weekday * MINUTES_PER_DAY)  # week[t]: band at period minute t
        changes = np.flatnonzero(week != np.roll(week, 1))
        self._use_band(int(week[0]))
        self._refresh()
        if not changes.size:
            return
        start = 0.0
        while start < self.horizon:
            for minute in start + changes:
                if minute >= self.horizon:
                    return
                if minute > self.env.now:
                    yield self.env.timeout(float(minute) - self.env.now)
                    self._advance()
                    self._use_band(int(week[int(minute) % MINUTES_PER_WEEK]))
                    self._refresh()
            start += MINUTES_PER_WEEK

    def arrivals(self, drawn: Arrivals) -> Generator[Any, Any, None]:
        """Start each incident at its arrival."""
        for i, t in enumerate(drawn.times):
            yield self.env.timeout(float(t) - self.env.now)
            self.env.process(self.incident(drawn, i))

    def incident(self, drawn: Arrivals, i: int) -> Generator[Any, Any, None]:
        """Run an incident: what it is (its drawn numbers), wait for the order, dispatch, escalate."""
        m = self.m
        source = int(drawn.source[i])
        classes = m.source_classes[source]
        cls = classes[min(int(drawn.pick[i] * len(classes)), len(classes) - 1)]
        place = int(m.source_place[source])
        now = self.env.now
        inc = _Incident(f"{m.source_ids[source]}#{drawn.layer[i]}.{drawn.point[i]}", source, place,
                        m.place_region[place], cls, now)
        inc.counted = self.start <= now < self.horizon
        inc.need = self.class_need[cls].copy()
        inc.held = np.zeros_like(inc.need)
        inc.standards = self.applies[source][cls]
        inc.on_scene = m.classes[cls].on_scene_min * float(drawn.scene_f[i])
        inc.f_turnout = self.ones if drawn.turnout_f is None else drawn.turnout_f[i]
        inc.f_travel = self.ones if drawn.travel_f is None else drawn.travel_f[i]
        inc.escalate = drawn.escalate[i]
        if not self.reachable_place[place] or np.any((inc.need > 0) & ~self.servable_cap):
            self.unserved += inc.counted
            inc.need = np.where(self.servable_cap & bool(self.reachable_place[place]), inc.need, 0)
        self._advance()
        self.active += 1
        if inc.counted:
            self.peak = max(self.peak, self.active)
            self.counted.append(inc)
        if now < self.horizon:
            self.hourly_incidents[int(now // 60)] += 1
        notification = m.notification_min * float(drawn.notify_f[i])
        if notification > 0:
            yield self.env.timeout(notification)
        inc.order_at = self.env.now
        if inc.standards:
            units = np.flatnonzero(self.available())
            arrival = self.turnout[units] * inc.f_turnout[units] + self.drive()[self.loc[units], place] * \
                inc.f_travel[units]
            for k in inc.standards:
                counted = m.standard_counted[k, units]
                inc.could[k] = float(arrival[counted].min()) if counted.any() else math.inf
        for e, (at_min, probability, adds) in enumerate(m.classes[cls].escalations[:ESCALATION_DRAWS]):
            if inc.escalate[e] < probability:
                self.env.process(self.escalation(inc, at_min, adds))
        self.serve(inc)
        if inc.working == 0 and not inc.outstanding().any():
            self._end(inc)

    def escalation(self, inc: _Incident, at_min: float, adds: tuple[tuple[int, int], ...]
                   ) -> Generator[Any, Any, None]:
        """Add needs at the escalation's time if the incident still lasts."""
        yield self.env.timeout(at_min)
        if inc.ended:
            return
        for cap, quantity in adds:
            if self.m.capability_qty[:, cap].sum() > 0:
                inc.need[cap] += quantity
        self.serve(inc)

    def serve(self, inc: _Incident) -> None:
        """Send units to what the incident still needs, by the policy; queue it when needs remain."""
        if not inc.outstanding().any():
            return
        if self.run.policy == "optimal":
            self._serve_optimal(inc)
        self._serve_nearest(inc, allowed_only=self.run.policy == "optimal")
        if inc.outstanding().any() and not inc.waiting:
            inc.waiting = True
            self.queue.append(inc)
        self._settle(inc)
        if self.run.move_up:
            self._move_up()

    def _candidates(self, inc: _Incident, *, allowed_only: bool) -> np.ndarray:
        """Available units that can reach the incident (under an agreement when asked), nearest first."""
        units = np.flatnonzero(self.available())
        if allowed_only:
            units = units[[self._terms(int(u), inc.region) is not None for u in units]]
        return nearest_first(self.m, units, self.loc, inc.place, self.drive(), self.turnout)

    def _serve_nearest(self, inc: _Incident, *, allowed_only: bool) -> None:
        order = self._candidates(inc, allowed_only=allowed_only)
        if order.size:
            for unit in nearest_units(self.m, order, inc.outstanding()):
                self._send(unit, inc)

    def _serve_optimal(self, inc: _Incident) -> None:
        order = self._candidates(inc, allowed_only=False)
        if not order.size:
            return
        deadline = self.class_deadline[inc.cls] - (self.env.now - inc.order_at)
        sent, relaxed = optimal_units(self.m, order.tolist(), self.loc, self.optimiser_units, inc.id, inc.region,
                                      inc.place, inc.outstanding(), deadline, time_limit_s=self.run.time_limit_s,
                                      drive_min=self.drive())
        self.relaxed += relaxed
        for unit in sent:
            self._send(unit, inc)

    def _send(self, unit: int, inc: _Incident, *, from_scene: int | None = None) -> None:
        """Dispatch a unit to an incident (from its station, or straight on from a scene)."""
        self._advance()
        if from_scene is None:
            self.free[unit] = False
            self.busy_count += 1
        inc.held += self.m.capability_qty[unit]
        inc.working += 1
        if inc.first_dispatch is None:
            inc.first_dispatch = self.env.now
        if inc.counted:
            self.unit_dispatches[unit] += 1
        self._refresh()
        origin = self.loc[unit] if from_scene is None else from_scene
        self.env.process(self.trip(unit, inc, int(origin), turnout=from_scene is None))

    def trip(self, unit: int, inc: _Incident, origin: int, *, turnout: bool) -> Generator[Any, Any, None]:
        """Drive to the incident, work, then go straight on to a waiting incident or drive home."""
        m = self.m
        while True:
            leg_start = self.env.now
            out = (self.turnout[unit] * inc.f_turnout[unit] if turnout else 0.0) + \
                self.drive()[origin, inc.place] * inc.f_travel[unit]
            yield self.env.timeout(float(out))
            for k in inc.standards:
                if m.standard_counted[k, unit] and k not in inc.response:
                    inc.response[k] = self.env.now - inc.order_at
            yield self.env.timeout(inc.on_scene)
            inc.working -= 1
            if inc.working == 0 and not inc.outstanding().any():
                self._end(inc)
            following = self._waiting_for(unit, inc.place, done=inc)
            if following is not None:
                self._account(unit, inc, self.env.now - leg_start, float(m.drive_min[origin, inc.place]))
                self._send(unit, following, from_scene=inc.place)
                self._settle(following)
                return
            home = int(m.unit_home[unit])
            back = float(self.drive()[inc.place, home]) * inc.f_travel[unit]
            yield self.env.timeout(back if math.isfinite(back) else 0.0)
            self._account(unit, inc, self.env.now - leg_start,
                          float(m.drive_min[origin, inc.place] + m.drive_min[inc.place, home]))
            self._advance()
            self.free[unit] = True
            self.busy_count -= 1
            self.loc[unit] = home
            self._refresh()
            self._offer(unit)
            return

    def _account(self, unit: int, inc: _Incident, minutes: float, drive_min: float) -> None:
        """Book a unit's leg on an incident: busy minutes, cross-region hours and their compensation.

        A leg is cross-region when the unit serves outside its region other than as own forces (a parent
        region's unit in a subdivision, :func:`planner.sharing.deployment_terms`): lent under an agreement
        (compensated by :func:`planner.sharing.compensate`), or, under the nearest rule, with none.
        """
        if not inc.counted:
            return
        self.leg_minutes += minutes
        if self.m.unit_region[unit] == inc.region:
            return
        terms = self._terms(unit, inc.region)
        if terms is not None and terms.own_forces:
            return
        self.unit_cross[unit] += minutes / 60.0
        if terms is None or not terms.lent:
            return
        lent = self.lent.setdefault((unit, inc.region), _Lent(terms))
        first, last = int((self.env.now - minutes) // MINUTES_PER_DAY), int(self.env.now // MINUTES_PER_DAY)
        lent.days.update(range(first, last + 1))
        lent.km += drive_min * self.m.km_per_min if math.isfinite(drive_min) else 0.0
        lent.trips += 1

    def _compensation(self) -> np.ndarray:
        """Price each unit's lending to each region over the period, once per calendar day (R-COST).

        Labour and subsistence are per person-day with a part day charged as a whole one, so a unit lent
        on three incidents in one day is paid that day once, not three times: one deployment per (unit,
        borrowing region) whose days are the distinct days it served there, with every trip and km, priced
        by :func:`planner.sharing.compensate` (the ledger's function). Pricing each incident as its own
        deployment charged a whole day for every hour-long call (on Jinan about 46 M yuan a year, mostly
        the 60-person provincial special-service team's 800 calls).
        """
        amounts = np.zeros(self.m.n_units)
        for (unit, _), lent in self.lent.items():
            deployment = Deployment(unit=self.m.unit_ids[unit], lender=self.m.unit_region[unit],
                                    people=int(self.m.unit_people[unit]), duration_h=24.0 * len(lent.days),
                                    transport_km=lent.km, trips=lent.trips)
            amounts[unit] += compensate(deployment, lent.terms).amount
        return amounts

    def _waiting_for(self, unit: int, place: int, *, done: _Incident | None = None) -> _Incident | None:
        """Return the oldest waiting incident this unit can help and reach from ``place`` (and may serve).

        ``done`` is the incident the unit has just worked at: it is not sent there again.
        """
        if self.held[unit]:
            return None
        qty = self.m.capability_qty[unit]
        for inc in self.queue:
            if inc is done or inc.ended or not inc.outstanding().any():
                continue
            if not np.any((inc.outstanding() > 0) & (qty > 0)):
                continue
            if not math.isfinite(self.m.drive_min[place, inc.place]):
                continue
            if self.run.policy == "optimal" and self._terms(unit, inc.region) is None:
                continue
            return inc
        return None

    def _settle(self, inc: _Incident) -> None:
        """Leave the queue once nothing is missing."""
        if inc.waiting and not inc.outstanding().any():
            inc.waiting = False
            self.queue.remove(inc)

    def _offer(self, unit: int) -> None:
        """Serve, with a unit just available at its station, the oldest waiting incident it can help."""
        if not self.available()[unit]:
            return
        following = self._waiting_for(unit, int(self.loc[unit]))
        if following is not None:
            self._send(unit, following)
            self._settle(following)

    def _end(self, inc: _Incident) -> None:
        if inc.ended:
            return
        self._advance()
        inc.ended = True
        self.active -= 1

    def hold(self, unit: int, start: float, end: float) -> Generator[Any, Any, None]:
        """Keep a unit from being sent between ``start`` and ``end`` (a drill, a posture)."""
        yield self.env.timeout(start)
        self._advance()
        self.held[unit] += 1
        self._refresh()
        yield self.env.timeout(end - start)
        self._advance()
        self.held[unit] -= 1
        self._refresh()
        self._offer(unit)

    def readiness(self, unit: int, start: float, end: float, minutes: float) -> Generator[Any, Any, None]:
        """Give a unit a raised readiness's turn-out between ``start`` and ``end`` (the fastest in force counts)."""
        yield self.env.timeout(start)
        self.raised[unit].append(minutes)
        self._set_turnout(unit)
        yield self.env.timeout(end - start)
        self.raised[unit].remove(minutes)
        self._set_turnout(unit)

    def _set_turnout(self, unit: int) -> None:
        self.turnout[unit] = min([float(self.m.turnout_min[unit]), *self.raised[unit]])
        if self.run.policy == "optimal":
            self.optimiser_units = optimiser_units(self.m, self.turnout)

    # --- move-up -------------------------------------------------------------------------------

    def _move_up(self) -> None:
        """Reposition free units with the posture engine when a standard lost a share of its normal coverage.

        Normal: its rows covered with every unit at home; the rule and its default are explained on
        :class:`planner.year.model.YearRun`.
        """
        m, run = self.m, self.run
        if m.n_rows == 0 or self.env.now - self.last_move_up < MOVE_UP_COOLDOWN_MIN:
            return
        if not any(self.covered[rows].sum() < run.move_up_threshold * normal
                   for rows, normal in zip(self.row_of_standard, self.normal_cover, strict=True)):
            return
        self.last_move_up = self.env.now
        units = np.flatnonzero(self.available())
        now_drive = self.drive()
        teams, options, where = [], [], []
        for j in units:
            here = int(self.loc[j])
            teams.append(PostureTeam(m.unit_ids[j], m.unit_region[j], self._caps(int(j))))
            for station in range(m.n_stations):
                drive = float(now_drive[here, station])
                home = station == here
                if not home and (m.place_region[station] != m.unit_region[j] or not drive <= run.max_move_min):
                    continue
                covers = m.station_cover_min[station, :, j]
                options.append(PostureOption(m.unit_ids[j], m.place_ids[station], m.place_region[station], home,
                                             {int(r): float(covers[r]) for r in np.flatnonzero(np.isfinite(covers))},
                                             drive_min=0.0 if home else drive))
                where.append((int(j), station))
        if not teams:
            return
        capacity = {} if m.station_capacity is None else {
            m.place_ids[s]: int(c) for s, c in enumerate(m.station_capacity) if c > 0}
        problem = PostureProblem(tuple(teams), tuple(options), tuple(float(w) for w in m.row_weight), run.max_moves,
                                 capacity=capacity)
        solution = greedy_posture(problem)
        for index in solution.moves:
            unit, station = where[index]
            drive = float(now_drive[self.loc[unit], station])
            log.debug("move-up at %.0f min: %s %s -> %s (%.1f min)", self.env.now, m.unit_ids[unit],
                      m.place_ids[self.loc[unit]], m.place_ids[station], drive)
            self.moves += 1
            self.move_min += drive
            self._advance()
            self.moving[unit] = True
            self._refresh()
            self.env.process(self.relocate(unit, station, drive))

    def relocate(self, unit: int, station: int, drive: float) -> Generator[Any, Any, None]:
        """Drive a moved-up unit to its new station; it may be sent once there."""
        yield self.env.timeout(drive)
        self._advance()
        self.moving[unit] = False
        self.loc[unit] = station
        self._refresh()
        self._offer(unit)

    # --- figures -------------------------------------------------------------------------------

    def figures(self) -> dict[str, np.ndarray]:
        """Return the replication's figures (see :class:`ReplicationResult`)."""
        m = self.m
        counted_min = max(self.horizon - self.start, 1e-9)
        n_std = len(m.standard_ids)
        met = np.full(n_std, np.nan)
        applied = np.zeros(n_std)
        p50 = np.full(n_std, np.nan)
        p90 = np.full(n_std, np.nan)
        histogram = np.zeros((n_std, HISTOGRAM_BINS + 1))
        for k in range(n_std):
            times = np.array([inc.response.get(k, inc.could.get(k, np.inf)) for inc in self.counted
                              if k in inc.standards])
            applied[k] = times.size
            if times.size:
                met[k] = float(rule.in_time(times, m.standard_max_min[k]).mean())
                p50[k], p90[k] = np.percentile(times, [50, 90], method="inverted_cdf")  # inf stays inf
                edges = histogram_edges(float(m.standard_max_min[k]))
                inside = times < edges[-1]
                histogram[k, :HISTOGRAM_BINS] = np.histogram(times[inside], bins=edges)[0]
                histogram[k, HISTOGRAM_BINS] = np.count_nonzero(~inside)
        waits = np.array([(inc.first_dispatch if inc.first_dispatch is not None else np.inf) - inc.order_at
                          for inc in self.counted if inc.need.any()])
        finite_waits = waits[np.isfinite(waits)]
        return {
            "incidents": np.array(len(self.counted)),
            "expected_incidents": np.array(m.expected_incidents(self.start, self.horizon, self.run.rate_scale)),
            "counted_min": np.array(counted_min),
            "waited": np.array(float((waits > 1e-9).mean()) if waits.size else np.nan),
            "wait_min": np.array(float(finite_waits.mean()) if finite_waits.size else np.nan),
            "met": met,
            "applied": applied,
            "p50_min": p50,
            "p90_min": p90,
            "response_histogram": histogram,
            "covered": self.cov_acc / counted_min,
            "busy_mean": np.array(float((self.busy_hist * np.arange(m.n_units + 1)).sum() / counted_min)),
            "busy_per_incident_min": np.array(self.leg_minutes / len(self.counted) if self.counted else np.nan),
            "busy_share": self.busy_hist / counted_min,
            "unit_busy_h": self.busy_acc / 60.0,
            "unit_cross_h": self.unit_cross,
            "unit_compensation": self._compensation(),
            "unit_dispatches": self.unit_dispatches,
            "moves": np.array(self.moves),
            "move_min": np.array(self.move_min),
            "retained_relaxed": np.array(self.relaxed),
            "unserved": np.array(self.unserved),
            "peak_incidents": np.array(self.peak),
            "hourly_incidents": self.hourly_incidents,
            "hourly_peak": self.hourly_peak,
            "hourly_uncovered": self.hourly_uncovered / 60.0,
        }


def _lognormal(sigma: float, z: np.ndarray) -> np.ndarray:
    """Log-normal factors of mean 1 from standard normals (1 when ``sigma`` is 0)."""
    return np.exp(sigma * np.asarray(z) - sigma * sigma / 2.0) if sigma > 0 else np.ones_like(np.asarray(z, float))


def _on_scene_factors(distribution: str, cv: float, z: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Factors of mean 1 on incidents' on-scene minutes, from standard normals and exponentials."""
    if distribution == "exponential":
        return e
    if distribution == "lognormal" and cv > 0:
        sigma = math.sqrt(math.log1p(cv * cv))
        return np.exp(sigma * z - sigma * sigma / 2.0)  # type: ignore[no-any-return]
    return np.ones_like(z)


def simulate(model: YearModel, run: YearRun, replication: int, seed: int) -> dict[str, np.ndarray]:
    """Simulate one replication of the period and return its figures."""
    year = _Year(model, run, replication, seed)
    year.env.process(year.band_changes())
    year.env.process(year.arrivals(draw_arrivals(model, run, replication, seed)))
    for unit, start, end in run.holds:
        if start < year.horizon and end > 0:
            year.env.process(year.hold(unit, max(0.0, start), min(end, year.horizon)))
    for unit, start, end, minutes in run.turnouts:
        if start < year.horizon and end > 0:
            year.env.process(year.readiness(unit, max(0.0, start), min(end, year.horizon), minutes))
    year.env.timeout(year.horizon)  # the clock reaches the period's end even when nothing happens near it
    year.env.run()
    year._advance()
    return year.figures()
