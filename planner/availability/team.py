"""THE availability function: what each team can really staff at a moment, against what it declares.

:func:`availability` takes a scenario, a moment and the strength rules, and returns per team: the people
on duty (its roster, :mod:`planner.availability.roster`), their roles and the certificates they hold
valid that day, the capability units it can staff, its nominal capabilities and flags naming each rule
it falls short of, with the rule's source. Dispatch, coverage ("available now" against "nominal") and the
pages that show availability all call it, so they agree on who can go.

- Nominal capabilities are the team's declared ones plus the capability tags of the equipment it carries
  that is in service (:func:`nominal_capabilities`); equipment in maintenance or out of service counts
  for nothing, anywhere.
- With people recorded, a capability governed by strength rules contributes only the units the people
  on duty can staff: per unit, the people, the certificate holders (valid on the day of the moment: a
  certificate that expired yesterday does not count), the roles and the equipment in service each rule
  asks for (R-TEAM-MINE: a squad of 9). Other capabilities count in full while anyone is on duty; nobody
  on duty brings nothing.
- A team without people recorded keeps its nominal capabilities, flagged as not checked.
- Typing (R-TYPING): the most capable type whose every criterion the team meets on duty; a team that
  declares a better type is flagged and shown at the type it meets.
- The team's status (committed, drilling, off duty) is reported and flagged; such a team is not sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.availability.roster import TeamRoster, rosters_at
from planner.availability.rules import AvailabilityRules, TypeCriteria, default_rules
from planner.clock import wall_clock
from planner.model.records import Availability, Equipment, Team
from planner.scenario.model import Scenario

__all__ = ["AvailabilityReport", "Flag", "TeamAvailability", "as_available", "availability", "nominal_capabilities"]


@dataclass(frozen=True)
class Flag:
    """Why a team counts for less than it declares: the rule, what falls short, and the rule's source."""

    rule: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class TeamAvailability:
    """One team at one moment: people on duty, what it can staff, what it declares, and why they differ.

    ``on_duty`` is None when the team has no people recorded (its strength is not checked);
    ``roles`` and ``qualifications`` count the people on duty by role and by certificate valid that day.
    """

    id: str
    status: str
    on_duty: int | None
    people: int
    roles: Mapping[str, int]
    qualifications: Mapping[str, int]
    capabilities: Mapping[str, int]
    nominal: Mapping[str, int]
    declared_type: int | None
    met_type: int | None
    flags: tuple[Flag, ...]
    not_responding: str = ""

    @property
    def below_nominal(self) -> bool:
        """Whether it can staff less of some capability than it declares."""
        return any(self.capabilities.get(c, 0) < n for c, n in self.nominal.items())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"id": self.id, "status": self.status, "on_duty": self.on_duty, "people": self.people,
                "roles": dict(self.roles), "qualifications": dict(self.qualifications),
                "capabilities": dict(self.capabilities), "nominal": dict(self.nominal),
                "declared_type": self.declared_type, "met_type": self.met_type,
                "responds": not self.not_responding, "reason": self.not_responding,
                "flags": [{"rule": f.rule, "message": f.message, "source": f.source} for f in self.flags]}


@dataclass(frozen=True)
class AvailabilityReport:
    """Every team of a scenario at one moment (``at``, aware, in the scenario's zone)."""

    scenario: str
    at: dt.datetime
    teams: tuple[TeamAvailability, ...]
    _index: Mapping[str, TeamAvailability] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t.id: t for t in self.teams})

    def team(self, team_id: str) -> TeamAvailability:
        """Return one team's availability; KeyError for an unknown id."""
        return self._index[team_id]

    def capabilities(self) -> dict[str, dict[str, int]]:
        """Capability units each team can staff, by team id (what dispatch counts)."""
        return {t.id: dict(t.capabilities) for t in self.teams}

    def out(self) -> dict[str, str]:
        """Teams that cannot answer at this moment and why (what coverage leaves out)."""
        return {t.id: t.not_responding for t in self.teams if t.not_responding}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"at", "teams": [{"id", "on_duty", "capabilities", "nominal", "flags", ...}]}``."""
        return {"scenario": self.scenario, "at": self.at.isoformat(), "teams": [t.to_dict() for t in self.teams]}


def nominal_capabilities(scenario: Scenario) -> dict[str, dict[str, int]]:
    """Each team's declared capability units plus the tags of the equipment it carries that is in service."""
    capabilities = {t.id: dict(t.capabilities) for t in scenario.teams}
    for item in scenario.equipment:
        if item.team is not None and item.in_service:
            for tag in item.capabilities:
                capabilities[item.team][tag] = capabilities[item.team].get(tag, 0) + item.quantity
    return capabilities


def availability(scenario: Scenario, at: dt.datetime, rules: AvailabilityRules | None = None) -> AvailabilityReport:
    """Return what every team can staff at ``at`` (aware, or wall-clock in the scenario's zone).

    Parameters
    ----------
    scenario
        Teams, people, the duty roster and equipment.
    at
        The moment; certificates are judged on its day in the scenario's zone.
    rules
        Strength rules and typing table (default :func:`planner.availability.rules.default_rules`).

    """
    rules = rules or default_rules()
    moment = wall_clock(at, scenario.zone).astimezone(scenario.zone)
    day = moment.date()
    rosters = rosters_at(scenario, moment)
    nominal = nominal_capabilities(scenario)
    carried: dict[str, list[Equipment]] = {}
    for item in scenario.equipment:
        if item.team is not None:
            carried.setdefault(item.team, []).append(item)
    teams = tuple(_team(team, rosters[team.id], nominal[team.id], carried.get(team.id, []), rules, day)
                  for team in scenario.teams)
    return AvailabilityReport(scenario.name, moment, teams)


def as_available(scenario: Scenario, report: AvailabilityReport) -> Scenario:
    """Return the scenario as it stands at the report's moment, for planners that read team records.

    A team that cannot answer then is marked off duty (its other statuses are kept); a team with people
    recorded declares only what its people on duty can staff: each declared capability less what it cannot
    staff of its nominal one (declared plus carried equipment in service, which keeps its own record). A
    team without people keeps its record. Posture and what-if planners given this scenario count exactly the
    teams and units the one availability function counts.
    """
    teams = []
    for team in scenario.teams:
        found = report.team(team.id)
        update: dict[str, Any] = {}
        if found.not_responding and team.availability is Availability.AVAILABLE:
            update["availability"] = Availability.OFF_DUTY
        if found.on_duty is not None:  # what it cannot staff comes off its own declaration (carried items stay)
            update["capabilities"] = {c: max(0, n - (found.nominal.get(c, 0) - found.capabilities.get(c, 0)))
                                      for c, n in team.capabilities.items()}
        teams.append(team.model_copy(update=update) if update else team)
    return dataclasses.replace(scenario, teams=tuple(teams))


def _team(team: Team, roster: TeamRoster, nominal: dict[str, int], items: list[Equipment], rules: AvailabilityRules,
          day: dt.date) -> TeamAvailability:
    """Assess one team (see the module's rules)."""
    flags: list[Flag] = []
    if team.availability is not Availability.AVAILABLE:
        flags.append(Flag("status", f"team is {team.availability.value}: not sent", "team record"))
    flags += _upkeep_flags(items, day)
    members = roster.on_duty
    if not roster.members:
        flags.append(Flag("personnel", "no people recorded: declared strength counted, not checked", ""))
        met = None
        if team.resource_type is not None:
            flags.append(Flag("R-TYPING", f"declared Type {team.resource_type} not checked: no people recorded",
                              "domain.md R-TYPING"))
        return TeamAvailability(team.id, team.availability.value, None, 0, {}, {}, dict(nominal), dict(nominal),
                                team.resource_type, met, tuple(flags), _reason(team, dict(nominal), None, flags, rules))
    roles = Counter(p.role.value for p in members)
    holders = Counter(kind for p in members for kind in p.valid_kinds(day))
    in_service: Counter[str] = Counter()
    for item in items:
        if item.in_service:
            for tag in item.capabilities:
                in_service[tag] += item.quantity
    if not roster.rostered:
        flags.append(Flag("roster", "no duty roster: every member not on leave or in training counts as on duty", ""))
    absent = Counter(roster.absent.values())
    if absent:
        flags.append(Flag("roster", "absent: " + ", ".join(f"{n} on {kind}" for kind, n in sorted(absent.items())), ""))
    staffed: dict[str, int] = {}
    for capability, declared in nominal.items():
        if not members:
            staffed[capability] = 0
            continue
        units = declared
        for rule in rules.rules_for(capability, team.team_type):
            limits = _limits(rule.people, rule.qualified, rule.roles, rule.equipment, len(members), holders, roles,
                             in_service)
            can = min([declared, *(n for n, _ in limits)])
            if can < declared:
                short = "; ".join(text for n, text in limits if n < declared)
                flags.append(Flag(rule.id, f"can staff {can} of {declared} {capability}: {short}", rule.source))
            units = min(units, can)
        staffed[capability] = units
    flags += _organisation_flags(team, roster, nominal, rules, day, in_service)
    if not members:
        flags.append(Flag("roster", f"nobody on duty of {roster.members} people recorded", ""))
    met = _met_type(rules.types_of(team.team_type), len(members), staffed, holders, in_service)
    if team.resource_type is not None and (met is None or met > team.resource_type):
        shown = f"Type {met}" if met is not None else "no type"
        rows = [r for r in rules.types_of(team.team_type) if r.type == team.resource_type]
        why = "; ".join(_criteria_short(rows[0], len(members), staffed, holders, in_service)) if rows else \
            "no typing row"
        flags.append(Flag("R-TYPING", f"declared Type {team.resource_type}, meets {shown} now ({why})",
                          rows[0].source if rows else "domain.md R-TYPING"))
    return TeamAvailability(team.id, team.availability.value, len(members), roster.members, dict(roles), dict(holders),
                            staffed, dict(nominal), team.resource_type, met, tuple(flags),
                            _reason(team, staffed, len(members), flags, rules))


def _organisation_flags(team: Team, roster: TeamRoster, nominal: Mapping[str, int], rules: AvailabilityRules,
                        day: dt.date, in_service: Mapping[str, int]) -> list[Flag]:
    """Return the flags of size rules (``min_units``: a 中队 of 3 squads), judged on every person recorded.

    A company whose whole roll (certificates valid on the day) cannot make the units the rule asks for is
    organised below strength; the squads it has on duty still count (R-TEAM-MINE).
    """
    flags = []
    everyone = roster.people
    roles = Counter(p.role.value for p in everyone)
    holders = Counter(kind for p in everyone for kind in p.valid_kinds(day))
    for capability, declared in nominal.items():
        sizes = [r for r in rules.rules_for(capability, team.team_type) if r.min_units and declared >= r.min_units]
        if not sizes:
            continue
        can = declared
        for rule in rules.rules_for(capability, team.team_type):
            limits = _limits(rule.people, rule.qualified, rule.roles, rule.equipment, len(everyone), holders, roles,
                             in_service)
            can = min([can, *(n for n, _ in limits)])
        for rule in sizes:
            if rule.min_units is not None and can < rule.min_units:
                flags.append(Flag(rule.id, f"its {len(everyone)} people can make {can} {capability}; a team of "
                                           f"{rule.min_units} or more needs at least that many", rule.source))
    return flags


def _limits(people: int, qualified: Mapping[str, int], roles: Mapping[str, int], equipment: Mapping[str, int],
            on_duty: int, holders: Mapping[str, int], role_counts: Mapping[str, int],
            in_service: Mapping[str, int]) -> list[tuple[int, str]]:
    """Return the units each criterion allows, with the words that explain it (``7 on duty, 9 per unit``)."""
    out = []
    if people:
        out.append((on_duty // people, f"{on_duty} on duty, {people} per unit"))
    for kind, per in qualified.items():
        if per:
            out.append((holders.get(kind, 0) // per, f"{holders.get(kind, 0)} holding a valid {kind}, {per} per unit"))
    for role, per in roles.items():
        if per:
            out.append((role_counts.get(role, 0) // per, f"{role_counts.get(role, 0)} {role} on duty, {per} per unit"))
    for tag, per in equipment.items():
        if per:
            out.append((in_service.get(tag, 0) // per, f"{in_service.get(tag, 0)} {tag} in service, {per} per unit"))
    return out


def _criteria_short(row: TypeCriteria, on_duty: int, staffed: Mapping[str, int], holders: Mapping[str, int],
                    in_service: Mapping[str, int]) -> list[str]:
    """Return the criteria of a typing row that are not met, in words."""
    short = []
    if on_duty < row.people:
        short.append(f"{on_duty} on duty < {row.people}")
    short += [f"{staffed.get(c, 0)} {c} < {n}" for c, n in row.capabilities.items() if staffed.get(c, 0) < n]
    short += [f"{holders.get(k, 0)} holding {k} < {n}" for k, n in row.qualified.items() if holders.get(k, 0) < n]
    short += [f"{in_service.get(t, 0)} {t} in service < {n}" for t, n in row.equipment.items()
              if in_service.get(t, 0) < n]
    return short


def _met_type(rows: list[TypeCriteria], on_duty: int, staffed: Mapping[str, int], holders: Mapping[str, int],
              in_service: Mapping[str, int]) -> int | None:
    """Return the most capable type whose every criterion is met (rows most capable first), or None."""
    for row in rows:
        if not _criteria_short(row, on_duty, staffed, holders, in_service):
            return row.type
    return None


def _upkeep_flags(items: list[Equipment], day: dt.date) -> list[Flag]:
    """Return flags for carried equipment not in service (it counts for nothing) or overdue for inspection."""
    flags = []
    down = [item for item in items if not item.in_service]
    if down:
        flags.append(Flag("upkeep", "counts for nothing: " + ", ".join(
            f"{item.id} ({item.kind} x{item.quantity}, {item.status.value})" for item in down), "equipment status"))
    overdue = [item for item in items if item.in_service and item.inspection_due is not None
               and item.inspection_due < day]
    if overdue:
        flags.append(Flag("upkeep", "inspection overdue: " + ", ".join(
            f"{item.id} (due {item.inspection_due})" for item in overdue), "equipment inspection interval"))
    return flags


def _reason(team: Team, staffed: Mapping[str, int], on_duty: int | None, flags: list[Flag],
            rules: AvailabilityRules) -> str:
    """Return why the team cannot answer at all ('' when it can): status, nobody on duty, nothing staffed.

    A team whose declared capabilities include some governed by strength rules answers only while it can
    staff a unit of one of those (a mine rescue company with no squad does not answer for its gas detectors).
    """
    if team.availability is not Availability.AVAILABLE:
        return team.availability.value
    if on_duty == 0:
        return "nobody on duty"
    declared = [c for c in team.capabilities if c in staffed]
    governed = [c for c in declared if any(r.people or r.qualified or r.roles or r.equipment
                                           for r in rules.rules_for(c, team.team_type))]
    if (governed or declared) and not any(staffed[c] for c in governed or declared):
        limiting = [f.message for f in flags if f.rule not in ("status", "upkeep", "roster", "personnel", "R-TYPING")]
        return "; ".join(limiting) or "nothing it declares can be staffed"
    return ""
