"""The drills' clock: "now" and "today" in the drills' time zone, from this one place.

Every drills path that needs the current time (the evaluation's who-and-when, the default evaluation
date, overdue actions, the calendar page's year) asks here, so the web, the CLI and the jobs agree,
and pointing this module at a shared, settable clock changes them all at once. The zone is the
drills' local time (Asia/Shanghai) until scenarios name their own.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
"""The drills' local time zone (drill dates, inject clock times, due dates)."""


def now() -> dt.datetime:
    """Return the current time, timezone-aware, in the drills' zone."""
    return dt.datetime.now(ZONE)


def today() -> dt.date:
    """Return today's date in the drills' zone."""
    return now().date()
