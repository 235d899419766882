"""Account roles and what each may do, as data: the one table the web pages, the JSON API and the CLI check.

Standard library only, so the CLI offers the roles as choices in its ``--help`` without loading the store;
:mod:`planner.store.accounts` keeps the accounts themselves.
"""

from __future__ import annotations

from enum import StrEnum

from planner.model.codes import label


class Role(StrEnum):
    """What a user is for: viewer < dispatcher / planner < admin."""

    VIEWER = "viewer"
    DISPATCHER = "dispatcher"
    PLANNER = "planner"
    ADMIN = "admin"


ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: frozenset({"view"}),
    Role.DISPATCHER: frozenset({"view", "run_dispatch", "handle_requests"}),
    Role.PLANNER: frozenset({"view", "edit_inventory", "edit_plans", "edit_drills", "run_whatif", "view_personal",
                             "handle_requests"}),
    Role.ADMIN: frozenset({"view", "run_dispatch", "edit_inventory", "edit_plans", "edit_drills", "run_whatif",
                           "manage_users", "view_personal", "handle_requests"}),
}
"""Permissions of each role. ``view_personal``: names, phone numbers and certificate numbers of people
(viewers and dispatchers see roles and counts only). ``handle_requests``: ask for help, approve, offer and
settle cross-region requests, each within the user's jurisdiction (``planner.store.scope``, ``planner.requests``)."""

ROLE_LABELS = {role: label("user_role", role).replace(" / ", " ") for role in Role}
"""Bilingual label of each role (``查看 viewer``), from the one label table (:data:`planner.model.codes.LABELS`)."""


def has_permission(role: str | Role, permission: str) -> bool:
    """Whether a role grants a permission."""
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())
