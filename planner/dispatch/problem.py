"""Dispatch problem records, the JSON parser that validates them, and the rules shared by every dispatcher.

The JSON form (``python -m planner dispatch --problem P.json``)::

    {"units": [{"id": "T1", "region": "A", "capabilities": {"mine_rescue_squad": 2}, "ready_min": 5}],
     "incidents": [{"id": "I1", "region": "B", "priority": 3,
                    "requirements": [{"capability": "mine_rescue_squad", "quantity": 3, "deadline_min": 60}]}],
     "travel_min": {"T1": {"I1": 42.5}},
     "agreements": [{"lender": "A", "borrower": "B", "fixed_cost": 5000, "cost_per_travel_min": 20}],
     "min_retained": {"A": {"mine_rescue_squad": 1}}}

Semantics shared by the optimiser and the greedy baseline (see :func:`pair_options`):

- a unit sent to an incident brings all its capabilities and arrives at ``ready_min + travel_min``;
  a missing (or null) travel entry means unreachable;
- a unit may serve an incident of another region only under an agreement lender = its region,
  borrower = the incident's region (R-AGREEMENT); it then contributes only the capabilities the
  agreement covers and costs ``fixed_cost + cost_per_travel_min * travel_min``; same-region service is free;
- each requirement is met separately: shortfall = quantity minus the capability units of the units
  sent to that incident arriving by its deadline, never below zero;
- the available units of a region sent nowhere must together hold ``min_retained`` of each capability;
  while a region lends under an agreement with ``retained``, they must also hold that;
- units whose status is ``committed`` or ``drilling`` are neither sent nor counted at home.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from planner.errors import InfeasibleError, InputError
from planner.sharing.ledger import Agreement, agreements_from_dicts, find_agreement

UNIT_STATUSES: frozenset[str] = frozenset({"available", "committed", "drilling"})

_UNIT_FIELDS = frozenset(
    {"id", "region", "capabilities", "ready_min", "status", "name", "kind", "people", "province", "lon", "lat", "base"}
)
_INCIDENT_FIELDS = frozenset(
    {"id", "region", "priority", "requirements", "type", "name", "location", "province", "lon", "lat",
     "responsible_unit"}
)
_REQUIREMENT_FIELDS = frozenset({"capability", "quantity", "deadline_min", "duration_min"})
_PROBLEM_FIELDS = frozenset({"units", "incidents", "travel_min", "agreements", "min_retained", "name"})


@dataclass(frozen=True)
class Requirement:
    """``quantity`` units of ``capability`` on scene by ``deadline_min`` for ``duration_min`` minutes."""

    capability: str
    quantity: int
    deadline_min: float
    duration_min: float | None = None


@dataclass(frozen=True)
class Incident:
    """An incident in ``region``; ``priority`` (>= 1) weights its shortfall and arrival minutes."""

    id: str
    region: str
    priority: int
    requirements: tuple[Requirement, ...]
    type: str = ""


@dataclass(frozen=True)
class Unit:
    """A rescue team: home ``region``, capability quantities, minutes to turn out, status."""

    id: str
    region: str
    capabilities: Mapping[str, int]
    ready_min: float = 0.0
    status: str = "available"

    @property
    def available(self) -> bool:
        """Whether the team may be sent (not committed elsewhere, not drilling)."""
        return self.status == "available"


@dataclass(frozen=True)
class DispatchProblem:
    """Units, incidents, the travel-time matrix (minutes), agreements and retained minimums."""

    units: tuple[Unit, ...]
    incidents: tuple[Incident, ...]
    travel_min: Mapping[tuple[str, str], float]
    agreements: tuple[Agreement, ...] = ()
    min_retained: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: MappingProxyType({}))

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

    def with_incident(self, incident: Incident, travel_min: Mapping[str, float]) -> DispatchProblem:
        """Return a copy with one more incident and the travel minutes of units to it (unit id -> minutes)."""
        if any(i.id == incident.id for i in self.incidents):
            raise InputError(f"incident {incident.id}: duplicate id", field="id", record=incident.id)
        travel = dict(self.travel_min)
        known = {u.id for u in self.units}
        for unit_id, minutes in travel_min.items():
            if unit_id not in known:
                raise InputError(f"travel_min: unknown unit {unit_id!r}", field="travel_min", record=unit_id)
            travel[(unit_id, incident.id)] = float(minutes)
        return DispatchProblem(
            units=self.units,
            incidents=(*self.incidents, incident),
            travel_min=MappingProxyType(travel),
            agreements=self.agreements,
            min_retained=self.min_retained,
        )


# ----------------------------------------------------------------------------------------------------
# Parsing


def _fail(message: str, field_name: str, record: str | None = None) -> InputError:
    return InputError(message, field=field_name, record=record)


def _require(data: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in data or data[name] is None:
        return _raise(_fail(f"{where}: missing required field {name!r}", name, where))
    return data[name]


def _raise(error: Exception) -> Any:
    raise error


def _check_fields(data: Any, known: frozenset[str], where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(f"{where} must be an object", where, where)
    unknown = sorted(set(data) - known)
    if unknown:
        raise _fail(f"{where}: unknown field {unknown[0]!r}", unknown[0], where)
    return data


def _name(data: Mapping[str, Any], name: str, where: str) -> str:
    value = _require(data, name, where)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{where}: {name} must be a non-empty string, got {value!r}", name, where)
    return value


def _minutes(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"{where}: {name} must be a number of minutes, got {value!r}", name, where)
    if not math.isfinite(value) or value < 0:
        raise _fail(f"{where}: {name} must be finite and >= 0, got {value!r}", name, where)
    return float(value)


def _integer(value: Any, name: str, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(f"{where}: {name} must be an integer >= {minimum}, got {value!r}", name, where)
    return value


def _list(data: Mapping[str, Any], name: str, where: str, *, required: bool = True) -> list[Any]:
    if not required and data.get(name) is None:
        return []
    value = _require(data, name, where)
    if not isinstance(value, list):
        raise _fail(f"{where}: {name} must be a list", name, where)
    return value


def _capabilities(value: Any, where: str) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise _fail(f"{where}: capabilities must be an object capability -> quantity", "capabilities", where)
    out: dict[str, int] = {}
    for capability, quantity in value.items():
        if not isinstance(capability, str) or not capability:
            raise _fail(f"{where}: capabilities: empty capability name", "capabilities", where)
        out[capability] = _integer(quantity, f"capabilities.{capability}", where)
    return MappingProxyType(out)


def parse_unit(data: Any, where: str = "unit") -> Unit:
    """One unit from a JSON-like dict."""
    data = _check_fields(data, _UNIT_FIELDS, where)
    unit_id = _name(data, "id", where)
    where = f"unit {unit_id}"
    status = data.get("status", "available")
    if status not in UNIT_STATUSES:
        allowed = ", ".join(sorted(UNIT_STATUSES))
        raise _fail(f"{where}: status must be one of {allowed}, got {status!r}", "status", where)
    return Unit(
        id=unit_id,
        region=_name(data, "region", where),
        capabilities=_capabilities(_require(data, "capabilities", where), where),
        ready_min=_minutes(data.get("ready_min", 0), "ready_min", where),
        status=status,
    )


def parse_requirement(data: Any, where: str) -> Requirement:
    """One requirement from a JSON-like dict."""
    data = _check_fields(data, _REQUIREMENT_FIELDS, where)
    duration = data.get("duration_min")
    return Requirement(
        capability=_name(data, "capability", where),
        quantity=_integer(_require(data, "quantity", where), "quantity", where),
        deadline_min=_minutes(_require(data, "deadline_min", where), "deadline_min", where),
        duration_min=None if duration is None else _minutes(duration, "duration_min", where),
    )


def parse_incident(data: Any, where: str = "incident") -> Incident:
    """One incident from a JSON-like dict."""
    data = _check_fields(data, _INCIDENT_FIELDS, where)
    incident_id = _name(data, "id", where)
    where = f"incident {incident_id}"
    requirements = _list(data, "requirements", where)
    incident_type = data.get("type", "")
    return Incident(
        id=incident_id,
        region=_name(data, "region", where),
        priority=_integer(_require(data, "priority", where), "priority", where, minimum=1),
        requirements=tuple(parse_requirement(r, f"{where}: requirements[{k}]") for k, r in enumerate(requirements)),
        type=incident_type if isinstance(incident_type, str) else str(incident_type),
    )


def problem_from_dict(data: Any) -> DispatchProblem:
    """Parse and validate a dispatch problem; raise InputError naming the field of the first problem found.

    Checks: required fields, types, non-negative quantities and minutes, duplicate unit or incident
    ids, travel entries naming unknown units or incidents, agreements or retained minimums naming
    regions that no unit or incident has.
    """
    data = _check_fields(data, _PROBLEM_FIELDS, "problem")
    units = tuple(parse_unit(u, f"units[{k}]") for k, u in enumerate(_list(data, "units", "problem")))
    incidents = tuple(parse_incident(i, f"incidents[{k}]") for k, i in enumerate(_list(data, "incidents", "problem")))
    unit_ids = _unique([u.id for u in units], "units")
    incident_ids = _unique([i.id for i in incidents], "incidents")
    regions = {u.region for u in units} | {i.region for i in incidents}

    raw_travel = data.get("travel_min", {})
    if not isinstance(raw_travel, Mapping):
        raise _fail("problem: travel_min must be an object unit -> {incident: minutes}", "travel_min")
    travel: dict[tuple[str, str], float] = {}
    for unit_id, row in raw_travel.items():
        if unit_id not in unit_ids:
            raise _fail(f"travel_min: unknown unit {unit_id!r}", "travel_min", str(unit_id))
        if not isinstance(row, Mapping):
            raise _fail(f"travel_min.{unit_id} must be an object incident -> minutes", "travel_min", unit_id)
        for incident_id, minutes in row.items():
            if incident_id not in incident_ids:
                raise _fail(f"travel_min.{unit_id}: unknown incident {incident_id!r}", "travel_min", unit_id)
            if minutes is not None:
                travel[(unit_id, incident_id)] = _minutes(minutes, f"travel_min.{unit_id}.{incident_id}", "problem")

    agreements = agreements_from_dicts(_list(data, "agreements", "problem", required=False))
    for k, agreement in enumerate(agreements):
        for role in ("lender", "borrower"):
            region = getattr(agreement, role)
            if region not in regions:
                raise _fail(f"agreements[{k}]: {role} names unknown region {region!r}", role, f"agreements[{k}]")

    raw_retained = data.get("min_retained", {})
    if not isinstance(raw_retained, Mapping):
        raise _fail("problem: min_retained must be an object region -> {capability: quantity}", "min_retained")
    retained: dict[str, Mapping[str, int]] = {}
    for region, row in raw_retained.items():
        if region not in regions:
            raise _fail(f"min_retained: unknown region {region!r}", "min_retained", str(region))
        if not isinstance(row, Mapping):
            raise _fail(f"min_retained.{region} must be an object capability -> quantity", "min_retained", region)
        retained[region] = MappingProxyType(
            {str(c): _integer(q, f"min_retained.{region}.{c}", "problem") for c, q in row.items()}
        )

    return DispatchProblem(
        units=units,
        incidents=incidents,
        travel_min=MappingProxyType(travel),
        agreements=agreements,
        min_retained=MappingProxyType(retained),
    )


def _unique(ids: list[str], what: str) -> set[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise _fail(f"{what}: duplicate id {item!r}", "id", item)
        seen.add(item)
    return seen


def load_problem(path: str | Path) -> DispatchProblem:
    """Read and validate a JSON problem file; InputError on unreadable or non-JSON files."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}", field="problem") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not JSON: {error.msg} at line {error.lineno}", field="problem") from error
    return problem_from_dict(data)


# ----------------------------------------------------------------------------------------------------
# Shared rules


@dataclass(frozen=True)
class PairOption:
    """What sending ``unit`` to ``incident`` means: arrival, cost, and on-time contribution per requirement."""

    unit: str
    incident: str
    arrival_min: float
    cost: float
    agreement: Agreement | None
    contribution: tuple[int, ...]

    @property
    def useful(self) -> bool:
        """Whether the unit counts towards at least one requirement of the incident."""
        return any(self.contribution)


def pair_option(problem: DispatchProblem, unit: Unit, incident: Incident) -> PairOption | None:
    """Option for ``unit`` -> ``incident``, or None when unreachable or not allowed without an agreement."""
    travel = problem.travel_min.get((unit.id, incident.id))
    if travel is None:
        return None
    agreement = None
    cost = 0.0
    if unit.region != incident.region:
        agreement = find_agreement(problem.agreements, unit.region, incident.region)
        if agreement is None:
            return None
        cost = agreement.dispatch_cost(travel)
    arrival = unit.ready_min + travel
    contribution = tuple(
        unit.capabilities.get(r.capability, 0)
        if arrival <= r.deadline_min and (agreement is None or agreement.covers(r.capability))
        else 0
        for r in incident.requirements
    )
    return PairOption(unit.id, incident.id, arrival, cost, agreement, contribution)


def pair_options(problem: DispatchProblem) -> dict[tuple[str, str], PairOption]:
    """Every useful (unit, incident) option of the available units.

    A unit that would contribute nothing on time to any requirement of an incident is never an option
    there: sending it could only add arrival minutes and cost.
    """
    out: dict[tuple[str, str], PairOption] = {}
    for unit in problem.units:
        if not unit.available:
            continue
        for incident in problem.incidents:
            option = pair_option(problem, unit, incident)
            if option is not None and option.useful:
                out[(unit.id, incident.id)] = option
    return out


def home_holdings(
    problem: DispatchProblem, region: str, *, exclude: set[str] | frozenset[str] = frozenset()
) -> dict[str, int]:
    """Capability totals of the available units of ``region`` outside ``exclude``."""
    out: dict[str, int] = {}
    for unit in problem.units:
        if unit.region == region and unit.available and unit.id not in exclude:
            for capability, quantity in unit.capabilities.items():
                out[capability] = out.get(capability, 0) + quantity
    return out


def check_retained(problem: DispatchProblem, *, away: set[str] | frozenset[str] = frozenset()) -> None:
    """Raise InfeasibleError when a region's min_retained fails even with no further unit sent.

    ``away`` lists units already out (kept on earlier incidents), which do not count at home.
    """
    for region, minimums in sorted(problem.min_retained.items()):
        held = home_holdings(problem, region, exclude=away)
        for capability, required in sorted(minimums.items()):
            if held.get(capability, 0) < required:
                raise InfeasibleError(
                    f"min_retained: region {region} must keep {required} {capability} at home "
                    f"but its available units hold only {held.get(capability, 0)}"
                )
