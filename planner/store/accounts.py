"""User accounts: who may sign in, with which role (what a role may do is :mod:`planner.store.roles`).

Passwords are stored only as salted hashes (werkzeug's scrypt). Roles map to permissions as data in
``ROLE_PERMISSIONS``, so a check reads ``has_permission(role, "edit_inventory")`` everywhere: the web
pages, the JSON API and the CLI use the same table.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from planner.errors import InputError, NotFoundError
from planner.store.database import ConflictError, Store
from planner.store.roles import Role
from planner.store.tables import UserRow

MIN_PASSWORD_LENGTH = 8


def _check_username(username: str) -> str:
    name = username.strip()
    if not (2 <= len(name) <= 80) or not all(c.isalnum() or c in "._-" for c in name):
        raise InputError("username must be 2-80 letters, digits, '.', '_' or '-'", field="username")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(f"role must be one of {', '.join(r.value for r in Role)}, not {role!r}",
                         field="role") from None


def create_user(store: Store, username: str, password: str, role: str) -> dict[str, Any]:
    """Add a user; refuses a taken name, a short password or an unknown role."""
    name = _check_username(username)
    _check_password(password)
    checked_role = _check_role(role)
    password_hash = generate_password_hash(password)  # scrypt: slow on purpose, so outside the transaction

    def work(session: Session) -> dict[str, Any]:
        if session.scalar(select(UserRow).where(UserRow.username == name)) is not None:
            raise InputError(f"user {name!r} exists already", field="username")
        row = UserRow(username=name, password_hash=password_hash, role=checked_role.value)
        session.add(row)
        session.flush()
        return _public(row)

    return store.write(work, creates=f"user {name!r}")


_verified: dict[tuple[str, str], str] = {}
"""(username, sha256 of a password) -> the stored hash it was checked against; spares API clients that send
credentials with every request a fresh scrypt run. A changed password changes the stored hash, so an old
entry no longer matches."""


def authenticate(store: Store, username: str, password: str) -> dict[str, Any] | None:
    """Return the user if the name and password match an active account, else None (same answer either way)."""
    with store.reading() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username.strip()))
        if row is None or not row.active:
            return None
        key = (row.username, hashlib.sha256(password.encode()).hexdigest())
        if _verified.get(key) != row.password_hash:
            if not check_password_hash(row.password_hash, password):
                return None
            if len(_verified) > 1000:
                _verified.clear()
            _verified[key] = row.password_hash
        return _public(row)


def get_user(store: Store, user_id: int) -> dict[str, Any] | None:
    """Return an active user by id, or None."""
    with store.reading() as session:
        row = session.get(UserRow, user_id)
        return _public(row) if row is not None and row.active else None


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user, without password hashes."""
    with store.reading() as session:
        return [_public(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


def update_user(store: Store, username: str, *, role: str | None = None, password: str | None = None,
                active: bool | None = None) -> dict[str, Any]:
    """Change a user's role, password or active flag; the last active admin cannot be demoted or disabled."""
    checked_role = _check_role(role).value if role is not None else None
    if password is not None:
        _check_password(password)
    password_hash = generate_password_hash(password) if password is not None else None

    def work(session: Session) -> dict[str, Any]:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise NotFoundError(f"user {username!r} does not exist", field="username")
        if checked_role is not None:
            row.role = checked_role
        if password_hash is not None:
            row.password_hash = password_hash
        if active is not None:
            row.active = active
        session.flush()
        admins = session.scalars(select(UserRow).where(UserRow.role == Role.ADMIN.value, UserRow.active)).all()
        if not admins:
            raise InputError("at least one active admin must remain", field="role")
        return _public(row)

    return store.write(work)


def ensure_first_admin(store: Store) -> str | None:
    """Create ``admin`` with a random password when there is no user at all; returns that password.

    Two processes starting at once create it once: the one that loses the race returns None.
    """
    with store.reading() as session:
        if session.scalar(select(UserRow.id).limit(1)) is not None:
            return None
    password = secrets.token_urlsafe(12)
    try:
        create_user(store, "admin", password, Role.ADMIN.value)
    except (ConflictError, InputError):
        return None  # created by the other process meanwhile
    return password


def _public(row: UserRow) -> dict[str, Any]:
    return {"id": row.id, "username": row.username, "role": row.role, "active": row.active}
