"""Background jobs over the API: start one, poll its progress, fetch its result, run it again.

Every web process accepts jobs and shows them (a :class:`~planner.jobs.runner.JobQueue` on the store).
Whether it also runs them is the ``JOB_RUNNER`` setting (``PLANNER_JOB_RUNNER``): ``in-process`` (the
default, as ``make run`` serves) starts a :class:`~planner.jobs.runner.JobRunner` in the web process;
``external`` leaves them to a runner process of their own (``python -m planner jobs run``), which is how
several web processes (gunicorn workers) share one database without each running jobs.
"""

from __future__ import annotations

import atexit
import weakref
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify
from flask_login import current_user

from planner.jobs.runner import JobQueue, JobRunner
from planner.model.codes import coded
from planner.scenario.jurisdictions import root_of
from planner.settings import JOB_RUNNER_MODES
from planner.store.scope import check_scope
from web.auth import actor, user_scope
from web.openapi import operation
from web.scenarios import current_scenario
from web.schemas.common import JobStarted
from web.schemas.jobs import JobAnswer, JobList, JobsQuery, NewJob

bp = Blueprint("jobs", __name__, url_prefix="/api/v1")
JOB_PERMISSIONS = {"coverage": "view", "drills-plan": "edit_drills", "drills-simulate": "edit_drills",
                   "sweep": "run_whatif", "year": "run_whatif"}
"""Permission each job kind needs beyond ``view`` (kinds not listed need ``edit_drills``)."""
_RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()
"""The in-process runners of this process's apps, shut down when the process exits normally."""


def init_app(app: Flask) -> None:
    """One job queue per app on the app's store; in ``in-process`` mode it is a runner, started now."""
    mode = app.config["JOB_RUNNER"]
    if mode not in JOB_RUNNER_MODES:
        raise ValueError(f"JOB_RUNNER must be one of {', '.join(JOB_RUNNER_MODES)}, not {mode!r}")
    store = app.extensions["planner_store"]
    if mode == "external":
        app.extensions["planner_jobs"] = JobQueue(store, time_limit_s=app.config["JOB_TIME_LIMIT_S"])
        return
    runner = JobRunner(store, workers=app.config["JOB_WORKERS"], time_limit_s=app.config["JOB_TIME_LIMIT_S"],
                       stale_s=app.config["JOB_STALE_S"]).start()
    app.extensions["planner_jobs"] = runner
    _RUNNERS.add(runner)


@atexit.register
def _shut_down_runners() -> None:
    """Mark the jobs still running as interrupted when the server stops normally (Ctrl+C, SIGTERM)."""
    for runner in list(_RUNNERS):
        runner.shutdown()


def runner() -> JobQueue:
    """Return the running app's job queue (a runner too when the app runs jobs in-process)."""
    return current_app.extensions["planner_jobs"]  # type: ignore[no-any-return]


def check_may_start(kind: str, params: Mapping[str, Any], name: str) -> None:
    """Refuse (403) a job the signed-in user may not start: its kind's permission, a scheduler for admins only.

    A job that needs more than ``view`` works on the whole scenario (a year's programme places every
    county's drills), so it also needs a user who holds the scenario whole (the scope check).
    """
    if params.get("scheduler") is not None and not current_user.can("manage_users"):
        # a scheduler address makes the server open a connection: only administrators choose where to
        abort(403, description="only an administrator may send a job to a Dask scheduler")
    needed = JOB_PERMISSIONS.get(kind, "edit_drills")
    if not current_user.can(needed):
        abort(403, description=f"your role ({coded('user_role', current_user.role)}) may not start {kind} jobs: "
                               f"it needs {needed!r}")
    if needed != "view":
        scenario = current_scenario(name)
        check_scope(user_scope(), scenario, root_of(scenario), what=f"a {kind} job on scenario {name}",
                    permission=needed)


@operation(bp, "/scenarios/<name>/jobs", "POST", summary="Start a background job (202 with its id)",
           answers={202: JobStarted})
def start(name: str, json: NewJob) -> Any:
    """Start a job of a registered kind on a scenario; its parameters are checked before it is accepted."""
    kind = json.kind.value
    check_may_start(kind, json.params, name)
    job_id = runner().submit(kind, name, json.params, actor=actor())
    return jsonify({"id": job_id, "status": "queued"}), 202


@operation(bp, "/jobs/<job_id>/again", "POST", summary="Run an ended job again: a new job, same parameters",
           answers={202: JobStarted})
def again(job_id: str) -> Any:
    """Queue a new job with the kind, scenario and parameters of an ended one (a failed or interrupted one)."""
    job = runner().get(job_id)
    check_may_start(job["kind"], job["params"], job["scenario"])
    new_id = runner().rerun(job_id, actor=actor())
    return jsonify({"id": new_id, "status": "queued"}), 202


@operation(bp, "/jobs/<job_id>", "GET", summary="A job's status, progress and result", answers={200: JobAnswer})
def status(job_id: str) -> Any:
    """Status, progress (0..1), message, and the result once done."""
    return jsonify(runner().get(job_id))


@operation(bp, "/jobs", "GET", summary="Recent jobs", answers={200: JobList})
def recent(query: JobsQuery) -> Any:
    """Recent jobs, newest first."""
    return jsonify({"jobs": runner().list(scenario=query.scenario, kind=query.kind.value if query.kind else None)})
