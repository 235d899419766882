"""In a real browser: a planner plans a year of drills (a job with progress), opens the calendar and a drill."""

from __future__ import annotations

import pytest

from planner.drills import records
from tests.browser import screenshot_path
from tests.conftest import browser_login, load_jinan
from tests.test_drills_web import KEY, PROGRAMME

pytestmark = pytest.mark.browser


@pytest.fixture
def jinan_app(app, users):
    """The test app with Jinan, its calendar and four of its plans (a quick CP-SAT year)."""
    load_jinan(app.extensions["planner_store"], small_plans=True)
    return app


def test_planner_plans_the_year_and_opens_a_drill(jinan_app, page, server_url):
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/drills?scenario=jinan&year=2026")
    assert page.locator("#calendar").count() == 0  # nothing planned yet
    page.click("#plan-year")
    page.wait_for_selector("#job-status:not([hidden])")
    assert "%" in page.inner_text("#job-message")
    page.wait_for_selector("#calendar .chip[data-drill]", timeout=90_000)  # stored, page reloaded
    assert page.locator(".month").count() == 12
    assert page.locator("#calendar td.blackout-all").count() > 0 and page.locator("#calendar td.flood").count() > 0
    assert "programme-summary" in page.content() and page.locator("#unmet li").count() >= 1
    page.screenshot(path=screenshot_path("drills-calendar"), full_page=True)

    chip = page.locator("#calendar .chip.field[data-drill]").first
    drill_id = chip.get_attribute("data-drill")
    chip.click()
    page.wait_for_selector("#objectives tbody tr")
    assert drill_id in page.inner_text("#drill-title")
    assert page.locator("#msel tbody tr").count() >= 1 and page.locator("#participants .chip").count() >= 1
    page.wait_for_function("() => document.getElementById('map').leafletMap !== undefined")
    page.fill("#sim-runs", "100")
    page.click("#run-simulation")
    page.wait_for_selector("#sim-chart[data-metric]", timeout=60_000)
    assert "p50" in page.inner_text("#sim-summary") and page.input_value("#sim-metric") == "first:fire_squad"
    page.locator("#sim-chart").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("drill-detail"), full_page=True)


def test_planner_evaluates_a_drill_twice_and_opens_the_earlier_evaluation(jinan_app, page, server_url):
    records.save_programme(jinan_app.extensions["planner_store"], "jinan", PROGRAMME)
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/drills/{KEY}?scenario=jinan")
    page.wait_for_selector("#observed tbody tr")
    assert page.locator("#evaluation-history").count() == 0  # not evaluated yet
    for arrival in ("12", "20"):
        page.locator("#observed tbody tr", has_text="notified").locator("input[name=time]").fill("1")
        page.locator("#observed tbody tr", has_text="arrived").first.locator("input[name=time]").fill(arrival)
        with page.expect_navigation():
            page.click("#evaluate")
        page.wait_for_selector("#evaluation-history tbody tr")
        assert page.inner_text("#eval-first") == f"{arrival}.0"
    rows = page.locator("#evaluation-history tbody tr")
    assert rows.count() == 2 and rows.first.get_attribute("data-number") == "2"
    assert "planner" in rows.first.inner_text() and "+08:00 (Asia/Shanghai)" in rows.first.inner_text()
    page.locator("#evaluation-history").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("drill-evaluation-history"), full_page=True)
    with page.expect_navigation():
        page.click("#evaluation-history a.view-evaluation")
    page.wait_for_selector("#earlier-evaluation")
    assert page.inner_text("#eval-first") == "12.0" and "#1" in page.inner_text("#earlier-evaluation")
