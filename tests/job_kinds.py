"""Job kinds for the runner's tests, registered when this module is imported (by the test and by the worker).

The runner's worker processes import a kind's module to find it, so these live in a module of their own,
not inside a test function.
"""

from __future__ import annotations

import os
import time
from typing import Annotated

from pydantic import Field, StrictFloat, StrictInt

from planner.errors import InputError
from planner.jobs.registry import job_kind
from planner.model.validation import Model


class Steps(Model):
    """How many progress steps, and how long each takes."""

    n: Annotated[StrictInt, Field(ge=1, le=100)] = 4
    pause_s: Annotated[StrictFloat | StrictInt, Field(ge=0, le=60)] = 0.0


class Sleep(Model):
    """How long to sleep, seconds (progress every 0.2 s)."""

    seconds: Annotated[StrictFloat | StrictInt, Field(ge=0, le=3600)]


class Nothing(Model):
    """No parameters."""


@job_kind("test-steps", params=Steps)
def steps(scenario, settings, params, progress):
    """Report ``n`` steps of progress, then the scenario's team count."""
    for i in range(params.n):
        time.sleep(params.pause_s)
        progress((i + 1) / params.n, f"step {i + 1}")
    return {"teams": len(scenario.teams), "pid": os.getpid()}


@job_kind("test-fails", params=Nothing)
def fails(scenario, settings, params, progress):
    """Fail with the planner's own error."""
    raise InputError("plan P9 does not exist", field="plan")


@job_kind("test-bug", params=Nothing)
def bug(scenario, settings, params, progress):
    """Fail with a bug."""
    return {}["missing"]


@job_kind("test-sleep", params=Sleep)
def sleep(scenario, settings, params, progress):
    """Sleep, reporting progress, and return when it started and ended (seconds since the epoch)."""
    started = time.time()
    while time.time() - started < params.seconds:
        progress((time.time() - started) / max(params.seconds, 1e-9), f"sleeping in process {os.getpid()}")
        time.sleep(0.2)
    return {"started": started, "ended": time.time(), "pid": os.getpid()}


@job_kind("test-idempotent-sleep", params=Sleep, idempotent=True)
def idempotent_sleep(scenario, settings, params, progress):
    """The same sleep, by a kind that may be run again after an interruption."""
    return sleep(scenario, settings, params, progress)


@job_kind("test-exits", params=Nothing)
def exits(scenario, settings, params, progress):
    """End the worker process without a word (as an out-of-memory kill would)."""
    progress(0.5, "about to vanish")
    os._exit(3)
