"""The database connection: how each connection is set up, how write transactions begin, what is retried.

SQLite, the embedded store, lets one writer in at a time. Every SQLite connection is set up through
SQLAlchemy's ``connect`` event: the WAL journal (readers and the writer never block each other), a busy
timeout (a writer waits for the lock instead of failing at once) and foreign keys (a record belongs to
its scenario). The driver's own transaction handling is switched off so that SQLAlchemy's ``begin``
event says how a transaction starts: ``BEGIN`` for reads (one consistent snapshot) and ``BEGIN
IMMEDIATE`` for writes, which take the write lock before they read, so a writer never fails half-way
because another wrote after its read began (WAL's "snapshot too old").

PostgreSQL keeps its default READ COMMITTED; the store makes writes safe there with conditional updates
and a lock on the scenario's row.

:func:`retrying` runs a unit of work again after a transient error (SQLite's lock still held after the
busy timeout; PostgreSQL's serialization failure or deadlock) with exponential backoff and jitter, and
gives up with :class:`StoreBusyError` (the web answers 503 with ``Retry-After``) only when the database
stays busy for all its attempts.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from planner.errors import PlannerError

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
"""How long an SQLite connection waits for another's write lock before the attempt fails (and is retried)."""
ATTEMPTS = 6
"""Attempts of one unit of work before :class:`StoreBusyError`."""
FIRST_DELAY_S = 0.05
"""Pause after the first failed attempt; it doubles after each (with +-50 % jitter), up to ``MAX_DELAY_S``."""
MAX_DELAY_S = 2.0
WRITE = "planner_write"
"""Execution option that marks an engine's transactions as writes (``BEGIN IMMEDIATE`` on SQLite)."""

_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization_failure and deadlock_detected: the transaction was rolled back, run it again."""


class StoreBusyError(PlannerError):
    """The database stayed locked or kept failing serialization for every attempt: try again in a moment."""


def make_engine(url: str) -> Engine:
    """Return an engine for ``url``; SQLite connections are set up for concurrent use (see the module)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_up_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    return engine


def for_writes(engine: Engine) -> Engine:
    """Return ``engine`` marked so that its transactions begin as writes (the lock first, on SQLite)."""
    return engine.execution_options(**{WRITE: True})


def _set_up_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Set up one new SQLite connection: WAL, busy timeout, foreign keys; transactions begun by SQLAlchemy."""
    dbapi_connection.isolation_level = None  # the driver issues no BEGIN of its own: _begin_sqlite does
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    """Begin an SQLite transaction: ``BEGIN IMMEDIATE`` for a write (takes the lock first), ``BEGIN`` for a read."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN")


def is_transient(error: DBAPIError) -> bool:
    """Tell whether a database error only means "busy now": SQLite's lock, PostgreSQL's serialization or deadlock."""
    original = error.orig
    name = str(getattr(original, "sqlite_errorname", ""))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return True
    return getattr(original, "sqlstate", None) in _TRANSIENT_SQLSTATES


def is_unique_violation(error: IntegrityError) -> bool:
    """Tell whether an integrity error is a unique constraint (something with that key exists already)."""
    original = error.orig
    if getattr(original, "sqlstate", None) == "23505":
        return True
    return str(getattr(original, "sqlite_errorname", "")) in {"SQLITE_CONSTRAINT_UNIQUE",
                                                              "SQLITE_CONSTRAINT_PRIMARYKEY"}


def retrying(work: Callable[[], T]) -> T:
    """Run ``work`` (one whole transaction), again after a transient error, with growing pauses.

    ``work`` must have no effect outside its transaction, since a failed attempt is rolled back and run
    again. Raises :class:`StoreBusyError` after ``ATTEMPTS`` transient failures; any other error at once.
    """
    delay = FIRST_DELAY_S
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return work()
        except DBAPIError as error:
            if not is_transient(error):
                raise
            if attempt == ATTEMPTS:
                raise StoreBusyError(f"the database stayed busy through {ATTEMPTS} attempts ({error.orig}); "
                                     "try again in a moment") from error
            log.info("database busy (%s); attempt %d of %d again in %.2f s", error.orig, attempt + 1, ATTEMPTS, delay)
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(2 * delay, MAX_DELAY_S)
    raise AssertionError("unreachable")  # the loop returns or raises
