"""Sharing agreements, payer rules and the compensation ledger: arithmetic worked out by hand."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from planner.errors import InputError
from planner.sharing.ledger import (
    DEFAULT_REIMBURSABLE,
    Agreement,
    Deployment,
    Mission,
    PayerRule,
    agreements_from_dicts,
    build_ledger,
    choose_payer,
    payer_rules_from_dicts,
)

AGREEMENT: dict[str, Any] = {
    "id": "JN-TA-2024-01",
    "lender": "Taian",
    "borrower": "Jinan",
    "lender_province": "SD",
    "borrower_province": "SD",
    "capabilities": ["mine_rescue_squad"],
    "fixed_cost": 5000,
    "cost_per_travel_min": 20,
    "rates": {
        "labour_per_person_day": 600,
        "equipment_per_day": {"breathing_apparatus": 80, "gas_detector": 30},
        "consumables": {"oxygen_cylinder": 150},
        "transport_per_km": 4.5,
        "transport_per_trip": 200,
    },
    "retained": {"mine_rescue_squad": 1},
    "reimbursable": ["labour", "equipment", "consumables", "transport"],
}


def agreement(**changes: Any) -> Agreement:
    return Agreement.from_dict({**AGREEMENT, **changes})


def deployment(**changes: Any) -> Deployment:
    data: dict[str, Any] = {"unit": "TA-1", "lender": "Taian", "people": 9, "duration_h": 30}
    return Deployment.from_dict({**data, **changes})


def mission(*deployments: Deployment, **changes: Any) -> Mission:
    data: dict[str, Any] = {
        "id": "M1",
        "region": "Jinan",
        "province": "SD",
        "kind": "accident",
        "responsible_unit": "Coal Co",
    }
    data.update(changes)
    return Mission(
        id=data["id"],
        region=data["region"],
        kind=data["kind"],
        deployments=deployments or (deployment(),),
        province=data["province"],
        responsible_unit=data["responsible_unit"],
        responsible_can_pay=data.get("responsible_can_pay", True),
        dispatcher=data.get("dispatcher", ""),
    )


# ----------------------------------------------------------------------------------------------------
# Agreement records


def test_agreement_round_trips_through_dict() -> None:
    a = agreement()
    assert Agreement.from_dict(a.to_dict()) == a
    assert a.covers("mine_rescue_squad") and not a.covers("pump")
    assert Agreement.from_dict({"lender": "A", "borrower": "B"}).covers("anything")
    assert a.dispatch_cost(42.5) == pytest.approx(5850.0)


def test_agreement_defaults_to_the_standard_reimbursable_lines() -> None:
    assert Agreement.from_dict({"lender": "A", "borrower": "B"}).reimbursable == DEFAULT_REIMBURSABLE


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fixed_cost": -1}, "fixed_cost"),
        ({"cost_per_travel_min": "cheap"}, "cost_per_travel_min"),
        ({"lender": ""}, "lender"),
        ({"retained": {"mine_rescue_squad": -2}}, "mine_rescue_squad"),
        ({"reimbursable": ["labour", "workers_compensation"]}, "reimbursable"),
        ({"reimbursable": ["labour", "champagne"]}, "reimbursable"),
        ({"colour": "red"}, "colour"),
        ({"rates": {"labour_per_person_day": float("nan")}}, "labour_per_person_day"),
    ],
)
def test_bad_agreement_values_raise_input_error_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError, match=field) as info:
        agreement(**changes)
    assert info.value.field == field


def test_missing_borrower_is_named() -> None:
    data = {k: v for k, v in AGREEMENT.items() if k != "borrower"}
    with pytest.raises(InputError, match="borrower"):
        Agreement.from_dict(data)


def test_duplicate_agreements_are_rejected() -> None:
    with pytest.raises(InputError, match="duplicate"):
        agreements_from_dicts([{"lender": "A", "borrower": "B"}, {"lender": "A", "borrower": "B"}])


# ----------------------------------------------------------------------------------------------------
# Ledger arithmetic


@pytest.mark.parametrize(("hours", "days"),
                         [(0.5, 1), (23.9, 1), (24, 1), (24.01, 2), (30, 2), (48, 2), (49, 3), (0, 0)])
def test_a_part_day_counts_as_a_full_day(hours: float, days: int) -> None:
    assert deployment(duration_h=hours).days == days


def test_ledger_lines_by_hand() -> None:
    d = deployment(
        duration_h=30,  # 2 days
        equipment={"breathing_apparatus": 9, "gas_detector": 2},
        consumables={"oxygen_cylinder": 12},
        transport_km=160,
        trips=2,
    )
    ledger = build_ledger([mission(d)], [agreement()])
    amounts = {(line.line, line.item): line.amount for line in ledger.lines}
    assert amounts == {
        ("labour", "person-days"): 600 * 9 * 2,  # 10 800
        ("equipment", "breathing_apparatus"): 80 * 9 * 2,  # 1 440
        ("equipment", "gas_detector"): 30 * 2 * 2,  # 120
        ("consumables", "oxygen_cylinder"): 150 * 12,  # 1 800
        ("transport", "km"): 4.5 * 160,  # 720
        ("transport", "trips"): 200 * 2,  # 400
    }
    assert ledger.total == 15280.0
    assert {line.payer for line in ledger.lines} == {"unit:Coal Co"}
    assert ledger.totals_by_lender() == {"Taian": 15280.0}
    assert ledger.excluded == ()


def test_non_reimbursable_lines_and_workers_compensation_are_excluded() -> None:
    d = deployment(
        duration_h=10,
        equipment={"breathing_apparatus": 1},
        transport_km=100,
        claims={"workers_compensation": 30000, "subsistence": 540},
    )
    ledger = build_ledger([mission(d)], [agreement(reimbursable=["labour", "subsistence"])])
    assert [(line.line, line.amount) for line in ledger.lines] == [("labour", 5400.0), ("subsistence", 540.0)]
    excluded = {(claim.line, claim.amount): claim.reason for claim in ledger.excluded}
    assert set(excluded) == {("equipment", 80.0), ("transport", 450.0), ("workers_compensation", 30000.0)}
    assert "never" in excluded[("workers_compensation", 30000.0)]


def test_fen_rounding_has_no_binary_artefacts() -> None:
    d = deployment(people=3, duration_h=1, transport_km=0.1, trips=0)
    ledger = build_ledger([mission(d)], [agreement(rates={"labour_per_person_day": 0.1, "transport_per_km": 3})])
    assert [line.amount for line in ledger.lines] == [0.3, 0.3]
    assert ledger.total == 0.6


def test_cross_region_deployment_without_agreement_is_refused() -> None:
    d = deployment(lender="Zibo")
    with pytest.raises(InputError, match="without a sharing agreement"):
        build_ledger([mission(d)], [agreement()])


def test_same_region_deployment_without_rates_is_listed_as_excluded() -> None:
    d = deployment(lender="Jinan", claims={"subsistence": 100})
    ledger = build_ledger([mission(d)], [agreement()])
    assert ledger.lines == ()
    assert [(c.line, c.amount) for c in ledger.excluded] == [("subsistence", 100.0)]


def test_equipment_without_a_rate_is_an_input_error() -> None:
    with pytest.raises(InputError, match="has no rate") as info:
        build_ledger([mission(deployment(equipment={"crane": 1}))], [agreement()])
    assert info.value.field == "equipment"


# ----------------------------------------------------------------------------------------------------
# Payer rules


@pytest.mark.parametrize(
    ("changes", "payer"),
    [
        ({}, "unit:Coal Co"),
        ({"responsible_can_pay": False}, "government:Jinan"),
        ({"responsible_unit": ""}, "government:Jinan"),
        ({"kind": "natural_disaster"}, "government:Jinan"),
        ({"kind": "drill", "responsible_unit": ""}, "government:Jinan"),
    ],
)
def test_default_payer_rules(changes: dict[str, Any], payer: str) -> None:
    m = mission(**changes)
    assert choose_payer(m, m.deployments[0], agreement())[0] == payer


def test_cross_province_aid_is_paid_by_the_supported_region_even_with_a_responsible_unit() -> None:
    # Lender in Shanxi helps an accident in Shandong caused by a solvent company.
    a = agreement(lender="Jincheng", lender_province="SX")
    d = deployment(lender="Jincheng")
    ledger = build_ledger([mission(d)], [a])
    assert {line.payer for line in ledger.lines} == {"government:Jinan"}
    assert {line.rule for line in ledger.lines} == {"cross-province aid: supported region pays"}
    # Same agreement, lender province unknown on the agreement but given on the deployment.
    a2 = agreement(lender="Jincheng", lender_province="")
    d2 = deployment(lender="Jincheng", lender_province="SX")
    m2 = mission(d2)
    assert choose_payer(m2, d2, a2)[0] == "government:Jinan"
    # Same-province aid stays with the responsible unit.
    assert choose_payer(mission(), deployment(), agreement())[0] == "unit:Coal Co"


def test_payer_rules_are_data() -> None:
    rules = payer_rules_from_dicts(
        [
            {"name": "drills: host pays", "payer": "borrower", "when": {"kind": "drill"}},
            {"name": "dispatcher pays the rest", "payer": "dispatcher", "when": {"has_dispatcher": True}},
            {"name": "fallback", "payer": "incident_government"},
        ]
    )
    drill = mission(kind="drill", responsible_unit="")
    assert choose_payer(drill, drill.deployments[0], agreement(), rules) == ("government:Jinan", "drills: host pays")
    ordered = mission(dispatcher="Shandong")
    assert choose_payer(ordered, ordered.deployments[0], agreement(), rules)[0] == "government:Shandong"


def test_a_rule_naming_an_unknown_role_or_fact_is_rejected() -> None:
    with pytest.raises(InputError, match="unknown role") as info:
        PayerRule.from_dict({"name": "x", "payer": "the_taxpayer"})
    assert info.value.field == "payer"
    with pytest.raises(InputError, match="unknown fact"):
        PayerRule.from_dict({"name": "x", "payer": "borrower", "when": {"weather": "rain"}})


def test_no_matching_rule_is_an_input_error() -> None:
    rules = payer_rules_from_dicts([{"name": "only drills", "payer": "borrower", "when": {"kind": "drill"}}])
    m = mission()
    with pytest.raises(InputError, match="no payer rule"):
        choose_payer(m, m.deployments[0], agreement(), rules)


# ----------------------------------------------------------------------------------------------------
# Totals and CSV


def test_totals_per_payer_and_lender_and_csv_export(tmp_path: Any) -> None:
    zibo = Agreement.from_dict(
        {"lender": "Zibo", "borrower": "Jinan", "rates": {"labour_per_person_day": 500, "transport_per_trip": 300}}
    )
    accident = mission(
        deployment(duration_h=20),  # Taian: 600 x 9 x 1 = 5 400
        Deployment.from_dict({"unit": "ZB-1", "lender": "Zibo", "people": 4, "duration_h": 50, "trips": 1}),
    )  # Zibo: 500 x 4 x 3 = 6 000 + 300
    flood = mission(
        deployment(unit="TA-2", people=2, duration_h=1),  # 600 x 2 x 1 = 1 200, government pays
        id="M2",
        kind="natural_disaster",
    )
    ledger = build_ledger([accident, flood], [agreement(), zibo])
    assert ledger.totals_by_payer() == {"government:Jinan": 1200.0, "unit:Coal Co": 11700.0}
    assert ledger.totals_by_lender() == {"Taian": 6600.0, "Zibo": 6300.0}
    assert ledger.totals_by_payer_and_lender()[("unit:Coal Co", "Zibo")] == 6300.0
    assert ledger.total == 12900.0

    path = tmp_path / "ledger.csv"
    text = ledger.to_csv(path)
    assert path.read_text(encoding="utf-8") == text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(ledger.lines) == 4
    assert sum(float(row["amount"]) for row in rows) == pytest.approx(12900.0)
    assert rows[0]["mission"] == "M1" and rows[0]["line"] == "labour" and rows[0]["days"] == "1"
    stream = io.StringIO()
    ledger.to_csv(stream)
    assert stream.getvalue() == text
    payload = ledger.to_dict()
    assert payload["total"] == 12900.0 and len(payload["lines"]) == 4


def test_mission_from_dict_validates() -> None:
    data = {
        "id": "D7",
        "region": "Jinan",
        "kind": "drill",
        "deployments": [{"unit": "TA-1", "lender": "Taian", "people": 5, "duration_h": 6}],
    }
    m = Mission.from_dict(data)
    assert m.deployments[0].days == 1
    with pytest.raises(InputError, match="kind"):
        Mission.from_dict({**data, "kind": "party"})
    with pytest.raises(InputError, match="people"):
        Mission.from_dict({**data, "deployments": [{"unit": "TA-1", "lender": "Taian", "people": -1, "duration_h": 6}]})
    with pytest.raises(InputError, match="claims"):
        Deployment.from_dict({"unit": "U", "lender": "L", "people": 1, "duration_h": 1, "claims": {"bribes": 1}})
