"""Sharing agreements between jurisdictions, rate cards, payer rules and the compensation ledger.

An :class:`Agreement` lets a lender region send its teams to a borrower region (R-AGREEMENT): it names
the capabilities it covers (empty means all), the planning cost used by dispatch (a fixed cost plus a
cost per travel minute), the :class:`RateCard` used to compensate the lender afterwards, the minimum the
lender keeps at home while lending, and the cost lines that are reimbursable.

After a mission or a drill, :func:`build_ledger` turns the deployments into ledger lines per lender and
payer (R-COST): labour is rate x people x days with a part day counted as a full day; equipment use is
rate x items x days; consumables are unit price x quantity; transport is per km plus per trip. The payer
is chosen by :class:`PayerRule` records, which are data: the first rule whose conditions match the
mission decides. The default rules are: cross-province aid is paid by the supported region; otherwise the
accident-responsible unit pays; otherwise (none, cannot pay, natural disaster, drill) the local
government of the incident's region. Only lines on the agreement are reimbursable and workers'
compensation never is; the ledger keeps excluded claims with the reason.

Amounts are in yuan, rounded to fen (0.01) per line.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from planner.errors import InputError

LABOUR = "labour"
EQUIPMENT = "equipment"
CONSUMABLES = "consumables"
TRANSPORT = "transport"
SUBSISTENCE = "subsistence"
WORKERS_COMPENSATION = "workers_compensation"

#: Cost lines a ledger knows; an agreement reimburses a subset of them.
COST_LINES: frozenset[str] = frozenset({LABOUR, EQUIPMENT, CONSUMABLES, TRANSPORT, SUBSISTENCE})
#: Lines an agreement reimburses when it does not list any (Shanxi 2024 lines except board and lodging).
DEFAULT_REIMBURSABLE: frozenset[str] = frozenset({LABOUR, EQUIPMENT, CONSUMABLES, TRANSPORT})
#: Payer roles a :class:`PayerRule` may name.
PAYER_ROLES: frozenset[str] = frozenset(
    {"responsible_unit", "incident_government", "supported_region", "dispatcher", "borrower"}
)
#: Mission facts a :class:`PayerRule` condition may test.
RULE_FACTS: frozenset[str] = frozenset(
    {"cross_province", "responsible_can_pay", "natural_disaster", "kind", "has_dispatcher"}
)
MISSION_KINDS: frozenset[str] = frozenset({"accident", "natural_disaster", "drill"})

_HOURS_PER_DAY = 24.0


# ----------------------------------------------------------------------------------------------------
# Field helpers: every bad value raises InputError naming the record and the field.


def _where(record: str, name: str) -> str:
    return f"{record}: {name}" if record else name


def _number(data: Mapping[str, Any], name: str, record: str, *, default: float | None = None) -> float:
    """Read a finite, non-negative number from ``data[name]``."""
    if name not in data or data[name] is None:
        if default is None:
            raise InputError(f"{_where(record, name)} is missing", field=name, record=record)
        return default
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{_where(record, name)} must be a number, got {value!r}", field=name, record=record)
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{_where(record, name)} must be finite and >= 0, got {value!r}", field=name, record=record)
    return float(value)


def _count(data: Mapping[str, Any], name: str, record: str, *, default: int | None = None) -> int:
    """Read a non-negative integer from ``data[name]``."""
    if name not in data or data[name] is None:
        if default is None:
            raise InputError(f"{_where(record, name)} is missing", field=name, record=record)
        return default
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{_where(record, name)} must be an integer >= 0, got {value!r}", field=name, record=record)
    return value


def _text(data: Mapping[str, Any], name: str, record: str, *, default: str | None = None) -> str:
    """Read a non-empty string from ``data[name]``."""
    if name not in data or data[name] is None:
        if default is None:
            raise InputError(f"{_where(record, name)} is missing", field=name, record=record)
        return default
    value = data[name]
    if default is not None and value == "":
        return default
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{_where(record, name)} must be a non-empty string, got {value!r}", field=name, record=record)
    return value


def _mapping(data: Mapping[str, Any], name: str, record: str) -> Mapping[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{_where(record, name)} must be an object", field=name, record=record)
    return value


def _rates(data: Mapping[str, Any], name: str, record: str) -> Mapping[str, float]:
    """Return a read-only mapping key -> non-negative number."""
    raw = _mapping(data, name, record)
    return MappingProxyType({str(k): _number(raw, k, record, default=None) for k in raw})


def _counts(data: Mapping[str, Any], name: str, record: str) -> Mapping[str, int]:
    """Return a read-only mapping key -> non-negative integer."""
    raw = _mapping(data, name, record)
    return MappingProxyType({str(k): _count(raw, k, record) for k in raw})


def _names(data: Mapping[str, Any], name: str, record: str) -> frozenset[str]:
    value = data.get(name)
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InputError(f"{_where(record, name)} must be a list of names", field=name, record=record)
    items = list(value)
    if not all(isinstance(v, str) and v for v in items):
        raise InputError(f"{_where(record, name)} must be a list of names", field=name, record=record)
    return frozenset(items)


def _reject_unknown(data: Mapping[str, Any], known: Iterable[str], record: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(f"{_where(record, unknown[0])} is not a known field", field=unknown[0], record=record)


def _money(value: float) -> float:
    """Round to fen, half away from zero, avoiding binary artefacts such as 0.30000000000000004."""
    return math.floor(abs(value) * 100 + 0.5 + 1e-9) / 100 * (1 if value >= 0 else -1)


# ----------------------------------------------------------------------------------------------------
# Agreements and rate cards


@dataclass(frozen=True)
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

    labour_per_person_day: float = 0.0
    equipment_per_day: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    consumables: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    transport_per_km: float = 0.0
    transport_per_trip: float = 0.0
    subsistence_per_person_day: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, record: str = "rates") -> RateCard:
        """Build a rate card from a JSON-like dict; raise InputError naming a bad field."""
        if not isinstance(data, Mapping):
            raise InputError(f"{record} must be an object", field="rates", record=record)
        _reject_unknown(data, cls.__dataclass_fields__, record)
        return cls(
            labour_per_person_day=_number(data, "labour_per_person_day", record, default=0.0),
            equipment_per_day=_rates(data, "equipment_per_day", record),
            consumables=_rates(data, "consumables", record),
            transport_per_km=_number(data, "transport_per_km", record, default=0.0),
            transport_per_trip=_number(data, "transport_per_trip", record, default=0.0),
            subsistence_per_person_day=_number(data, "subsistence_per_person_day", record, default=0.0),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, the inverse of :meth:`from_dict`."""
        return {
            "labour_per_person_day": self.labour_per_person_day,
            "equipment_per_day": dict(self.equipment_per_day),
            "consumables": dict(self.consumables),
            "transport_per_km": self.transport_per_km,
            "transport_per_trip": self.transport_per_trip,
            "subsistence_per_person_day": self.subsistence_per_person_day,
        }


@dataclass(frozen=True)
class Agreement:
    """A signed sharing agreement: ``lender`` may send teams to ``borrower`` (R-AGREEMENT).

    Attributes
    ----------
    lender, borrower
        Jurisdiction (region) codes.
    capabilities
        Capabilities the agreement covers; empty means all. A lent unit contributes only covered ones.
    fixed_cost
        Planning cost of one lent unit, yuan, used by dispatch.
    cost_per_travel_min
        Planning cost per travel minute of one lent unit, yuan, used by dispatch.
    rates
        Compensation rates for the ledger.
    retained
        Minimum the lender keeps at home, by capability, whenever it lends under this agreement.
    reimbursable
        Cost lines the borrower side reimburses; workers' compensation can never be one.
    id
        Optional agreement reference, e.g. the REQ-A or 救援协议 number.
    lender_province, borrower_province
        Optional province codes, used by the cross-province payer rule.

    """

    lender: str
    borrower: str
    capabilities: frozenset[str] = frozenset()
    fixed_cost: float = 0.0
    cost_per_travel_min: float = 0.0
    rates: RateCard = field(default_factory=RateCard)
    retained: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    reimbursable: frozenset[str] = DEFAULT_REIMBURSABLE
    id: str = ""
    lender_province: str = ""
    borrower_province: str = ""

    def __post_init__(self) -> None:
        record = self.id or f"agreement {self.lender}->{self.borrower}"
        if WORKERS_COMPENSATION in self.reimbursable:
            raise InputError(
                f"{record}: reimbursable: workers' compensation is never reimbursable (R-AGREEMENT)",
                field="reimbursable",
                record=record,
            )
        unknown = sorted(self.reimbursable - COST_LINES)
        if unknown:
            raise InputError(
                f"{record}: reimbursable: unknown cost line {unknown[0]!r} (known: {', '.join(sorted(COST_LINES))})",
                field="reimbursable",
                record=record,
            )
        for name in ("fixed_cost", "cost_per_travel_min"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"{record}: {name} must be finite and >= 0, got {value!r}", field=name, record=record)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, record: str = "agreement") -> Agreement:
        """Build an agreement from a JSON-like dict; raise InputError naming a bad field.

        ``reimbursable`` defaults to labour, equipment, consumables and transport.
        """
        if not isinstance(data, Mapping):
            raise InputError(f"{record} must be an object", field="agreement", record=record)
        _reject_unknown(data, cls.__dataclass_fields__, record)
        lender = _text(data, "lender", record)
        borrower = _text(data, "borrower", record)
        reimbursable = _names(data, "reimbursable", record) if "reimbursable" in data else DEFAULT_REIMBURSABLE
        return cls(
            lender=lender,
            borrower=borrower,
            capabilities=_names(data, "capabilities", record),
            fixed_cost=_number(data, "fixed_cost", record, default=0.0),
            cost_per_travel_min=_number(data, "cost_per_travel_min", record, default=0.0),
            rates=RateCard.from_dict(data.get("rates") or {}, record=f"{record}.rates"),
            retained=_counts(data, "retained", record),
            reimbursable=reimbursable,
            id=_text(data, "id", record, default=""),
            lender_province=_text(data, "lender_province", record, default=""),
            borrower_province=_text(data, "borrower_province", record, default=""),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, the inverse of :meth:`from_dict`."""
        return {
            "id": self.id,
            "lender": self.lender,
            "borrower": self.borrower,
            "lender_province": self.lender_province,
            "borrower_province": self.borrower_province,
            "capabilities": sorted(self.capabilities),
            "fixed_cost": self.fixed_cost,
            "cost_per_travel_min": self.cost_per_travel_min,
            "rates": self.rates.to_dict(),
            "retained": dict(self.retained),
            "reimbursable": sorted(self.reimbursable),
        }

    def covers(self, capability: str) -> bool:
        """Whether a unit lent under this agreement may contribute ``capability``."""
        return not self.capabilities or capability in self.capabilities

    def dispatch_cost(self, travel_min: float) -> float:
        """Planning cost of lending one unit that travels ``travel_min`` minutes, yuan."""
        return self.fixed_cost + self.cost_per_travel_min * travel_min


def agreements_from_dicts(items: Iterable[Mapping[str, Any]], *, record: str = "agreements") -> tuple[Agreement, ...]:
    """Parse a list of agreement dicts; a second agreement for the same lender and borrower is an error."""
    if isinstance(items, (str, Mapping)) or not isinstance(items, Iterable):
        raise InputError(f"{record} must be a list", field="agreements", record=record)
    out: list[Agreement] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        agreement = Agreement.from_dict(item, record=f"{record}[{index}]")
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


# ----------------------------------------------------------------------------------------------------
# Payer rules


@dataclass(frozen=True)
class PayerRule:
    """One payer rule: if every condition in ``when`` matches the mission facts, ``payer`` pays.

    Facts are ``cross_province`` (lender and incident in different provinces), ``responsible_can_pay``
    (a responsible unit exists, can pay, and the event is not a natural disaster), ``natural_disaster``,
    ``has_dispatcher`` and ``kind`` (accident, natural_disaster, drill). Payer roles are
    ``responsible_unit``, ``incident_government`` (government of the incident's region),
    ``supported_region`` (same government, named for the cross-province rule), ``dispatcher`` (the
    dispatching authority's budget) and ``borrower`` (the agreement's borrower).
    """

    name: str
    payer: str
    when: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.payer not in PAYER_ROLES:
            raise InputError(
                f"payer rule {self.name!r}: payer: unknown role {self.payer!r} "
                f"(known: {', '.join(sorted(PAYER_ROLES))})",
                field="payer",
                record=self.name,
            )
        for fact in self.when:
            if fact not in RULE_FACTS:
                raise InputError(
                    f"payer rule {self.name!r}: when: unknown fact {fact!r} (known: {', '.join(sorted(RULE_FACTS))})",
                    field="when",
                    record=self.name,
                )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, record: str = "payer_rule") -> PayerRule:
        """Build a rule from ``{"name": ..., "payer": ..., "when": {...}}``."""
        if not isinstance(data, Mapping):
            raise InputError(f"{record} must be an object", field="payer_rule", record=record)
        _reject_unknown(data, ("name", "payer", "when"), record)
        return cls(
            name=_text(data, "name", record),
            payer=_text(data, "payer", record),
            when=MappingProxyType(dict(_mapping(data, "when", record))),
        )

    def matches(self, facts: Mapping[str, Any]) -> bool:
        """Whether every condition equals the corresponding fact."""
        return all(facts.get(key) == value for key, value in self.when.items())


#: R-COST / Shanxi 2024 / 条例 Art 19, in order: the first matching rule decides.
DEFAULT_PAYER_RULES: tuple[PayerRule, ...] = (
    PayerRule("cross-province aid: supported region pays", "supported_region",
              MappingProxyType({"cross_province": True})),
    PayerRule("accident-responsible unit pays", "responsible_unit", MappingProxyType({"responsible_can_pay": True})),
    PayerRule("local government of the incident's region pays", "incident_government"),
)


def payer_rules_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[PayerRule, ...]:
    """Parse payer rules in order; the last one should have no conditions so every mission has a payer."""
    return tuple(PayerRule.from_dict(item, record=f"payer_rules[{i}]") for i, item in enumerate(items))


# ----------------------------------------------------------------------------------------------------
# Missions, deployments and the ledger


@dataclass(frozen=True)
class Deployment:
    """One team's part in a mission or drill, as reported afterwards.

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
    lender_province
        Province of the lender; defaults to the agreement's ``lender_province``.

    """

    unit: str
    lender: str
    people: int
    duration_h: float
    equipment: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    consumables: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    transport_km: float = 0.0
    trips: int = 0
    claims: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    lender_province: str = ""

    @property
    def days(self) -> int:
        """Days charged: a part day counts as a full day (R-COST)."""
        return math.ceil(self.duration_h / _HOURS_PER_DAY - 1e-9) if self.duration_h > 0 else 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, record: str = "deployment") -> Deployment:
        """Build a deployment from a JSON-like dict; raise InputError naming a bad field."""
        if not isinstance(data, Mapping):
            raise InputError(f"{record} must be an object", field="deployment", record=record)
        _reject_unknown(data, cls.__dataclass_fields__, record)
        claims = _rates(data, "claims", record)
        for line in claims:
            if line not in COST_LINES and line != WORKERS_COMPENSATION:
                raise InputError(f"{record}: claims: unknown cost line {line!r}", field="claims", record=record)
        return cls(
            unit=_text(data, "unit", record),
            lender=_text(data, "lender", record),
            people=_count(data, "people", record),
            duration_h=_number(data, "duration_h", record),
            equipment=_counts(data, "equipment", record),
            consumables=_rates(data, "consumables", record),
            transport_km=_number(data, "transport_km", record, default=0.0),
            trips=_count(data, "trips", record, default=0),
            claims=claims,
            lender_province=_text(data, "lender_province", record, default=""),
        )


@dataclass(frozen=True)
class Mission:
    """A mission or drill after the fact: where it happened, who is responsible, who took part.

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

    id: str
    region: str
    kind: str
    deployments: tuple[Deployment, ...]
    province: str = ""
    responsible_unit: str = ""
    responsible_can_pay: bool = True
    dispatcher: str = ""

    def __post_init__(self) -> None:
        if self.kind not in MISSION_KINDS:
            raise InputError(
                f"mission {self.id}: kind must be one of {', '.join(sorted(MISSION_KINDS))}, got {self.kind!r}",
                field="kind",
                record=self.id,
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, record: str = "mission") -> Mission:
        """Build a mission from a JSON-like dict; raise InputError naming a bad field."""
        if not isinstance(data, Mapping):
            raise InputError(f"{record} must be an object", field="mission", record=record)
        _reject_unknown(data, cls.__dataclass_fields__, record)
        mission_id = _text(data, "id", record)
        items = data.get("deployments")
        if not isinstance(items, list):
            raise InputError(f"{mission_id}: deployments must be a list", field="deployments", record=mission_id)
        can_pay = data.get("responsible_can_pay", True)
        if not isinstance(can_pay, bool):
            raise InputError(
                f"{mission_id}: responsible_can_pay must be true or false",
                field="responsible_can_pay",
                record=mission_id,
            )
        return cls(
            id=mission_id,
            region=_text(data, "region", mission_id),
            kind=_text(data, "kind", mission_id),
            deployments=tuple(
                Deployment.from_dict(d, record=f"{mission_id}.deployments[{i}]") for i, d in enumerate(items)
            ),
            province=_text(data, "province", mission_id, default=""),
            responsible_unit=_text(data, "responsible_unit", mission_id, default=""),
            responsible_can_pay=can_pay,
            dispatcher=_text(data, "dispatcher", mission_id, default=""),
        )


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


CSV_COLUMNS: tuple[str, ...] = (
    "mission",
    "unit",
    "lender",
    "payer",
    "line",
    "item",
    "quantity",
    "rate",
    "days",
    "amount",
    "agreement",
    "rule",
)


@dataclass(frozen=True)
class Ledger:
    """Compensation ledger: reimbursable lines, excluded claims, totals per payer and per lender."""

    lines: tuple[LedgerLine, ...]
    excluded: tuple[ExcludedClaim, ...] = ()

    @property
    def total(self) -> float:
        """Sum of all lines, yuan."""
        return _money(sum(line.amount for line in self.lines))

    def totals_by_payer(self) -> dict[str, float]:
        """Amount owed by each payer, yuan."""
        return self._totals(lambda line: line.payer)

    def totals_by_lender(self) -> dict[str, float]:
        """Amount due to each lender, yuan."""
        return self._totals(lambda line: line.lender)

    def totals_by_payer_and_lender(self) -> dict[tuple[str, str], float]:
        """Amount each payer owes each lender, yuan."""
        out: dict[tuple[str, str], float] = {}
        for line in self.lines:
            key = (line.payer, line.lender)
            out[key] = out.get(key, 0.0) + line.amount
        return {key: _money(value) for key, value in sorted(out.items())}

    def _totals(self, key: Any) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[key(line)] = out.get(key(line), 0.0) + line.amount
        return {name: _money(value) for name, value in sorted(out.items())}

    def to_csv(self, target: str | Path | TextIO | None = None) -> str:
        """Write the lines as CSV (header row first); return the text, also written to ``target`` if given."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for line in self.lines:
            writer.writerow(
                [
                    line.mission,
                    line.unit,
                    line.lender,
                    line.payer,
                    line.line,
                    line.item,
                    _plain_number(line.quantity),
                    _plain_number(line.rate),
                    line.days,
                    f"{line.amount:.2f}",
                    line.agreement,
                    line.rule,
                ]
            )
        text = buffer.getvalue()
        if isinstance(target, (str, Path)):
            Path(target).write_text(text, encoding="utf-8", newline="")
        elif target is not None:
            target.write(text)
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with lines, excluded claims and totals."""
        return {
            "lines": [line.__dict__.copy() for line in self.lines],
            "excluded": [claim.__dict__.copy() for claim in self.excluded],
            "totals_by_payer": self.totals_by_payer(),
            "totals_by_lender": self.totals_by_lender(),
            "total": self.total,
        }


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def mission_facts(mission: Mission, deployment: Deployment, agreement: Agreement | None) -> dict[str, Any]:
    """Facts the payer rules test for one deployment of a mission."""
    lender_province = deployment.lender_province or (agreement.lender_province if agreement else "")
    incident_province = mission.province or (agreement.borrower_province if agreement else "")
    natural = mission.kind == "natural_disaster"
    return {
        "cross_province": bool(lender_province and incident_province and lender_province != incident_province),
        "responsible_can_pay": bool(mission.responsible_unit) and mission.responsible_can_pay and not natural,
        "natural_disaster": natural,
        "kind": mission.kind,
        "has_dispatcher": bool(mission.dispatcher),
    }


def choose_payer(
    mission: Mission,
    deployment: Deployment,
    agreement: Agreement | None,
    rules: Iterable[PayerRule] = DEFAULT_PAYER_RULES,
) -> tuple[str, str]:
    """Payer of a deployment and the name of the rule that chose it.

    Payers are named ``unit:<id>`` for a responsible unit and ``government:<region>`` for a government
    budget. Raise InputError when no rule matches or the chosen role has no one to name.
    """
    facts = mission_facts(mission, deployment, agreement)
    for rule in rules:
        if not rule.matches(facts):
            continue
        if rule.payer == "responsible_unit":
            if not mission.responsible_unit:
                continue
            return f"unit:{mission.responsible_unit}", rule.name
        if rule.payer in ("incident_government", "supported_region"):
            return f"government:{mission.region}", rule.name
        if rule.payer == "borrower":
            return f"government:{agreement.borrower if agreement else mission.region}", rule.name
        if rule.payer == "dispatcher":
            if not mission.dispatcher:
                continue
            return f"government:{mission.dispatcher}", rule.name
    raise InputError(f"mission {mission.id}: no payer rule matches unit {deployment.unit}", field="payer_rules")


def build_ledger(
    missions: Iterable[Mission],
    agreements: Iterable[Agreement],
    *,
    rules: Iterable[PayerRule] = DEFAULT_PAYER_RULES,
) -> Ledger:
    """Compensation ledger of missions and drills under the agreements (R-COST, R-AGREEMENT).

    A deployment whose lender is not the mission's region needs an agreement lender -> mission region
    (InputError otherwise). A same-region deployment is compensated only if an agreement with
    lender == borrower == region gives its rates; otherwise its claims are listed as excluded. Lines
    not on the agreement and workers' compensation are excluded with the reason.

    Parameters
    ----------
    missions
        Missions and drills with their deployments.
    agreements
        Signed agreements with rate cards.
    rules
        Payer rules, first match wins.

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
            agreement = find_agreement(agreement_list, deployment.lender, mission.region)
            if agreement is None and deployment.lender != mission.region:
                raise InputError(
                    f"mission {mission.id}: unit {deployment.unit} from {deployment.lender} served {mission.region} "
                    "without a sharing agreement (R-AGREEMENT)",
                    field="lender",
                    record=mission.id,
                )
            candidates = _candidate_lines(deployment, agreement)
            if agreement is None:
                for line, _item, _qty, _rate, _days, amount in candidates:
                    if amount > 0:
                        excluded.append(
                            ExcludedClaim(mission.id, deployment.unit, deployment.lender, line, _money(amount),
                                          "same-region deployment without a rate agreement")
                        )
                continue
            payer, rule_name = choose_payer(mission, deployment, agreement, rule_list)
            for line, item, quantity, rate, days, amount in candidates:
                if line == WORKERS_COMPENSATION:
                    excluded.append(
                        ExcludedClaim(mission.id, deployment.unit, deployment.lender, line, _money(amount),
                                      "workers' compensation is never reimbursable")
                    )
                elif line not in agreement.reimbursable:
                    excluded.append(
                        ExcludedClaim(mission.id, deployment.unit, deployment.lender, line, _money(amount),
                                      f"{line} is not a reimbursable line of the agreement")
                    )
                elif amount > 0:
                    lines.append(
                        LedgerLine(
                            mission=mission.id,
                            unit=deployment.unit,
                            lender=deployment.lender,
                            payer=payer,
                            line=line,
                            item=item,
                            quantity=quantity,
                            rate=rate,
                            days=days,
                            amount=_money(amount),
                            agreement=agreement.id or f"{agreement.lender}->{agreement.borrower}",
                            rule=rule_name,
                        )
                    )
    return Ledger(lines=tuple(lines), excluded=tuple(excluded))


def _candidate_lines(
    deployment: Deployment, agreement: Agreement | None
) -> list[tuple[str, str, float, float, int, float]]:
    """Every cost a deployment gives rise to: (line, item, quantity, rate, days, amount)."""
    rates = agreement.rates if agreement is not None else RateCard()
    days = deployment.days
    out: list[tuple[str, str, float, float, int, float]] = []
    if deployment.people and days:
        rate = rates.labour_per_person_day
        out.append((LABOUR, "person-days", float(deployment.people), rate, days, rate * deployment.people * days))
        if rates.subsistence_per_person_day:
            rate = rates.subsistence_per_person_day
            out.append((SUBSISTENCE, "person-days", float(deployment.people), rate, days,
                        rate * deployment.people * days))
    for kind, count in sorted(deployment.equipment.items()):
        if kind not in rates.equipment_per_day and agreement is not None:
            raise InputError(
                f"unit {deployment.unit}: equipment {kind!r} has no rate in agreement "
                f"{agreement.lender}->{agreement.borrower}",
                field="equipment",
                record=deployment.unit,
            )
        rate = rates.equipment_per_day.get(kind, 0.0)
        out.append((EQUIPMENT, kind, float(count), rate, days, rate * count * days))
    for item, quantity in sorted(deployment.consumables.items()):
        if item not in rates.consumables and agreement is not None:
            raise InputError(
                f"unit {deployment.unit}: consumable {item!r} has no rate in agreement "
                f"{agreement.lender}->{agreement.borrower}",
                field="consumables",
                record=deployment.unit,
            )
        rate = rates.consumables.get(item, 0.0)
        out.append((CONSUMABLES, item, quantity, rate, 0, rate * quantity))
    if deployment.transport_km:
        rate = rates.transport_per_km
        out.append((TRANSPORT, "km", deployment.transport_km, rate, 0, rate * deployment.transport_km))
    if deployment.trips:
        rate = rates.transport_per_trip
        out.append((TRANSPORT, "trips", float(deployment.trips), rate, 0, rate * deployment.trips))
    for line, amount in sorted(deployment.claims.items()):
        out.append((line, "claimed", 1.0, amount, 0, amount))
    return out
