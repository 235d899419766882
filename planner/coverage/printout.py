"""The coverage report (覆盖评估报告) for filing: the standards' shares, a map, and the whole gap list, PDF or HTML.

Built once as sections (:mod:`planner.report`) and laid out by :mod:`planner.pdf` (A4, the CJK font
embedded, the agency and scenario in the header of every page, page numbers, the gap table repeating
its header row on every page it runs over) or as one printable HTML page. The map figure
(:mod:`planner.mapfigure`) is drawn from the scenario's own geometries: the main roads of its network
(OpenStreetMap data, attributed), the bases, and the sites green when they meet every standard that
applies and red when they are on the gap list. Coded values show their Chinese and English labels
(:func:`planner.model.codes.label`).
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from reportlab.platypus import Paragraph, Spacer

from planner.coverage.verdict import CoverageReport
from planner.mapfigure import MapFigure, MapLayer
from planner.model.codes import label
from planner.pdf import PageHeader, build_pdf, cjk_font, escape, pdf_styles, section_story
from planner.report import Section, report_html
from planner.scenario.geojson import FeatureCollection
from planner.scenario.mapview import credits, main_roads
from planner.scenario.model import Scenario

TITLE = "应急救援力量覆盖评估报告 / Rescue coverage report"


def _minutes(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def coverage_map(report: CoverageReport, scenario: Scenario, *, font: str = "Helvetica", standard: str | None = None,
                 areas: FeatureCollection | None = None, title: str = "") -> MapFigure:
    """Return the report's map: main roads, bases, sites passing (green) or on the gap list (red).

    With ``standard`` only that standard's verdicts colour the sites (the others are left out); ``areas``
    (the standard's service areas, :func:`planner.coverage.verdict.service_area_features`) are drawn under them.
    """
    rows = [r for r in report.sites if standard is None or r.standard == standard]
    failing = {g.site for g in report.gaps if standard is None or g.standard == standard}
    located = {row.site: shapely.Point(row.lon, row.lat) for row in rows}
    bases = [shapely.Point(b.lon, b.lat) for b in scenario.bases]
    focus = [*located.values(), *bases]
    shaded = [shapely.geometry.shape(f["geometry"]) for f in (areas or {}).get("features", []) if f.get("geometry")]
    layers = [MapLayer("服务范围 Service areas", shaded, stroke="#3949ab", fill="#5c6bc0", opacity=0.18)] \
        if shaded else []
    layers += [
        MapLayer("主要道路 Main roads", main_roads(scenario, focus), stroke="#9e9e9e", width=0.5),
        MapLayer("基地 Bases", bases, stroke="#0d47a1", fill="#1976d2", radius=3.0, marker="square"),
        MapLayer("达标 Sites passing", [p for s, p in located.items() if s not in failing], stroke="#1b5e20",
                 fill="#1a9850", radius=3.2),
        MapLayer("缺口 Sites on the gap list", [p for s, p in located.items() if s in failing], stroke="#7f0000",
                 fill="#d73027", radius=3.6),
    ]
    shown = {row.site for row in rows}
    return MapFigure(layers, title=title or str(scenario.meta.get("title_zh") or scenario.title), font=font,
                     focus=focus, attribution=credits(s for s in scenario.sites if s.id in shown))


def coverage_sections(report: CoverageReport, scenario: Scenario, *, font: str = "Helvetica") -> list[Section]:
    """Return the report's sections: standards, the map, the gap list and the teams not responding."""
    sections = [
        Section("标准达标情况 Standards",
                [["标准 standard", "时限 max min", "站点 sites", "达标 passing", "比例 share", "要求 needed",
                  "达标 met", "双重保障 backup"],
                 *[[s.standard, s.max_min, s.sites, s.passing, _share(s.share), _share(s.min_share),
                    "是 yes" if s.met else "否 NO", _share(s.backup_share)] for s in report.standards]],
                widths=[2.2, 1, 1, 1, 1, 1, 1, 1.2]),
        Section("覆盖图 Map", figure=coverage_map(report, scenario, font=font),
                caption="底图数据 Road data © OpenStreetMap contributors (ODbL)"),
        Section(f"缺口清单 Gap list ({len(report.gaps)})",
                [["站点 site", "风险等级 risk", "标准 standard", "首到队伍 first responder", "到达 min",
                  "时限 max", "差距 short by"],
                 *[[f"{g.name_zh or g.name} ({g.site})", label("risk_grade", g.risk_grade), g.standard,
                    g.first.team if g.first else "无 none", _minutes(g.minutes), g.max_min,
                    _minutes(g.shortfall_min)] for g in report.gaps]],
                widths=[2.6, 1.6, 1.3, 2, 0.9, 0.8, 0.9]),
    ]
    if report.excluded:
        sections.append(Section("未参与响应的队伍 Teams not responding",
                                [["队伍 team", "类型 type", "基地 base", "原因 reason"],
                                 *[[e.team, label("team_type", e.team_type), e.base, e.reason]
                                   for e in report.excluded]]))
    return sections


def _intro(report: CoverageReport, scenario: Scenario) -> list[str]:
    title_zh = str(scenario.meta.get("title_zh", ""))
    return [f"{title_zh} {scenario.title}".strip(),
            f"{len(report.sites)} 项核查 site × standard checks; {len(report.gaps)} 项缺口 gaps"]


def _header(scenario: Scenario, agency: str) -> PageHeader:
    return PageHeader(TITLE, agency=agency, scenario=str(scenario.meta.get("title_zh", "")) or scenario.title)


def coverage_pdf(report: CoverageReport, scenario: Scenario, *, agency: str = "") -> bytes:
    """Render a coverage report as a PDF: per-standard shares, the map, then every gap (red sites first)."""
    styles = pdf_styles()
    story: list[Any] = [Paragraph(TITLE, styles["Title"]),
                        *[Paragraph(escape(line), styles["BodyText"]) for line in _intro(report, scenario)],
                        Spacer(1, 8)]
    story += section_story(coverage_sections(report, scenario, font=cjk_font()), styles)
    return build_pdf(story, _header(scenario, agency))


def coverage_html(report: CoverageReport, scenario: Scenario, *, agency: str = "") -> str:
    """Render the same report as one printable HTML page (A4 print CSS, the map as inline SVG)."""
    return report_html(TITLE, _header(scenario, agency).line(), coverage_sections(report, scenario),
                       intro=_intro(report, scenario))

