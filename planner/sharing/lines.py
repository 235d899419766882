"""Cost lines, charged days and rounding to fen: the arithmetic every compensation uses (R-COST).

A claim is made of cost lines (labour, equipment, consumables, transport, subsistence, reserve materials
drawn from a depot, and workers' compensation, which is never reimbursable). Days are charged whole: a
part day counts as a full day (Shanxi 2024 / county rules). Amounts are yuan rounded to fen (0.01), half away from zero.
"""

from __future__ import annotations

import math

LABOUR = "labour"
EQUIPMENT = "equipment"
CONSUMABLES = "consumables"
TRANSPORT = "transport"
SUBSISTENCE = "subsistence"
MATERIALS = "materials"
"""Reserve materials (应急物资) drawn from a depot, charged at the depot's unit price."""
WORKERS_COMPENSATION = "workers_compensation"

COST_LINES: frozenset[str] = frozenset({LABOUR, EQUIPMENT, CONSUMABLES, TRANSPORT, SUBSISTENCE, MATERIALS})
"""Cost lines an agreement may reimburse."""
CLAIM_LINES: frozenset[str] = COST_LINES | {WORKERS_COMPENSATION}
"""Cost lines a deployment may claim (workers' compensation is claimed but never reimbursed)."""
DEFAULT_REIMBURSABLE: frozenset[str] = frozenset({LABOUR, EQUIPMENT, CONSUMABLES, TRANSPORT, MATERIALS})
"""Lines an agreement reimburses when it does not list any (Shanxi 2024 lines except board and lodging; 材料 covers
the team's consumables and reserve materials drawn from a depot)."""

HOURS_PER_DAY = 24.0


def charged_days(duration_h: float) -> int:
    """Days charged for ``duration_h`` hours: a part day counts as a full day (R-COST); 0 h is 0 days."""
    return math.ceil(duration_h / HOURS_PER_DAY - 1e-9) if duration_h > 0 else 0


def money(value: float) -> float:
    """Round yuan to fen, half away from zero, avoiding binary artefacts such as 0.30000000000000004."""
    return math.floor(abs(value) * 100 + 0.5 + 1e-9) / 100 * (1 if value >= 0 else -1)
