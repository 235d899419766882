"""Models of the background-job routes (``web.jobs``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

import planner.jobs.kinds  # noqa: F401  (registers the job kinds before the enum lists them)
from planner.jobs.runner import JOB_KINDS
from web.schemas.common import Answer, QueryString, RequestBody, absent

JobKind = StrEnum("JobKind", {kind: kind for kind in sorted(JOB_KINDS)})  # type: ignore[misc]
"""The registered job kinds."""


class NewJob(RequestBody):
    """A job to start: its kind and the kind's own parameters (each kind checks its own)."""

    kind: JobKind  # type: ignore[valid-type]
    params: dict[str, Any] = Field(default_factory=dict)


class JobsQuery(QueryString):
    """Which scenario's jobs."""

    scenario: str | None = absent("only this scenario's jobs")


class JobAnswer(Answer):
    """A job's status, progress (0..1), message, and its result once done."""

    id: str
    kind: str
    scenario: str
    status: str
    progress: float
    message: str
    error: str | None
    actor: str
    params: dict[str, Any]
    created_at: str
    started_at: str | None
    finished_at: str | None
    result: Any = None


class JobList(Answer):
    """Recent jobs, newest first."""

    jobs: list[JobAnswer]
