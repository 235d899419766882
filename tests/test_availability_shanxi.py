"""Acceptance on the shipped shanxi-coal scenario: a mine rescue squad short of people on duty is not sent.

Every mine rescue company there is staffed and rostered; the test puts all but 7 of the on-duty people of
the mine's nearest company on leave and checks that dispatch at that moment sends the next qualified
squads instead, and says why.
"""

from __future__ import annotations

import datetime as dt

import pytest

from planner.availability import availability, rosters_at
from planner.dispatch.requests import incident_library, parse_incident_request
from planner.dispatch.scenario import availability_summary, dispatch_scenario
from planner.model.records import RECORD_TYPES, TeamType, parse_record
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario

AT = dt.datetime(2026, 7, 20, 9, 0)
"""A wall-clock time in the scenario's zone (Asia/Shanghai)."""


@pytest.fixture(scope="module")
def shanxi() -> Scenario:
    return read_scenario("shanxi-coal")


def test_every_mine_rescue_company_is_staffed_and_rostered(shanxi):
    rosters = rosters_at(shanxi, AT)
    report = availability(shanxi, AT)
    for team in shanxi.teams:
        if team.team_type is TeamType.MINE_RESCUE:
            assert rosters[team.id].members == team.members and rosters[team.id].rostered, team.id
            assert report.team(team.id).capabilities["mine_rescue_squad"] >= 1, team.id


def mine_with_two_companies_in_time(scenario: Scenario):
    """A mine where, nominally, the nearest mine rescue company is sent and another also arrives in time."""
    library = incident_library()
    for site in scenario.sites:
        request = parse_incident_request({"lon": site.lon, "lat": site.lat, "type": "mine-flooding"}, 0, library)
        run = dispatch_scenario(scenario, [request])
        deadline = next(r.deadline_min for r in request.requirements if r.capability == "mine_rescue_squad")
        teams = {t.id: t for t in scenario.teams}
        in_time = sorted((m + teams[u].turnout_min, u) for (u, _), m in run.problem.travel_min.items()
                         if teams[u].team_type is TeamType.MINE_RESCUE and teams[u].availability.value == "available"
                         and m + teams[u].turnout_min <= deadline)
        if len(in_time) >= 2 and in_time[0][1] in run.optimal.assignment_map():
            return request, in_time[0][1]
    raise AssertionError("no mine with two companies in time")


def test_a_squad_with_7_people_on_duty_is_not_sent_and_the_next_qualified_one_is(shanxi):
    request, nearest = mine_with_two_companies_in_time(shanxi)
    on_duty = rosters_at(shanxi, AT)[nearest].on_duty
    leave = {"id": "leave-test", "team": nearest, "kind": "leave", "people": [p.id for p in on_duty[7:]],
             "starts": "2026-07-19T00:00", "hours": 72}
    grouped = {kind: list(shanxi.records(kind)) for kind in RECORD_TYPES}
    grouped["shifts"].append(parse_record(RECORD_TYPES["shifts"], leave))
    scenario = Scenario.build(shanxi.name, shanxi.meta, grouped, shanxi.agreements)
    available = availability(scenario, AT)
    assert available.team(nearest).on_duty == 7 and available.team(nearest).capabilities["mine_rescue_squad"] == 0

    nominal = dispatch_scenario(scenario, [request])
    assert nearest in nominal.optimal.assignment_map()  # on paper the nearest company goes
    run = dispatch_scenario(scenario, [request], available=available)
    sent = run.optimal.assignment_map()
    assert nearest not in sent
    teams = {t.id: t for t in scenario.teams}
    squads = [u for u in sent if teams[u].team_type is TeamType.MINE_RESCUE]
    assert squads and all(available.team(u).capabilities["mine_rescue_squad"] >= 1 for u in squads)
    assert not [s for s in run.optimal.shortfall if s.capability == "mine_rescue_squad"]
    summary = availability_summary(run)
    assert summary is not None
    why = next(t for t in summary["held_back"] if t["team"] == nearest)
    assert why["reason"].startswith("can staff 0 of") and "7 on duty, 9 per unit" in why["reason"]
    assert any(f["rule"] == "R-TEAM-MINE" and f["source"] for f in why["flags"])
    for unit in squads:
        assert summary["units"][unit]["people"] >= 9 and summary["units"][unit]["qualifications"]["mine_rescue"] >= 9
