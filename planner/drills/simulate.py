"""Discrete-event simulation (SimPy) of a drill or an incident, with Monte Carlo replications.

One replication: the alarm at t = 0; notification (alarm to dispatch order); each dispatched team turns
out (its ``turnout_min``), travels (network minutes to the site) and arrives; underground work starts
only when a committed and a standby squad are on scene (R-TEAM-MINE: two ``mine_rescue_squad``), and the
underground tasks then run in order; escalations happen with their probability at their time and bring
more teams; injects are logged at their time. Turn-out, travel, notification and task times are scaled
by log-normal factors of mean 1 (``*_cv`` = their sigma) and by the template's weather and time-of-day
factors. A case may carry road changes (:class:`RoadChange`, a surprise branch closing a bridge at minute
12): a team's travel is the one in force when it departs, and a dispatch order picks the nearest teams by
the roads in force when it is given; a team already on the road keeps the route it took (the simulation
does not know where along it the team is). A team the change cuts off never arrives. Randomness comes
from a ``numpy.random.Generator`` seeded once per run: the same seed gives the
same result. ``deterministic=True`` removes all randomness (factors 1, no escalation), for hand checks.

A case is plain data (units with their travel minutes); :func:`planner.drills.sim_case.build_case` makes
one from a scenario on its road network, so the sweep's workers run this module without the network.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from planner.errors import InputError
from planner.scenario.library import Template
from planner.scenario.model import Scenario

MINE_SQUAD = "mine_rescue_squad"
ENTRY_SQUADS = 2
"""R-TEAM-MINE: a committed squad plus a standby squad before an underground entry."""


@dataclass(frozen=True)
class SimUnit:
    """A team as the simulation sees it: capabilities, turn-out and travel minutes to the incident."""

    id: str
    capabilities: Mapping[str, int]
    turnout_min: float
    travel_min: float

    @property
    def expected_min(self) -> float:
        """Turn-out plus travel, minutes."""
        return self.turnout_min + self.travel_min


@dataclass(frozen=True)
class SimSettings:
    """Stochastic settings; values are planning assumptions [U] and configurable."""

    notification_min: float = 2.0
    notification_cv: float = 0.5
    turnout_cv: float = 0.3
    travel_cv: float = 0.15
    task_cv: float = 0.2
    weather: str | None = None
    time_of_day: str | None = None
    deterministic: bool = False


@dataclass(frozen=True)
class RoadChange:
    """From ``at_min`` after the alarm the roads change (a closure set applies): each unit's travel minutes then.

    A unit missing from ``travel_min`` keeps its own; ``inf`` means the change cuts it off from the site.
    """

    at_min: float
    travel_min: Mapping[str, float]
    label: str = ""


@dataclass(frozen=True)
class SimCase:
    """What one replication needs: the template, the site, the candidate units, the dispatch rule, road changes."""

    template: Template
    site: str
    units: tuple[SimUnit, ...]
    changes: tuple[RoadChange, ...] = ()
    """Road changes in order of ``at_min``; before the first one the units' own travel minutes hold."""

    def travel_min(self, unit: SimUnit, at_min: float) -> float:
        """Return the unit's travel minutes on the roads in force ``at_min`` minutes after the alarm."""
        travel = unit.travel_min
        for change in self.changes:
            if change.at_min > at_min:
                break
            travel = change.travel_min.get(unit.id, travel)
        return travel

    def choose(self, capability: str, quantity: int, taken: set[str], at_min: float = 0.0) -> list[SimUnit]:
        """Return the nearest untaken units with ``capability`` until ``quantity`` is met (roads at ``at_min``)."""
        chosen: list[SimUnit] = []
        held = 0
        travel = {unit.id: self.travel_min(unit, at_min) for unit in self.units}
        for unit in sorted(self.units, key=lambda u: (u.turnout_min + travel[u.id], u.id)):
            if held >= quantity:
                break
            if unit.id in taken or unit.capabilities.get(capability, 0) <= 0 or not np.isfinite(travel[unit.id]):
                continue
            chosen.append(unit)
            taken.add(unit.id)
            held += unit.capabilities[capability]
        return chosen


def require_site(scenario: Scenario, site_id: str) -> None:
    """Raise ``InputError`` unless the scenario has the hazard site ``site_id``."""
    if site_id not in {s.id for s in scenario.sites}:
        raise InputError(f"site {site_id!r} does not exist in scenario {scenario.name}", field="site", record=site_id)


@dataclass
class Replication:
    """Key times (minutes after the alarm) of one replication and its event log."""

    times: dict[str, float]
    timeline: list[tuple[float, str, str]] = field(default_factory=list)
    escalated: bool = False


def _factor(rng: np.random.Generator | None, sigma: float) -> float:
    """Log-normal factor with mean 1 (exactly 1 without a generator or with sigma 0)."""
    if rng is None or sigma <= 0:
        return 1.0
    return float(rng.lognormal(-sigma * sigma / 2.0, sigma))


def simulate_once(case: SimCase, rng: np.random.Generator | None, settings: SimSettings = SimSettings()) -> Replication:
    """Run one replication; ``rng=None`` or ``settings.deterministic`` gives the deterministic run."""
    if settings.deterministic:
        rng = None
    template = case.template
    travel_scale = template.factor("weather", settings.weather, "travel_factor") * \
        template.factor("time_of_day", settings.time_of_day, "travel_factor")
    turnout_scale = template.factor("weather", settings.weather, "turnout_factor") * \
        template.factor("time_of_day", settings.time_of_day, "turnout_factor")
    env = simpy.Environment()
    result = Replication(times={})
    on_scene: dict[str, int] = {}
    squads_ready = env.event()
    taken: set[str] = set()
    notification = settings.notification_min * _factor(rng, settings.notification_cv)

    def log(what: str, who: str = "") -> None:
        result.timeline.append((round(env.now, 4), what, who))

    def unit_process(unit: SimUnit, order_at: float) -> Any:
        yield env.timeout(max(0.0, order_at - env.now))
        log("dispatched", unit.id)
        yield env.timeout(unit.turnout_min * turnout_scale * _factor(rng, settings.turnout_cv))
        log("departed", unit.id)
        travel = case.travel_min(unit, env.now)
        if not np.isfinite(travel):
            log("cut off", unit.id)  # the roads changed since it was ordered: no way to the site
            return
        yield env.timeout(travel * travel_scale * _factor(rng, settings.travel_cv))
        log("arrived", unit.id)
        result.times.setdefault("first_arrival", env.now)
        for capability, quantity in unit.capabilities.items():
            if quantity <= 0:
                continue
            before = on_scene.get(capability, 0)
            on_scene[capability] = before + quantity
            result.times.setdefault(f"first:{capability}", env.now)
            for step in (*template.requirements, *(a for e in template.escalation for a in e.adds)):
                key = f"assembled:{step.capability}:{step.quantity}"
                if step.capability == capability and before < step.quantity <= on_scene[capability]:
                    result.times.setdefault(key, env.now)
        if on_scene.get(MINE_SQUAD, 0) >= ENTRY_SQUADS and not squads_ready.triggered:
            squads_ready.succeed()

    def dispatch(capability: str, quantity: int, at: float) -> None:
        for unit in case.choose(capability, quantity, taken, at):
            env.process(unit_process(unit, at))

    def alarm() -> Any:
        log("alarm")
        yield env.timeout(notification)
        log("notified")
        result.times["dispatch_order"] = env.now
        for step in template.requirements:
            dispatch(step.capability, step.quantity, env.now)

    def escalation_process() -> Any:
        for escalation in sorted(template.escalation, key=lambda e: e.at_min):
            draw = 1.0 if rng is None else float(rng.random())
            if rng is None or draw >= escalation.probability:
                continue
            yield env.timeout(max(0.0, escalation.at_min - env.now))
            result.escalated = True
            log("escalation", escalation.description)
            for step in escalation.adds:
                dispatch(step.capability, step.quantity, env.now)

    def inject_process() -> Any:
        for inject in template.injects:
            yield env.timeout(max(0.0, inject.at_min - env.now))
            log("inject", inject.id)

    def roads_process() -> Any:
        for change in case.changes:
            yield env.timeout(max(0.0, change.at_min - env.now))
            log("roads changed", change.label)

    def underground_process() -> Any:
        tasks = [t for t in template.tasks if t.underground]
        if not template.underground or not tasks:
            return
        yield squads_ready
        result.times["entry"] = env.now
        log("entry", "committed + standby squad")
        for task in tasks:
            yield env.timeout(task.duration_min * _factor(rng, settings.task_cv))
            log("task_done", task.name)
        result.times["tasks_done"] = env.now

    env.process(alarm())
    env.process(escalation_process())
    env.process(inject_process())
    if case.changes:
        env.process(roads_process())
    env.process(underground_process())
    env.run()
    return result


@dataclass(frozen=True)
class SimSummary:
    """Distributions of the key times over the replications (``nan`` where a time never happened)."""

    runs: int
    seed: int | None
    metrics: Mapping[str, np.ndarray]
    escalated_share: float
    wall_s: float

    def percentile(self, metric: str, q: float) -> float:
        """Return the ``q``-th percentile of a metric over the replications where it happened (nan if never)."""
        values = self.metrics.get(metric)
        if values is None or np.all(np.isnan(values)):
            return float("nan")
        return float(np.nanpercentile(values, q))

    def to_dict(self) -> dict[str, Any]:
        """JSON form: mean, p50, p90, min, max and the share of runs per metric."""
        rows = {}
        for name, values in sorted(self.metrics.items()):
            happened = values[~np.isnan(values)]
            rows[name] = {
                "share": round(float(happened.size / values.size), 4) if values.size else 0.0,
                "mean": round(float(happened.mean()), 3) if happened.size else None,
                "p50": round(float(np.percentile(happened, 50)), 3) if happened.size else None,
                "p90": round(float(np.percentile(happened, 90)), 3) if happened.size else None,
                "min": round(float(happened.min()), 3) if happened.size else None,
                "max": round(float(happened.max()), 3) if happened.size else None,
            }
        return {"runs": self.runs, "seed": self.seed, "escalated_share": round(self.escalated_share, 4),
                "seconds": round(self.wall_s, 3), "metrics": rows}


def monte_carlo(case: SimCase, runs: int, *, seed: int | None = 0, settings: SimSettings = SimSettings()) -> SimSummary:
    """Run ``runs`` replications from one ``numpy`` Generator seeded with ``seed``."""
    if runs < 1:
        raise InputError(f"runs must be >= 1, got {runs}", field="runs")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    collected: list[dict[str, float]] = []
    escalated = 0
    for _ in range(runs):
        replication = simulate_once(case, rng, settings)
        collected.append(replication.times)
        escalated += replication.escalated
    names = sorted({k for times in collected for k in times})
    metrics = {name: np.array([times.get(name, np.nan) for times in collected]) for name in names}
    return SimSummary(runs, seed, metrics, escalated / runs, time.perf_counter() - started)
