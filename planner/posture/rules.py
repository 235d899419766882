"""The warning rules document (``warning_rules.yaml``): risk rules, readiness, posture limits, road rules.

Parsed once here; :mod:`planner.posture.prepositioning` and the year engine read the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictFloat, StrictInt, field_validator

from planner.coverage.whatif import RISK_WEIGHTS
from planner.model.records import Readiness
from planner.model.validation import Model, validate
from planner.posture.closures import RoadRule
from planner.posture.readiness import LevelSpec, ReadinessPolicy, ReadinessRule, readiness_policy
from planner.posture.risk import RiskRule

__all__ = [
    "DEFAULT_RULES",
    "PostureRules",
    "PostureSettings",
    "WarningRulesDocument",
    "default_rules",
    "parse_rules",
]


class PostureSettings(Model):
    """Pre-positioning limits (section ``posture`` of ``warning_rules.yaml``).

    Attributes
    ----------
    max_moves
        At most this many teams move.
    max_move_min
        A team moves only to points within this many minutes' drive of its base.
    min_at_home
        Region (or ``"*"`` for every region) -> capability -> quantity the region keeps at home; merged
        (by maximum) with the scenario's ``min_retained``.
    use_bases
        Existing bases are standby points too (besides the staging points).
    risk_weights
        Weight of a (site, standard) pair by the site's grade under the warning (grades not given keep
        :data:`planner.coverage.whatif.RISK_WEIGHTS`).
    time_limit_s
        CP-SAT seconds per stage.

    """

    max_moves: StrictInt = Field(default=4, ge=0)
    max_move_min: StrictFloat = Field(default=45.0, gt=0)
    min_at_home: Mapping[str, Mapping[str, Annotated[StrictInt, Field(ge=0)]]] = {}
    use_bases: StrictBool = True
    risk_weights: Annotated[Mapping[str, Annotated[StrictFloat, Field(ge=0)]],
                            Field(json_schema_extra={"propertyNames": {"enum": list(RISK_WEIGHTS)}})] = (
        dict(RISK_WEIGHTS))
    time_limit_s: StrictFloat = Field(default=10.0, gt=0)

    @field_validator("risk_weights", mode="before")
    @classmethod
    def _over_defaults(cls, weights: Any) -> Any:
        if not isinstance(weights, Mapping):
            return weights
        unknown = sorted(set(weights) - set(RISK_WEIGHTS))
        if unknown:
            raise ValueError(f"unknown grade {unknown[0]!r} (grades: {', '.join(RISK_WEIGHTS)})")
        return {**RISK_WEIGHTS, **weights}


class WarningRulesDocument(Model):
    """The ``warning_rules`` settings document (``warning_rules.yaml``): risk rules, readiness, posture limits."""

    risk_rules: tuple[RiskRule, ...] = ()
    readiness_levels: Mapping[Readiness, LevelSpec] = {}
    team_readiness: Mapping[str, Mapping[Readiness, Annotated[StrictFloat, Field(ge=0)]]] = {}
    readiness_rules: tuple[ReadinessRule, ...] = ()
    posture: PostureSettings = PostureSettings()
    road_rules: tuple[RoadRule, ...] = ()


@dataclass(frozen=True)
class PostureRules:
    """Everything ``warning_rules.yaml`` holds: risk rules, readiness policy, posture settings, road rules."""

    risk: tuple[RiskRule, ...]
    readiness: ReadinessPolicy
    settings: PostureSettings
    source: str = "defaults"
    roads: tuple[RoadRule, ...] = ()


DEFAULT_RULES: Mapping[str, Any] = {
    "risk_rules": [
        {"name": "red rainstorm or flood: tailings dams to the top grade", "hazards": ["rainstorm", "flood", "typhoon"],
         "levels": ["red"], "site_kinds": ["tailings_dam"], "raise_to": "red"},
        {"name": "orange rainstorm or flood: tailings dams one grade up", "hazards": ["rainstorm", "flood", "typhoon"],
         "levels": ["orange"], "site_kinds": ["tailings_dam"], "raise_by": 1},
        {"name": "red or orange rainstorm: tunnels one grade up", "hazards": ["rainstorm", "flood"],
         "levels": ["red", "orange"], "site_kinds": ["tunnel"], "raise_by": 1},
    ],
    "readiness_rules": [
        {"name": "red rainstorm: mine rescue, drilling and water rescue near the area on full readiness",
         "hazards": ["rainstorm", "flood", "typhoon"], "levels": ["red"],
         "team_types": ["mine_rescue", "drilling", "water_rescue"], "scope": "near", "near_km": 30, "level": "full"},
        {"name": "flood season: all rescue teams on full combat readiness", "periods": ["flood season"],
         "level": "full"},
    ],
    "posture": {"max_moves": 4, "max_move_min": 45, "min_at_home": {"*": {"fire_squad": 1}}},
    "road_rules": [
        {"name": "red flood: roads in the area closed", "hazards": ["flood"], "levels": ["red"],
         "source": "[U] planning assumption"},
        {"name": "red or orange rainstorm, flood or typhoon: roads in the area at half speed",
         "hazards": ["rainstorm", "flood", "typhoon"], "levels": ["red", "orange"], "speed_factor": 0.5,
         "source": "[U] planning assumption"},
    ],
}
"""Rules used when a scenario folder has no ``warning_rules.yaml`` (a generic subset of Jinan's)."""


def parse_rules(data: Any, *, where: str = "warning_rules.yaml") -> PostureRules:
    """Rules from the parsed YAML mapping; ``InputError`` names the section, the entry and the field."""
    document = validate(WarningRulesDocument, data, what=where, field="warning_rules")
    policy = readiness_policy(document.readiness_levels, document.team_readiness, document.readiness_rules)
    return PostureRules(document.risk_rules, policy, document.posture, where, document.road_rules)


def default_rules() -> PostureRules:
    """Return :data:`DEFAULT_RULES`, the rules of a scenario that has no warning rules."""
    return parse_rules(DEFAULT_RULES, where="default warning rules")
