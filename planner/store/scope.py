"""Whose records a user may read and write: a role applies within the user's jurisdiction and below.

A user with a jurisdiction (a county planner, a city approver, a province user) holds that jurisdiction
and everything below it in a scenario's tree (:func:`planner.scenario.jurisdictions.covers`); a user
without one (the first administrator, accounts made before jurisdictions existed) holds every
scenario whole, and so does the system itself (the CLI, the loader), which acts with no scope at all.

:func:`check_scope` is THE check every door calls (the store's record writes, whichever page, API call,
import or drill result sends them; the jobs; the requests and their claims): a thing the user may not
see is a :class:`~planner.errors.NotFoundError` (404: its existence is not told), a thing the user may
see but not change a :class:`~planner.errors.ForbiddenError` (403), with the jurisdiction that would be
needed. Records of a scenario are visible to every signed-in user (outside their jurisdiction they
read as viewers); requests and claims only to those they concern (:mod:`planner.requests`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.errors import ForbiddenError, NotFoundError
from planner.model.codes import coded
from planner.scenario.jurisdictions import covers, root_of
from planner.scenario.model import Scenario
from planner.store.roles import has_permission


@dataclass(frozen=True)
class Scope:
    """Who acts: the account name, its role and its jurisdiction (None: every scenario whole).

    Attributes
    ----------
    username
        The account, for messages and the timeline of a request.
    role
        The account's role (:class:`planner.store.roles.Role` value).
    jurisdiction
        The jurisdiction the role applies in (and below); None for the whole instance.

    """

    username: str
    role: str
    jurisdiction: str | None = None

    @classmethod
    def of(cls, user: Mapping[str, Any]) -> Scope:
        """Return the scope of an account as :mod:`planner.store.accounts` returns it."""
        return cls(str(user["username"]), str(user["role"]), user.get("jurisdiction") or None)

    def holds(self, scenario: Scenario, jurisdiction: str) -> bool:
        """Whether ``jurisdiction`` is this user's or lies below it (always, for a user without one)."""
        return self.jurisdiction is None or covers(scenario, self.jurisdiction, jurisdiction)

    def holds_whole(self, scenario: Scenario) -> bool:
        """Whether this user holds the scenario's root, and so every record of it."""
        return self.holds(scenario, root_of(scenario))

    def can(self, permission: str) -> bool:
        """Whether the role grants ``permission`` (:func:`planner.store.roles.has_permission`)."""
        return has_permission(self.role, permission)


def check_scope(scope: Scope | None, scenario: Scenario, jurisdiction: str, *, what: str,
                permission: str | None = None, visible: bool = True) -> None:
    """Refuse an action on something of ``jurisdiction`` that ``scope`` does not hold: THE scope check.

    Parameters
    ----------
    scope
        The acting user; None is the system (CLI, loader, the app's own bookkeeping), which may do all.
    scenario
        The scenario whose jurisdiction tree decides.
    jurisdiction
        The jurisdiction the thing belongs to (:func:`planner.scenario.jurisdictions.record_jurisdiction`).
    what
        The thing, for the message (``"teams T9"``).
    permission
        The role permission the action needs (None: a read).
    visible
        Whether the user may see the thing at all; when not, the answer is "not found".

    Raises
    ------
    NotFoundError
        The user may not see it (404).
    ForbiddenError
        The user may see it but the role or the jurisdiction does not allow the action (403).

    """
    if scope is None:
        return
    if not visible:
        raise NotFoundError(f"{what} does not exist", field="id")
    if permission is not None and not scope.can(permission):
        raise ForbiddenError(f"{scope.username}: your role ({coded('user_role', scope.role)}) may not do this to "
                             f"{what}: it needs {permission!r}")
    if permission is not None and not scope.holds(scenario, jurisdiction):
        raise ForbiddenError(f"{scope.username}: {what} belongs to jurisdiction {jurisdiction!r}, outside yours "
                             f"({scope.jurisdiction!r}); you may read it but not change it")
