"""Posture's settings documents, ``warning_rules`` (``warning_rules.yaml``) and ``staging_points`` (a CSV).

Their models are :class:`planner.posture.rules.WarningRulesDocument` (risk rules, readiness
levels and rules, posture limits) and :class:`planner.posture.staging.StagingPoints`; this module
registers both with ``planner.store.settings`` and reads a scenario's posture inputs back from its
settings documents by name, the same way for the web app and the CLI. The drill calendar (for the
critical periods in force) is the drills' document, read through :mod:`planner.drills.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.drills.calendar import CalendarDocument
from planner.drills.settings import calendar_document
from planner.posture.rules import PostureRules, WarningRulesDocument, default_rules, parse_rules
from planner.posture.staging import StagingPoint, StagingPoints, staging_points_from_rows
from planner.scenario.model import Scenario
from planner.store.documents import SettingsDocument, register

WARNING_RULES = "warning_rules"
STAGING_POINTS = "staging_points"


def check_warning_rules(data: Any, scenario: Scenario, where: str) -> PostureRules:
    """Validate a warning-rules document (the scenario is not needed: rules name kinds, not records)."""
    return parse_rules(data, where=where)


def check_staging_points(data: Any, scenario: Scenario, where: str) -> tuple[StagingPoint, ...]:
    """Validate a staging-points document (rows of the CSV)."""
    return staging_points_from_rows(data, where=where)


register(SettingsDocument(WARNING_RULES, "warning_rules.yaml", WarningRulesDocument, check_warning_rules,
                          "which warnings raise which sites and teams, readiness levels, pre-positioning limits"))
register(SettingsDocument(STAGING_POINTS, "staging_points.csv", StagingPoints, check_staging_points,
                          "listed standby points teams may be moved to under a warning"))


@dataclass(frozen=True)
class PostureInputs:
    """A scenario's warning rules, staging points and drill calendar, as :func:`plan_posture` takes them."""

    rules: PostureRules
    staging: tuple[StagingPoint, ...]
    calendar: CalendarDocument | None


def posture_inputs(documents: Mapping[str, Any], scenario: Scenario) -> PostureInputs:
    """Read a scenario's posture inputs; default rules, no staging point and no calendar where it has none."""
    rules = documents.get(WARNING_RULES)
    staging = documents.get(STAGING_POINTS)
    return PostureInputs(default_rules() if rules is None else check_warning_rules(rules, scenario, WARNING_RULES),
                         () if staging is None else check_staging_points(staging, scenario, STAGING_POINTS),
                         calendar_document(documents, scenario))
