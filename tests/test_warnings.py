"""Warnings: CAP 1.2 files read or refused with one line, manual entry, risk rules, readiness, critical periods."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.model.records import Readiness
from planner.posture.cap import parse_cap, read_cap
from planner.posture.readiness import ReadinessPolicy, critical_periods, raise_teams, turnout_at
from planner.posture.risk import apply_raises, parse_risk_rules, raise_sites
from planner.posture.settings import posture_inputs
from planner.posture.warnings import warning_from_dict
from planner.scenario.files import read_scenario
from tests.conftest import jinan_folder

CAP = Path(__file__).resolve().parent / "fixtures" / "cap"


def jinan_inputs() -> object:
    """The Jinan folder's warning rules, staging points and calendar, read as ``scenario load`` reads them."""
    scenario, settings = jinan_folder()
    return posture_inputs(settings, scenario)  # type: ignore[arg-type]
NOW = dt.datetime.fromisoformat("2026-07-20T06:30:00+08:00")


def test_valid_cap_is_read() -> None:
    (warning,) = read_cap(CAP / "valid.xml", now=NOW)
    assert (warning.id, warning.hazard, warning.level, warning.severity) == (
        "test-valid-0001", "rainstorm", "orange", "Severe")
    assert warning.onset.isoformat() == "2026-07-20T08:00:00+08:00" and warning.duration_h() == 24
    (circle,) = warning.areas[0].circles
    assert (circle.lon, circle.lat, circle.radius_km) == (117.05, 36.66, 8.0)
    assert warning.contains(117.05, 36.70) and not warning.contains(117.3, 36.66)
    assert warning.in_force(warning.onset) and not warning.in_force(warning.expires)  # type: ignore[arg-type]


def test_realistic_red_rainstorm_has_polygon_and_district() -> None:
    warnings = read_cap(CAP / "red-rainstorm-licheng.xml", now=NOW)
    assert [w.language for w in warnings] == ["zh-CN", "en-US"]
    assert {w.level for w in warnings} == {"red"} and {w.hazard for w in warnings} == {"rainstorm"}
    area = warnings[0].areas[0]
    assert area.regions == ("licheng",) and len(area.polygons[0]) == 16
    assert area.polygons[0][0] == (117.05882, 36.59719)  # CAP lat,lon read as lon/lat


@pytest.mark.parametrize("name, message", [
    ("expired.xml", r"^expired\.xml \(test-expired-0001\) info\[0\]: expired at 2026-07-01T20:00:00\+08:00"),
    ("malformed.xml", r"^malformed\.xml: malformed XML \(mismatched tag"),
    ("unknown-area.xml", r"unknown area type <rectangle>"),
    ("entity-bomb.xml", r"^entity-bomb\.xml: refused XML feature \(DTDForbidden\)"),
])
def test_bad_cap_files_are_refused_with_one_line(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_cap(CAP / name, now=NOW)
    assert "\n" not in str(caught.value)


def _alert(**swap: str) -> str:
    text = (CAP / "valid.xml").read_text(encoding="utf-8")
    for old, new in swap.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("swap, message", [
    ({"urn:oasis:names:tc:emergency:cap:1.2": "urn:oasis:names:tc:emergency:cap:1.1"}, "expected CAP 1.2 alert"),
    ({"<status>Actual</status>": "<status>Test</status>"}, "not an actual or exercise alert"),
    ({"<msgType>Alert</msgType>": "<msgType>Cancel</msgType>"}, "msgType Cancel"),
    ({"<severity>Severe</severity>": "<severity>Awful</severity>"}, "severity 'Awful' is not one of"),
    ({"<sent>2026-07-20T07:00:00+08:00</sent>": "<sent>2026-07-20 07:00</sent>"}, "not a CAP date-time"),
    ({"<circle>36.66,117.05 8</circle>": "<circle>36.66,117.05</circle>"}, "is not 'lat,lon radius_km'"),
    ({"<circle>36.66,117.05 8</circle>": "<polygon>36.6,117.0 36.7,117.1 36.6,117.0</polygon>"}, "at least 4"),
    ({"<identifier>test-valid-0001</identifier>": ""}, "identifier is missing"),
    ({"<category>Met</category>": ""}, "category is missing"),
])
def test_cap_structure_is_checked(swap: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_cap(_alert(**swap), name="alert.xml", now=NOW)


def test_cap_exercise_status_and_expiry_clock() -> None:
    assert parse_cap(_alert(**{"<status>Actual</status>": "<status>Exercise</status>"}), now=NOW)
    with pytest.raises(InputError, match="expired"):
        read_cap(CAP / "valid.xml", now=dt.datetime(2026, 7, 22, tzinfo=dt.UTC))


def test_manual_warning() -> None:
    warning = warning_from_dict({
        "id": "manual-1", "event": "暴雨红色预警", "onset": "2026-07-20T06:00:00+08:00",
        "expires": "2026-07-20T18:00:00+08:00", "area": {"regions": ["licheng"], "description": "历城区"}}, now=NOW)
    assert (warning.hazard, warning.level, warning.severity, warning.source) == (
        "rainstorm", "red", "Extreme", "manual")
    circle = warning_from_dict({"event": "Rainstorm", "level": "orange", "onset": "2026-07-20T06:00:00+08:00",
                                "area": {"circle": {"lon": 117.0, "lat": 36.7, "radius_km": 5}}}, now=NOW)
    assert circle.expires is None and circle.contains(117.0, 36.72)


@pytest.mark.parametrize("data, field", [
    ({"event": "x", "level": "purple", "onset": "2026-07-20T06:00:00+08:00", "area": {"regions": ["a"]}}, "level"),
    ({"event": "x", "level": "red", "onset": "2026-07-20T06:00:00", "area": {"regions": ["a"]}}, "onset"),
    ({"event": "x", "level": "red", "onset": "2026-07-20T06:00:00+08:00", "area": {"square": 1}}, "area"),
    ({"event": "x", "level": "red", "onset": "2026-07-20T06:00:00+08:00"}, "area"),
    ({"event": "x", "level": "red", "onset": "2026-07-01T06:00:00+08:00", "expires": "2026-07-02T06:00:00+08:00",
      "area": {"regions": ["a"]}}, "expires"),
    ({"event": "x", "level": "red", "onset": "2026-07-20T06:00:00+08:00", "area": {"regions": ["a"]}, "colour": 1},
     "colour"),
])
def test_manual_warning_refused(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        warning_from_dict(data, now=NOW)
    assert caught.value.field == field


def test_red_rainstorm_raises_tailings_and_flood_prone_mines_only_inside() -> None:
    scenario = read_scenario("jinan")
    rules = jinan_inputs().rules  # type: ignore[attr-defined]
    warnings = read_cap(CAP / "red-rainstorm-licheng.xml", now=NOW)
    raises = {r.site: (r.grade_before, r.grade_after) for r in raise_sites(scenario, warnings, rules.risk)}
    assert raises["site-tailings-south"] == ("yellow", "red")
    assert raises["site-mine-iron-zhangmatun"] == ("orange", "red")
    assert raises["site-tunnel-lvyou"] == ("yellow", "orange")
    assert "site-mine-quarry-dangjia" not in raises  # a mine, but in Shizhong, outside the warning
    assert "site-tunnel-yingxiongshan" not in raises  # a tunnel outside Licheng
    raised = apply_raises(scenario, raise_sites(scenario, warnings, rules.risk))
    assert raised.by_id("sites")["site-tailings-south"].risk_grade.value == "red"  # type: ignore[attr-defined]
    orange = warning_from_dict({"event": "暴雨橙色预警", "onset": "2026-07-20T06:00:00+08:00",
                                "area": {"regions": ["licheng"]}}, now=NOW)
    orange_raises = {r.site: r.grade_after for r in raise_sites(scenario, [orange], rules.risk)}
    assert orange_raises["site-tailings-south"] == "orange" and orange_raises["site-tailings-zhangmatun"] == "red"
    unknown = warning_from_dict({"event": "暴雨红色预警", "onset": "2026-07-20T06:00:00+08:00",
                                 "area": {"regions": ["atlantis"]}}, now=NOW)
    with pytest.raises(InputError, match="atlantis"):
        raise_sites(scenario, [unknown], rules.risk)


def test_risk_rule_parsing_errors() -> None:
    with pytest.raises(InputError, match="unknown value 'lava'"):
        parse_risk_rules([{"name": "x", "hazards": ["lava"], "site_kinds": ["tunnel"], "raise_by": 1}])
    with pytest.raises(InputError, match="exactly one of raise_to"):
        parse_risk_rules([{"name": "x", "site_kinds": ["tunnel"], "raise_to": "red", "raise_by": 1}])


def test_readiness_levels_and_rules() -> None:
    scenario = read_scenario("jinan")
    rules = jinan_inputs().rules  # type: ignore[attr-defined]
    teams = scenario.by_id("teams")
    fire = teams["fs-lixia-yanshan-fire"]  # normal, 1 min
    assert turnout_at(fire, Readiness.RAISED, rules.readiness) == 0.75  # type: ignore[arg-type]
    assert turnout_at(fire, Readiness.FULL, rules.readiness) == 0.5  # type: ignore[arg-type]
    usar = teams["nat-usar-jinan-usar"]  # raised, 20 min -> normal 26.7 -> full 13.3
    assert turnout_at(usar, Readiness.FULL, rules.readiness) == pytest.approx(13.333, abs=1e-3)  # type: ignore[arg-type]
    assert turnout_at(usar, Readiness.NORMAL, ReadinessPolicy()) == pytest.approx(26.667, abs=1e-3)  # type: ignore[arg-type]
    assert turnout_at(teams["sd-mine-rescue-zd1"], Readiness.FULL, rules.readiness) == 1.0  # type: ignore[arg-type]
    warnings = read_cap(CAP / "red-rainstorm-licheng.xml", now=NOW)
    # Outside the flood season only the warning's rules apply.
    raised = {r.team: r for r in raise_teams(scenario, warnings, (), rules.readiness)}
    assert "sd-mine-rescue-zd1" not in raised  # already on full readiness
    assert raised["sd-yellow-river-flood"].level_after == "full"  # water rescue within 30 km
    assert raised["sd-yellow-river-flood"].turnout_after == 7.5
    assert raised["fs-licheng-wangsheren-fire"].level_after == "raised"  # fire team in Licheng
    assert "fs-huaiyin-xikezhan-fire" not in raised  # fire team outside the area
    assert "nat-usar-jinan-medical" not in raised
    calendar = jinan_inputs().calendar  # type: ignore[attr-defined]
    flood = critical_periods(calendar, dt.date(2026, 7, 20))
    assert [p.name for p in flood] == ["flood season"]
    everyone = raise_teams(scenario, warnings, flood, rules.readiness)
    assert {r.level_after for r in everyone} == {"full"} and len(everyone) == sum(
        t.readiness is not Readiness.FULL for t in scenario.teams)
    assert [p.name for p in critical_periods(calendar, dt.date(2026, 3, 5))] == ["Two Sessions"]
    assert critical_periods(calendar, dt.date(2030, 3, 5)) == () and critical_periods(None, dt.date(2026, 3, 5)) == ()
