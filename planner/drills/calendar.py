"""Dated blackout windows, critical periods and drill-programme settings from a scenario's ``calendar.yaml``.

Critical periods (Spring Festival, Two Sessions, flood season, National Day, year-end: docs/domain.md §6)
are data per year, each with ``applies_to``: ``all`` (no drill of any form) or ``field`` (tabletop
drills allowed, no field drill). The flood season is also given on its own: flood-related drills of the
first period of the year must end before it starts. Settings under ``programme`` tune the scheduler.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, StrictBool, StrictFloat, StrictInt, ValidationInfo, field_validator

from planner.clock import DEFAULT_ZONE
from planner.errors import InputError
from planner.model.validation import Model, Text, validate
from planner.scenario.files import read_yaml_file

AppliesTo = Literal["field", "all"]
APPLIES_TO: tuple[str, ...] = get_args(AppliesTo)


class ProgrammeSettings(Model):
    """Scheduler settings (``calendar.yaml`` section ``programme``), each with its default."""

    weekdays_only: StrictBool = True
    min_team_gap_days: StrictInt = Field(default=7, ge=1)
    max_team_drills_per_month: StrictInt = Field(default=2, ge=1)
    drilling_team_covers_drill_site: StrictBool = True
    max_drills_per_day: StrictInt = Field(default=1, ge=1)
    """Soft: drills a day in one jurisdiction (more only when a rule needs it; the programme says what it cost)."""
    max_drills_per_week: StrictInt = Field(default=2, ge=1)
    """Soft: drills a week (Monday to Sunday) in one jurisdiction."""
    team_spacing_days: StrictInt = Field(default=28, ge=0)
    """Soft: days between two drills of one team, beyond the hard ``min_team_gap_days`` (0: no goal)."""
    time_limit_s: StrictFloat = Field(default=20.0, gt=0)


DEFAULT_SETTINGS: dict[str, Any] = ProgrammeSettings().model_dump()
"""Scheduler settings and their defaults (``calendar.yaml`` ``programme`` section overrides them)."""


class Blackout(Model):
    """A dated window with no drills (``applies_to: all``) or no field drills (``applies_to: field``).

    One entry of a year's ``blackouts`` in ``calendar.yaml``, and of a stored programme's.
    """

    name: Text
    start: dt.date
    end: dt.date
    applies_to: AppliesTo = "all"
    source: str = ""

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"end {end} is before start {start}")
        return end

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the window (both ends included)."""
        return self.start <= day <= self.end


class FloodSeason(Blackout):
    """The year's flood season: no field drills, and flood-related drills of the first period end before it."""

    name: Text = "flood season"
    applies_to: AppliesTo = "field"


class CalendarYear(Model):
    """One year of ``calendar.yaml``: its blackout windows and flood season."""

    blackouts: tuple[Blackout, ...] = ()
    flood_season: FloodSeason | None = None


def _year_key(value: Any) -> Any:
    """Read a year key as written: a YAML number, or a JSON key of ASCII digits (not `` 2026`` or ``2026.0``)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
        raise ValueError(f"a year must be written in digits, got {value!r}")
    return value


YearKey = Annotated[int, BeforeValidator(_year_key)]
"""A year as a key of ``years``."""


class CalendarDocument(Model):
    """The ``calendar`` settings document (``calendar.yaml``): scheduler settings and windows per year.

    ``timezone`` is accepted for folders written before the scenario named its zone; it must then be the
    scenario's zone (``timezone`` of ``scenario.yaml``), which is the one that applies.
    """

    timezone: str | None = None
    programme: ProgrammeSettings = ProgrammeSettings()
    years: dict[YearKey, CalendarYear] = Field(default={}, json_schema_extra={"propertyNames": {"pattern": "^[0-9]+$"}})


@dataclass(frozen=True)
class DrillCalendar:
    """One year's blackouts and flood season, with the programme settings."""

    year: int
    blackouts: tuple[Blackout, ...]
    flood_season: Blackout | None
    settings: Mapping[str, Any]
    timezone: str = DEFAULT_ZONE
    """The scenario's zone: drill dates are days there."""


def validate_calendar(data: Any, *, where: str = "calendar.yaml") -> CalendarDocument:
    """Validate a whole calendar document (every year); ``InputError`` names the year, the window and the field."""
    document = validate(CalendarDocument, data, what=where, field="calendar")
    for year, entry in document.years.items():
        windows = [*entry.blackouts, *([entry.flood_season] if entry.flood_season else [])]
        for window in windows:
            if year not in (window.start.year, window.end.year):
                raise InputError(f"{where}: years: {year}: {window.name}: window {window.start}..{window.end} "
                                 f"is outside {year}", field="start", record=window.name)
    return document


def parse_calendar(data: Any, year: int, *, where: str = "calendar.yaml",
                   timezone: str = DEFAULT_ZONE) -> DrillCalendar:
    """Validate calendar data and pick ``year`` (dates are days in ``timezone``, the scenario's zone).

    Raises ``InputError`` naming the year, the window and the field.
    """
    document = validate_calendar(data, where=where)
    calendar = calendar_year(document, year, timezone=timezone)
    if calendar is None:
        known = ", ".join(str(y) for y in document.years) or "none"
        raise InputError(f"{where}: no entry for year {year} (years given: {known})", field="years", record=str(year))
    return calendar


def calendar_year(document: CalendarDocument, year: int, *, timezone: str = DEFAULT_ZONE) -> DrillCalendar | None:
    """Return one year of a validated calendar document, or None when it has no entry for the year."""
    entry = document.years.get(year)
    if entry is None:
        return None
    return DrillCalendar(year, entry.blackouts, entry.flood_season, document.programme.model_dump(), timezone)


def calendar_years(data: Any, *, where: str = "calendar.yaml") -> list[int]:
    """Return the years a calendar document covers, in order."""
    return sorted(validate_calendar(data, where=where).years)


def read_calendar(path: str | Path, year: int) -> DrillCalendar:
    """Read ``calendar.yaml`` and pick ``year``."""
    return parse_calendar(read_yaml_file(path), year, where=Path(path).name)
