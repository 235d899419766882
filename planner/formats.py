"""Dates, times, numbers and money as a reader of a language writes them: the product's one way to show them.

Pages and reports (and the CLI, which speaks zh_CN or en too) call these with the reader's language and
the scenario's zone, so a moment reads ``2026年7月20日 09:00 +08:00 (Asia/Shanghai)`` in Chinese and
``Jul 20, 2026 09:00 +08:00 (Asia/Shanghai)`` in English, and a sum ``12,345.60`` in both (Babel's CLDR
data). Without a language the texts are the language-neutral forms the product wrote before (ISO dates,
:func:`planner.clock.shown`), which files and logs keep. A stored moment keeps its zone label whatever the
language: a planner reading a page in another zone must see which zone a time is in.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_time, get_day_names, get_month_names
from babel.numbers import format_decimal

from planner import clock
from planner.model.codes import LANGUAGES

_PATTERN_OF_DIGITS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}


def _locale(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def moment_text(moment: dt.datetime | None, zone: dt.tzinfo, language: str | None = None) -> str:
    """Return a stored moment in ``zone`` as a reader of ``language`` writes it, labelled with the zone.

    None gives an empty text (a job not started yet); no language gives :func:`planner.clock.shown`'s form.
    """
    if moment is None:
        return ""
    if language is None:
        return clock.shown(moment, zone)
    value = clock.local(moment, zone)
    locale = _locale(language)
    offset = value.strftime("%z")
    return (f"{format_date(value, 'medium', locale=locale)} {format_time(value, 'HH:mm', locale=locale)} "
            f"{offset[:3]}:{offset[3:]} ({clock.zone_name(zone)})")


def day_text(day: dt.date | None, language: str | None = None) -> str:
    """Return a calendar day as a reader of ``language`` writes it (ISO ``2026-07-20`` without a language)."""
    if day is None:
        return ""
    return day.isoformat() if language is None else format_date(day, "medium", locale=_locale(language))


def month_names(language: str) -> tuple[str, ...]:
    """Return the twelve month names as a calendar of ``language`` heads them (一月 .. 十二月, January .. December)."""
    names = get_month_names("wide", "stand-alone", locale=_locale(language))
    return tuple(names[month] for month in range(1, 13))


def weekday_names(language: str) -> tuple[str, ...]:
    """Return short weekday names from Monday, as a calendar in ``language`` heads its columns (一 .. 日, Mon ..)."""
    names = get_day_names("narrow" if language == "zh_CN" else "abbreviated", "stand-alone", locale=_locale(language))
    return tuple(names[day] for day in range(7))


def number_text(value: float | int | None, language: str | None = None, digits: int | None = None) -> str:
    """Return a number with the language's grouping and decimal signs, ``digits`` decimals if given.

    No language gives plain digits (``12345.6``), the form files and logs keep.
    """
    if value is None:
        return ""
    if digits is not None and digits not in _PATTERN_OF_DIGITS:
        raise ValueError(f"digits must be one of {sorted(_PATTERN_OF_DIGITS)}, got {digits}")
    if language is None:
        return f"{value:.{digits}f}" if digits is not None else str(value)
    pattern = _PATTERN_OF_DIGITS[digits] if digits is not None else None
    return format_decimal(value, format=pattern, locale=_locale(language))


def money_text(value: float | None, language: str | None = None) -> str:
    """Return a sum of yuan to the fen (two decimals) as a reader of ``language`` writes it."""
    return number_text(value, language, digits=2)
