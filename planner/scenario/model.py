"""A scenario: one region's records plus the network they sit on, validated as a whole.

``Scenario`` is an immutable bundle of records (see ``planner.model.records``) and metadata (title, network
specification, speeds, snapping limit). ``Scenario.build`` checks what single records cannot:
duplicate ids, references to missing bases, teams or jurisdictions, cycles in the jurisdiction tree,
and standards named by sites that do not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from planner.clock import zone as time_zone
from planner.errors import InputError
from planner.model.personnel import ShiftKind, first_overlap
from planner.model.records import (
    RECORD_TYPES,
    Base,
    Depot,
    Equipment,
    HazardSite,
    Jurisdiction,
    Person,
    Record,
    ResponseStandard,
    Shift,
    Stock,
    Team,
)


@dataclass(frozen=True)
class Scenario:
    """A region's rescue resources, hazard sites, standards and network, consistent with each other."""

    name: str
    meta: Mapping[str, Any]
    jurisdictions: tuple[Jurisdiction, ...] = ()
    bases: tuple[Base, ...] = ()
    teams: tuple[Team, ...] = ()
    equipment: tuple[Equipment, ...] = ()
    sites: tuple[HazardSite, ...] = ()
    standards: tuple[ResponseStandard, ...] = ()
    people: tuple[Person, ...] = ()
    shifts: tuple[Shift, ...] = ()
    depots: tuple[Depot, ...] = ()
    stocks: tuple[Stock, ...] = ()
    agreements: tuple[Mapping[str, Any], ...] = field(default=())

    @classmethod
    def build(cls, name: str, meta: Mapping[str, Any], records: Mapping[str, Iterable[Record]],
              agreements: Iterable[Mapping[str, Any]] = ()) -> Scenario:
        """Assemble a scenario and check its cross-references; raises ``InputError`` on the first problem."""
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise InputError(f"scenario name {name!r} must be letters, digits, '-' or '_'", field="name")
        time_zone(meta.get("timezone"))  # a bad zone name is refused here, naming the field
        unknown = set(records) - set(RECORD_TYPES)
        if unknown:
            raise InputError(f"unknown record kind(s): {', '.join(sorted(unknown))}", field="kind")
        scenario = cls(
            name=name,
            meta=dict(meta),
            agreements=tuple(dict(a) for a in agreements),
            **{kind: tuple(records.get(kind, ())) for kind in RECORD_TYPES},  # type: ignore[arg-type]
        )
        scenario.check_references()
        return scenario

    def records(self, kind: str) -> tuple[Record, ...]:
        """Return the records of one kind (``"bases"``, ``"teams"``, ...)."""
        if kind not in RECORD_TYPES:
            raise InputError(f"unknown record kind {kind!r}", field="kind")
        return getattr(self, kind)  # type: ignore[no-any-return]

    def by_id(self, kind: str) -> dict[str, Record]:
        """Return the records of one kind keyed by id."""
        return {r.id: r for r in self.records(kind)}

    @property
    def title(self) -> str:
        """Human title from the metadata, falling back to the name."""
        return str(self.meta.get("title", self.name))

    @property
    def zone(self) -> ZoneInfo:
        """The scenario's time zone (``timezone`` in ``scenario.yaml``; Asia/Shanghai when it names none).

        Days (drill dates, critical periods, "today") are days in this zone, and times are shown in it.
        """
        return time_zone(self.meta.get("timezone"))

    def check_references(self) -> None:
        """Raise ``InputError`` for duplicate ids and dangling references between records."""
        for kind in RECORD_TYPES:
            seen: set[str] = set()
            for record in self.records(kind):
                if record.id in seen:
                    raise InputError(f"{kind}: duplicate id {record.id!r}", field="id", record=record.id)
                seen.add(record.id)
        regions = self.by_id("jurisdictions")
        bases = self.by_id("bases")
        teams = self.by_id("teams")
        standards = self.by_id("standards")
        for j in self.jurisdictions:
            _require(j.parent is None or j.parent in regions, "jurisdictions", j.id, "parent", j.parent)
        _check_tree(self.jurisdictions)
        for b in self.bases:
            _require(b.jurisdiction in regions, "bases", b.id, "jurisdiction", b.jurisdiction)
        for t in self.teams:
            _require(t.base in bases, "teams", t.id, "base", t.base)
        for e in self.equipment:
            if e.base is not None:
                _require(e.base in bases, "equipment", e.id, "base", e.base)
            if e.team is not None:
                _require(e.team in teams, "equipment", e.id, "team", e.team)
        for s in self.sites:
            _require(s.jurisdiction in regions, "sites", s.id, "jurisdiction", s.jurisdiction)
            for standard in s.standards:
                _require(standard in standards, "sites", s.id, "standards", standard)
        self._check_resources(regions, teams)
        agreement_ids: set[str] = set()
        for a in self.agreements:
            aid = str(a.get("id", ""))
            if aid in agreement_ids:
                raise InputError(f"agreements: duplicate id {aid!r}", field="id", record=aid)
            agreement_ids.add(aid)
            for side in ("lender", "borrower"):
                _require(a.get(side) in regions, "agreements", aid, side, a.get(side))

    def _check_resources(self, regions: Mapping[str, Record], teams: Mapping[str, Record]) -> None:
        """Check people, the roster, depots, stocks and asset numbers against the rest of the scenario."""
        asset_owner: dict[str, str] = {}
        for e in self.equipment:
            if e.asset_number:
                if e.asset_number in asset_owner:
                    raise InputError(f"equipment {e.id}: asset_number: {e.asset_number!r} is also the asset number "
                                     f"of equipment {asset_owner[e.asset_number]}", field="asset_number", record=e.id)
                asset_owner[e.asset_number] = e.id
        people = self.by_id("people")
        for p in self.people:
            _require(p.team in teams, "people", p.id, "team", p.team)
        for shift in self.shifts:
            _require(shift.team in teams, "shifts", shift.id, "team", shift.team)
            for person_id in shift.people:
                _require(person_id in people, "shifts", shift.id, "people", person_id)
                member = people[person_id]
                if member.team != shift.team:  # type: ignore[attr-defined]
                    raise InputError(f"shifts {shift.id}: people: {person_id!r} belongs to team "
                                     f"{member.team}, not {shift.team}", field="people",  # type: ignore[attr-defined]
                                     record=shift.id)
        self._check_duty_overlaps()
        depots = self.by_id("depots")
        for d in self.depots:
            _require(d.jurisdiction in regions, "depots", d.id, "jurisdiction", d.jurisdiction)
        units: dict[str, tuple[str, str]] = {}
        for stock in self.stocks:
            _require(stock.depot in depots, "stocks", stock.id, "depot", stock.depot)
            unit, first = units.setdefault(stock.material, (stock.unit, stock.id))
            if unit != stock.unit:
                raise InputError(f"stocks {stock.id}: unit: {stock.material} is counted in {unit!r} (stocks {first}), "
                                 f"not {stock.unit!r}", field="unit", record=stock.id)

    def _check_duty_overlaps(self) -> None:
        """Refuse two duty lines that put one person on duty twice at the same moment."""
        by_person: dict[str, list[Shift]] = {}
        for shift in self.shifts:
            if shift.kind is ShiftKind.DUTY:
                for person_id in shift.people:
                    by_person.setdefault(person_id, []).append(shift)
        checked: set[tuple[str, str]] = set()
        for person_id, lines in by_person.items():
            for i, later in enumerate(lines):
                for earlier in lines[:i]:
                    if (earlier.id, later.id) in checked:
                        continue
                    checked.add((earlier.id, later.id))
                    moment = first_overlap(earlier, later, self.zone)
                    if moment is not None:
                        when = moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
                        raise InputError(f"shifts {later.id}: people: {person_id} is on duty in shift {earlier.id} "
                                         f"too at {when} (overlapping shifts)", field="people", record=later.id)

    def standards_for(self, site: HazardSite) -> list[ResponseStandard]:
        """Return the standards that apply to a site: those it names, else those whose kinds include it."""
        if site.standards:
            wanted = set(site.standards)
            return [s for s in self.standards if s.id in wanted]
        return [s for s in self.standards if site.kind in s.site_kinds]

    def ancestors(self, jurisdiction_id: str) -> list[str]:
        """Return the jurisdiction and its parents up to the root, nearest first."""
        regions = self.by_id("jurisdictions")
        chain = []
        current: str | None = jurisdiction_id
        while current is not None:
            chain.append(current)
            current = regions[current].parent  # type: ignore[attr-defined]
        return chain

    def counts(self) -> dict[str, int]:
        """How many records of each kind."""
        counts = {kind: len(self.records(kind)) for kind in RECORD_TYPES}
        counts["agreements"] = len(self.agreements)
        return counts


def _require(ok: bool, kind: str, record_id: str, field_name: str, value: object) -> None:
    if not ok:
        raise InputError(
            f"{kind} {record_id}: {field_name}: {value!r} does not exist", field=field_name, record=record_id
        )


def _check_tree(jurisdictions: Iterable[Jurisdiction]) -> None:
    parent = {j.id: j.parent for j in jurisdictions}
    for start in parent:
        seen = {start}
        current = parent[start]
        while current is not None:
            if current in seen:
                raise InputError(f"jurisdictions {start}: parent chain loops back to {current!r}",
                                 field="parent", record=start)
            seen.add(current)
            current = parent.get(current)
