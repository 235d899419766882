"""Sharing across regional borders: agreements, rates, payer rules, compensation and the ledger.

The one place that decides who is own forces and which agreement applies (``terms``), what a
deployment costs (``compensation``, the one compensation function) and who pays (``payers``), under
R-COST and R-AGREEMENT. The agreement and rate-card records are ``planner.model.agreements`` (records of
a scenario, which the store checks like the others), ``missions`` holds the mission and deployment
records, ``lines`` the charged days and rounding, and ``ledger`` the ledger built from all of them.
Dispatch prices candidate assignments with ``compensate`` and builds its ledger with ``build_ledger``,
so both charge the same. Imports only ``planner.errors`` and ``planner.model``.
"""

from planner.model.agreements import (
    COST_LINES,
    DEFAULT_REIMBURSABLE,
    Agreement,
    RateCard,
    agreements_from_dicts,
    find_agreement,
    parse_agreement,
)
from planner.sharing.compensation import Compensation, CostLine, Exclusion, compensate, rated_equipment
from planner.sharing.ledger import CSV_COLUMNS, ExcludedClaim, Ledger, LedgerLine, build_ledger
from planner.sharing.lines import CLAIM_LINES, charged_days, money
from planner.sharing.missions import MISSION_KINDS, Deployment, MaterialDraw, Mission, parse_mission
from planner.sharing.payers import (
    DEFAULT_PAYER_RULES,
    PAYER_ROLES,
    RULE_FACTS,
    PayerRule,
    choose_payer,
    mission_facts,
    payer_rules_from_dicts,
)
from planner.sharing.terms import Terms, ancestors, deployment_terms

__all__ = [
    "CLAIM_LINES",
    "COST_LINES",
    "CSV_COLUMNS",
    "DEFAULT_PAYER_RULES",
    "DEFAULT_REIMBURSABLE",
    "MISSION_KINDS",
    "PAYER_ROLES",
    "RULE_FACTS",
    "Agreement",
    "Compensation",
    "CostLine",
    "Deployment",
    "ExcludedClaim",
    "Exclusion",
    "Ledger",
    "LedgerLine",
    "MaterialDraw",
    "Mission",
    "PayerRule",
    "RateCard",
    "Terms",
    "agreements_from_dicts",
    "ancestors",
    "build_ledger",
    "charged_days",
    "choose_payer",
    "compensate",
    "deployment_terms",
    "find_agreement",
    "mission_facts",
    "money",
    "parse_agreement",
    "parse_mission",
    "payer_rules_from_dicts",
    "rated_equipment",
]
