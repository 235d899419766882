"""The coverage report (覆盖评估报告) as a PDF for filing: the standards' shares and the whole gap list.

Laid out by :mod:`planner.pdf` (A4, the CJK font embedded, the agency and scenario in the header of
every page, page numbers, the gap table repeating its header row on every page it runs over). Coded
values show their Chinese and English labels (:func:`planner.model.codes.label`).
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.platypus import Paragraph, Spacer

from planner.coverage.verdict import CoverageReport
from planner.model.codes import label
from planner.pdf import PageHeader, build_pdf, escape, pdf_styles, pdf_table
from planner.scenario.model import Scenario

TITLE = "应急救援力量覆盖评估报告 / Rescue coverage report"


def _minutes(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def coverage_pdf(report: CoverageReport, scenario: Scenario, *, agency: str = "") -> bytes:
    """Render a coverage report as a PDF: per-standard shares, then every gap (red sites first)."""
    styles = pdf_styles()
    title_zh = str(scenario.meta.get("title_zh", ""))
    story: list[Any] = [
        Paragraph(TITLE, styles["Title"]),
        Paragraph(escape(f"{title_zh} {scenario.title}".strip()), styles["BodyText"]),
        Paragraph(escape(f"{len(report.sites)} 项核查 site × standard checks; {len(report.gaps)} 项缺口 gaps"),
                  styles["BodyText"]),
        Spacer(1, 8),
        Paragraph("标准达标情况 Standards", styles["Heading2"]),
        pdf_table([["标准 standard", "时限 max min", "站点 sites", "达标 passing", "比例 share", "要求 needed",
                    "达标 met", "双重保障 backup"],
                   *[[s.standard, s.max_min, s.sites, s.passing, _share(s.share), _share(s.min_share),
                      "是 yes" if s.met else "否 NO", _share(s.backup_share)] for s in report.standards]],
                  styles, widths=[2.2, 1, 1, 1, 1, 1, 1, 1.2]),
        Spacer(1, 8),
        Paragraph(f"缺口清单 Gap list ({len(report.gaps)})", styles["Heading2"]),
        pdf_table([["站点 site", "风险等级 risk", "标准 standard", "首到队伍 first responder", "到达 min",
                    "时限 max", "差距 short by"],
                   *[[f"{g.name_zh or g.name} ({g.site})", label("risk_grade", g.risk_grade), g.standard,
                      g.first.team if g.first else "无 none", _minutes(g.minutes), g.max_min,
                      _minutes(g.shortfall_min)] for g in report.gaps]],
                  styles, widths=[2.6, 1.6, 1.3, 2, 0.9, 0.8, 0.9]),
    ]
    if report.excluded:
        story += [Spacer(1, 8), Paragraph("未参与响应的队伍 Teams not responding", styles["Heading2"]),
                  pdf_table([["队伍 team", "类型 type", "基地 base", "原因 reason"],
                             *[[e.team, label("team_type", e.team_type), e.base, e.reason] for e in report.excluded]],
                            styles)]
    return build_pdf(story, PageHeader(TITLE, agency=agency, scenario=title_zh or scenario.title))
