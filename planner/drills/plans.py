"""Emergency plans (应急预案), the organisations that own them, and the drill-frequency rules as data.

A plan is comprehensive (综合预案), special (专项预案) or on-site (现场处置方案); it belongs to an
organisation (a production unit, a high-risk unit, or a government body) and is linked to hazard
sites, incident templates of the library and the teams it involves. How often it must be drilled is
derived from rules kept as data with their source (``DEFAULT_RULES``, overridable in ``plans.yaml``):

- R-DRILL-1: comprehensive or special plan of a unit, at least yearly (办法 Art 33);
- R-DRILL-2: each on-site plan of a unit, every half-year (办法 Art 33; 江苏省应急管理厅 2022 reading);
- R-DRILL-3G: a government body's plans, at least every two years (条例 Art 8);
- R-DRILL-3 (organisation scope): a high-risk unit drills at least once each half-year (条例 Art 8).

A plan's frequency is the strictest plan-scope rule that matches it. ``plans.yaml`` lives in the
scenario folder; every problem raises ``InputError`` naming the plan and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner.errors import InputError

PLAN_KINDS = ("comprehensive", "special", "onsite")
ORG_TYPES = ("unit", "high_risk", "government")
FREQUENCIES = ("half-yearly", "yearly", "biennial")
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


@dataclass(frozen=True)
class FrequencyRule:
    """A drill-frequency rule: which plans (or organisations) it applies to and how often, with its source."""

    id: str
    scope: str
    kinds: tuple[str, ...]
    org_types: tuple[str, ...]
    frequency: str
    source: str

    def matches(self, kind: str, org_type: str) -> bool:
        """Whether the rule applies to a plan of ``kind`` owned by an organisation of ``org_type``."""
        return (not self.kinds or kind in self.kinds) and (not self.org_types or org_type in self.org_types)


@dataclass(frozen=True)
class Organisation:
    """A plan owner: a production unit, a high-risk unit (条例 Art 8 list) or a government body."""

    id: str
    name: str
    type: str
    jurisdiction: str = ""


@dataclass(frozen=True)
class Plan:
    """An emergency plan with what it covers and who it involves."""

    id: str
    name: str
    kind: str
    owner: str
    scenarios: tuple[str, ...]
    teams: tuple[str, ...]
    sites: tuple[str, ...] = ()
    field_drills: int = 0
    last_drill: dt.date | None = None
    last_evaluation: dt.date | None = None
    needs_revision: bool = False
    revision_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSet:
    """Organisations, plans and the frequency rules of one scenario."""

    organisations: Mapping[str, Organisation]
    plans: tuple[Plan, ...]
    rules: tuple[FrequencyRule, ...] = field(default_factory=lambda: parse_rules(DEFAULT_RULES))

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
    return replace(plan, needs_revision=True, revision_reasons=(*plan.revision_reasons, reason))


# ----------------------------------------------------------------------------------------------------
# Parsing


def parse_rules(items: Iterable[Mapping[str, Any]]) -> tuple[FrequencyRule, ...]:
    """Frequency rules from data; raises ``InputError`` naming the rule and field."""
    rules = []
    for k, item in enumerate(items):
        where = f"rules[{k}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: must be a mapping", field="rules", record=where)
        rule_id = _text(item, "id", where)
        where = f"rule {rule_id}"
        scope = _text(item, "scope", where)
        if scope not in ("plan", "organisation"):
            raise InputError(f"{where}: scope must be plan or organisation, got {scope!r}", field="scope",
                             record=rule_id)
        frequency = _text(item, "frequency", where)
        if frequency not in FREQUENCIES:
            raise InputError(f"{where}: frequency must be one of {', '.join(FREQUENCIES)}, got {frequency!r}",
                             field="frequency", record=rule_id)
        kinds = _names(item, "kinds", where, PLAN_KINDS)
        org_types = _names(item, "org_types", where, ORG_TYPES)
        rules.append(FrequencyRule(rule_id, scope, kinds, org_types, frequency, _text(item, "source", where)))
    return tuple(rules)


def parse_plans(data: Any, *, where: str = "plans.yaml", scenario: Any = None,
                templates: Mapping[str, Any] | None = None) -> PlanSet:
    """Validate plan data; with ``scenario`` and ``templates`` also check teams, sites and scenario ids exist.

    Raises
    ------
    InputError
        Naming the file, the plan (or organisation) and the field, e.g.
        ``plans.yaml plan ref-onsite: teams: 'x' does not exist``.

    """
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: must be a mapping with organisations and plans", field="plans")
    unknown = sorted(set(data) - {"organisations", "plans", "rules"})
    if unknown:
        raise InputError(f"{where}: unknown section {unknown[0]!r}", field=unknown[0])
    organisations: dict[str, Organisation] = {}
    for k, item in enumerate(_items(data, "organisations", where)):
        here = f"{where} organisations[{k}]"
        org_id = _text(item, "id", here)
        here = f"{where} organisation {org_id}"
        if org_id in organisations:
            raise InputError(f"{here}: duplicate id", field="id", record=org_id)
        org_type = _text(item, "type", here)
        if org_type not in ORG_TYPES:
            raise InputError(f"{here}: type must be one of {', '.join(ORG_TYPES)}, got {org_type!r}",
                             field="type", record=org_id)
        organisations[org_id] = Organisation(org_id, _text(item, "name", here), org_type,
                                             str(item.get("jurisdiction", "")))
    team_ids = {t.id for t in scenario.teams} if scenario is not None else None
    site_ids = {s.id for s in scenario.sites} if scenario is not None else None
    plans: list[Plan] = []
    seen: set[str] = set()
    for k, item in enumerate(_items(data, "plans", where)):
        here = f"{where} plans[{k}]"
        plan_id = _text(item, "id", here)
        here = f"{where} plan {plan_id}"
        known = {"id", "name", "kind", "owner", "scenarios", "teams", "sites", "field_drills", "last_drill",
                 "last_evaluation", "needs_revision", "revision_reasons"}
        extra = sorted(set(item) - known)
        if extra:
            raise InputError(f"{here}: unknown field {extra[0]!r}", field=extra[0], record=plan_id)
        if plan_id in seen:
            raise InputError(f"{here}: duplicate id", field="id", record=plan_id)
        seen.add(plan_id)
        kind = _text(item, "kind", here)
        if kind not in PLAN_KINDS:
            raise InputError(f"{here}: kind must be one of {', '.join(PLAN_KINDS)}, got {kind!r}", field="kind",
                             record=plan_id)
        owner = _text(item, "owner", here)
        if owner not in organisations:
            raise InputError(f"{here}: owner: {owner!r} does not exist", field="owner", record=plan_id)
        scenarios = _ids(item, "scenarios", here, plan_id, None if templates is None else set(templates))
        teams = _ids(item, "teams", here, plan_id, team_ids)
        sites = _ids(item, "sites", here, plan_id, site_ids, required=False)
        field_drills = item.get("field_drills", 0)
        if isinstance(field_drills, bool) or not isinstance(field_drills, int) or field_drills < 0:
            raise InputError(f"{here}: field_drills must be an integer >= 0, got {field_drills!r}",
                             field="field_drills", record=plan_id)
        plans.append(Plan(
            id=plan_id, name=_text(item, "name", here), kind=kind, owner=owner, scenarios=scenarios, teams=teams,
            sites=sites, field_drills=field_drills,
            last_drill=_date(item, "last_drill", here, plan_id), last_evaluation=_date(item, "last_evaluation",
                                                                                         here, plan_id),
            needs_revision=bool(item.get("needs_revision", False)),
            revision_reasons=tuple(str(r) for r in item.get("revision_reasons", ()) or ()),
        ))
    rules = parse_rules(data["rules"]) if data.get("rules") is not None else parse_rules(DEFAULT_RULES)
    return PlanSet(organisations=organisations, plans=tuple(plans), rules=rules)


def read_plans(path: str | Path, *, scenario: Any = None, templates: Mapping[str, Any] | None = None) -> PlanSet:
    """Read and validate ``plans.yaml``."""
    from planner.scenario.files import read_yaml_file

    return parse_plans(read_yaml_file(path), where=Path(path).name, scenario=scenario, templates=templates)


def plans_to_dict(plans: PlanSet) -> dict[str, Any]:
    """Return the YAML/JSON form that ``parse_plans`` reads back."""
    return {
        "organisations": [{"id": o.id, "name": o.name, "type": o.type, "jurisdiction": o.jurisdiction}
                          for o in plans.organisations.values()],
        "plans": [{
            "id": p.id, "name": p.name, "kind": p.kind, "owner": p.owner, "scenarios": list(p.scenarios),
            "teams": list(p.teams), "sites": list(p.sites), "field_drills": p.field_drills,
            "last_drill": p.last_drill.isoformat() if p.last_drill else None,
            "last_evaluation": p.last_evaluation.isoformat() if p.last_evaluation else None,
            "needs_revision": p.needs_revision, "revision_reasons": list(p.revision_reasons),
        } for p in plans.plans],
        "rules": [{"id": r.id, "scope": r.scope, "kinds": list(r.kinds), "org_types": list(r.org_types),
                   "frequency": r.frequency, "source": r.source} for r in plans.rules],
    }


def _items(data: Mapping[str, Any], name: str, where: str) -> list[Mapping[str, Any]]:
    items = data.get(name) or []
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise InputError(f"{where}: {name} must be a list of mappings", field=name)
    return items


def _text(item: Mapping[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {name} must be a non-empty text, got {value!r}", field=name,
                         record=str(item.get("id", where)))
    return value


def _names(item: Mapping[str, Any], name: str, where: str, allowed: Sequence[str]) -> tuple[str, ...]:
    values = item.get(name) or []
    if not isinstance(values, list):
        raise InputError(f"{where}: {name} must be a list", field=name)
    for value in values:
        if value not in allowed:
            raise InputError(f"{where}: {name}: {value!r} is not one of {', '.join(allowed)}", field=name)
    return tuple(values)


def _ids(item: Mapping[str, Any], name: str, where: str, plan_id: str, known: set[str] | None, *,
         required: bool = True) -> tuple[str, ...]:
    values = item.get(name) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InputError(f"{where}: {name} must be a list of ids", field=name, record=plan_id)
    if required and not values:
        raise InputError(f"{where}: {name} must not be empty", field=name, record=plan_id)
    if known is not None:
        for value in values:
            if value not in known:
                raise InputError(f"{where}: {name}: {value!r} does not exist", field=name, record=plan_id)
    return tuple(values)


def _date(item: Mapping[str, Any], name: str, where: str, plan_id: str) -> dt.date | None:
    value = item.get(name)
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {name} must be a date YYYY-MM-DD, got {value!r}", field=name,
                         record=plan_id) from None
