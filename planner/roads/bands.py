"""Time-of-day speed bands of a scenario: the ``speed_profiles`` settings document (``speed_profiles.yaml``).

A band is a named stretch of the week (days, start and end wall-clock time in the scenario's zone; an
end at or before the start runs past midnight) with a speed factor per OSM road class and a default
factor for the classes it does not name, each band with its source (a traffic survey, a planning
assumption marked [U]). Outside every band the roads run at their free-flow speeds. Bands may not
overlap: a moment belongs to at most one band, so "the travel times at 08:00" has one answer. A
factor <= 0 or > 3, an unknown day, a bad time or an overlap is refused naming the band and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import Field

from geodata.closures import MAX_SPEED_FACTOR
from geodata.network import RoadNetwork
from planner.errors import InputError, NotFoundError
from planner.model.validation import Model, Text, validate
from planner.scenario.model import Scenario
from planner.store.documents import SettingsDocument, register

SPEED_PROFILES = "speed_profiles"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

Factor = Field(gt=0, le=MAX_SPEED_FACTOR, allow_inf_nan=False)
Clock = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, 24-hour, the scenario's zone")


class Band(Model):
    """A time band: when it holds and how fast each road class runs then (factor x free-flow speed)."""

    id: Text = Field(max_length=80)
    label: str = Field(default="", max_length=200)
    days: list[str] = Field(default_factory=lambda: list(DAYS), min_length=1, max_length=7,
                            description="mon..sun; all days when absent")
    start: str = Clock
    end: str = Clock
    factors: dict[str, float] = Field(default_factory=dict, description="road class (OSM highway) -> speed factor")
    default_factor: float = Field(1.0, gt=0, le=MAX_SPEED_FACTOR, allow_inf_nan=False,
                                  description="factor of the road classes not in factors")
    source: str = Field(default="", max_length=500, description="where the factors come from ([U] for an assumption)")

    def minutes(self) -> tuple[int, int]:
        """Start and end as minutes after midnight."""
        return _clock(self.start), _clock(self.end)


class SpeedProfilesDocument(Model):
    """The ``speed_profiles`` settings document: the scenario's time bands and their common source."""

    source: str = Field(default="", max_length=500)
    bands: list[Band] = Field(default_factory=list, max_length=100)


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _week_intervals(band: Band) -> list[tuple[int, int]]:
    """Return the band's stretches as [start, end) minutes of the week (Monday 00:00 = 0), split at the week's end."""
    start, end = band.minutes()
    length = (end - start) % MINUTES_PER_DAY or MINUTES_PER_DAY
    week = 7 * MINUTES_PER_DAY
    out = []
    for day in band.days:
        begin = DAYS.index(day) * MINUTES_PER_DAY + start
        stop = begin + length
        out.append((begin, min(stop, week)))
        if stop > week:
            out.append((0, stop - week))
    return out


def check_profiles(data: Any, scenario: Scenario, where: str) -> SpeedProfilesDocument:
    """Validate a speed-profiles document: the model, known days, factors in (0, 3], unique ids, no overlap."""
    document = validate(SpeedProfilesDocument, data, what=where)
    seen: dict[str, int] = {}
    taken: list[tuple[int, int, str]] = []
    for i, band in enumerate(document.bands):
        place = f"bands[{i}]"
        if band.id in seen:
            raise InputError(f"{where}: {place}: id {band.id!r} is used twice", field=f"{place}.id", record=band.id)
        seen[band.id] = i
        if bad := [d for d in band.days if d not in DAYS]:
            raise InputError(f"{where}: {place}: days: unknown day {bad[0]!r} (known: {', '.join(DAYS)})",
                             field=f"{place}.days", record=band.id)
        for road_class, factor in band.factors.items():
            if not (np.isfinite(factor) and 0 < factor <= MAX_SPEED_FACTOR):
                raise InputError(f"{where}: {place}: factors.{road_class} = {factor:g} must be > 0 and <= "
                                 f"{MAX_SPEED_FACTOR:g}", field=f"{place}.factors", record=band.id)
        for begin, stop in _week_intervals(band):
            for other_begin, other_stop, other in taken:
                if begin < other_stop and other_begin < stop:
                    raise InputError(f"{where}: {place}: band {band.id!r} ({band.start}-{band.end}) overlaps band "
                                     f"{other!r}; a moment may belong to one band only", field=f"{place}.start",
                                     record=band.id)
        taken += [(b, s, band.id) for b, s in _week_intervals(band)]
    return document


register(SettingsDocument(SPEED_PROFILES, "speed_profiles.yaml", SpeedProfilesDocument, check_profiles,
                          "time-of-day bands with speed factors per road class, and their source"))


def speed_profiles(documents: Mapping[str, Any]) -> SpeedProfilesDocument:
    """Return the scenario's bands (none when it has no speed-profiles document)."""
    data = documents.get(SPEED_PROFILES)
    return SpeedProfilesDocument() if data is None else SpeedProfilesDocument.model_validate(data)


def find_band(documents: Mapping[str, Any], band_id: str, *, field: str = "band") -> Band:
    """Return a band by id; ``NotFoundError`` lists the known ones."""
    bands = speed_profiles(documents).bands
    for band in bands:
        if band.id == band_id:
            return band
    raise NotFoundError.among("time band", band_id, (b.id for b in bands), field=field)


def band_at(documents: Mapping[str, Any], moment: dt.datetime, zone: dt.tzinfo) -> Band | None:
    """Return the band a moment falls in (read in the scenario's ``zone``), or None: free flow."""
    local = moment.astimezone(zone) if moment.tzinfo is not None else moment
    minute = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
    for band in speed_profiles(documents).bands:
        if any(begin <= minute < stop for begin, stop in _week_intervals(band)):
            return band
    return None


def week_bands(bands: list[Band]) -> np.ndarray:
    """Return the band index of each minute of the week (Monday 00:00 = 0; -1: free flow), for clocks that run on."""
    table = np.full(7 * MINUTES_PER_DAY, -1, dtype=np.int64)
    for k, band in enumerate(bands):
        for begin, stop in _week_intervals(band):
            table[begin:stop] = k
    return table


def week_share(band: Band) -> float:
    """Share of the week's hours the band covers (its weight among time-of-day draws)."""
    return sum(stop - begin for begin, stop in _week_intervals(band)) / (7 * MINUTES_PER_DAY)


def band_factors(network: RoadNetwork, band: Band) -> np.ndarray:
    """Speed factor per edge in a band: its factor for the edge's road class, else its default."""
    classes, inverse = np.unique(network.highway, return_inverse=True)
    per_class = np.array([band.factors.get(str(c), band.default_factor) for c in classes], dtype=float)
    return per_class[inverse]
