"""Drill reports (AQ/T 9009): the evaluation report (评估报告) and the summary report (总结报告), HTML and PDF.

HTML comes from Jinja2 templates in this module (autoescaped). PDF uses ReportLab (pure pip) with the
built-in ``STSong-Light`` CID font, so Chinese text prints without a system font or Pango.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from jinja2 import Environment
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from planner.drills.evaluation import RATING_TEXT, Evaluation
from planner.drills.improvement import CorrectiveAction

_ENV = Environment(autoescape=True)

_EVALUATION = _ENV.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演练评估报告 / Drill evaluation report: {{ e.drill }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #999;padding:4px 8px}
.P{background:#d4edda}.S{background:#fff3cd}.M{background:#ffe0b2}.U{background:#f8d7da}</style></head><body>
<h1>演练评估报告 / Drill evaluation report</h1>
<p>Drill <b>{{ e.drill }}</b>, scenario <b>{{ e.template }}</b>. Mean item score {{ '%.2f'|format(e.score) }} / 5.</p>
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
<h2>Problems and lessons</h2><ul>{% for f in e.findings %}<li>{{ f.text }}</li>{% else %}<li>none</li>{% endfor %}</ul>
<h2>Improvement plan (corrective actions)</h2><table id="actions">\
<tr><th>id</th><th>action</th><th>owner</th><th>due</th><th>status</th></tr>
{% for a in actions %}<tr><td>{{ a.id }}</td><td>{{ a.text }}</td><td>{{ a.owner }}</td><td>{{ a.due }}</td>\
<td>{{ a.status }}</td></tr>{% endfor %}
</table></body></html>""")


def evaluation_html(evaluation: Evaluation) -> str:
    """Render the evaluation report (评估报告) as an HTML page."""
    return _EVALUATION.render(e=evaluation, rating_text=RATING_TEXT)


def summary_html(evaluation: Evaluation, actions: Sequence[CorrectiveAction]) -> str:
    """Render the summary report (总结报告) with the corrective actions, as an HTML page."""
    return _SUMMARY.render(e=evaluation, actions=actions)


def report_pdf(evaluation: Evaluation, actions: Sequence[CorrectiveAction]) -> bytes:
    """Render the evaluation and summary report in one PDF (ReportLab, CID font STSong-Light for Chinese)."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    styles = getSampleStyleSheet()
    for name in ("Title", "Heading2", "BodyText"):
        styles[name].fontName = "STSong-Light"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"Drill report {evaluation.drill}")

    def table(rows: list[list[Any]]) -> Table:
        body = [[Paragraph(str("-" if c is None else c), styles["BodyText"]) for c in row] for row in rows]
        t = Table(body, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
        return t

    story: list[Any] = [
        Paragraph("演练评估报告 / Drill evaluation report", styles["Title"]),
        Paragraph(f"Drill {evaluation.drill}, scenario {evaluation.template}; mean score {evaluation.score:.2f} / 5",
                  styles["BodyText"]),
        Spacer(1, 8),
        table([["figure", "value"], *[[k, v] for k, v in evaluation.figures.items()]]),
        Spacer(1, 8),
        Paragraph("Objectives", styles["Heading2"]),
        table([["id", "objective", "target", "observed", "sim p50/p90", "rating"],
               *[[r.objective, r.text, r.target_min, "never" if r.observed_min is None else r.observed_min,
                  f"{r.simulated_p50}/{r.simulated_p90}", r.rating] for r in evaluation.results]]),
        Paragraph("演练总结报告 / Summary report: findings", styles["Heading2"]),
        *[Paragraph(f"{f.id} [{f.severity}] {f.text}", styles["BodyText"]) for f in evaluation.findings],
        Paragraph("Corrective actions", styles["Heading2"]),
        table([["id", "action", "owner", "due", "status"],
               *[[a.id, a.text, a.owner, a.due.isoformat(), a.status] for a in actions]]),
    ]
    doc.build(story)
    return buffer.getvalue()
