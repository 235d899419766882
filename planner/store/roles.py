"""Account roles and what each may do, as data: the one table the web pages, the JSON API and the CLI check.

Standard library only, so the CLI offers the roles as choices in its ``--help`` without loading the store;
:mod:`planner.store.accounts` keeps the accounts themselves.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user is for: viewer < dispatcher / planner < admin."""

    VIEWER = "viewer"
    DISPATCHER = "dispatcher"
    PLANNER = "planner"
    ADMIN = "admin"


ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: frozenset({"view"}),
    Role.DISPATCHER: frozenset({"view", "run_dispatch"}),
    Role.PLANNER: frozenset({"view", "edit_inventory", "edit_plans", "edit_drills", "run_whatif"}),
    Role.ADMIN: frozenset({"view", "run_dispatch", "edit_inventory", "edit_plans", "edit_drills", "run_whatif",
                           "manage_users"}),
}
"""Permissions of each role."""

ROLE_LABELS = {Role.VIEWER: "查看 viewer", Role.DISPATCHER: "调度 dispatcher", Role.PLANNER: "规划 planner",
               Role.ADMIN: "管理员 admin"}


def has_permission(role: str | Role, permission: str) -> bool:
    """Whether a role grants a permission."""
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())
