"""Background jobs over the API: start one, poll its progress, fetch its result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

import planner.jobs.kinds  # noqa: F401  (registers the job kinds before the spec lists them)
from planner.errors import InputError
from planner.jobs.runner import JOB_KINDS, JobRunner
from web.auth import actor
from web.openapi import Param, spec

bp = Blueprint("jobs", __name__, url_prefix="/api/v1")
JOB_ID = Param("job_id", schema={"type": "string", "pattern": "^[0-9a-f]{1,32}$"})
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


@spec.operation(bp, "/scenarios/<name>/jobs", "POST", summary="Start a background job (202 with its id)",
                params=[Param("name", description="scenario name")],
                body={"type": "object", "required": ["kind"], "properties": {
                    "kind": {"type": "string", "enum": sorted(JOB_KINDS)}, "params": {"type": "object"}}},
                responses={202: "started"})
def start(name: str) -> Any:
    """Start a job of a registered kind on a scenario."""
    from flask_login import current_user

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object", field="body")
    kind, params = body.get("kind"), body.get("params", {})
    if not isinstance(kind, str):
        raise InputError("'kind' must be a job kind name", field="kind")
    if not isinstance(params, dict):
        raise InputError("'params' must be an object", field="params")
    if "scheduler" in params and not current_user.can("manage_users"):
        # a scheduler address makes the server open a connection: only administrators choose where to
        from flask import abort

        abort(403, description="only an administrator may send a job to a Dask scheduler")
    needed = JOB_PERMISSIONS.get(kind, "edit_drills")
    if not current_user.can(needed):
        from flask import abort

        abort(403, description=f"your role ({current_user.role}) may not start {kind} jobs: it needs {needed!r}")
    job_id = runner().submit(kind, name, params, actor=actor())
    return jsonify({"id": job_id, "status": "queued"}), 202


@spec.operation(bp, "/jobs/<job_id>", "GET", summary="A job's status, progress and result", params=[JOB_ID])
def status(job_id: str) -> Any:
    """Status, progress (0..1), message, and the result once done."""
    return jsonify(runner().get(job_id))


@spec.operation(bp, "/jobs", "GET", summary="Recent jobs",
                params=[Param("scenario", "query", required=False)])
def recent() -> Any:
    """Recent jobs, newest first."""
    return jsonify({"jobs": runner().list(scenario=request.args.get("scenario"))})
