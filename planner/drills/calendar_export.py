"""Export a drill programme as iCalendar (all-day events, days in the scenario's zone), CSV or a PDF to file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from icalendar import Calendar, Event
from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Paragraph, Spacer

from planner.drills.programme import Programme
from planner.model.codes import label
from planner.pdf import PageHeader, build_pdf, escape, pdf_styles, pdf_table
from planner.scenario.library import load_library

PAGE = landscape(A4)
"""The programme's PDF is A4 landscape: eight columns of a year's drills."""
CSV_COLUMNS = ("id", "date", "form", "scope", "scenario", "plans", "teams", "site", "owner", "satisfies")


def to_ics(programme: Programme, *, name: str = "Drill programme") -> bytes:
    """Return the programme as an iCalendar file: one all-day event per drill (DTEND is the next day)."""
    calendar = Calendar()
    calendar.add("prodid", "-//rescue-planner//drill programme//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{name} {programme.year}")
    calendar.add("x-wr-timezone", programme.timezone)
    stamp = dt.datetime(programme.year, 1, 1, tzinfo=dt.UTC)
    for drill in programme.drills:
        event = Event()
        event.add("uid", f"{drill.id}-{programme.year}@rescue-planner")
        event.add("dtstamp", stamp)
        event.add("dtstart", drill.date)
        event.add("dtend", drill.date + dt.timedelta(days=1))
        form = "实战 field" if drill.form == "field" else "桌面 tabletop"
        scope = "综合 comprehensive" if drill.scope == "comprehensive" else "单项 single"
        event.add("summary", f"{drill.scenario}: {form}, {scope} ({', '.join(drill.plans)})")
        event.add("description", "Teams: " + ", ".join(drill.teams) + "\nSatisfies: " + "; ".join(drill.satisfies))
        if drill.site:
            event.add("location", drill.site)
        event.add("categories", [drill.form, drill.scope])
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def to_csv(programme: Programme) -> str:
    """Return the programme as CSV, one row per drill; list cells joined with ``;``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for d in programme.drills:
        writer.writerow([d.id, d.date.isoformat(), d.form, d.scope, d.scenario, ";".join(d.plans), ";".join(d.teams),
                         d.site or "", d.owner, ";".join(d.satisfies)])
    return out.getvalue()


def to_pdf(programme: Programme, *, agency: str = "", scenario: str = "") -> bytes:
    """Return the programme as a PDF to file: one row per drill, then the rules it could not meet.

    Forms, scopes and incident types show their Chinese labels under bilingual column heads; the layout is
    :mod:`planner.pdf`'s (A4 landscape, CJK font embedded, header and page numbers, the table's header on
    every page).
    """
    styles = pdf_styles()
    library = load_library()
    title = f"{programme.year} 年度应急演练计划 / Drill programme {programme.year}"

    def incident(template: str) -> str:
        found = library.get(template)
        return (found.name_zh or found.name) if found else template

    story: list[Any] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(f"{len(programme.drills)} 次演练 drills · {programme.timezone}"), styles["BodyText"]),
        Spacer(1, 8),
        pdf_table([["日期 date", "形式 form", "范围 scope", "事故类型 incident type", "预案 plans", "队伍 teams",
                    "地点 site", "组织单位 owner"],
                   *[[d.date.isoformat(), label("drill_form", d.form, "zh_CN"), label("drill_scope", d.scope, "zh_CN"),
                      incident(d.scenario), "; ".join(d.plans), "; ".join(d.teams), d.site or "-", d.owner]
                     for d in programme.drills]],
                  styles, widths=[1.5, 1.2, 1.2, 1.8, 2.4, 2.4, 2, 1.8], pagesize=PAGE),
    ]
    if programme.unmet:
        story += [Spacer(1, 8), Paragraph("未满足的要求 Rules not met", styles["Heading2"]),
                  *[Paragraph(escape(f"{u.rule} {u.plan or u.organisation or ''}: {u.reason}"), styles["BodyText"])
                    for u in programme.unmet]]
    return build_pdf(story, PageHeader(title, agency=agency, scenario=scenario), pagesize=PAGE)


def write_ics(programme: Programme, path: str | Path) -> Path:
    """Write the ``.ics`` file."""
    path = Path(path)
    path.write_bytes(to_ics(programme))
    return path
