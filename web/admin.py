"""The audit log page, and user management for administrators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from planner import clock
from planner.errors import InputError
from planner.model.codes import label
from planner.store import accounts, throttle
from planner.store.roles import Role
from web.auth import require, start_session, throttle_policy, user_scope
from web.i18n import language, localized
from web.inventory import KINDS
from web.privacy import shown_audit
from web.store import get_store

bp = Blueprint("admin", __name__)


@bp.get("/audit")
@require("view")
def audit() -> str:
    """Every change, newest first: who, when, what, before and after."""
    scenario_name = request.args.get("scenario") or None
    store = get_store()
    entries = shown_audit(store.audit_log(scenario=scenario_name, limit=300))
    return render_template("audit.html", entries=entries, scenario_name=scenario_name, zones=store.scenario_zones(),
                           default_zone=clock.zone(None), kinds=KINDS)


@bp.route("/users", methods=["GET", "POST"])
@require("manage_users")
def users() -> Any:
    """List accounts with their lockouts; create one; change a role, jurisdiction, password or active flag; unlock.

    A jurisdiction limits where the role applies (and below); left empty, the user holds the whole instance.
    """
    store = get_store()
    status = 200
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "unlock":
                accounts.unlock(store, form.get("username", ""), scope=user_scope())
                flash(gettext("Unlocked %(user)s: the next sign-in is checked at once.", user=form.get("username")),
                      "info")
            elif form.get("action") == "create":
                accounts.create_user(store, form.get("username", ""), form.get("password", ""), form.get("role", ""),
                                     jurisdiction=form.get("jurisdiction") or None, scope=user_scope())
                flash(gettext("Created %(user)s.", user=form.get("username")), "info")
            else:
                changes: dict[str, Any] = {"jurisdiction": form.get("jurisdiction") or None} \
                    if "jurisdiction" in form else {}
                record = accounts.update_user(store, form.get("username", ""), role=form.get("role") or None,
                                              password=form.get("password") or None,
                                              active=form.get("active") == "true" if "active" in form else None,
                                              scope=user_scope(), **changes)
                if form.get("password") and record["id"] == current_user.id:
                    start_session(record)  # a new password ended every session of its user, this one too
                flash(gettext("Updated %(user)s.", user=form.get("username")), "info")
            return redirect(url_for("admin.users"))
        except InputError as error:
            flash(localized(error), "error")
            status = 400
    roles = [(r.value, label("user_role", r.value, language())) for r in Role]
    return render_template("users.html", users=accounts.managed(store, user_scope(), accounts.list_users(store)),
                           roles=roles, zone=clock.zone(None),
                           locks=throttle.account_locks(store, throttle_policy())), status
