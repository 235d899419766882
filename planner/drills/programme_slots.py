"""The drills a year's programme may place (slots).

One per plan and period its frequency requires, plus the optional tabletop drills (preparation, a
high-risk unit's half-years) the model adds only when needed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from planner.drills.calendar import Blackout
from planner.drills.plans import Plan, PlanSet, required_periods
from planner.scenario.library import Template

__all__ = ["Slot", "build_slots"]


@dataclass(frozen=True)
class Slot:
    """A drill the model may place: required by ``rule`` for ``period`` or optional (``purpose``)."""

    id: str
    plans: tuple[str, ...]
    owner: str
    scenario: str
    teams: tuple[str, ...]
    site: str | None
    scope: str
    start: dt.date
    end: dt.date
    period: str
    purpose: str
    rule: str | None
    tabletop_only: bool = False
    flood_before: dt.date | None = None
    jurisdiction: str = ""
    """The owner's jurisdiction: the spreading goals count drills per jurisdiction."""
    preferred_months: tuple[int, ...] = ()

    @property
    def required(self) -> bool:
        """Whether a frequency rule requires this drill."""
        return self.purpose == "required"


def build_slots(plans: PlanSet, year: int, templates: Mapping[str, Template],
                flood_season: Blackout | None) -> list[Slot]:
    """Return the required drills of ``year`` and the optional ones the model may add."""
    slots: list[Slot] = []
    merged_into: dict[str, str] = {}
    for plan in plans.plans:
        if plan.kind != "comprehensive" or plans.frequency(plan) != "yearly":
            continue
        for other in plans.plans:
            if (other.owner == plan.owner and other.kind == "special" and plans.frequency(other) == "yearly"
                    and other.id not in merged_into and other.scenarios[0] == plan.scenarios[0]):
                merged_into[other.id] = plan.id
    for plan in plans.plans:
        if plan.id in merged_into:
            continue
        rule = plans.plan_rule(plan)
        combined = [plan] + [plans.plan(p) for p, host in merged_into.items() if host == plan.id]
        teams = tuple(dict.fromkeys(t for p in combined for t in p.teams))
        for k, period in enumerate(required_periods(plans, plan, year)):
            scenario = plan.scenarios[k % len(plan.scenarios)]
            slots.append(Slot(
                id=f"{plan.id}-{period.label}", plans=tuple(p.id for p in combined), owner=plan.owner,
                scenario=scenario, teams=teams, site=plan.sites[0] if plan.sites else None,
                scope="comprehensive" if plan.kind == "comprehensive" else "single",
                start=period.start, end=period.end, period=period.label, purpose="required",
                rule=None if rule is None else rule.id,
                flood_before=_flood_limit(templates, scenario, period.label, flood_season),
                jurisdiction=_jurisdiction(plans, plan.owner), preferred_months=plan.preferred_months,
            ))
    # Optional tabletop preparation drills, one per owner and scenario (R-PROGRESSION).
    keys: dict[tuple[str, str], list[Plan]] = defaultdict(list)
    for plan in plans.plans:
        for scenario in plan.scenarios:
            keys[(plan.owner, scenario)].append(plan)
    used = {(s.owner, s.scenario) for s in slots}
    for (owner, scenario), owned in sorted(keys.items()):
        if (owner, scenario) not in used:
            continue
        teams = tuple(dict.fromkeys(t for p in owned for t in p.teams))
        slots.append(Slot(
            id=f"prep-{owner}-{scenario}", plans=tuple(p.id for p in owned), owner=owner, scenario=scenario,
            teams=teams, site=owned[0].sites[0] if owned[0].sites else None, scope="single",
            start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), period="Y", purpose="preparation", rule=None,
            tabletop_only=True, flood_before=_flood_limit(templates, scenario, "Y", flood_season),
            jurisdiction=_jurisdiction(plans, owner),
        ))
    # Optional tabletop drills that keep a high-risk unit drilling every half-year (R-DRILL-3).
    for organisation in plans.organisations.values():
        owned = [p for p in plans.plans if p.owner == organisation.id]
        for rule in plans.organisation_rules(organisation):
            if not owned or rule.frequency != "half-yearly":
                continue
            first = owned[0]
            for half, start, end in (("H1", dt.date(year, 1, 1), dt.date(year, 6, 30)),
                                     ("H2", dt.date(year, 7, 1), dt.date(year, 12, 31))):
                slots.append(Slot(
                    id=f"unit-{organisation.id}-{half}", plans=(first.id,), owner=organisation.id,
                    scenario=first.scenarios[0], teams=first.teams, site=first.sites[0] if first.sites else None,
                    scope="single", start=start, end=end, period=half, purpose="unit", rule=rule.id,
                    tabletop_only=True,
                    flood_before=_flood_limit(templates, first.scenarios[0], half, flood_season),
                    jurisdiction=organisation.jurisdiction,
                ))
    return slots


def _jurisdiction(plans: PlanSet, owner: str) -> str:
    """Return the jurisdiction of a plan owner ("" when the owner is not listed or names none)."""
    organisation = plans.organisations.get(owner)
    return "" if organisation is None else organisation.jurisdiction


def _flood_limit(templates: Mapping[str, Template], scenario: str, period: str,
                 flood_season: Blackout | None) -> dt.date | None:
    """Flood-related drills of the first period (H1 or the year) end before the flood season."""
    template = templates.get(scenario)
    if flood_season is None or template is None or not template.flood_related or period == "H2":
        return None
    return flood_season.start
