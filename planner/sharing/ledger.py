"""The compensation ledger: every deployment of every mission priced, with its payer (R-COST).

:func:`build_ledger` decides the terms of each deployment (:mod:`planner.sharing.terms`), prices it
with the one compensation function (:func:`~planner.sharing.compensation.compensate`) and names the
payer (:mod:`planner.sharing.payers`). The :class:`Ledger` keeps the reimbursable lines and the
excluded claims with their reasons, totals per payer and per lender, and writes CSV. Amounts are
yuan, rounded to fen per line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from planner.errors import InputError
from planner.model.agreements import Agreement
from planner.sharing.compensation import compensate
from planner.sharing.lines import money
from planner.sharing.missions import Mission
from planner.sharing.payers import DEFAULT_PAYER_RULES, PayerRule, choose_payer
from planner.sharing.terms import deployment_terms


@dataclass(frozen=True)
class LedgerLine:
    """One reimbursable amount: what ``payer`` owes ``lender`` for ``line`` of ``unit`` on ``mission``."""

    mission: str
    unit: str
    lender: str
    payer: str
    line: str
    item: str
    quantity: float
    rate: float
    days: int
    amount: float
    agreement: str
    rule: str


@dataclass(frozen=True)
class ExcludedClaim:
    """A claimed cost that is not reimbursed, and why."""

    mission: str
    unit: str
    lender: str
    line: str
    amount: float
    reason: str


CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(LedgerLine))
"""Columns of :meth:`Ledger.to_csv`, in order."""


@dataclass(frozen=True)
class Ledger:
    """Compensation ledger: reimbursable lines, excluded claims, totals per payer and per lender."""

    lines: tuple[LedgerLine, ...]
    excluded: tuple[ExcludedClaim, ...] = ()

    @property
    def total(self) -> float:
        """Sum of all lines, yuan."""
        return money(sum(line.amount for line in self.lines))

    def totals_by_payer(self) -> dict[str, float]:
        """Amount owed by each payer, yuan."""
        return self._totals(lambda line: line.payer)

    def totals_by_lender(self) -> dict[str, float]:
        """Amount due to each lender, yuan."""
        return self._totals(lambda line: line.lender)

    def totals_by_payer_and_lender(self) -> dict[tuple[str, str], float]:
        """Amount each payer owes each lender, yuan."""
        return self._totals(lambda line: (line.payer, line.lender))

    def _totals(self, key: Callable[[LedgerLine], Any]) -> dict[Any, float]:
        out: dict[Any, float] = {}
        for line in self.lines:
            out[key(line)] = out.get(key(line), 0.0) + line.amount
        return {name: money(value) for name, value in sorted(out.items())}

    def to_csv(self, target: str | Path | TextIO | None = None) -> str:
        """Write the lines as CSV (header row first); return the text, also written to ``target`` if given."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for line in self.lines:
            row = dataclasses.asdict(line)
            row.update(quantity=_plain_number(line.quantity), rate=_plain_number(line.rate),
                       amount=f"{line.amount:.2f}")
            writer.writerow([row[column] for column in CSV_COLUMNS])
        text = buffer.getvalue()
        if isinstance(target, (str, Path)):
            Path(target).write_text(text, encoding="utf-8", newline="")
        elif target is not None:
            target.write(text)
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with lines, excluded claims and totals."""
        return {
            "lines": [dataclasses.asdict(line) for line in self.lines],
            "excluded": [dataclasses.asdict(claim) for claim in self.excluded],
            "totals_by_payer": self.totals_by_payer(),
            "totals_by_lender": self.totals_by_lender(),
            "total": self.total,
        }


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def build_ledger(
    missions: Iterable[Mission],
    agreements: Iterable[Agreement],
    *,
    rules: Iterable[PayerRule] = DEFAULT_PAYER_RULES,
    parents: Mapping[str, str] | None = None,
) -> Ledger:
    """Compensation ledger of missions and drills under the agreements (R-COST, R-AGREEMENT).

    Each deployment's terms come from :func:`~planner.sharing.terms.deployment_terms`: a deployment
    that crosses a jurisdiction without an agreement is an InputError; own forces are compensated only
    when an agreement lender = borrower = region gives rates, otherwise their claims are listed as
    excluded (reserve materials drawn from a depot are paid at its price all the same, their line's
    agreement reading ``depot price``). Lines not on the agreement and workers' compensation are excluded
    with the reason.

    Parameters
    ----------
    missions
        Missions and drills with their deployments.
    agreements
        Signed agreements with rate cards.
    rules
        Payer rules, first match wins.
    parents
        Parent of each region in the jurisdiction tree, so a parent's unit without an agreement counts
        as the region's own force; without it only the same region does.

    Returns
    -------
    Ledger
        Lines in mission, deployment and cost-line order.

    """
    agreement_list = tuple(agreements)
    rule_list = tuple(rules)
    lines: list[LedgerLine] = []
    excluded: list[ExcludedClaim] = []
    for mission in missions:
        for deployment in mission.deployments:
            terms = deployment_terms(agreement_list, deployment.lender, mission.region, parents=parents)
            if terms is None:
                raise InputError(
                    f"mission {mission.id}: unit {deployment.unit} from {deployment.lender} served {mission.region} "
                    "without a sharing agreement (R-AGREEMENT)",
                    field="lender",
                    record=mission.id,
                )
            paid = compensate(deployment, terms)
            excluded += [ExcludedClaim(mission.id, deployment.unit, deployment.lender, x.line, x.amount, x.reason)
                         for x in paid.excluded]
            if not paid.lines:
                continue
            payer, rule_name = choose_payer(mission, deployment, terms.agreement, rule_list)
            reference = terms.agreement.reference if terms.agreement is not None else "depot price"
            lines += [LedgerLine(mission.id, deployment.unit, deployment.lender, payer, c.line, c.item, c.quantity,
                                 c.rate, c.days, c.amount, reference, rule_name)
                      for c in paid.lines]
    return Ledger(lines=tuple(lines), excluded=tuple(excluded))
