"""Who is on duty at a moment: the duty roster (值班) of each team applied to its people.

A team with duty lines in the roster has on duty exactly the people of the lines covering the moment;
a team without any duty line has all its people on duty (a professional team living at its base). In
both cases a person on leave or in training at that moment is absent. Times are read in the scenario's
zone (:meth:`planner.model.personnel.Shift.covers`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from planner.model.personnel import Person, ShiftKind
from planner.scenario.model import Scenario


@dataclass(frozen=True)
class TeamRoster:
    """One team at one moment: its people recorded, who is on duty, who is absent and why, whether it keeps a roster."""

    team: str
    people: tuple[Person, ...]
    on_duty: tuple[Person, ...]
    absent: Mapping[str, str]
    rostered: bool

    @property
    def members(self) -> int:
        """How many people the team has recorded."""
        return len(self.people)


def rosters_at(scenario: Scenario, moment: dt.datetime) -> dict[str, TeamRoster]:
    """Return every team's roster state at ``moment`` (aware, or wall-clock in the scenario's zone), by team id."""
    zone = scenario.zone
    members: dict[str, list[Person]] = {t.id: [] for t in scenario.teams}
    for person in scenario.people:
        members.setdefault(person.team, []).append(person)
    duty: dict[str, set[str]] = {}
    absent: dict[str, str] = {}
    for line in scenario.shifts:
        if line.kind is ShiftKind.DUTY:
            present = duty.setdefault(line.team, set())
            if line.covers(moment, zone):
                present.update(line.people)
        elif line.covers(moment, zone):
            for person_id in line.people:
                absent.setdefault(person_id, line.kind.value)
    out = {}
    for team_id, people in members.items():
        rostered = team_id in duty
        present = duty.get(team_id, set())
        on = tuple(p for p in people if (p.id in present or not rostered) and p.id not in absent)
        out[team_id] = TeamRoster(team_id, tuple(people), on,
                                  {p.id: absent[p.id] for p in people if p.id in absent}, rostered)
    return out

