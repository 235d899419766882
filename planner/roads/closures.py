"""Named closure sets of a scenario: the ``closures`` settings document (``closures.yaml``).

A closure set is a name, a description, the source it comes from and a list of closures; each closure
is an area or a line (GeoJSON, lon/lat), source edge ids or OSM way ids, fully closed or slowed by a
speed factor in (0, 3] (:mod:`geodata.closures` decides which edges each touches). The document is
checked against the scenario's network when it is loaded or edited: a geometry that is not GeoJSON,
a self-intersecting polygon, a closure that touches no road (outside the network), an unknown edge or
way id, or a speed factor <= 0 or > 3 is refused naming the set, the closure and the field, and
nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import Field, StrictInt, model_validator

from geodata.closures import DEFAULT_LINE_WIDTH_M, MAX_SPEED_FACTOR, Closure, closure_edges, parse_geometry
from geodata.errors import GeodataError
from planner.errors import InputError, NotFoundError
from planner.model.validation import Model, Text, refuse, validate
from planner.scenario.model import Scenario
from planner.scenario.network import placement
from planner.store.documents import SettingsDocument, register

CLOSURES = "closures"
MAX_CLOSURES = 500
MAX_SETS = 100

Name = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
             description="letters, digits, '-', '_' or '.'")


RoadId = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
"""An edge or OSM way id: a non-negative 64-bit integer (a larger one cannot name a road, nor be compared with one)."""

class ClosureEntry(Model):
    """One closure of a set: an area or a line (GeoJSON), edge ids or way ids; closed or slowed."""

    id: Text = Field(max_length=80)
    label: str = Field(default="", max_length=200, description="what it is, e.g. 'Jianbang bridge'")
    geometry: dict[str, Any] | None = Field(
        None, description="GeoJSON Polygon/MultiPolygon (closes every road inside or across it) or "
                          "LineString/MultiLineString (closes every road it crosses), or a Feature(Collection) of them")
    edges: list[RoadId] = Field(default_factory=list, max_length=10_000, description="source edge ids (eid)")
    ways: list[RoadId] = Field(default_factory=list, max_length=10_000, description="OSM way ids")
    speed_factor: float | None = Field(default=None, strict=False, gt=0, le=MAX_SPEED_FACTOR, allow_inf_nan=False,
                                       description="absent: closed; else the roads' speed is multiplied by it")
    width_m: float = Field(default=DEFAULT_LINE_WIDTH_M, gt=0, le=1000,
                           description="a line cuts roads within this, metres")

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if self.geometry is None and not self.edges and not self.ways:
            raise refuse("geometry", "give a geometry, edges or ways")
        return self


class ClosureSet(Model):
    """A named set of closures applied together (e.g. 'yellow-river-bridges', 'flood-2026-07')."""

    name: str = Name
    description: str = Field(default="", max_length=2000)
    source: str = Field(default="", max_length=500, description="where the closures come from (a notice, a warning)")
    closures: list[ClosureEntry] = Field(min_length=1, max_length=MAX_CLOSURES)


class ClosuresDocument(Model):
    """The ``closures`` settings document: the scenario's named closure sets."""

    sets: list[ClosureSet] = Field(default_factory=list, max_length=MAX_SETS)


def closure_of(entry: ClosureEntry, where: str) -> Closure:
    """Return the geodata closure of a validated entry; ``InputError`` names ``where.geometry`` for bad GeoJSON."""
    try:
        geometry = None if entry.geometry is None else parse_geometry(entry.geometry, f"{where}.geometry")
        return Closure(entry.id, geometry, tuple(entry.edges), tuple(entry.ways), entry.speed_factor,
                       entry.width_m, entry.label)
    except GeodataError as error:
        raise InputError(str(error), field=f"{where}.geometry", record=entry.id) from None


def check_set(closure_set: ClosureSet, scenario: Scenario, where: str) -> tuple[Closure, ...]:
    """Return a set's closures, each checked against the scenario's network (touches a road, ids exist)."""
    network = placement(scenario).network
    ids = [c.id for c in closure_set.closures]
    if len(set(ids)) != len(ids):
        raise InputError(f"{where}: closure ids must be unique", field=f"{where}.closures")
    closures = []
    for i, entry in enumerate(closure_set.closures):
        place = f"{where}.closures[{i}]"
        closure = closure_of(entry, place)
        try:
            closure_edges(network, closure)
        except GeodataError as error:
            field = "geometry" if closure.geometry is not None else ("edges" if closure.edges else "ways")
            raise InputError(f"{place}: {error}", field=f"{place}.{field}", record=entry.id) from None
        closures.append(closure)
    return tuple(closures)


def check_closures(data: Any, scenario: Scenario, where: str) -> ClosuresDocument:
    """Validate a closures document: the model, unique set names, and every closure on the network."""
    document = validate(ClosuresDocument, data, what=where)
    names = [s.name for s in document.sets]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise InputError(f"{where}: two closure sets are named {duplicate!r}", field="sets.name", record=duplicate)
    for i, closure_set in enumerate(document.sets):
        check_set(closure_set, scenario, f"sets[{i}]")
    return document


register(SettingsDocument(CLOSURES, "closures.yaml", ClosuresDocument, check_closures,
                          "named sets of road closures (areas, lines, edge or way ids; closed or slowed)"))


def closure_sets(documents: Mapping[str, Any]) -> ClosuresDocument:
    """Return the scenario's closure sets (none when it has no closures document); the stored one is valid."""
    data = documents.get(CLOSURES)
    return ClosuresDocument() if data is None else ClosuresDocument.model_validate(data)


def find_set(documents: Mapping[str, Any], name: str, *, field: str = "closures") -> ClosureSet:
    """Return a stored closure set by name; ``NotFoundError`` lists the known ones."""
    sets = closure_sets(documents).sets
    for closure_set in sets:
        if closure_set.name == name:
            return closure_set
    raise NotFoundError.among("closure set", name, (s.name for s in sets), field=field)


def with_set(documents: Mapping[str, Any], closure_set: ClosureSet) -> dict[str, Any]:
    """Return the closures document with ``closure_set`` added, or in place of the set of the same name."""
    sets = [s for s in closure_sets(documents).sets if s.name != closure_set.name]
    return ClosuresDocument(sets=[*sets, closure_set]).to_json()


def without_set(documents: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return the closures document without the set ``name`` (``NotFoundError`` when there is none)."""
    find_set(documents, name)
    return ClosuresDocument(sets=[s for s in closure_sets(documents).sets if s.name != name]).to_json()
