"""The product's one clock and its time zones: what the time is now, what day it is today, and how to show it.

Every "now" and "today" of the product comes from :func:`now` and :func:`today`, never from the
machine's clock or zone, so a test or a demonstration can fix the time: set ``PLANNER_CLOCK`` to an
ISO 8601 date-time with a zone (``2026-07-20T09:00:00+08:00``), or call :func:`set_now` (tests). A
fixed clock stands still; an unset one follows the machine's clock in UTC.

Times the product stores are timezone-aware (UTC); times it shows are in the scenario's zone
(``timezone`` in ``scenario.yaml``, an IANA name read with :mod:`zoneinfo`, :data:`DEFAULT_ZONE` when a
folder names none) and labelled with it, by :func:`shown`.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.errors import InputError

DEFAULT_ZONE = "Asia/Shanghai"
"""Zone of a scenario whose ``scenario.yaml`` names none (every shipped scenario is in China)."""

CLOCK_VARIABLE = "PLANNER_CLOCK"
"""Environment variable that fixes the clock (ISO 8601 date-time with a zone)."""

_fixed: dt.datetime | None = None


def zone(name: object = None) -> ZoneInfo:
    """Return the IANA time zone of that name (``DEFAULT_ZONE`` for None); ``InputError`` names a bad one."""
    if name is None or name == "":
        return ZoneInfo(DEFAULT_ZONE)
    if not isinstance(name, str):
        raise InputError(f"timezone must be an IANA zone name such as {DEFAULT_ZONE}, got {name!r}", field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"timezone {name!r} is not an IANA zone name (e.g. {DEFAULT_ZONE})",
                         field="timezone") from None


def aware(text: str, field: str) -> dt.datetime:
    """Parse an ISO 8601 date-time that names its zone (``Z`` or an offset); ``InputError`` names ``field``."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{field} {text!r} is not an ISO 8601 date-time", field=field) from None
    if value.tzinfo is None:
        raise InputError(f"{field} {text!r} needs a time zone (e.g. +08:00 or Z)", field=field)
    return value


def wall_clock(moment: dt.datetime, where: dt.tzinfo) -> dt.datetime:
    """Return a moment with its zone: one without an offset is a wall-clock time in ``where`` (a scenario's)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=where)


def local_moment(text: str, where: dt.tzinfo, field: str) -> dt.datetime:
    """Parse an ISO 8601 date-time as people give it: without an offset it is a wall-clock time in ``where``.

    ``InputError`` names ``field`` when the text is not a date-time.
    """
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{field} must be an ISO date-time such as 2026-04-08T09:00, got {text!r}",
                         field=field) from None
    return wall_clock(value, where)


def set_now(moment: dt.datetime | None) -> None:
    """Fix the clock at ``moment`` (timezone-aware), or let it run again with None (for tests)."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware moment")
    _fixed = moment


def now() -> dt.datetime:
    """Return the current moment, timezone-aware in UTC (fixed by :func:`set_now` or ``PLANNER_CLOCK``)."""
    if _fixed is not None:
        return _fixed.astimezone(dt.UTC)
    text = os.environ.get(CLOCK_VARIABLE)
    if text:
        return aware(text, CLOCK_VARIABLE).astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)


def machine_now() -> dt.datetime:
    """Return the machine's current moment in UTC, never fixed: for security timers, not for the product's time.

    Sign-in delays and session ages must run out whatever :func:`now` says: a demonstration that fixes the
    product's clock must not lock an account for ever or keep a session alive past its age.
    """
    return dt.datetime.now(dt.UTC)


def today(where: dt.tzinfo) -> dt.date:
    """Return today's date in a zone (a scenario's)."""
    return now().astimezone(where).date()


def local(moment: dt.datetime, where: dt.tzinfo) -> dt.datetime:
    """Return a stored (aware) moment in a zone; a naive one is taken as UTC (how SQLite hands them back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(where)


def at_local(day: dt.date, time: dt.time, where: dt.tzinfo) -> dt.datetime:
    """Return the aware moment of a wall-clock time on a day in a zone (e.g. a drill at 09:00 local time)."""
    return dt.datetime.combine(day, time, tzinfo=where)


def shown(moment: dt.datetime | None, where: dt.tzinfo) -> str:
    """Return a moment as people read it, labelled with its zone: ``2026-07-20 09:00 +08:00 (Asia/Shanghai)``.

    None gives an empty text (a job not started yet).
    """
    if moment is None:
        return ""
    value = local(moment, where)
    offset = value.strftime("%z")
    return f"{value:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]} ({zone_name(where)})"


def zone_name(where: dt.tzinfo) -> str:
    """Return a zone's IANA name (``Asia/Shanghai``), or its offset name for a fixed offset."""
    return getattr(where, "key", None) or str(where)
