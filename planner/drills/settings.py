"""The drills' settings documents, ``plans`` (``plans.yaml``) and ``calendar`` (``calendar.yaml``).

Their models are :class:`planner.drills.plans.PlansDocument` and
:class:`planner.drills.calendar.CalendarDocument`; this module registers both with
``planner.store.settings`` (so ``scenario load`` reads them, the settings API checks edits with them and
``scenario export`` writes them) and reads them back from a scenario's documents by name, the same way
for the web app, the CLI and background jobs. Plans are checked against the scenario's teams and
sites and the template library; a calendar's ``timezone``, when given, must be the scenario's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.clock import zone_name
from planner.drills.calendar import CalendarDocument, DrillCalendar, parse_calendar, validate_calendar
from planner.drills.plans import PlansDocument, PlanSet, parse_plans
from planner.errors import InputError
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.store.documents import SettingsDocument, register

PLANS = "plans"
CALENDAR = "calendar"


def check_plans(data: Any, scenario: Scenario, where: str) -> PlanSet:
    """Validate a plans document against the scenario and the template library."""
    return parse_plans(data, where=where, scenario=scenario, templates=load_library())


def check_calendar(data: Any, scenario: Scenario, where: str) -> CalendarDocument:
    """Validate a calendar document (every year); a ``timezone`` it names must be the scenario's."""
    document = validate_calendar(data, where=where)
    zone = zone_name(scenario.zone)
    if document.timezone is not None and document.timezone != zone:
        raise InputError(f"{where}: timezone: {document.timezone!r} differs from the scenario's zone {zone!r} "
                         "(scenario.yaml); leave it out, the scenario's zone applies", field="timezone")
    return document


def plans_touch(before: Any, after: Any, scenario: Scenario) -> set[str]:
    """Return the jurisdictions a change of the plans document touches: the owners' of every plan changed.

    A plan added, removed or changed touches its owner organisation's jurisdiction (before and after); an
    organisation added, removed or changed its own; the frequency rules, the request targets, or an owner
    without a jurisdiction, the whole scenario (``""``). So a county planner edits the plans of that county's owners.
    """
    old = before if isinstance(before, Mapping) else {}
    new = after if isinstance(after, Mapping) else {}
    touched: set[str] = set()
    if old.get("rules") != new.get("rules") or old.get("request_targets") != new.get("request_targets"):
        touched.add("")
    orgs = {**_by_id(old.get("organisations")), **_by_id(new.get("organisations"))}
    for side in ("organisations", "plans"):
        was, now = _by_id(old.get(side)), _by_id(new.get(side))
        for entry_id in set(was) | set(now):
            if was.get(entry_id) == now.get(entry_id):
                continue
            for entry in (was.get(entry_id), now.get(entry_id)):
                if entry is None:
                    continue
                org = entry if side == "organisations" else orgs.get(str(entry.get("owner")), {})
                touched.add(str(org.get("jurisdiction") or ""))
    return touched


def _by_id(entries: Any) -> dict[str, Mapping[str, Any]]:
    return {str(e.get("id")): e for e in entries or [] if isinstance(e, Mapping)}


register(SettingsDocument(PLANS, "plans.yaml", PlansDocument, check_plans,
                          "emergency plans, their owners and the drill-frequency rules", touches=plans_touch))
register(SettingsDocument(CALENDAR, "calendar.yaml", CalendarDocument, check_calendar,
                          "blackout windows and flood season per year, and the scheduler's settings"))


def plan_set(documents: Mapping[str, Any], scenario: Scenario) -> PlanSet:
    """Return the scenario's plans; ``InputError`` when it has no plans document."""
    return check_plans(_required(documents, PLANS, scenario), scenario, PLANS)


def drill_calendar(documents: Mapping[str, Any], scenario: Scenario, year: int) -> DrillCalendar:
    """Return one year of the scenario's drill calendar (days in the scenario's zone)."""
    data = _required(documents, CALENDAR, scenario)
    check_calendar(data, scenario, CALENDAR)
    return parse_calendar(data, year, where=CALENDAR, timezone=zone_name(scenario.zone))


def calendar_document(documents: Mapping[str, Any], scenario: Scenario) -> CalendarDocument | None:
    """Return the scenario's whole calendar document, or None when it has none."""
    data = documents.get(CALENDAR)
    return None if data is None else check_calendar(data, scenario, CALENDAR)


def _required(documents: Mapping[str, Any], name: str, scenario: Scenario) -> Any:
    data = documents.get(name)
    if data is None:
        raise InputError(f"scenario {scenario.name} has no {name} settings: load a scenario folder with "
                         f"{name}.yaml, or PUT /api/v1/scenarios/{scenario.name}/settings/{name}", field=name)
    return data
