"""In a real browser, four users in separate contexts run one drill end to end on the exercise clock.

The director, a controller, an evaluator and a player each sign in in their own browser context. The
controller edits the MSEL, the director starts the exercise at x10, the controller releases three injects
(the player's page shows them), the evaluator logs five milestones and a note on the phone-sized page,
the director pauses, resumes and ends; the evaluation holds exactly the logged times, the AAR PDF
downloads, and a corrective action is created, edited and closed with evidence on the board.
"""

from __future__ import annotations

import copy

import pytest

from planner.drills import conduct_store, records
from planner.drills.evaluation_store import get_evaluation
from planner.store.accounts import create_user
from tests.browser import screenshot_path
from tests.conftest import USERS, load_jinan, watch_csp
from tests.test_drills_web import KEY, PROGRAMME

pytestmark = pytest.mark.browser
PASSWORD = "exercise-pass-1"
ROLES = {"dir": "director", "ctl": "controller", "eva": "evaluator", "ply": "player"}


@pytest.fixture
def drill_app(app, users):
    """Jinan with one drill and four viewer accounts holding its four exercise roles."""
    store = app.extensions["planner_store"]
    load_jinan(store, small_plans=True)
    records.save_programme(store, "jinan", copy.deepcopy(PROGRAMME))
    for name in ROLES:
        create_user(store, name, PASSWORD, "viewer")
    store.put_document("jinan", conduct_store.EXERCISES, KEY,
                       {"roles": [{"user": n, "role": r} for n, r in ROLES.items()]})
    return app


def _signed_in(browser, server_url: str, user: str, password: str, refused: list[str], *, phone: bool = False):
    """Sign a user in, in a browser context of its own whose Content Security Policy refusals go to ``refused``."""
    size = {"width": 390, "height": 844} if phone else {"width": 1300, "height": 900}
    context = browser.new_context(viewport=size, locale="zh-CN", accept_downloads=True)
    watch_csp(context, refused)
    page = context.new_page()
    page.goto(f"{server_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")
    return context, page


def test_four_users_run_one_drill_end_to_end(drill_app, browser, server_url) -> None:
    contexts, refused = [], []
    try:
        pages = {}
        for name in ROLES:
            context, page = _signed_in(browser, server_url, name, PASSWORD, refused, phone=name == "eva")
            contexts.append(context)
            pages[name] = page
        director, controller, evaluator, player = (pages[n] for n in ROLES)
        conduct = f"{server_url}/drills/{KEY}/conduct?scenario=jinan"

        # The controller edits the MSEL: the first inject goes to the refinery brigade, by radio.
        controller.goto(f"{server_url}/drills/{KEY}/exercise?scenario=jinan")
        controller.wait_for_selector("#msel-table tbody tr")
        first = controller.locator("#msel-table tbody tr").first
        first.locator("[name=to]").fill("refinery fire brigade")
        first.locator("[name=mode]").select_option("radio")
        rows = controller.locator("#msel-table tbody tr")
        for k in range(1, rows.count()):  # the later injects sooner: T+1 and T+2 are 6 and 12 s at x10
            rows.nth(k).locator("[name=offset_min]").fill(str(min(k, 2)))
        controller.click("#save-msel")
        controller.wait_for_function("() => document.getElementById('msel-state').textContent.includes('版本 1')")

        for page in (director, controller, evaluator, player):
            page.goto(conduct)
        director.wait_for_selector("#startex:not([disabled])")
        assert player.locator("#director, #due, #observe").count() == 0  # players see their part only
        director.select_option("#start-speed", "10")
        director.click("#startex")
        for page in (controller, evaluator, player):  # every page follows within 2 s
            page.wait_for_selector("#state[data-state=running]", timeout=2500)

        # Releases: the controller releases three injects as they fall due.
        released = 0
        while released < 3:
            controller.wait_for_selector("#due button.release:not([disabled])", timeout=60_000)
            controller.locator("#due button.release").first.click()
            released += 1
            player.wait_for_function(f"() => document.querySelectorAll('#released li').length >= {released}",
                                     timeout=2500)
        assert "refinery fire brigade" in player.inner_text("#released")

        # The evaluator logs five milestones and a note; each answer carries the server's exercise time.
        evaluator.select_option("#obs-team", "ent-refinery-fire")
        for event in ("notified", "dispatched", "departed", "arrived", "task_done"):
            evaluator.click(f"button.milestone[data-event={event}]")
            evaluator.wait_for_function(f"() => document.getElementById('obs-status').textContent.includes('{event}')")
        evaluator.fill("#obs-note", "water curtain up late")
        evaluator.click("#log-note")
        evaluator.wait_for_selector("#observations tbody tr[data-seq='6']")
        evaluator.screenshot(path=screenshot_path("conduct-evaluator-phone"), full_page=True)
        director.wait_for_selector("#observations tbody tr[data-seq='6']", timeout=2500)

        director.click("#pause")
        player.wait_for_selector("#state[data-state=paused]", timeout=2500)
        director.click("#resume")
        director.wait_for_selector("#state[data-state=running]")
        director.once("dialog", lambda dialog: dialog.accept())
        director.click("#endex")
        director.wait_for_selector("#after:not([hidden])")
        director.wait_for_function(
            "() => document.getElementById('evaluation-note').textContent.includes('已按记录评估')")
        director.screenshot(path=screenshot_path("conduct-director"), full_page=True)

        # The evaluation uses exactly the logged times.
        store = drill_app.extensions["planner_store"]

        log, _ = conduct_store.get_conduct(store, "jinan", KEY)
        arrived = next(o.exercise_min for o in log.observations if o.event == "arrived")
        record, _ = get_evaluation(store, "jinan", KEY)
        assert record.source == "conduct"
        assert next(r.observed_min for r in record.evaluation.results if r.objective == "O1") == arrived
        assert record.evaluation.figures["injects"] == 3

        # The AAR PDF downloads.
        with director.expect_download() as download:
            director.click("#aar-pdf")
        assert download.value.path().read_bytes().startswith(b"%PDF")
    finally:
        for context in contexts:
            context.close()

    # A planner raises a corrective action by hand, edits it and closes it with evidence.
    context, board = _signed_in(browser, server_url, "planner", USERS["planner"], refused)
    try:
        board.goto(f"{server_url}/drills/actions?scenario=jinan")
        board.fill("#new-action [name=text]", "Drill the water curtain monthly")
        board.fill("#new-action [name=owner]", "fire chief")
        board.fill("#new-action [name=due]", "2026-06-30")
        board.fill("#new-action [name=drill]", KEY)
        with board.expect_navigation():
            board.click("#create-action")
        card = board.locator(".action-card", has_text="Drill the water curtain monthly")
        card.locator("[name=owner]").fill("deputy chief")
        card.locator("[name=priority]").select_option("high")
        with board.expect_navigation():
            card.locator("button[type=submit]").click()
        card = board.locator(".action-card", has_text="Drill the water curtain monthly")
        assert "deputy chief" in card.inner_text() and card.locator(".priority").inner_text() == "high"
        card.locator("[name=status]").select_option("closed")
        card.locator("[name=verified_by]").fill("Li")
        card.locator("[name=evidence]").fill("curtain up in 4 min on 2026-05-20")
        with board.expect_navigation():
            card.locator("button[type=submit]").click()
        closed = board.locator("#column-closed .action-card", has_text="Drill the water curtain monthly")
        assert "curtain up in 4 min" in closed.locator(".evidence").inner_text()
    finally:
        context.close()
    assert not refused, f"the Content Security Policy refused: {refused}"
