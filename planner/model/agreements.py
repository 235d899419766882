"""Sharing agreements and their rate cards, as validated records (R-AGREEMENT), and the cost lines they name.

An :class:`Agreement` lets a lender region send its teams to a borrower region: it names the
capabilities it covers (empty means all), the planning cost a solver-level dispatch problem uses (a
fixed cost plus a cost per travel minute), the :class:`RateCard` that prices the compensation, the
minimum the lender keeps at home while lending, and the cost lines that are reimbursable (never
workers' compensation). Both are pydantic dataclasses: constructing one validates it, and
:func:`agreements_from_dicts` turns JSON into them with one ``InputError`` naming the bad field.

Agreements are records of a scenario, so they live here with the other records: the store checks every
agreement it is given (``planner.store``), and ``planner.sharing`` prices deployments under them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from planner.errors import InputError
from planner.model.validation import DATACLASS_CONFIG, Amount, Count, Text, validate

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
ID_PATTERN = r"^([^/\\#?\x00-\x1f\x7f]*[^./\\#?\x00-\x1f\x7f][^/\\#?\x00-\x1f\x7f]*)?$"
"""What an agreement's id may hold: any text but ``/ \\ # ?`` and control characters, and not dots alone, so that it
can name the agreement in a URL (``/api/v1/scenarios/jinan/records/agreements/救援协议 12``)."""
DEFAULT_REIMBURSABLE: frozenset[str] = frozenset({LABOUR, EQUIPMENT, CONSUMABLES, TRANSPORT, MATERIALS})
"""Lines an agreement reimburses when it does not list any (Shanxi 2024 lines except board and lodging; 材料 covers
the team's consumables and reserve materials drawn from a depot)."""


@dataclass(frozen=True, config=DATACLASS_CONFIG)
class RateCard:
    """Compensation rates of an agreement, in yuan.

    Attributes
    ----------
    labour_per_person_day
        Labour allowance per person and day (Shanxi: about twice the average daily wage).
    equipment_per_day
        Use of one item of equipment for one day, by equipment kind.
    consumables
        Unit price of each consumable item.
    transport_per_km, transport_per_trip
        Transport is paid per kilometre driven plus per trip.
    subsistence_per_person_day
        Board and lodging per person and day.

    """

    labour_per_person_day: Amount = 0.0
    equipment_per_day: Mapping[str, Amount] = field(default_factory=dict)
    consumables: Mapping[str, Amount] = field(default_factory=dict)
    transport_per_km: Amount = 0.0
    transport_per_trip: Amount = 0.0
    subsistence_per_person_day: Amount = 0.0


@dataclass(frozen=True, config=DATACLASS_CONFIG)
class Agreement:
    """A signed sharing agreement: ``lender`` may send teams to ``borrower`` (R-AGREEMENT).

    Attributes
    ----------
    lender, borrower
        Jurisdiction (region) codes.
    capabilities
        Capabilities the agreement covers; empty means all. A lent unit contributes only covered ones.
    fixed_cost
        Planning cost of one lent unit in a solver-level dispatch problem, yuan.
    cost_per_travel_min
        Planning cost per travel minute of one lent unit in a solver-level dispatch problem, yuan.
    rates
        Compensation rates: what the ledger charges, and what a scenario dispatch minimises.
    retained
        Minimum the lender keeps at home, by capability, whenever it lends under this agreement.
    reimbursable
        Cost lines the borrower side reimburses (default labour, equipment, consumables, transport);
        workers' compensation can never be one.
    id
        Optional agreement reference, e.g. the REQ-A or 救援协议 number.
    lender_province, borrower_province
        Optional province codes, used by the cross-province payer rule.

    """

    lender: Text
    borrower: Text
    capabilities: frozenset[Text] = frozenset()
    fixed_cost: Amount = 0.0
    cost_per_travel_min: Amount = 0.0
    rates: RateCard = field(default_factory=RateCard)
    retained: Mapping[str, Count] = field(default_factory=dict)
    reimbursable: Annotated[frozenset[str], Field(json_schema_extra={"items": {"enum": sorted(COST_LINES)}})] = (
        DEFAULT_REIMBURSABLE)
    id: Annotated[str, Field(max_length=80, pattern=ID_PATTERN)] = ""
    lender_province: str = ""
    borrower_province: str = ""

    @field_validator("capabilities", "rates", "retained", "reimbursable", "id", "lender_province",
                     "borrower_province", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        """Read a JSON null as the field's default."""
        if value is not None:
            return value
        return {"capabilities": [], "rates": {}, "retained": {}, "reimbursable": sorted(DEFAULT_REIMBURSABLE)}.get(
            str(info.field_name), "")

    @field_validator("reimbursable")
    @classmethod
    def _known_lines(cls, lines: frozenset[str]) -> frozenset[str]:
        """Only known cost lines, and never workers' compensation (R-AGREEMENT)."""
        if WORKERS_COMPENSATION in lines:
            raise ValueError("workers' compensation is never reimbursable (R-AGREEMENT)")
        unknown = sorted(lines - COST_LINES)
        if unknown:
            raise ValueError(f"unknown cost line {unknown[0]!r} (known: {', '.join(sorted(COST_LINES))})")
        return lines

    @property
    def reference(self) -> str:
        """The agreement's id, or ``lender->borrower`` when it has none."""
        return self.id or f"{self.lender}->{self.borrower}"

    def covers(self, capability: str) -> bool:
        """Whether a unit lent under this agreement may contribute ``capability``."""
        return not self.capabilities or capability in self.capabilities

    def dispatch_cost(self, travel_min: float) -> float:
        """Planning cost of lending one unit that travels ``travel_min`` minutes, yuan (solver-level problems)."""
        return self.fixed_cost + self.cost_per_travel_min * travel_min


def parse_agreement(data: Any, *, record: str = "agreement") -> Agreement:
    """Validate one agreement from a JSON-like dict; InputError names the record and the field."""
    return validate(Agreement, data, what=record)


def agreements_from_dicts(items: Iterable[Mapping[str, Any]], *, record: str = "agreements") -> tuple[Agreement, ...]:
    """Parse agreements; reject a second agreement for the same lender and borrower."""
    if isinstance(items, (str, Mapping)) or not isinstance(items, Iterable):
        raise InputError(f"{record} must be a list", field="agreements", record=record)
    out: list[Agreement] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        agreement = parse_agreement(item, record=f"{record}[{index}]")
        key = (agreement.lender, agreement.borrower)
        if key in seen:
            raise InputError(
                f"{record}[{index}]: duplicate agreement lender={key[0]} borrower={key[1]}",
                field="lender",
                record=f"{record}[{index}]",
            )
        seen.add(key)
        out.append(agreement)
    return tuple(out)


def find_agreement(agreements: Iterable[Agreement], lender: str, borrower: str) -> Agreement | None:
    """Return the agreement letting ``lender`` send teams to ``borrower``, or None."""
    for agreement in agreements:
        if agreement.lender == lender and agreement.borrower == borrower:
            return agreement
    return None
