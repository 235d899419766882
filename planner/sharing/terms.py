"""On what terms a unit of one region serves another: own forces, under an agreement, or not at all.

The one decision behind both the dispatch optimiser (may this unit go there, which capabilities count,
which agreement's retained minimum applies) and the ledger (which rate card prices it), R-AGREEMENT:

1. A unit serving its own region is the region's own force. It needs no agreement and contributes all
   its capabilities; an agreement with lender = borrower = region, if there is one, gives the rates
   that compensate it (otherwise it is not compensated).
2. Otherwise the agreement lender -> region, if there is one, applies: the unit is lent, contributes
   the capabilities the agreement covers, and is priced by its rate card and reimbursable lines. This
   holds for a parent jurisdiction too (a province's team in one of its districts) whenever such an
   agreement exists: the signed terms decide.
3. Otherwise a unit of a parent jurisdiction of the region (``parents`` maps each region to its parent)
   serves as the region's own force: within its own jurisdiction, not lent, not compensated.
4. Otherwise the deployment crosses a jurisdiction without an agreement and is not allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from planner.model.agreements import Agreement, find_agreement


@dataclass(frozen=True)
class Terms:
    """How a unit of ``lender`` serves ``region``.

    Attributes
    ----------
    lender, region
        The unit's home region and the region it serves.
    own_forces
        True when it serves as the region's own force (same region, or a parent without an agreement);
        False when it is lent under ``agreement``.
    agreement
        The agreement whose rate card and reimbursable lines price the deployment; None when it is
        not compensated. For a lent unit, also the agreement that limits its capabilities and whose
        retained minimum its region must keep.

    """

    lender: str
    region: str
    own_forces: bool
    agreement: Agreement | None

    @property
    def lent(self) -> bool:
        """Whether the unit is lent across a border under an agreement."""
        return not self.own_forces

    @property
    def lending_agreement(self) -> Agreement | None:
        """The agreement the unit is lent under, None for own forces."""
        return None if self.own_forces else self.agreement

    def covers(self, capability: str) -> bool:
        """Whether the unit may contribute ``capability`` on these terms."""
        return self.own_forces or self.agreement is None or self.agreement.covers(capability)


def ancestors(region: str, parents: Mapping[str, str]) -> tuple[str, ...]:
    """Return the chain of parent regions of ``region``, nearest first (a cycle in ``parents`` ends it)."""
    out: list[str] = []
    current = parents.get(region)
    while current and current != region and current not in out:
        out.append(current)
        current = parents.get(current)
    return tuple(out)


def deployment_terms(
    agreements: Iterable[Agreement],
    lender: str,
    region: str,
    *,
    parents: Mapping[str, str] | None = None,
) -> Terms | None:
    """Return the terms on which a unit of ``lender`` serves ``region``, or None when it may not (R-AGREEMENT).

    Parameters
    ----------
    agreements
        The signed agreements.
    lender, region
        The unit's home region and the incident's region.
    parents
        Parent of each region in the jurisdiction tree; without it only the same region is own forces.

    """
    agreement = find_agreement(agreements, lender, region)
    if lender == region:
        return Terms(lender, region, True, agreement)
    if agreement is not None:
        return Terms(lender, region, False, agreement)
    if lender in ancestors(region, parents or {}):
        return Terms(lender, region, True, None)
    return None
