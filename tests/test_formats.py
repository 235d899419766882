"""Dates, times and numbers as the reader's language writes them, in the scenario's zone (planner.formats)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from planner.formats import day_text, moment_text, money_text, month_names, number_text, weekday_names

JINAN = ZoneInfo("Asia/Shanghai")
ONE_AM_UTC = dt.datetime(2026, 7, 20, 1, 0, tzinfo=dt.UTC)  # 09:00 in Jinan


def test_a_moment_in_the_scenario_zone_written_for_each_language() -> None:
    assert moment_text(ONE_AM_UTC, JINAN, "zh_CN") == "2026年7月20日 09:00 +08:00 (Asia/Shanghai)"
    assert moment_text(ONE_AM_UTC, JINAN, "en") == "Jul 20, 2026 09:00 +08:00 (Asia/Shanghai)"
    assert moment_text(ONE_AM_UTC, JINAN) == "2026-07-20 09:00 +08:00 (Asia/Shanghai)"  # files and logs
    assert moment_text(ONE_AM_UTC, ZoneInfo("Europe/Berlin"), "en") == "Jul 20, 2026 03:00 +02:00 (Europe/Berlin)"
    assert moment_text(None, JINAN, "zh_CN") == ""
    assert day_text(dt.date(2026, 12, 5), "zh_CN") == "2026年12月5日" and day_text(dt.date(2026, 12, 5)) == "2026-12-05"


def test_numbers_and_money_grouped_to_the_fen() -> None:
    assert money_text(1234567.5, "zh_CN") == "1,234,567.50" and money_text(0.005, "en") in ("0.00", "0.01")
    assert number_text(12345.678, "en", 1) == "12,345.7" and number_text(3, "zh_CN") == "3"
    assert money_text(1234567.5) == "1234567.50"  # no language: plain digits, as a CSV keeps them
    with pytest.raises(ValueError, match="language must be one of"):
        number_text(1, "fr")
    with pytest.raises(ValueError, match="digits"):
        number_text(1, "en", 7)


def test_calendar_heads_in_each_language() -> None:
    assert month_names("zh_CN")[0] == "一月" and month_names("zh_CN")[11] == "十二月"
    assert month_names("en")[0] == "January" and len(month_names("en")) == 12
    assert weekday_names("zh_CN") == ("一", "二", "三", "四", "五", "六", "日")
    assert weekday_names("en")[0] == "Mon" and weekday_names("en")[6] == "Sun"


def test_pages_write_times_in_their_language(client: Any, auth: Any) -> None:
    auth.login("admin")
    chinese = client.get("/audit?scenario=mini").get_data(as_text=True)
    english = client.get("/audit?scenario=mini&lang=en").get_data(as_text=True)
    assert "年" in chinese.split('class="when"', 1)[1].split("</td>", 1)[0]
    assert "(Asia/Shanghai)" in english and "年" not in english.split('class="when"', 1)[1].split("</td>", 1)[0]
