"""Emergency plans (应急预案), the organisations that own them, and the drill-frequency rules as data.

A plan is comprehensive (综合预案), special (专项预案) or on-site (现场处置方案); it belongs to an
organisation (a production unit, a high-risk unit, or a government body) and is linked to hazard
sites, incident templates of the library and the teams it involves. How often it must be drilled is
derived from rules kept as data with their source (``DEFAULT_RULES``, overridable in ``plans.yaml``):

- R-DRILL-1: comprehensive or special plan of a unit, at least yearly (办法 Art 33);
- R-DRILL-2: each on-site plan of a unit, every half-year (办法 Art 33; 江苏省应急管理厅 2022 reading);
- R-DRILL-3G: a government body's plans, at least every two years (条例 Art 8);
- R-DRILL-3 (organisation scope): a high-risk unit drills at least once each half-year (条例 Art 8).

A plan's frequency is the strictest plan-scope rule that matches it. The times a plan expects of a
cross-region request for help (:class:`RequestTargets`: request to approval, approval to the first unit on
scene beyond the optimiser's planned arrival) are data too, with their source (``DEFAULT_REQUEST_TARGETS``,
overridable for the whole document or per plan in ``plans.yaml``); a drill's evaluation scores the requests
it exercised against them. ``plans.yaml`` lives in the scenario folder; every problem raises ``InputError``
naming the plan and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt

from planner.errors import InputError
from planner.model.validation import Model, Text, validate
from planner.scenario.files import read_yaml_file

PlanKind = Literal["comprehensive", "special", "onsite"]
OrgType = Literal["unit", "high_risk", "government"]
Frequency = Literal["half-yearly", "yearly", "biennial"]
PLAN_KINDS: tuple[str, ...] = ("comprehensive", "special", "onsite")
ORG_TYPES: tuple[str, ...] = ("unit", "high_risk", "government")
FREQUENCIES: tuple[str, ...] = ("half-yearly", "yearly", "biennial")
"""Strictest first."""

EVALUATION_YEARS = 3
"""R-PLAN-1: plan evaluation due within this many years in high-risk sectors (办法 Art 35)."""

DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"id": "R-DRILL-1", "scope": "plan", "kinds": ["comprehensive", "special"], "org_types": ["unit", "high_risk"],
     "frequency": "yearly",
     "source": "生产安全事故应急预案管理办法 Art 33 (yearly >=1 comprehensive or special plan drill)"},
    {"id": "R-DRILL-2", "scope": "plan", "kinds": ["onsite"], "org_types": ["unit", "high_risk"],
     "frequency": "half-yearly",
     "source": "办法 Art 33; 江苏省应急管理厅 2022-08-30 answer: each on-site plan drilled every half-year"},
    {"id": "R-DRILL-3G", "scope": "plan", "kinds": ["comprehensive", "special", "onsite"], "org_types": ["government"],
     "frequency": "biennial", "source": "生产安全事故应急条例 Art 8 (governments and departments >=1 drill / 2 years)"},
    {"id": "R-DRILL-3", "scope": "organisation", "kinds": [], "org_types": ["high_risk"], "frequency": "half-yearly",
     "source": "生产安全事故应急条例 Art 8 (high-risk units >=1 drill / half-year, reported)"},
)


class RequestTargets(Model):
    """What a plan expects of a cross-region request for help (issue 18), with the source of the figures.

    ``approval_min``: minutes from the request to the approver's decision. ``arrival_margin_min``: minutes
    beyond the proposal's planned arrival (the optimiser's turn-out and travel of the first lender) that
    the steps after approval (the lender's offer, the requester's acceptance, the call-out) may take;
    the target from approval to the first unit on scene is the planned arrival plus this margin.
    """

    approval_min: float = Field(gt=0, le=24 * 60, allow_inf_nan=False)
    arrival_margin_min: float = Field(ge=0, le=24 * 60, allow_inf_nan=False)
    source: Text


DEFAULT_REQUEST_TARGETS = RequestTargets(
    approval_min=30.0, arrival_margin_min=15.0,
    source="[U] planning assumption (docs/domain.md gives no figure): the approver decides within the time after "
           "which a request escalates by itself (requests.escalate_after_min, default 30 min); offer, acceptance "
           "and call-out take 15 min beyond the optimiser's planned arrival")
"""Request targets when neither the plans document nor the plan names any."""


class FrequencyRule(Model):
    """A drill-frequency rule: which plans (or organisations) it applies to and how often, with its source."""

    id: Text
    scope: Literal["plan", "organisation"]
    kinds: tuple[PlanKind, ...] = ()
    org_types: tuple[OrgType, ...] = ()
    frequency: Frequency
    source: Text

    def matches(self, kind: str, org_type: str) -> bool:
        """Whether the rule applies to a plan of ``kind`` owned by an organisation of ``org_type``."""
        return (not self.kinds or kind in self.kinds) and (not self.org_types or org_type in self.org_types)


class Organisation(Model):
    """A plan owner: a production unit, a high-risk unit (条例 Art 8 list) or a government body."""

    id: Text
    name: Text
    type: OrgType
    jurisdiction: str = ""


class Plan(Model):
    """An emergency plan with what it covers and who it involves (one entry of ``plans.yaml``)."""

    id: Text
    name: Text
    kind: PlanKind
    owner: Text
    scenarios: tuple[Text, ...] = Field(min_length=1)
    teams: tuple[Text, ...] = Field(min_length=1)
    sites: tuple[Text, ...] = ()
    field_drills: StrictInt = Field(default=0, ge=0)
    last_drill: dt.date | None = None
    last_evaluation: dt.date | None = None
    needs_revision: StrictBool = False
    revision_reasons: tuple[str, ...] = ()
    assembly_point: str = ""
    """An on-site plan's evacuation assembly point, as its response card names it."""
    preferred_months: tuple[Annotated[int, Field(ge=1, le=12)], ...] = ()
    """Soft: months (1-12) the plan's drills should fall in, e.g. before its season; empty = any."""
    request_targets: RequestTargets | None = None
    """This plan's targets for the cross-region requests its drills exercise (None: the document's)."""


class PlansDocument(Model):
    """The ``plans`` settings document (``plans.yaml``): organisations, plans and optional frequency rules."""

    organisations: tuple[Organisation, ...] = ()
    plans: tuple[Plan, ...] = ()
    rules: tuple[FrequencyRule, ...] | None = None
    request_targets: RequestTargets | None = None


class PlanSet(Model):
    """Organisations, plans, the frequency rules and the request targets of one scenario."""

    organisations: Mapping[str, Organisation]
    plans: tuple[Plan, ...]
    rules: tuple[FrequencyRule, ...] = Field(default_factory=lambda: parse_rules(DEFAULT_RULES))
    request_targets: RequestTargets = DEFAULT_REQUEST_TARGETS

    def targets_for(self, plan_id: str | None) -> RequestTargets:
        """Return the request targets of a plan: its own, else the document's (else the defaults)."""
        plan = next((p for p in self.plans if p.id == plan_id), None)
        return plan.request_targets if plan is not None and plan.request_targets is not None else \
            self.request_targets

    def plan(self, plan_id: str) -> Plan:
        """Plan by id."""
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise InputError(f"plans: unknown plan {plan_id!r}", field="plan", record=plan_id)

    def org_type(self, plan: Plan) -> str:
        """Type of the plan's owner."""
        return self.organisations[plan.owner].type

    def plan_rule(self, plan: Plan) -> FrequencyRule | None:
        """Return the strictest plan-scope rule for ``plan`` (None when no rule applies)."""
        matching = [r for r in self.rules if r.scope == "plan" and r.matches(plan.kind, self.org_type(plan))]
        return min(matching, key=lambda r: FREQUENCIES.index(r.frequency), default=None)

    def frequency(self, plan: Plan) -> str | None:
        """``half-yearly``, ``yearly`` or ``biennial`` (None when no rule applies)."""
        rule = self.plan_rule(plan)
        return None if rule is None else rule.frequency

    def organisation_rules(self, organisation: Organisation) -> list[FrequencyRule]:
        """Organisation-scope rules for ``organisation``."""
        return [r for r in self.rules if r.scope == "organisation" and r.matches("", organisation.type)]


@dataclass(frozen=True)
class Period:
    """A window in which a rule wants a drill: ``label`` is ``Y``, ``H1`` or ``H2``."""

    label: str
    start: dt.date
    end: dt.date


def periods(frequency: str, year: int) -> list[Period]:
    """Return the windows of ``year`` that each need one drill under ``frequency`` (biennial: the whole year)."""
    if frequency == "half-yearly":
        return [Period("H1", dt.date(year, 1, 1), dt.date(year, 6, 30)), Period("H2", dt.date(year, 7, 1),
                                                                                  dt.date(year, 12, 31))]
    if frequency in ("yearly", "biennial"):
        return [Period("Y", dt.date(year, 1, 1), dt.date(year, 12, 31))]
    raise InputError(f"frequency must be one of {', '.join(FREQUENCIES)}, got {frequency!r}", field="frequency")


def biennial_due(plan: Plan, year: int) -> bool:
    """Whether a plan drilled every two years needs its drill in ``year`` (not drilled the year before)."""
    return plan.last_drill is None or plan.last_drill.year < year - 1


def required_periods(plans: PlanSet, plan: Plan, year: int) -> list[Period]:
    """Return the periods of ``year`` in which ``plan`` must be drilled (empty when not due or no rule applies)."""
    frequency = plans.frequency(plan)
    if frequency is None or (frequency == "biennial" and not biennial_due(plan, year)):
        return []
    return periods(frequency, year)


def evaluation_due(plan: Plan, plans: PlanSet, today: dt.date) -> bool:
    """R-PLAN-1: a high-risk unit's plan is due for evaluation when the last one is 3 years old (or none)."""
    if plans.org_type(plan) != "high_risk":
        return False
    if plan.last_evaluation is None:
        return True
    try:
        limit = plan.last_evaluation.replace(year=plan.last_evaluation.year + EVALUATION_YEARS)
    except ValueError:  # 29 February
        limit = plan.last_evaluation.replace(year=plan.last_evaluation.year + EVALUATION_YEARS, day=28)
    return today >= limit


def flag_for_revision(plan: Plan, reason: str) -> Plan:
    """Return a copy of ``plan`` flagged for revision (条例 Art 6: a drill exposed a major problem)."""
    return plan.model_copy(update={"needs_revision": True, "revision_reasons": (*plan.revision_reasons, reason)})


# ----------------------------------------------------------------------------------------------------
# Parsing


def parse_rules(items: Iterable[Mapping[str, Any]], *, where: str = "rules") -> tuple[FrequencyRule, ...]:
    """Frequency rules from data; raises ``InputError`` naming the rule and field."""
    return validate(PlansDocument, {"rules": list(items)}, what=where).rules or ()


def parse_plans(data: Any, *, where: str = "plans.yaml", scenario: Any = None,
                templates: Mapping[str, Any] | None = None) -> PlanSet:
    """Validate plan data; with ``scenario`` and ``templates`` also check teams, sites and scenario ids exist.

    Raises
    ------
    InputError
        Naming the file, the plan (or organisation) and the field, e.g.
        ``plans.yaml: plan ref-onsite: teams: 'x' does not exist``.

    """
    document = validate(PlansDocument, data, what=where, field="plans")
    organisations: dict[str, Organisation] = {}
    for org in document.organisations:
        if org.id in organisations:
            raise InputError(f"{where}: organisation {org.id}: duplicate id", field="id", record=org.id)
        organisations[org.id] = org
    known = {"scenarios": None if templates is None else set(templates),
             "teams": None if scenario is None else {t.id for t in scenario.teams},
             "sites": None if scenario is None else {s.id for s in scenario.sites}}
    seen: set[str] = set()
    for plan in document.plans:
        here = f"{where}: plan {plan.id}"
        if plan.id in seen:
            raise InputError(f"{here}: duplicate id", field="id", record=plan.id)
        seen.add(plan.id)
        if plan.owner not in organisations:
            raise InputError(f"{here}: owner: {plan.owner!r} does not exist", field="owner", record=plan.id)
        for name, ids in known.items():
            for value in getattr(plan, name):
                if ids is not None and value not in ids:
                    raise InputError(f"{here}: {name}: {value!r} does not exist", field=name, record=plan.id)
    rules = document.rules if document.rules is not None else parse_rules(DEFAULT_RULES)
    return PlanSet(organisations=organisations, plans=document.plans, rules=rules,
                   request_targets=document.request_targets or DEFAULT_REQUEST_TARGETS)


def read_plans(path: str | Path, *, scenario: Any = None, templates: Mapping[str, Any] | None = None) -> PlanSet:
    """Read and validate ``plans.yaml``."""
    return parse_plans(read_yaml_file(path), where=Path(path).name, scenario=scenario, templates=templates)


def plans_to_dict(plans: PlanSet) -> dict[str, Any]:
    """Return the YAML/JSON form that ``parse_plans`` reads back."""
    return PlansDocument(organisations=tuple(plans.organisations.values()), plans=plans.plans,
                         rules=plans.rules, request_targets=plans.request_targets).model_dump(mode="json")
