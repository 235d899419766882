"""Coverage "available now" against "nominal": the one coverage verdict, with the teams that cannot answer left out.

At a moment, a team answers only if the availability function says it can (its status, people on duty,
what it can staff under the strength rules: :meth:`planner.availability.AvailabilityReport.out`). The
coverage of the scenario with those teams left out is compared with its nominal coverage (every available
team at its declared strength): per standard the share passing both ways, and the (site, standard) pairs
that pass nominally but fail now, with why the teams that would have answered cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.availability import AvailabilityReport
from planner.coverage.verdict import CoverageReport, coverage, jsonable
from planner.roads.conditions import RoadConditions
from planner.scenario.model import Scenario


@dataclass(frozen=True)
class CoverageNow:
    """Coverage at a moment (``now``) beside nominal coverage, and the checks lost between them."""

    at: dt.datetime
    now: CoverageReport
    nominal: CoverageReport
    lost: tuple[tuple[str, str], ...]
    out: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """Return the report at the moment with ``at``, the nominal shares per standard and the checks lost."""
        nominal = {s.standard: {"passing": s.passing, "share": s.share, "met": s.met} for s in self.nominal.standards}
        return {**self.now.to_dict(), "basis": "available", "at": self.at.isoformat(),
                "nominal": jsonable(nominal), "lost": [{"site": site, "standard": standard}
                                                       for site, standard in self.lost],
                "not_answering": dict(self.out)}


def coverage_now(scenario: Scenario, available: AvailabilityReport,
                 committed: Mapping[str, str] | None = None, *, roads: RoadConditions | None = None) -> CoverageNow:
    """Assess coverage with the teams that cannot answer at ``available.at`` left out, against nominal coverage.

    ``committed`` (team id -> reason) are left out of both (e.g. teams sent to an incident); both are
    routed under ``roads`` (closures, the time band of the moment) when given.
    """
    out = {**available.out(), **(committed or {})}
    now = coverage(scenario, out=out, roads=roads)
    nominal = coverage(scenario, out=dict(committed or {}), roads=roads)
    passing = {(r.site, r.standard) for r in nominal.sites if r.passed}
    lost = tuple((r.site, r.standard) for r in now.sites if not r.passed and (r.site, r.standard) in passing)
    return CoverageNow(available.at, now, nominal, lost, available.out())
