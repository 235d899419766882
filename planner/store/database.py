"""Persistence with SQLAlchemy 2: scenarios and their records, SQLite by default, any URL by ``DATABASE_URL``.

Records are stored as validated JSON documents keyed by (scenario, kind, id) with a version number per
record for optimistic concurrency. Every write is one transaction that re-validates the whole scenario
before it commits, so a bad change raises ``InputError`` and leaves what was stored untouched; the
same transaction writes the audit entry (who, when, before and after), so the log never disagrees
with the data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from planner.clock import now, zone
from planner.errors import InputError, NotFoundError
from planner.model.records import RECORD_TYPES, parse_record
from planner.scenario.model import Scenario
from planner.settings import database_url
from planner.store.documents import check_collection
from planner.store.tables import AuditRow, RecordRow, ScenarioRow

AGREEMENTS = "agreements"

class ConflictError(InputError):
    """The record changed since the caller read it: a second editor must reload, not overwrite."""


class Store:
    """Scenario storage on one database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Imported here: Alembic (with Mako and Pygments) adds about 0.3 s to every CLI start, --help included
        # (python -X importtime), and only an opened store needs it.
        from planner.store.migrate import migrate

        migrate(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Open a session whose changes commit together at the end, or roll back on any error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def is_empty(self) -> bool:
        """Tell whether no scenario is stored yet."""
        with self._sessions() as session:
            return session.scalar(select(ScenarioRow.id).limit(1)) is None

    def list_scenarios(self) -> list[dict[str, Any]]:
        """Name, title, version and record counts of every stored scenario."""
        with self._sessions() as session:
            rows = session.scalars(select(ScenarioRow).order_by(ScenarioRow.name)).all()
            result = []
            for row in rows:
                counts: dict[str, int] = {}
                for kind in session.scalars(select(RecordRow.kind).where(RecordRow.scenario_id == row.id)):
                    counts[kind] = counts.get(kind, 0) + 1
                result.append({"name": row.name, "title": row.title, "version": row.version, "counts": counts})
            return result

    def scenario_zone(self, name: str) -> ZoneInfo:
        """Return a stored scenario's time zone (``timezone`` of its metadata) without loading its records."""
        with self._sessions() as session:
            return zone(self._scenario_row(session, name).meta.get("timezone"))

    def scenario_zones(self) -> dict[str, ZoneInfo]:
        """Return the time zone of every stored scenario, by name (to show each one's times in its zone)."""
        with self._sessions() as session:
            return {name: zone((meta or {}).get("timezone"))
                    for name, meta in session.execute(select(ScenarioRow.name, ScenarioRow.meta))}

    def save_scenario(self, scenario: Scenario, *, replace: bool = False, actor: str = "system") -> None:
        """Store a validated scenario in one transaction; refuses to overwrite unless ``replace``."""
        check_text([scenario.name, dict(scenario.meta), list(scenario.agreements)], "scenario")
        for kind in RECORD_TYPES:
            check_text([r.model_dump(mode="json") for r in scenario.records(kind)], kind)
        with self.transaction() as session:
            row = session.scalar(select(ScenarioRow).where(ScenarioRow.name == scenario.name))
            if row is not None and not replace:
                raise InputError(f"scenario {scenario.name!r} exists already (use replace)", field="name")
            if row is None:
                row = ScenarioRow(name=scenario.name, version=0)
                session.add(row)
            else:
                session.execute(delete(RecordRow).where(RecordRow.scenario_id == row.id,
                                                        RecordRow.kind.in_([*RECORD_TYPES, AGREEMENTS])))
            row.title = scenario.title
            row.meta = dict(scenario.meta)
            row.version += 1
            row.updated_at = now()
            session.flush()
            for kind in RECORD_TYPES:
                for record in scenario.records(kind):
                    session.add(RecordRow(scenario_id=row.id, kind=kind, record_id=record.id,
                                          data=record.model_dump(mode="json")))
            for agreement in scenario.agreements:
                session.add(RecordRow(scenario_id=row.id, kind=AGREEMENTS, record_id=str(agreement["id"]),
                                      data=dict(agreement)))
            session.add(AuditRow(actor=actor, action="replace" if row.version > 1 else "load",
                                 scenario=scenario.name, after={"counts": scenario.counts()}))

    def load_scenario(self, name: str) -> Scenario:
        """Read a stored scenario back as validated records."""
        with self._sessions() as session:
            row = self._scenario_row(session, name)
            return self._assemble(row, session.scalars(
                select(RecordRow).where(RecordRow.scenario_id == row.id).order_by(RecordRow.id)).all())

    def scenario_version(self, name: str) -> int:
        """Return the scenario's version: it grows with every change, so caches can key on it."""
        with self._sessions() as session:
            return self._scenario_row(session, name).version

    def delete_scenario(self, name: str, *, actor: str = "system") -> None:
        """Remove a scenario and all its records."""
        with self.transaction() as session:
            row = self._scenario_row(session, name)
            session.execute(delete(RecordRow).where(RecordRow.scenario_id == row.id))
            session.delete(row)
            session.add(AuditRow(actor=actor, action="delete", scenario=name))

    def record_versions(self, name: str, kind: str) -> dict[str, int]:
        """Return the version of every record of a kind, for edit forms that check for conflicts."""
        with self._sessions() as session:
            row = self._scenario_row(session, name)
            rows = session.execute(select(RecordRow.record_id, RecordRow.version).where(
                RecordRow.scenario_id == row.id, RecordRow.kind == kind)).all()
            return {rid: version for rid, version in rows}

    def put_record(self, name: str, kind: str, data: Mapping[str, Any], *,
                   expected_version: int | None = None, actor: str = "system") -> int:
        """Create or update one record after checking the whole scenario stays consistent.

        ``expected_version`` is the version the editor read (``None`` to create): a mismatch raises
        ``ConflictError`` and nothing is written. Returns the record's new version.
        """
        self._check_kind(kind)
        record_id = str(data.get("id", ""))
        with self.transaction() as session:
            scenario_row = self._scenario_row(session, name)
            existing = self._record_row(session, scenario_row, kind, record_id)
            current = existing.version if existing is not None else None
            if current != expected_version:
                if expected_version is None:
                    raise ConflictError(f"{kind} {record_id!r} exists already", field="id", record=record_id)
                raise ConflictError(
                    f"{kind} {record_id!r} was changed by someone else (version {current}, you edited "
                    f"{expected_version}); reload it and apply your change again", field="version", record=record_id)
            document = self._validated_document(kind, data)
            before = dict(existing.data) if existing is not None else None
            if existing is None:
                existing = RecordRow(scenario_id=scenario_row.id, kind=kind, record_id=record_id, version=0,
                                     data=document)
                session.add(existing)
            existing.data = document
            existing.version += 1
            existing.updated_at = now()
            session.flush()
            self._revalidate(session, scenario_row)
            session.add(AuditRow(actor=actor, action="update" if before is not None else "create", scenario=name,
                                 kind=kind, record_id=record_id, before=before, after=document))
            return existing.version

    def delete_record(self, name: str, kind: str, record_id: str, *, expected_version: int | None = None,
                      actor: str = "system") -> None:
        """Delete one record unless others still refer to it (the scenario is re-validated first)."""
        self._check_kind(kind)
        with self.transaction() as session:
            scenario_row = self._scenario_row(session, name)
            existing = self._record_row(session, scenario_row, kind, record_id)
            if existing is None:
                raise NotFoundError(f"{kind} {record_id!r} does not exist", field="id", record=record_id)
            if expected_version is not None and existing.version != expected_version:
                raise ConflictError(f"{kind} {record_id!r} was changed by someone else; reload it first",
                                    field="version", record=record_id)
            before = dict(existing.data)
            session.delete(existing)
            session.flush()
            self._revalidate(session, scenario_row)
            session.add(AuditRow(actor=actor, action="delete", scenario=name, kind=kind, record_id=record_id,
                                 before=before))

    def audit_log(self, *, scenario: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Most recent changes first: who, when, what, before and after."""
        with self._sessions() as session:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if scenario is not None:
                query = query.where(AuditRow.scenario == scenario)
            return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                     "scenario": r.scenario, "kind": r.kind, "record_id": r.record_id,
                     "before": r.before, "after": r.after} for r in session.scalars(query)]

    def get_record(self, name: str, kind: str, record_id: str) -> tuple[dict[str, Any], int]:
        """One stored record's document and version."""
        self._check_kind(kind)
        with self._sessions() as session:
            scenario_row = self._scenario_row(session, name)
            row = self._record_row(session, scenario_row, kind, record_id)
            if row is None:
                raise NotFoundError(f"{kind} {record_id!r} does not exist", field="id", record=record_id)
            return dict(row.data), row.version

    def import_records(self, name: str, kind: str, documents: list[Mapping[str, Any]], *,
                       actor: str = "system") -> dict[str, int]:
        """Create or replace many records by id in one transaction (all or nothing).

        Returns how many were created and updated. The scenario is re-validated with all of them in.
        """
        self._check_kind(kind)
        counts = {"created": 0, "updated": 0}
        with self.transaction() as session:
            scenario_row = self._scenario_row(session, name)
            existing = {r.record_id: r for r in session.scalars(select(RecordRow).where(
                RecordRow.scenario_id == scenario_row.id, RecordRow.kind == kind))}
            for data in documents:
                record_id = str(data.get("id", ""))
                document = self._validated_document(kind, data)
                row = existing.get(record_id)
                before = dict(row.data) if row is not None else None
                if row is None:
                    row = existing[record_id] = RecordRow(scenario_id=scenario_row.id, kind=kind,
                                                          record_id=record_id, version=0, data=document)
                    session.add(row)
                row.data = document
                row.version += 1
                row.updated_at = now()
                counts["updated" if before is not None else "created"] += 1
                session.add(AuditRow(actor=actor, action="import", scenario=name, kind=kind, record_id=record_id,
                                     before=before, after=document))
            session.flush()
            self._revalidate(session, scenario_row)
        return counts

    def put_document(self, name: str, collection: str, doc_id: str, data: Any, *,
                     expected_version: int | None = None, replace: bool = False, actor: str = "system") -> int:
        """Create or update a scenario document; ``replace`` skips the version check (settings files).

        The caller validates ``data`` (the owning module's parser) before it comes here.
        """
        check_collection(collection)
        check_text([doc_id, data], collection)
        with self.transaction() as session:
            scenario_row = self._scenario_row(session, name)
            row = self._record_row(session, scenario_row, collection, doc_id)
            current = row.version if row is not None else None
            if not replace and current != expected_version:
                raise ConflictError(f"{collection} {doc_id!r} was changed by someone else (version {current}); "
                                    "reload it and apply your change again", field="version", record=doc_id)
            before = row.data if row is not None else None
            if row is None:
                row = RecordRow(scenario_id=scenario_row.id, kind=collection, record_id=doc_id, version=0, data=data)
                session.add(row)
            row.data = data
            row.version += 1
            row.updated_at = now()
            session.add(AuditRow(actor=actor, action="update" if before is not None else "create", scenario=name,
                                 kind=collection, record_id=doc_id, before=_audit_view(before),
                                 after=_audit_view(data)))
            session.flush()
            return row.version

    def documents(self, name: str, collection: str) -> list[tuple[str, Any, int]]:
        """``(id, data, version)`` of every document in a collection, oldest first."""
        check_collection(collection)
        with self._sessions() as session:
            scenario_row = self._scenario_row(session, name)
            rows = session.scalars(select(RecordRow).where(
                RecordRow.scenario_id == scenario_row.id, RecordRow.kind == collection).order_by(RecordRow.id))
            return [(r.record_id, r.data, r.version) for r in rows]

    def get_document(self, name: str, collection: str, doc_id: str) -> tuple[Any, int]:
        """One document's data and version."""
        check_collection(collection)
        with self._sessions() as session:
            row = self._record_row(session, self._scenario_row(session, name), collection, doc_id)
            if row is None:
                raise NotFoundError(f"{collection} {doc_id!r} does not exist", field="id", record=doc_id)
            return row.data, row.version

    def delete_document(self, name: str, collection: str, doc_id: str, *, actor: str = "system") -> None:
        """Remove one document."""
        check_collection(collection)
        with self.transaction() as session:
            scenario_row = self._scenario_row(session, name)
            row = self._record_row(session, scenario_row, collection, doc_id)
            if row is None:
                raise NotFoundError(f"{collection} {doc_id!r} does not exist", field="id", record=doc_id)
            session.add(AuditRow(actor=actor, action="delete", scenario=name, kind=collection, record_id=doc_id,
                                 before=_audit_view(row.data)))
            session.delete(row)

    def _revalidate(self, session: Session, scenario_row: ScenarioRow) -> None:
        rows = session.scalars(select(RecordRow).where(RecordRow.scenario_id == scenario_row.id)).all()
        self._assemble(scenario_row, rows)
        scenario_row.version += 1
        scenario_row.updated_at = now()

    @staticmethod
    def _validated_document(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        check_text(dict(data), kind)
        if kind == AGREEMENTS:
            return dict(data)
        return parse_record(RECORD_TYPES[kind], dict(data)).model_dump(mode="json")

    @staticmethod
    def _check_kind(kind: str) -> None:
        if kind not in RECORD_TYPES and kind != AGREEMENTS:
            raise InputError(f"unknown record kind {kind!r}", field="kind")

    @staticmethod
    def _record_row(session: Session, scenario_row: ScenarioRow, kind: str, record_id: str) -> RecordRow | None:
        """Return one stored record or document of a scenario, or None."""
        return session.scalar(select(RecordRow).where(
            RecordRow.scenario_id == scenario_row.id, RecordRow.kind == kind, RecordRow.record_id == record_id))

    @staticmethod
    def _scenario_row(session: Session, name: str) -> ScenarioRow:
        check_text(name, "scenario")
        row = session.scalar(select(ScenarioRow).where(ScenarioRow.name == name))
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


def _audit_view(data: Any) -> dict[str, Any] | None:
    """Return a document as the audit log keeps it: mappings as they are, anything else wrapped."""
    if data is None or isinstance(data, dict):
        return data
    return {"value": data}


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
