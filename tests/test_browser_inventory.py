"""In a real browser: a planner edits a team and finds the change in the audit log; a viewer is refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from geodata.datums import from_wgs84
from geodata.projection import haversine_m
from tests.browser import screenshot_path
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_planner_edits_a_team_and_sees_the_audit_entry(page, server_url, users):
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/inventory/?scenario=mini&kind=teams")
    page.screenshot(path=screenshot_path("inventory"))
    page.click("tr[data-id='T1'] >> text=编辑")
    page.fill("input[name=members]", "27")
    page.screenshot(path=screenshot_path("team-edit"))
    page.click("button[type=submit] >> text=保存")
    page.wait_for_selector(".flash.info")
    assert "27" in page.inner_text("tr[data-id='T1']")
    page.goto(f"{server_url}/audit?scenario=mini")
    first = page.locator("#audit tbody tr").first
    assert "planner" in first.inner_text() and "修改" in first.inner_text()
    after = first.locator("td").last  # fields by their display names, the key in the title
    assert after.locator("dt[title='members']").inner_text() == "人数"
    assert after.locator("dt[title='members'] + dd").inner_text() == "27"
    page.screenshot(path=screenshot_path("audit"))


def test_viewer_is_refused_an_edit(page, server_url, users):
    browser_login(page, server_url, "viewer")
    page.goto(f"{server_url}/inventory/?scenario=mini&kind=teams")
    assert page.locator("text=编辑").count() == 0
    response = page.goto(f"{server_url}/inventory/teams/T1/edit?scenario=mini")
    assert response.status == 403
    assert "无权执行此操作" in page.inner_text("body")
    page.screenshot(path=screenshot_path("viewer-refused"))


def test_point_pasted_from_amap_into_a_base_is_stored_in_wgs84(page, server_url, users):
    """The record form's paste box: a GCJ-02 point saved lands within 1 m of its WGS-84 truth.

    The point is in the mini scenario's road network (Jinan), so its GCJ-02 twin comes from the transform that
    tests/test_map_datums.py checks against published pairs (those lie in Beijing, Shanghai and Shenzhen).
    """
    wgs_lon, wgs_lat = 117.06, 36.665
    gcj_lon, gcj_lat = from_wgs84(wgs_lon, wgs_lat, "gcj02")
    browser_login(page, server_url, "planner")
    page.goto(f"{server_url}/inventory/bases/B1/edit?scenario=mini")
    page.fill("#paste-lonlat", f"{gcj_lon}, {gcj_lat}")
    page.select_option("#paste-crs", "gcj02")
    page.press("#paste-lonlat", "Enter")  # uses the point; does not submit the record form
    expect(page.locator("input[name=lon]")).to_have_value(re.compile("^" + re.escape(str(wgs_lon)[:6])))
    assert page.input_value("select[name=crs]") == "wgs84"
    page.click("button[type=submit] >> text=保存")
    page.wait_for_selector(".flash.info, #form-error", timeout=5000)
    assert not page.locator("#form-error").count(), page.inner_text("#form-error")
    stored = page.request.get(f"{server_url}/api/v1/scenarios/mini/records/bases/B1").json()["data"]
    assert haversine_m(stored["lon"], stored["lat"], wgs_lon, wgs_lat) < 1.0
    assert haversine_m(gcj_lon, gcj_lat, wgs_lon, wgs_lat) > 100  # the shift is real: the test could fail
