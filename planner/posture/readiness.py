"""Readiness posture: levels with their turn-out minutes, and the rules saying which warnings raise which teams.

Levels are the model's ``Readiness`` (normal / raised / full combat readiness, 常备 / 加强 / 全员
战备). Each level has a turn-out factor applied to a team's turn-out at normal readiness, and a floor
(``min_turnout_min``); a team may instead list its own minutes per level. A team's ``turnout_min`` in
the scenario is its turn-out at its current readiness, so its normal turn-out is ``turnout_min /
factor(current)``. Posture never lowers a team's readiness nor lengthens its turn-out.

Readiness rules are data (``warning_rules.yaml``, section ``readiness_rules``). A rule is triggered by
warnings (by hazard and colour level) or by critical periods (by name, from the scenario's
``calendar.yaml`` shared with the drill blackouts, e.g. the flood season: all rescue teams on full
combat readiness, domain.md §6). It names the team types it raises (empty: all) and its scope for a
warning: ``area`` (teams whose base lies in the warning area), ``near`` (within ``near_km`` of it) or
``all`` (every team of the scenario). Periods always apply to every team of the named types.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import shapely
import shapely.ops
from pydantic import ConfigDict, Field, StrictFloat, model_validator

from planner.drills.calendar import Blackout, CalendarDocument, calendar_year
from planner.model.records import Availability, Readiness, Team, TeamType
from planner.model.validation import Model, Text
from planner.posture.risk import region_shapes
from planner.posture.warnings import HazardKey, HazardWarning, WarningLevel, answers, haversine_km
from planner.scenario.model import Scenario

__all__ = [
    "DEFAULT_LEVELS",
    "LevelSpec",
    "ReadinessPolicy",
    "ReadinessRule",
    "TeamRaise",
    "apply_readiness",
    "critical_periods",
    "readiness_policy",
    "raise_teams",
    "turnout_at",
]

_ORDER = {level: k for k, level in enumerate(Readiness)}


class LevelSpec(Model):
    """A readiness level: turn-out = normal turn-out x ``turnout_factor``, not below ``min_turnout_min``."""

    turnout_factor: StrictFloat = Field(default=1.0, gt=0, le=1)
    min_turnout_min: StrictFloat = Field(default=0.0, ge=0)
    label: str = ""
    source: str = ""


DEFAULT_LEVELS: Mapping[Readiness, LevelSpec] = {
    Readiness.NORMAL: LevelSpec(turnout_factor=1.0),
    Readiness.RAISED: LevelSpec(turnout_factor=0.75, min_turnout_min=0.5),
    Readiness.FULL: LevelSpec(turnout_factor=0.5, min_turnout_min=0.5),
}
"""[U] planning assumption: raised readiness cuts turn-out by a quarter, full combat readiness by half
(crews in kit, vehicles loaded), never below half a minute; mine rescue's own rule is <= 1 min to leave
(domain.md §2), which a full-readiness mine team meets."""


class ReadinessRule(Model):
    """Which warnings or critical periods put which teams on which level (one of ``readiness_rules``)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [  # as ``_triggered`` checks
        {"required": [name], "properties": {name: {"minItems": 1}}} for name in ("hazards", "levels", "periods")]})

    name: Text
    level: Readiness
    hazards: frozenset[HazardKey] = frozenset()
    levels: frozenset[WarningLevel] = frozenset()
    periods: frozenset[Text] = frozenset()
    team_types: frozenset[TeamType] = frozenset()
    scope: Literal["area", "near", "all"] = "area"
    near_km: StrictFloat = Field(default=0.0, ge=0)
    source: str = ""

    @model_validator(mode="after")
    def _triggered(self) -> ReadinessRule:
        if not (self.hazards or self.levels or self.periods):
            raise ValueError("name the hazards, levels or periods that trigger it")
        return self

    def applies(self, warning: HazardWarning) -> bool:
        """Whether a warning triggers the rule (never for a period-only rule)."""
        if self.periods and not (self.hazards or self.levels):
            return False
        return answers(self.hazards, self.levels, warning)

    def covers_type(self, team: Team) -> bool:
        """Whether the rule raises teams of this type."""
        return not self.team_types or team.team_type in self.team_types


@dataclass(frozen=True)
class ReadinessPolicy:
    """Levels, per-team minutes per level, and the raise rules."""

    levels: Mapping[Readiness, LevelSpec] = dataclasses.field(default_factory=lambda: dict(DEFAULT_LEVELS))
    team_minutes: Mapping[str, Mapping[Readiness, float]] = dataclasses.field(default_factory=dict)
    rules: tuple[ReadinessRule, ...] = ()


def turnout_at(team: Team, level: Readiness, policy: ReadinessPolicy) -> float:
    """Return a team's turn-out minutes at a readiness level (never longer than now if the level is not lower)."""
    own = policy.team_minutes.get(team.id, {})
    if level in own:
        minutes = float(own[level])
    else:
        current = policy.levels[team.readiness]
        normal = team.turnout_min / current.turnout_factor if current.turnout_factor > 0 else team.turnout_min
        spec = policy.levels[level]
        minutes = max(normal * spec.turnout_factor, spec.min_turnout_min)
    if _ORDER[level] >= _ORDER[team.readiness]:
        minutes = min(minutes, team.turnout_min)
    return round(minutes, 3)


@dataclass(frozen=True)
class TeamRaise:
    """A team put on a higher readiness level, its turn-out before and after, and why."""

    team: str
    team_type: str
    base: str
    level_before: str
    level_after: str
    turnout_before: float
    turnout_after: float
    reasons: tuple[str, ...]


def raise_teams(scenario: Scenario, warnings: Sequence[HazardWarning], periods: Sequence[Blackout],
                policy: ReadinessPolicy) -> tuple[TeamRaise, ...]:
    """Return the teams the rules raise for the given warnings and critical periods (all in force).

    Teams not available (drilling, committed, off duty) are raised too: the posture holds when they
    return. Teams are returned in scenario order; teams whose level and turn-out stay are left out.
    """
    shapes = region_shapes(scenario)
    bases = scenario.by_id("bases")
    period_names = {p.name for p in periods}
    wanted: dict[str, tuple[Readiness, list[str]]] = {}
    for team in scenario.teams:
        base = bases[team.base]
        level = team.readiness
        reasons: list[str] = []
        for rule in policy.rules:
            if not rule.covers_type(team):
                continue
            triggers = [f"period {p}" for p in sorted(rule.periods & period_names)]
            for w in warnings:
                if rule.applies(w) and (rule.scope == "all" or _near(w, base.lon, base.lat, rule, shapes)):  # type: ignore[attr-defined]
                    triggers.append(f"warning {w.id}")
            if triggers and _ORDER[rule.level] > _ORDER[level]:
                level = rule.level
            if triggers and _ORDER[rule.level] > _ORDER[team.readiness]:
                reasons.append(f"{rule.name} ({', '.join(triggers)})")
        if reasons:
            wanted[team.id] = (level, reasons)
    out = []
    for team in scenario.teams:
        if team.id not in wanted:
            continue
        level, reasons = wanted[team.id]
        after = turnout_at(team, level, policy)
        out.append(TeamRaise(team.id, team.team_type.value, team.base, team.readiness.value, level.value,
                             float(team.turnout_min), after, tuple(reasons)))
    return tuple(out)


def _near(warning: HazardWarning, lon: float, lat: float, rule: ReadinessRule, shapes: Mapping[str, Any]) -> bool:
    if warning.contains(lon, lat, shapes):
        return True
    if rule.scope != "near" or rule.near_km <= 0:
        return False
    point = shapely.Point(lon, lat)
    for area in warning.areas:
        for c in area.circles:
            if haversine_km(c.lon, c.lat, lon, lat) <= c.radius_km + rule.near_km:
                return True
        parts = [shapely.Polygon(r) for r in area.polygons] + [shapes[r] for r in area.regions if r in shapes]
        for part in parts:
            nearest = shapely.ops.nearest_points(part, point)[0]
            if haversine_km(nearest.x, nearest.y, lon, lat) <= rule.near_km:
                return True
    return False


def apply_readiness(scenario: Scenario, raises: Sequence[TeamRaise]) -> Scenario:
    """Return a copy of the scenario with the raised teams' readiness and turn-out."""
    new = {r.team: r for r in raises}
    return dataclasses.replace(scenario, teams=tuple(
        t.model_copy(update={"readiness": Readiness(new[t.id].level_after), "turnout_min": new[t.id].turnout_after})
        if t.id in new else t for t in scenario.teams))


def available(team: Team) -> bool:
    """Whether a team responds now."""
    return team.availability is Availability.AVAILABLE


def critical_periods(calendar: CalendarDocument | None, day: dt.date) -> tuple[Blackout, ...]:
    """Return the critical periods in force on ``day`` (a day in the scenario's zone): blackouts and flood season.

    ``calendar`` is the scenario's calendar document; none, or no entry for the year, gives no period.
    """
    year = None if calendar is None else calendar_year(calendar, day.year)
    if year is None:
        return ()
    windows = list(year.blackouts)
    if year.flood_season is not None and all(w.name != year.flood_season.name for w in windows):
        windows.append(year.flood_season)
    return tuple(w for w in windows if w.contains(day))


def readiness_policy(levels: Mapping[Readiness, LevelSpec], team_minutes: Mapping[str, Mapping[Readiness, float]],
                     rules: Sequence[ReadinessRule]) -> ReadinessPolicy:
    """Return a readiness policy: the given levels over :data:`DEFAULT_LEVELS`, teams' own minutes, the rules."""
    return ReadinessPolicy({**DEFAULT_LEVELS, **levels}, {team: dict(row) for team, row in team_minutes.items()},
                           tuple(rules))
