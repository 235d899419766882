"""Shared fixtures: test data paths, a temporary store, the Jinan network, the web app and client."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, make_url, text

import planner.dispatch.scenario as adaptor
import web.dispatch
from geodata.network import RoadNetwork, read_network_csv
from geodata.rowpool import close_pool
from planner import clock
from planner.jobs.runner import JobRunner
from planner.scenario.files import read_scenario
from planner.store.accounts import create_user
from planner.store.database import Store
from planner.store.settings import json_safe, read_folder, store_settings
from tests.api_checks import check_answers
from tests.browser import CHROMIUM, CHROMIUM_ARGS, live_server
from tests.dispatch_checks import checking
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"
MINI = FIXTURES / "scenarios" / "mini"
JINAN_DATA = ROOT / "geodata" / "data" / "jinan"


@pytest.fixture
def fixtures() -> Path:
    """Folder of small test inputs committed with the tests."""
    return FIXTURES


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; the test is skipped with a reason when it is not beside the checkout."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def jinan() -> RoadNetwork:
    """The real Jinan road network shipped with the product (built once per test session)."""
    return read_network_csv(JINAN_DATA / "nodes.csv", JINAN_DATA / "edges.csv", name="jinan")


@pytest.fixture
def mini_folder(tmp_path: Path) -> Path:
    """A writable copy of the tiny test scenario folder."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture(autouse=True)
def no_job_runner_outlives_its_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop every job runner a test started (its own, or an app's) when the test ends.

    A runner left polling would claim the next test's queued jobs on the same database (the tests of
    one process share one PostgreSQL database) and run them under another owner.
    """
    started: list[JobRunner] = []
    start = JobRunner.start

    def recorded(runner: JobRunner) -> JobRunner:
        started.append(runner)
        return start(runner)

    monkeypatch.setattr(JobRunner, "start", recorded)
    yield
    for runner in started:
        runner.shutdown()


@pytest.fixture(autouse=True)
def no_matrix_worker_outlives_its_test() -> Iterator[None]:
    """End the matrix worker processes a test started (geodata.rowpool keeps them between calls).

    They are forked copies of the test process, so a test that looks for its own forked children (the
    sweep's killed-worker tests) would otherwise find them too.
    """
    yield
    close_pool()


@pytest.fixture(autouse=True)
def checked_scenario_dispatch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Check every scenario dispatch a test runs: its compensation is its ledger's total (tests/dispatch_checks.py).

    The adaptor's entry points are wrapped where they are defined, where the web app imported them and
    where the test module did, so the library, the CLI, the API and the page are all covered; the real
    functions still run.
    """
    for name in ("dispatch_scenario", "redispatch_scenario"):
        checked = checking(getattr(adaptor, name))
        for module in (adaptor, web.dispatch, request.module):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, checked)


BOTH_DATABASES = {"test_store", "test_settings", "test_conduct", "test_web_auth_api", "test_web_security",
                  "test_web_inventory", "test_jobs", "test_api_fuzz", "test_store_concurrency", "test_load",
                  "test_backup", "test_roads_web", "test_requests", "test_levels_scope"}
"""Test modules (storage and API) that run once on SQLite and once on PostgreSQL."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the storage and API modules on both databases."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in BOTH_DATABASES and "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An SQLite file in the test's folder, or the test PostgreSQL database emptied for this test.

    PostgreSQL comes from ``TEST_POSTGRES_URL`` (``make test`` starts a local server and sets it).
    """
    if getattr(request, "param", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'planner.sqlite'}"
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("no PostgreSQL: TEST_POSTGRES_URL is not set (make test starts one)")
    url = _worker_database(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


@functools.cache
def _worker_database(url: str) -> str:
    """Return the PostgreSQL URL this pytest-xdist worker uses: its own database, created on first use.

    Each test empties its database, so two workers sharing one would empty each other's mid-test;
    without xdist (no ``PYTEST_XDIST_WORKER``) the URL is used as given.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        known = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
        if known is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def store(database_url: str) -> Iterator[object]:
    """An empty store on a temporary SQLite file."""
    opened = Store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[object]:
    """The web app on a temporary database seeded with the mini scenario."""
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                              "DEFAULT_SCENARIO": "mini", "WTF_CSRF_ENABLED": False})
    application.extensions["planner_store"].save_scenario(read_scenario(MINI))
    check_answers(application)  # every answer a test receives must be the documented one
    yield application
    application.extensions["planner_jobs"].shutdown()  # its in-process job runner: jobs still running end
    application.extensions["planner_store"].close()


@pytest.fixture
def client(app: object) -> object:
    """A test client of the app."""
    return app.test_client()  # type: ignore[attr-defined]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """Point the CLI's store and imported networks at the test's temporary folder."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PLANNER_INSTANCE", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright (the suite installs both; skipped only if chromium is absent)."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: run 'make install-browser' as root")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  `Content Security Policy violation: ${e.violatedDirective} refused ${e.blockedURI || "inline code"} ` +
  `at ${e.sourceFile}:${e.lineNumber}`));"""
"""Script run in every page before its own: reports each Content Security Policy violation as a console error."""


def watch_csp(context: object, refused: list[str] | None = None) -> list[str]:
    """Collect what the Content Security Policy refuses in every page of a browser context, as it runs.

    Chromium reports a refused inline script, handler or resource as a console error; so does each page's
    ``securitypolicyviolation`` listener (``REPORT_CSP_VIOLATIONS``). Returns the list the refusals go to
    (``refused`` when given, so several contexts can share one); a test asserts it is empty.
    """
    refused = [] if refused is None else refused
    context.add_init_script(REPORT_CSP_VIOLATIONS)  # type: ignore[attr-defined]
    context.on("console", lambda message: refused.append(message.text)  # type: ignore[attr-defined]
               if message.type == "error" and "Content Security Policy" in message.text else None)
    return refused


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser page at a desktop size; the test fails if the Content Security Policy refused anything.

    Every browser test thereby checks that the pages it drives work under the policy (:func:`watch_csp`).
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    refused = watch_csp(context)
    opened = context.new_page()
    yield opened
    context.close()
    assert not refused, f"the Content Security Policy refused: {refused}"


@pytest.fixture
def server_url(app: object) -> Iterator[str]:
    """The test app served on a free local port."""
    with live_server(app) as url:  # type: ignore[arg-type]
        yield url


USERS = {"viewer": "viewer-pass-1", "dispatcher": "dispatch-pass-1", "planner": "planner-pass-1",
         "admin": "admin-pass-123"}
"""One account per role in the test app: username = role."""


@pytest.fixture
def users(app: object) -> dict[str, str]:
    """Create one account per role; returns username -> password."""
    store = app.extensions["planner_store"]  # type: ignore[attr-defined]
    for role, password in USERS.items():
        create_user(store, role, password, role)
    return USERS


class AuthActions:
    """Sign in and out through the real forms (CSRF is off in the test config)."""

    def __init__(self, client: object) -> None:
        self.client = client

    def login(self, role: str = "viewer") -> object:
        return self.client.post("/login", data={"username": role, "password": USERS[role]})  # type: ignore[attr-defined]

    def logout(self) -> object:
        return self.client.post("/logout")  # type: ignore[attr-defined]


@pytest.fixture
def auth(client: object, users: dict[str, str]) -> AuthActions:
    """Sign-in helper bound to the test client."""
    return AuthActions(client)


@pytest.fixture
def viewer(client: object, auth: AuthActions) -> object:
    """The test client signed in as a viewer."""
    auth.login("viewer")
    return client


def browser_login(page: object, server_url: str, role: str) -> None:
    """Sign in through the page in a real browser."""
    page.goto(f"{server_url}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", role)  # type: ignore[attr-defined]
    page.fill("input[name=password]", USERS[role])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#who")  # type: ignore[attr-defined]


def jinan_folder(*, small_plans: bool = False) -> tuple[object, dict[str, object]]:
    """Read the shipped Jinan folder as ``scenario load`` does: the scenario and its settings documents.

    ``small_plans`` swaps in four of its plans (``fixtures/drills/plans-small.yaml``: a quick CP-SAT year).
    """
    scenario, settings = read_folder("jinan")
    if small_plans:
        settings["plans"] = json_safe(yaml.safe_load((FIXTURES / "drills" / "plans-small.yaml").read_text()))
    return scenario, settings


def load_jinan(store: object, *, small_plans: bool = False) -> tuple[object, dict[str, object]]:
    """Store the Jinan scenario with its settings documents (see :func:`jinan_folder`)."""
    scenario, settings = jinan_folder(small_plans=small_plans)
    store.save_scenario(scenario)  # type: ignore[attr-defined]
    store_settings(store, scenario.name, settings)  # type: ignore[arg-type, attr-defined]
    return scenario, settings


@pytest.fixture
def fixed_clock() -> Iterator[object]:
    """Fix the product's clock for one test: call it with an aware moment; the clock runs again afterwards."""
    yield clock.set_now
    clock.set_now(None)
