"""Who and what is really available at a moment: people on duty, strength rules, typing, upkeep, reserve stock.

Owns the duty roster applied to a moment (``roster``), the team strength rules and typing table as data
with their sources (``rules``: R-TEAM-MINE, R-TYPING), THE availability function (``team``: per team the
people on duty, the capabilities it can staff, its nominal ones and the flags that explain the
difference), the upkeep board (``upkeep``: inspections due and overdue, equipment not in service,
certificates and stock expiring). Its settings document ``availability_rules`` is registered by
``settings``. Dispatch and re-dispatch, coverage ("available now"), the sweep (by time of day), posture
(the scenario as it stands at a moment: ``as_available``), the drill programme (who is on duty each day)
and the pages all call it with a time; it sits below them and imports ``planner.scenario``,
``planner.model`` and ``planner.clock`` (``settings`` also ``planner.store.documents``).
"""

from planner.availability.roster import TeamRoster, rosters_at
from planner.availability.rules import AvailabilityRules, StrengthRule, TypeCriteria, default_rules, parse_rules
from planner.availability.team import (
    AvailabilityReport,
    Flag,
    TeamAvailability,
    as_available,
    availability,
    nominal_capabilities,
)
from planner.availability.upkeep import UpkeepBoard, UpkeepItem, upkeep_board

__all__ = [
    "AvailabilityReport",
    "AvailabilityRules",
    "Flag",
    "StrengthRule",
    "TeamAvailability",
    "TeamRoster",
    "TypeCriteria",
    "UpkeepBoard",
    "UpkeepItem",
    "as_available",
    "availability",
    "default_rules",
    "nominal_capabilities",
    "parse_rules",
    "rosters_at",
    "upkeep_board",
]
