"""Drill reports (AQ/T 9009, HSEEP): evaluation (评估报告), summary (总结报告) and after-action reports, HTML and PDF.

HTML comes from Jinja2 templates in this module (autoescaped). PDF uses ReportLab (pure pip) in the
product's print layout (:mod:`planner.pdf`): A4, the CJK font embedded, a header with the agency, the
scenario and the title on every page, page numbers, tables that repeat their header row across pages.
Where the drill has a site, each report shows where it happened (:func:`drill_figure`): the incident
location, the bases of the teams that took part and the jurisdiction, on the product's one map figure
(:mod:`planner.mapfigure`; inline SVG in HTML, a drawing in the PDF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from jinja2 import Environment
from markupsafe import Markup
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from planner.drills.evaluation import RATING_TEXT, Evaluation, ObjectiveResult
from planner.drills.improvement import CorrectiveAction
from planner.mapfigure import MapFigure, MapLayer
from planner.pdf import PageHeader, build_pdf, cjk_font, escape, pdf_styles, pdf_table
from planner.scenario.mapview import credits, main_roads
from planner.scenario.model import Scenario

_ENV = Environment(autoescape=True)
_REQUESTS_TABLE = _ENV.from_string("""{% macro requests_table(e, rating_text) -%}
{% if e.requests %}<h2>跨区域请求 Cross-region requests (exercised; no money settled)</h2><table id="requests">
<tr><th>request</th><th>step</th><th>observed min</th><th>target min</th><th>rating</th></tr>
{% for r in e.requests %}<tr class="{{ r.rating }}" data-request="{{ r.request }}" data-step="{{ r.step }}">\
<td>{{ r.request }}</td><td>{{ r.text }}</td>
<td class="observed">{{ r.observed_min if r.observed_min is not none else 'never' }}</td><td>{{ r.target_min }}</td>
<td>{{ r.rating }} ({{ rating_text[r.rating] }})</td></tr>{% endfor %}</table>{% endif %}
{%- endmacro %}""").module.requests_table  # type: ignore[attr-defined]  # a template's macros are its attributes
"""The cross-region requests a drill exercised, rated against the plan's targets: one table for both reports."""
_ENV.globals["requests_table"] = _REQUESTS_TABLE

FIGURE_CAPTION = "演练地点、参演队伍基地与辖区 Drill site, the bases of the teams taking part, the jurisdiction"
_FIGURE = _ENV.from_string("""{% macro figure(svg) -%}
{% if svg %}<h2>演练地点 Where</h2><figure id="drill-map" style="margin:0">{{ svg }}\
<figcaption>{{ caption }}</figcaption></figure>{% endif %}
{%- endmacro %}""").module.figure  # type: ignore[attr-defined]
"""The drill's map (inline SVG, or nothing): one block for the three HTML reports."""
_ENV.globals["drill_map"] = _FIGURE
_ENV.globals["caption"] = FIGURE_CAPTION


def drill_figure(scenario: Scenario, entry: Mapping[str, Any], evaluation: Evaluation | None = None, *,
                 font: str = "Helvetica") -> MapFigure | None:
    """Return the drill's map: its site (the incident), the bases of the teams that took part, the site's jurisdiction.

    The teams that took part are those whose turn-out was observed (``evaluation``), else the programme
    entry's ``teams``. None when the drill names no site of the scenario (a tabletop without a place).
    """
    site = next((s for s in scenario.sites if s.id == entry.get("site")), None)
    if site is None:
        return None
    took_part = {t.team for t in evaluation.turnout} if evaluation is not None and evaluation.turnout else \
        set(entry.get("teams") or ())
    based = {t.base for t in scenario.teams if t.id in took_part}
    bases = [shapely.Point(b.lon, b.lat) for b in scenario.bases if b.id in based]
    incident = shapely.Point(site.lon, site.lat)
    region = next((j for j in scenario.jurisdictions if j.id == site.jurisdiction and j.geometry), None)
    layers = [MapLayer(f"辖区 Jurisdiction: {region.name_zh or region.name}",
                       [shapely.geometry.shape(region.geometry)], stroke="#5d6d7e", fill="#5d6d7e", opacity=0.06,
                       width=0.8)] if region is not None else []
    focus = [incident, *bases]
    layers += [MapLayer("主要道路 Main roads", main_roads(scenario, focus), stroke="#9e9e9e", width=0.5),
               MapLayer("参演队伍基地 Bases of the teams", bases, stroke="#0d47a1", fill="#1976d2", radius=3.0,
                        marker="square"),
               MapLayer(f"演练地点 Incident: {site.name_zh or site.name}", [incident], stroke="#7f0000",
                        fill="#d73027", radius=4.5)]
    return MapFigure(layers, title=f"{entry.get('key', '')} {site.name_zh or site.name}".strip(), font=font,
                     focus=focus, width=170 * mm, height=100 * mm, attribution=credits([site]))


def figure_story(figure: MapFigure | None, styles: Any) -> list[Any]:
    """Return the PDF section of the drill's map (nothing without one), drawn in the CJK font."""
    if figure is None:
        return []
    drawn = MapFigure(figure.layers, title=figure.title, width=figure.width, height=figure.height,
                      attribution=figure.attribution, font=cjk_font(), focus=figure.focus)
    return [Paragraph("演练地点 Where", styles["Heading2"]),
            KeepTogether([drawn.drawing(), Paragraph(escape(FIGURE_CAPTION), styles["BodyText"])]), Spacer(1, 8)]


def _svg(figure: MapFigure | None) -> Markup:
    return Markup(figure.svg()) if figure is not None else Markup("")  # noqa: S704 (the figure escapes its text)


_EVALUATION = _ENV.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演练评估报告 / Drill evaluation report: {{ e.drill }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #999;padding:4px 8px}
.P{background:#d4edda}.S{background:#fff3cd}.M{background:#ffe0b2}.U{background:#f8d7da}</style></head><body>
<h1>演练评估报告 / Drill evaluation report</h1>
<p>Drill <b>{{ e.drill }}</b>, scenario <b>{{ e.template }}</b>. Mean item score {{ '%.2f'|format(e.score) }} / 5.</p>
{{ drill_map(svg) }}
<h2>Figures</h2><table id="figures">
{% for k, v in e.figures.items() %}<tr><th>{{ k }}</th>\
<td class="figure" data-key="{{ k }}">{{ v if v is not none else '-' }}</td></tr>{% endfor %}
</table>
<h2>Objectives</h2><table id="objectives"><tr><th>id</th><th>objective</th><th>target min</th><th>observed min</th>
<th>simulated p50 / p90</th><th>rating</th><th>score</th></tr>
{% for r in e.results %}<tr class="{{ r.rating }}"><td>{{ r.objective }}</td><td>{{ r.text }}</td>\
<td>{{ r.target_min }}</td>
<td class="observed">{{ r.observed_min if r.observed_min is not none else 'never' }}</td>
<td>{{ r.simulated_p50 if r.simulated_p50 is not none else '-' }} / \
{{ r.simulated_p90 if r.simulated_p90 is not none else '-' }}</td>
<td>{{ r.rating }} ({{ rating_text[r.rating] }})</td><td>{{ r.score }}</td></tr>{% endfor %}
</table>
{{ requests_table(e, rating_text) }}
<h2>Findings</h2><ul>{% for f in e.findings %}<li><b>{{ f.id }}</b> [{{ f.severity }}] {{ f.text }}</li>\
{% else %}<li>none</li>{% endfor %}</ul>
<h2>Team turn-out</h2><table><tr><th>team</th><th>modelled min</th><th>observed min</th></tr>
{% for t in e.turnout %}<tr><td>{{ t.team }}</td><td>{{ t.modelled_min }}</td><td>{{ t.observed_min }}</td></tr>\
{% endfor %}</table>
</body></html>""")

_SUMMARY = _ENV.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演练总结报告 / Drill summary report: {{ e.drill }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #999;padding:4px 8px}</style>
</head><body><h1>演练总结报告 / Drill summary report</h1>
<p>Drill <b>{{ e.drill }}</b> ({{ e.template }}): \
{{ e.figures.objectives_met }} of {{ e.figures.objectives }} objectives met,
first arrival {{ e.figures.first_arrival_min if e.figures.first_arrival_min is not none else '-' }} min,
{{ e.figures.teams_arrived }} teams on scene, duration {{ e.figures.duration_min }} min.</p>
{{ drill_map(svg) }}
<h2>Problems and lessons</h2><ul>{% for f in e.findings %}<li>{{ f.text }}</li>{% else %}<li>none</li>{% endfor %}</ul>
<h2>Improvement plan (corrective actions)</h2><table id="actions">\
<tr><th>id</th><th>action</th><th>owner</th><th>due</th><th>status</th></tr>
{% for a in actions %}<tr><td>{{ a.id }}</td><td>{{ a.text }}</td><td>{{ a.owner }}</td><td>{{ a.due }}</td>\
<td>{{ a.status }}</td></tr>{% endfor %}
</table></body></html>""")


def request_story(evaluation: Evaluation, styles: Any) -> list[Any]:
    """Return the PDF section on the cross-region requests the drill exercised (nothing when there were none)."""
    if not evaluation.requests:
        return []
    return [Paragraph("跨区域请求 Cross-region requests (exercised; no money settled)", styles["Heading2"]),
            pdf_table([["request", "step", "observed", "target", "rating"],
                       *[[r.request, r.text, "never" if r.observed_min is None else r.observed_min, r.target_min,
                          r.rating] for r in evaluation.requests]], styles),
            Spacer(1, 8)]


def evaluation_html(evaluation: Evaluation, figure: MapFigure | None = None) -> str:
    """Render the evaluation report (评估报告) as an HTML page, with the drill's map when given."""
    return _EVALUATION.render(e=evaluation, rating_text=RATING_TEXT, svg=_svg(figure))


def summary_html(evaluation: Evaluation, actions: Sequence[CorrectiveAction], figure: MapFigure | None = None) -> str:
    """Render the summary report (总结报告) with the corrective actions, as an HTML page."""
    return _SUMMARY.render(e=evaluation, actions=actions, svg=_svg(figure))


def report_pdf(evaluation: Evaluation, actions: Sequence[CorrectiveAction], *, agency: str = "",
               scenario: str = "", figure: MapFigure | None = None) -> bytes:
    """Render the evaluation and summary report in one PDF (print layout of :mod:`planner.pdf`), the map first."""
    styles = pdf_styles()

    def table(rows: list[list[Any]]) -> Any:
        return pdf_table(rows, styles)

    story: list[Any] = [
        Paragraph("演练评估报告 / Drill evaluation report", styles["Title"]),
        Paragraph(f"Drill {evaluation.drill}, scenario {evaluation.template}; mean score {evaluation.score:.2f} / 5",
                  styles["BodyText"]),
        Spacer(1, 8),
        *figure_story(figure, styles),
        table([["figure", "value"], *[[k, v] for k, v in evaluation.figures.items()]]),
        Spacer(1, 8),
        Paragraph("Objectives", styles["Heading2"]),
        table([["id", "objective", "target", "observed", "sim p50/p90", "rating"],
               *[[r.objective, r.text, r.target_min, "never" if r.observed_min is None else r.observed_min,
                  f"{r.simulated_p50}/{r.simulated_p90}", r.rating] for r in evaluation.results]]),
        *request_story(evaluation, styles),
        Paragraph("演练总结报告 / Summary report: findings", styles["Heading2"]),
        *[Paragraph(f"{f.id} [{f.severity}] {f.text}", styles["BodyText"]) for f in evaluation.findings],
        Paragraph("Corrective actions", styles["Heading2"]),
        table([["id", "action", "owner", "due", "status"],
               *[[a.id, a.text, a.owner, a.due.isoformat(), a.status] for a in actions]]),
    ]
    return build_pdf(story, PageHeader(f"演练评估报告 / Drill evaluation report {evaluation.drill}", agency=agency,
                                       scenario=scenario))


# ----------------------------------------------------------------------------------------------------
# After-action report (HSEEP AAR / AQ/T 9009 评估报告 + 总结报告)


def aar_sections(evaluation: Evaluation, *, capabilities: Mapping[str, str],
                 expected: Mapping[str, float]) -> dict[str, list[dict[str, Any]]]:
    """Return the AAR's strengths (rated P) and areas for improvement (S, M, U), each objective with its capability.

    ``capabilities`` maps objective ids to the capability they test; ``expected`` maps a capability to the
    optimiser's expected first arrival (minutes), shown beside the target and the simulation.
    """
    def row(r: ObjectiveResult) -> dict[str, Any]:
        capability = capabilities.get(r.objective, "")
        return {"objective": r.objective, "text": r.text, "capability": capability, "rating": r.rating,
                "rating_text": RATING_TEXT[r.rating], "target_min": r.target_min, "observed_min": r.observed_min,
                "expected_min": expected.get(capability), "simulated_p50": r.simulated_p50,
                "simulated_p90": r.simulated_p90}

    return {"strengths": [row(r) for r in evaluation.results if r.rating == "P"],
            "improvements": [row(r) for r in evaluation.results if r.rating != "P"]}


_AAR = _ENV.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>行动后报告 / After-action report: {{ e.drill }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #999;padding:4px 8px}</style></head><body>
<h1>行动后报告与改进计划 / After-action report and improvement plan</h1>
<p>Drill <b>{{ e.drill }}</b>, scenario <b>{{ e.template }}</b>; mean score {{ '%.2f'|format(e.score) }} / 5;
{{ e.figures.objectives_met }} of {{ e.figures.objectives }} objectives met.</p>
{{ drill_map(svg) }}
{% for title, rows, id in [('优势 Strengths', sections.strengths, 'strengths'),
                           ('待改进 Areas for improvement', sections.improvements, 'improvements')] %}
<h2>{{ title }}</h2><table id="{{ id }}"><tr><th>objective</th><th>capability</th><th>rating</th><th>observed min</th>
<th>target min</th><th>expected (optimiser) min</th><th>simulated p50 / p90</th></tr>
{% for r in rows %}<tr><td>{{ r.objective }} {{ r.text }}</td><td>{{ r.capability }}</td>\
<td>{{ r.rating }} ({{ r.rating_text }})</td>
<td class="observed">{{ r.observed_min if r.observed_min is not none else 'never' }}</td><td>{{ r.target_min }}</td>
<td>{{ r.expected_min if r.expected_min is not none else '-' }}</td>
<td>{{ r.simulated_p50 if r.simulated_p50 is not none else '-' }} / \
{{ r.simulated_p90 if r.simulated_p90 is not none else '-' }}</td></tr>
{% else %}<tr><td colspan="7">none</td></tr>{% endfor %}</table>{% endfor %}
{{ requests_table(e, rating_text) }}
<h2>评估员记录 Evaluator notes</h2><ul id="notes">{% for n in notes %}<li>T+{{ n.exercise_min }} {{ n.objective or '' }}
{{ n.note }} ({{ n.by }})</li>{% else %}<li>none</li>{% endfor %}</ul>
<h2>改进计划 Improvement plan</h2><table id="actions"><tr><th>id</th><th>action</th><th>capability</th><th>priority</th>
<th>owner</th><th>due</th><th>status</th></tr>{% for a in actions %}<tr><td>{{ a.id }}</td><td>{{ a.text }}</td>\
<td>{{ a.capability }}</td><td>{{ a.priority }}</td><td>{{ a.owner }}</td><td>{{ a.due }}</td>\
<td>{{ a.status }}</td></tr>{% endfor %}</table></body></html>""")


def aar_html(evaluation: Evaluation, actions: Sequence[CorrectiveAction], *, notes: Sequence[Any],
             capabilities: Mapping[str, str], expected: Mapping[str, float], figure: MapFigure | None = None) -> str:
    """Render the after-action report with its improvement plan as an HTML page, with the drill's map when given."""
    return _AAR.render(e=evaluation, actions=actions, notes=notes, rating_text=RATING_TEXT, svg=_svg(figure),
                       sections=aar_sections(evaluation, capabilities=capabilities, expected=expected))


def aar_pdf(evaluation: Evaluation, actions: Sequence[CorrectiveAction], *, notes: Sequence[Any],
            capabilities: Mapping[str, str], expected: Mapping[str, float], agency: str = "",
            scenario: str = "", figure: MapFigure | None = None) -> bytes:
    """Render the after-action report with its improvement plan as a PDF (print layout of :mod:`planner.pdf`)."""
    styles = pdf_styles()
    sections = aar_sections(evaluation, capabilities=capabilities, expected=expected)
    header = ["objective", "capability", "rating", "observed", "target", "expected", "sim p50/p90"]
    story: list[Any] = [
        Paragraph("行动后报告 / After-action report", styles["Title"]),
        Paragraph(escape(f"Drill {evaluation.drill}, scenario {evaluation.template}; mean score "
                          f"{evaluation.score:.2f} / 5"), styles["BodyText"]),
        Spacer(1, 8),
        *figure_story(figure, styles),
    ]
    for title, rows in (("优势 Strengths", sections["strengths"]), ("待改进 Areas for improvement",
                                                                    sections["improvements"])):
        story += [Spacer(1, 8), Paragraph(title, styles["Heading2"]),
                  pdf_table([header, *[[f"{r['objective']} {r['text']}", r["capability"], r["rating"],
                                        "never" if r["observed_min"] is None else r["observed_min"], r["target_min"],
                                        r["expected_min"], f"{r['simulated_p50']}/{r['simulated_p90']}"]
                                       for r in rows]], styles)]
    story += [*request_story(evaluation, styles),
              Paragraph("评估员记录 Evaluator notes", styles["Heading2"]),
              *[Paragraph(escape(f"T+{n.exercise_min} {n.objective or ''} {n.note} ({n.by})"), styles["BodyText"])
                for n in notes],
              Paragraph("改进计划 Improvement plan", styles["Heading2"]),
              pdf_table([["id", "action", "capability", "priority", "owner", "due", "status"],
                         *[[a.id, a.text, a.capability, a.priority, a.owner, a.due.isoformat(), a.status]
                           for a in actions]], styles)]
    return build_pdf(story, PageHeader(f"行动后报告 / After-action report {evaluation.drill}", agency=agency,
                                       scenario=scenario))
