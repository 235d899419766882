"""Export a drill programme as iCalendar (all-day events, days in the scenario's zone) or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from icalendar import Calendar, Event

from planner.drills.programme import Programme

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


def write_ics(programme: Programme, path: str | Path) -> Path:
    """Write the ``.ics`` file."""
    path = Path(path)
    path.write_bytes(to_ics(programme))
    return path
