"""What a sweep's chunk is: the incidents it covers (``ChunkSpec``) and the records it returns (``ChunkResult``).

Shared by the engine, which makes chunks and evaluates them, and the backends, which run, collect and
checkpoint them; neither imports the other for these types.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["RECORD_FIELDS", "ChunkResult", "ChunkSpec"]

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
