"""Sign-in, roles and CSRF: who may do what, through the pages and the API alike.

Pages use a session cookie (Flask-Login) naming a server-side session (``planner.store.sessions``):
signing out ends it, so a copy of the cookie signs nobody in afterwards, and a changed password ends
every session of the user. Every unsafe request that a session cookie signs in must carry the CSRF token
(Flask-WTF; forms send it as a field, JavaScript in the ``X-CSRFToken`` header), whatever other headers it
carries. API clients may instead send HTTP Basic credentials without a cookie: those carry no ambient
authority, so such requests need no token. An unsafe request from nobody is a 401. Sign-ins, through the
form and through Basic credentials, are throttled per account name and per address (``LOGIN_*``
settings, ``planner.store.throttle``). A user who must change the initial password is sent to the change
form from every page, and the API answers 403 until then.

``require(permission)`` guards a view: 401 when nobody is signed in (a redirect to the sign-in page for
pages), 403 when the role lacks the permission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from planner.errors import InputError
from planner.model.codes import coded, label
from planner.store import accounts, sessions
from planner.store.roles import Role, has_permission
from planner.store.scope import Scope
from planner.store.throttle import SignInThrottled, ThrottlePolicy
from web.i18n import language, localized
from web.store import get_store

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_TO_ANYONE = {"auth.login", "auth.logout"}
"""Endpoints that take unsafe requests from nobody in particular (the sign-in form checks its CSRF token)."""
BEFORE_CHANGE = {"auth.change_password", "auth.logout"}
"""What a user who must change the initial password may still reach."""
DEFAULTS = {
    "SESSION_MAX_AGE_HOURS": 12,
    "LOGIN_ACCOUNT_FAILURES": 5,
    "LOGIN_ADDRESS_FAILURES": 20,
    "LOGIN_DELAY_SECONDS": 30,
    "LOGIN_MAX_DELAY_SECONDS": 3600,
}
"""Sign-in settings and their defaults (README, "Security settings")."""


class SignedInUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as Flask-Login sees it; ``session_token`` names the browser session (None for Basic)."""

    def __init__(self, record: dict[str, Any], session_token: str | None = None) -> None:
        self.id = record["id"]
        self.username = record["username"]
        self.role = record["role"]
        self.must_change_password = bool(record.get("must_change_password"))
        self.jurisdiction: str | None = record.get("jurisdiction") or None
        self.language: str | None = record.get("language") or None
        self.session_token = session_token

    def get_id(self) -> str | None:
        """Return what Flask-Login keeps in the cookie: the session's token, never the user's id."""
        return self.session_token

    def can(self, permission: str) -> bool:
        """Whether this user's role grants ``permission``."""
        return has_permission(self.role, permission)

    @property
    def role_label(self) -> str:
        """Label of the role in the page's language."""
        return label("user_role", self.role, language())


def init_app(app: Flask) -> None:
    """Set up sessions, CSRF, the sign-in guards and the sign-in views."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.before_request(guard)

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": current_user, "min_password_length": accounts.MIN_PASSWORD_LENGTH}


def guard() -> Response | None:
    """Check every request before its view: CSRF for cookie sessions, 401 for nobody, the forced password change.

    A request for no route (404) or with a method the route lacks (405) is left to answer as such.
    """
    if request.routing_exception is not None or request.endpoint == "static":
        return None
    endpoint = request.endpoint or ""
    user = current_user._get_current_object()  # loads the user: from the session cookie, else Basic credentials
    if request.method in _UNSAFE:
        if g.get("signed_in_by") == "session" or endpoint == "auth.login":
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
        elif not user.is_authenticated and endpoint not in OPEN_TO_ANYONE:
            abort(401, description="sign in first (session cookie or HTTP Basic credentials)")
    if user.is_authenticated and user.must_change_password and endpoint not in BEFORE_CHANGE:
        if request.path.startswith("/api/"):
            abort(403, description=f"{user.username} must change the initial password first: sign in on the "
                                   f"page, or run 'python -m planner users set-password {user.username}'")
        return redirect(url_for("auth.change_password"))
    return None


def throttle_policy() -> ThrottlePolicy:
    """Return the sign-in throttling of the running app, from its ``LOGIN_*`` settings."""
    config = current_app.config
    return ThrottlePolicy(account_failures=int(config["LOGIN_ACCOUNT_FAILURES"]),
                          address_failures=int(config["LOGIN_ADDRESS_FAILURES"]),
                          first_delay_s=float(config["LOGIN_DELAY_SECONDS"]),
                          max_delay_s=float(config["LOGIN_MAX_DELAY_SECONDS"]))


def session_max_age() -> dt.timedelta:
    """Return how long a browser session lasts from its sign-in (``SESSION_MAX_AGE_HOURS``)."""
    return dt.timedelta(hours=float(current_app.config["SESSION_MAX_AGE_HOURS"]))


@login_manager.user_loader
def load_session_user(token: str) -> SignedInUser | None:
    """Restore the user of the cookie's session, if it is still open and its user still active."""
    record = accounts.session_user(get_store(), token, session_max_age())
    if record is None:
        return None
    g.signed_in_by = "session"
    return SignedInUser(record, token)


@login_manager.request_loader
def load_basic_auth(req: Any) -> SignedInUser | None:
    """Accept HTTP Basic credentials for API clients (throttled like the sign-in form: 429 while delayed)."""
    credentials = req.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        return None
    record = accounts.sign_in(get_store(), credentials.username, credentials.password or "", req.remote_addr,
                              throttle_policy())
    if record is None:
        return None
    g.signed_in_by = "basic"
    return SignedInUser(record)


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    """401 JSON for the API, a redirect to the sign-in page otherwise."""
    if request.path.startswith("/api/"):
        abort(401, description="sign in first (session cookie or HTTP Basic credentials)")
    return redirect(url_for("auth.login", next=request.full_path))


def require(permission: str) -> Callable[[F], F]:
    """Allow the view only to signed-in users whose role grants ``permission``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403, description=f"your role ({coded('user_role', current_user.role)}) may not do this: "
                                       f"it needs {permission!r}")
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def user_scope() -> Scope:
    """Return the signed-in user's scope (role and jurisdiction), which every door hands to the scope check.

    Views reach it only behind ``require``, so somebody is signed in; nobody would be a viewer of nothing.
    """
    if not current_user.is_authenticated:
        return Scope("anonymous", Role.VIEWER.value, "\0nowhere")
    return Scope(str(current_user.username), str(current_user.role), current_user.jurisdiction)


def actor() -> str:
    """Return the signed-in user's name for the audit log."""
    return str(current_user.username) if current_user.is_authenticated else "anonymous"


def start_session(record: dict[str, Any]) -> None:
    """Open a server-side session for ``record`` and put its token in this browser's cookie."""
    login_user(SignedInUser(record, sessions.begin(get_store(), record["id"], session_max_age())))


def end_session() -> None:
    """Close this browser's server-side session, if any, and clear the cookie's sign-in."""
    token = session.get("_user_id")
    if token:
        sessions.end(get_store(), str(token))
    logout_user()


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with a username and password (throttled: 429 with ``Retry-After`` while delayed)."""
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            record = accounts.sign_in(get_store(), username, request.form.get("password", ""), request.remote_addr,
                                      throttle_policy())
        except SignInThrottled as error:
            flash(gettext("Too many failed sign-ins: %(error)s.", error=localized(error)), "error")
            response = make_response(render_template("login.html", username=username), 429)
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        if record is None:
            flash(gettext("Wrong username or password."), "error")
            return render_template("login.html", username=username), 401
        end_session()
        start_session(record)
        if record["must_change_password"]:
            flash(gettext("Change the initial password before you go on."), "info")
            return redirect(url_for("auth.change_password"))
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("pages.index"))
    return render_template("login.html", username="")


@bp.post("/logout")
def logout() -> Response:
    """Sign out: the session ends on the server, so its cookie signs nobody in any more."""
    end_session()
    flash(gettext("Signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    """Change one's own password; every other session of the user ends, this browser stays signed in."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.method == "POST":
        form = request.form
        try:
            if form.get("new_password", "") != form.get("repeat_password", ""):
                raise InputError("the two new passwords differ", field="repeat_password")
            record = accounts.change_password(get_store(), current_user.username, form.get("current_password", ""),
                                              form.get("new_password", ""), request.remote_addr, throttle_policy())
        except SignInThrottled as error:
            flash(localized(error), "error")
            response = make_response(render_template("password.html"), 429)
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        except InputError as error:
            flash(localized(error), "error")
            return render_template("password.html", field=error.field), 400
        logout_user()
        start_session(record)
        flash(gettext("Password changed."), "info")
        return redirect(url_for("pages.index"))
    return render_template("password.html")
