"""Sign-in throttling: failed sign-ins counted per account name and per address, with growing delays.

Before a password is checked, :func:`check` refuses the attempt with :class:`SignInThrottled` while the
account name or the address is in its delay, whatever the password (the web answers 429 with
``Retry-After``); a refused attempt is not counted. A wrong password then counts one failure on both keys
(:func:`failed`); a right one forgets the account's failures (:func:`succeeded`). Once a key (an account
name, an address) has ``threshold`` failures, the next attempt must wait ``first_delay_s * 2 ** (failures -
threshold)`` seconds after the last one (at most ``max_delay_s``). That delay is the lockout an
administrator lifts (:func:`unlock`: ``python -m planner users unlock NAME`` or the Users page); a key is
also forgotten ``forget_after_s`` after its last failure.

Failures are counted after the check, not before it: an API client that sends many requests at once with
the right password must not lock its own account. Attempts already running when a key reaches its
threshold still finish (at most one per server thread): each failure among them lengthens the delay.

Counters are keyed by the name as typed, whether or not such an account exists, so the answers tell
nothing about which names exist. They live in the store, so every process of a deployment shares them.
Delays run on the machine's clock (:func:`planner.clock.machine_now`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from planner.clock import machine_now
from planner.errors import PlannerError
from planner.store.database import ConflictError, Store
from planner.store.tables import LoginThrottleRow

ACCOUNT = "account:"
ADDRESS = "address:"
KEY_LENGTH = 160
"""Length of the key column: a longer name or address is cut (no account name is that long)."""


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures each kind of key may have before delays start, and how the delays grow."""

    account_failures: int = 5
    """Failures of one account name before its delays start."""
    address_failures: int = 20
    """Failures from one address (any names) before its delays start: several people may share it."""
    first_delay_s: float = 30.0
    """The first delay; it doubles with each further failure."""
    max_delay_s: float = 3600.0
    """The longest delay."""
    forget_after_s: float = 86400.0
    """A key with no failure for this long starts again from nothing."""

    def delay(self, failures: int, threshold: int) -> float:
        """Return the seconds an attempt must wait after the last failure of a key with ``failures`` failures."""
        if failures < threshold:
            return 0.0
        return min(self.first_delay_s * 2.0 ** min(failures - threshold, 32), self.max_delay_s)

    def thresholds(self, username: str, address: str | None) -> dict[str, int]:
        """Return the keys of a sign-in (its account name and its address), each with its threshold."""
        return {account_key(username): self.account_failures, address_key(address): self.address_failures}


class SignInThrottled(PlannerError):
    """Too many failed sign-ins for this account name or from this address: try again after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins for this account or from this address: try again in "
                         f"{retry_after} s, or ask an administrator to unlock the account")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Lock:
    """A key in its delay: how many failures it has and until when attempts are refused."""

    failures: int
    until: dt.datetime


def account_key(username: str) -> str:
    """Return the counter key of an account name, as typed (trimmed)."""
    return (ACCOUNT + username.strip())[:KEY_LENGTH]


def address_key(address: str | None) -> str:
    """Return the counter key of a client address."""
    return (ADDRESS + (address or "unknown"))[:KEY_LENGTH]


def check(store: Store, keys: Mapping[str, int], policy: ThrottlePolicy) -> bool:
    """Raise :class:`SignInThrottled` when any key is in its delay; tell whether the account has failures.

    A read: nothing is counted. The answer tells :func:`succeeded` whether it has anything to forget.
    """
    with store.reading() as session:
        rows = session.scalars(select(LoginThrottleRow).where(LoginThrottleRow.key.in_(list(keys)))).all()
        _refuse_if_locked(rows, keys, policy, machine_now())
        return any(row.key.startswith(ACCOUNT) for row in rows)


def failed(store: Store, keys: Mapping[str, int], policy: ThrottlePolicy) -> None:
    """Count a failed sign-in on every key (one write transaction; keys forgotten meanwhile are deleted)."""

    def work(session: Session) -> None:
        moment = machine_now()
        forgotten = moment - dt.timedelta(seconds=policy.forget_after_s)
        session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.last_failure_at <= forgotten))
        rows = {row.key: row for row in session.scalars(
            select(LoginThrottleRow).where(LoginThrottleRow.key.in_(list(keys))).with_for_update())}
        for key in keys:
            row = rows.get(key)
            if row is None:
                session.add(LoginThrottleRow(key=key, failures=1, last_failure_at=moment))
            else:
                row.failures += 1
                row.last_failure_at = moment

    try:
        store.write(work, creates="a sign-in counter")
    except ConflictError:  # a concurrent failure made the counter first: count on it
        store.write(work)


def succeeded(store: Store, keys: Mapping[str, int]) -> None:
    """Forget the failures of the account of a successful sign-in (the address keeps its own)."""
    accounts = [key for key in keys if key.startswith(ACCOUNT)]
    store.write(lambda session: session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key.in_(accounts))))


def unlock(store: Store, key: str) -> bool:
    """Forget a key's failures (an administrator lifts a lockout); tell whether it had any."""

    def work(session: Session) -> bool:
        found = session.get(LoginThrottleRow, key)
        if found is not None:
            session.delete(found)
        return found is not None

    return store.write(work)


def account_locks(store: Store, policy: ThrottlePolicy) -> dict[str, Lock]:
    """Return the account names now in their delay, each with its failures and until when."""
    moment = machine_now()
    with store.reading() as session:
        rows = session.scalars(select(LoginThrottleRow).where(LoginThrottleRow.key.startswith(ACCOUNT),
                                                              LoginThrottleRow.failures >= policy.account_failures))
        locks = {row.key.removeprefix(ACCOUNT): _until(row, policy.account_failures, policy) for row in rows}
    return {name: Lock(failures, until) for name, (failures, until) in locks.items() if until > moment}


def _until(row: LoginThrottleRow, threshold: int, policy: ThrottlePolicy) -> tuple[int, dt.datetime]:
    """Return a row's failures and the moment its delay ends."""
    return row.failures, row.last_failure_at + dt.timedelta(seconds=policy.delay(row.failures, threshold))


def _refuse_if_locked(rows: Sequence[LoginThrottleRow], keys: Mapping[str, int], policy: ThrottlePolicy,
                      moment: dt.datetime) -> None:
    """Raise :class:`SignInThrottled` with the longest wait when any of ``rows`` is in its delay."""
    forgotten = moment - dt.timedelta(seconds=policy.forget_after_s)
    waits = [(_until(row, keys[row.key], policy)[1] - moment).total_seconds() for row in rows
             if row.last_failure_at > forgotten]
    longest = max(waits, default=0.0)
    if longest > 0:
        raise SignInThrottled(math.ceil(longest))
