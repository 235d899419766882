"""Annual drill programme: every rule re-checked independently of the scheduler, and explained infeasibility."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from planner.drills.calendar import parse_calendar, read_calendar
from planner.drills.calendar_export import to_csv, to_ics
from planner.drills.plans import parse_plans, read_plans
from planner.drills.programme import schedule_programme
from planner.drills.programme_check import check_programme
from planner.drills.programme_cover import Coverage, CoverGroup, on_duty_coverage
from planner.scenario.files import read_scenario
from planner.scenario.library import load_library
from planner.scenario.paths import scenario_path

LIBRARY = load_library()
FLOOD = {t for t, x in LIBRARY.items() if x.flood_related}


@pytest.fixture(scope="module")
def jinan_programme() -> tuple:
    scenario = read_scenario("jinan")
    folder = scenario_path("jinan")
    plans = read_plans(folder / "plans.yaml", scenario=scenario, templates=LIBRARY)
    calendar = read_calendar(folder / "calendar.yaml", 2026)
    coverage = on_duty_coverage(scenario)
    return schedule_programme(scenario, plans, calendar, LIBRARY, coverage=coverage), plans, calendar, coverage


def test_jinan_meets_every_rule(jinan_programme: tuple) -> None:
    """Every rule is met, except a field drill that would leave a site with its only in-time team away.

    Since sites join their road part-way along it (one-way carriageways respected, the off-road leg
    driven), the refinery's fire-park-5 standard is met by its own team alone, so that team's yearly
    field drill cannot be held without breaking coverage: the planner reports it, naming the coverage.
    """
    programme, plans, calendar, coverage = jinan_programme
    payload = programme.to_json()
    sole = {f"cover:{g.site}:{g.standard}" for g in coverage.groups if len(g.teams) == 1}
    for unmet in payload["unmet"]:
        assert unmet["rule"] == "PLAN-FIELD" and unmet["blocked_by"], unmet
        assert set(unmet["blocked_by"]) <= sole, unmet  # blocked only by a site its drilling team alone covers
    violations, warnings = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert violations == [] and warnings == []
    assert {d["form"] for d in payload["drills"]} == {"tabletop", "field"}
    kinds = {p["kind"] for p in payload["plans"]}
    assert kinds == {"comprehensive", "special", "onsite"}
    assert any(len(d["plans"]) > 1 for d in payload["drills"])  # a drill exercising several plans


def test_programme_json_shape(jinan_programme: tuple) -> None:
    payload = jinan_programme[0].to_json()
    assert set(payload) >= {"year", "plans", "drills", "blackouts", "unmet"}
    for plan in payload["plans"]:
        assert plan["kind"] in ("comprehensive", "special", "onsite")
        assert plan["frequency"] in ("yearly", "half-yearly", "biennial")
    for drill in payload["drills"]:
        assert set(drill) >= {"id", "date", "form", "scope", "scenario", "plans", "teams"}
        dt.date.fromisoformat(drill["date"])
        assert isinstance(drill["plans"], list) and isinstance(drill["teams"], list)
    assert {b["applies_to"] for b in payload["blackouts"]} <= {"field", "all"}


def test_ics_opens_with_the_right_dates(jinan_programme: tuple) -> None:
    programme = jinan_programme[0]
    calendar = icalendar.Calendar.from_ical(to_ics(programme))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(programme.drills)
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    by_uid = {str(e["UID"]): e for e in events}
    for drill in programme.drills:
        event = by_uid[f"{drill.id}-{programme.year}@rescue-planner"]
        assert event["DTSTART"].dt == drill.date and not isinstance(event["DTSTART"].dt, dt.datetime)
        assert event["DTEND"].dt == drill.date + dt.timedelta(days=1)
    assert to_csv(programme).count("\n") == len(programme.drills) + 1


def test_checker_catches_a_broken_calendar(jinan_programme: tuple) -> None:
    programme, plans, calendar, coverage = jinan_programme
    payload = programme.to_json()
    drills = payload["drills"]
    field = next(d for d in drills if d["form"] == "field")
    field["date"] = "2026-07-15"  # in the flood-season field blackout
    onsite = next(d for d in drills if d["id"].startswith("depot-onsite-tank-H1"))
    drills.remove(onsite)
    violations, _ = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert any(v.startswith("BLACKOUT") for v in violations)
    assert any("depot-onsite-tank has no drill in H1" in v for v in violations)


def _tiny(field_drills: int, *, cover_teams: frozenset[str]) -> tuple:
    plans = parse_plans({
        "organisations": [{"id": "mine", "name": "Mine", "type": "high_risk"}],
        "plans": [{"id": "flood-onsite", "name": "Flood", "kind": "onsite", "owner": "mine",
                   "scenarios": ["mine-flooding"], "teams": ["squad"], "sites": ["m1"], "field_drills": field_drills}],
    })
    calendar = parse_calendar({"programme": {"time_limit_s": 5}, "years": {2026: {
        "flood_season": {"start": "2026-06-01", "end": "2026-09-30"},
        "blackouts": [{"name": "flood season", "start": "2026-06-01", "end": "2026-09-30", "applies_to": "field"}]}}},
        2026)
    coverage = Coverage((CoverGroup("m2", "mine-30", 30, cover_teams),), ())
    return plans, calendar, coverage


def test_tiny_programme_rules() -> None:
    plans, calendar, coverage = _tiny(1, cover_teams=frozenset({"squad", "other"}))
    programme = schedule_programme(None, plans, calendar, LIBRARY, coverage=coverage)  # type: ignore[arg-type]
    payload = programme.to_json()
    assert payload["unmet"] == []
    violations, warnings = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert violations == [] and warnings == []
    dates = sorted(dt.date.fromisoformat(d["date"]) for d in payload["drills"] if "flood-onsite" in d["plans"])
    assert dates[0] < dt.date(2026, 6, 1)  # flood drill before the flood season
    field = [d for d in payload["drills"] if d["form"] == "field"]
    tabletops = [d for d in payload["drills"] if d["form"] == "tabletop"]
    assert field and min(t["date"] for t in tabletops) < field[0]["date"]  # R-PROGRESSION


def test_infeasible_setup_is_explained_not_violated() -> None:
    # The squad is the only team covering site m2: a field drill would leave m2 without cover.
    plans, calendar, coverage = _tiny(1, cover_teams=frozenset({"squad"}))
    programme = schedule_programme(None, plans, calendar, LIBRARY, coverage=coverage)  # type: ignore[arg-type]
    payload = programme.to_json()
    assert all(d["form"] == "tabletop" for d in payload["drills"])  # coverage never silently broken
    assert len(payload["unmet"]) == 1
    unmet = payload["unmet"][0]
    assert unmet["rule"] == "PLAN-FIELD" and unmet["plan"] == "flood-onsite"
    assert unmet["blocked_by"] == ["cover:m2:mine-30"]
    assert "site m2" in unmet["reason"] and "squad" in unmet["reason"]
    violations, _ = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert violations == []  # the checker accepts it only because it is declared in unmet
    payload["unmet"] = []
    violations, _ = check_programme(payload, plans, calendar, coverage, FLOOD)
    assert violations == ["PLAN-FIELD: plan flood-onsite has 0 field drills, needs 1"]


def test_blackout_of_a_whole_period_is_explained() -> None:
    plans, calendar, coverage = _tiny(0, cover_teams=frozenset({"squad", "other"}))
    data = {"programme": {"time_limit_s": 5}, "years": {2026: {"blackouts": [
        {"name": "works", "start": "2026-01-01", "end": "2026-06-30", "applies_to": "all"}]}}}
    programme = schedule_programme(None, plans, parse_calendar(data, 2026), LIBRARY,  # type: ignore[arg-type]
                                   coverage=coverage)
    rules = {(u.rule, u.plan, u.organisation, u.period) for u in programme.unmet}
    assert ("R-DRILL-2", "flood-onsite", None, "H1") in rules
    assert ("R-DRILL-3", None, "mine", "H1") in rules
    assert all(u.reason for u in programme.unmet)
