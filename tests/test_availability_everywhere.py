"""The one availability function in every planner that takes a time: re-dispatch, sweep, posture, drill programme.

Each case is a roster worked out by hand on the mini scenario, whose only available hazchem team is T2
(the hazchem-30 standard at the refinery S1 rests on it): a hazchem squad needs 6 people on duty, 4 of
them holding a valid hazchem certificate (the default strength rules), so T2's 8 certified people staff
one squad while on duty and nothing while off.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from planner.availability import as_available, availability
from planner.dispatch.requests import incident_library, parse_incident_request
from planner.dispatch.scenario import dispatch_scenario, redispatch_scenario
from planner.drills.calendar import parse_calendar
from planner.drills.plans import parse_plans
from planner.drills.programme import schedule_programme
from planner.drills.programme_check import check_programme
from planner.drills.programme_cover import DRILL_HOUR, Coverage, CoverGroup, on_duty_coverage
from planner.errors import InputError
from planner.jobs.registry import parse_params
from planner.model.records import Availability
from planner.posture.prepositioning import plan_posture
from planner.posture.warnings import warning_from_dict
from planner.scenario.files import read_scenario
from planner.scenario.library import load_library
from planner.scenario.model import Scenario
from planner.sweep.engine import SweepSettings, sweep, sweep_model
from planner.sweep.parameters import SweepParameters
from tests.conftest import MINI
from tests.test_availability import with_records

ZONE = dt.timezone(dt.timedelta(hours=8))
LIBRARY = load_library()
FLOOD = {t for t, x in LIBRARY.items() if x.flood_related}


HAZCHEM_CREW = [{"id": f"H{i}", "team": "T2", "name": f"Person H{i}", "role": "member",
                 "qualifications": [{"kind": "hazchem", "issued": "2020-01-01", "expires": "2030-01-01"}]}
                for i in range(8)]


def night_shift_scenario() -> Scenario:
    """T2's eight on duty 20:00-08:00 every night, nobody by day."""
    shifts = [{"id": "N", "team": "T2", "people": [p["id"] for p in HAZCHEM_CREW], "starts": "2026-01-01T20:00",
               "hours": 12, "every_h": 24}]
    return with_records(read_scenario(MINI), people=HAZCHEM_CREW, shifts=shifts)


def alternate_days_scenario() -> Scenario:
    """T2's eight on duty 24 h from 08:00 on 1 January, then 24 h off: on duty at 10:00 every other day."""
    shifts = [{"id": "A", "team": "T2", "people": [p["id"] for p in HAZCHEM_CREW], "starts": "2026-01-01T08:00",
               "hours": 24, "every_h": 48}]
    return with_records(read_scenario(MINI), people=HAZCHEM_CREW, shifts=shifts)


HAZCHEM_INCIDENT = {"lon": 117.06, "lat": 36.665, "requirements": [
    {"capability": "hazchem_squad", "quantity": 1, "deadline_min": 60}]}


# ----------------------------------------------------------------------------------------------------
# Re-dispatch


def test_redispatch_at_a_time_counts_only_who_is_on_duty() -> None:
    scenario = night_shift_scenario()
    request = parse_incident_request(HAZCHEM_INCIDENT, 0, incident_library())
    noon = availability(scenario, dt.datetime(2026, 7, 1, 12, 0, tzinfo=ZONE))
    night = availability(scenario, dt.datetime(2026, 7, 1, 23, 0, tzinfo=ZONE))
    by_day = redispatch_scenario(scenario, [request], {}, available=noon)
    assert by_day.optimal.assignment_map() == {}  # the only hazchem team has nobody on duty at noon
    assert [(s.capability, s.missing) for s in by_day.optimal.shortfall] == [("hazchem_squad", 1)]
    by_night = redispatch_scenario(scenario, [request], {}, available=night)
    assert by_night.optimal.assignment_map() == {"T2": "I1"} and not by_night.optimal.shortfall
    # The same plan as a first dispatch at that time: one function decides for both doors.
    assert dispatch_scenario(scenario, [request], available=night).optimal.assignment_map() == {"T2": "I1"}


# ----------------------------------------------------------------------------------------------------
# Sweep by time of day


def test_the_sweep_counts_each_time_of_day_with_the_people_on_duty_then() -> None:
    scenario = night_shift_scenario()
    quiet = {"turnout_cv": 0.0, "travel_cv": 0.0, "notification_cv": 0.0}
    settings = SweepSettings(time_of_day={"day": 0.5, "night": 0.5}, availability_from=dt.date(2026, 7, 1),
                             availability_days=2, **quiet)
    model = sweep_model(scenario, settings=settings)
    t2, squad = model.team_ids.index("T2"), model.capabilities.index("hazchem_squad")
    day, night = model.tod_names.index("day"), model.tod_names.index("night")
    for incident in (0, 1):  # both days judged
        qty, live = model.staffed(incident, day)  # noon: nobody of T2 on duty
        assert not live[t2] and qty[t2, squad] == 0
        qty, live = model.staffed(incident, night)  # 03:00: 8 on duty, 8 certified -> 8 // 6 = 1 squad
        assert live[t2] and qty[t2, squad] == 1
    result = sweep(scenario, 300, seed=3, model=model)
    sent = result.records.sent[:, t2]
    assert not sent[result.time_of_day == day].any() and sent[result.time_of_day == night].any()
    standard = model.standards.index("hazchem-30")
    at_refinery = result.site == model.site_ids.index("S1")
    by_day = result.records.standard_min[at_refinery & (result.time_of_day == day), standard]
    by_night = result.records.standard_min[at_refinery & (result.time_of_day == night), standard]
    assert by_day.size and by_night.size
    assert (by_day == float("inf")).all() and (by_night < float("inf")).all()
    assert result.summary["availability"]["teams_answering"]["day"] < model.n_teams
    # Without availability every available team counts by day too.
    nominal = sweep(scenario, 300, seed=3, settings=SweepSettings(time_of_day={"day": 0.5, "night": 0.5}, **quiet))
    assert nominal.records.sent[nominal.time_of_day == day, t2].any()
    assert nominal.summary["availability"] is None


def test_sweep_availability_settings_are_checked() -> None:
    with pytest.raises(InputError, match="availability_days"):
        sweep_model(night_shift_scenario(), settings=SweepSettings(availability_from=dt.date(2026, 7, 1),
                                                                   availability_days=0))
    assert parse_params(SweepParameters, {"availability_from": "2026-07-01"}).availability_from == dt.date(2026, 7, 1)
    for bad in (0, "0", "2026-7-1"):  # pydantic alone would read 0 as 1 January 1970
        with pytest.raises(InputError, match="availability_from"):
            parse_params(SweepParameters, {"availability_from": bad})


# ----------------------------------------------------------------------------------------------------
# Posture


def test_posture_plans_with_the_teams_as_they_stand_at_its_time() -> None:
    scenario = night_shift_scenario()
    warning = {"id": "w", "event": "暴雨红色预警", "level": "red", "onset": "2026-07-20T06:00:00+08:00",
               "expires": "2026-07-21T06:00:00+08:00", "area": {"regions": ["LX", "TQ"]}}
    now = dt.datetime(2026, 7, 20, 6, 30, tzinfo=ZONE)

    def posture_at(hour: int) -> Any:
        return plan_posture(scenario, [warning_from_dict(warning, now=now)], max_moves=2, time_limit_s=5,
                            at=dt.datetime(2026, 7, 20, hour, 0, tzinfo=ZONE))

    by_day, by_night = posture_at(12), posture_at(22)
    assert not by_day.before.result("S1", "hazchem-30").passed  # T2 off duty at noon
    assert by_night.before.result("S1", "hazchem-30").passed
    assert "T2" not in {m.team for m in by_day.moves}
    # as_available is what posture read: T2 off duty at noon, one squad at night.
    noon = as_available(scenario, availability(scenario, dt.datetime(2026, 7, 20, 12, 0, tzinfo=ZONE)))
    assert noon.by_id("teams")["T2"].availability is Availability.OFF_DUTY
    night = as_available(scenario, availability(scenario, dt.datetime(2026, 7, 20, 22, 0, tzinfo=ZONE)))
    assert night.by_id("teams")["T2"].capabilities == {"hazchem_squad": 1, "gas_detection": 2}


# ----------------------------------------------------------------------------------------------------
# Drill programme


def tiny_plans(answers_on: int) -> tuple[Any, Any, Coverage]:
    """A mine's flood plan drilled by ``squad``; site m2 covered by squad and ``other``, who answers on one weekday."""
    plans = parse_plans({
        "organisations": [{"id": "mine", "name": "Mine", "type": "high_risk"}],
        "plans": [{"id": "flood-onsite", "name": "Flood", "kind": "onsite", "owner": "mine",
                   "scenarios": ["mine-flooding"], "teams": ["squad"], "sites": ["m1"], "field_drills": 1}],
    })
    calendar = parse_calendar({"programme": {"time_limit_s": 5}, "years": {2026: {
        "flood_season": {"start": "2026-06-01", "end": "2026-09-30"},
        "blackouts": [{"name": "flood season", "start": "2026-06-01", "end": "2026-09-30", "applies_to": "field"}]}}},
        2026)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(365)]
    off = {day: frozenset({"other"}) for day in days if day.weekday() != answers_on}
    return plans, calendar, Coverage((CoverGroup("m2", "mine-30", 30, frozenset({"squad", "other"})),), (), off)


def test_a_team_does_not_drill_when_its_on_duty_strength_is_the_sites_only_cover() -> None:
    plans, calendar, coverage = tiny_plans(answers_on=2)  # "other" answers on Wednesdays only
    programme = schedule_programme(None, plans, calendar, LIBRARY, coverage=coverage)  # type: ignore[arg-type]
    payload = programme.to_json()
    assert payload["unmet"] == []
    field = [d for d in payload["drills"] if d["form"] == "field"]
    assert field and all(dt.date.fromisoformat(d["date"]).weekday() == 2 for d in field)
    violations, _ = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert violations == []
    # The checker reads the same days: the field drill moved to a Tuesday leaves m2 without an answering team.
    moved = next(d for d in payload["drills"] if d["form"] == "field")
    moved["date"] = (dt.date.fromisoformat(moved["date"]) - dt.timedelta(days=1)).isoformat()
    violations, _ = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert any(v.startswith("COVER-ON-DUTY") and "m2" in v for v in violations)


def test_the_programme_judges_each_day_by_the_roster() -> None:
    scenario = alternate_days_scenario()
    coverage = on_duty_coverage(scenario, year=2026)
    assert any(g.site == "S1" and g.standard == "hazchem-30" and "T2" in g.teams for g in coverage.groups)
    first = dt.date(2026, 1, 1)
    expected = {first + dt.timedelta(days=k) for k in range(365) if k % 2 == 1}  # off on every second day
    assert {day for day, teams in coverage.off_duty.items() if "T2" in teams} == expected
    assert DRILL_HOUR == 10  # the shift changes at 08:00: at 10:00 the day's shift is on
    assert on_duty_coverage(read_scenario(MINI), year=2026).off_duty == {}  # no people recorded: nobody judged
