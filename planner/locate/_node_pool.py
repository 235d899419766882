"""The open nodes of a best-first branch-and-bound, shared by the worker threads that solve them.

A worker takes the best open node (and keeps it, and the children it plunges into, until it calls
:meth:`NodePool.done`), puts back the children it does not follow, and waits while the pool is empty
but another worker may still add to it. The search is over when the pool is empty with no worker
busy, or when a worker stops it (the deadline): :meth:`NodePool.take` then answers None to everyone.
"""

from __future__ import annotations

import heapq
import threading
from typing import Any, Generic, TypeVar

__all__ = ["NodePool"]

T = TypeVar("T", bound=Any)

_WAIT_S = 0.05  # a waiting worker looks again this often (the deadline is checked by the busy one)


class NodePool(Generic[T]):
    """A heap of open nodes (smallest first), a count of busy workers, and a stop flag, under one lock."""

    def __init__(self, nodes: list[T]) -> None:
        self._heap = list(nodes)
        heapq.heapify(self._heap)
        self._changed = threading.Condition()
        self._busy = 0
        self.stopped = False

    def take(self) -> T | None:
        """Return the best open node (the caller is busy until :meth:`done`), or None when the search is over."""
        with self._changed:
            while not self.stopped:
                if self._heap:
                    self._busy += 1
                    return heapq.heappop(self._heap)
                if self._busy == 0:
                    self._changed.notify_all()
                    return None
                self._changed.wait(_WAIT_S)
            return None

    def put(self, node: T) -> None:
        """Add an open node."""
        with self._changed:
            heapq.heappush(self._heap, node)
            self._changed.notify()

    def done(self) -> None:
        """Record that the caller has finished the node it took (and its plunge)."""
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def stop(self, unfinished: list[T]) -> None:
        """End the search for every worker; the caller's ``unfinished`` nodes stay open (counted in the bound)."""
        with self._changed:
            for node in unfinished:
                heapq.heappush(self._heap, node)
            self._busy -= 1
            self.stopped = True
            self._changed.notify_all()

    def open_nodes(self) -> list[T]:
        """Return the nodes still open (after every worker has returned)."""
        with self._changed:
            return list(self._heap)
