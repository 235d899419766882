"""Team strength rules and typing tables as data, each with its source (R-TEAM-MINE, R-TYPING).

A :class:`StrengthRule` says what one unit of a capability needs on duty: people, people holding a valid
certificate of a kind, people of a role, and equipment in service (by capability tag), each *per unit*;
a team contributes only the units it can staff (:mod:`planner.availability.team`). A rule with
``min_units`` only flags a team that declares at least that many units and can staff fewer (a 中队 with
fewer than 3 squads still sends the squads it has). A :class:`TypeCriteria` row is the minimum a team of
a type must meet to be labelled Type N (people on duty, capability units it can staff, qualified people,
equipment in service); Type 1 is the most capable (R-TYPING, NIMS).

:data:`DEFAULT_RULES` apply to a scenario without its own ``availability_rules.yaml``. Values marked [U]
in their source are planning assumptions (domain.md), kept here as data so a scenario may change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import Field, model_validator

from planner.model.records import TeamType
from planner.model.validation import Count, Model, Text, validate


class StrengthRule(Model):
    """What one unit of ``capability`` needs on duty, per unit; or, with ``min_units``, a declared-size check."""

    id: Text = Field(description="rule id shown in flags, e.g. R-TEAM-MINE")
    capability: Text
    team_types: tuple[TeamType, ...] = Field(default=(), description="only teams of these types; empty: any")
    people: Count = Field(default=0, description="people on duty per unit")
    qualified: dict[Text, Count] = Field(default_factory=dict,
                                         description="people on duty with a valid certificate of each kind, per unit")
    roles: dict[Text, Count] = Field(default_factory=dict, description="people on duty of each role, per unit")
    equipment: dict[Text, Count] = Field(default_factory=dict,
                                         description="equipment in service by capability tag, per unit")
    min_units: Count | None = Field(default=None, description="flag a team declaring this many units or more that "
                                                              "can staff fewer (no limit on what it contributes)")
    source: Text

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if not (self.people or self.qualified or self.roles or self.equipment or self.min_units):
            raise ValueError("give people, qualified, roles, equipment or min_units")
        return self

    def applies_to(self, team_type: TeamType) -> bool:
        """Whether the rule covers teams of ``team_type``."""
        return not self.team_types or team_type in self.team_types


class TypeCriteria(Model):
    """The minimum a team of ``team_type`` must meet on duty to be labelled Type ``type`` (R-TYPING)."""

    team_type: TeamType
    type: int = Field(ge=1, le=4, description="1 = most capable")
    people: Count = 0
    capabilities: dict[Text, Count] = Field(default_factory=dict, description="units it can staff")
    qualified: dict[Text, Count] = Field(default_factory=dict, description="people holding each certificate")
    equipment: dict[Text, Count] = Field(default_factory=dict, description="equipment in service by tag")
    source: Text


class AvailabilityRules(Model):
    """The ``availability_rules`` settings document: strength rules and the typing table."""

    strength: list[StrengthRule] = Field(default_factory=list)
    typing: list[TypeCriteria] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_row_per_type(self) -> Self:
        seen: set[tuple[str, int]] = set()
        for row in self.typing:
            key = (row.team_type.value, row.type)
            if key in seen:
                raise ValueError(f"typing: {row.team_type.value} Type {row.type} is listed twice")
            seen.add(key)
        return self

    def rules_for(self, capability: str, team_type: TeamType) -> list[StrengthRule]:
        """Return the strength rules of a capability that apply to a team type."""
        return [r for r in self.strength if r.capability == capability and r.applies_to(team_type)]

    def types_of(self, team_type: TeamType) -> list[TypeCriteria]:
        """Return the typing rows of a team type, most capable first."""
        return sorted((row for row in self.typing if row.team_type is team_type), key=lambda row: row.type)


_SQUAD_SOURCE = ("domain.md §3: mine rescue 小队 >=9 people (leader + deputy), the smallest combat unit; 中队 >=3 小队 "
                 "(AQ 1008-2007 lineage, 矿山救援规程 2024) [V2 aqrzj.com; zixin.com.cn]")
DEFAULT_RULES: dict[str, Any] = {
    "strength": [
        {"id": "R-TEAM-MINE", "capability": "mine_rescue_squad", "people": 9, "qualified": {"mine_rescue": 9},
         "roles": {"squad_leader": 1}, "source": _SQUAD_SOURCE},
        {"id": "R-TEAM-MINE-company", "capability": "mine_rescue_squad", "team_types": ["mine_rescue"],
         "min_units": 3, "source": _SQUAD_SOURCE},
        {"id": "R-STRENGTH-HAZCHEM", "capability": "hazchem_squad", "people": 6, "qualified": {"hazchem": 4},
         "source": "planning value [U]: a hazchem squad of 6 with at least 4 holding the 危险化学品救援 certificate"},
        {"id": "R-STRENGTH-FIRE", "capability": "fire_squad", "people": 4, "qualified": {"firefighting": 4},
         "source": "NFPA 1710: >=4 on-duty members per engine company [V, NFPA interview 2008]"},
        {"id": "R-STRENGTH-WATER", "capability": "water_rescue_squad", "people": 6,
         "qualified": {"water_rescue": 4, "diving": 1},
         "source": "planning value [U]: a water rescue squad of 6, 4 water-rescue certified, a diver"},
        {"id": "R-STRENGTH-MEDICAL", "capability": "medical_squad", "people": 3, "qualified": {"paramedic": 2},
         "source": "planning value [U]: a 120 ambulance crew of 3, a licensed doctor and nurse among them"},
        {"id": "R-STRENGTH-DRILLING", "capability": "drilling_squad", "people": 8,
         "source": "planning value [U]: a drilling rescue squad of 8 (rig crew on two shifts)"},
    ],
    "typing": [
        {"team_type": "mine_rescue", "type": 1, "people": 27, "capabilities": {"mine_rescue_squad": 3},
         "qualified": {"mine_rescue": 27},
         "source": "illustrative [U]: Type 1 = a full 中队 (3 squads of 9) on duty, R-TEAM-MINE"},
        {"team_type": "mine_rescue", "type": 2, "people": 18, "capabilities": {"mine_rescue_squad": 2},
         "qualified": {"mine_rescue": 18},
         "source": "illustrative [U]: Type 2 = a committed and a standby squad (underground entry, R-TEAM-MINE)"},
        {"team_type": "mine_rescue", "type": 3, "people": 9, "capabilities": {"mine_rescue_squad": 1},
         "qualified": {"mine_rescue": 9}, "source": "illustrative [U]: Type 3 = one squad of 9 (R-TEAM-MINE)"},
        {"team_type": "hazchem", "type": 1, "people": 18, "capabilities": {"hazchem_squad": 3},
         "qualified": {"hazchem": 12}, "source": "illustrative [U] after NIMS hazmat entry team typing"},
        {"team_type": "hazchem", "type": 2, "people": 6, "capabilities": {"hazchem_squad": 1},
         "qualified": {"hazchem": 4}, "source": "illustrative [U] after NIMS hazmat entry team typing"},
        {"team_type": "fire", "type": 1, "people": 12, "capabilities": {"fire_squad": 3},
         "source": "illustrative [U]: three engine companies of 4 (NFPA 1710)"},
        {"team_type": "fire", "type": 2, "people": 4, "capabilities": {"fire_squad": 1},
         "source": "NFPA 1710: one engine company of 4 [V]"},
    ],
}
"""Rules of a scenario without ``availability_rules.yaml``."""


def parse_rules(data: Any, *, where: str = "availability_rules") -> AvailabilityRules:
    """Validate an ``availability_rules`` document; ``InputError`` names the entry and the field."""
    if isinstance(data, Mapping) and not data:
        data = {}
    return validate(AvailabilityRules, data, what=where)


def default_rules() -> AvailabilityRules:
    """Return :data:`DEFAULT_RULES`, the rules of a scenario that has none of its own."""
    return parse_rules(DEFAULT_RULES, where="default availability rules")
