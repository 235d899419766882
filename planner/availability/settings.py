"""The availability settings document ``availability_rules`` (``availability_rules.yaml``) and how it is read.

Its model is :class:`planner.availability.rules.AvailabilityRules`; this module registers it with
``planner.store.documents`` (so ``scenario load`` reads it, the settings API checks edits with it and
``scenario export`` writes it) and returns a scenario's rules from its settings documents, the defaults
(:data:`planner.availability.rules.DEFAULT_RULES`) when it has none: the same for the web app and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.availability.rules import AvailabilityRules, default_rules, parse_rules
from planner.scenario.model import Scenario
from planner.store.documents import SettingsDocument, register

AVAILABILITY_RULES = "availability_rules"


def check_rules(data: Any, scenario: Scenario, where: str) -> AvailabilityRules:
    """Validate an availability-rules document (rules name capabilities and team types, not records)."""
    return parse_rules(data, where=where)


register(SettingsDocument(AVAILABILITY_RULES, "availability_rules.yaml", AvailabilityRules, check_rules,
                          "team strength rules (people, certificates, roles, equipment per unit) and typing table"))


def availability_rules(documents: Mapping[str, Any], scenario: Scenario) -> AvailabilityRules:
    """Return the scenario's availability rules; the defaults when it has no document of its own."""
    data = documents.get(AVAILABILITY_RULES)
    return default_rules() if data is None else check_rules(data, scenario, AVAILABILITY_RULES)
