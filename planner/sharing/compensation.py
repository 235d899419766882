"""THE compensation function: what one deployment costs on its terms (R-COST, R-AGREEMENT).

:func:`compensate` prices a :class:`~planner.sharing.missions.Deployment` under the
:class:`~planner.sharing.terms.Terms` it served on. The ledger calls it for every deployment of a
mission; the scenario dispatch adaptor calls it for every candidate (unit, incident) pair at the
incident's expected duration, so what the optimiser minimises is what the ledger charges.

Lines, each rounded to fen: labour = rate x people x days, with a part day counted as a full day;
subsistence = rate x people x days (when the rate card has one); equipment = rate x items x days;
consumables = unit price x quantity; transport = rate per km x km plus rate per trip x trips; reserve
materials drawn from a depot = the depot's unit price x quantity; other claims at their amount. Only
lines the agreement lists as reimbursable are paid; workers' compensation never is; a deployment without
a pricing agreement (own forces) is not compensated, except the reserve materials it draws: stock used
is paid at the depot's price whoever holds the depot (across a border only on an agreement, R-AGREEMENT).
Costs that are not paid are kept as exclusions with the reason: under an agreement every line it does
not reimburse (even at no cost, so each lent unit shows on the ledger), for own forces every cost above
zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.errors import InputError
from planner.model.agreements import (
    CONSUMABLES,
    EQUIPMENT,
    LABOUR,
    MATERIALS,
    SUBSISTENCE,
    TRANSPORT,
    WORKERS_COMPENSATION,
    RateCard,
)
from planner.sharing.lines import money
from planner.sharing.missions import Deployment
from planner.sharing.terms import Terms


@dataclass(frozen=True)
class CostLine:
    """One priced line of a deployment: ``quantity`` x ``rate`` (x ``days`` when charged per day)."""

    line: str
    item: str
    quantity: float
    rate: float
    days: int
    amount: float


@dataclass(frozen=True)
class Exclusion:
    """A cost of a deployment that is not paid, and why."""

    line: str
    amount: float
    reason: str


@dataclass(frozen=True)
class Compensation:
    """What a deployment is paid on its terms: the reimbursable lines and the excluded costs."""

    terms: Terms
    lines: tuple[CostLine, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def amount(self) -> float:
        """Total paid, yuan (the sum of the lines, each already rounded to fen)."""
        return money(sum(line.amount for line in self.lines))


def compensate(deployment: Deployment, terms: Terms) -> Compensation:
    """Price ``deployment`` on ``terms``: reimbursable lines and excluded costs (R-COST, R-AGREEMENT).

    Parameters
    ----------
    deployment
        The team's people, hours, equipment, consumables, transport and other claims.
    terms
        How it served (:func:`~planner.sharing.terms.deployment_terms`); ``terms.agreement`` prices it.

    Returns
    -------
    Compensation
        Lines in the order labour, subsistence, equipment, consumables, transport, materials, claims.

    Raises
    ------
    InputError
        Equipment or a consumable has no rate in the pricing agreement.

    """
    agreement = terms.agreement
    lines: list[CostLine] = []
    excluded: list[Exclusion] = []
    for line in _costs(deployment, agreement.rates if agreement is not None else None, terms):
        if line.line == MATERIALS and agreement is None:
            if line.amount > 0:
                lines.append(line)  # stock drawn from a depot of one's own is paid at the depot's price
        elif agreement is None:
            if line.amount > 0:
                excluded.append(Exclusion(line.line, line.amount, "own forces without a rate agreement are not paid"))
        elif line.line == WORKERS_COMPENSATION:
            excluded.append(Exclusion(line.line, line.amount, "workers' compensation is never reimbursable"))
        elif line.line not in agreement.reimbursable:
            reason = f"{line.line} is not a reimbursable line of the agreement"
            excluded.append(Exclusion(line.line, line.amount, reason))
        elif line.amount > 0:
            lines.append(line)
    return Compensation(terms, tuple(lines), tuple(excluded))


def rated_equipment(equipment: Mapping[str, int], terms: Terms) -> tuple[dict[str, int], dict[str, int]]:
    """Split equipment into the kinds the pricing agreement rates and the kinds it does not.

    Without a pricing agreement nothing is paid, so every kind counts as rated (at no cost).
    """
    if terms.agreement is None:
        return dict(equipment), {}
    rates = terms.agreement.rates.equipment_per_day
    return ({k: n for k, n in equipment.items() if k in rates}, {k: n for k, n in equipment.items() if k not in rates})


def _costs(deployment: Deployment, rates: RateCard | None, terms: Terms) -> list[CostLine]:
    """Every cost a deployment gives rise to, priced by ``rates`` (all zero without a rate card)."""
    card = rates if rates is not None else RateCard()
    days = deployment.days
    out: list[CostLine] = []

    def add(line: str, item: str, quantity: float, rate: float, days: int, amount: float) -> None:
        out.append(CostLine(line, item, quantity, rate, days, money(amount)))

    if deployment.people and days:
        rate = card.labour_per_person_day
        add(LABOUR, "person-days", float(deployment.people), rate, days, rate * deployment.people * days)
        if card.subsistence_per_person_day:
            rate = card.subsistence_per_person_day
            add(SUBSISTENCE, "person-days", float(deployment.people), rate, days, rate * deployment.people * days)
    for kind, count in sorted(deployment.equipment.items()):
        if rates is not None and kind not in card.equipment_per_day:
            raise InputError(
                f"unit {deployment.unit}: equipment {kind!r} has no rate in agreement {_name(terms)}",
                field="equipment",
                record=deployment.unit,
            )
        rate = card.equipment_per_day.get(kind, 0.0)
        add(EQUIPMENT, kind, float(count), rate, days, rate * count * days)
    for item, quantity in sorted(deployment.consumables.items()):
        if rates is not None and item not in card.consumables:
            raise InputError(
                f"unit {deployment.unit}: consumable {item!r} has no rate in agreement {_name(terms)}",
                field="consumables",
                record=deployment.unit,
            )
        rate = card.consumables.get(item, 0.0)
        add(CONSUMABLES, item, quantity, rate, 0, rate * quantity)
    if deployment.transport_km:
        rate = card.transport_per_km
        add(TRANSPORT, "km", deployment.transport_km, rate, 0, rate * deployment.transport_km)
    if deployment.trips:
        rate = card.transport_per_trip
        add(TRANSPORT, "trips", float(deployment.trips), rate, 0, rate * deployment.trips)
    for draw in deployment.materials:
        add(MATERIALS, draw.material, draw.quantity, draw.unit_price, 0, draw.unit_price * draw.quantity)
    for line, amount in sorted(deployment.claims.items()):
        add(line, "claimed", 1.0, amount, 0, amount)
    return out


def _name(terms: Terms) -> str:
    agreement = terms.agreement
    return f"{agreement.lender}->{agreement.borrower}" if agreement is not None else f"{terms.lender}->{terms.region}"
