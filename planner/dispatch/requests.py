"""Incidents as a dispatcher enters them: where, what, how urgent, what is needed, for how long.

:func:`parse_incident_request` validates one incident of a request body (the web page's, or the CLI's
``--incident``); its requirements default to its incident template's needs over time
(:func:`requirements_from_template`). The expected duration prices the ledger and the optimiser alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.dispatch.problem import Requirement
from planner.errors import InputError
from planner.scenario.library import Template, load_library

DEFAULT_DEADLINE_MIN = 30.0
"""Deadline of a template's first-wave need when the template states no objective for it, minutes."""

DEFAULT_DURATION_H = 12.0
"""Expected mission length when the dispatcher gives none, hours (the ledger charges it, the optimiser prices it)."""

MAX_INCIDENTS = 50
MAX_QUANTITY = 1000
"""Bounds on one request: simultaneous incidents, and units of one capability in one requirement."""


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


def parse_incident_request(data: Any, index: int, library: Mapping[str, Template]) -> IncidentRequest:
    """Validate one incident from a request body; requirements default to its template's."""
    where = f"incidents[{index}]"
    if not isinstance(data, dict):
        raise InputError(f"{where}: must be an object", field=where)
    try:
        lon, lat = float(data["lon"]), float(data["lat"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise InputError(f"{where}: lon and lat must be numbers", field=f"{where}.lon") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"{where}: lon/lat out of range", field=f"{where}.lon")
    kind = str(data.get("type", ""))
    if kind and kind not in library:
        raise InputError(f"{where}: unknown incident type {kind!r}; types: {', '.join(sorted(library))}",
                         field=f"{where}.type")
    priority = data.get("priority", 1)
    if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 10:
        raise InputError(f"{where}: priority must be an integer from 1 to 10", field=f"{where}.priority")
    raw = data.get("requirements")
    if raw is None:
        if not kind:
            raise InputError(f"{where}: give a type or requirements", field=f"{where}.requirements")
        requirements = requirements_from_template(library[kind])
    else:
        requirements = tuple(_requirement(r, f"{where}.requirements[{i}]") for i, r in enumerate(_as_list(raw, where)))
    duration = data.get("duration_h", DEFAULT_DURATION_H)
    if not isinstance(duration, (int, float)) or isinstance(duration, bool) or not 0 < duration <= 24 * 30:
        raise InputError(f"{where}: duration_h must be hours between 0 and 720", field=f"{where}.duration_h")
    return IncidentRequest(id=str(data.get("id") or f"I{index + 1}"), lon=lon, lat=lat, type=kind,
                           priority=priority, requirements=requirements, duration_h=float(duration),
                           responsible_unit=str(data.get("responsible_unit", "")),
                           responsible_can_pay=bool(data.get("responsible_can_pay", True)))


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: requirements must be a list", field=f"{where}.requirements")
    return value


def _requirement(data: Any, where: str) -> Requirement:
    if not isinstance(data, dict):
        raise InputError(f"{where}: must be an object", field=where)
    capability = data.get("capability")
    quantity = data.get("quantity")
    deadline = data.get("deadline_min")
    if not isinstance(capability, str) or not capability:
        raise InputError(f"{where}: capability must be a name", field=f"{where}.capability")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise InputError(f"{where}: quantity must be a whole number from 1 to {MAX_QUANTITY}",
                         field=f"{where}.quantity")
    if not isinstance(deadline, (int, float)) or isinstance(deadline, bool) or not 0 <= deadline <= 10_000:
        raise InputError(f"{where}: deadline_min must be minutes >= 0", field=f"{where}.deadline_min")
    return Requirement(capability, quantity, float(deadline))


def incident_library() -> dict[str, Template]:
    """Return the incident templates, by id (cached by the library loader)."""
    return load_library()
