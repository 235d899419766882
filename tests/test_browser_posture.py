"""In a real browser: a planner loads a red rainstorm CAP alert for Licheng and sees the moves and coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import screenshot_path
from tests.conftest import FIXTURES, browser_login, load_jinan

pytestmark = pytest.mark.browser


def test_planner_plans_a_posture_from_a_cap_file(page, server_url, users, app):
    load_jinan(app.extensions["planner_store"])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/posture?scenario=jinan")
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.set_input_files("#cap-file", str(Path(FIXTURES) / "cap" / "red-rainstorm-licheng.xml"))
    page.fill("#now", "2026-07-20T06:00")
    page.click("#run-cap")
    page.wait_for_selector("#map[data-ready='posture'], #map[data-ready='error']", timeout=60_000)
    assert page.get_attribute("#map", "data-ready") == "posture", page.inner_text("#status")
    assert int(page.get_attribute("#map", "data-moves")) >= 1
    assert int(page.get_attribute("#map", "data-raised")) >= 1
    result = page.inner_text("#result")
    assert "%" in result
    # The page says what "current" and "do nothing" are and why their figures differ.
    assert "Current: every team at home on its everyday readiness" in result
    assert "Do nothing: no team moves" in result
    assert "差异原因" in result and "differ only in turn-out" in result
    page.screenshot(path=screenshot_path("posture"))
    assert not errors, errors
