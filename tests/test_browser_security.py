"""In a real browser: every page loads and runs its scripts under the Content Security Policy, without errors.

The policy allows no inline script or handler; a page that still had one would lose its behaviour
silently. Each page is opened signed in as the administrator (who sees every control) and left to settle
(its scripts fetch their data); the console must then hold no error at all, the policy's refusals among
them (Chromium reports each one as a console error, and the ``page`` fixture's listener too).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from planner.drills import records
from tests.conftest import browser_login, load_jinan
from tests.test_drills_web import KEY, PROGRAMME

pytestmark = pytest.mark.browser

PAGES = [
    "/", "/map?scenario=mini", "/coverage?scenario=mini", "/dispatch?scenario=mini", "/posture?scenario=mini",
    "/sweep?scenario=mini", "/drills?scenario=jinan&year=2026", f"/drills/{KEY}?scenario=jinan",
    f"/drills/{KEY}/exercise?scenario=jinan", f"/drills/{KEY}/conduct?scenario=jinan",
    "/drills/actions?scenario=jinan", "/inventory/?scenario=mini&kind=teams", "/inventory/teams/new?scenario=mini",
    "/inventory/teams/T1/edit?scenario=mini", "/inventory/teams/import?scenario=mini", "/audit?scenario=mini",
    "/users", "/account/password",
]
"""Every page of the app (a drill's page and the drill pages on Jinan, which has a programme)."""


def settle(page) -> None:
    """Wait until the page's scripts have fetched their data (the network is quiet), or 15 s at most."""
    try:
        page.wait_for_load_state("networkidle", timeout=15_000)
    except PlaywrightTimeout:
        pass  # a page that polls never goes quiet: what it fetched by now is checked


def test_every_page_runs_under_the_content_security_policy_without_console_errors(app, users, page, server_url):
    store = app.extensions["planner_store"]
    load_jinan(store, small_plans=True)
    records.save_programme(store, "jinan", PROGRAMME)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.goto(f"{server_url}/login")
    browser_login(page, server_url, "admin")
    for path in PAGES:
        response = page.goto(f"{server_url}{path}")
        settle(page)
        assert response is not None and response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'"), path
    assert not errors, errors
    assert page.locator("#filter").count() == 0  # the last page, not an error page
    page.goto(f"{server_url}/inventory/?scenario=mini&kind=teams")
    page.fill("#filter", "T1")  # the list's filter: script moved out of the page into inventory.js
    assert page.locator("#records tbody tr:visible").count() == 1
    page.select_option("form.scenario-pick select", "jinan")  # the scenario picker: a data-submit select
    page.wait_for_url("**scenario=jinan**")
    assert not errors, errors
