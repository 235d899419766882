"""Models of the background-job routes (``web.jobs``).

A new job names its kind and gives the kind's parameters. Each kind's parameters are the planner's own
model (:mod:`planner.jobs.kinds`: the model its CLI command validates its options with); the runner
validates them with it before the job is accepted, and the OpenAPI document shows it: ``NewJob`` is
documented as one of the kinds, each with its own ``params``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

import planner.jobs.kinds
from planner.jobs.registry import JOB_KINDS
from web.schemas.common import Answer, QueryString, RequestBody, absent

API_KINDS = tuple(sorted(planner.jobs.kinds.PRODUCT_KINDS))
"""The kinds a client may start: the product's (a test may register more with the runner)."""
JobKind = StrEnum("JobKind", {kind: kind for kind in API_KINDS})  # type: ignore[misc]
"""The product's job kinds."""


def _params_by_kind(schema: dict[str, Any]) -> None:
    """Document ``params`` per kind: one branch per kind, its ``params`` the kind's own model."""
    schema["oneOf"] = [
        {"type": "object", "required": ["kind"],
         "properties": {"kind": {"const": kind}, "params": _inline(JOB_KINDS[kind].params.model_json_schema())}}
        for kind in API_KINDS]


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a flat model's JSON Schema without its title (the parameter models have no nested models)."""
    assert "$defs" not in schema, "a job's parameter model must be flat"
    return {k: v for k, v in schema.items() if k != "title"}


class NewJob(RequestBody):
    """A job to start: its kind and the kind's own parameters (refused at once when they are wrong)."""

    model_config = ConfigDict(json_schema_extra=_params_by_kind)

    kind: JobKind  # type: ignore[valid-type]
    params: dict[str, Any] = Field(default_factory=dict, description="the kind's parameters (see oneOf)")


class JobsQuery(QueryString):
    """Which scenario's (and which kind's) jobs."""

    scenario: str | None = absent("only this scenario's jobs")
    kind: JobKind | None = absent("only jobs of this kind")  # type: ignore[valid-type]


class JobAnswer(Answer):
    """A job's status, progress (0..1), message, its result once done, and who runs it."""

    id: str
    kind: str
    scenario: str
    status: str = Field(description="queued, running, done or failed")
    progress: float
    message: str
    error: str | None = Field(description="why it failed: 'interrupted: the server stopped', a time limit, ...")
    actor: str
    params: dict[str, Any]
    created_at: str
    started_at: str | None
    finished_at: str | None
    owner: str | None = Field(None, description="the runner process running it, host:pid:token")
    heartbeat_at: str | None = Field(None, description="the last moment its runner said it was running it")
    attempts: int = Field(0, description="times it was started")
    time_limit_s: float | None = Field(None, description="it is ended and failed when it runs longer")
    rerun_of: str | None = Field(None, description="the job it runs again")
    result: Any = None


class JobList(Answer):
    """Recent jobs, newest first."""

    jobs: list[JobAnswer]
