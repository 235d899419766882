"""The jurisdiction tree as the spine of scope and requests: whose record is it, and what lies below whom.

A scenario's jurisdictions carry a level (country > province > city > district/county > park) and a
parent. :func:`record_jurisdiction` is THE answer to "which jurisdiction does this record belong to":
a base, a hazard site or a depot names its own, a team belongs to its base's, its people and roster
lines to the team's, a stock to its depot's, equipment to its base's or its team's, a jurisdiction
record to its parent (the level above decides on its subdivisions), and what is
the whole scenario's (response standards) to the root. An agreement belongs to the nearest jurisdiction
above both its lender and its borrower. Every door that asks whose record it is (the scope check of
users, the dispatch adaptor's home region of a team, the requests' lenders) calls it.

:func:`covers` answers whether a jurisdiction lies within another (itself or below it), and
:func:`approver_of` names the level above a jurisdiction, which approves its requests for help.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.errors import InputError
from planner.model.records import Jurisdiction, JurisdictionLevel
from planner.scenario.model import Scenario

AGREEMENTS = "agreements"
"""Kind name of the sharing agreements (records of a scenario kept beside the others)."""


def jurisdiction(scenario: Scenario, jurisdiction_id: str) -> Jurisdiction:
    """Return a jurisdiction of the scenario; ``InputError`` names the unknown id."""
    found = scenario.by_id("jurisdictions").get(jurisdiction_id)
    if found is None:
        raise InputError(f"jurisdiction {jurisdiction_id!r} is not in scenario {scenario.name}", field="jurisdiction",
                         record=jurisdiction_id)
    return found  # type: ignore[return-value]


def root_of(scenario: Scenario) -> str:
    """Return the scenario's root jurisdiction (the first without a parent)."""
    for region in scenario.jurisdictions:
        if region.parent is None:
            return region.id
    raise InputError(f"scenario {scenario.name} has no jurisdiction", field="jurisdictions")


def covers(scenario: Scenario, outer: str, inner: str) -> bool:
    """Whether ``inner`` is ``outer`` or lies below it in the scenario's tree (False for unknown ids)."""
    regions = scenario.by_id("jurisdictions")
    if inner not in regions:
        return False
    return outer in scenario.ancestors(inner)


def below(scenario: Scenario, outer: str) -> frozenset[str]:
    """Return ``outer`` and every jurisdiction below it."""
    return frozenset(j.id for j in scenario.jurisdictions if covers(scenario, outer, j.id))


def approver_of(scenario: Scenario, jurisdiction_id: str) -> str | None:
    """Return the jurisdiction one level up, which approves and routes this one's requests (None at the root)."""
    return jurisdiction(scenario, jurisdiction_id).parent


def level_of(scenario: Scenario, jurisdiction_id: str) -> JurisdictionLevel:
    """Return the administrative level of a jurisdiction."""
    return jurisdiction(scenario, jurisdiction_id).level


def common_ancestor(scenario: Scenario, first: str, second: str) -> str:
    """Return the nearest jurisdiction that covers both (the root when they share no nearer one)."""
    theirs = scenario.ancestors(second) if second in scenario.by_id("jurisdictions") else []
    for candidate in scenario.ancestors(first) if first in scenario.by_id("jurisdictions") else []:
        if candidate in theirs:
            return candidate
    return root_of(scenario)


def record_jurisdiction(scenario: Scenario, kind: str, data: Mapping[str, Any]) -> str:
    """Return the jurisdiction a record belongs to: THE rule every scope check and every lender uses.

    Parameters
    ----------
    scenario
        The scenario the record is (or would be) part of: its bases and teams resolve references.
    kind
        Record kind (``bases``, ``teams``, ``equipment``, ``sites``, ``jurisdictions``, ``standards``,
        ``agreements``).
    data
        The record as stored (a mapping with the record's fields).

    Returns
    -------
    str
        A base's, site's or depot's ``jurisdiction``; a team's base's; a person's or roster line's team's;
        a stock's depot's; equipment's base's or team's base's; a
        jurisdiction's parent (itself at the root); an agreement's nearest common ancestor of lender and
        borrower; the root for standards. A reference to a missing base or team falls back to the root,
        so only those who hold the whole scenario may write it (the scenario check refuses it anyway).

    """
    root = root_of(scenario)
    if kind in ("bases", "sites", "depots"):
        return str(data.get("jurisdiction") or root)
    if kind == "teams":
        return _base_jurisdiction(scenario, data.get("base"), root)
    if kind in ("people", "shifts"):
        team = scenario.by_id("teams").get(str(data.get("team")))
        return _base_jurisdiction(scenario, team.base if team is not None else None, root)  # type: ignore[attr-defined]
    if kind == "stocks":
        depot = scenario.by_id("depots").get(str(data.get("depot")))
        return depot.jurisdiction if depot is not None else root  # type: ignore[attr-defined]
    if kind == "equipment":
        if data.get("base"):
            return _base_jurisdiction(scenario, data.get("base"), root)
        team = scenario.by_id("teams").get(str(data.get("team")))
        return _base_jurisdiction(scenario, team.base if team is not None else None, root)  # type: ignore[attr-defined]
    if kind == "jurisdictions":
        return str(data.get("parent") or data.get("id") or root)
    if kind == AGREEMENTS:
        return common_ancestor(scenario, str(data.get("lender")), str(data.get("borrower")))
    return root


def team_jurisdiction(scenario: Scenario, team_id: str) -> str:
    """Return the jurisdiction of a team (its base's): the home region a dispatch lends it from."""
    team = scenario.by_id("teams").get(team_id)
    if team is None:
        raise InputError(f"team {team_id!r} is not in scenario {scenario.name}", field="team", record=team_id)
    return record_jurisdiction(scenario, "teams", {"base": team.base})  # type: ignore[attr-defined]


def team_jurisdictions(scenario: Scenario) -> dict[str, str]:
    """Return the jurisdiction of every team of the scenario, by team id (:func:`team_jurisdiction` for all)."""
    return {t.id: team_jurisdiction(scenario, t.id) for t in scenario.teams}


def _base_jurisdiction(scenario: Scenario, base_id: object, root: str) -> str:
    base = scenario.by_id("bases").get(str(base_id))
    return base.jurisdiction if base is not None else root  # type: ignore[attr-defined]
