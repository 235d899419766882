"""Where a sweep's chunks run: in this process, on local processes, or on a Dask cluster.

The engine hands a backend the model and the chunk function (``evaluate(model, *spec)``, a picklable
module-level function or ``functools.partial`` of one); a backend never imports the engine. Every
backend follows the same contract, so a sweep's records do not depend on it:

- the model (for a sweep, :class:`~planner.sweep.engine.SweepModel`: the travel-time matrix and the
  small tables, not the graph) is sent to each worker once, with the chunk function: as the process
  pool's initializer arguments, or with Dask's ``Client.scatter(model, broadcast=True)``, and every
  task refers to it;
- chunks are collected by number and only the first result of a chunk is kept (a late duplicate is
  counted in ``duplicates`` and dropped);
- a chunk whose worker died is run again: a broken process pool is rebuilt and the unfinished chunks
  resubmitted; on Dask the scheduler reschedules the tasks of a lost worker itself, and a task that
  still fails for a lost worker (``KilledWorker``, a lost scattered model, a cancelled future) is
  resubmitted by this loop, re-scattering the model when needed. Errors of the planner's own (bad input)
  are raised at once; each chunk is tried at most ``MAX_ATTEMPTS`` times;
- with a checkpoint folder, each finished chunk is written there (``chunk-NNNNN.npz``, atomically) and
  chunks found there are not run again.

The workers of an existing Dask cluster (``--scheduler tcp://HOST:PORT``) must run the same version of
this project and its requirements (``dask``, ``distributed``), since the model and the chunk function
travel by pickle reference to their module (``planner.sweep.engine``); they never need the scenario
files or the network.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import distributed
import numpy as np

from geodata.errors import GeodataError
from planner.errors import InputError, PlannerError
from planner.sweep.chunks import RECORD_FIELDS, ChunkFunction, ChunkResult, ChunkSpec, install_model, process_chunk

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
"""Times a chunk is tried before the sweep gives up (a chunk that kills every worker it touches)."""

@dataclass
class Outcome:
    """Chunk results by number, and what it took to get them."""

    results: dict[int, ChunkResult] = field(default_factory=dict)
    workers: int = 1
    resubmitted: int = 0
    resumed: int = 0
    duplicates: int = 0


class _Collector:
    """Keeps the first result of each chunk, writes checkpoints and reports progress."""

    def __init__(
        self, specs: Sequence[ChunkSpec], checkpoint: Path | None, progress: Callable[[float, str], None]
    ) -> None:
        self.outcome = Outcome()
        self.sizes = {spec[0]: len(spec[2]) for spec in specs}
        self.total = sum(self.sizes.values())
        self.checkpoint = checkpoint
        self.progress = progress
        if checkpoint is not None:
            checkpoint.mkdir(parents=True, exist_ok=True)
            for number in self.sizes:
                found = _load_chunk(checkpoint, number)
                if found is not None:
                    self.outcome.results[number] = found
                    self.outcome.resumed += 1
            if self.outcome.resumed:
                log.info("sweep: resuming, %d chunks found in %s", self.outcome.resumed, checkpoint)

    def pending(self, specs: Sequence[ChunkSpec]) -> list[ChunkSpec]:
        return [spec for spec in specs if spec[0] not in self.outcome.results]

    def add(self, result: ChunkResult) -> None:
        if result.chunk in self.outcome.results:
            self.outcome.duplicates += 1
            return
        self.outcome.results[result.chunk] = result
        if self.checkpoint is not None:
            _save_chunk(self.checkpoint, result)
        done = sum(self.sizes[c] for c in self.outcome.results)
        self.progress(0.02 + 0.96 * done / self.total, f"{done} of {self.total} incidents")


def run_chunks(
    model: Any,
    specs: Sequence[ChunkSpec],
    evaluate: ChunkFunction,
    *,
    backend: str,
    workers: int,
    scheduler: str | None,
    checkpoint: Path | None,
    progress: Callable[[float, str], None],
) -> Outcome:
    """Run ``evaluate(model, *spec)`` for every chunk on the backend (``serial``, ``processes`` or ``dask``).

    ``model`` and ``evaluate`` must pickle (for processes and Dask); ``evaluate`` must be a pure
    function of its arguments, so a chunk run twice gives the same records twice.
    """
    collector = _Collector(specs, checkpoint, progress)
    todo = collector.pending(specs)
    if backend == "serial" or not todo:
        for spec in todo:
            collector.add(evaluate(model, *spec))
    elif backend == "processes":
        _run_processes(model, evaluate, todo, workers, collector)
    else:
        _run_dask(model, evaluate, todo, workers, scheduler or "local", collector)
    return collector.outcome


# ---------------------------------------------------------------------------------------------
# local processes

def _module_of(evaluate: ChunkFunction) -> str:
    """Return the module that defines the chunk function (through a ``functools.partial``)."""
    inner = getattr(evaluate, "func", evaluate)
    return str(getattr(inner, "__module__", __name__))


def _run_processes(
    model: Any, evaluate: ChunkFunction, todo: list[ChunkSpec], workers: int, collector: _Collector
) -> None:
    """Run on ``workers`` processes (forkserver: safe from a threaded web app), rebuilt if one dies."""
    collector.outcome.workers = workers
    attempts = {spec[0]: 0 for spec in todo}
    context = multiprocessing.get_context("forkserver")
    # The server imports the chunk function's module once; workers fork from it and unpickle
    # ``install_model`` from ``planner.sweep.chunks``: neither imports this module nor Dask.
    context.set_forkserver_preload([_module_of(evaluate)])
    while True:
        todo = collector.pending(todo)
        if not todo:
            return
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=install_model, initargs=(model, evaluate)
        ) as pool:
            running: dict[Future[ChunkResult], int] = {}
            for spec in todo:
                attempts[spec[0]] += 1
                if attempts[spec[0]] > MAX_ATTEMPTS:
                    raise RuntimeError(
                        f"sweep chunk {spec[0]} failed {MAX_ATTEMPTS} times (its worker died each time)"
                    )
                running[pool.submit(process_chunk, spec)] = spec[0]
            broken = False
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    running.pop(future)
                    try:
                        collector.add(future.result())
                    except BrokenProcessPool:
                        broken = True
            if broken:
                collector.outcome.resubmitted += len(collector.pending(todo))
                log.warning(
                    "sweep: a worker process died; resubmitting %d chunks", len(collector.pending(todo))
                )


# ---------------------------------------------------------------------------------------------
# Dask


def _run_dask(
    model: Any,
    evaluate: ChunkFunction,
    todo: list[ChunkSpec],
    workers: int,
    scheduler: str,
    collector: _Collector,
) -> None:
    """Chunks as Dask futures on a cluster (``"local"``: a ``LocalCluster`` of single-threaded processes)."""
    dask: Any = distributed  # untyped library
    Client, LocalCluster, as_completed = dask.Client, dask.LocalCluster, dask.as_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler}: {error}", field="scheduler"
            ) from None
    try:
        collector.outcome.workers = len(client.scheduler_info().get("workers", {}))
        token = uuid.uuid4().hex[:8]
        shared = client.scatter(model, broadcast=True, hash=False)
        attempts: dict[int, int] = {}
        by_key: dict[str, ChunkSpec] = {}

        def submit(spec: ChunkSpec) -> Any:
            attempts[spec[0]] = attempts.get(spec[0], 0) + 1
            if attempts[spec[0]] > MAX_ATTEMPTS:
                raise RuntimeError(f"sweep chunk {spec[0]} failed {MAX_ATTEMPTS} times (its workers died)")
            key = f"sweep-{token}-{spec[0]}-{attempts[spec[0]]}"
            by_key[key] = spec
            return client.submit(evaluate, shared, *spec, key=key, pure=False)

        queue = as_completed([submit(spec) for spec in todo])
        for future in queue:
            spec = by_key.pop(future.key)
            try:
                result = future.result()
            except (PlannerError, GeodataError):
                raise
            except Exception as error:  # a lost worker: KilledWorker, CancelledError, CommClosedError...
                log.warning(
                    "sweep: chunk %d lost (%s: %s); resubmitting", spec[0], type(error).__name__, error
                )
                collector.outcome.resubmitted += 1
                if shared.status != "finished":
                    shared = client.scatter(model, broadcast=True, hash=False)
                queue.add(submit(spec))
                continue
            finally:
                future.release()
            collector.add(result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------------------------------
# checkpoints

def _save_chunk(folder: Path, result: ChunkResult) -> None:
    path = folder / f"chunk-{result.chunk:05d}.npz"
    partial = folder / f".chunk-{result.chunk:05d}-{os.getpid()}.npz"
    with open(partial, "wb") as handle:
        np.savez(handle, **{name: getattr(result, name) for name in RECORD_FIELDS})
    os.replace(partial, path)


def _load_chunk(folder: Path, number: int) -> ChunkResult | None:
    path = folder / f"chunk-{number:05d}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            return ChunkResult(number, *(data[name] for name in RECORD_FIELDS))
    except (OSError, ValueError, KeyError):
        log.warning("sweep: ignoring unreadable checkpoint %s", path)
        return None
