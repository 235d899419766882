"""Sessions and accounts that hold: CSRF, sign-out, throttling, timing, headers, cookies, 401/405, passwords.

Each test drives the real app (real store on SQLite and PostgreSQL, real scrypt hashes) the way a browser
or an API client would; the CSRF tests switch Flask-WTF's check on, which the other web tests leave off.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import statistics
import threading
import time

import pytest
from sqlalchemy import update

from planner.cli import main
from planner.errors import InputError
from planner.store import accounts, throttle
from planner.store.tables import LoginThrottleRow, UserSessionRow
from planner.store.throttle import ThrottlePolicy
from web import create_app

RECORD = "/api/v1/scenarios/mini/records/teams/T1"


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a page carries (its ``csrf-token`` meta tag), as the page's JavaScript reads it."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, f"{path} carries no CSRF token"
    return found.group(1)


def sign_in(client, username: str, password: str, **kwargs):
    data = {"username": username, "password": password}
    if client.application.config["WTF_CSRF_ENABLED"]:
        data["csrf_token"] = csrf_token(client)
    return client.post("/login", data=data, **kwargs)


def edit_members(client, members: int, headers: dict[str, str] | None = None):
    current = client.get(RECORD, headers=basic("admin", "admin-pass-123")).get_json()
    return client.put(RECORD, headers=headers or {},
                      json={"version": current["version"], "data": {**current["data"], "members": members}})


def store_of(app):
    return app.extensions["planner_store"]


# ----------------------------------------------------------------------------------------------------
# CSRF, 401, 405


def test_csrf_is_checked_for_a_cookie_session_whatever_the_authorization_header(app, client, users):
    app.config["WTF_CSRF_ENABLED"] = True
    assert sign_in(client, "planner", users["planner"]).status_code == 302
    for headers in ({}, basic("planner", "wrong-password"), basic("admin", users["admin"]),
                    {"Authorization": "Bearer anything"}):
        refused = edit_members(client, 30, headers)
        assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]["message"], headers
    assert client.get(RECORD).get_json()["data"]["members"] == 24  # nothing changed
    accepted = edit_members(client, 31, {"X-CSRFToken": csrf_token(client, "/map")})
    assert accepted.status_code == 200
    api_client = app.test_client()  # Basic credentials and no cookie: the API path, no token needed
    assert edit_members(api_client, 32, basic("planner", users["planner"])).status_code == 200
    assert api_client.get_cookie("session") is None


def test_anonymous_unsafe_requests_get_401(app, client, users):
    app.config["WTF_CSRF_ENABLED"] = True
    for method, path in (("put", RECORD), ("post", "/api/v1/scenarios/mini/records/teams"),
                         ("delete", RECORD), ("post", "/api/v1/users")):
        response = getattr(client, method)(path, json={})
        assert response.status_code == 401, (method, path)
        assert response.get_json()["error"]["code"] == "unauthorized"
    page = client.post("/inventory/teams/T1/delete?scenario=mini", data={"version": "1"})
    assert page.status_code == 401 and "请先登录" in page.get_data(as_text=True)
    assert client.post("/login", data={"username": "planner", "password": users["planner"]}).status_code == 400
    assert client.get(RECORD, headers=basic("admin", users["admin"])).get_json()["data"]["members"] == 24


def test_405_answers_carry_allow(app, client, users):
    app.config["WTF_CSRF_ENABLED"] = True
    for method, path, allowed in (("delete", "/api/v1/scenarios", {"GET"}), ("post", "/map", {"GET"}),
                                  ("put", "/login", {"GET", "POST"}), ("get", "/logout", {"POST"})):
        response = getattr(client, method)(path, headers=basic("admin", users["admin"]))
        assert response.status_code == 405, (method, path)
        assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}, response.headers.get("Allow")


# ----------------------------------------------------------------------------------------------------
# Sessions


def test_a_cookie_replayed_after_sign_out_signs_nobody_in(client, users):
    assert sign_in(client, "viewer", users["viewer"]).status_code == 302
    cookie = client.get_cookie("session").value
    assert client.get("/api/v1/scenarios").status_code == 200
    assert client.post("/logout").status_code == 302
    client.set_cookie("session", cookie)  # an attacker's copy of the cookie, or the browser's back button
    assert client.get("/api/v1/scenarios").status_code == 401
    assert client.get("/map").status_code == 302


def test_a_changed_password_ends_every_session_of_the_user(app, users):
    this, other, colleague = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((this, "planner"), (other, "planner"), (colleague, "viewer")):
        assert sign_in(client, name, users[name]).status_code == 302
    changed = this.post("/account/password", data={"current_password": users["planner"],
                                                   "new_password": "a-fresh-password", "repeat_password":
                                                   "a-fresh-password"})
    assert changed.status_code == 302
    assert this.get("/api/v1/scenarios").status_code == 200  # the browser that changed it stays signed in
    assert other.get("/api/v1/scenarios").status_code == 401  # every other session of the user ended
    assert colleague.get("/api/v1/scenarios").status_code == 200  # other users keep theirs
    accounts.update_user(store_of(app), "planner", password="set-by-the-admin")
    assert this.get("/api/v1/scenarios").status_code == 401


def test_a_disabled_account_and_an_old_session_sign_nobody_in(app, users):
    first, second = app.test_client(), app.test_client()
    assert sign_in(first, "viewer", users["viewer"]).status_code == 302
    assert sign_in(second, "dispatcher", users["dispatcher"]).status_code == 302
    accounts.update_user(store_of(app), "viewer", active=False)
    assert first.get("/api/v1/scenarios").status_code == 401
    hours = app.config["SESSION_MAX_AGE_HOURS"]
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours, minutes=1)  # signed in just over the age ago
    store_of(app).write(lambda session: session.execute(update(UserSessionRow).values(created_at=opened)))
    assert second.get("/api/v1/scenarios").status_code == 401


# ----------------------------------------------------------------------------------------------------
# Throttling


def test_sign_in_is_throttled_then_an_admin_lifts_the_lockout(app, client, users):
    failures = app.config["LOGIN_ACCOUNT_FAILURES"]
    for _ in range(failures):
        assert sign_in(client, "planner", "not-the-password").status_code == 401
    refused = sign_in(client, "planner", users["planner"])  # the right password, during the delay
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many failed sign-ins" in refused.get_data(as_text=True)
    api = client.get("/api/v1/scenarios", headers=basic("planner", users["planner"]))
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "too_many_sign_ins"
    admin = app.test_client()
    users_page = admin.get("/users", headers=basic("admin", users["admin"])).get_data(as_text=True)
    assert re.search(r'data-user="planner".*?锁定至', users_page, re.S)
    unlocked = admin.post("/users", headers=basic("admin", users["admin"]),
                          data={"action": "unlock", "username": "planner"})
    assert unlocked.status_code == 302
    assert sign_in(client, "planner", users["planner"]).status_code == 302


def test_the_cli_lifts_a_lockout(app, client, users, cli_env, capsys):
    for _ in range(app.config["LOGIN_ACCOUNT_FAILURES"]):
        sign_in(client, "viewer", "not-the-password")
    assert sign_in(client, "viewer", users["viewer"]).status_code == 429
    assert main(["users", "unlock", "viewer"]) == 0 and "viewer unlocked" in capsys.readouterr().out
    assert sign_in(client, "viewer", users["viewer"]).status_code == 302
    assert main(["users", "unlock", "nobody-here"]) == 2


def test_delays_double_from_the_threshold_up_to_the_longest():
    policy = ThrottlePolicy(account_failures=5, first_delay_s=30, max_delay_s=3600)
    assert [policy.delay(n, 5) for n in (0, 4, 5, 6, 7, 8, 11, 12, 40)] == [0, 0, 30, 60, 120, 240, 1920, 3600, 3600]


def test_a_delay_runs_out_and_the_next_failure_doubles_it(app, client, users):
    store, failures = store_of(app), app.config["LOGIN_ACCOUNT_FAILURES"]
    for _ in range(failures):
        sign_in(client, "viewer", "not-the-password")
    first = int(sign_in(client, "viewer", "not-the-password").headers["Retry-After"])
    assert first == app.config["LOGIN_DELAY_SECONDS"]  # refused attempts are not counted
    key = throttle.account_key("viewer")

    def time_passes(session):
        for row in session.query(LoginThrottleRow):
            row.last_failure_at -= dt.timedelta(seconds=first + 1)

    store.write(time_passes)
    assert sign_in(client, "viewer", "not-the-password").status_code == 401  # checked again, and counted
    second = sign_in(client, "viewer", users["viewer"])
    assert second.status_code == 429 and int(second.headers["Retry-After"]) == 2 * first
    store.write(time_passes)
    store.write(time_passes)
    assert sign_in(client, "viewer", users["viewer"]).status_code == 302
    with store.reading() as session:  # a success forgets the account's failures
        assert session.get(LoginThrottleRow, key) is None


def test_one_address_trying_many_names_is_throttled(app, users):
    app.config["LOGIN_ADDRESS_FAILURES"] = 4
    attacker, office = app.test_client(), app.test_client()
    for name in ("a1", "a2", "a3", "viewer"):
        assert sign_in(attacker, name, "guess-guess-1", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 401
    blocked = sign_in(attacker, "planner", users["planner"], environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert blocked.status_code == 429
    assert sign_in(office, "planner", users["planner"], environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302
    assert sign_in(office, "viewer", users["viewer"], environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_an_unknown_name_takes_as_long_as_a_wrong_password(app, client, users):
    app.config["LOGIN_ACCOUNT_FAILURES"] = app.config["LOGIN_ADDRESS_FAILURES"] = 1000

    def seconds(username: str) -> float:
        started = time.perf_counter()
        assert sign_in(client, username, "wrong-password-1").status_code == 401
        return time.perf_counter() - started

    seconds("warm-up-name")
    known, unknown = [], []
    for n in range(7):  # interleaved, so a slow moment of the machine weighs on both alike
        known.append(seconds("planner"))
        unknown.append(seconds(f"nobody-{n}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (statistics.median(known), statistics.median(unknown))


# ----------------------------------------------------------------------------------------------------
# Headers and cookies


def test_security_headers_on_pages_and_api(client, users):
    for response in (client.get("/login"), client.get("/api/v1/scenarios", headers=basic("viewer", users["viewer"])),
                     client.get("/static/js/common.js"), client.get("/no-such-page")):
        policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'" and "unsafe" not in policy["default-src"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    secure = client.get("/login", base_url="https://planner.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_and_secure_over_https(app, client, users, database_url):
    cookie = session_cookie(sign_in(client, "viewer", users["viewer"]))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax" and app.config["REMEMBER_COOKIE_HTTPONLY"]

    https = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                        "DEFAULT_SCENARIO": "mini", "WTF_CSRF_ENABLED": False, "PREFERRED_URL_SCHEME": "https"})
    try:
        cookie = session_cookie(sign_in(https.test_client(), "viewer", users["viewer"],
                                        base_url="https://planner.example"))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert https.config["REMEMBER_COOKIE_SECURE"] is True
    finally:
        store_of(https).close()


def test_secure_cookies_from_the_environment(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("PLANNER_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("FLASK_LOGIN_ACCOUNT_FAILURES", "3")
    configured = create_app()
    try:
        assert configured.config["SESSION_COOKIE_SECURE"] is True and configured.config["REMEMBER_COOKIE_SECURE"]
        assert configured.config["LOGIN_ACCOUNT_FAILURES"] == 3
    finally:
        store_of(configured).close()


# ----------------------------------------------------------------------------------------------------
# Passwords


@pytest.mark.parametrize(("username", "password", "existing", "new_password", "problem"), [
    ("ops1", "short-pw", "viewer", "short-pw", "at least 10 characters"),
    ("operations", "Operations", "dispatcher", "DISPATCHER", "not be the user name"),
])
def test_password_policy_on_every_door(app, client, users, username, password, existing, new_password, problem):
    with pytest.raises(InputError, match=problem):
        accounts.create_user(store_of(app), username, password, "viewer")
    admin = basic("admin", users["admin"])
    api = client.post("/api/v1/users", headers=admin, json={"username": username, "password": password,
                                                            "role": "viewer"})
    assert api.status_code == 400 and api.get_json()["error"]["field"] == "password"
    page = client.post("/users", headers=admin, data={"action": "create", "username": username,
                                                      "password": password, "role": "viewer"})
    assert page.status_code == 400 and problem in page.get_data(as_text=True)
    with pytest.raises(InputError, match=problem):
        accounts.update_user(store_of(app), existing, password=new_password)
    assert sign_in(client, existing, users[existing]).status_code == 302
    change = client.post("/account/password", data={"current_password": users[existing],
                                                     "new_password": new_password, "repeat_password": new_password})
    assert change.status_code == 400 and problem in change.get_data(as_text=True)
    assert [u["username"] for u in accounts.list_users(store_of(app))] == sorted(users)


def test_the_cli_refuses_a_weak_password(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("PLANNER_PASSWORD", "ops-member")
    assert main(["users", "add", "ops-member", "--role", "viewer"]) == 2
    assert "not be the user name" in capsys.readouterr().err


def test_the_first_admin_must_change_the_initial_password(app, client):
    store = store_of(app)
    initial = accounts.ensure_first_admin(store)
    assert initial is not None
    signed_in = sign_in(client, "admin", initial)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/account/password")
    for page in ("/map", "/users", "/inventory/?scenario=mini&kind=teams"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password"), page
    api = client.get("/api/v1/scenarios", headers=basic("admin", initial))
    assert api.status_code == 403 and "must change the initial password" in api.get_json()["error"]["message"]
    assert client.get("/account/password").status_code == 200
    wrong = client.post("/account/password", data={"current_password": "not-it-at-all", "new_password":
                                                    "my-own-password", "repeat_password": "my-own-password"})
    assert wrong.status_code == 400
    changed = client.post("/account/password", data={"current_password": initial, "new_password": "my-own-password",
                                                     "repeat_password": "my-own-password"})
    assert changed.status_code == 302
    assert client.get("/map?scenario=mini").status_code == 200
    api_client = app.test_client()  # no cookie: Basic credentials alone
    assert api_client.get("/api/v1/scenarios", headers=basic("admin", "my-own-password")).status_code == 200
    assert api_client.get("/api/v1/scenarios", headers=basic("admin", initial)).status_code == 401
    assert accounts.list_users(store)[0]["must_change_password"] is False


def test_many_requests_signing_in_at_once_with_the_right_password_all_pass(app, users):
    clients, answers = 16, []
    start = threading.Barrier(clients)

    def call() -> None:
        client = app.test_client()
        start.wait()
        answers.append(client.get("/api/v1/labels", headers=basic("dispatcher", users["dispatcher"])).status_code)

    threads = [threading.Thread(target=call) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * clients
