"""Scenario sweeps: many random incidents at the hazard sites, each dispatched, and what they add up to.

A sweep draws ``N`` incidents: the site with probability proportional to its risk grade's weight
(``SweepSettings.risk_weights``), an incident template among those made for the site's kind (uniform),
and a time of day (``SweepSettings.time_of_day``: shares of day, rush hour and night). Each incident is
then evaluated on a precomputed team x site matrix of network drive minutes, with one of two models:

``mode="dispatch"`` (default, ~0.1 ms an incident)
    The nearest-available rule of :class:`planner.drills.simulate.SimCase`, vectorised: every requirement of the
    template (``requirements_from_template``) is served at the dispatch order by the untaken available
    units carrying its capability, nearest first by *expected* turn-out + drive under the time-of-day
    factors, until its quantity is met; an escalation, drawn with its probability, brings its additions
    at its time. Each unit's *realised* turn-out and drive are its expected ones times log-normal factors
    of mean 1 (``turnout_cv``, ``travel_cv``); the alarm-to-order delay is ``notification_min`` times such
    a factor. Each available team is also busy elsewhere with probability ``busy_share``. This is a
    response-time model, not an optimiser: no CP-SAT solve, no cross-border agreement or retained
    minimum checks, no on-scene work.
``mode="simulate"``
    One SimPy replication per incident (:func:`planner.drills.simulate.simulate_once`) on a case built from the
    same matrix: the same dispatch rule, plus on-scene tasks; about ten times slower.

Per incident it records the first arrival of each required capability (minutes after the alarm,
``inf`` when no unit can bring it), whether each capability's requirements were assembled by their
deadlines, the teams sent, and, for every response standard that applies to the site (R-COVER-*), the
arrival of the fastest counted, available team of the standard's capability from the dispatch order
(turn-out + drive, as :func:`planner.coverage.verdict.coverage` measures it, but with this incident's time of
day, noise and busy teams). Who counts, the first arrival, "within standard" and "standard met" are the
one coverage rule's (:mod:`planner.coverage.rule`), so with no noise, no busy teams and time-of-day
factors of 1 an incident is within standard exactly when the coverage report passes the site. The
summary gives response-time distributions per site and capability, the share within each standard,
the sites that fail most, and each team's utilisation (share of incidents it is sent to).

Every incident draws from its own generator, seeded by ``(seed, incident number)``, so a sweep gives the
same records whatever the backend, the number of workers or the chunking, and a chunk run twice gives
the same answer twice. Work is split in chunks of incidents; the backends (serial, local processes, a
Dask cluster: :mod:`planner.sweep.backends`) send each worker the small :class:`SweepModel` once (the
matrix, not the graph; the model and the chunk function live in :mod:`planner.sweep.incidents`, so a
worker never imports this module nor the network stack it needs), collect chunks by number, keep the
first result of each and re-run the chunks a dead worker lost, so every incident is counted exactly
once. With ``checkpoint`` set, finished chunks are also written to disk and a re-run sweep resumes from
them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planner.availability import AvailabilityRules, availability
from planner.coverage import rule
from planner.coverage.verdict import drive_minutes
from planner.dispatch.requests import incident_library, indexed_escalations, indexed_needs, template_capabilities
from planner.dispatch.scenario import unit_capabilities
from planner.errors import InputError
from planner.model.records import Availability
from planner.roads.conditions import RoadConditions, routing_network
from planner.roads.sweeps import SweepBand
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from planner.sweep.backends import run_chunks
from planner.sweep.chunks import RECORD_FIELDS, ChunkResult, ChunkSpec
from planner.sweep.incidents import MODES, SweepModel, SweepSettings, evaluate_chunk

log = logging.getLogger(__name__)

__all__ = [
    "MODES",
    "ChunkResult",
    "SweepModel",
    "SweepResult",
    "SweepSettings",
    "availability_by_time_of_day",
    "draw_incidents",
    "evaluate_chunk",
    "summarise",
    "sweep",
    "sweep_model",
]

Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, message)``, as :mod:`planner.jobs.runner` passes it."""


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the incidents drawn, their records (incident order) and the summary."""

    scenario: str
    incidents: int
    seed: int
    mode: str
    backend: str
    workers: int
    chunks: int
    chunk_size: int
    resubmitted: int
    resumed: int
    duplicates_ignored: int
    wall_s: float
    site: np.ndarray
    template: np.ndarray
    time_of_day: np.ndarray
    records: ChunkResult
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: run facts and the summary (the per-incident records are left out)."""
        return {
            "scenario": self.scenario,
            "incidents": self.incidents,
            "seed": self.seed,
            "mode": self.mode,
            "backend": self.backend,
            "workers": self.workers,
            "chunks": self.chunks,
            "chunk_size": self.chunk_size,
            "resubmitted_chunks": self.resubmitted,
            "resumed_chunks": self.resumed,
            "duplicates_ignored": self.duplicates_ignored,
            "seconds": round(self.wall_s, 3),
            **self.summary,
        }


# ---------------------------------------------------------------------------------------------
# model


def sweep_model(scenario: Scenario, *, settings: SweepSettings | None = None, roads: RoadConditions | None = None,
                bands: Mapping[str, SweepBand] | None = None, rules: AvailabilityRules | None = None) -> SweepModel:
    """Build the sweep's inputs once: team x site drive minutes on the network, templates, standards.

    The drive minutes come from :func:`planner.coverage.verdict.drive_minutes` (one search per distinct site
    or per distinct base, whichever is fewer) on the scenario's cached network, or under ``roads``
    (closures, a band: :func:`planner.roads.conditions.travel_network`). With ``bands`` (time-of-day
    name -> share of incidents, hour and conditions, e.g. from :func:`planner.roads.sweeps.sweep_bands`)
    the time-of-day draws are those names with those shares, and each incident drives on its band's
    network; the templates' own time-of-day travel factors then do not apply (no name matches), so a
    band's slowdown is counted once. With ``settings.availability_from``, what each team can staff at
    each time of day of each day judged comes from the one availability function under ``rules`` (the
    scenario's strength rules; default rules when None): :func:`availability_by_time_of_day`, at each
    time of day's hour (a band's start when the draws are bands).
    """
    settings = settings or SweepSettings()
    settings.check()
    teams = [t for t in scenario.teams if t.availability is Availability.AVAILABLE]
    if not teams:
        raise InputError(f"scenario {scenario.name} has no available team", field="teams")
    if not scenario.sites:
        raise InputError(f"scenario {scenario.name} has no hazard site", field="sites")
    library = incident_library()
    template_ids = tuple(sorted(library))
    capabilities = sorted(template_capabilities(library.values()))
    cap_index = {c: k for k, c in enumerate(capabilities)}
    owned = unit_capabilities(scenario)
    capability_qty = np.array([[owned[t.id].get(c, 0) for c in capabilities] for t in teams], dtype=np.int32)

    placed = placement(scenario)
    bases = sorted({t.base for t in teams})
    row = {b: k for k, b in enumerate(bases)}

    def team_minutes(conditions: RoadConditions | None) -> np.ndarray:
        drive, _, _ = drive_minutes(routing_network(scenario, conditions), [placed.base_node[b] for b in bases],
                                    [placed.site_node[s.id] for s in scenario.sites])
        return np.asarray(drive[[row[t.base] for t in teams]], dtype=float)

    travel_min = team_minutes(roads)
    travel_by_tod = None
    described = None if roads is None else roads.describe()
    if bands:
        settings = dataclasses.replace(settings, time_of_day={name: band.share for name, band in bands.items()},
                                       time_of_day_hours={name: band.hour for name, band in bands.items()})
        settings.check()
        travel_by_tod = np.stack([team_minutes(band.conditions) for band in bands.values()])
        described = {name: band.conditions.describe() for name, band in bands.items()}
    moment_qty, moment_live = availability_by_time_of_day(scenario, [t.id for t in teams], capabilities, settings,
                                                          rules)

    site_templates = tuple(
        tuple(k for k, tid in enumerate(template_ids) if s.kind.value in library[tid].site_kinds)
        for s in scenario.sites
    )
    weight = np.array(
        [
            settings.risk_weights.get(s.risk_grade.value, 0.0) if site_templates[j] else 0.0
            for j, s in enumerate(scenario.sites)
        ],
        dtype=float,
    )
    if weight.sum() <= 0:
        raise InputError(
            "no site can have an incident: no template fits any site with a positive risk weight",
            field="risk_weights",
        )
    requirements = tuple(indexed_needs(library[tid], cap_index) for tid in template_ids)
    escalations = tuple(indexed_escalations(library[tid], cap_index) for tid in template_ids)
    tod_names = tuple(settings.time_of_day)
    tod_share = np.array([settings.time_of_day[n] for n in tod_names], dtype=float)
    tod_turnout = np.array(
        [[library[tid].factor("time_of_day", n, "turnout_factor") for n in tod_names] for tid in template_ids]
    )
    tod_travel = np.array(
        [[library[tid].factor("time_of_day", n, "travel_factor") for n in tod_names] for tid in template_ids]
    )

    tiers = {b.id: b.tier.value for b in scenario.bases}
    standards = scenario.standards
    counted = rule.counted(standards, [t.team_type.value for t in teams], [tiers[t.base] for t in teams])
    std_index = {s.id: k for k, s in enumerate(standards)}
    site_standards = tuple(
        tuple(std_index[s.id] for s in scenario.standards_for(site)) for site in scenario.sites
    )
    return SweepModel(
        scenario=scenario.name,
        team_ids=tuple(t.id for t in teams),
        team_types=tuple(t.team_type.value for t in teams),
        turnout_min=np.array([t.turnout_min for t in teams], dtype=float),
        travel_min=np.asarray(travel_min, float),
        capabilities=tuple(capabilities),
        capability_qty=capability_qty,
        site_ids=tuple(s.id for s in scenario.sites),
        site_weight=weight,
        site_templates=site_templates,
        templates=template_ids,
        requirements=requirements,
        escalations=escalations,
        tod_names=tod_names,
        tod_share=tod_share,
        tod_turnout=tod_turnout,
        tod_travel=tod_travel,
        standards=tuple(s.id for s in standards),
        standard_max_min=np.array([s.max_min for s in standards], float),
        standard_min_share=np.array([s.min_share for s in standards], float),
        site_standards=site_standards,
        standard_counted=counted,
        settings=settings,
        template_objects=tuple(library[t] for t in template_ids),
        travel_by_tod=travel_by_tod,
        roads=described,
        moment_qty=moment_qty,
        moment_live=moment_live,
    )


def availability_by_time_of_day(scenario: Scenario, team_ids: list[str], capabilities: list[str],
                                settings: SweepSettings, rules: AvailabilityRules | None = None,
                                ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Return what each team can staff, and whether it answers, at each time of day of each day judged.

    Arrays of days x times of day x teams (x capabilities), from :func:`planner.availability.availability`
    at ``settings.availability_from + day`` and the time of day's hour (wall clock in the scenario's zone);
    ``(None, None)`` when the settings judge no availability.
    """
    if settings.availability_from is None:
        return None, None
    names = tuple(settings.time_of_day)
    shape = (settings.availability_days, len(names), len(team_ids))
    qty = np.zeros((*shape, len(capabilities)), dtype=np.int32)
    live = np.zeros(shape, dtype=bool)
    for d in range(settings.availability_days):
        midnight = dt.datetime.combine(settings.availability_from + dt.timedelta(days=d), dt.time())
        for k, name in enumerate(names):
            report = availability(scenario, midnight + dt.timedelta(hours=settings.hour_of(name)), rules)
            for j, team_id in enumerate(team_ids):
                team = report.team(team_id)
                qty[d, k, j] = [team.capabilities.get(c, 0) for c in capabilities]
                live[d, k, j] = not team.not_responding
    return qty, live


def draw_incidents(model: SweepModel, n: int, *, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site, template and time-of-day index of ``n`` incidents, from one generator seeded with ``seed``."""
    rng = np.random.default_rng([seed, 0x5EED])
    site = rng.choice(len(model.site_ids), size=n, p=model.site_weight / model.site_weight.sum())
    pick = rng.random(n)
    counts = np.array([len(model.site_templates[s]) for s in site])
    template = np.array(
        [model.site_templates[s][int(p * c)] for s, p, c in zip(site, pick, counts, strict=True)],
        dtype=np.int16,
    )
    tod = rng.choice(len(model.tod_names), size=n, p=model.tod_share / model.tod_share.sum())
    return site.astype(np.int32), template, tod.astype(np.int8)


# ---------------------------------------------------------------------------------------------
# the sweep


def sweep(
    scenario: Scenario,
    incidents: int,
    *,
    seed: int = 0,
    mode: str = "dispatch",
    workers: int = 1,
    scheduler: str | None = None,
    settings: SweepSettings | None = None,
    chunk_size: int | None = None,
    checkpoint: str | Path | None = None,
    progress: Progress | None = None,
    model: SweepModel | None = None,
    roads: RoadConditions | None = None,
    bands: Mapping[str, SweepBand] | None = None,
    rules: AvailabilityRules | None = None,
) -> SweepResult:
    """Draw and evaluate ``incidents`` incidents and summarise them.

    Parameters
    ----------
    scenario
        Teams, sites, standards and the network.
    incidents
        How many incidents to draw (1 .. 10,000,000).
    seed
        Seed of the draws and of every incident's generator: same seed, same records, on any backend.
    mode
        ``"dispatch"`` (nearest-available rule, vectorised) or ``"simulate"`` (a SimPy replication each).
    workers
        1 runs serially in this process; more runs on this process and ``workers - 1`` local pool
        processes (or, with ``scheduler``, is ignored: the cluster's workers are used).
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler, or ``"local"`` for a Dask ``LocalCluster`` of
        ``workers`` single-threaded processes.
    settings
        Assumptions (rates, time of day, noise, busy share); default :class:`SweepSettings`.
    chunk_size
        Incidents per task; default about 40 chunks serially (progress in small steps) and 10 per worker
        in parallel (each chunk costs about 1 ms of hand-over between processes: with 2 workers, 10,000
        incidents ran 1.74x faster than serial in chunks of 250 and 1.79x in chunks of 500, bench/sweep.py),
        25 to 1000 incidents each. Results do not depend on it.
    checkpoint
        Folder to keep finished chunks in; a sweep with the same inputs resumes from them.
    progress
        Called with ``(fraction, message)`` as chunks finish.
    model
        A prebuilt :func:`sweep_model` of ``scenario`` (with ``settings``), to reuse across sweeps.
    roads, bands
        Closures and time bands of the drive times (:func:`sweep_model`).
    rules
        The scenario's strength rules, for availability by time of day (``settings.availability_from``).

    Returns
    -------
    SweepResult
        Records in incident order and the summary; ``to_dict`` for JSON.

    """
    if isinstance(incidents, bool) or not isinstance(incidents, int) or not 1 <= incidents <= 10_000_000:
        raise InputError(
            f"incidents must be an integer from 1 to 10000000, got {incidents!r}", field="incidents"
        )
    if mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, not {mode!r}", field="mode")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}", field="seed")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise InputError(f"workers must be an integer from 1 to 256, got {workers!r}", field="workers")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise InputError(f"chunk_size must be an integer >= 1, got {chunk_size!r}", field="chunk_size")
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    report(0.0, "computing the team x site travel-time matrix")
    model = model or sweep_model(scenario, settings=settings, roads=roads, bands=bands, rules=rules)
    site, template, tod = draw_incidents(model, incidents, seed=seed)
    size = chunk_size or min(1000, max(25, math.ceil(incidents / (40 if workers == 1 else 10 * workers))))
    starts = list(range(0, incidents, size))
    specs: list[ChunkSpec] = [
        (c, s, site[s : s + size], template[s : s + size], tod[s : s + size]) for c, s in enumerate(starts)
    ]
    backend = (
        "serial" if scheduler is None and workers == 1 else ("processes" if scheduler is None else "dask")
    )
    folder = None
    if checkpoint is not None:
        folder = Path(checkpoint) / f"{model.fingerprint()}-{incidents}-{seed}-{size}-{mode}"
    outcome = run_chunks(
        model,
        specs,
        functools.partial(evaluate_chunk, seed=seed, mode=mode),
        backend=backend,
        workers=workers,
        scheduler=scheduler,
        checkpoint=folder,
        progress=report,
    )
    records = _merge([outcome.results[c] for c in sorted(outcome.results)], model)
    if records.index.size != incidents or not np.array_equal(records.index, np.arange(incidents)):
        raise RuntimeError(
            f"sweep lost or duplicated incidents: {records.index.size} records for {incidents}"
        )
    summary = {**summarise(model, site, template, tod, records, mode=mode), "roads": model.roads}
    report(1.0, f"{incidents} incidents done")
    return SweepResult(
        scenario.name,
        incidents,
        seed,
        mode,
        backend,
        outcome.workers,
        len(specs),
        size,
        outcome.resubmitted,
        outcome.resumed,
        outcome.duplicates,
        time.perf_counter() - started,
        site,
        template,
        tod,
        records,
        summary,
    )


def _merge(parts: Sequence[ChunkResult], model: SweepModel) -> ChunkResult:
    if not parts:
        empty = np.empty((0, len(model.capabilities)))
        return ChunkResult(
            -1,
            np.empty(0, np.int64),
            empty,
            empty.astype(np.int8),
            np.empty((0, len(model.standards))),
            np.empty((0, model.n_teams), bool),
            np.empty(0, bool),
        )
    return ChunkResult(
        -1,
        *(
            np.concatenate([getattr(p, name) for p in parts])
            for name in RECORD_FIELDS
        ),
    )


# ---------------------------------------------------------------------------------------------
# summary


def _stats(values: np.ndarray) -> dict[str, Any]:
    """Count, unreachable share and mean/p50/p90/p95/max of minutes (finite values)."""
    finite = values[np.isfinite(values)]
    out: dict[str, Any] = {
        "incidents": int(values.size),
        "unreachable_share": round(float(1 - finite.size / values.size), 4) if values.size else None,
    }
    if finite.size:
        p50, p90, p95 = np.percentile(finite, [50, 90, 95])
        out.update(
            mean=round(float(finite.mean()), 2),
            p50=round(float(p50), 2),
            p90=round(float(p90), 2),
            p95=round(float(p95), 2),
            max=round(float(finite.max()), 2),
        )
    return out


def _availability_summary(model: SweepModel) -> dict[str, Any]:
    """Return the availability a sweep judged: the days, each time of day's hour and teams answering on average."""
    s = model.settings
    if s.availability_from is None or model.moment_live is None:
        return {"availability": None}
    answering = model.moment_live.sum(axis=2).mean(axis=0)
    return {"availability": {
        "from": s.availability_from.isoformat(), "days": s.availability_days,
        "hours": {name: s.hour_of(name) for name in model.tod_names},
        "teams_answering": {name: round(float(answering[k]), 2) for k, name in enumerate(model.tod_names)},
        "teams": model.n_teams}}


HISTOGRAM_BINS = 24
"""Bins of the response-time histograms in a sweep's summary (for the web page's charts)."""


MODEL_TEXT = {
    "dispatch": "nearest-available dispatch on a precomputed team x site matrix, noisy turn-out and drive",
    "simulate": "one SimPy replication per incident (planner.drills.simulate) on a precomputed team x site matrix",
}
"""What each mode models, in one line for the summary."""


def summarise(
    model: SweepModel,
    site: np.ndarray,
    template: np.ndarray,
    tod: np.ndarray,
    records: ChunkResult,
    *,
    mode: str = "dispatch",
) -> dict[str, Any]:
    """Distributions per site and capability, share within standard, failing sites, team utilisation."""
    n = int(site.size)
    first = records.first_min.astype(float)
    within = rule.in_time(records.standard_min, model.standard_max_min)
    per_site = _per_site(model, site, records, first, within)
    worst = sorted(per_site, key=lambda r: (-r["failure_share"], -r["incidents"], r["site"]))
    return {
        "model": MODEL_TEXT[mode],
        **_availability_summary(model),
        "counted": int(records.index.size),
        "distinct_incidents": int(np.unique(records.index).size),
        "escalated_share": round(float(records.escalated.mean()), 4) if n else 0.0,
        "incidents_by_time_of_day": {name: int((tod == k).sum()) for k, name in enumerate(model.tod_names)},
        "incidents_by_template": {
            name: int((template == k).sum())
            for k, name in enumerate(model.templates)
            if (template == k).any()
        },
        "standards": _per_standard(model, records, within),
        "capabilities": _per_capability(model, records, first),
        "sites": per_site,
        "failing_sites": [
            {"site": r["site"], "incidents": r["incidents"], "failure_share": r["failure_share"]}
            for r in worst[:10]
            if r["failure_share"] > 0
        ],
        "utilisation": _utilisation(model, records, n),
    }


def _met_share(required: np.ndarray) -> float:
    """Share of the incidents that required a capability (``met`` 0 or 1; -1: not required) and got it in time."""
    return round(float((required == 1).sum() / (required >= 0).sum()), 4)


def _per_site(model: SweepModel, site: np.ndarray, records: ChunkResult, first: np.ndarray,
              within: np.ndarray) -> list[dict[str, Any]]:
    """For each site with incidents: failure share, first arrivals per capability, each standard's share within.

    ``first`` are the first-arrival minutes (incident x capability), ``within`` the one rule's verdicts
    (incident x standard), computed once by :func:`summarise`.
    """
    failed_any = (~np.isnan(records.standard_min) & ~within).any(axis=1)
    out: list[dict[str, Any]] = []
    for j, site_id in enumerate(model.site_ids):
        mine = site == j
        count = int(mine.sum())
        if not count:
            continue
        capabilities = {}
        for c, name in enumerate(model.capabilities):
            values = first[mine, c]
            values = values[~np.isnan(values)]
            if values.size:
                capabilities[name] = {**_stats(values), "met_share": _met_share(records.met[mine, c])}
        standards = {
            model.standards[k]: {"share_within": round(float(within[mine, k].mean()), 4),
                                 **_stats(records.standard_min[mine, k])}
            for k in model.site_standards[j]
        }
        out.append({"site": site_id, "incidents": count, "failure_share": round(float(failed_any[mine].mean()), 4),
                    "capabilities": capabilities, "standards": standards})
    return out


def _per_standard(model: SweepModel, records: ChunkResult, within: np.ndarray) -> list[dict[str, Any]]:
    """For each standard: the incidents it applies to, the share within it and whether that meets its minimum."""
    applies = ~np.isnan(records.standard_min)
    out = []
    for k, standard_id in enumerate(model.standards):
        rows = applies[:, k]
        share = float(within[rows, k].mean()) if rows.any() else None
        out.append({
            "standard": standard_id,
            "incidents": int(rows.sum()),
            "share_within": None if share is None else round(share, 4),
            "min_share": float(model.standard_min_share[k]),
            "met": None if share is None else rule.share_met(share, float(model.standard_min_share[k])),
            **_stats(records.standard_min[rows, k]),
        })
    return out


def _per_capability(model: SweepModel, records: ChunkResult, first: np.ndarray) -> list[dict[str, Any]]:
    """For each capability some incident needed: first-arrival statistics, met share and a histogram."""
    out = []
    for c, name in enumerate(model.capabilities):
        values = first[:, c]
        values = values[~np.isnan(values)]
        if not values.size:
            continue
        finite = values[np.isfinite(values)]
        counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS) if finite.size else (np.zeros(0), np.zeros(0))
        out.append({
            "capability": name,
            **_stats(values),
            "met_share": _met_share(records.met[:, c]),
            "histogram": {"edges": [round(float(e), 2) for e in edges], "counts": [int(x) for x in counts]},
        })
    return out


def _utilisation(model: SweepModel, records: ChunkResult, n: int) -> list[dict[str, Any]]:
    """Dispatches per team, most used first."""
    sent_count = records.sent.sum(axis=0)
    return sorted(
        ({"team": t, "type": model.team_types[j], "dispatches": int(sent_count[j]),
          "share": round(float(sent_count[j] / n), 4) if n else 0.0}
         for j, t in enumerate(model.team_ids)),
        key=lambda r: (-r["dispatches"], r["team"]),
    )
