"""A sweep chunk function for the tests that is slow in one process only.

``slow_in(pid, seconds, model, *spec)`` evaluates the chunk as the sweep does, after sleeping when it
runs in process ``pid``: with ``pid`` the test's own process, the pool of a local-process sweep ends
its share long before this process ends its own chunk. It lives in a module of its own so the pool
processes can import it.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from planner.sweep.engine import ChunkResult, evaluate_chunk


def slow_in(
    pid: int, seconds: float, model: Any, chunk: int, start: int, site: np.ndarray, template: np.ndarray,
    time_of_day: np.ndarray,
) -> ChunkResult:
    """Evaluate one chunk (seed 0), ``seconds`` later when in process ``pid``."""
    if os.getpid() == pid:
        time.sleep(seconds)
    return evaluate_chunk(model, chunk, start, site, template, time_of_day, seed=0)
