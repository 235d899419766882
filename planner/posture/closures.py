"""Closures that warnings propose: the roads of a warning's area closed or slowed, by rules as data.

A flood or rainstorm warning with an area says where roads may be under water or cut. Road rules
(``warning_rules.yaml``, section ``road_rules``) say which hazards and levels close the roads in a
warning's area and which only slow them (a speed factor, e.g. 0.5 in a red rainstorm) [U].
:func:`propose_closures` turns the warnings into a closure set of the roads' own model
(:class:`planner.roads.closures.ClosureSet`): one closure per warning area that touches a road of the
scenario's network, labelled with the warning and the rule, for a planner to look at, apply to a
posture, a what-if or a dispatch, and store under a name. Proposing applies and stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import Field

from geodata.closures import MAX_SPEED_FACTOR, closure_edges
from geodata.errors import GeodataError
from planner.errors import InputError
from planner.model.validation import Model, Text
from planner.posture.risk import region_shapes
from planner.posture.warnings import HazardKey, HazardWarning, WarningLevel, answers
from planner.roads.closures import ClosureEntry, ClosureSet, closure_of
from planner.scenario.model import Scenario
from planner.scenario.network import placement

LABEL_CHARS = 200
"""Longest closure label (the closures document's limit)."""


class RoadRule(Model):
    """Which warnings close or slow the roads of their area (one of ``road_rules``).

    A rule applies to a warning whose hazard is in ``hazards`` (empty: any) and whose level is in
    ``levels`` (empty: any); the first rule that applies decides. Without ``speed_factor`` the roads
    are closed; with one, their speed is multiplied by it.
    """

    name: Text
    hazards: frozenset[HazardKey] = frozenset()
    levels: frozenset[WarningLevel] = frozenset()
    speed_factor: float | None = Field(default=None, gt=0, le=MAX_SPEED_FACTOR, allow_inf_nan=False,
                                       description="absent: the roads are closed; else their speed is multiplied by it")
    source: str = ""

    def applies(self, warning: HazardWarning) -> bool:
        """Whether the rule answers this warning's hazard and level."""
        return answers(self.hazards, self.levels, warning)


def proposal_name(warnings: Sequence[HazardWarning]) -> str:
    """Name of the proposed set: ``warning-`` and the earliest onset (``warning-20260720-0600``)."""
    first = min(w.onset for w in warnings)
    return f"warning-{first:%Y%m%d-%H%M}"


def propose_closures(scenario: Scenario, warnings: Sequence[HazardWarning],
                     rules: Sequence[RoadRule]) -> ClosureSet | None:
    """Return the closures the warnings propose on the scenario's network, or None when they propose none.

    Each area of a warning some rule answers becomes one closure (its polygons, circles and
    jurisdictions merged into one area); an area that touches no road of the network is left out, and
    so is one proposed already (a CAP alert in two languages has the same area twice).
    """
    network = placement(scenario).network
    shapes = region_shapes(scenario)
    entries: list[ClosureEntry] = []
    sources: list[str] = []
    seen: set[str] = set()
    for i, warning in enumerate(warnings):
        rule = next((r for r in rules if r.applies(warning)), None)
        if rule is None:
            continue
        for k, area in enumerate(warning.areas):
            geometry = area.geometry(shapes)
            if geometry["type"] not in ("Polygon", "MultiPolygon"):
                continue  # nothing drawable (a jurisdiction the scenario does not have)
            same = json.dumps([geometry, rule.speed_factor], sort_keys=True)
            if same in seen:
                continue
            seen.add(same)
            label = f"{warning.event} ({warning.level}): {area.description or 'area'} - {rule.name}"
            entry = ClosureEntry(id=f"w{i + 1}-area{k + 1}", label=label[:LABEL_CHARS], geometry=geometry,
                                 speed_factor=rule.speed_factor)
            try:
                closure_edges(network, closure_of(entry, entry.id))
            except (GeodataError, InputError):
                continue  # outside the network, or not a usable polygon: nothing to propose there
            entries.append(entry)
            if rule.source and rule.source not in sources:
                sources.append(rule.source)
    if not entries:
        return None
    events = "; ".join(dict.fromkeys(f"{w.event} ({w.level})" for w in warnings))
    return ClosureSet(name=proposal_name(warnings), description=f"proposed by the warnings: {events}"[:2000],
                      source=("road_rules: " + "; ".join(sources))[:500] if sources else "road_rules",
                      closures=entries)
