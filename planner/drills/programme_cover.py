"""The on-duty coverage a drill programme keeps while teams drill.

Which teams keep each hazard site within standard (the one coverage verdict), and who cannot answer on
each day (the one availability function).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.availability import AvailabilityRules, availability
from planner.coverage.verdict import coverage as coverage_report
from planner.scenario.model import Scenario

__all__ = ["DRILL_HOUR", "CoverGroup", "Coverage", "off_duty_by_day", "on_duty_coverage"]

DRILL_HOUR = 10
"""The hour (wall clock in the scenario's zone) at which a day's on-duty strength is judged [U]: mid-morning,
when drills are held and after the usual 08:00 shift change."""


@dataclass(frozen=True)
class CoverGroup:
    """A (site, standard) pair met at baseline and the teams that meet it (``teams`` is never empty)."""

    site: str
    standard: str
    max_min: float
    teams: frozenset[str]


@dataclass(frozen=True)
class Coverage:
    """Which teams keep each hazard site within each of its standards, the baseline gaps, and who is off duty.

    ``off_duty`` maps a day to the teams that cannot answer that day (by the one availability function):
    they cover nothing on that day, drilling or not.
    """

    groups: tuple[CoverGroup, ...]
    gaps: tuple[tuple[str, str], ...]
    off_duty: Mapping[dt.date, frozenset[str]] = field(default_factory=dict)

    def answering(self, cover: CoverGroup, day: dt.date) -> frozenset[str]:
        """Return the teams of a cover group that can answer on a day."""
        return cover.teams - self.off_duty.get(day, frozenset())


def on_duty_coverage(scenario: Scenario, *, year: int | None = None,
                     rules: AvailabilityRules | None = None) -> Coverage:
    """Teams that meet each site's response standards at baseline, by the one coverage verdict.

    The verdict is :func:`planner.coverage.verdict.coverage` (rule in :mod:`planner.coverage.rule`):
    a team meets standard ``s`` at site ``k`` when it is available, counts for the standard
    (capability, tiers) and arrives (turn-out + drive) within ``max_min``. Pairs no team meets are
    baseline gaps (not caused by drills). ``min_share`` is not used: every site met at baseline must
    stay met while teams drill. With ``year``, each day's off-duty teams come from :func:`off_duty_by_day`
    under ``rules`` (the scenario's strength rules; the defaults when None).
    """
    report = coverage_report(scenario)
    groups = tuple(CoverGroup(r.site, r.standard, r.max_min, frozenset(r.in_time)) for r in report.sites if r.passed)
    gaps = tuple((r.site, r.standard) for r in report.sites if not r.passed)
    off_duty = {} if year is None else off_duty_by_day(scenario, year, rules,
                                                        teams={t for g in groups for t in g.teams})
    return Coverage(groups, gaps, off_duty)


def off_duty_by_day(scenario: Scenario, year: int, rules: AvailabilityRules | None = None, *,
                    teams: set[str] | None = None) -> dict[dt.date, frozenset[str]]:
    """Return, for each day of the year, the teams (of ``teams``, default all) that cannot answer at DRILL_HOUR.

    Judged by the one availability function: a team nobody of which is on duty, or whose people on duty
    can staff none of what it declares, cannot answer. Days when every team can are left out; a scenario
    without people recorded has none (every team counts at its declared strength).
    """
    if not scenario.people:
        return {}
    if teams is not None:  # judge only those teams: the same function on their records, a fraction of the work
        scenario = dataclasses.replace(
            scenario, teams=tuple(t for t in scenario.teams if t.id in teams),
            people=tuple(p for p in scenario.people if p.team in teams),
            shifts=tuple(s for s in scenario.shifts if s.team in teams),
            equipment=tuple(e for e in scenario.equipment if e.team in teams))
    out: dict[dt.date, frozenset[str]] = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        report = availability(scenario, dt.datetime.combine(day, dt.time(DRILL_HOUR)), rules)
        gone = frozenset(t for t in report.out() if teams is None or t in teams)
        if gone:
            out[day] = gone
        day += dt.timedelta(days=1)
    return out
