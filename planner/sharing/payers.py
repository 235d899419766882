"""Who pays for a deployment: payer rules as data, first match wins (R-COST).

A :class:`PayerRule` names a payer role and the mission facts under which it pays. The default rules
(R-COST, Shanxi 2024, 条例 Art 19), in order: cross-province aid is paid by the supported region;
otherwise the accident-responsible unit pays; otherwise (none, cannot pay, natural disaster, drill) the
local government of the incident's region. :func:`choose_payer` applies them to one deployment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

from pydantic import field_validator
from pydantic.dataclasses import dataclass

from planner.errors import InputError
from planner.model.agreements import Agreement
from planner.model.validation import DATACLASS_CONFIG, Text, validate
from planner.sharing.missions import Deployment, Mission

PAYER_ROLES: frozenset[str] = frozenset(
    {"responsible_unit", "incident_government", "supported_region", "dispatcher", "borrower"}
)
"""Payer roles a :class:`PayerRule` may name."""
RULE_FACTS: frozenset[str] = frozenset(
    {"cross_province", "responsible_can_pay", "natural_disaster", "kind", "has_dispatcher"}
)
"""Mission facts a :class:`PayerRule` condition may test."""


@dataclass(frozen=True, config=DATACLASS_CONFIG)
class PayerRule:
    """One payer rule: if every condition in ``when`` matches the mission facts, ``payer`` pays.

    Facts are ``cross_province`` (lender and incident in different provinces), ``responsible_can_pay``
    (a responsible unit exists, can pay, and the event is not a natural disaster), ``natural_disaster``,
    ``has_dispatcher`` and ``kind`` (accident, natural_disaster, drill). Payer roles are
    ``responsible_unit``, ``incident_government`` (government of the incident's region),
    ``supported_region`` (same government, named for the cross-province rule), ``dispatcher`` (the
    dispatching authority's budget) and ``borrower`` (the agreement's borrower).
    """

    name: Text
    payer: str
    when: Mapping[str, Any] = field(default_factory=dict)

    @field_validator("payer")
    @classmethod
    def _known_role(cls, payer: str) -> str:
        if payer not in PAYER_ROLES:
            raise ValueError(f"unknown role {payer!r} (known: {', '.join(sorted(PAYER_ROLES))})")
        return payer

    @field_validator("when")
    @classmethod
    def _known_facts(cls, when: Mapping[str, Any]) -> Mapping[str, Any]:
        for fact in when:
            if fact not in RULE_FACTS:
                raise ValueError(f"unknown fact {fact!r} (known: {', '.join(sorted(RULE_FACTS))})")
        return when

    def matches(self, facts: Mapping[str, Any]) -> bool:
        """Whether every condition equals the corresponding fact."""
        return all(facts.get(key) == value for key, value in self.when.items())


DEFAULT_PAYER_RULES: tuple[PayerRule, ...] = (
    PayerRule("cross-province aid: supported region pays", "supported_region", {"cross_province": True}),
    PayerRule("accident-responsible unit pays", "responsible_unit", {"responsible_can_pay": True}),
    PayerRule("local government of the incident's region pays", "incident_government"),
)
"""R-COST / Shanxi 2024 / 条例 Art 19, in order: the first matching rule decides."""


def payer_rules_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[PayerRule, ...]:
    """Parse payer rules in order; the last one should have no conditions so every mission has a payer."""
    return tuple(validate(PayerRule, item, what=f"payer_rules[{i}]") for i, item in enumerate(items))


def mission_facts(mission: Mission, deployment: Deployment, agreement: Agreement | None) -> dict[str, Any]:
    """Facts the payer rules test for one deployment of a mission."""
    lender_province = deployment.lender_province or (agreement.lender_province if agreement else "")
    incident_province = mission.province or (agreement.borrower_province if agreement else "")
    natural = mission.kind == "natural_disaster"
    return {
        "cross_province": bool(lender_province and incident_province and lender_province != incident_province),
        "responsible_can_pay": bool(mission.responsible_unit) and mission.responsible_can_pay and not natural,
        "natural_disaster": natural,
        "kind": mission.kind,
        "has_dispatcher": bool(mission.dispatcher),
    }


def choose_payer(
    mission: Mission,
    deployment: Deployment,
    agreement: Agreement | None,
    rules: Iterable[PayerRule] = DEFAULT_PAYER_RULES,
) -> tuple[str, str]:
    """Payer of a deployment and the name of the rule that chose it.

    Payers are named ``unit:<id>`` for a responsible unit and ``government:<region>`` for a government
    budget. Raise InputError when no rule matches or the chosen role has no one to name.
    """
    facts = mission_facts(mission, deployment, agreement)
    for rule in rules:
        if not rule.matches(facts):
            continue
        if rule.payer == "responsible_unit":
            if not mission.responsible_unit:
                continue
            return f"unit:{mission.responsible_unit}", rule.name
        if rule.payer in ("incident_government", "supported_region"):
            return f"government:{mission.region}", rule.name
        if rule.payer == "borrower":
            return f"government:{agreement.borrower if agreement else mission.region}", rule.name
        if rule.payer == "dispatcher":
            if not mission.dispatcher:
                continue
            return f"government:{mission.dispatcher}", rule.name
    raise InputError(f"mission {mission.id}: no payer rule matches unit {deployment.unit}", field="payer_rules")
