"""What a sweep's chunk is: the incidents it covers (``ChunkSpec``) and the records it returns (``ChunkResult``).

Shared by the engine, which makes chunks and evaluates them, and the backends, which run, collect and
checkpoint them; neither imports the other for these types. Also the worker side of the local process
pool (``install_model``, ``process_chunk``): a worker process imports this small module, not the
backends and their Dask client.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

__all__ = ["RECORD_FIELDS", "ChunkFunction", "ChunkResult", "ChunkSpec", "install_model", "process_chunk"]

ChunkSpec = tuple[int, int, np.ndarray, np.ndarray, np.ndarray]
"""``(chunk number, first incident, sites, templates, times of day)``."""


@dataclass(frozen=True)
class ChunkResult:
    """Records of one chunk of incidents (``index`` = incident numbers), as arrays.

    ``first_min``: incidents x capabilities, first arrival in minutes after the alarm (``nan`` = not
    required, ``inf`` = required but nobody could come); ``met``: -1 not required, 0 late, 1 all of the
    capability's requirements assembled by their deadlines; ``standard_min``: incidents x standards,
    minutes from the order to the first counted team (``nan`` = standard not applicable to the site);
    ``sent``: incidents x teams.
    """

    chunk: int
    index: np.ndarray
    first_min: np.ndarray
    met: np.ndarray
    standard_min: np.ndarray
    sent: np.ndarray
    escalated: np.ndarray


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ChunkResult) if f.name != "chunk")
"""The per-incident arrays of a :class:`ChunkResult`, in order (what a checkpoint file holds)."""


ChunkFunction = Callable[[Any, int, int, np.ndarray, np.ndarray, np.ndarray], ChunkResult]
"""``evaluate(model, chunk number, first incident, sites, templates, times of day)``: one chunk's records."""

_WORKER: tuple[Any, Callable[..., Any]] | None = None


def install_model(model: Any, evaluate: Callable[..., Any]) -> None:
    """Process-pool initializer: keep the model and the chunk function for every task this process runs."""
    global _WORKER
    _WORKER = (model, evaluate)
    # Objects inherited from the parent are never garbage: keep the collector off them (a forked
    # child that scans its parent's heap on every collection runs the SimPy model several times slower).
    gc.freeze()


def process_chunk(spec: tuple[Any, ...]) -> Any:
    """Run one chunk in a pool worker with the model and chunk function its initializer installed.

    A sweep's chunk (:data:`ChunkSpec`, giving a :class:`ChunkResult`) or any other chunk the backends run
    (a year's replications).
    """
    assert _WORKER is not None, "the process pool was started without the sweep model"
    model, evaluate = _WORKER
    return evaluate(model, *spec)
