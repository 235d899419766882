"""Replications of a year: serially, on local processes or on a Dask cluster, resumable, each counted once.

The replications run on the sweep's backends (:func:`planner.sweep.backends.run_chunks`): each chunk
is one replication (``(number, number, [number])``), the model goes to every worker once, a chunk whose
worker died is run again, late duplicates are dropped, and with a checkpoint folder each finished
replication is written there and not run again by the same run started anew. Replication ``r`` draws
only from generators seeded by ``(seed, r, ...)`` (:mod:`planner.year.engine`), so its figures are the
same on every backend and in every order. :func:`compare_years` runs two configurations on the same
seeds and reports their differences with intervals.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from planner.errors import InputError
from planner.sweep.backends import run_chunks
from planner.year.engine import ReplicationResult, run_replications
from planner.year.model import YearModel, YearRun, describe
from planner.year.parameters import MAX_REPLICATIONS
from planner.year.results import difference, merge, summarise

Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, message)``."""

MODEL_TEXT = ("discrete-event simulation (SimPy): Poisson arrivals by hour and month at the hazard sites and the "
              "areas' road points, units busy on scene and driving back, queueing when none is free")


@dataclass(frozen=True)
class YearResult:
    """A finished run: its settings, how it ran, the per-replication figures and the summary."""

    scenario: str
    run: YearRun
    seed: int
    replications: int
    backend: str
    workers: int
    resubmitted: int
    resumed: int
    duplicates_ignored: int
    wall_s: float
    records: ReplicationResult
    summary: dict[str, Any]
    model: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: run facts and the summary (the per-replication arrays are left out)."""
        return {
            "scenario": self.scenario,
            "days": self.run.days,
            "policy": self.run.policy,
            "rate_scale": self.run.rate_scale,
            "warmup_days": self.run.warmup_days,
            "move_up": self.run.move_up,
            "held_unit_days": round(sum(end - start for _, start, end in self.run.holds) / 1440.0, 2),
            "seed": self.seed,
            "replications": self.replications,
            "counted_replications": int(self.records.index.size),
            "backend": self.backend,
            "workers": self.workers,
            "resubmitted_replications": self.resubmitted,
            "resumed_replications": self.resumed,
            "duplicates_ignored": self.duplicates_ignored,
            "seconds": round(self.wall_s, 3),
            "model": MODEL_TEXT,
            "sizes": self.model,
            **self.summary,
        }


def run_year(model: YearModel, run: YearRun, *, replications: int, seed: int = 0, workers: int = 1,
             scheduler: str | None = None, checkpoint: str | Path | None = None,
             progress: Progress | None = None) -> YearResult:
    """Run ``replications`` independent replications of the period and summarise them.

    Parameters
    ----------
    model
        The scenario as arrays (:func:`planner.year.build.year_model`).
    run
        Period, policy, rate scale, holds and move-up.
    replications
        How many (1 .. :data:`~planner.year.parameters.MAX_REPLICATIONS`).
    seed
        Seed of every generator: same seed, same figures, on any backend.
    workers
        1 runs serially; more runs on this process and ``workers - 1`` local processes (with
        ``scheduler``, the cluster's workers are used).
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler, or ``"local"`` for a ``LocalCluster`` of ``workers``.
    checkpoint
        Folder to keep finished replications in; the same run started again resumes from them.
    progress
        Called with ``(fraction, message)`` as replications finish.

    Returns
    -------
    YearResult
        The summary with intervals; ``to_dict`` for JSON.

    """
    if isinstance(replications, bool) or not isinstance(replications, int) or \
            not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(f"replications must be an integer from 1 to {MAX_REPLICATIONS}, got {replications!r}",
                         field="replications")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}", field="seed")
    model.check()
    run.check(model)
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    report(0.01, f"{replications} replications of {run.days:g} days")
    specs = [(r, r, np.array([r], dtype=np.int64)) for r in range(replications)]
    backend = "serial" if scheduler is None and workers == 1 else ("processes" if scheduler is None else "dask")
    folder = None if checkpoint is None else Path(checkpoint) / f"year-{model.fingerprint()}-{run.key()}-{seed}"
    outcome = run_chunks(model, specs, functools.partial(run_replications, run=run, seed=seed), backend=backend,
                         workers=workers, scheduler=scheduler, checkpoint=folder, progress=report,
                         result_type=ReplicationResult, unit="replications")
    records = merge([outcome.results[c] for c in sorted(outcome.results)])
    if not np.array_equal(records.index, np.arange(replications)):
        raise RuntimeError(f"year lost or duplicated replications: {records.index.tolist()}")
    summary = summarise(model, run, records)
    report(1.0, f"{replications} replications done")
    return YearResult(model.scenario, run, seed, replications, backend, outcome.workers, outcome.resubmitted,
                      outcome.resumed, outcome.duplicates, time.perf_counter() - started, records, summary,
                      describe(model))


def compare_years(model: YearModel, first: YearRun, second: YearRun, *, replications: int, seed: int = 0,
                  workers: int = 1, scheduler: str | None = None, progress: Progress | None = None,
                  second_model: YearModel | None = None) -> dict[str, Any]:
    """Run two configurations on the same seeds; return both summaries and ``second - first`` with intervals.

    ``second_model`` (the second configuration's roads, say) must have the first's units, places, sources and
    rows, so that replication ``r`` draws the same incidents on both sides (common random numbers).
    """
    report = progress or (lambda fraction, message: None)
    if second_model is not None and (second_model.unit_ids, second_model.place_ids, second_model.source_ids,
                                     second_model.n_rows) != (model.unit_ids, model.place_ids, model.source_ids,
                                                              model.n_rows):
        raise InputError("the second configuration's model has other units, places or sources: the two runs "
                         "would not draw the same incidents", field="second_model")
    a = run_year(model, first, replications=replications, seed=seed, workers=workers, scheduler=scheduler,
                 progress=lambda f, m: report(0.5 * f, f"first: {m}"))
    b = run_year(second_model or model, second, replications=replications, seed=seed, workers=workers,
                 scheduler=scheduler, progress=lambda f, m: report(0.5 + 0.5 * f, f"second: {m}"))
    return {"first": a.to_dict(), "second": b.to_dict(), "difference": difference(model, a.records, b.records)}


def with_changes(run: YearRun, **changes: Any) -> YearRun:
    """Return the run with some settings changed (the comparison's second configuration)."""
    return replace(run, **{k: v for k, v in changes.items() if v is not None})
