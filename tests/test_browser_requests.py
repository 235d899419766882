"""In a real browser: a county asks for help on the requests board, the city escalates, the province approves and
calls the national team, and the request runs to a settled claim, each user acting on their own board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from planner.store.accounts import create_user
from tests.browser import screenshot_path
from tests.conftest import load_jinan

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-123"
T0 = dt.datetime(2026, 7, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def levels_app(app: Any, fixed_clock: Any) -> Any:
    """The test app with Jinan and a county, a city and a province user; the clock at T0."""
    store = app.extensions["planner_store"]
    load_jinan(store)
    for name, where in (("county", "licheng"), ("city", "jinan"), ("province", "shandong")):
        create_user(store, name, PASSWORD, "dispatcher", jurisdiction=where)
    fixed_clock(T0)
    return app


def sign_in(page: Any, server_url: str, username: str) -> None:
    if page.locator("form.who button[type=submit]").count():
        page.click("form.who button[type=submit]")
    page.goto(f"{server_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")


def act(page: Any, action: str, *, units: str = "", note: str = "", expect: str) -> None:
    page.select_option("#act select[name=action]", action)
    page.fill("#act input[name=units]", units)
    page.fill("#act input[name=note]", note)
    page.click("#act button[type=submit]")
    page.wait_for_selector(f"#state[data-state='{expect}']")


def test_a_request_runs_from_the_county_board_to_a_settled_claim(levels_app: Any, page: Any, server_url: str,
                                                               fixed_clock: Any) -> None:
    sign_in(page, server_url, "county")
    page.goto(f"{server_url}/requests?scenario=jinan")
    assert page.locator("#new-request select[name=jurisdiction] option").all_inner_texts() == ["历城区 (licheng)"]
    page.fill("#new-request input[name=lon]", "117.105")
    page.fill("#new-request input[name=lat]", "36.70")
    page.select_option("#new-request select[name=type]", "chemical-fire-explosion")
    page.fill("#new-request input[name=responsible_unit]", "Sinopec Jinan refinery")
    page.fill("#new-request input[name=capability]", "canine")
    page.fill("#new-request input[name=quantity]", "2")
    page.fill("#new-request input[name=deadline_min]", "180")
    page.click("#new-request button[type=submit]")
    page.wait_for_selector("#state[data-state='proposed']")
    assert "canine" in page.inner_text("#shortfall")
    page.wait_for_load_state("load")  # #state is in the served page: the page's scripts may not have run yet
    assert page.evaluate("!!document.getElementById('request-map').leafletMap")
    request_url = page.url

    sign_in(page, server_url, "city")
    page.goto(f"{server_url}/requests?scenario=jinan")
    assert page.locator("#awaiting tbody tr[data-request]").count() == 1
    page.click("#awaiting tbody tr[data-request] a")
    act(page, "escalate", note="no search dogs in the city", expect="escalated")
    assert "nat-usar-jinan-usar" in page.inner_text("#proposal")

    sign_in(page, server_url, "province")
    page.goto(f"{server_url}/requests?scenario=jinan")
    page.click("#awaiting tbody tr[data-request] a")
    act(page, "approve", expect="approved")
    act(page, "offer", units="nat-usar-jinan-usar", expect="offered")

    sign_in(page, server_url, "county")
    page.goto(request_url)
    act(page, "accept", expect="accepted")

    sign_in(page, server_url, "province")
    page.goto(request_url)
    act(page, "depart", expect="en_route")
    act(page, "arrive", expect="on_scene")
    sign_in(page, server_url, "county")
    page.goto(request_url)
    act(page, "release", expect="released")
    act(page, "release", expect="released")  # a second release is refused with a message
    refused = page.inner_text(".flash.error")  # the unit's status by its display name on the Chinese page
    assert "on_scene" not in refused and ("已解除" in refused or "已到场" in refused), refused
    fixed_clock(T0 + dt.timedelta(hours=20))
    sign_in(page, server_url, "province")
    page.goto(request_url)
    act(page, "return", expect="returned")
    act(page, "claim", expect="claimed")
    total = float(page.inner_text("#claim-total").replace(",", ""))  # grouped as the page language writes it
    assert total > 0 and page.locator("#claim tbody tr").count() >= 2

    sign_in(page, server_url, "county")
    page.goto(request_url)
    act(page, "settle", expect="settled")
    assert page.get_attribute("#claim-status", "data-status") == "paid"
    assert page.inner_text("#claim-status") == "已支付"  # the code's display name in the page's language (zh_CN)
    assert page.locator("#timeline tbody tr").count() >= 12
    page.screenshot(path=screenshot_path("request-detail"), full_page=True)
    page.goto(f"{server_url}/claims?scenario=jinan")
    assert f"{total:,.2f}" in page.inner_text("#claims")  # grouped as the page language writes sums
