"""User accounts: who may sign in, with which role (what a role may do is :mod:`planner.store.roles`).

Passwords are stored only as salted hashes (werkzeug's scrypt) and follow one policy (:func:`check_password`:
at least ``MIN_PASSWORD_LENGTH`` characters, not the user name) wherever they are set. Roles map to
permissions as data in ``ROLE_PERMISSIONS``, so a check reads ``has_permission(role, "edit_inventory")``
everywhere: the web pages, the JSON API and the CLI use the same table.

Signing in (:func:`sign_in`, the one door of the sign-in form, HTTP Basic credentials and the password
change) is throttled per account name and per address (``planner.store.throttle``) and takes as long for a
name that does not exist as for a wrong password: an unknown name is checked against a dummy hash. A browser
session lives in the store (``planner.store.sessions``): a changed password or a disabled account ends every
session of the user in the same transaction. The first administrator, made with a random password at first
start, must change it before doing anything else (``must_change_password``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from planner.errors import ForbiddenError, InputError, NotFoundError
from planner.model.codes import LANGUAGES
from planner.store import sessions, throttle
from planner.store.database import ConflictError, Store
from planner.store.roles import Role
from planner.store.scope import Scope, check_scope
from planner.store.tables import UserRow, UserSessionRow
from planner.store.throttle import ThrottlePolicy

MIN_PASSWORD_LENGTH = 10
"""The shortest password accepted, wherever a password is set."""


def _check_username(username: str) -> str:
    name = username.strip()
    if not (2 <= len(name) <= 80) or not all(c.isalnum() or c in "._-" for c in name):
        raise InputError("username must be 2-80 letters, digits, '.', '_' or '-'", field="username")
    return name


def check_password(password: str, username: str, field: str = "password") -> None:
    """Refuse a password shorter than ``MIN_PASSWORD_LENGTH`` or equal to the user name (in any case)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field=field)
    if password.strip().casefold() == username.strip().casefold():
        raise InputError("password must not be the user name", field=field)


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(f"role must be one of {', '.join(r.value for r in Role)}, not {role!r}",
                         field="role") from None


def _check_jurisdiction(store: Store, jurisdiction: str | None) -> str | None:
    """Return a user's jurisdiction, or None for the whole instance; refuse one that no stored scenario has."""
    if jurisdiction is None or not jurisdiction.strip():
        return None
    wanted = jurisdiction.strip()
    known: set[str] = set()
    for listed in store.list_scenarios():
        known |= set(store.record_versions(listed["name"], "jurisdictions"))
    if wanted not in known:
        raise InputError(f"jurisdiction {wanted!r} is in no stored scenario"
                         + (f" (known: {', '.join(sorted(known)[:30])})" if known else ""), field="jurisdiction")
    return wanted


def check_manages(store: Store, scope: Scope | None, jurisdiction: str | None, *, what: str) -> None:
    """Refuse (403) an administrator who holds a jurisdiction managing an account beyond it.

    Admins manage users per jurisdiction: one of a city creates, changes, unlocks and lists the accounts of
    that city and below, never one of the whole instance (None) or of elsewhere. The jurisdiction trees are
    the stored scenarios'; the account's jurisdiction must lie within the administrator's in one of the
    scenarios that know it (:func:`planner.store.scope.check_scope`, THE scope check). ``scope`` None (the
    CLI) and an administrator of the whole instance may manage every account.
    """
    if scope is None or scope.jurisdiction is None:
        return
    if jurisdiction is None:
        raise ForbiddenError(f"{scope.username}: {what} holds the whole instance, beyond your jurisdiction "
                             f"({scope.jurisdiction!r}): an administrator of the whole instance manages it")
    refusal: ForbiddenError | None = None
    for listed in store.list_scenarios():
        if jurisdiction in store.record_versions(listed["name"], "jurisdictions"):
            try:
                check_scope(scope, store.load_scenario(listed["name"]), jurisdiction, what=what,
                            permission="manage_users")
                return
            except ForbiddenError as error:
                refusal = refusal or error
    raise refusal or ForbiddenError(f"{scope.username}: {what} lies in {jurisdiction!r}, which no stored scenario "
                                    f"places within your jurisdiction ({scope.jurisdiction!r})")


def managed(store: Store, scope: Scope | None, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the accounts an administrator manages (every one for the whole instance's, or the CLI)."""
    out = []
    for user in users:
        try:
            check_manages(store, scope, user.get("jurisdiction"), what=f"user {user['username']!r}")
        except ForbiddenError:
            continue
        out.append(user)
    return out


def create_user(store: Store, username: str, password: str, role: str, *,
                must_change_password: bool = False, jurisdiction: str | None = None,
                scope: Scope | None = None) -> dict[str, Any]:
    """Add a user; refuses a taken name, a password against the policy, an unknown role or jurisdiction.

    ``jurisdiction`` is where the role applies, and below (:mod:`planner.store.scope`); None for the whole
    instance. ``scope`` is the administrator's who creates it (:func:`check_manages`; None: the CLI).
    """
    name = _check_username(username)
    check_password(password, name)
    checked_role = _check_role(role)
    region = _check_jurisdiction(store, jurisdiction)
    check_manages(store, scope, region, what=f"user {name!r} of {region or 'the whole instance'}")
    password_hash = generate_password_hash(password)  # scrypt: slow on purpose, so outside the transaction

    def work(session: Session) -> dict[str, Any]:
        if session.scalar(select(UserRow).where(UserRow.username == name)) is not None:
            raise InputError(f"user {name!r} exists already", field="username")
        row = UserRow(username=name, password_hash=password_hash, role=checked_role.value,
                      must_change_password=must_change_password, jurisdiction=region)
        session.add(row)
        session.flush()
        return _public(row)

    return store.write(work, creates=f"user {name!r}")


_verified: dict[tuple[str, str], str] = {}
"""(username, sha256 of a password) -> the stored hash it was checked against; spares API clients that send
credentials with every request a fresh scrypt run. A changed password changes the stored hash, so an old
entry no longer matches."""


def sign_in(store: Store, username: str, password: str, address: str | None,
            policy: ThrottlePolicy) -> dict[str, Any] | None:
    """Return the user if the name and password match an active account, else None; throttled, in constant time.

    Raises ``throttle.SignInThrottled`` while the account name or the address is in its delay (for the right
    password too). Credentials verified before (an API client sends them with every request) are recognised
    without a fresh scrypt run. A wrong password counts a failure; a name that does not exist, or a disabled
    account, is checked against a dummy hash and counted alike, so the answer takes as long as a wrong
    password's and tells nothing about which names exist.
    """
    name = username.strip()
    keys = policy.thresholds(name, address)
    row = _user_row(store, name)
    had_failures = throttle.check(store, keys, policy)
    if row is not None and row.active and _verified.get((name, _digest(password))) == row.password_hash:
        return _public(row)
    if row is None or not row.active:
        check_password_hash(_dummy_hash(), password)
        throttle.failed(store, keys, policy)
        return None
    if not check_password_hash(row.password_hash, password):
        throttle.failed(store, keys, policy)
        return None
    if had_failures:
        throttle.succeeded(store, keys)
    if len(_verified) > 1000:
        _verified.clear()
    _verified[(name, _digest(password))] = row.password_hash
    return _public(row)


def _user_row(store: Store, username: str) -> UserRow | None:
    with store.reading() as session:
        return session.scalar(select(UserRow).where(UserRow.username == username))


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    """Return the hash of a random password, made once: what an unknown name's password is checked against."""
    return generate_password_hash(secrets.token_hex(16))


def session_user(store: Store, token: str, max_age: dt.timedelta) -> dict[str, Any] | None:
    """Return the active user of an open browser session younger than ``max_age``, or None."""
    with store.reading() as session:
        row = session.scalar(select(UserRow).join(UserSessionRow, UserSessionRow.user_id == UserRow.id)
                             .where(sessions.live(token, max_age), UserRow.active))
        return _public(row) if row is not None else None


def unlock(store: Store, username: str, *, scope: Scope | None = None) -> bool:
    """Lift the sign-in lockout of an existing account (forget its failures); tell whether it had any."""
    row = _user_row(store, username.strip())
    if row is None:
        raise NotFoundError(f"user {username!r} does not exist", field="username")
    check_manages(store, scope, row.jurisdiction, what=f"user {username!r}")
    return throttle.unlock(store, throttle.account_key(username))


def get_user(store: Store, user_id: int) -> dict[str, Any] | None:
    """Return an active user by id, or None."""
    with store.reading() as session:
        row = session.get(UserRow, user_id)
        return _public(row) if row is not None and row.active else None


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user, without password hashes."""
    with store.reading() as session:
        return [_public(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


_UNCHANGED = "\0unchanged"
"""``update_user``'s default jurisdiction: leave it as it is (None there means the whole instance)."""


def update_user(store: Store, username: str, *, role: str | None = None, password: str | None = None,
                active: bool | None = None, jurisdiction: str | None = _UNCHANGED,
                scope: Scope | None = None) -> dict[str, Any]:
    """Change a user's role, password, active flag or jurisdiction; the last active admin cannot be demoted.

    The last active admin also keeps the whole instance: it cannot be disabled or given a jurisdiction.
    ``scope`` is the administrator's who changes it: the account, as it is and as it will be, must be
    within their jurisdiction (:func:`check_manages`; None: the CLI, or one's own password change).

    A new password (which also ends a forced change) or a disabled account ends every session of the user.
    """
    checked_role = _check_role(role).value if role is not None else None
    if password is not None:
        check_password(password, username)
    region = jurisdiction if jurisdiction == _UNCHANGED else _check_jurisdiction(store, jurisdiction)
    if scope is not None:
        row = _user_row(store, username)
        if row is None:
            raise NotFoundError(f"user {username!r} does not exist", field="username")
        check_manages(store, scope, row.jurisdiction, what=f"user {username!r}")
        if region != _UNCHANGED:
            check_manages(store, scope, region, what=f"user {username!r} moved to {region or 'the whole instance'}")
    password_hash = generate_password_hash(password) if password is not None else None

    def work(session: Session) -> dict[str, Any]:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise NotFoundError(f"user {username!r} does not exist", field="username")
        was_whole_admin = row.role == Role.ADMIN.value and row.active and row.jurisdiction is None
        if checked_role is not None:
            row.role = checked_role
        if password_hash is not None:
            row.password_hash = password_hash
            row.must_change_password = False
        if active is not None:
            row.active = active
        if region != _UNCHANGED:
            row.jurisdiction = region
        if password_hash is not None or active is False:
            sessions.end_all(session, row.id)
        session.flush()
        admins = session.scalars(select(UserRow).where(UserRow.role == Role.ADMIN.value, UserRow.active,
                                                       UserRow.jurisdiction.is_(None))).all()
        if was_whole_admin and not admins:
            raise InputError("at least one active admin of the whole instance must remain", field="role")
        return _public(row)

    return store.write(work)


def set_language(store: Store, user_id: int, language: str) -> None:
    """Remember the page language a user chose (one of :data:`planner.model.codes.LANGUAGES`)."""
    if language not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}", field="language")

    def work(session: Session) -> None:
        row = session.get(UserRow, user_id)
        if row is None:
            raise NotFoundError(f"user {user_id} does not exist", field="user")
        row.language = language

    store.write(work)


def change_password(store: Store, username: str, current: str, new: str, address: str | None,
                    policy: ThrottlePolicy) -> dict[str, Any]:
    """Change one's own password, given the current one (checked as a sign-in: throttled and counted).

    Ends every session of the user, this one included: the caller opens a new one.
    """
    if sign_in(store, username, current, address, policy) is None:
        raise InputError("the current password is wrong", field="current_password")
    if new == current:
        raise InputError("the new password must differ from the current one", field="new_password")
    check_password(new, username, field="new_password")
    return update_user(store, username, password=new)


def ensure_first_admin(store: Store) -> str | None:
    """Create ``admin`` with a random password when there is no user at all; returns that password.

    The account must change that password at its first sign-in. Two processes starting at once create it
    once: the one that loses the race returns None.
    """
    with store.reading() as session:
        if session.scalar(select(UserRow.id).limit(1)) is not None:
            return None
    password = secrets.token_urlsafe(12)
    try:
        create_user(store, "admin", password, Role.ADMIN.value, must_change_password=True)
    except (ConflictError, InputError):
        return None  # created by the other process meanwhile
    return password


def _public(row: UserRow) -> dict[str, Any]:
    return {"id": row.id, "username": row.username, "role": row.role, "active": row.active,
            "must_change_password": row.must_change_password, "jurisdiction": row.jurisdiction,
            "language": row.language}
