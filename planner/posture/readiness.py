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
from pathlib import Path
from typing import Any

from planner.drills.calendar import Blackout, read_calendar
from planner.errors import InputError
from planner.model.records import Availability, Readiness, Team, TeamType
from planner.posture.warnings import HAZARD_KEYWORDS, LEVELS, HazardWarning, haversine_km, region_shapes
from planner.scenario.model import Scenario

__all__ = [
    "DEFAULT_LEVELS",
    "LevelSpec",
    "ReadinessPolicy",
    "ReadinessRule",
    "TeamRaise",
    "apply_readiness",
    "critical_periods",
    "parse_readiness",
    "raise_teams",
    "turnout_at",
]

SCOPES = ("area", "near", "all")
_ORDER = {level: k for k, level in enumerate(Readiness)}


@dataclass(frozen=True)
class LevelSpec:
    """A readiness level: turn-out = normal turn-out x ``turnout_factor``, not below ``min_turnout_min``."""

    turnout_factor: float
    min_turnout_min: float = 0.0


DEFAULT_LEVELS: Mapping[Readiness, LevelSpec] = {
    Readiness.NORMAL: LevelSpec(1.0),
    Readiness.RAISED: LevelSpec(0.75, 0.5),
    Readiness.FULL: LevelSpec(0.5, 0.5),
}
"""[U] planning assumption: raised readiness cuts turn-out by a quarter, full combat readiness by half
(crews in kit, vehicles loaded), never below half a minute; mine rescue's own rule is <= 1 min to leave
(domain.md §2), which a full-readiness mine team meets."""


@dataclass(frozen=True)
class ReadinessRule:
    """Which warnings or critical periods put which teams on which level."""

    name: str
    level: Readiness
    hazards: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    periods: frozenset[str] = frozenset()
    team_types: frozenset[TeamType] = frozenset()
    scope: str = "area"
    near_km: float = 0.0
    source: str = ""

    def applies(self, warning: HazardWarning) -> bool:
        """Whether a warning triggers the rule (never for a period-only rule)."""
        if self.periods and not (self.hazards or self.levels):
            return False
        return ((not self.hazards or warning.hazard in self.hazards)
                and (not self.levels or warning.level in self.levels))

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
    import shapely
    import shapely.ops

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


def critical_periods(folder: Path | None, day: dt.date) -> tuple[Blackout, ...]:
    """Return the critical periods in force on ``day`` from ``folder/calendar.yaml`` (blackouts + flood season).

    No folder, no calendar file or no entry for the year gives no period.
    """
    if folder is None or not (Path(folder) / "calendar.yaml").is_file():
        return ()
    try:
        calendar = read_calendar(Path(folder) / "calendar.yaml", day.year)
    except InputError as error:
        if error.field == "years":
            return ()
        raise
    windows = list(calendar.blackouts)
    if calendar.flood_season is not None and all(w.name != calendar.flood_season.name for w in windows):
        windows.append(calendar.flood_season)
    return tuple(w for w in windows if w.contains(day))


def parse_readiness(levels: Any, team_minutes: Any, rules: Any, *,
                    where: str = "warning_rules.yaml") -> ReadinessPolicy:
    """Parse a readiness policy from the ``readiness_levels``, ``team_readiness`` and ``readiness_rules`` sections."""
    specs = dict(DEFAULT_LEVELS)
    if levels is not None:
        if not isinstance(levels, Mapping):
            raise InputError(f"{where}: readiness_levels must map a level to its turnout_factor",
                             field="readiness_levels")
        for name, spec in levels.items():
            if name not in [r.value for r in Readiness]:
                raise InputError(f"{where}: readiness_levels: unknown level {name!r}", field="readiness_levels")
            if not isinstance(spec, Mapping) or set(spec) - {"turnout_factor", "min_turnout_min", "label", "source"}:
                raise InputError(f"{where}: readiness_levels.{name}: give turnout_factor and min_turnout_min",
                                 field="readiness_levels")
            factor = spec.get("turnout_factor", 1.0)
            floor = spec.get("min_turnout_min", 0.0)
            if not _number(factor) or not 0 < factor <= 1 or not _number(floor) or floor < 0:
                raise InputError(f"{where}: readiness_levels.{name}: turnout_factor must be in (0, 1], "
                                 "min_turnout_min >= 0", field="readiness_levels")
            specs[Readiness(name)] = LevelSpec(float(factor), float(floor))
    minutes: dict[str, dict[Readiness, float]] = {}
    if team_minutes is not None:
        if not isinstance(team_minutes, Mapping):
            raise InputError(f"{where}: team_readiness must map a team id to minutes per level", field="team_readiness")
        for team_id, row in team_minutes.items():
            if not isinstance(row, Mapping) or not all(k in [r.value for r in Readiness] and _number(v) and v >= 0
                                                        for k, v in row.items()):
                raise InputError(f"{where}: team_readiness.{team_id}: give minutes per level (normal/raised/full)",
                                 field="team_readiness")
            minutes[str(team_id)] = {Readiness(k): float(v) for k, v in row.items()}
    return ReadinessPolicy(specs, minutes, _rules(rules, where))


def _rules(items: Any, where: str) -> tuple[ReadinessRule, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise InputError(f"{where}: readiness_rules must be a list", field="readiness_rules")
    out = []
    known = {"name", "level", "hazards", "levels", "periods", "team_types", "scope", "near_km", "source"}
    for i, item in enumerate(items):
        at = f"{where}: readiness_rules[{i}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{at} must be a mapping", field="readiness_rules")
        unknown = sorted(set(item) - known)
        if unknown:
            raise InputError(f"{at}: unknown field {unknown[0]!r}", field=unknown[0])
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"{at}: name must be a non-empty text", field="name")
        at = f"{at} ({name})"
        level = item.get("level")
        if level not in [r.value for r in Readiness]:
            raise InputError(f"{at}: level must be normal, raised or full", field="level")
        hazards = _list(item, "hazards", at, list(HAZARD_KEYWORDS))
        colour = _list(item, "levels", at, list(LEVELS))
        periods = _list(item, "periods", at, None)
        types = _list(item, "team_types", at, [t.value for t in TeamType])
        if not (hazards or colour or periods):
            raise InputError(f"{at}: name hazards, levels or periods that trigger it", field="hazards")
        scope = item.get("scope", "area")
        if scope not in SCOPES:
            raise InputError(f"{at}: scope must be one of {', '.join(SCOPES)}", field="scope")
        near = item.get("near_km", 0.0)
        if not _number(near) or near < 0:
            raise InputError(f"{at}: near_km must be a number >= 0", field="near_km")
        out.append(ReadinessRule(name, Readiness(level), hazards, colour, periods,
                                 frozenset(TeamType(t) for t in types), scope, float(near),
                                 str(item.get("source", ""))))
    return tuple(out)


def _list(item: Mapping[str, Any], key: str, where: str, allowed: list[str] | None) -> frozenset[str]:
    value = item.get(key) or []
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: {key} must be a list of names", field=key)
    if allowed is not None and (bad := [v for v in value if v not in allowed]):
        raise InputError(f"{where}: {key}: unknown value {bad[0]!r} (known: {', '.join(allowed)})", field=key)
    return frozenset(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
