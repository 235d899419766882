"""Where a sweep's chunks run: in this process, on local processes, or on a Dask cluster.

The engine hands a backend the model and the chunk function (``evaluate(model, *spec)``, a picklable
module-level function or ``functools.partial`` of one); a backend never imports the engine. Every
backend follows the same contract, so a sweep's records do not depend on it:

- the model (for a sweep, :class:`~planner.sweep.engine.SweepModel`: the travel-time matrix and the
  small tables, not the graph) is sent to each worker once, with the chunk function: as the process
  pool's initializer arguments, or with Dask's ``Client.scatter(model, broadcast=True)``, and every
  task refers to it;
- with local processes, ``workers`` counts this process: it evaluates chunks itself while ``workers -
  1`` pool processes take chunks from the same queue. The pool forks from this process when it runs
  no other thread (nothing to start or import), else from a fork server whose start overlaps with
  this process's work (bench/sweep.py prints the speed-up over serial);
- chunks are collected by number and only the first result of a chunk is kept (a late duplicate is
  counted in ``duplicates`` and dropped);
- a chunk whose worker died is run again: a broken process pool is rebuilt and the unfinished chunks
  resubmitted to the pool (never to this process, which a chunk that kills its worker would kill too);
  on Dask the scheduler reschedules the tasks of a lost worker itself, and a task that still fails
  for a lost worker (``KilledWorker``, a lost scattered model, a cancelled future) is resubmitted by
  this loop, re-scattering the model when needed. Errors of the planner's own (bad input)
  are raised at once; each chunk is tried at most ``MAX_ATTEMPTS`` times;
- with a checkpoint folder, each finished chunk is written there (``chunk-NNNNN.npz``, atomically) and
  chunks found there are not run again.

A chunk is ``(chunk number, first item, item arrays...)`` and its result a frozen dataclass whose first
field is ``chunk`` and whose other fields are numeric arrays (``result_type``: a sweep's
:class:`~planner.sweep.chunks.ChunkResult` by default; the year model's replications bring their own),
so the same loop, retries and checkpoints serve incidents and replications alike.

The workers of an existing Dask cluster (``--scheduler tcp://HOST:PORT``) must run the same version of
this project and its requirements (``dask``, ``distributed``), since the model and the chunk function
travel by pickle reference to their module (``planner.sweep.engine``); they never need the scenario
files or the network.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from multiprocessing.context import BaseContext
from pathlib import Path
from queue import SimpleQueue
from typing import Any

import distributed
import numpy as np
from distributed.comm import connect

from geodata.errors import GeodataError
from planner.errors import InputError, PlannerError
from planner.sweep.chunks import ChunkResult, install_model, process_chunk

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
"""How long a sweep waits for a Dask scheduler to answer before it fails."""
ChunkSpec = tuple[Any, ...]
"""``(chunk number, first item, item arrays...)``: a sweep's :data:`planner.sweep.chunks.ChunkSpec` or any like it."""
ChunkFunction = Callable[..., Any]
"""``evaluate(model, *spec)``: the chunk's result, a dataclass of arrays whose first field is ``chunk``."""
MAX_ATTEMPTS = 4
"""Times a chunk is tried before the sweep gives up (a chunk that kills every worker it touches)."""
IN_FLIGHT = 2
"""Chunks submitted ahead per pool process, so it finds its next chunk while this process is busy."""

@dataclass
class Outcome:
    """Chunk results by number, and what it took to get them."""

    results: dict[int, Any] = field(default_factory=dict)
    workers: int = 1
    resubmitted: int = 0
    resumed: int = 0
    duplicates: int = 0


class _Collector:
    """Keeps the first result of each chunk, writes checkpoints and reports progress."""

    def __init__(
        self,
        specs: Sequence[ChunkSpec],
        checkpoint: Path | None,
        progress: Callable[[float, str], None],
        *,
        result_type: type[Any] = ChunkResult,
        unit: str = "incidents",
    ) -> None:
        self.outcome = Outcome()
        self.sizes = {spec[0]: len(spec[2]) for spec in specs}
        self.total = sum(self.sizes.values())
        self.checkpoint = checkpoint
        self.progress = progress
        self.unit = unit
        if checkpoint is not None:
            checkpoint.mkdir(parents=True, exist_ok=True)
            for number in self.sizes:
                found = _load_chunk(checkpoint, number, result_type)
                if found is not None:
                    self.outcome.results[number] = found
                    self.outcome.resumed += 1
            if self.outcome.resumed:
                log.info("sweep: resuming, %d chunks found in %s", self.outcome.resumed, checkpoint)

    def pending(self, specs: Sequence[ChunkSpec]) -> list[ChunkSpec]:
        return [spec for spec in specs if spec[0] not in self.outcome.results]

    def add(self, result: Any) -> None:
        if result.chunk in self.outcome.results:
            self.outcome.duplicates += 1
            return
        self.outcome.results[result.chunk] = result
        if self.checkpoint is not None:
            _save_chunk(self.checkpoint, result)
        done = sum(self.sizes[c] for c in self.outcome.results)
        self.progress(0.02 + 0.96 * done / self.total, f"{done} of {self.total} {self.unit}")


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
    result_type: type[Any] = ChunkResult,
    unit: str = "incidents",
) -> Outcome:
    """Run ``evaluate(model, *spec)`` for every chunk on the backend (``serial``, ``processes`` or ``dask``).

    ``model`` and ``evaluate`` must pickle (for processes and Dask); ``evaluate`` must be a pure
    function of its arguments, so a chunk run twice gives the same records twice. ``result_type`` is
    the dataclass ``evaluate`` returns (read back from checkpoints), ``unit`` what a chunk's items are
    called in progress messages.
    """
    collector = _Collector(specs, checkpoint, progress, result_type=result_type, unit=unit)
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


class _ChunkQueue:
    """Chunks not yet taken, shared by this process and the thread feeding the pool.

    Chunks whose pool worker died come back as retries, which only the pool takes: a chunk that kills
    the process running it must not run in this one.
    """

    def __init__(self, specs: Sequence[ChunkSpec]) -> None:
        self._fresh = deque(specs)
        self._retries: deque[ChunkSpec] = deque()
        self._lock = threading.Lock()

    def take(self, *, retries: bool) -> ChunkSpec | None:
        """Next chunk (retries first when ``retries``), or None when there is none."""
        with self._lock:
            if retries and self._retries:
                return self._retries.popleft()
            return self._fresh.popleft() if self._fresh else None

    def retry(self, spec: ChunkSpec) -> None:
        """Give back a chunk whose worker died, for the pool to run again."""
        with self._lock:
            self._retries.append(spec)


def _run_processes(
    model: Any, evaluate: ChunkFunction, todo: list[ChunkSpec], workers: int, collector: _Collector
) -> None:
    """Run on this process and a pool of ``workers - 1`` processes, fed by a thread; results collected here.

    This process evaluates chunks from the same queue as the pool. When it runs no other thread (the
    CLI, a script) the pool forks from it at once, with nothing to import; otherwise (a web app's job
    thread) the pool starts from a fork server (safe with threads), in the feeding thread, so the new
    interpreter's imports overlap with this process's work. A pool rebuilt after a worker died always
    uses the fork server.
    """
    collector.outcome.workers = workers
    pool = _Pool(model, evaluate, _ChunkQueue(todo), workers - 1, collector.outcome)
    if threading.active_count() == 1:
        pool.start(multiprocessing.get_context("fork"))
    done: SimpleQueue[Any] = SimpleQueue()
    stop = threading.Event()
    feeder = threading.Thread(target=pool.feed, args=(done, stop), name="sweep-pool", daemon=True)
    feeder.start()
    try:
        pool_done = False
        while (spec := pool.queue.take(retries=False)) is not None:
            collector.add(evaluate(model, *spec))
            while not pool_done and not done.empty():
                pool_done = _collect(done.get(), collector)
        while not pool_done:
            pool_done = _collect(done.get(), collector)
    finally:
        stop.set()
        feeder.join()


def _collect(item: Any, collector: _Collector) -> bool:
    """Add a pool result to the collector or raise the pool's error; True at the pool's end (None)."""
    if isinstance(item, BaseException):
        raise item
    if item is None:
        return True
    collector.add(item)
    return False


class _Pool:
    """The pool processes of a local sweep and the chunks they run (two in flight per process).

    A broken pool (a worker died) is shut down, the chunks it lost go back to the queue as retries and a
    new pool takes over; each chunk is submitted at most ``MAX_ATTEMPTS`` times.
    """

    def __init__(self, model: Any, evaluate: ChunkFunction, queue: _ChunkQueue, size: int, outcome: Outcome) -> None:
        self.model = model
        self.evaluate = evaluate
        self.queue = queue
        self.size = size
        self.outcome = outcome
        self.executor: ProcessPoolExecutor | None = None
        self.running: dict[Future[Any], ChunkSpec] = {}
        self.attempts: dict[int, int] = {}

    def start(self, context: BaseContext) -> None:
        """Start the pool on ``context`` and give it its first chunks (its processes start with them)."""
        self.executor = ProcessPoolExecutor(
            max_workers=self.size, mp_context=context, initializer=install_model, initargs=(self.model, self.evaluate)
        )
        self._fill()

    def _fill(self) -> None:
        assert self.executor is not None
        while len(self.running) < IN_FLIGHT * self.size and (spec := self.queue.take(retries=True)) is not None:
            self.attempts[spec[0]] = self.attempts.get(spec[0], 0) + 1
            if self.attempts[spec[0]] > MAX_ATTEMPTS:
                raise RuntimeError(f"sweep chunk {spec[0]} failed {MAX_ATTEMPTS} times (its worker died each time)")
            self.running[self.executor.submit(process_chunk, spec)] = spec

    def feed(self, done: SimpleQueue[Any], stop: threading.Event) -> None:
        """Thread body: run chunks until the queue has none for the pool; results, or an error, then None."""
        try:
            while not stop.is_set():
                if self.executor is None:
                    context = multiprocessing.get_context("forkserver")
                    # The server imports the chunk function's module once; workers fork from it and unpickle
                    # ``install_model`` from ``planner.sweep.chunks``: neither imports this module nor Dask.
                    context.set_forkserver_preload([_module_of(self.evaluate)])
                    self.start(context)
                if not self.running:
                    return
                finished, _ = wait(self.running, return_when=FIRST_COMPLETED)
                if self._collect(finished, done):
                    self._fill()
                    continue
                # The pool is broken: its other chunks fail too. Give them all back and start a new pool.
                self._collect(wait(self.running).done, done)
                assert self.executor is not None
                self.executor.shutdown(wait=True)
                self.executor = None
        except BaseException as error:  # noqa: BLE001 - handed to the collecting thread, which raises it
            done.put(error)
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=True, cancel_futures=True)
            done.put(None)

    def _collect(
        self, finished: set[Future[Any]], done: SimpleQueue[Any]
    ) -> bool:
        """Hand finished chunks to ``done``; chunks lost with a dead worker go back as retries. False if any."""
        lost = []
        for future in finished:
            spec = self.running.pop(future)
            try:
                done.put(future.result())
            except BrokenProcessPool:
                lost.append(spec)
        for spec in lost:
            self.queue.retry(spec)
        if lost:
            self.outcome.resubmitted += len(lost)
            log.warning("sweep: a worker process died; resubmitting %d chunks", len(lost))
        return not lost


# ---------------------------------------------------------------------------------------------
# Dask


def check_scheduler_answers(address: str, timeout_s: float | None = None) -> None:
    """Raise ``InputError`` unless a Dask scheduler answers at ``address`` within ``timeout_s`` (connect and greeting).

    ``distributed.Client(address, timeout=...)`` limits the TCP connect only: it then waits for the
    scheduler's greeting without a limit, so an address that accepts the connection and never answers
    (a wrong port of some other server, a half-open firewall) held a sweep for ever. This probe does the
    same connect and greeting under one deadline.
    """
    limit = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s

    async def probe() -> None:
        comm = await connect(address, timeout=limit)
        await comm.close()

    failures: list[BaseException] = []

    def run() -> None:  # in a thread of its own: the caller may be inside an event loop (Dask's, a test's)
        try:
            asyncio.run(asyncio.wait_for(probe(), limit))
        except BaseException as error:  # handed to the caller below
            failures.append(error)

    probing = threading.Thread(target=run, daemon=True, name="dask-scheduler-probe")
    probing.start()
    probing.join(limit + 5)
    if probing.is_alive() or (failures and isinstance(failures[0], TimeoutError)):
        raise InputError(
            f"cannot reach the Dask scheduler at {address}: it did not answer within {limit:g} s",
            field="scheduler",
        )
    if failures:  # refused, unreachable, or something that is not a Dask scheduler answering
        error = failures[0]
        raise InputError(
            f"cannot reach the Dask scheduler at {address}: {type(error).__name__}: {error}"[:500],
            field="scheduler",
        )


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
        check_scheduler_answers(scheduler)
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S:g}s")
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

def _array_fields(result_type: type[Any]) -> tuple[str, ...]:
    """Return the array fields of a chunk result type: every dataclass field but ``chunk``."""
    return tuple(f.name for f in fields(result_type) if f.name != "chunk")


def _save_chunk(folder: Path, result: Any) -> None:
    path = folder / f"chunk-{result.chunk:05d}.npz"
    partial = folder / f".chunk-{result.chunk:05d}-{os.getpid()}.npz"
    with open(partial, "wb") as handle:
        np.savez(handle, **{name: getattr(result, name) for name in _array_fields(type(result))})
    os.replace(partial, path)


def _load_chunk(folder: Path, number: int, result_type: type[Any] = ChunkResult) -> Any | None:
    path = folder / f"chunk-{number:05d}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            return result_type(number, *(data[name] for name in _array_fields(result_type)))
    except (OSError, ValueError, KeyError):
        log.warning("sweep: ignoring unreadable checkpoint %s", path)
        return None
