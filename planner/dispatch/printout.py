"""The dispatch summary (调度方案) as a PDF to file: incidents, the plan against the greedy one, and the ledger.

Laid out by :mod:`planner.pdf` (A4, the CJK font embedded, the agency and scenario in the header of
every page, page numbers, long tables repeating their header row). The compensation ledger is the one
the plan was priced with (:attr:`planner.dispatch.scenario.ScenarioDispatch.ledger`), line by line.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph, Spacer

from planner.dispatch.scenario import ScenarioDispatch
from planner.model.codes import label
from planner.pdf import PageHeader, build_pdf, escape, pdf_styles, pdf_table
from planner.scenario.library import load_library

TITLE = "应急救援调度方案 / Dispatch summary"


def dispatch_pdf(run: ScenarioDispatch, *, agency: str = "", scenario: str = "") -> bytes:
    """Render a scenario dispatch (incidents, plan, comparison, shortfall, ledger) as a PDF."""
    styles = pdf_styles()
    plan = run.optimal
    library = load_library()

    def incident_type(template: str | None) -> str:
        found = library.get(template or "")
        return (found.name_zh or found.name) if found else (template or "-")

    story: list[Any] = [
        Paragraph(TITLE, styles["Title"]),
        Paragraph("事故 Incidents", styles["Heading2"]),
        pdf_table([["编号 id", "类型 type", "区域 region", "优先级 priority"],
                   *[[i["id"], incident_type(i.get("type")), i.get("region") or "-", i.get("priority")]
                     for i in run.incidents]], styles),
        Spacer(1, 6),
        Paragraph("方案比较 Plan against the nearest-unit baseline", styles["Heading2"]),
        pdf_table([["方法 method", "状态 status", "加权缺口 weighted shortfall", "加权到达 weighted arrival (min)",
                    "补偿 compensation (元)"],
                   *[[name, label("status", result.status.value), f"{result.objective.weighted_shortfall:g}",
                      f"{result.objective.weighted_arrival:.1f}", f"{result.objective.compensation:.2f}"]
                     for name, result in (("优化 optimiser", run.optimal), ("就近 greedy", run.greedy))]], styles),
        Spacer(1, 6),
        Paragraph("派出力量 Units sent", styles["Heading2"]),
        pdf_table([["队伍 unit", "事故 incident", "到达 arrival (min)", "路程 route (km)"],
                   *[[a.unit, a.incident, f"{a.arrival_min:.1f}", run.route_km.get(a.unit)]
                     for a in plan.assignments]], styles),
    ]
    if plan.shortfall:
        story += [Spacer(1, 6), Paragraph("缺口 Shortfall", styles["Heading2"]),
                  pdf_table([["事故 incident", "能力 capability", "缺少 missing", "时限 deadline (min)"],
                             *[[s.incident, label("capability", s.capability), s.missing, s.deadline_min]
                               for s in plan.shortfall]], styles)]
    lines = run.ledger.get("lines", [])
    story += [Spacer(1, 6), Paragraph("补偿台账 Compensation ledger", styles["Heading2"]),
              pdf_table([["任务 mission", "队伍 unit", "出借方 lender", "支付方 payer", "项目 item", "数量 quantity",
                          "单价 rate", "天数 days", "金额 amount"],
                         *[[line.get("mission"), line.get("unit"), line.get("lender"), line.get("payer"),
                            line.get("item"), line.get("quantity"), line.get("rate"), line.get("days"),
                            f"{float(line.get('amount') or 0):.2f}"] for line in lines]],
                        styles, widths=[1.1, 1.6, 1.1, 1.4, 1.2, 0.8, 0.8, 0.7, 1.3], font_size=7.5),
              Paragraph(escape(f"合计 Total: {float(run.ledger.get('total') or 0):.2f} 元 yuan"), styles["BodyText"])]
    return build_pdf(story, PageHeader(TITLE, agency=agency, scenario=scenario))
