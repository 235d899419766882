"""Sign-in, roles and CSRF: who may do what, through the pages and the API alike.

Pages use a session cookie (Flask-Login) and CSRF tokens on every form (Flask-WTF); JavaScript sends
the token in the ``X-CSRFToken`` header. API clients may instead send HTTP Basic credentials, which
carry no ambient authority, so those requests skip the CSRF check. ``require(permission)`` guards a
view: 401 when nobody is signed in (a redirect to the sign-in page for pages), 403 when the role lacks
the permission.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from planner.store import accounts
from planner.store.roles import ROLE_LABELS, Role, has_permission
from web.store import get_store

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SignedInUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as Flask-Login sees it."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.id = record["id"]
        self.username = record["username"]
        self.role = record["role"]

    def can(self, permission: str) -> bool:
        """Whether this user's role grants ``permission``."""
        return has_permission(self.role, permission)

    @property
    def role_label(self) -> str:
        """Bilingual label of the role."""
        return ROLE_LABELS[Role(self.role)]


def init_app(app: Flask) -> None:
    """Set up sessions, CSRF and the sign-in views."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    app.register_blueprint(bp)

    @app.before_request
    def csrf_for_sessions() -> None:
        if request.method in _UNSAFE and request.authorization is None and app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": current_user}


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """Restore the session's user, if still active."""
    record = accounts.get_user(get_store(), int(user_id)) if user_id.isdigit() else None
    return SignedInUser(record) if record else None


@login_manager.request_loader
def load_basic_auth(req: Any) -> SignedInUser | None:
    """Accept HTTP Basic credentials for API clients."""
    credentials = req.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        return None
    record = accounts.authenticate(get_store(), credentials.username, credentials.password or "")
    return SignedInUser(record) if record else None


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
                abort(403, description=f"your role ({current_user.role}) may not do this: it needs {permission!r}")
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def actor() -> str:
    """Return the signed-in user's name for the audit log."""
    return str(current_user.username) if current_user.is_authenticated else "anonymous"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with a username and password."""
    if request.method == "POST":
        record = accounts.authenticate(get_store(), request.form.get("username", ""), request.form.get("password", ""))
        if record is None:
            flash("用户名或密码错误 Wrong username or password.", "error")
            return render_template("login.html", username=request.form.get("username", "")), 401
        login_user(SignedInUser(record))
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("pages.index"))
    return render_template("login.html", username="")


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    logout_user()
    flash("已退出 Signed out.", "info")
    return redirect(url_for("auth.login"))
