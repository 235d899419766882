"""The coverage rule: whether a site meets each of its response standards, decided from travel times.

This module is the one home of the rule. Every caller that asks "does this site meet its standard?"
decides with it, so none can disagree: the coverage report and its gap list
(:func:`planner.coverage.verdict.coverage`), what-if plans (``planner.coverage.whatif``), the drill
programme's on-duty rule (``planner.drills.programme``), the sweep's share within standard
(``planner.sweep.engine``) and the posture optimiser's options (``planner.posture.prepositioning``).
The functions are pure (arrays and records in, arrays out) and vectorised, so the sweep and the
posture optimiser use them over whole arrays.

The rule, part by part:

- *Who counts* (:func:`counted`): a team counts for a standard when its type is the standard's
  capability and, when the standard names ``tiers``, its base is of one of those tiers.
- *Who responds*: a caller says which teams respond (available and not marked out: committed, base
  closed, in a field drill, busy in a sweep's incident); the others never count.
- *Arrival* (:func:`arrival_minutes`): turn-out + access leg + network drive. The access leg is the
  off-network drive from a point a what-if or a move adds (a new base, a standby point) to its
  nearest node; it is 0 for the scenario's own bases, which sit on the network.
- *In time* (:func:`in_time`): arrival <= ``max_min`` + :data:`ARRIVAL_TOLERANCE_MIN`. The tolerance
  absorbs the float noise of legs summed in different orders (a reversed search per site or a forward
  search per base), so an arrival exactly at the limit passes whichever way it was computed.
- *Passes* (:func:`judge`): at least :data:`REQUIRED` responding, counted teams in time. *Backup*: at
  least :data:`BACKUP` of them, i.e. the site still passes when its first responder is committed
  elsewhere. The first and second responders are the earliest two, ties to the smaller rank (team id).
- *A standard is met* (:func:`share_met`) when the share of its sites (or, in a sweep, of its
  incidents) within time is at least its ``min_share``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.model.records import ResponseStandard

__all__ = [
    "ARRIVAL_TOLERANCE_MIN",
    "BACKUP",
    "REQUIRED",
    "SHARE_TOLERANCE",
    "Judgement",
    "arrival_minutes",
    "counted",
    "first_arrival",
    "in_time",
    "judge",
    "share_met",
    "teams_in_time",
]

ARRIVAL_TOLERANCE_MIN = 1e-9
"""Minutes an arrival may exceed a standard's ``max_min`` and still count as in time (float noise only)."""

SHARE_TOLERANCE = 1e-12
"""How far a share may fall below ``min_share`` and still meet it (float noise of passing / sites)."""

REQUIRED = 1
"""Responding, counted teams in time a (site, standard) needs to pass."""

BACKUP = 2
"""Responding, counted teams in time a (site, standard) needs to have backup (a second responder)."""


def counted(standards: Sequence[ResponseStandard], team_types: Sequence[str], team_tiers: Sequence[str]) -> np.ndarray:
    """Return standards x teams: whether each team counts for each standard (capability, then tier).

    ``team_types`` are the teams' type values, ``team_tiers`` the tier values of their bases.
    """
    types = np.asarray(list(team_types), dtype=object).reshape(-1)
    tiers = np.asarray(list(team_tiers), dtype=object).reshape(-1)
    out = np.zeros((len(standards), types.size), dtype=bool)
    for k, standard in enumerate(standards):
        mask = types == standard.capability.value
        if standard.tiers:
            mask &= np.isin(tiers, [t.value for t in standard.tiers])
        out[k] = mask
    return out


def arrival_minutes(turnout_min: np.ndarray | float, drive_min: np.ndarray, access_min: np.ndarray | float = 0.0
                    ) -> np.ndarray:
    """Arrival minutes: turn-out + access leg + drive, broadcast (e.g. teams x 1 + teams x sites)."""
    turnout = np.asarray(turnout_min, dtype=float)
    return turnout + np.asarray(access_min, dtype=float) + np.asarray(drive_min, dtype=float)


def in_time(arrival_min: np.ndarray | float, max_min: np.ndarray | float) -> np.ndarray:
    """Whether an arrival is within a standard's minutes (elementwise, with the float tolerance)."""
    return np.asarray(arrival_min) <= np.asarray(max_min) + ARRIVAL_TOLERANCE_MIN


def first_arrival(arrival_min: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Earliest arrival over the last axis among the ``pool`` teams (``inf`` when the pool is empty)."""
    return np.where(pool, arrival_min, np.inf).min(axis=-1, initial=np.inf)


def share_met(share: float, min_share: float) -> bool:
    """Whether a share within standard meets the standard's ``min_share``."""
    return bool(share >= min_share - SHARE_TOLERANCE)


def teams_in_time(arrival_min: np.ndarray, is_counted: np.ndarray, responding: np.ndarray, row_site: np.ndarray,
                  row_standard: np.ndarray, max_min: np.ndarray) -> np.ndarray:
    """Return rows x teams: the teams that meet each (site, standard) row.

    Parameters
    ----------
    arrival_min
        Teams x sites arrival minutes (:func:`arrival_minutes`; ``inf`` = unreachable).
    is_counted
        Standards x teams (:func:`counted`).
    responding
        Teams: whether each responds.
    row_site, row_standard
        Rows: the site (column of ``arrival_min``) and the standard (row of ``is_counted``) of each row.
    max_min
        Standards: their minutes.

    """
    times, pool = _candidates(arrival_min, is_counted, responding, row_site, row_standard)
    return pool & in_time(times, np.asarray(max_min, dtype=float)[row_standard][:, None])


def _candidates(arrival_min: np.ndarray, is_counted: np.ndarray, responding: np.ndarray, row_site: np.ndarray,
                row_standard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows x teams arrival minutes, and whether each team counts, responds and can reach the row's site."""
    times = np.asarray(arrival_min, dtype=float)[:, row_site].T
    pool = is_counted[row_standard] & np.asarray(responding, dtype=bool)[None, :] & np.isfinite(times)
    return times, pool


@dataclass(frozen=True)
class Judgement:
    """The verdict on each (site, standard) row.

    ``in_time``: rows x teams, the teams that meet the row; ``first``/``second``: the team index of the
    earliest two responding, counted teams that can reach the site at all (-1: none), in time or not,
    with their arrival minutes ``first_min``/``second_min`` (``inf``: none); ``passed``: at least
    :data:`REQUIRED` teams in time; ``backup``: at least :data:`BACKUP`.
    """

    in_time: np.ndarray
    first: np.ndarray
    second: np.ndarray
    first_min: np.ndarray
    second_min: np.ndarray
    passed: np.ndarray
    backup: np.ndarray


def judge(arrival_min: np.ndarray, is_counted: np.ndarray, responding: np.ndarray, row_site: np.ndarray,
          row_standard: np.ndarray, max_min: np.ndarray, rank: np.ndarray | None = None) -> Judgement:
    """Decide whether each (site, standard) row meets its standard, and who answers it first and second.

    Takes the arguments of :func:`teams_in_time`, and ``rank`` (teams: the order among equal arrivals,
    e.g. the rank of the team id; default the team index).
    """
    arrival = np.asarray(arrival_min, dtype=float)
    row_site = np.asarray(row_site, dtype=np.int64)
    row_standard = np.asarray(row_standard, dtype=np.int64)
    n_rows, n_teams = row_site.size, arrival.shape[0]
    meets = teams_in_time(arrival, is_counted, responding, row_site, row_standard, max_min)
    times, pool = _candidates(arrival, is_counted, responding, row_site, row_standard)
    keyed = np.where(pool, times, np.inf)
    ranks = np.arange(n_teams) if rank is None else np.asarray(rank)
    first = np.full(n_rows, -1, dtype=np.int64)
    second = np.full(n_rows, -1, dtype=np.int64)
    if n_teams:
        order = np.lexsort((np.broadcast_to(ranks, keyed.shape), keyed), axis=-1)
        rows = np.arange(n_rows)
        first = np.where(pool[rows, order[:, 0]], order[:, 0], -1)
        if n_teams > 1:
            second = np.where(pool[rows, order[:, 1]], order[:, 1], -1)
    count = meets.sum(axis=1)

    def minutes(index: np.ndarray) -> np.ndarray:
        return np.where(index >= 0, keyed[np.arange(n_rows), np.maximum(index, 0)] if n_teams else np.inf, np.inf)

    return Judgement(meets, first, second, minutes(first), minutes(second), count >= REQUIRED, count >= BACKUP)
