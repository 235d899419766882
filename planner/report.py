"""A report as data: titled sections of tables and lines, rendered as a PDF (:mod:`planner.pdf`) or HTML.

A report is built once as :class:`Section` values and rendered by either renderer, so the PDF to file and
the HTML to read or print say the same. The HTML is one standalone page (no scripts, no network) with
print CSS: A4 margins, the header line on top, tables that repeat their header row on every printed
page and do not break a row across pages (page numbers are the browser's own, in its print margins).
Map figures (:class:`planner.mapfigure.MapFigure`) are inline SVG in HTML, drawings in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from planner.mapfigure import MapFigure

_CSS = """
@page { size: A4; margin: 18mm; }
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-size: 10pt;
       color: #111; max-width: 180mm; margin: 0 auto; }
header.running { font-size: 8.5pt; color: #333; border-bottom: 0.5pt solid #888; padding-bottom: 2pt; }
h1 { font-size: 16pt; text-align: center; margin: 8pt 0; }
h2 { font-size: 12pt; margin: 10pt 0 4pt; break-after: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 0.5pt solid #888; padding: 2pt 3pt; text-align: left; vertical-align: top; }
th { background: #ddd; }
thead { display: table-header-group; }
tr, figure { break-inside: avoid; }
figure { margin: 6pt 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 8pt; color: #333; }
"""


@dataclass(frozen=True)
class Section:
    """One part of a report: a heading, lines, a map figure and caption, a table, and lines after the table.

    The table's first row is its header; ``widths`` are its columns' shares of the text width.
    """

    heading: str
    rows: Sequence[Sequence[Any]] = ()
    lines: Sequence[str] = ()
    widths: Sequence[float] | None = None
    font_size: float | None = None
    figure: MapFigure | None = None
    caption: str = ""
    after: Sequence[str] = field(default=())


def cell(value: Any) -> str:
    """Return a table cell's text: ``-`` for nothing."""
    return "-" if value is None else str(value)


def report_html(title: str, header: str, sections: Sequence[Section], *, intro: Sequence[str] = ()) -> str:
    """Return a report as one standalone, printable HTML page (A4 print CSS, the header line on top)."""
    parts = [f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<header class=\"running\">{escape(header)}</header><h1>{escape(title)}</h1>"]
    parts += [f"<p>{escape(line)}</p>" for line in intro]
    for section in sections:
        parts.append(f"<section><h2>{escape(section.heading)}</h2>")
        parts += [f"<p>{escape(line)}</p>" for line in section.lines]
        if section.figure is not None:
            parts.append(f"<figure>{section.figure.svg()}<figcaption>{escape(section.caption)}</figcaption></figure>")
        if section.rows:
            head, *body = section.rows
            parts.append("<table><thead><tr>" + "".join(f"<th>{escape(cell(c))}</th>" for c in head)
                         + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{escape(cell(c))}</td>" for c in row) + "</tr>" for row in body]
            parts.append("</tbody></table>")
        parts += [f"<p>{escape(line)}</p>" for line in section.after]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
