"""The dispatch summary (调度方案) to file: plan, materials, what was held back and the ledger, PDF or HTML.

Incidents, the plan against the greedy one, units sent, shortfall, materials, held back and the ledger.

Built once as sections (:mod:`planner.report`) and laid out by :mod:`planner.pdf` (A4, the CJK font
embedded, the agency and scenario in the header of every page, page numbers, long tables repeating their
header row) or :func:`planner.report.report_html`. "Held back" lists every retained minimum the plan had
to honour (:func:`planner.dispatch.rules.retained_minimums`: each region's ``min_retained``, and the
``retained`` of each agreement the plan lends under) with what stays at home. The compensation ledger is the one the
plan was priced with (:attr:`planner.dispatch.scenario.ScenarioDispatch.ledger`), line by line.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph

from planner.dispatch.rules import retained_minimums
from planner.dispatch.scenario import ScenarioDispatch
from planner.model.codes import label
from planner.pdf import PageHeader, build_pdf, pdf_styles, section_story
from planner.report import Section, report_html
from planner.scenario.library import load_library

TITLE = "应急救援调度方案 / Dispatch summary"


def dispatch_sections(run: ScenarioDispatch) -> list[Section]:
    """Return the summary's sections: incidents, plans compared, units, shortfall, materials, held back, ledger."""
    plan = run.optimal
    library = load_library()

    def incident_type(template: str | None) -> str:
        found = library.get(template or "")
        return (found.name_zh or found.name) if found else (template or "-")

    sections = [
        Section("事故 Incidents", [["编号 id", "类型 type", "区域 region", "优先级 priority"],
                                   *[[i["id"], incident_type(i.get("type")), i.get("region") or "-", i.get("priority")]
                                     for i in run.incidents]]),
        Section("方案比较 Plan against the nearest-unit baseline",
                [["方法 method", "状态 status", "加权缺口 weighted shortfall", "加权到达 weighted arrival (min)",
                  "补偿 compensation (元)"],
                 *[[name, label("status", result.status.value), f"{result.objective.weighted_shortfall:g}",
                    f"{result.objective.weighted_arrival:.1f}", f"{result.objective.compensation:.2f}"]
                   for name, result in (("优化 optimiser", run.optimal), ("就近 greedy", run.greedy))]]),
        Section("派出力量 Units sent", [["队伍 unit", "事故 incident", "到达 arrival (min)", "路程 route (km)"],
                                       *[[a.unit, a.incident, f"{a.arrival_min:.1f}", run.route_km.get(a.unit)]
                                         for a in plan.assignments]]),
    ]
    if plan.shortfall:
        sections.append(Section("缺口 Shortfall", [["事故 incident", "能力 capability", "缺少 missing",
                                                   "时限 deadline (min)"],
                                                  *[[s.incident, label("capability", s.capability), s.missing,
                                                     s.deadline_min] for s in plan.shortfall]]))
    if plan.materials or plan.material_shortfall:
        sections.append(Section(
            "物资 Materials", [["事故 incident", "物资 material", "储备库 depot", "批次 lot", "数量 quantity",
                                "单价 unit price", "金额 cost (元)", "到达 arrival (min)"],
                               *[[m.incident, m.material, m.depot, m.stock, f"{m.quantity} {m.unit}",
                                  f"{m.unit_price:.2f}", f"{m.cost:.2f}", f"{m.arrival_min:.1f}"]
                                 for m in plan.materials]],
            widths=[1.2, 1.4, 1.6, 1.4, 1, 0.9, 1, 0.9], font_size=7.5,
            after=[f"物资缺口 Material short: {s.incident} {s.material} {s.missing} {s.unit} "
                   f"(时限 by {s.deadline_min:g} min)" for s in plan.material_shortfall]))
    kept = retained_minimums(run.problem, (a.unit for a in plan.assignments),
                     {(b.lender, b.borrower) for b in plan.borrowed})
    sections.append(Section(
        "留守力量 Held back (retained minimums)",
        [["区域 region", "能力 capability", "最低保留 minimum", "留守 kept at home", "依据 rule"],
         *[[k.region, label("capability", k.capability), k.minimum, k.kept,
            f"协议 agreement {k.agreement}" if k.agreement else "区域底线 region's min_retained"] for k in kept]]
        if kept else (), lines=() if kept else ["无保留要求 No retained minimum applies to this plan."]))
    lines = run.ledger.get("lines", [])
    sections.append(Section(
        "补偿台账 Compensation ledger",
        [["任务 mission", "队伍 unit", "出借方 lender", "支付方 payer", "项目 item", "数量 quantity", "单价 rate",
          "天数 days", "金额 amount"],
         *[[line.get("mission"), line.get("unit"), line.get("lender"), line.get("payer"), line.get("item"),
            line.get("quantity"), line.get("rate"), line.get("days"), f"{float(line.get('amount') or 0):.2f}"]
           for line in lines]],
        widths=[1.1, 1.6, 1.1, 1.4, 1.2, 0.8, 0.8, 0.7, 1.3], font_size=7.5,
        after=[f"合计 Total: {float(run.ledger.get('total') or 0):.2f} 元 yuan"]))
    return sections


def dispatch_pdf(run: ScenarioDispatch, *, agency: str = "", scenario: str = "") -> bytes:
    """Render a scenario dispatch (incidents, plan, comparison, shortfall, materials, held back, ledger) as a PDF."""
    styles = pdf_styles()
    story: list[Any] = [Paragraph(TITLE, styles["Title"]), *section_story(dispatch_sections(run), styles)]
    return build_pdf(story, PageHeader(TITLE, agency=agency, scenario=scenario))


def dispatch_html(run: ScenarioDispatch, *, agency: str = "", scenario: str = "") -> str:
    """Render the same summary as one printable HTML page."""
    return report_html(TITLE, PageHeader(TITLE, agency=agency, scenario=scenario).line(), dispatch_sections(run))
