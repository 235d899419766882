"""Background jobs over the API: start one, poll its progress, fetch its result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify
from flask_login import current_user

from planner.jobs.runner import JobRunner
from web.auth import actor
from web.openapi import operation
from web.schemas.common import JobStarted
from web.schemas.jobs import JobAnswer, JobList, JobsQuery, NewJob

bp = Blueprint("jobs", __name__, url_prefix="/api/v1")
JOB_PERMISSIONS = {"coverage": "view", "drills-plan": "edit_drills", "drills-simulate": "edit_drills",
                   "sweep": "run_whatif"}
"""Permission each job kind needs beyond ``view`` (kinds not listed need ``edit_drills``)."""


def init_app(app: Flask) -> None:
    """One runner per app, on the app's store."""
    app.extensions["planner_jobs"] = JobRunner(get_store_of(app), workers=1)


def get_store_of(app: Flask) -> Any:
    """Return the store of ``app`` (no app context needed, unlike ``get_store``)."""
    return app.extensions["planner_store"]


def runner() -> JobRunner:
    """Return the running app's job runner."""
    return current_app.extensions["planner_jobs"]  # type: ignore[no-any-return]


@operation(bp, "/scenarios/<name>/jobs", "POST", summary="Start a background job (202 with its id)",
           answers={202: JobStarted})
def start(name: str, json: NewJob) -> Any:
    """Start a job of a registered kind on a scenario."""
    kind = json.kind.value
    if "scheduler" in json.params and not current_user.can("manage_users"):
        # a scheduler address makes the server open a connection: only administrators choose where to
        abort(403, description="only an administrator may send a job to a Dask scheduler")
    needed = JOB_PERMISSIONS.get(kind, "edit_drills")
    if not current_user.can(needed):
        abort(403, description=f"your role ({current_user.role}) may not start {kind} jobs: it needs {needed!r}")
    job_id = runner().submit(kind, name, json.params, actor=actor())
    return jsonify({"id": job_id, "status": "queued"}), 202


@operation(bp, "/jobs/<job_id>", "GET", summary="A job's status, progress and result", answers={200: JobAnswer})
def status(job_id: str) -> Any:
    """Status, progress (0..1), message, and the result once done."""
    return jsonify(runner().get(job_id))


@operation(bp, "/jobs", "GET", summary="Recent jobs", answers={200: JobList})
def recent(query: JobsQuery) -> Any:
    """Recent jobs, newest first."""
    return jsonify({"jobs": runner().list(scenario=query.scenario)})
