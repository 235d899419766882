"""Backup and restore of the whole store: scenarios, records and documents, the audit log, users and jobs.

A backup is one consistent snapshot, taken while the app may be writing, in one of two kinds:

- ``sqlite`` (the default on SQLite): an SQLite database file written by ``VACUUM INTO``, which reads one
  snapshot while WAL lets the app go on writing. It is written under a temporary name beside the file
  and renamed onto it once complete, so a failed backup never leaves a half-written file.
- ``jsonl`` (the default on PostgreSQL, portable between databases): JSON lines read in one
  ``REPEATABLE READ`` transaction (one snapshot): a header line ``{"format": "rescue-planner-backup",
  "version", "revision", "made_at", "database"}``, one line ``{"table", "row"}`` per row, and a last line
  ``{"end": {table: rows}}`` that lets a restore refuse a file cut short.

:func:`restore` reads either kind into either database (an SQLite backup restored with ``DATABASE_URL``
set to PostgreSQL moves an installation there). It first checks the whole file, refusing anything that is
not a backup of this store (another file, another SQLite database, a cut or edited JSON-lines file, a
schema revision this version does not know), says what the backup holds and what it replaces, and then
replaces the rows of every table in one write transaction: a reader sees the store before or after, and
a failure, or a killed process, leaves it as it was. An SQLite backup of an earlier schema revision is
migrated (on a temporary copy) before it is read. Restore with the app stopped, and start it after: its
caches are keyed on scenario versions, which a restore may take back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Table, create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from planner.clock import now
from planner.errors import InputError
from planner.model.reading import check_depth
from planner.store.database import Store
from planner.store.migrate import alembic_config, migrate
from planner.store.tables import Base, ScenarioRow, UTCDateTime

FORMAT = "rescue-planner-backup"
FORMAT_VERSION = 1
KINDS = ("sqlite", "jsonl")
TABLES: tuple[Table, ...] = tuple(table for table in Base.metadata.sorted_tables if table.info.get("backup", True))
"""The store's tables, each after the tables it refers to (restored in this order, emptied in reverse); not the
sessions and sign-in counters (``info={"backup": False}``), which a restore empties: everyone signs in again."""
SQLITE_HEADER = b"SQLite format 3\x00"
BATCH = 500
"""Rows inserted per statement when restoring."""
_LABELS = {"scenario": "scenarios", "record": "records and documents", "audit": "audit entries",
           "user_account": "users", "job": "jobs"}


@dataclass(frozen=True)
class Contents:
    """What a backup (or a store) holds: its kind, schema revision, when it was made, rows and scenarios."""

    kind: str
    revision: str | None
    made_at: str | None
    rows: dict[str, int]
    scenarios: tuple[tuple[str, int], ...]
    """(name, version) of every scenario."""

    def describe(self) -> str:
        """Say in one line what it holds."""
        made = f", made {self.made_at}" if self.made_at else ""
        scenarios = ", ".join(f"{name} (version {version})" for name, version in self.scenarios) or "none"
        counts = ", ".join(f"{self.rows.get(name, 0)} {label}" for name, label in _LABELS.items()
                           if name != "scenario")
        return f"{self.kind} (schema revision {self.revision}{made}): scenarios {scenarios}; {counts}"


def head_revision() -> str:
    """Return the schema revision this version of the planner creates and migrates to."""
    return str(_scripts().get_current_head())


def default_kind(store: Store) -> str:
    """Return the kind of backup a store makes unless told: ``sqlite`` on SQLite, ``jsonl`` elsewhere."""
    return "sqlite" if store.engine.dialect.name == "sqlite" else "jsonl"


def backup(store: Store, path: Path, *, kind: str | None = None) -> Contents:
    """Write a consistent backup of the whole store to ``path`` (replaced only once the backup is complete)."""
    kind = kind or default_kind(store)
    if kind not in KINDS:
        raise InputError(f"backup kind must be one of {', '.join(KINDS)}, not {kind!r}", field="format")
    if kind == "sqlite" and store.engine.dialect.name != "sqlite":
        raise InputError("an sqlite backup is made of an SQLite store only; use --format jsonl", field="format")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "sqlite":
            _vacuum_into(store, partial)
        else:
            _write_jsonl(store, partial)
        contents = read_backup(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return contents


def read_backup(path: Path) -> Contents:
    """Check a backup file whole and return what it holds; ``InputError`` when it is not a backup of this store."""
    with _opened(Path(path)) as opened:
        return opened.contents


def stored_contents(store: Store) -> Contents:
    """Return what a store holds now (what a restore would replace)."""
    with store.engine.connect() as connection:
        return _contents_of(connection, "store", _revision_of(connection), None)


def restore(store: Store, path: Path, *, replace: bool = False) -> tuple[Contents, Contents]:
    """Replace everything in the store by the backup at ``path``, in one transaction; return (restored, replaced).

    A store that holds scenarios or users is replaced only with ``replace``.
    """
    replaced = stored_contents(store)
    if not replace and (replaced.scenarios or replaced.rows.get("user_account")):
        raise InputError(f"the store holds data ({replaced.describe()}); restore --replace puts the backup in "
                         "its place", field="replace")
    with _opened(Path(path)) as opened:

        def work(session: Session) -> None:
            for table in reversed(Base.metadata.sorted_tables):  # TABLES and the sessions: none outlives a restore
                session.execute(table.delete())
            try:
                for table, rows in opened.batches():
                    session.execute(insert(table), rows)
            except IntegrityError as error:  # rows that break a constraint: the transaction rolls back whole
                raise InputError(f"{path}: its rows break the store's constraints ({error.orig}); nothing was "
                                 "restored", field="file") from None
            if store.engine.dialect.name == "postgresql":
                _reset_sequences(session)

        store.write(work)
        return opened.contents, replaced


# ------------------------------------------------------------------------------------------------
# Reading a backup


class _Opened:
    """A checked backup: what it holds, and its rows table by table, in batches."""

    def __init__(self, contents: Contents, source: Path) -> None:
        self.contents = contents
        self.source = source

    def batches(self) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
        """Yield (table, rows) in restore order, at most ``BATCH`` rows at a time."""
        if self.contents.kind == "sqlite":
            yield from _sqlite_batches(self.source)
        else:
            yield from _jsonl_batches(self.source)


@contextmanager
def _opened(path: Path) -> Iterator[_Opened]:
    if not path.is_file():
        raise InputError(f"{path}: no such backup file", field="file")
    with path.open("rb") as handle:
        start = handle.read(len(SQLITE_HEADER))
    if start == SQLITE_HEADER:
        with tempfile.TemporaryDirectory(prefix="planner-restore-") as folder:
            copy = Path(folder) / "backup.sqlite"
            shutil.copyfile(path, copy)  # the backup itself is never changed (a migration works on the copy)
            yield _Opened(_check_sqlite(path, copy), copy)
    else:
        yield _Opened(_check_jsonl(path), path)


def _check_sqlite(path: Path, copy: Path) -> Contents:
    """Check that an SQLite file is this store's database at a known revision; migrate the copy to the head."""
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            missing = sorted({table.name for table in TABLES} - names)
            if "alembic_version" not in names or missing:
                raise InputError(f"{path} is an SQLite database but not a backup of the planner's store "
                                 f"(it lacks the table(s) {', '.join(missing or ['alembic_version'])})",
                                 field="file")
            revision = _revision_of(connection)
        _check_revision(path, revision)
        if revision != head_revision():
            migrate(engine)
        with engine.connect() as connection:
            made_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")
            return _contents_of(connection, "sqlite", revision, made_at)
    except InputError:
        raise
    except Exception as error:  # a damaged file: name it rather than show a traceback
        raise InputError(f"{path} cannot be read as a backup ({type(error).__name__}: {error})",
                         field="file") from None
    finally:
        engine.dispose()


def _check_jsonl(path: Path) -> Contents:
    """Check a JSON-lines backup line by line: header, rows of known tables and columns, the end line's counts."""
    rows: dict[str, int] = {table.name: 0 for table in TABLES}
    scenarios: list[tuple[str, int]] = []
    header: dict[str, Any] | None = None
    end: dict[str, Any] | None = None
    with path.open("r", encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                entry = _json_line(path, number, line)
                if header is None:
                    header = _check_header(path, entry)
                    continue
                if end is not None:
                    raise InputError(f"{path}, line {number}: text after the end line", field="file")
                if "end" in entry:
                    end = entry["end"]
                    continue
                table, row = _check_row(path, number, entry)
                rows[table.name] += 1
                if table.name == "scenario":
                    scenarios.append((str(row["name"]), int(row["version"])))
        except UnicodeDecodeError:
            raise InputError(f"{path} is not a planner backup (not UTF-8 text)", field="file") from None
    if header is None:
        raise InputError(f"{path} is empty, not a planner backup", field="file")
    if end != rows:
        raise InputError(f"{path} is incomplete or altered: its rows {rows} do not match its end line {end}",
                         field="file")
    return Contents("jsonl", header["revision"], header.get("made_at"), rows, tuple(sorted(scenarios)))


def _json_line(path: Path, number: int, line: str) -> dict[str, Any]:
    check_depth(line, f"{path} line {number}", field="file")  # before the parser recurses into it
    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        what = "not a planner backup" if number == 1 else f"line {number} is not a JSON object"
        raise InputError(f"{path}: {what}", field="file")
    return entry


def _check_header(path: Path, header: dict[str, Any]) -> dict[str, Any]:
    if header.get("format") != FORMAT:
        raise InputError(f"{path} is not a planner backup (its first line names no {FORMAT!r} format)", field="file")
    if header.get("version") != FORMAT_VERSION:
        raise InputError(f"{path} is a backup of format version {header.get('version')!r}; this planner reads "
                         f"version {FORMAT_VERSION}", field="file")
    revision = str(header.get("revision"))
    _check_revision(path, revision)
    if revision != head_revision():
        raise InputError(f"{path} holds schema revision {revision}, and a JSON-lines backup is restored at the "
                         f"revision it was made with only ({head_revision()} here): restore it with the planner "
                         "version that made it, then back up again", field="file")
    return header


def _check_row(path: Path, number: int, entry: dict[str, Any]) -> tuple[Table, dict[str, Any]]:
    table = Base.metadata.tables.get(str(entry.get("table")))
    row = entry.get("row")
    if table is None or not isinstance(row, dict):
        raise InputError(f"{path}, line {number}: not a row of the store's tables", field="file")
    columns = {column.name for column in table.columns}
    if set(row) != columns:
        raise InputError(f"{path}, line {number}: a {table.name} row needs the columns {', '.join(sorted(columns))}",
                         field="file")
    try:
        _decoded(table, row)
    except (TypeError, ValueError) as error:
        raise InputError(f"{path}, line {number}: {error}", field="file") from None
    return table, row


def _check_revision(path: Path, revision: str | None) -> None:
    try:
        known = revision is not None and _scripts().get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise InputError(f"{path} holds schema revision {revision!r}, which this version of the planner does not "
                         f"know (it knows up to {head_revision()}): restore it with a newer planner", field="file")


def _sqlite_batches(copy: Path) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            for table in TABLES:
                result = connection.execute(select(table)).mappings()
                while batch := result.fetchmany(BATCH):
                    yield table, [dict(row) for row in batch]
    finally:
        engine.dispose()


def _jsonl_batches(path: Path) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    pending: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES}
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            entry = json.loads(line)
            if number == 1 or "end" in entry:
                continue
            pending[entry["table"]].append(entry["row"])
    for table in TABLES:  # tables in restore order: a record after its scenario, whatever the file's order
        rows = pending[table.name]
        for start in range(0, len(rows), BATCH):
            yield table, [_decoded(table, row) for row in rows[start:start + BATCH]]


# ------------------------------------------------------------------------------------------------
# Writing a backup


def _vacuum_into(store: Store, target: Path) -> None:
    """Copy the SQLite store into a new file in one read snapshot (``VACUUM INTO``; writers go on meanwhile)."""
    connection = store.engine.raw_connection()
    try:
        connection.driver_connection.execute("VACUUM INTO ?", (str(target),))  # type: ignore[union-attr]
    finally:
        connection.close()


def _write_jsonl(store: Store, target: Path) -> None:
    """Write every row as JSON lines from one snapshot (``REPEATABLE READ`` on PostgreSQL, a read on SQLite)."""
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if store.engine.dialect.name == "postgresql" else {}
    with store.engine.connect().execution_options(**options) as connection, \
            target.open("w", encoding="utf-8") as out:
        with connection.begin():
            header = {"format": FORMAT, "version": FORMAT_VERSION, "revision": _revision_of(connection),
                      "made_at": now().isoformat(timespec="seconds"), "database": store.engine.dialect.name}
            out.write(json.dumps(header) + "\n")
            for table in TABLES:
                counts[table.name] = 0
                result = connection.execution_options(yield_per=BATCH).execute(select(table)).mappings()
                for row in result:
                    out.write(json.dumps({"table": table.name, "row": _encoded(table, row)}, ensure_ascii=False)
                              + "\n")
                    counts[table.name] += 1
        out.write(json.dumps({"end": counts}) + "\n")
        out.flush()
        os.fsync(out.fileno())


# ------------------------------------------------------------------------------------------------
# Shared


def _encoded(table: Table, row: Any) -> dict[str, Any]:
    """Return a row as JSON values: moments as ISO text, the rest as they are."""
    return {column.name: (row[column.name].isoformat() if isinstance(column.type, UTCDateTime)
                          and row[column.name] is not None else row[column.name]) for column in table.columns}


def _decoded(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Return a row read from JSON with its moments as aware date-times (ISO text with an offset)."""
    decoded = dict(row)
    for column in table.columns:
        value = decoded[column.name]
        if isinstance(column.type, UTCDateTime) and value is not None:
            moment = dt.datetime.fromisoformat(str(value))
            if moment.tzinfo is None:
                raise ValueError(f"{table.name}.{column.name} {value!r} has no UTC offset")
            decoded[column.name] = moment
    return decoded


def _contents_of(connection: Connection, kind: str, revision: str | None, made_at: str | None) -> Contents:
    rows = {table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0) for table in TABLES}
    scenarios = tuple(sorted((name, version) for name, version in connection.execute(
        select(ScenarioRow.name, ScenarioRow.version))))
    return Contents(kind, revision, made_at, rows, scenarios)


def _revision_of(connection: Connection) -> str | None:
    value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


def _reset_sequences(session: Session) -> None:
    """Move PostgreSQL's id sequences past the restored ids, so new rows get new ids."""
    for table in TABLES:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and keys[0].autoincrement is not False and keys[0].type.python_type is int:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{keys[0].name}'), "
                                 f"COALESCE((SELECT MAX({keys[0].name}) FROM {table.name}), 0) + 1, false)"))


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))
