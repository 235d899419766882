"""In a real browser: a planner edits a team and finds the change in the audit log; a viewer is refused."""

from __future__ import annotations

import pytest

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
    assert "planner" in first.inner_text() and "修改" in first.inner_text() and '"members": 27' in first.inner_text()
    page.screenshot(path=screenshot_path("audit"))


def test_viewer_is_refused_an_edit(page, server_url, users):
    browser_login(page, server_url, "viewer")
    page.goto(f"{server_url}/inventory/?scenario=mini&kind=teams")
    assert page.locator("text=编辑").count() == 0
    response = page.goto(f"{server_url}/inventory/teams/T1/edit?scenario=mini")
    assert response.status == 403
    assert "无权执行此操作" in page.inner_text("body")
    page.screenshot(path=screenshot_path("viewer-refused"))
