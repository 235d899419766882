"""Dispatch problem records and the JSON problem file that holds them, validated by pydantic.

The JSON form (``python -m planner dispatch --problem P.json``)::

    {"units": [{"id": "T1", "region": "A", "capabilities": {"mine_rescue_squad": 2}, "ready_min": 5}],
     "incidents": [{"id": "I1", "region": "B", "priority": 3,
                    "requirements": [{"capability": "mine_rescue_squad", "quantity": 3, "deadline_min": 60}]}],
     "travel_min": {"T1": {"I1": 42.5}},
     "agreements": [{"lender": "A", "borrower": "B", "fixed_cost": 5000, "cost_per_travel_min": 20}],
     "min_retained": {"A": {"mine_rescue_squad": 1}}}

Units may also carry ``name``, ``kind``, ``people``, ``province``, ``lon``, ``lat`` and ``base``, and
incidents ``name``, ``location``, ``province``, ``lon``, ``lat`` and ``responsible_unit``, for the
reader; the solver ignores them. Reserve materials are optional: incidents may list ``materials``
(``{"material", "quantity", "deadline_min", "unit"?}``), drawn in divisible quantities from
``supplies`` (stock lots: ``{"id", "depot", "region", "material", "quantity", "unit_price", "ready_min"?,
"unit"?}``) with ``supply_travel_min`` (depot -> incident -> minutes). The semantics every dispatcher shares are in
:mod:`planner.dispatch.rules`: in a problem file a unit lent under an agreement costs the agreement's
``fixed_cost + cost_per_travel_min * travel_min`` and own forces are free, while a scenario dispatch
prices each pair with the compensation the ledger will charge (``pair_cost``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic import dataclasses as pydantic_dataclasses

from planner.errors import InputError
from planner.model.reading import parse_json, read_text
from planner.model.validation import DATACLASS_CONFIG, Amount, Count, Model, Text, validate
from planner.sharing import Agreement

UnitStatus = Literal["available", "committed", "drilling", "off_duty"]
UNIT_STATUSES: frozenset[str] = frozenset({"available", "committed", "drilling", "off_duty"})

Priority = Annotated[int, Field(strict=True, ge=1)]


@pydantic_dataclasses.dataclass(frozen=True, config=DATACLASS_CONFIG)
class Requirement:
    """``quantity`` units of ``capability`` on scene by ``deadline_min`` for ``duration_min`` minutes."""

    capability: Text
    quantity: Count
    deadline_min: Amount
    duration_min: Amount | None = None


@pydantic_dataclasses.dataclass(frozen=True, config=DATACLASS_CONFIG)
class MaterialNeed:
    """``quantity`` (whole units) of a reserve ``material`` on scene by ``deadline_min``, from one or more depots."""

    material: Text
    quantity: Count
    deadline_min: Amount
    unit: str = ""


@pydantic_dataclasses.dataclass(frozen=True, config=DATACLASS_CONFIG)
class Incident:
    """An incident in ``region``; ``priority`` (>= 1) weights its shortfall and arrival minutes."""

    id: Text
    region: Text
    priority: Priority
    requirements: tuple[Requirement, ...]
    type: str = ""
    materials: tuple[MaterialNeed, ...] = ()


@pydantic_dataclasses.dataclass(frozen=True, config=DATACLASS_CONFIG)
class Supply:
    """A lot of reserve material at a depot: the whole units it may give, its unit price and the depot's place.

    ``region`` is the depot's jurisdiction (the terms on which it supplies another region are a team's,
    R-AGREEMENT); ``ready_min`` the minutes the depot needs to load and leave.
    """

    id: Text
    depot: Text
    region: Text
    material: Text
    quantity: Count
    unit_price: Amount = 0.0
    ready_min: Amount = 0.0
    unit: str = ""


@pydantic_dataclasses.dataclass(frozen=True, config=DATACLASS_CONFIG)
class Unit:
    """A rescue team: home ``region``, capability quantities, minutes to turn out, status."""

    id: Text
    region: Text
    capabilities: Mapping[Text, Count]
    ready_min: Amount = 0.0
    status: UnitStatus = "available"

    @property
    def available(self) -> bool:
        """Whether the team may be sent (not committed elsewhere, not drilling, not off duty)."""
        return self.status == "available"


@dataclass(frozen=True)
class DispatchProblem:
    """Units, incidents, the travel-time matrix (minutes), agreements and retained minimums.

    Attributes
    ----------
    parents
        Parent of each region in the jurisdiction tree: a parent's unit serving without an agreement
        is the region's own force (:func:`planner.sharing.deployment_terms`). Empty in problem files.
    pair_cost
        Cost of each allowed (unit id, incident id) pair, yuan, when the caller prices the pairs (a
        scenario dispatch: the compensation the ledger will charge). None: the agreements' planning
        cost, as in problem files.
    supplies
        Reserve stock lots incidents may draw materials from.
    supply_travel_min
        Travel minutes of each (depot id, incident id) pair; a missing entry means unreachable.
    supply_cost
        Yuan charged per unit of each allowed (lot id, incident id) pair when the caller prices them (a
        scenario dispatch: what the ledger charges); None: the lot's ``unit_price``.

    """

    units: tuple[Unit, ...]
    incidents: tuple[Incident, ...]
    travel_min: Mapping[tuple[str, str], float]
    agreements: tuple[Agreement, ...] = ()
    min_retained: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: MappingProxyType({}))
    parents: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    pair_cost: Mapping[tuple[str, str], float] | None = None
    supplies: tuple[Supply, ...] = ()
    supply_travel_min: Mapping[tuple[str, str], float] = field(default_factory=lambda: MappingProxyType({}))
    supply_cost: Mapping[tuple[str, str], float] | None = None

    def unit(self, unit_id: str) -> Unit:
        """Return the unit with id ``unit_id``."""
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    def incident(self, incident_id: str) -> Incident:
        """Return the incident with id ``incident_id``."""
        for incident in self.incidents:
            if incident.id == incident_id:
                return incident
        raise KeyError(incident_id)

    def with_incident(
        self,
        incident: Incident,
        travel_min: Mapping[str, float],
        *,
        pair_cost: Mapping[str, float] | None = None,
    ) -> DispatchProblem:
        """Return a copy with one more incident, the travel minutes of units to it and, if priced, their costs.

        ``travel_min`` and ``pair_cost`` map unit id -> minutes and unit id -> yuan.
        """
        if any(i.id == incident.id for i in self.incidents):
            raise InputError(f"incident {incident.id}: duplicate id", field="id", record=incident.id)
        known = {u.id for u in self.units}
        for name, row in (("travel_min", travel_min), ("pair_cost", pair_cost or {})):
            for unit_id in row:
                if unit_id not in known:
                    raise InputError(f"{name}: unknown unit {unit_id!r}", field=name, record=unit_id)
        if (self.pair_cost is None) != (pair_cost is None):
            raise InputError("pair_cost: give the new incident's costs exactly when the problem prices its pairs",
                             field="pair_cost", record=incident.id)
        travel = {**self.travel_min, **{(u, incident.id): float(m) for u, m in travel_min.items()}}
        costs = None if self.pair_cost is None or pair_cost is None else {
            **self.pair_cost, **{(u, incident.id): float(c) for u, c in pair_cost.items()}}
        return dataclasses.replace(
            self,
            incidents=(*self.incidents, incident),
            travel_min=MappingProxyType(travel),
            pair_cost=None if costs is None else MappingProxyType(costs),
        )


# ----------------------------------------------------------------------------------------------------
# The problem file

_UNIT_NOTES = frozenset({"name", "kind", "people", "province", "lon", "lat", "base"})
_INCIDENT_NOTES = frozenset({"name", "location", "province", "lon", "lat", "responsible_unit"})


def _without(notes: frozenset[str], items: Any) -> Any:
    """Drop from the list's dicts the descriptive fields the solver ignores."""
    if not isinstance(items, list):
        return items
    return [{k: v for k, v in item.items() if k not in notes} if isinstance(item, dict) else item for item in items]


class ProblemFile(Model):
    """The JSON layout of a problem file; :func:`problem_from_dict` checks what spans several parts."""

    name: str = ""
    units: list[Unit]
    incidents: list[Incident]
    travel_min: dict[str, dict[str, Amount | None]] = Field(default_factory=dict)
    agreements: list[Agreement] = Field(default_factory=list)
    min_retained: dict[str, dict[Text, Count]] = Field(default_factory=dict)
    supplies: list[Supply] = Field(default_factory=list)
    supply_travel_min: dict[str, dict[str, Amount | None]] = Field(default_factory=dict)

    @field_validator("units", mode="before")
    @classmethod
    def _unit_notes(cls, value: Any) -> Any:
        return _without(_UNIT_NOTES, value)

    @field_validator("incidents", mode="before")
    @classmethod
    def _incident_notes(cls, value: Any) -> Any:
        return _without(_INCIDENT_NOTES, value)

    @field_validator("travel_min", "min_retained", "supply_travel_min", mode="before")
    @classmethod
    def _null_is_no_entries(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("agreements", "supplies", mode="before")
    @classmethod
    def _null_is_no_agreements(cls, value: Any) -> Any:
        return [] if value is None else value


def problem_from_dict(data: Any) -> DispatchProblem:
    """Parse and validate a dispatch problem; raise InputError naming the field of the first problem found.

    Pydantic checks each part (required fields, types, non-negative quantities and minutes, unknown
    fields); this checks what spans parts: duplicate unit or incident ids, travel entries naming
    unknown units or incidents, agreements or retained minimums naming regions no unit or incident has.
    """
    parsed = validate(ProblemFile, data, what="problem")
    unit_ids = _unique([u.id for u in parsed.units], "units")
    incident_ids = _unique([i.id for i in parsed.incidents], "incidents")
    regions = {u.region for u in parsed.units} | {i.region for i in parsed.incidents} | {
        s.region for s in parsed.supplies}
    travel: dict[tuple[str, str], float] = {}
    for unit_id, row in parsed.travel_min.items():
        if unit_id not in unit_ids:
            raise InputError(f"travel_min: unknown unit {unit_id!r}", field="travel_min", record=unit_id)
        for incident_id, minutes in row.items():
            if incident_id not in incident_ids:
                raise InputError(f"travel_min.{unit_id}: unknown incident {incident_id!r}", field="travel_min",
                                 record=unit_id)
            if minutes is not None:
                travel[(unit_id, incident_id)] = minutes
    seen: set[tuple[str, str]] = set()
    for k, agreement in enumerate(parsed.agreements):
        if (agreement.lender, agreement.borrower) in seen:
            raise InputError(f"agreements[{k}]: duplicate agreement lender={agreement.lender} "
                             f"borrower={agreement.borrower}", field="lender", record=f"agreements[{k}]")
        seen.add((agreement.lender, agreement.borrower))
        for role in ("lender", "borrower"):
            region = getattr(agreement, role)
            if region not in regions:
                raise InputError(f"agreements[{k}]: {role} names unknown region {region!r}", field=role,
                                 record=f"agreements[{k}]")
    for region in parsed.min_retained:
        if region not in regions:
            raise InputError(f"min_retained: unknown region {region!r}", field="min_retained", record=region)
    _unique([s.id for s in parsed.supplies], "supplies")
    depots = {s.depot for s in parsed.supplies}
    supply_travel: dict[tuple[str, str], float] = {}
    for depot, row in parsed.supply_travel_min.items():
        if depot not in depots:
            raise InputError(f"supply_travel_min: unknown depot {depot!r}", field="supply_travel_min", record=depot)
        for incident_id, minutes in row.items():
            if incident_id not in incident_ids:
                raise InputError(f"supply_travel_min.{depot}: unknown incident {incident_id!r}",
                                 field="supply_travel_min", record=depot)
            if minutes is not None:
                supply_travel[(depot, incident_id)] = minutes
    return DispatchProblem(
        units=tuple(parsed.units),
        incidents=tuple(parsed.incidents),
        travel_min=MappingProxyType(travel),
        agreements=tuple(parsed.agreements),
        min_retained=MappingProxyType({r: MappingProxyType(row) for r, row in parsed.min_retained.items()}),
        supplies=tuple(parsed.supplies),
        supply_travel_min=MappingProxyType(supply_travel),
    )


def _unique(ids: list[str], what: str) -> set[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise InputError(f"{what}: duplicate id {item!r}", field="id", record=item)
        seen.add(item)
    return seen


def load_problem(path: str | Path) -> DispatchProblem:
    """Read and validate a JSON problem file; InputError on unreadable, non-JSON or too deeply nested files."""
    return problem_from_dict(parse_json(read_text(path, field="problem"), Path(path).name, field="problem"))
