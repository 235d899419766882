"""Risk rules: which hazard sites a warning raises, and how far.

Risk rules are data (``warning_rules.yaml``, section ``risk_rules``): a rule names the hazards and the
levels it answers, the site kinds or site ids it concerns, and either the grade those sites are raised
to (``raise_to: red``) or the number of grades they go up (``raise_by: 1``). A raise lasts the
warning's window and never lowers a grade.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely.geometry
from pydantic import ConfigDict, Field, StrictInt, ValidationInfo, field_validator

from planner.errors import InputError
from planner.model.records import HazardSite, RiskGrade, SiteKind
from planner.model.validation import Model, Text, validate
from planner.posture.warnings import HazardKey, HazardWarning, WarningLevel, answers
from planner.scenario.model import Scenario

__all__ = [
    "RiskRule",
    "RiskRules",
    "SiteRaise",
    "apply_raises",
    "parse_risk_rules",
    "raise_sites",
    "region_shapes",
]





class RiskRule(Model):
    """Which sites a warning raises, and how far (rules as data, section ``risk_rules``).

    A rule applies to a warning whose hazard is in ``hazards`` (empty: any) and whose level is in
    ``levels`` (empty: any); it raises the sites inside the warning's area whose kind is in
    ``site_kinds`` or whose id is in ``sites`` to ``raise_to``, or by ``raise_by`` grades.
    """

    model_config = ConfigDict(json_schema_extra={"allOf": [  # as ``_names_sites`` and ``_one_raise`` check
        {"anyOf": [{"required": ["site_kinds"], "properties": {"site_kinds": {"minItems": 1}}},
                   {"required": ["sites"], "properties": {"sites": {"minItems": 1}}}]},
        {"oneOf": [{"required": ["raise_to"], "properties": {"raise_to": {"not": {"type": "null"}},
                                                             "raise_by": {"const": 0}}},
                   {"required": ["raise_by"], "properties": {"raise_by": {"minimum": 1},
                                                             "raise_to": {"type": "null"}}}]}]})

    name: Text
    hazards: frozenset[HazardKey] = frozenset()
    levels: frozenset[WarningLevel] = frozenset()
    sites: frozenset[Text] = frozenset()
    site_kinds: frozenset[SiteKind] = Field(default=frozenset(), validate_default=True)
    raise_by: StrictInt = Field(default=0, ge=0, le=3)
    raise_to: RiskGrade | None = Field(default=None, validate_default=True)
    source: str = ""

    @field_validator("site_kinds")
    @classmethod
    def _names_sites(cls, kinds: frozenset[SiteKind], info: ValidationInfo) -> frozenset[SiteKind]:
        if not kinds and not info.data.get("sites"):
            raise ValueError("name site_kinds or sites")
        return kinds

    @field_validator("raise_to")
    @classmethod
    def _one_raise(cls, raise_to: RiskGrade | None, info: ValidationInfo) -> RiskGrade | None:
        if "raise_by" in info.data and (raise_to is None) == (not info.data["raise_by"]):
            raise ValueError("give exactly one of raise_to (a grade) or raise_by (grades up, 1..3)")
        return raise_to

    def applies(self, warning: HazardWarning) -> bool:
        """Whether the rule answers this warning's hazard and level."""
        return answers(self.hazards, self.levels, warning)

    def concerns(self, site: HazardSite) -> bool:
        """Whether the rule names this site (by kind or id)."""
        return site.kind in self.site_kinds or site.id in self.sites

    def grade(self, current: RiskGrade) -> RiskGrade:
        """Return the raised grade (never lower than ``current``)."""
        grades = list(RiskGrade)
        target = self.raise_to.rank if self.raise_to is not None else max(0, current.rank - self.raise_by)
        return grades[min(target, current.rank)]


class RiskRules(Model):
    """The ``risk_rules`` section of ``warning_rules.yaml``."""

    risk_rules: tuple[RiskRule, ...] = ()


def parse_risk_rules(items: Any, *, where: str = "risk_rules") -> tuple[RiskRule, ...]:
    """Risk rules from a list of mappings; ``InputError`` names the rule and field."""
    return validate(RiskRules, {"risk_rules": items or []}, what=where, field="risk_rules").risk_rules


@dataclass(frozen=True)
class SiteRaise:
    """A site whose risk grade a warning raised, with the warning and the rule."""

    site: str
    name: str
    lon: float
    lat: float
    kind: str
    grade_before: str
    grade_after: str
    warnings: tuple[str, ...] = ()
    rules: tuple[str, ...] = field(default=())


def region_shapes(scenario: Scenario) -> dict[str, Any]:
    """Shapely shapes of the scenario's jurisdictions that have a boundary, by id."""
    return {j.id: shapely.geometry.shape(j.geometry) for j in scenario.jurisdictions if j.geometry is not None}


def raise_sites(scenario: Scenario, warnings: Sequence[HazardWarning],
                rules: Sequence[RiskRule]) -> tuple[SiteRaise, ...]:
    """Return the sites inside the given warnings' areas that a rule raises, highest resulting grade kept.

    Callers pass only the warnings in force; a warning area naming a region the scenario lacks raises
    ``InputError``. Sites are returned in scenario order; unchanged sites are left out.
    """
    shapes = region_shapes(scenario)
    known = scenario.by_id("jurisdictions")
    for w in warnings:
        for area in w.areas:
            missing = [r for r in area.regions if r not in known]
            if missing:
                raise InputError(f"warning {w.id}: area region {missing[0]!r} is not a jurisdiction of scenario "
                                 f"{scenario.name}", field="regions", record=w.id)
    out = []
    for site in scenario.sites:
        best = site.risk_grade
        why_w: list[str] = []
        why_r: list[str] = []
        for w in warnings:
            if not w.contains(site.lon, site.lat, shapes):
                continue
            for rule in rules:
                if rule.applies(w) and rule.concerns(site):
                    grade = rule.grade(site.risk_grade)
                    if grade.rank < site.risk_grade.rank:
                        best = grade if grade.rank < best.rank else best
                        why_w.append(w.id) if w.id not in why_w else None
                        why_r.append(rule.name) if rule.name not in why_r else None
        if best is not site.risk_grade:
            out.append(SiteRaise(site.id, site.name, site.lon, site.lat, site.kind.value, site.risk_grade.value,
                                 best.value, tuple(why_w), tuple(why_r)))
    return tuple(out)


def apply_raises(scenario: Scenario, raises: Sequence[SiteRaise]) -> Scenario:
    """Return a copy of the scenario with the raised sites' risk grades."""
    new = {r.site: RiskGrade(r.grade_after) for r in raises}
    return dataclasses.replace(scenario, sites=tuple(
        s.model_copy(update={"risk_grade": new[s.id]}) if s.id in new else s for s in scenario.sites))
