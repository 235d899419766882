"""Long jobs (a year's drill programme, Monte Carlo runs, sweeps) run outside the request, and survive a crash.

A job is a row in the store (kind, parameters, status, progress, result or error, owner, heartbeat).
:class:`JobQueue` accepts jobs (its parameters validated with the kind's model and the kind's check run
first: a job that cannot succeed is refused at once) and reads them; any process sharing the database
can. :class:`JobRunner` runs them: in the web process (``make run``) or in a process of its own
(``python -m planner jobs run``) beside several web processes. It claims queued jobs one conditional
statement at a time (``UPDATE job SET status = 'running', owner = ... WHERE id = ? AND status = 'queued'``),
so two runners never run the same job, and runs each in a worker process of its own
(:mod:`planner.jobs.worker`), up to ``workers`` at once, so one slow job does not hold the queue.

From outside the job, the runner

- stores its progress and, in one statement, its outcome (no part of a result is ever visible);
- ends it when it passes its time limit (the whole process group: a sweep's own processes too) and marks
  it failed, "time limit of N s reached";
- gives a heartbeat for every job it runs. A running job whose heartbeat stopped for ``stale_s`` seconds,
  or whose owner was a process of this host that no longer exists, was interrupted (its runner was
  killed or its machine stopped): any runner marks it failed, "interrupted: the server stopped", on
  start-up and every few seconds, or queues it again once when its kind is idempotent. Heartbeats use
  the machine's real clock (not the product's clock, which a demonstration may fix): hosts sharing a
  database must keep their clocks in step to well within ``stale_s``.

Every change of a job's state is conditional on the state expected (queued -> running -> done or failed),
and a running job's changes also on its owner, so a late outcome never overwrites what someone else
decided meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from planner.clock import now
from planner.errors import InputError, NotFoundError
from planner.jobs.registry import JOB_KINDS, kind_named, parse_params
from planner.jobs.worker import run_job
from planner.model.codes import coded
from planner.scenario.model import Scenario
from planner.settings import job_stale_s, job_time_limit_s, job_workers
from planner.store.database import Store
from planner.store.settings import StoredDocuments
from planner.store.tables import JobRow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
"""A job's states: queued -> running -> done or failed (running -> queued again only after an interruption)."""
ENDED = (DONE, FAILED)
INTERRUPTED = "interrupted: the server stopped"
"""The error of a job whose runner stopped while it ran."""
MAX_ATTEMPTS = 2
"""Starts of an idempotent job before an interruption fails it (a job that kills its runner is not re-run for ever)."""
POLL_S = 1.0
"""How often an idle runner looks for queued jobs (a job submitted through this runner wakes it at once)."""

_LIVE_OWNERS: set[str] = set()
"""The owners of the runners started in this process and not shut down."""
_PROCESSES = multiprocessing.get_context("forkserver")
_PROCESSES.set_forkserver_preload(["planner.jobs.kinds"])
"""Worker processes come from a fork server started once, with the job kinds imported (a job starts in
milliseconds), never forked from the multi-threaded web process itself."""


def this_host() -> str:
    """Name this machine and its process-id namespace, as the first part of a runner's owner name.

    Two containers that share a host name do not see each other's processes: the namespace keeps one
    from taking the other's runner for gone.
    """
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{namespace}".replace(":", "-")


def wall_now() -> dt.datetime:
    """Return the machine's real time (heartbeats; not the product's clock, which may be fixed)."""
    return dt.datetime.now(dt.UTC)


class JobQueue:
    """Accept jobs and read them: what every process sharing the database can do, whether or not it runs jobs."""

    def __init__(self, store: Store, *, time_limit_s: float | None = None) -> None:
        self.store = store
        self.time_limit_s = time_limit_s or job_time_limit_s()

    def submit(self, kind: str, scenario: str, params: Mapping[str, Any], *, actor: str = "system",
               loaded: Scenario | None = None, rerun_of: str | None = None) -> str:
        """Validate and queue a job; return its id.

        An unknown kind or scenario, parameters its model refuses (``params.incidents``) and whatever
        the kind's check refuses (a year the calendar does not cover) raise ``InputError`` or
        ``NotFoundError`` now, and nothing is queued. ``loaded`` is the scenario when the caller has it.
        """
        job = kind_named(kind)
        validated = parse_params(job.params, params, prefix=("params",))
        if job.check is not None:
            chosen = loaded if loaded is not None and loaded.name == scenario else self.store.load_scenario(scenario)
            job.check(chosen, StoredDocuments(self.store, scenario), validated)
        else:
            self.store.scenario_version(scenario)  # raises NotFoundError for an unknown scenario
        job_id = uuid.uuid4().hex[:12]
        stored = validated.model_dump(mode="json", by_alias=True, exclude_none=True)

        def work(session: Session) -> None:
            session.add(JobRow(id=job_id, kind=kind, scenario=scenario, params=stored, status=QUEUED,
                               progress=0.0, message="queued", actor=actor, attempts=0,
                               time_limit_s=self.time_limit_s, rerun_of=rerun_of))

        self.store.write(work, creates=f"job {job_id}")
        self.queued()
        return job_id

    def rerun(self, job_id: str, *, actor: str = "system") -> str:
        """Queue a new job with the kind, scenario and parameters of an ended one; return the new id."""
        job = self.get(job_id)
        if job["status"] not in ENDED:
            raise InputError(f"job {job_id} is {coded('job_status', job['status'])}: only an ended job can be run "
                             "again", field="job")
        return self.submit(job["kind"], job["scenario"], job["params"], actor=actor, rerun_of=job_id)

    def queued(self) -> None:
        """Say that a job was queued (a runner in this process starts it at once)."""

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop running jobs: a queue runs none (a :class:`JobRunner` does)."""

    def get(self, job_id: str) -> dict[str, Any]:
        """Return a job's state: status, progress, message, result or error, owner and heartbeat."""
        with self.store.reading() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"no job {job_id!r}", field="job")
            return _as_dict(row)

    def list(self, *, scenario: str | None = None, kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recent jobs, newest first, without their results."""
        with self.store.reading() as session:
            query = select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
            if scenario is not None:
                query = query.where(JobRow.scenario == scenario)
            if kind is not None:
                query = query.where(JobRow.kind == kind)
            return [{k: v for k, v in _as_dict(r).items() if k != "result"} for r in session.scalars(query)]

    def wait(self, job_id: str, timeout_s: float | None = None) -> dict[str, Any]:
        """Block until a job ends, whichever process runs it (for the CLI and tests); return its state."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            job = self.get(job_id)
            if job["status"] in ENDED:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job['status']} after {timeout_s} s")
            time.sleep(0.1)

    def change(self, job_id: str, *conditions: ColumnElement[bool], **values: Any) -> bool:
        """Change a job only where ``conditions`` hold (``UPDATE job ... WHERE id = ? AND ...``); say if it was."""

        def work(session: Session) -> bool:
            result = session.execute(update(JobRow).where(JobRow.id == job_id, *conditions).values(**values),
                                     execution_options={"synchronize_session": False})
            return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

        return self.store.write(work)


class JobRunner(JobQueue):
    """Run queued jobs in worker processes, watch them from outside, and recover jobs whose runner stopped."""

    def __init__(self, store: Store, *, workers: int | None = None, time_limit_s: float | None = None,
                 stale_s: float | None = None, poll_s: float = POLL_S) -> None:
        super().__init__(store, time_limit_s=time_limit_s)
        self.workers = workers or job_workers()
        self.stale_s = stale_s or job_stale_s()
        self.heartbeat_s = max(0.2, min(5.0, self.stale_s / 6))
        self.poll_s = poll_s
        self.owner = ""
        self._running: dict[str, BaseProcess] = {}
        self._monitors: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._dispatcher: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------------
    # starting and stopping

    def start(self) -> JobRunner:
        """Recover interrupted jobs, then run queued ones in the background until :meth:`shutdown`."""
        if self._dispatcher is not None:
            return self
        self.owner = f"{this_host()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        _LIVE_OWNERS.add(self.owner)
        self.recover()
        self._dispatcher = threading.Thread(target=self._dispatch, daemon=True, name="planner-jobs")
        self._dispatcher.start()
        log.info("job runner %s: %d workers, time limit %g s, stale after %g s", self.owner, self.workers,
                 self.time_limit_s, self.stale_s)
        return self

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop: take no more jobs, end the running ones and mark them interrupted (or queue them again)."""
        self._stopping.set()
        self._wake.set()
        if self._dispatcher is not None:
            self._dispatcher.join(timeout_s)
        for monitor in list(self._monitors):
            monitor.join(timeout_s)
        _LIVE_OWNERS.discard(self.owner)

    def queued(self) -> None:  # noqa: D102
        self._wake.set()

    # ------------------------------------------------------------------------------------------------
    # the dispatcher: heartbeats, recovery, claiming

    def _dispatch(self) -> None:
        next_beat = next_recovery = 0.0
        while not self._stopping.is_set():
            self._wake.clear()  # before the work: a job queued meanwhile wakes the wait below at once
            try:
                clock = time.monotonic()
                if clock >= next_beat:
                    self._heartbeat()
                    next_beat = clock + self.heartbeat_s
                if clock >= next_recovery:
                    self.recover()
                    next_recovery = clock + self.heartbeat_s
                self._claim()
            except Exception:  # the database may be away for a moment: log it and go on
                log.exception("job runner %s: dispatching failed; trying again", self.owner)
            self._wake.wait(self.poll_s)

    def _heartbeat(self) -> None:
        with self._lock:
            if not self._running:
                return

        def work(session: Session) -> None:
            session.execute(update(JobRow).where(JobRow.owner == self.owner, JobRow.status == RUNNING)
                            .values(heartbeat_at=wall_now()), execution_options={"synchronize_session": False})

        self.store.write(work)

    def recover(self) -> list[str]:
        """Fail (or queue again) the running jobs of runners that stopped; return their ids.

        A runner is taken as stopped when its heartbeat is older than ``stale_s``, or at once when it was
        a process of this host that no longer exists (a server restarted after a kill).
        """
        cutoff = wall_now() - dt.timedelta(seconds=self.stale_s)
        with self.store.reading() as session:
            rows = session.execute(select(JobRow.id, JobRow.kind, JobRow.owner, JobRow.heartbeat_at,
                                          JobRow.attempts).where(JobRow.status == RUNNING)).all()
        recovered = []
        for job_id, kind, owner, heartbeat, attempts in rows:
            if owner == self.owner or not (heartbeat is None or heartbeat < cutoff or self._is_gone(owner)):
                continue
            seen = [JobRow.status == RUNNING, JobRow.owner == owner if owner else JobRow.owner.is_(None),
                    JobRow.heartbeat_at == heartbeat if heartbeat else JobRow.heartbeat_at.is_(None)]
            found = JOB_KINDS.get(kind)
            if found is not None and found.idempotent and (attempts or 0) < MAX_ATTEMPTS:
                changed = self.change(job_id, *seen, status=QUEUED, owner=None, heartbeat_at=None, progress=0.0,
                                      message=f"queued again ({INTERRUPTED})")
            else:
                changed = self.change(job_id, *seen, status=FAILED, message=INTERRUPTED, error=INTERRUPTED,
                                      finished_at=now())
            if changed:
                log.warning("job %s (%s) of %s was interrupted", job_id, kind, owner)
                recovered.append(job_id)
        if recovered:
            self._wake.set()
        return recovered

    @staticmethod
    def _is_gone(owner: str | None) -> bool:
        """Tell whether ``owner`` (``host:pid:token``) was a runner of this host that is no longer there."""
        parts = (owner or "").rsplit(":", 2)
        if len(parts) != 3 or parts[0] != this_host() or not parts[1].isdigit():
            return False  # another host's runner: only its heartbeat tells
        pid = int(parts[1])
        if pid == os.getpid():
            return owner not in _LIVE_OWNERS  # this process, started again with the same pid (a container's pid 1)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def _claim(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                free = self.workers - len(self._running)
            if free <= 0:
                return
            with self.store.reading() as session:
                candidates = session.execute(select(JobRow.id, JobRow.attempts, JobRow.time_limit_s)
                                             .where(JobRow.status == QUEUED).order_by(JobRow.created_at)
                                             .limit(free)).all()
            if not candidates:
                return
            for job_id, attempts, limit in candidates:
                # the shorter of the limits of the process that accepted it and of this runner
                if self.change(job_id, JobRow.status == QUEUED, status=RUNNING, owner=self.owner,
                               heartbeat_at=wall_now(), started_at=now(), attempts=(attempts or 0) + 1,
                               time_limit_s=min(limit or self.time_limit_s, self.time_limit_s), message="started"):
                    self._launch(job_id)

    # ------------------------------------------------------------------------------------------------
    # one job: its worker process and the thread that watches it

    def _launch(self, job_id: str) -> None:
        with self.store.reading() as session:
            row = session.get(JobRow, job_id)
            assert row is not None
            kind, scenario, params, limit = row.kind, row.scenario, dict(row.params or {}), row.time_limit_s
        found = JOB_KINDS.get(kind)
        if found is None:
            self._end(job_id, status=FAILED, message=f"this runner does not know the job kind {kind!r}",
                      error=f"unknown job kind {kind!r}")
            return
        ours, theirs = _PROCESSES.Pipe(duplex=True)
        process = _PROCESSES.Process(target=run_job, name=f"planner-job-{job_id}", daemon=False,
                                     args=(theirs, self.store.url, found.module, kind, scenario, params))
        try:
            process.start()
        except Exception as error:
            ours.close()
            theirs.close()
            self._end(job_id, status=FAILED, message="internal error",
                      error=f"the job's worker process did not start: {type(error).__name__}: {error}")
            return
        theirs.close()
        with self._lock:
            self._running[job_id] = process
        monitor = threading.Thread(target=self._watch, args=(job_id, process, ours, limit or self.time_limit_s),
                                   daemon=True, name=f"planner-job-{job_id}")
        self._monitors = [m for m in self._monitors if m.is_alive()] + [monitor]
        monitor.start()

    def _watch(self, job_id: str, process: BaseProcess, connection: Connection, limit_s: float) -> None:
        deadline = time.monotonic() + limit_s
        try:
            while True:
                outcome = self._next_report(job_id, connection, deadline)
                if outcome == "wait":
                    continue
                if outcome == "time":
                    _end_process(process)
                    self._end(job_id, status=FAILED, message=f"time limit of {limit_s:g} s reached",
                              error=f"time limit of {limit_s:g} s reached")
                elif outcome == "stopping":
                    _end_process(process)
                    self._interrupted(job_id)
                elif outcome == "lost":
                    _end_process(process)
                return
        except EOFError:  # the worker ended without a word: killed from outside, or crashed
            process.join(5)
            code = process.exitcode
            self._end(job_id, status=FAILED, message="internal error",
                      error=f"the job's worker process ended unexpectedly (exit code {code})")
        except Exception as error:
            log.exception("job %s: watching it failed", job_id)
            _end_process(process)
            self._end(job_id, status=FAILED, message="internal error", error=f"{type(error).__name__}: {error}")
        finally:
            connection.close()
            process.join(5)
            if process.is_alive():
                _end_process(process)
            with self._lock:
                self._running.pop(job_id, None)
            self._wake.set()

    def _next_report(self, job_id: str, connection: Connection, deadline: float) -> str:
        """Read what the worker sent (all of it) and store it; say what happened: wait, time, stopping, lost, ended."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "time"
        if self._stopping.is_set():
            return "stopping"
        if not connection.poll(min(remaining, 0.5)):
            return "wait"
        latest = None
        while connection.poll(0):
            report = connection.recv()
            if report[0] == "progress":
                latest = report
                continue
            if report[0] == "done":
                self._end(job_id, status=DONE, progress=1.0, message="done", result=report[1])
            else:
                self._end(job_id, status=FAILED, message=report[1][:500], error=report[2][:2000])
            return "ended"
        if latest is not None and not self.change(job_id, *self._owned(), progress=latest[1], message=latest[2],
                                                  heartbeat_at=wall_now()):
            log.warning("job %s is no longer this runner's; ending its worker", job_id)
            return "lost"
        return "wait"

    def _owned(self) -> tuple[ColumnElement[bool], ...]:
        return JobRow.status == RUNNING, JobRow.owner == self.owner

    def _end(self, job_id: str, **values: Any) -> None:
        """Store a running job's outcome in one statement; a job someone else ended meanwhile keeps their state."""
        if not self.change(job_id, *self._owned(), finished_at=now(), **values):
            log.warning("job %s was no longer running here when it ended (%s); its outcome is not stored", job_id,
                        values.get("status"))

    def _interrupted(self, job_id: str) -> None:
        """Mark a job this runner stopped as interrupted: queued again when its kind allows, else failed."""
        job = self.get(job_id)
        found = JOB_KINDS.get(job["kind"])
        if found is not None and found.idempotent and job["attempts"] < MAX_ATTEMPTS:
            self.change(job_id, *self._owned(), status=QUEUED, owner=None, heartbeat_at=None, progress=0.0,
                        message=f"queued again ({INTERRUPTED})")
        else:
            self._end(job_id, status=FAILED, message=INTERRUPTED, error=INTERRUPTED)


def _end_process(process: BaseProcess) -> None:
    """End a job's worker process and everything it started (its process group)."""
    if process.pid is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.is_alive():  # not yet the leader of its own group
        process.kill()
    process.join(5)


def _as_dict(row: JobRow) -> dict[str, Any]:
    def moment(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {"id": row.id, "kind": row.kind, "scenario": row.scenario, "params": row.params, "status": row.status,
            "progress": row.progress, "message": row.message, "result": row.result, "error": row.error,
            "actor": row.actor, "created_at": moment(row.created_at), "started_at": moment(row.started_at),
            "finished_at": moment(row.finished_at), "owner": row.owner, "heartbeat_at": moment(row.heartbeat_at),
            "attempts": row.attempts or 0, "time_limit_s": row.time_limit_s, "rerun_of": row.rerun_of}
