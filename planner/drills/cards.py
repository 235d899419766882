"""Key-post response cards (岗位应急处置卡) of on-site disposal plans (现场处置方案), made from plan data.

The national programme asks for simpler plans: one printable page per on-site plan with what triggers
it, the first actions in order, who to call, the nearest teams and equipment with their travel minutes
and the evacuation assembly point. A card is made from the plan (its name, owner, sites, teams and
``assembly_point``), the incident template it drills (its ``card``: trigger and first actions), and the
inventory: the plan's teams and every available team carrying a capability the template needs, ranked
by turn-out plus road travel to the plan's first site (:func:`planner.scenario.travel.travel_minutes`),
with the equipment they hold. The PDF (A4 or A5) is in Chinese with the reports' CJK font
(:func:`planner.pdf.cjk_font`). A drill tests a card by taking its first actions as the
critical tasks of its objectives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from reportlab.lib.pagesizes import A4, A5
from reportlab.platypus import PageBreak, Paragraph, Spacer

from planner.drills.plans import Plan, PlanSet
from planner.errors import InputError
from planner.model.codes import coded
from planner.model.records import Availability
from planner.model.validation import Model
from planner.pdf import PageHeader, build_pdf, pdf_styles, pdf_table
from planner.scenario.library import Template
from planner.scenario.model import Scenario
from planner.scenario.travel import travel_minutes

NEAREST = 5
"""Teams listed as the nearest help."""
DEFAULT_ASSEMBLY = "上风向安全区域,由现场指挥确定 (upwind safe area set by the incident commander)"


class CardTeam(Model):
    """A team on a card: who, from which base, and minutes to the site (turn-out plus travel; None: no road)."""

    team: str
    name: str
    base: str
    turnout_min: float
    travel_min: float | None
    arrival_min: float | None
    capabilities: dict[str, int]
    equipment: tuple[str, ...] = ()


class ResponseCard(Model):
    """One key-post response card."""

    plan: str
    title: str
    owner: str
    site: str | None
    site_name: str
    trigger: str
    first_actions: tuple[str, ...]
    contacts: tuple[CardTeam, ...]
    nearest: tuple[CardTeam, ...]
    assembly_point: str


def card_title(plan: Plan) -> str:
    """Return a card's title: the Chinese name in the plan's name (``... (原油罐区火灾现场处置方案)``) or the name."""
    match = re.search(r"[（(]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]\s*$", plan.name)
    return f"{match.group(1) if match else plan.name} · 岗位应急处置卡"


def response_card(scenario: Scenario, plans: PlanSet, plan_id: str, templates: Mapping[str, Template]) -> ResponseCard:
    """Make the response card of an on-site plan; ``InputError`` naming ``plan`` for another kind of plan."""
    plan = plans.plan(plan_id)
    if plan.kind != "onsite":
        raise InputError(f"plan {plan_id} is a {coded('plan_kind', plan.kind)}: response cards are made for "
                         "on-site plans", field="plan", record=plan_id)
    template = templates[plan.scenarios[0]]
    sites = {s.id: s for s in scenario.sites}
    site = sites.get(plan.sites[0]) if plan.sites else None
    needed = {r.capability for r in template.requirements}
    candidates = [t for t in scenario.teams if t.id in plan.teams or (
        t.availability == Availability.AVAILABLE and needed & {c for c, q in t.capabilities.items() if q > 0})]
    travel = _travel(scenario, [t.id for t in candidates], site.id if site else None)
    bases = {b.id: b for b in scenario.bases}
    equipment: dict[str, list[str]] = {}
    for item in scenario.equipment:
        for holder in (item.team, item.base):
            if holder:
                equipment.setdefault(holder, []).append(f"{item.name or item.kind} ×{item.quantity}")

    def row(team_id: str) -> CardTeam:
        team = next(t for t in scenario.teams if t.id == team_id)
        minutes = travel.get(team_id)
        base = bases.get(team.base)
        return CardTeam(team=team.id, name=team.name_zh or team.name, base=(base.name_zh or base.name) if base else "",
                        turnout_min=team.turnout_min, travel_min=minutes,
                        arrival_min=None if minutes is None else round(team.turnout_min + minutes, 1),
                        capabilities=dict(team.capabilities),
                        equipment=tuple(equipment.get(team.id, []) + equipment.get(team.base, []))[:4])

    ranked = sorted((row(t.id) for t in candidates),
                    key=lambda r: (r.arrival_min is None, r.arrival_min or 0.0, r.team))
    organisation = plans.organisations[plan.owner]
    return ResponseCard(
        plan=plan.id, title=card_title(plan), owner=organisation.name, site=site.id if site else None,
        site_name=(site.name_zh or site.name) if site else "",
        trigger=template.card_trigger or template.description or template.name,
        first_actions=template.card_actions or tuple(i.expected_actions[0] for i in template.injects
                                                     if i.expected_actions),
        contacts=tuple(row(t) for t in plan.teams if any(c.id == t for c in candidates)),
        nearest=tuple(ranked[:NEAREST]), assembly_point=plan.assembly_point or DEFAULT_ASSEMBLY)


def _travel(scenario: Scenario, teams: Sequence[str], site: str | None) -> dict[str, float]:
    """Road minutes from each team's base to the site (teams with no road left out)."""
    if site is None or not teams:
        return {}
    matrix = travel_minutes(scenario, "teams", "sites", origin_ids=list(teams), destination_ids=[site])
    return {t: round(float(matrix.minutes[k, 0]), 1) for k, t in enumerate(teams)
            if math.isfinite(float(matrix.minutes[k, 0]))}


def cards_pdf(cards: Sequence[ResponseCard], *, size: Literal["A4", "A5"] = "A4") -> bytes:
    """Render response cards as a PDF, one card a page, in Chinese (the reports' CJK font)."""
    styles = pdf_styles()
    margin = 28 if size == "A5" else 42
    story: list[Any] = []
    for k, card in enumerate(cards):
        if k:
            story.append(PageBreak())
        story += [
            Paragraph(card.title, styles["Heading1"]),
            Paragraph(f"单位 {card.owner} · 地点 {card.site_name or '—'}", styles["BodyText"]),
            Paragraph("触发条件 Trigger", styles["Heading3"]), Paragraph(card.trigger, styles["BodyText"]),
            Paragraph("先期处置 First actions", styles["Heading3"]),
            *[Paragraph(f"{n}. {action}", styles["BodyText"]) for n, action in enumerate(card.first_actions, 1)],
            Paragraph("联系 Who to call", styles["Heading3"]),
            pdf_table([["队伍 team", "基地 base", "出动 turn-out min"],
                       *[[c.name, c.base, c.turnout_min] for c in card.contacts]], styles),
            Paragraph("最近救援力量 Nearest teams and equipment", styles["Heading3"]),
            pdf_table([["队伍 team", "到达 min", "装备 equipment"],
                       *[[c.name, "—" if c.arrival_min is None else c.arrival_min, "; ".join(c.equipment) or "—"]
                         for c in card.nearest]], styles),
            Spacer(1, 6), Paragraph(f"疏散集合点 Assembly point: {card.assembly_point}", styles["BodyText"]),
        ]
    return build_pdf(story, PageHeader("岗位应急处置卡 / Key-post response cards"),
                     pagesize=A5 if size == "A5" else A4, margin=margin)
