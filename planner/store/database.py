"""Persistence with SQLAlchemy 2: scenarios and their records, SQLite by default, any URL by ``DATABASE_URL``.

Records are stored as validated JSON documents keyed by (scenario, kind, id) with a version number per
record for optimistic concurrency. Every write is one transaction that re-validates the whole scenario
it produces before it commits (each record, the references between records, the agreements, and every
base and site within the snap limit of the road network: ``planner.scenario.validity``), whichever
door the change came through (form, API, import, CLI), so a bad change raises ``InputError`` naming the
record and the field and leaves what was stored untouched; the
same transaction writes the audit entry (who, when, before and after), so the log never disagrees
with the data.

Concurrent writers: every update and delete of a record or document is one conditional statement
(``UPDATE record SET ..., version = version + 1 WHERE id = ? AND version = ?``, its row count checked), so of
several editors who read the same version exactly one saves and the others get ``ConflictError`` naming
the current version. A write to a scenario first locks the scenario's row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's write transactions take its one write lock when they begin), so the whole-scenario
check always sees every committed change, and the scenario's version grows by one statement
(``version = version + 1``) with each change. A create that meets an equal key created at the same moment
gets ``ConflictError``, never a duplicate. Transient lock and serialization errors are retried
(:mod:`planner.store.engine`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from planner.clock import now, zone
from planner.errors import InputError, NotFoundError
from planner.model.agreements import parse_agreement
from planner.model.records import RECORD_TYPES, parse_record
from planner.scenario.jurisdictions import AGREEMENTS, record_jurisdiction
from planner.scenario.model import Scenario
from planner.scenario.validity import check_scenario
from planner.settings import database_url
from planner.store.documents import check_collection, registered
from planner.store.engine import for_writes, is_unique_violation, make_engine, retrying
from planner.store.migrate import migrate
from planner.store.scope import Scope, check_scope
from planner.store.tables import AuditRow, RecordRow, ScenarioRow

RECORD_KINDS = (*RECORD_TYPES, AGREEMENTS)
"""What makes up a scenario (the rest of its rows are documents: settings and history)."""
SETTINGS_ID = "default"
"""Id of a scenario's one document of each settings kind."""
MAX_VERSION = 2**31 - 1
"""Highest version a record or document can reach (the column is a 32-bit integer on every database)."""
MAX_ID = 80
"""Longest id of a record, document or scenario name, in characters (the columns' width)."""
MAX_TITLE = 200
"""Longest scenario title, in characters (the column's width)."""
T = TypeVar("T")


class ConflictError(InputError):
    """The record changed since the caller read it: a second editor must reload, not overwrite.

    ``current_version`` is the version stored now (None when the record no longer exists).
    """

    def __init__(self, message: str, *, field: str | None = None, record: str | None = None,
                 current_version: int | None = None) -> None:
        super().__init__(message, field=field, record=record)
        self.current_version = current_version


@dataclass(frozen=True)
class DocumentChange:
    """One document to store by :meth:`Store.put_documents`: its collection, id, data and the version read.

    ``expected_version`` is the version the writer read (None: the document must not exist yet);
    ``replace`` stores it whatever its version (settings loaded from a folder).
    """

    collection: str
    doc_id: str
    data: Any
    expected_version: int | None = None
    replace: bool = False


class Store:
    """Scenario storage on one database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = make_engine(self.url)
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(for_writes(self.engine), expire_on_commit=False)
        migrate(for_writes(self.engine))

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Open a session that reads one consistent snapshot and writes nothing."""
        with self._reads() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Open a write transaction that commits at the end, or rolls back on any error.

        On SQLite it takes the write lock when it begins. It is not retried: :meth:`write` is.
        """
        with self._writes.begin() as session:
            yield session

    def write(self, work: Callable[[Session], T], *, creates: str | None = None) -> T:
        """Run ``work(session)`` in one write transaction, again after a transient lock or serialization error.

        ``work`` must change nothing outside the database (a failed attempt runs again). ``creates`` names
        what it creates (``"user 'li'"``): a unique key met at the same moment by another writer raises
        ``ConflictError`` naming it, never a duplicate row or an integrity error.
        """

        def attempt() -> T:
            try:
                with self.transaction() as session:
                    return work(session)
            except IntegrityError as error:
                if not is_unique_violation(error):
                    raise
                raise ConflictError(f"{creates or 'the same key'} was created by someone else at the same moment; "
                                    "reload and try again") from None

        return retrying(attempt)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def is_empty(self) -> bool:
        """Tell whether no scenario is stored yet."""
        with self.reading() as session:
            return session.scalar(select(ScenarioRow.id).limit(1)) is None

    def list_scenarios(self) -> list[dict[str, Any]]:
        """Name, title, version and record counts of every stored scenario."""
        with self.reading() as session:
            rows = session.scalars(select(ScenarioRow).order_by(ScenarioRow.name)).all()
            counted = session.execute(select(RecordRow.scenario_id, RecordRow.kind, func.count())
                                      .group_by(RecordRow.scenario_id, RecordRow.kind)).all()
            counts: dict[int, dict[str, int]] = {}
            for scenario_id, kind, count in counted:
                counts.setdefault(scenario_id, {})[kind] = count
            return [{"name": row.name, "title": row.title, "version": row.version, "counts": counts.get(row.id, {})}
                    for row in rows]

    def scenario_zone(self, name: str) -> ZoneInfo:
        """Return a stored scenario's time zone (``timezone`` of its metadata) without loading its records."""
        with self.reading() as session:
            return zone(self._scenario_row(session, name).meta.get("timezone"))

    def scenario_zones(self) -> dict[str, ZoneInfo]:
        """Return the time zone of every stored scenario, by name (to show each one's times in its zone)."""
        with self.reading() as session:
            return {name: zone((meta or {}).get("timezone"))
                    for name, meta in session.execute(select(ScenarioRow.name, ScenarioRow.meta))}

    def save_scenario(self, scenario: Scenario, *, replace: bool = False, settings: Mapping[str, Any] | None = None,
                      actor: str = "system") -> None:
        """Store a validated scenario in one transaction; refuses to overwrite unless ``replace``.

        ``settings`` (settings documents by name, checked by their owners) replace the scenario's settings
        documents in the same transaction (see :meth:`replace_settings`), so a reader, or a process killed
        half-way, never sees the new records with the old settings. Documents of the history (programmes,
        evaluations, ...) survive a replace.
        """
        check_text([scenario.name, dict(scenario.meta), list(scenario.agreements)], "scenario")
        if len(scenario.name) > MAX_ID:
            raise InputError(f"scenario name {scenario.name[:20]!r}...: at most {MAX_ID} characters", field="name")
        if len(scenario.title) > MAX_TITLE:
            raise InputError(f"scenario {scenario.name}: title: at most {MAX_TITLE} characters", field="title")
        check_scenario(scenario)
        rows = [(kind, record.id, record.model_dump(mode="json")) for kind in RECORD_TYPES
                for record in scenario.records(kind)]
        rows += [(AGREEMENTS, _agreement_id(agreement), dict(agreement)) for agreement in scenario.agreements]
        for kind, _, data in rows:
            check_text(data, kind)
        self._check_settings(settings)

        def work(session: Session) -> None:
            row = self._find_scenario_row(session, scenario.name, lock=True)
            existed = row is not None
            if row is not None and not replace:
                raise InputError(f"scenario {scenario.name!r} exists already (use replace)", field="name")
            if row is None:
                row = ScenarioRow(name=scenario.name, title=scenario.title, meta=dict(scenario.meta), version=1,
                                  updated_at=now())
                session.add(row)
                session.flush()
            else:
                session.execute(delete(RecordRow).where(RecordRow.scenario_id == row.id,
                                                        RecordRow.kind.in_(RECORD_KINDS)))
                self._bump(session, row.id, title=scenario.title, meta=dict(scenario.meta))
            stamp = now()
            session.add_all(RecordRow(scenario_id=row.id, kind=kind, record_id=record_id, version=1, data=data,
                                      updated_at=stamp) for kind, record_id, data in rows)
            session.add(AuditRow(actor=actor, action="replace" if existed else "load",
                                 scenario=scenario.name, after={"counts": scenario.counts()}))
            if settings is not None:
                self._replace_settings(session, row, settings, actor)

        self.write(work, creates=f"scenario {scenario.name!r}")

    def load_scenario(self, name: str) -> Scenario:
        """Read a stored scenario back as validated records."""
        with self.reading() as session:
            row = self._scenario_row(session, name)
            return self._assemble(row, session.execute(
                select(RecordRow.kind, RecordRow.data).where(RecordRow.scenario_id == row.id,
                                                             RecordRow.kind.in_(RECORD_KINDS))
                .order_by(RecordRow.id)).all())

    def scenario_version(self, name: str) -> int:
        """Return the scenario's version: it grows with every change, so caches can key on it."""
        with self.reading() as session:
            check_text(name, "scenario")
            version = session.scalar(select(ScenarioRow.version).where(ScenarioRow.name == name))
            if version is None:
                raise NotFoundError(f"no stored scenario named {name!r}", field="scenario")
            return version

    def delete_scenario(self, name: str, *, actor: str = "system") -> None:
        """Remove a scenario and all its records and documents."""

        def work(session: Session) -> None:
            row = self._scenario_row(session, name, lock=True)
            session.execute(delete(RecordRow).where(RecordRow.scenario_id == row.id))
            session.execute(delete(ScenarioRow).where(ScenarioRow.id == row.id),
                            execution_options={"synchronize_session": False})
            session.expunge(row)
            session.add(AuditRow(actor=actor, action="delete", scenario=name))

        self.write(work)

    def record_versions(self, name: str, kind: str) -> dict[str, int]:
        """Return the version of every record of a kind, for edit forms that check for conflicts."""
        with self.reading() as session:
            row = self._scenario_row(session, name)
            rows = session.execute(select(RecordRow.record_id, RecordRow.version).where(
                RecordRow.scenario_id == row.id, RecordRow.kind == kind)).all()
            return {rid: version for rid, version in rows}

    def put_record(self, name: str, kind: str, data: Mapping[str, Any], *,
                   expected_version: int | None = None, actor: str = "system", scope: Scope | None = None) -> int:
        """Create or update one record after checking the whole scenario stays consistent.

        ``expected_version`` is the version the editor read (``None`` to create): the update is conditional
        on it, so a record changed since raises ``ConflictError`` naming the current version and nothing is
        written. ``scope`` is the acting user's: the record must belong to their jurisdiction before and
        after the change (:func:`planner.store.scope.check_scope`; None for the system). Returns the
        record's new version.
        """
        self._check_kind(kind)
        check_version(expected_version)
        record_id = str(data.get("id", ""))

        def work(session: Session) -> int:
            scenario_row = self._scenario_row(session, name, lock=True)
            existing = self._record_row(session, scenario_row.id, kind, record_id)
            if (existing is None) != (expected_version is None):  # a create of an existing id, or a deleted record
                raise _conflict(kind, record_id, existing.version if existing else None, expected_version)
            document = self._validated_document(kind, data)
            if existing is None:
                before, version = None, self._insert_row(session, scenario_row.id, kind, record_id, document).version
            else:
                self._check_scope(scope, self._current(session, scenario_row), kind, existing.data)
                before = dict(existing.data)
                version = self._update_row(session, existing, document, expected_version)
            self._check_scope(scope, self._revalidate(session, scenario_row), kind, document)
            session.add(AuditRow(actor=actor, action="update" if before is not None else "create", scenario=name,
                                 kind=kind, record_id=record_id, before=before, after=document))
            return version

        return self.write(work, creates=f"{kind} {record_id!r}")

    def delete_record(self, name: str, kind: str, record_id: str, *, expected_version: int | None = None,
                      actor: str = "system", scope: Scope | None = None) -> None:
        """Delete one record unless others still refer to it (the scenario is re-validated first).

        With ``expected_version`` the delete is conditional on it (``ConflictError`` when the record changed);
        ``scope`` must hold the record's jurisdiction (see :meth:`put_record`).
        """
        self._check_kind(kind)
        check_version(expected_version)

        def work(session: Session) -> None:
            scenario_row = self._scenario_row(session, name, lock=True)
            existing = self._record_row(session, scenario_row.id, kind, record_id)
            if existing is None:
                raise NotFoundError(f"{kind} {record_id!r} does not exist", field="id", record=record_id)
            self._check_scope(scope, self._current(session, scenario_row), kind, existing.data)
            before = dict(existing.data)
            self._delete_row(session, existing, expected_version)
            self._revalidate(session, scenario_row)
            session.add(AuditRow(actor=actor, action="delete", scenario=name, kind=kind, record_id=record_id,
                                 before=before))

        self.write(work)

    def audit_log(self, *, scenario: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Most recent changes first: who, when, what, before and after."""
        with self.reading() as session:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if scenario is not None:
                query = query.where(AuditRow.scenario == scenario)
            return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                     "scenario": r.scenario, "kind": r.kind, "record_id": r.record_id,
                     "before": r.before, "after": r.after} for r in session.scalars(query)]

    def get_record(self, name: str, kind: str, record_id: str) -> tuple[dict[str, Any], int]:
        """One stored record's document and version."""
        self._check_kind(kind)
        with self.reading() as session:
            scenario_row = self._scenario_row(session, name)
            row = self._record_row(session, scenario_row.id, kind, record_id)
            if row is None:
                raise NotFoundError(f"{kind} {record_id!r} does not exist", field="id", record=record_id)
            return dict(row.data), row.version

    def import_records(self, name: str, kind: str, documents: list[Mapping[str, Any]], *,
                       actor: str = "system", scope: Scope | None = None) -> dict[str, int]:
        """Create or replace many records by id in one transaction (all or nothing).

        Returns how many were created and updated. The scenario is re-validated with all of them in;
        ``scope`` must hold every replaced record before and every imported one after (see :meth:`put_record`).
        """
        self._check_kind(kind)
        checked = [(str(data.get("id", "")), self._validated_document(kind, data)) for data in documents]

        def work(session: Session) -> dict[str, int]:
            counts = {"created": 0, "updated": 0}
            scenario_row = self._scenario_row(session, name, lock=True)
            existing = {r.record_id: r for r in session.scalars(select(RecordRow).where(
                RecordRow.scenario_id == scenario_row.id, RecordRow.kind == kind))}
            if scope is not None:
                current = self._current(session, scenario_row)
                for record_id, _ in checked:
                    if record_id in existing:
                        self._check_scope(scope, current, kind, existing[record_id].data)
            for record_id, document in checked:
                row = existing.get(record_id)
                if row is None:
                    existing[record_id] = self._insert_row(session, scenario_row.id, kind, record_id, document)
                    before = None
                else:
                    before = dict(row.data)
                    self._update_row(session, row, document, row.version)
                counts["updated" if before is not None else "created"] += 1
                session.add(AuditRow(actor=actor, action="import", scenario=name, kind=kind, record_id=record_id,
                                     before=before, after=document))
            after = self._revalidate(session, scenario_row)
            for _, document in checked:
                self._check_scope(scope, after, kind, document)
            return counts

        return self.write(work, creates=f"{kind} records")

    def put_document(self, name: str, collection: str, doc_id: str, data: Any, *,
                     expected_version: int | None = None, replace: bool = False, actor: str = "system") -> int:
        """Create or update a scenario document; ``replace`` skips the version check (settings files).

        The caller validates ``data`` (the owning module's parser) before it comes here. The update is
        conditional on ``expected_version`` (None: the document must not exist yet).
        """
        return self.put_documents(name, [DocumentChange(collection, doc_id, data, expected_version, replace)],
                                  actor=actor)[0]

    def put_documents(self, name: str, changes: Sequence[DocumentChange], *, actor: str = "system") -> list[int]:
        """Store several documents of a scenario in one transaction (all or none); return their new versions.

        Each change is conditional on its ``expected_version`` (see :class:`DocumentChange`): one stale
        version raises ``ConflictError`` and nothing is written.
        """
        for change in changes:
            check_collection(change.collection)
            check_version(change.expected_version)
            check_text([change.doc_id, change.data], change.collection)

        def work(session: Session) -> list[int]:
            scenario_row = self._scenario_row(session, name, lock=True)
            return [self._store_document(session, scenario_row, change, actor) for change in changes]

        what = ", ".join(f"{c.collection} {c.doc_id!r}" for c in changes[:3]) + (" ..." if len(changes) > 3 else "")
        return self.write(work, creates=what)

    def replace_settings(self, name: str, documents: Mapping[str, Any], *, actor: str = "system") -> None:
        """Put checked settings documents in place of the scenario's, in one transaction.

        Registered settings documents the mapping lacks are removed, so a scenario loaded again from its
        folder has exactly the folder's settings.
        """
        self._check_settings(documents)

        def work(session: Session) -> None:
            self._replace_settings(session, self._scenario_row(session, name, lock=True), documents, actor)

        self.write(work)

    def documents(self, name: str, collection: str) -> list[tuple[str, Any, int]]:
        """``(id, data, version)`` of every document in a collection, oldest first."""
        check_collection(collection)
        with self.reading() as session:
            scenario_row = self._scenario_row(session, name)
            rows = session.execute(select(RecordRow.record_id, RecordRow.data, RecordRow.version).where(
                RecordRow.scenario_id == scenario_row.id, RecordRow.kind == collection).order_by(RecordRow.id))
            return [(doc_id, data, version) for doc_id, data, version in rows]

    def get_document(self, name: str, collection: str, doc_id: str) -> tuple[Any, int]:
        """One document's data and version."""
        check_collection(collection)
        with self.reading() as session:
            row = self._record_row(session, self._scenario_row(session, name).id, collection, doc_id)
            if row is None:
                raise NotFoundError(f"{collection} {doc_id!r} does not exist", field="id", record=doc_id)
            return row.data, row.version

    def delete_document(self, name: str, collection: str, doc_id: str, *, expected_version: int | None = None,
                        actor: str = "system") -> None:
        """Remove one document; with ``expected_version`` only if it is still that version."""
        check_collection(collection)
        check_version(expected_version)

        def work(session: Session) -> None:
            scenario_row = self._scenario_row(session, name, lock=True)
            row = self._record_row(session, scenario_row.id, collection, doc_id)
            if row is None:
                raise NotFoundError(f"{collection} {doc_id!r} does not exist", field="id", record=doc_id)
            self._delete_document(session, row, expected_version, name, actor)

        self.write(work)

    # --------------------------------------------------------------------------------------------
    # Inside a write transaction

    def _store_document(self, session: Session, scenario_row: ScenarioRow, change: DocumentChange,
                        actor: str) -> int:
        """Insert or conditionally update one document and audit it; return its new version."""
        row = self._record_row(session, scenario_row.id, change.collection, change.doc_id)
        if row is None:
            if change.expected_version is not None and not change.replace:
                raise _conflict(change.collection, change.doc_id, None, change.expected_version)
            before = None
            version = self._insert_row(session, scenario_row.id, change.collection, change.doc_id, change.data).version
        else:
            if change.expected_version is None and not change.replace:
                raise ConflictError(f"{change.collection} {change.doc_id!r} exists already (version {row.version}): "
                                    "send the version you read to change it", field="version", record=change.doc_id,
                                    current_version=row.version)
            before = row.data
            version = self._update_row(session, row, change.data, None if change.replace else change.expected_version)
        session.add(AuditRow(actor=actor, action="update" if before is not None else "create",
                             scenario=scenario_row.name, kind=change.collection, record_id=change.doc_id,
                             before=_audit_view(before), after=_audit_view(change.data)))
        return version

    def _delete_document(self, session: Session, row: RecordRow, expected_version: int | None, name: str,
                         actor: str) -> None:
        """Conditionally delete one document and audit it."""
        before = _audit_view(row.data)
        self._delete_row(session, row, expected_version)
        session.add(AuditRow(actor=actor, action="delete", scenario=name, kind=row.kind, record_id=row.record_id,
                             before=before))

    def _replace_settings(self, session: Session, scenario_row: ScenarioRow, documents: Mapping[str, Any],
                          actor: str) -> None:
        """Store each settings document given and delete the registered ones not given."""
        for document_name, data in documents.items():
            self._store_document(session, scenario_row, DocumentChange(document_name, SETTINGS_ID, data, replace=True),
                                 actor)
        for document in registered():
            if document.name not in documents:
                row = self._record_row(session, scenario_row.id, document.name, SETTINGS_ID)
                if row is not None:
                    self._delete_document(session, row, None, scenario_row.name, actor)

    @staticmethod
    def _insert_row(session: Session, scenario_id: int, kind: str, record_id: str, data: Any) -> RecordRow:
        """Insert a record or document at version 1 (the unique key refuses a second one with its id)."""
        row = RecordRow(scenario_id=scenario_id, kind=kind, record_id=record_id, version=1, data=data,
                        updated_at=now())
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _update_row(session: Session, row: RecordRow, data: Any, expected_version: int | None) -> int:
        """``UPDATE record SET data, version = version + 1 WHERE id = ? AND version = ?``; return the new version.

        No row updated (the version moved on, or the row is gone) raises ``ConflictError`` with the version
        stored now. ``expected_version`` None updates whatever the version (a settings file replaced).
        """
        statement = update(RecordRow).where(RecordRow.id == row.id)
        if expected_version is not None:
            statement = statement.where(RecordRow.version == expected_version)
        version = session.execute(statement.values(data=data, version=RecordRow.version + 1, updated_at=now())
                                  .returning(RecordRow.version), execution_options={"synchronize_session": False}
                                  ).scalar_one_or_none()
        kind, record_id = row.kind, row.record_id
        session.expire(row)
        if version is None:
            current = session.scalar(select(RecordRow.version).where(RecordRow.id == row.id))
            raise _conflict(kind, record_id, current, expected_version)
        return int(version)

    @staticmethod
    def _delete_row(session: Session, row: RecordRow, expected_version: int | None) -> None:
        """``DELETE FROM record WHERE id = ? AND version = ?`` (any version when None); row count checked."""
        statement = delete(RecordRow).where(RecordRow.id == row.id)
        if expected_version is not None:
            statement = statement.where(RecordRow.version == expected_version)
        deleted = session.execute(statement, execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]
        kind, record_id = row.kind, row.record_id
        session.expunge(row)
        if deleted != 1:
            current = session.scalar(select(RecordRow.version).where(RecordRow.id == row.id))
            raise _conflict(kind, record_id, current, expected_version)

    @staticmethod
    def _bump(session: Session, scenario_id: int, **values: Any) -> None:
        """``UPDATE scenario SET version = version + 1`` (and ``values``): one statement, so no increment is lost."""
        session.execute(update(ScenarioRow).where(ScenarioRow.id == scenario_id)
                        .values(version=ScenarioRow.version + 1, updated_at=now(), **values),
                        execution_options={"synchronize_session": False})

    def _revalidate(self, session: Session, scenario_row: ScenarioRow) -> Scenario:
        """Check the scenario as it stands in this transaction (``check_scenario``), count the change, return it."""
        scenario = self._current(session, scenario_row)
        check_scenario(scenario)
        self._bump(session, scenario_row.id)
        return scenario

    def _current(self, session: Session, scenario_row: ScenarioRow) -> Scenario:
        """Return the scenario as it stands in this transaction."""
        rows = session.execute(select(RecordRow.kind, RecordRow.data).where(
            RecordRow.scenario_id == scenario_row.id, RecordRow.kind.in_(RECORD_KINDS))).all()
        return self._assemble(scenario_row, rows)

    @staticmethod
    def _check_scope(scope: Scope | None, scenario: Scenario, kind: str, data: Mapping[str, Any]) -> None:
        """Refuse (403) a record write outside the user's jurisdiction: the store's door to ``check_scope``."""
        if scope is not None:
            check_scope(scope, scenario, record_jurisdiction(scenario, kind, data),
                        what=f"{kind} {data.get('id')!r}", permission="edit_inventory")

    @staticmethod
    def _check_settings(documents: Mapping[str, Any] | None) -> None:
        for document_name, data in (documents or {}).items():
            check_collection(document_name)
            check_text([data], document_name)

    @staticmethod
    def _validated_document(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        check_text(dict(data), kind)
        if kind == AGREEMENTS:
            parse_agreement(dict(data), record=f"agreement {_agreement_id(data)}")
            return dict(data)
        return parse_record(RECORD_TYPES[kind], dict(data)).model_dump(mode="json")

    @staticmethod
    def _check_kind(kind: str) -> None:
        if kind not in RECORD_KINDS:
            raise InputError(f"unknown record kind {kind!r}", field="kind")

    @staticmethod
    def _record_row(session: Session, scenario_id: int, kind: str, record_id: str) -> RecordRow | None:
        """Return one stored record or document of a scenario, or None."""
        return session.scalar(select(RecordRow).where(
            RecordRow.scenario_id == scenario_id, RecordRow.kind == kind, RecordRow.record_id == record_id))

    @staticmethod
    def _find_scenario_row(session: Session, name: str, *, lock: bool = False) -> ScenarioRow | None:
        """Return a scenario's row or None; ``lock`` locks it until the transaction ends (on PostgreSQL)."""
        check_text(name, "scenario")
        query = select(ScenarioRow).where(ScenarioRow.name == name)
        return session.scalar(query.with_for_update() if lock else query)

    @classmethod
    def _scenario_row(cls, session: Session, name: str, *, lock: bool = False) -> ScenarioRow:
        """Return a scenario's row (see :meth:`_find_scenario_row`); ``NotFoundError`` when there is none."""
        row = cls._find_scenario_row(session, name, lock=lock)
        if row is None:
            raise NotFoundError(f"no stored scenario named {name!r}", field="scenario")
        return row

    @staticmethod
    def _assemble(row: ScenarioRow, records: Any) -> Scenario:
        grouped: dict[str, list[Any]] = {kind: [] for kind in RECORD_TYPES}
        agreements = []
        for record in records:
            if record.kind == AGREEMENTS:
                agreements.append(record.data)
            elif record.kind in grouped:  # any other kind is a document (planner.store.documents)
                grouped[record.kind].append(parse_record(RECORD_TYPES[record.kind], record.data,
                                                         where=f"stored {record.kind}"))
        meta = dict(row.meta or {})
        return Scenario.build(row.name, meta, grouped, agreements)


def _conflict(kind: str, record_id: str, current: int | None, expected: int | None) -> ConflictError:
    """Return the conflict of an edit of version ``expected`` when ``current`` is stored (None: nothing is)."""
    if expected is None:
        return ConflictError(f"{kind} {record_id!r} exists already (version {current})", field="id",
                             record=record_id, current_version=current)
    if current is None:
        return ConflictError(f"{kind} {record_id!r} was deleted by someone else (you edited version {expected}); "
                             "reload the list", field="version", record=record_id, current_version=None)
    return ConflictError(f"{kind} {record_id!r} was changed by someone else (version {current}, you edited "
                         f"{expected}); reload it and apply your change again", field="version", record=record_id,
                         current_version=current)


def _agreement_id(data: Mapping[str, Any]) -> str:
    """Return an agreement's id, the key it is stored under; refuse a missing, empty or over-long one."""
    agreement_id = data.get("id")
    if not isinstance(agreement_id, str) or not 1 <= len(agreement_id) <= MAX_ID:
        raise InputError(f"agreement {str(agreement_id)[:40]!r}: id: an agreement is stored by its id, a text of 1 to "
                         f"{MAX_ID} characters (lender {data.get('lender')!r}, borrower {data.get('borrower')!r})",
                         field="id", record=str(agreement_id or ""))
    return agreement_id


def _audit_view(data: Any) -> dict[str, Any] | None:
    """Return a document as the audit log keeps it: mappings as they are, anything else wrapped."""
    if data is None or isinstance(data, dict):
        return data
    return {"value": data}


def check_version(version: int | None) -> None:
    """Refuse a version the editor cannot have read: below 1 or above :data:`MAX_VERSION` (None: not given)."""
    if version is not None and not 1 <= version <= MAX_VERSION:
        raise InputError(f"version: {version} is not a version (1 to {MAX_VERSION:,})", field="version")


def check_text(value: Any, field: str) -> None:
    """Refuse NUL characters anywhere in ``value`` (PostgreSQL cannot store them; SQLite would hide them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(f"{field}: text must not contain NUL characters", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field)
            check_text(item, f"{field}.{key}")
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_text(item, field)
