"""Long jobs (a year's drill programme, Monte Carlo runs, sweeps) run outside the request.

A job is a row in the store (kind, parameters, status, progress, result or error). ``JobRunner`` runs
jobs on a small thread pool; the job function reports progress through a callback that writes to the
row, so any process that shares the database can show it. Every change of a job's state is one
conditional statement (``UPDATE job SET ... WHERE id = ? AND status = ?``): a job starts only from
``queued``, reports progress and ends only while ``running``, so a job that someone else marked failed
meanwhile (an interrupted job found by another process) is never overwritten by a late outcome.

Job kinds are plain functions registered by name; they take the scenario and its settings documents as
stored when the job starts (the same documents the web app and the CLI read), the parameters and the
progress callback, and return JSON-ready data.
Kinds register themselves with :func:`job_kind` when their module is imported; the runner never imports
them, so whoever runs jobs (the web app, the CLI, a test) imports ``planner.jobs.kinds`` first.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from planner.clock import now
from planner.errors import InputError, NotFoundError, PlannerError
from planner.scenario.model import Scenario
from planner.store.database import Store
from planner.store.settings import StoredDocuments
from planner.store.tables import JobRow

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, message)``."""

JobFunction = Callable[[Scenario, Mapping[str, Any], Mapping[str, Any], Progress], Any]
"""``kind(scenario, settings documents by name, params, progress) -> JSON-ready result``."""

JOB_KINDS: dict[str, JobFunction] = {}
"""Registered job kinds, by name."""

QUEUED, RUNNING = "queued", "running"
"""The states a job changes from: queued -> running -> done or failed."""


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a function as a job kind."""

    def register(function: JobFunction) -> JobFunction:
        JOB_KINDS[name] = function
        return function

    return register


class JobRunner:
    """Runs jobs in background threads and keeps their state in the store."""

    def __init__(self, store: Store, *, workers: int = 1) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planner-job")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, kind: str, scenario: str, params: Mapping[str, Any], *, actor: str = "system") -> str:
        """Queue a job and return its id; unknown kinds and scenarios are refused at once."""
        if kind not in JOB_KINDS:
            raise InputError(f"unknown job kind {kind!r}; kinds: {', '.join(sorted(JOB_KINDS))}", field="kind")
        self.store.scenario_version(scenario)  # raises NotFoundError for an unknown scenario
        job_id = uuid.uuid4().hex[:12]

        def work(session: Session) -> None:
            session.add(JobRow(id=job_id, kind=kind, scenario=scenario, params=dict(params), status="queued",
                               progress=0.0, message="queued", actor=actor))

        self.store.write(work, creates=f"job {job_id}")
        with self._lock:
            self._futures[job_id] = self._pool.submit(self._run, job_id)
        return job_id

    def wait(self, job_id: str, timeout_s: float | None = None) -> dict[str, Any]:
        """Block until a job of this runner ends (for the CLI and tests); returns its state."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout_s)
        return self.get(job_id)

    def get(self, job_id: str) -> dict[str, Any]:
        """Return a job's state: status, progress, message, result or error."""
        with self.store.reading() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"no job {job_id!r}", field="job")
            return _as_dict(row)

    def list(self, *, scenario: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recent jobs, newest first, without their results."""
        with self.store.reading() as session:
            query = select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
            if scenario is not None:
                query = query.where(JobRow.scenario == scenario)
            return [{k: v for k, v in _as_dict(r).items() if k != "result"} for r in session.scalars(query)]

    def shutdown(self) -> None:
        """Stop accepting jobs; running ones finish."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job_id: str) -> None:
        if not self._change(job_id, QUEUED, status="running", started_at=now(), message="started"):
            log.warning("job %s is no longer queued; not started", job_id)
            return
        try:
            with self.store.reading() as session:
                row = session.get(JobRow, job_id)
                kind, scenario_name, params = row.kind, row.scenario, dict(row.params or {})  # type: ignore[union-attr]
            scenario = self.store.load_scenario(scenario_name)

            def progress(fraction: float, message: str) -> None:
                self._change(job_id, RUNNING, progress=max(0.0, min(1.0, fraction)), message=message)

            result = JOB_KINDS[kind](scenario, StoredDocuments(self.store, scenario_name), params, progress)
            self._end(job_id, status="done", progress=1.0, message="done", result=result)
        except PlannerError as error:
            self._end(job_id, status="failed", message=str(error), error=str(error))
        except Exception as error:  # a bug in a job must not kill the worker thread; it is logged and shown
            log.exception("job %s failed", job_id)
            self._end(job_id, status="failed", message="internal error", error=f"{type(error).__name__}: {error}")

    def _end(self, job_id: str, **values: Any) -> None:
        """Store a running job's outcome; a job someone else ended meanwhile keeps the state they gave it."""
        if not self._change(job_id, RUNNING, finished_at=now(), **values):
            log.warning("job %s was no longer running when it ended (%s); its outcome is not stored", job_id,
                        values.get("status"))

    def _change(self, job_id: str, from_status: str, **values: Any) -> bool:
        """Change a job only in the state expected (``UPDATE job ... WHERE id = ? AND status = ?``); say if it was."""

        def work(session: Session) -> bool:
            result = session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == from_status)
                                     .values(**values), execution_options={"synchronize_session": False})
            return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

        return self.store.write(work)


def _as_dict(row: JobRow) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "scenario": row.scenario, "params": row.params, "status": row.status,
            "progress": row.progress, "message": row.message, "result": row.result, "error": row.error,
            "actor": row.actor, "created_at": row.created_at.isoformat() if row.created_at else None,
            "started_at": row.started_at.isoformat() if row.started_at else None,
            "finished_at": row.finished_at.isoformat() if row.finished_at else None}
