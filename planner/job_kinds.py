"""The long jobs the web app can run in the background, registered by name with ``planner.jobs``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.coverage import coverage
from planner.jobs import Progress, job_kind
from planner.scenario import Scenario


@job_kind("coverage")
def coverage_job(scenario: Scenario, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """The coverage report of the whole scenario."""
    progress(0.1, "computing travel times")
    return coverage(scenario).to_dict()
