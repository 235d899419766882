"""Worker processes forked once per graph that fill rows of an origins x columns matrix, kept between calls.

Forking per matrix costs more than it seems: the child starts late and both processes then copy, page
by page, the heap they share copy-on-write (a Jinan matrix of 200 origins to every node took 0.14 s on
two processes against 0.245 s on one, 1.7x; the same work on processes forked once, 1.9x). So the
children are forked once for a graph and wait for tasks; each call hands out origins in blocks from a
shared counter (guided self-scheduling: large blocks first, single origins last, so the processes end
together), a child writes its rows into a shared memory map and says which rows it wrote, and this
process copies them into the answer. The pool is rebuilt when the graph, the worker count or the
needed size changes, in a process forked from the owner (it is not theirs), and after a child died.
"""

from __future__ import annotations

import gc
import mmap
import os
import threading
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Any

import numpy as np

from geodata.errors import GeodataError

RowSearch = Callable[[Any, np.ndarray, np.ndarray | None, float | None], np.ndarray]
"""``(graph, origins, destinations, cutoff) -> len(origins) x columns`` rows of float64."""

KEEP_BYTES = 64 * 2**20
"""A shared map larger than this gives its pages back after each call (it keeps its address range)."""

_CONTEXT = get_context("fork")


class RowPool:
    """``workers - 1`` forked children and this process searching the rows of one graph together."""

    def __init__(self, graph: Any, search: RowSearch, workers: int, capacity: int) -> None:
        self.graph = graph
        self.search = search
        self.workers = workers
        self.capacity = capacity
        self.owner = os.getpid()
        self.buffer = mmap.mmap(-1, max(8, capacity))
        self.shared = np.ndarray((max(8, capacity) // 8,), dtype=np.float64, buffer=self.buffer)
        self.taken: Synchronized = _CONTEXT.Value("q", 0)
        self.tasks: list[Connection] = []
        self.answers: list[Connection] = []
        self.children: list[Any] = []
        for _ in range(workers - 1):
            task_in, task_out = _CONTEXT.Pipe(duplex=False)
            answer_in, answer_out = _CONTEXT.Pipe(duplex=False)
            child = _CONTEXT.Process(target=self._serve, args=(task_in, answer_out), daemon=True)
            child.start()
            task_in.close()
            answer_out.close()
            self.tasks.append(task_out)
            self.answers.append(answer_in)
            self.children.append(child)

    def fits(self, graph: Any, search: RowSearch, workers: int, size: int) -> bool:
        """Whether this pool, in this process, can answer for ``graph`` with ``workers`` in ``size`` bytes."""
        return (graph is self.graph and search is self.search and workers == self.workers and size <= self.capacity
                and os.getpid() == self.owner and len(self.children) == self.workers - 1  # not closed
                and all(child.is_alive() for child in self.children))

    def rows(self, origins: np.ndarray, destinations: np.ndarray | None, cutoff: float | None) -> np.ndarray:
        """Search every origin once, across the pool, and return the matrix (a fresh array of this process)."""
        columns = self.graph.shape[0] if destinations is None else destinations.size
        result = np.empty((origins.size, columns))
        with self.taken.get_lock():
            self.taken.value = 0
        task = (origins, destinations, cutoff)
        failed = False
        for pipe in self.tasks:
            try:
                pipe.send(task)
            except OSError:  # the child died since the last call
                failed = True
        for start, stop in self._claims(origins.size):
            result[start:stop] = self.search(self.graph, origins[start:stop], destinations, cutoff)
        view = self.shared[: origins.size * columns].reshape(origins.size, columns)
        for pipe in self.answers:
            try:
                for start, stop in pipe.recv():
                    result[start:stop] = view[start:stop]
            except EOFError:
                failed = True
        if origins.size * columns * 8 > KEEP_BYTES:
            self.buffer.madvise(mmap.MADV_REMOVE)
        if failed:
            self.close()
            raise GeodataError("a matrix worker process failed")
        return result

    def close(self) -> None:
        """Tell the children to end (they also end with this process) and wait for them."""
        for pipe in self.tasks:
            try:
                pipe.send(None)
            except OSError:  # the child is gone already
                pass
            pipe.close()
        for child in self.children:
            child.join(timeout=5)
        for pipe in self.answers:
            pipe.close()
        self.children, self.tasks, self.answers = [], [], []

    def _claims(self, total: int) -> Any:
        """Yield ``(start, stop)`` blocks of origins taken from the shared counter until none is left."""
        while True:
            with self.taken.get_lock():
                start = int(self.taken.value)
                stop = min(total, start + max(1, (total - start) // (4 * self.workers)))
                self.taken.value = stop
            if start >= stop:
                return
            yield start, stop

    def _serve(self, tasks: Connection, answers: Connection) -> None:
        """Serve tasks in a child: search claimed blocks into the shared map and answer which rows."""
        # A forked child only allocates arrays: keep the collector from walking (and so copying) the
        # parent's heap it shares copy-on-write.
        gc.disable()
        while True:
            try:
                task = tasks.recv()
            except EOFError:
                return
            if task is None:
                return
            origins, destinations, cutoff = task
            columns = self.graph.shape[0] if destinations is None else destinations.size
            view = self.shared[: origins.size * columns].reshape(origins.size, columns)
            done = []
            for start, stop in self._claims(origins.size):
                view[start:stop] = self.search(self.graph, origins[start:stop], destinations, cutoff)
                done.append((start, stop))
            answers.send(done)


_pool: RowPool | None = None
_lock = threading.Lock()


def pooled_rows(graph: Any, search: RowSearch, origins: np.ndarray, destinations: np.ndarray | None,
                cutoff: float | None, workers: int) -> np.ndarray:
    """Return ``search``'s matrix of ``graph`` computed by this process and ``workers - 1`` kept children."""
    global _pool  # noqa: PLW0603 - one pool per process, reused across calls: the point of this module
    columns = graph.shape[0] if destinations is None else destinations.size
    size = origins.size * columns * 8
    with _lock:
        if _pool is not None and not _pool.fits(graph, search, workers, size):
            if _pool.owner == os.getpid():
                _pool.close()
            _pool = None  # a pool inherited by fork belongs to the parent: leave its children alone
        if _pool is None:
            capacity = 1 << max(20, (size - 1).bit_length())
            _pool = RowPool(graph, search, workers, capacity)
        return _pool.rows(origins, destinations, cutoff)


def close_pool() -> None:
    """End this process's pool, if any (tests and long-lived processes that want their children back)."""
    global _pool  # noqa: PLW0603 - see pooled_rows
    with _lock:
        if _pool is not None and _pool.owner == os.getpid():
            _pool.close()
        _pool = None
