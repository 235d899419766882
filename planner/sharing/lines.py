"""Cost lines, charged days and rounding to fen: the arithmetic every compensation uses (R-COST).

A claim is made of cost lines (labour, equipment, consumables, transport, subsistence, reserve materials
drawn from a depot, and workers' compensation, which is never reimbursable; their names are defined with
the agreements that reimburse them, in ``planner.model.agreements``). Days are charged whole: a part day
counts as a full day (Shanxi 2024 / county rules). Amounts are yuan rounded to fen (0.01), half away from
zero.
"""

from __future__ import annotations

import math

from planner.model.agreements import COST_LINES, WORKERS_COMPENSATION

CLAIM_LINES: frozenset[str] = COST_LINES | {WORKERS_COMPENSATION}
"""Cost lines a deployment may claim (workers' compensation is claimed but never reimbursed)."""

HOURS_PER_DAY = 24.0


def charged_days(duration_h: float) -> int:
    """Days charged for ``duration_h`` hours: a part day counts as a full day (R-COST); 0 h is 0 days."""
    return math.ceil(duration_h / HOURS_PER_DAY - 1e-9) if duration_h > 0 else 0


def money(value: float) -> float:
    """Round yuan to fen, half away from zero, avoiding binary artefacts such as 0.30000000000000004."""
    return math.floor(abs(value) * 100 + 0.5 + 1e-9) / 100 * (1 if value >= 0 else -1)
