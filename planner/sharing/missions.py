"""Missions and deployments: who took part, for how long, with what, as validated records.

A :class:`Deployment` is one team's part in a mission or drill (people, hours, equipment used,
consumables, kilometres and trips, other claims), or a depot's (the reserve materials drawn from it,
each a :class:`MaterialDraw` at the depot's unit price); a :class:`Mission` is where it happened, what kind of
event it was and who is responsible. Both are pydantic dataclasses; :func:`parse_mission` turns JSON
into a mission with one ``InputError`` naming the bad field. A dispatch plan's expected deployments are
the same records, so what is planned and what is charged are priced alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from planner.model.validation import DATACLASS_CONFIG, Amount, Count, Text, validate
from planner.sharing.lines import CLAIM_LINES, charged_days

MissionKind = Literal["accident", "natural_disaster", "drill"]
MISSION_KINDS: frozenset[str] = frozenset({"accident", "natural_disaster", "drill"})



@dataclass(frozen=True, config=DATACLASS_CONFIG)
class MaterialDraw:
    """``quantity`` of a reserve ``material`` drawn from the stock lot ``stock`` at ``unit_price`` yuan per unit."""

    stock: Text
    material: Text
    quantity: Amount
    unit_price: Amount
    unit: str = ""


@dataclass(frozen=True, config=DATACLASS_CONFIG)
class Deployment:
    """One team's part in a mission or drill, as reported afterwards or expected by a dispatch plan.

    Attributes
    ----------
    unit
        Team id.
    lender
        Home region of the team.
    people
        Number of people deployed.
    duration_h
        Hours from turn-out to return; a part day counts as a full day.
    equipment
        Items of equipment used, by kind.
    consumables
        Quantities of consumables used, by item.
    transport_km
        Kilometres driven.
    trips
        Number of trips.
    claims
        Other claimed amounts by cost line, yuan (e.g. subsistence receipts, workers' compensation).
    materials
        Reserve materials drawn from a depot (the deployment of a depot: ``unit`` is the depot's id).
    lender_province
        Province of the lender; defaults to the agreement's ``lender_province``.

    """

    unit: Text
    lender: Text
    people: Count
    duration_h: Amount
    equipment: Mapping[str, Count] = field(default_factory=dict)
    consumables: Mapping[str, Amount] = field(default_factory=dict)
    transport_km: Amount = 0.0
    trips: Count = 0
    claims: Mapping[str, Amount] = field(default_factory=dict)
    materials: tuple[MaterialDraw, ...] = ()
    lender_province: str = ""

    @field_validator("claims")
    @classmethod
    def _known_claim_lines(cls, claims: Mapping[str, float]) -> Mapping[str, float]:
        """Claims name a known cost line (or workers' compensation)."""
        for line in claims:
            if line not in CLAIM_LINES:
                raise ValueError(f"unknown cost line {line!r} (known: {', '.join(sorted(CLAIM_LINES))})")
        return claims

    @property
    def days(self) -> int:
        """Days charged: a part day counts as a full day (R-COST)."""
        return charged_days(self.duration_h)


@dataclass(frozen=True, config=DATACLASS_CONFIG)
class Mission:
    """A mission or drill: where it happened, who is responsible, who took part.

    Attributes
    ----------
    id
        Mission or drill id.
    region
        Region (jurisdiction) of the incident; the borrower of every cross-region deployment.
    kind
        ``accident``, ``natural_disaster`` or ``drill``.
    deployments
        Teams that took part.
    province
        Province of the incident's region.
    responsible_unit
        Accident-responsible unit, if any.
    responsible_can_pay
        False when the responsible unit is insolvent or otherwise cannot pay.
    dispatcher
        Authority that ordered the deployment, used by a ``dispatcher`` payer rule.

    """

    id: Text
    region: Text
    kind: MissionKind
    deployments: tuple[Deployment, ...]
    province: str = ""
    responsible_unit: str = ""
    responsible_can_pay: Annotated[bool, Field(strict=True)] = True
    dispatcher: str = ""


def parse_mission(data: Any, *, record: str = "mission") -> Mission:
    """Validate one mission with its deployments from a JSON-like dict; InputError names the field."""
    return validate(Mission, data, what=record)
