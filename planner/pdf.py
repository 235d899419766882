"""Print layout of every PDF the product makes: A4, the CJK font embedded, a running header, page numbers.

Reports are filed and printed, so each page says whose it is and where it belongs: a header with the
agency, the scenario and the report's title, a rule under it, and "第 3 / 7 页" in the footer (the total
is known only once the story is laid out, so pages are drawn after layout by :class:`_NumberedCanvas`).
Tables repeat their header row on every page they run over and break between rows, never inside one.

The Chinese text is set in an embeddable TrueType CJK font (:func:`cjk_font`): Debian's
``fonts-wqy-zenhei``, which ``make install`` installs (``scripts/install-fonts.sh``), or another one found
on the system; ReportLab embeds the subset of glyphs used, so every reader shows the text and it can be
searched and copied. Only without any such font does it fall back to the built-in ``STSong-Light`` CID
font, which is not embedded and relies on the reader's Asian font support.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from planner.fonts import cjk_font_file
from planner.mapfigure import MapFigure
from planner.report import Section

FALLBACK_FONT = "STSong-Light"
MARGIN = 18 * mm
"""Page margins (A4): room for the header and footer lines outside the text block."""


def cjk_font() -> str:
    """Register and return the PDF font for Chinese text: an embedded TrueType CJK font if found, else STSong-Light."""
    found = cjk_font_file()
    if found is not None:
        name, path, index = found
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def pdf_styles() -> StyleSheet1:
    """Return ReportLab's sample styles with the CJK font (:func:`cjk_font`) for every paragraph style used."""
    font = cjk_font()
    styles = getSampleStyleSheet()
    for name in ("Title", "Heading1", "Heading2", "Heading3", "BodyText", "Normal"):
        styles[name].fontName = font  # lines break at spaces; a longer run (Chinese text) where it must
    return styles


def escape(text: str) -> str:
    """Return text safe inside a ReportLab paragraph (its markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_table(rows: Sequence[Sequence[Any]], styles: StyleSheet1, *, widths: Sequence[float] | None = None,
              pagesize: tuple[float, float] = A4, font_size: float | None = None) -> Table:
    """Return a gridded table of wrapped paragraphs whose first row is repeated on every page it runs over.

    ``widths`` are the columns' shares of the text width of a ``pagesize`` page (default: the frame's width
    shared equally); ReportLab breaks a long table between rows at the page end; ``None`` shows as ``-``.
    ``font_size`` sets a smaller text for a table of many columns (default: the body text's).
    """
    style = styles["BodyText"]
    if font_size is not None:
        style = ParagraphStyle(f"table{font_size}", parent=style, fontSize=font_size, leading=font_size * 1.25)
    body = [[Paragraph(escape(str("-" if c is None else c)), style) for c in row] for row in rows]
    text_width = pagesize[0] - 2 * MARGIN
    columns = [text_width * share / sum(widths) for share in widths] if widths else None  # None: the frame's width
    table = Table(body, repeatRows=1, colWidths=columns, splitByRow=True)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def section_story(sections: Sequence[Section], styles: StyleSheet1) -> list[Any]:
    """Return report sections (:mod:`planner.report`) as flowables: heading, lines, figure, table, lines after."""
    story: list[Any] = []
    heading = ParagraphStyle("SectionHeading", parent=styles["Heading2"], keepWithNext=1)
    for section in sections:
        story.append(Paragraph(escape(section.heading), heading))
        story += [Paragraph(escape(line), styles["BodyText"]) for line in section.lines]
        if section.figure is not None:
            story.append(KeepTogether([section.figure.drawing(), Paragraph(escape(section.caption),
                                                                           styles["BodyText"])]))
        if section.rows:
            story.append(pdf_table(section.rows, styles, widths=section.widths, font_size=section.font_size))
        story += [Paragraph(escape(line), styles["BodyText"]) for line in section.after]
        story.append(Spacer(1, 6))
    return story


@dataclass(frozen=True)
class PageHeader:
    """What every page of a report says at its top: the agency, the scenario and the report's title."""

    title: str
    agency: str = ""
    scenario: str = ""

    def line(self) -> str:
        """Return the header text: ``agency · scenario · title``, each ``·``-separated piece once.

        A scenario's agency is often the scenario's own name, and a title often starts with the scenario
        (``测试小区域 · 地图 · …``): the name is then said once.
        """
        pieces = (piece.strip() for part in (self.agency, self.scenario, self.title) for piece in part.split(" · "))
        return " · ".join(dict.fromkeys(piece for piece in pieces if piece))


class _NumberedCanvas(Canvas):
    """A canvas that holds its pages until the end, then draws the header and "page n / total" on each."""

    header: PageHeader = PageHeader("")
    margin: float = MARGIN

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        """Keep the finished page's state; it is drawn in :meth:`save` once the total is known."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw the header and footer on every kept page, then write the file."""
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, height = self._pagesize
        font = cjk_font()
        self.saveState()
        self.setFont(font, 8.5)
        self.setFillColor(colors.HexColor("#333333"))
        top = height - self.margin / 2
        self.drawString(self.margin, top, self.header.line())
        self.setStrokeColor(colors.grey)
        self.setLineWidth(0.5)
        self.line(self.margin, top - 3, width - self.margin, top - 3)
        page = self._pageNumber
        self.drawCentredString(width / 2, self.margin / 2 - 4, f"第 {page} / {total} 页   page {page} of {total}")
        self.restoreState()


def build_pdf(story: list[Any], header: PageHeader, *, pagesize: tuple[float, float] = A4,
              margin: float = MARGIN) -> bytes:
    """Lay out ``story`` on numbered pages with ``header`` at the top of each and return the PDF's bytes.

    The document's metadata carry the title and the agency as author, so a file manager shows them.
    """
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=header.title, author=header.agency or "rescue planner",
                            subject=header.scenario)
    canvas = type("HeaderCanvas", (_NumberedCanvas,), {"header": header, "margin": margin})
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()


def map_pdf(figure: MapFigure, *, title: str, agency: str = "", scenario: str = "", note: str = "") -> bytes:
    """Return a map figure alone on a landscape A4 page (title, header, page number), for printing or filing.

    The figure is drawn again at the page's size (its layers, title, attribution and focus kept), in the CJK font.
    """
    styles = pdf_styles()
    page = landscape(A4)
    framed = MapFigure(figure.layers, title=figure.title, width=page[0] - 2 * MARGIN, height=page[1] - 2 * MARGIN - 60,
                       attribution=figure.attribution, font=cjk_font(), focus=figure.focus)
    story: list[Any] = [Paragraph(escape(title), styles["Heading2"]), framed.drawing()]
    if note:
        story.append(Paragraph(escape(note), styles["BodyText"]))
    return build_pdf(story, PageHeader(title, agency=agency, scenario=scenario), pagesize=page)
