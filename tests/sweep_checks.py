"""A sweep chunk function for the tests that is slow in one process only.

``slow_in(pid, seconds, model, *spec)`` evaluates the chunk as the sweep does, after sleeping when it
runs in process ``pid``: with ``pid`` the test's own process, the pool of a local-process sweep ends
its share long before this process ends its own chunk. It lives in a module of its own so the pool
processes can import it.
"""

from __future__ import annotations

import multiprocessing.forkserver as forkserver
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import psutil

from planner.sweep.engine import ChunkResult, evaluate_chunk


def slow_in(
    pid: int, seconds: float, model: Any, chunk: int, start: int, site: np.ndarray, template: np.ndarray,
    time_of_day: np.ndarray,
) -> ChunkResult:
    """Evaluate one chunk (seed 0), ``seconds`` later when in process ``pid``."""
    if os.getpid() == pid:
        time.sleep(seconds)
    return evaluate_chunk(model, chunk, start, site, template, time_of_day, seed=0)


def pool_processes() -> list[Any]:
    """The sweep pool's processes: forked from this one (same command line) or from the fork server."""
    me = psutil.Process()
    server = forkserver._forkserver._forkserver_pid
    found = [c for c in me.children() if c.pid != server and c.cmdline() == me.cmdline()]
    return found + (psutil.Process(server).children() if server else [])


def pool_killer(killed: list[int], low: float, high: float) -> Callable[[float, str], None]:
    """A progress callback that kills one pool process once, between ``low`` and ``high`` of the run.

    This process evaluates chunks too, so it may get there before the pool has started: it waits in its own
    progress callback (taking no more chunks) until a pool process runs, then kills it and notes its pid.
    """

    def kill_one(fraction: float, message: str) -> None:
        if killed or not low < fraction < high:
            return
        for _ in range(600):
            children = pool_processes()
            if children:
                os.kill(children[0].pid, signal.SIGKILL)
                killed.append(children[0].pid)
                return
            time.sleep(0.1)

    return kill_one
