"""Plans, frequency rules as data, calendar and template library validation."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from planner.drills.calendar import parse_calendar
from planner.drills.plans import biennial_due, evaluation_due, parse_plans, required_periods
from planner.errors import InputError
from planner.scenario.library import LIBRARY_DIR, load_library, parse_template

ORGS = [{"id": "u1", "name": "Unit", "type": "high_risk"}, {"id": "gov", "name": "Bureau", "type": "government"}]


def _plans(*plans: dict) -> object:
    return parse_plans({"organisations": ORGS, "plans": list(plans)})


def _plan(pid: str, kind: str, owner: str = "u1", **extra: object) -> dict:
    return {"id": pid, "name": pid, "kind": kind, "owner": owner, "scenarios": ["toxic-release"],
            "teams": ["t1"], **extra}


def test_frequency_derived_from_rules() -> None:
    plans = _plans(_plan("c", "comprehensive"), _plan("s", "special"), _plan("o", "onsite"),
                   _plan("g", "comprehensive", "gov", last_drill="2025-03-01"))
    assert [plans.frequency(p) for p in plans.plans] == ["yearly", "yearly", "half-yearly", "biennial"]
    assert plans.plan_rule(plans.plan("o")).id == "R-DRILL-2"
    assert [p.label for p in required_periods(plans, plans.plan("o"), 2026)] == ["H1", "H2"]
    assert required_periods(plans, plans.plan("g"), 2026) == []  # drilled in 2025: next due 2027
    assert biennial_due(plans.plan("g"), 2027)
    assert [r.id for r in plans.organisation_rules(plans.organisations["u1"])] == ["R-DRILL-3"]


def test_rules_are_configurable() -> None:
    data = {"organisations": ORGS, "plans": [_plan("s", "special")],
            "rules": [{"id": "LOCAL-1", "scope": "plan", "kinds": ["special"], "frequency": "half-yearly",
                       "source": "provincial notice"}]}
    plans = parse_plans(data)
    assert plans.frequency(plans.plans[0]) == "half-yearly"


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "annual"}, "kind"), ({"owner": "nobody"}, "owner"), ({"teams": []}, "teams"),
    ({"field_drills": -1}, "field_drills"), ({"last_drill": "yesterday"}, "last_drill"), ({"colour": 1}, "colour"),
])
def test_plan_errors_name_plan_and_field(change: dict, field: str) -> None:
    with pytest.raises(InputError, match=r"plan p1: ") as caught:
        _plans({**_plan("p1", "onsite"), **change})
    assert caught.value.field == field and caught.value.record == "p1"


def test_plan_references_checked_against_scenario_and_library() -> None:
    class Fake:
        teams = [type("T", (), {"id": "t1"})()]
        sites = []

    with pytest.raises(InputError, match="plan p1: scenarios: 'volcano' does not exist"):
        parse_plans({"organisations": ORGS, "plans": [{**_plan("p1", "onsite"), "scenarios": ["volcano"]}]},
                    scenario=Fake(), templates=load_library())


def test_evaluation_due_after_three_years() -> None:
    plans = _plans(_plan("o", "onsite", last_evaluation="2023-05-01"))
    assert not evaluation_due(plans.plans[0], plans, dt.date(2026, 4, 30))
    assert evaluation_due(plans.plans[0], plans, dt.date(2026, 5, 1))


def test_library_has_the_required_templates() -> None:
    library = load_library()
    assert len(library) >= 10
    for wanted in ("gas-explosion", "mine-flooding", "mine-fire", "roof-fall", "tailings-dam-breach",
                   "toxic-release", "chemical-fire-explosion", "tunnel-fire", "high-rise-fire", "gas-pipeline-leak"):
        assert wanted in library
    flooding = library["mine-flooding"]
    assert flooding.underground and flooding.flood_related
    assert (flooding.requirements[0].at_min, flooding.requirements[0].capability) == (0, "mine_rescue_squad")


def test_template_schema_errors_name_the_path() -> None:
    data = yaml.safe_load((LIBRARY_DIR / "mine-fire.yaml").read_text(encoding="utf-8"))
    data["requirements"][0]["quantity"] = 0
    with pytest.raises(InputError, match=r"requirements\[0\]\.quantity: must be >= 1"):
        parse_template(data)
    data = yaml.safe_load((LIBRARY_DIR / "mine-fire.yaml").read_text(encoding="utf-8"))
    data["injects"][0]["objective"] = "O9"
    with pytest.raises(InputError, match="objective 'O9' does not exist"):
        parse_template(data)


def test_calendar_year_and_windows() -> None:
    data = {"years": {2026: {"blackouts": [{"name": "SF", "start": "2026-02-12", "end": "2026-02-25",
                                            "applies_to": "all"}]}}}
    calendar = parse_calendar(data, 2026)
    assert calendar.blackouts[0].contains(dt.date(2026, 2, 20))
    with pytest.raises(InputError, match="no entry for year 2030"):
        parse_calendar(data, 2030)
    data["years"][2026]["blackouts"][0]["applies_to"] = "some"
    with pytest.raises(InputError, match=r"2026: blackouts\[0\] \(SF\): applies_to: must be 'field' or 'all'"):
        parse_calendar(data, 2026)
    data["years"][2026]["blackouts"][0].update(applies_to="all", end="2026-02-01")
    with pytest.raises(InputError, match="end 2026-02-01 is before start 2026-02-12") as caught:
        parse_calendar(data, 2026)
    assert caught.value.field == "end"
    data["years"][2026]["blackouts"][0].update(start="2025-12-01", end="2025-12-02")
    with pytest.raises(InputError, match="outside 2026") as caught:
        parse_calendar(data, 2026)
    assert caught.value.field == "start"
    with pytest.raises(InputError, match="programme: min_team_gap_days: must be greater than or equal to 1"):
        parse_calendar({"programme": {"min_team_gap_days": 0}, "years": {}}, 2026)
