"""What a year's replications add up to: each figure with its 95 % confidence interval over replications.

Replications are independent (each has its own seeds), so a figure's interval is the Student t interval
of its per-replication values: ``mean +- t(0.975, n - 1) * sd / sqrt(n)`` (no interval from one
replication). :func:`summarise` gives per standard the share of incidents met in time, the share of
the period its sites were covered, p50/p90 response minutes and the response-time histogram (mean
incidents per bin over replications; ``beyond``: past three times its minutes, never reached included);
per team utilisation, busy hours, cross-region hours and their compensation; the queue (share of
incidents that waited, mean wait); Little's law's two sides; the worst hours and a timeline for the
chart. :func:`difference` compares two configurations run on the same seeds (common random numbers):
the interval of the per-replication differences, much narrower than the two intervals apart.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from planner.coverage import rule
from planner.year.engine import ReplicationResult, histogram_edges
from planner.year.model import MINUTES_PER_DAY, YearModel, YearRun

WORST_HOURS = 10
"""How many of the worst hours a summary lists."""
TIMELINE_HOURLY_MAX_DAYS = 14
"""Periods up to this many days have an hourly timeline; longer ones a daily one."""


def interval(values: np.ndarray, *, digits: int = 4, share: bool = False, nonnegative: bool = False
             ) -> dict[str, Any]:
    """Mean of the finite per-replication values and its 95 % t interval (None with fewer than two).

    A ``share`` (0..1) has its interval clipped to [0, 1], a ``nonnegative`` figure (hours, yuan,
    counts) to [0, inf).
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {"mean": None, "ci95": None, "n": 0}
    mean = float(finite.mean())
    if finite.size < 2:
        return {"mean": round(mean, digits), "ci95": None, "n": int(finite.size)}
    half = float(stats.t.ppf(0.975, finite.size - 1) * finite.std(ddof=1) / math.sqrt(finite.size))
    low, high = mean - half, mean + half
    if share or nonnegative:
        low = max(0.0, low)
    if share:
        high = min(1.0, high)
    return {"mean": round(mean, digits), "ci95": [round(low, digits), round(high, digits)], "n": int(finite.size)}


def contains(figure: dict[str, Any], value: float) -> bool:
    """Whether a figure's 95 % interval contains ``value``."""
    low, high = figure["ci95"]
    return bool(low <= value <= high)


def merge(parts: list[ReplicationResult]) -> ReplicationResult:
    """Join chunks of replications in replication order."""
    parts = sorted(parts, key=lambda p: int(p.index[0]) if p.index.size else -1)
    names = [name for name in ReplicationResult.__dataclass_fields__ if name != "chunk"]
    return ReplicationResult(-1, **{name: np.concatenate([getattr(p, name) for p in parts]) for name in names})


def summarise(model: YearModel, run: YearRun, result: ReplicationResult) -> dict[str, Any]:
    """Per standard, per team, the queue, Little's law, the worst hours and the timeline (see the module)."""
    counted_min = result.counted_min
    covered_rows = result.covered
    standards = []
    for k, standard in enumerate(model.standard_ids):
        rows = np.flatnonzero(model.row_standard == k)
        met = interval(result.met[:, k], share=True)
        standards.append({
            "standard": standard,
            "max_min": float(model.standard_max_min[k]),
            "min_share": float(model.standard_min_share[k]),
            "incidents": interval(result.applied[:, k], digits=1, nonnegative=True),
            "met_share": met,
            "met": None if met["mean"] is None else rule.share_met(met["mean"], float(model.standard_min_share[k])),
            "covered_time_share": interval(covered_rows[:, rows].mean(axis=1), share=True) if rows.size else interval(
                np.full(len(result.index), np.nan)),
            "p50_min": interval(result.p50_min[:, k], digits=2, nonnegative=True),
            "p90_min": interval(result.p90_min[:, k], digits=2, nonnegative=True),
            "histogram": {"edges_min": [round(float(e), 2) for e in histogram_edges(float(model.standard_max_min[k]))],
                          "incidents": [round(float(c), 2) for c in result.response_histogram[:, k, :-1].mean(axis=0)],
                          "beyond": round(float(result.response_histogram[:, k, -1].mean()), 2)},
        })
    sites: list[dict[str, Any]] = sorted(
        ({"site": model.place_ids[int(model.row_place[r])], "standard": model.standard_ids[int(model.row_standard[r])],
          "covered_time_share": interval(covered_rows[:, r], share=True)} for r in range(model.n_rows)),
        key=lambda s: (s["covered_time_share"]["mean"] or 0.0, s["site"]))
    hours_counted = counted_min / 60.0
    teams: list[dict[str, Any]] = sorted(({
        "team": model.unit_ids[j],
        "type": model.unit_types[j],
        "region": model.unit_region[j],
        "utilisation": interval(result.unit_busy_h[:, j] / hours_counted, share=True),
        "busy_hours": interval(result.unit_busy_h[:, j], digits=1, nonnegative=True),
        "cross_region_hours": interval(result.unit_cross_h[:, j], digits=1, nonnegative=True),
        "compensation_yuan": interval(result.unit_compensation[:, j], digits=0, nonnegative=True),
        "dispatches": interval(result.unit_dispatches[:, j], digits=1, nonnegative=True),
    } for j in range(model.n_units)), key=lambda t: (-(t["utilisation"]["mean"] or 0.0), t["team"]))
    rate_per_min = result.expected_incidents / counted_min
    return {
        "incidents": interval(result.incidents, digits=1, nonnegative=True),
        "expected_incidents": round(float(result.expected_incidents.mean()), 1),
        "unserved_incidents": interval(result.unserved, digits=1, nonnegative=True),
        "standards": standards,
        "least_covered_sites": sites[:10],
        "teams": teams,
        "queue": {"waited_share": interval(result.waited, share=True),
                  "wait_min": interval(result.wait_min, digits=2, nonnegative=True)},
        "little": {
            "busy_units": interval(result.busy_mean),
            "arrival_rate_per_h": round(float(rate_per_min.mean() * 60), 4),
            "busy_min_per_incident": interval(result.busy_per_incident_min, digits=2),
            "rate_times_busy": interval(rate_per_min * result.busy_per_incident_min),
        },
        "peak_incidents": interval(result.peak_incidents, digits=1, nonnegative=True),
        "move_ups": interval(result.moves, digits=1, nonnegative=True),
        "move_up_drive_min": interval(result.move_min, digits=1, nonnegative=True),
        "retained_relaxed": interval(result.retained_relaxed, digits=1),
        "worst_hours": worst_hours(result),
        "timeline": timeline(run, result),
    }


def worst_hours(result: ReplicationResult) -> list[dict[str, Any]]:
    """Return the hours with the largest uncovered share (mean over replications), then most simultaneous incidents."""
    uncovered = result.hourly_uncovered.mean(axis=0)
    peak = result.hourly_peak.mean(axis=0)
    order = np.lexsort((-peak, -uncovered))[:WORST_HOURS]
    return [{"hour": int(h), "day": int(h // 24), "hour_of_day": int(h % 24),
             "uncovered_share": round(float(uncovered[h]), 4), "simultaneous_incidents": round(float(peak[h]), 2),
             "incidents": round(float(result.hourly_incidents[:, h].mean()), 2)} for h in order]


def timeline(run: YearRun, result: ReplicationResult) -> dict[str, Any]:
    """Hourly (short periods) or daily series, means over replications: incidents, peak simultaneous, uncovered."""
    hours = result.hourly_incidents.shape[1]
    step = 1 if run.days <= TIMELINE_HOURLY_MAX_DAYS else 24
    buckets = int(math.ceil(hours / step))
    pad = buckets * step - hours

    def folded(array: np.ndarray, how: str) -> np.ndarray:
        padded = np.pad(array, ((0, 0), (0, pad)))
        shaped = padded.reshape(array.shape[0], buckets, step)
        return shaped.max(axis=2) if how == "max" else (shaped.sum(axis=2) if how == "sum" else shaped.mean(axis=2))

    return {
        "unit": "hour" if step == 1 else "day",
        "start_min": [round(b * step * 60.0, 1) for b in range(buckets)],
        "incidents": [round(float(v), 3) for v in folded(result.hourly_incidents, "sum").mean(axis=0)],
        "simultaneous_incidents": [round(float(v), 3) for v in folded(result.hourly_peak, "max").mean(axis=0)],
        "uncovered_share": [round(float(v), 4) for v in folded(result.hourly_uncovered, "mean").mean(axis=0)],
        "minutes_per_day": MINUTES_PER_DAY,
    }


def difference(model: YearModel, a: ReplicationResult, b: ReplicationResult) -> dict[str, Any]:
    """``b - a`` per replication (same seeds: common random numbers), with the interval of the differences."""
    if not np.array_equal(a.index, b.index):
        raise ValueError("a comparison needs the same replications on both sides")
    out_standards = []
    with np.errstate(invalid="ignore"):  # inf - inf (nobody arrived in either run) is no difference: nan
        p90 = b.p90_min - a.p90_min
    for k, standard in enumerate(model.standard_ids):
        rows = np.flatnonzero(model.row_standard == k)
        covered = (b.covered[:, rows].mean(axis=1) - a.covered[:, rows].mean(axis=1)) if rows.size else \
            np.full(a.index.size, np.nan)
        out_standards.append({
            "standard": standard,
            "met_share": interval(b.met[:, k] - a.met[:, k]),
            "covered_time_share": interval(covered),
            "p90_min": interval(p90[:, k], digits=2),
        })
    hours = a.counted_min / 60.0
    return {
        "standards": out_standards,
        "waited_share": interval(b.waited - a.waited),
        "busy_units": interval(b.busy_mean - a.busy_mean),
        "utilisation_by_team": [{"team": model.unit_ids[j], "utilisation": interval(
            (b.unit_busy_h[:, j] - a.unit_busy_h[:, j]) / hours)} for j in range(model.n_units)],
        "compensation_yuan": interval(b.unit_compensation.sum(axis=1) - a.unit_compensation.sum(axis=1), digits=0),
    }
