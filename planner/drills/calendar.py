"""Dated blackout windows, critical periods and drill-programme settings from a scenario's ``calendar.yaml``.

Critical periods (Spring Festival, Two Sessions, flood season, National Day, year-end: docs/domain.md §6)
are data per year, each with ``applies_to``: ``all`` (no drill of any form) or ``field`` (tabletop
drills allowed, no field drill). The flood season is also given on its own: flood-related drills of the
first period of the year must end before it starts. Settings under ``programme`` tune the scheduler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from planner.drills.validation import Record
from planner.errors import InputError

AppliesTo = Literal["field", "all"]
APPLIES_TO: tuple[str, ...] = get_args(AppliesTo)

DEFAULT_SETTINGS: dict[str, Any] = {
    "weekdays_only": True,
    "min_team_gap_days": 7,
    "max_team_drills_per_month": 2,
    "drilling_team_covers_drill_site": True,
    "time_limit_s": 20.0,
}
"""Scheduler settings and their defaults (``calendar.yaml`` ``programme`` section overrides them)."""


class Blackout(Record):
    """A dated window with no drills (``applies_to: all``) or no field drills (``applies_to: field``)."""

    name: str
    start: dt.date
    end: dt.date
    applies_to: AppliesTo = "all"
    source: str = ""

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the window (both ends included)."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class DrillCalendar:
    """One year's blackouts and flood season, with the programme settings."""

    year: int
    blackouts: tuple[Blackout, ...]
    flood_season: Blackout | None
    settings: Mapping[str, Any]
    timezone: str = "Asia/Shanghai"


def parse_calendar(data: Any, year: int, *, where: str = "calendar.yaml") -> DrillCalendar:
    """Validate calendar data and pick ``year``; raises ``InputError`` naming the window and the field."""
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: must be a mapping", field="calendar")
    years = data.get("years") or {}
    if not isinstance(years, Mapping):
        raise InputError(f"{where}: years must be a mapping year -> windows", field="years")
    entry = years.get(year, years.get(str(year)))
    if entry is None:
        known = ", ".join(str(y) for y in years) or "none"
        raise InputError(f"{where}: no entry for year {year} (years given: {known})", field="years", record=str(year))
    settings = dict(DEFAULT_SETTINGS)
    extra = data.get("programme") or {}
    unknown = sorted(set(extra) - set(DEFAULT_SETTINGS))
    if unknown:
        raise InputError(f"{where}: programme: unknown setting {unknown[0]!r}", field=unknown[0])
    settings.update(extra)
    for name in ("min_team_gap_days", "max_team_drills_per_month"):
        if isinstance(settings[name], bool) or not isinstance(settings[name], int) or settings[name] < 1:
            raise InputError(f"{where}: programme: {name} must be an integer >= 1, got {settings[name]!r}",
                             field=name)
    blackouts = tuple(_window(item, f"{where} {year} blackouts[{k}]", year)
                      for k, item in enumerate(entry.get("blackouts") or []))
    flood = entry.get("flood_season")
    flood_season = None if flood is None else _window({"name": "flood season", "applies_to": "field", **flood},
                                                      f"{where} {year} flood_season", year)
    return DrillCalendar(year, blackouts, flood_season, settings, str(data.get("timezone", "Asia/Shanghai")))


def read_calendar(path: str | Path, year: int) -> DrillCalendar:
    """Read ``calendar.yaml`` and pick ``year``."""
    from planner.scenario.files import read_yaml_file

    return parse_calendar(read_yaml_file(path), year, where=Path(path).name)


def _window(item: Any, where: str, year: int) -> Blackout:
    if not isinstance(item, Mapping):
        raise InputError(f"{where}: must be a mapping", field="blackouts")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}: name must be a non-empty text", field="name")
    where = f"{where} ({name})"
    start, end = _day(item, "start", where), _day(item, "end", where)
    if end < start:
        raise InputError(f"{where}: end {end} is before start {start}", field="end", record=name)
    if start.year != year and end.year != year:
        raise InputError(f"{where}: window {start}..{end} is outside {year}", field="start", record=name)
    applies_to = item.get("applies_to", "all")
    if applies_to not in APPLIES_TO:
        raise InputError(f"{where}: applies_to must be field or all, got {applies_to!r}", field="applies_to",
                         record=name)
    return Blackout(name=name, start=start, end=end, applies_to=applies_to, source=str(item.get("source", "")))


def _day(item: Mapping[str, Any], name: str, where: str) -> dt.date:
    value = item.get(name)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {name} must be a date YYYY-MM-DD, got {value!r}", field=name) from None
