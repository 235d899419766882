"""Incidents as a dispatcher enters them: where, what, how urgent, what is needed, for how long.

:class:`IncidentEntry` is one incident of a request (the web page's body, whose document it is, or the
CLI's ``--incident``), validated by pydantic; :func:`parse_incident_request` validates one and returns
its :class:`IncidentRequest`, whose requirements default to its incident template's needs over time
(:func:`requirements_from_template`) and whose reserve materials default to the template's
(:func:`materials_from_template`). The expected duration prices the ledger and the optimiser alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, StrictBool, StrictStr, ValidationError, model_validator

from planner.dispatch.problem import MaterialNeed, Requirement
from planner.errors import InputError
from planner.model.datum import MapPoint
from planner.model.validation import Model, Text, located_error, refuse
from planner.scenario.library import Template, load_library

DEFAULT_DEADLINE_MIN = 30.0
"""Deadline of a template's first-wave need when the template states no objective for it, minutes."""

DEFAULT_DURATION_H = 12.0
"""Expected mission length when the dispatcher gives none, hours (the ledger charges it, the optimiser prices it)."""

MAX_INCIDENTS = 50
MAX_REQUIREMENTS = 50
MAX_QUANTITY = 1000
MAX_DEADLINE_MIN = 10_000.0
MAX_DURATION_H = 24 * 30.0
"""Bounds on one request: simultaneous incidents, requirement rows of one incident, units of one capability
in one requirement, a deadline (minutes) and an expected mission length (hours)."""


class RequirementEntry(Model):
    """A need as a dispatcher enters it: ``quantity`` units of ``capability`` on scene by ``deadline_min``."""

    capability: Text = Field(description="capability tag, e.g. fire_squad")
    quantity: int = Field(strict=True, ge=1, le=MAX_QUANTITY)
    deadline_min: float = Field(strict=True, ge=0, le=MAX_DEADLINE_MIN, allow_inf_nan=False,
                                description="minutes from the call by which it must be on scene")


class MaterialEntry(Model):
    """A reserve material as a dispatcher enters it: ``quantity`` ``unit`` on scene by ``deadline_min``."""

    material: Text = Field(description="material kind, e.g. foam_concentrate")
    quantity: int = Field(strict=True, ge=1, le=10_000_000, description="whole units")
    unit: str = Field("", max_length=20, description="the stocks' unit, e.g. L (empty: any)")
    deadline_min: float = Field(strict=True, ge=0, le=MAX_DEADLINE_MIN, allow_inf_nan=False,
                                description="minutes from the call by which it must be on scene")


class IncidentEntry(Model, MapPoint):
    """An incident as a dispatcher enters it (the page's request, the CLI's ``--incident``), checked by pydantic.

    Types are strict (``"5"`` is not a number), so the API's document says exactly what is accepted;
    an incident names a template (``type``) or lists its requirements, or both.
    """

    model_config = ConfigDict(json_schema_extra={"anyOf": [  # as ``_type_or_requirements`` checks
        {"required": ["type"], "properties": {"type": {"type": "string", "minLength": 1}}},
        {"required": ["requirements"], "properties": {"requirements": {"type": "array"}}}]})

    id: Annotated[StrictStr, Field(min_length=1, max_length=80)] | None = Field(
        None, description="unique among the incidents; I1, I2... by position when absent")
    lon: float = Field(strict=True, ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(strict=True, ge=-90, le=90, allow_inf_nan=False)
    type: StrictStr | None = Field(None, description="incident template id (GET /api/v1/incident-types)")
    priority: int = Field(1, strict=True, ge=1, le=10)
    requirements: list[RequirementEntry] | None = Field(None, max_length=MAX_REQUIREMENTS,
                                                        description="default: the template's requirements")
    materials: list[MaterialEntry] | None = Field(None, max_length=MAX_REQUIREMENTS,
                                                  description="reserve materials; default: the template's")
    duration_h: float = Field(DEFAULT_DURATION_H, strict=True, gt=0, le=MAX_DURATION_H, allow_inf_nan=False,
                              description="expected mission length, hours (the ledger charges it)")
    responsible_unit: StrictStr = Field("", description="the accident-responsible unit, if any")
    responsible_can_pay: StrictBool = True

    @model_validator(mode="after")
    def _type_or_requirements(self) -> Self:
        if not self.type and self.requirements is None:
            raise refuse("requirements", "give a type or requirements")
        return self


@dataclass(frozen=True)
class IncidentRequest:
    """An incident as a dispatcher enters it: where, what, how urgent, what is needed."""

    id: str
    lon: float
    lat: float
    type: str = ""
    priority: int = 1
    requirements: tuple[Requirement, ...] = ()
    duration_h: float = DEFAULT_DURATION_H
    responsible_unit: str = ""
    responsible_can_pay: bool = True
    materials: tuple[MaterialNeed, ...] = ()


def materials_from_template(template: Template) -> tuple[MaterialNeed, ...]:
    """Reserve materials from an incident template: each on scene by its ``at_min``."""
    return tuple(MaterialNeed(m.material, m.quantity, m.at_min, m.unit) for m in template.materials)


def requirements_from_template(template: Template) -> tuple[Requirement, ...]:
    """Dispatch requirements from an incident template's needs over time.

    A need at T+0 must be met by the template's objective for that capability (e.g. first fire squad
    within 5 min) or else within ``DEFAULT_DEADLINE_MIN``; a later need by the time it arises.
    """
    targets: dict[str, float] = {}
    for objective in template.objectives:
        if objective.metric == "first_arrival":
            targets[objective.capability] = min(objective.target_min, targets.get(objective.capability, math.inf))
    return tuple(
        Requirement(step.capability, step.quantity,
                    step.at_min if step.at_min > 0 else targets.get(step.capability, DEFAULT_DEADLINE_MIN))
        for step in template.requirements
    )


IndexedNeed = tuple[int, int, float]
"""A need as the sweep and year models keep it: (capability index, quantity, deadline minutes)."""
IndexedEscalation = tuple[float, float, tuple[tuple[int, int], ...]]
"""An escalation as those models keep it: (at minute, probability, ((capability index, quantity), ...))."""


def template_capabilities(templates: Iterable[Template]) -> set[str]:
    """Return every capability the templates' needs or escalations name."""
    templates = tuple(templates)
    return ({r.capability for t in templates for r in t.requirements}
            | {a.capability for t in templates for e in t.escalation for a in e.adds})


def indexed_needs(template: Template, index: Mapping[str, int]) -> tuple[IndexedNeed, ...]:
    """Return the template's dispatch requirements (:func:`requirements_from_template`), capabilities by ``index``."""
    return tuple((index[r.capability], int(r.quantity), float(r.deadline_min))
                 for r in requirements_from_template(template))


def indexed_escalations(template: Template, index: Mapping[str, int]) -> tuple[IndexedEscalation, ...]:
    """Return the template's escalations in time order, the capabilities they add by ``index``."""
    return tuple((float(e.at_min), float(e.probability), tuple((index[a.capability], int(a.quantity)) for a in e.adds))
                 for e in sorted(template.escalation, key=lambda e: e.at_min))


def parse_incident_request(data: Any, index: int, library: Mapping[str, Template]) -> IncidentRequest:
    """Validate one incident of a request (a mapping) and return it; ``InputError`` names ``incidents[i].<field>``."""
    try:
        entry = IncidentEntry.model_validate(data)
    except ValidationError as error:
        raise located_error(error, ("incidents", index)) from None
    return incident_request(entry, index, library)


def incident_request(entry: IncidentEntry, index: int, library: Mapping[str, Template]) -> IncidentRequest:
    """Return the request of a validated incident (its id ``I<n>`` by position when it has none).

    Its requirements are its template's needs when it lists none; ``InputError`` names
    ``incidents[i].type`` when the template is unknown.
    """
    where = f"incidents[{index}]"
    kind = entry.type or ""
    if kind and kind not in library:
        raise InputError(f"{where}.type: unknown incident type {kind!r}; types: {', '.join(sorted(library))}",
                         field=f"{where}.type")
    requirements = requirements_from_template(library[kind]) if entry.requirements is None else tuple(
        Requirement(r.capability, r.quantity, r.deadline_min) for r in entry.requirements)
    if entry.materials is not None:
        materials = tuple(MaterialNeed(m.material, m.quantity, m.deadline_min, m.unit) for m in entry.materials)
    else:
        materials = materials_from_template(library[kind]) if kind else ()
    return IncidentRequest(id=entry.id or f"I{index + 1}", lon=entry.lon, lat=entry.lat, type=kind,
                           priority=entry.priority, requirements=requirements, duration_h=entry.duration_h,
                           responsible_unit=entry.responsible_unit, responsible_can_pay=entry.responsible_can_pay,
                           materials=materials)


def incident_library() -> dict[str, Template]:
    """Return the incident templates, by id (cached by the library loader)."""
    return load_library()
