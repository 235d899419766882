"""Sharing agreements, payer rules and the compensation ledger: arithmetic worked out by hand."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from pydantic import TypeAdapter

from planner.errors import InputError
from planner.sharing import (
    DEFAULT_REIMBURSABLE,
    Agreement,
    Deployment,
    Mission,
    Terms,
    agreements_from_dicts,
    ancestors,
    build_ledger,
    choose_payer,
    compensate,
    deployment_terms,
    parse_agreement,
    parse_mission,
    payer_rules_from_dicts,
    rated_equipment,
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
    return parse_agreement({**AGREEMENT, **changes})


def deployment(**changes: Any) -> Deployment:
    data: dict[str, Any] = {"unit": "TA-1", "lender": "Taian", "people": 9, "duration_h": 30}
    return parse_mission({"id": "M", "region": "R", "kind": "drill", "deployments": [{**data, **changes}]}
                         ).deployments[0]


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


def test_agreement_round_trips_through_json() -> None:
    a = agreement()
    assert parse_agreement(TypeAdapter(Agreement).dump_python(a, mode="json")) == a
    assert a.covers("mine_rescue_squad") and not a.covers("pump")
    assert parse_agreement({"lender": "A", "borrower": "B"}).covers("anything")
    assert a.dispatch_cost(42.5) == pytest.approx(5850.0)


def test_agreement_defaults_to_the_standard_reimbursable_lines() -> None:
    assert parse_agreement({"lender": "A", "borrower": "B"}).reimbursable == DEFAULT_REIMBURSABLE
    assert parse_agreement({"lender": "A", "borrower": "B", "rates": None, "reimbursable": []}).reimbursable == set()


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
        parse_agreement(data)


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
        payer_rules_from_dicts([{"name": "x", "payer": "the_taxpayer"}])
    assert info.value.field == "payer"
    with pytest.raises(InputError, match="unknown fact"):
        payer_rules_from_dicts([{"name": "x", "payer": "borrower", "when": {"weather": "rain"}}])


def test_no_matching_rule_is_an_input_error() -> None:
    rules = payer_rules_from_dicts([{"name": "only drills", "payer": "borrower", "when": {"kind": "drill"}}])
    m = mission()
    with pytest.raises(InputError, match="no payer rule"):
        choose_payer(m, m.deployments[0], agreement(), rules)


# ----------------------------------------------------------------------------------------------------
# Totals and CSV


def test_totals_per_payer_and_lender_and_csv_export(tmp_path: Any) -> None:
    zibo = parse_agreement(
        {"lender": "Zibo", "borrower": "Jinan", "rates": {"labour_per_person_day": 500, "transport_per_trip": 300}}
    )
    accident = mission(
        deployment(duration_h=20),  # Taian: 600 x 9 x 1 = 5 400
        Deployment(unit="ZB-1", lender="Zibo", people=4, duration_h=50, trips=1),
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


def test_mission_parser_validates_and_names_the_field() -> None:
    data = {
        "id": "D7",
        "region": "Jinan",
        "kind": "drill",
        "deployments": [{"unit": "TA-1", "lender": "Taian", "people": 5, "duration_h": 6}],
    }
    m = parse_mission(data)
    assert m.deployments[0].days == 1
    with pytest.raises(InputError, match="kind"):
        parse_mission({**data, "kind": "party"})
    with pytest.raises(InputError, match=r"mission \(D7\): deployments\[0\] \(TA-1\): people: must be") as info:
        parse_mission({**data, "deployments": [{"unit": "TA-1", "lender": "Taian", "people": -1, "duration_h": 6}]})
    assert info.value.field == "people"
    with pytest.raises(InputError, match="claims: unknown cost line 'bribes'"):
        parse_mission({**data, "deployments": [{"unit": "U", "lender": "L", "people": 1, "duration_h": 1,
                                                 "claims": {"bribes": 1}}]})
    with pytest.raises(InputError, match="responsible_can_pay"):
        parse_mission({**data, "responsible_can_pay": "yes"})


# ----------------------------------------------------------------------------------------------------
# Terms (own forces, which agreement applies) and the one compensation function

TREE = {"Lixia": "Jinan", "Licheng": "Jinan", "Jinan": "SD", "Taian": "SD", "SD": "CN"}


def test_terms_own_forces_agreement_or_refused() -> None:
    lent = agreement(lender="SD", borrower="Lixia")
    priced_at_home = agreement(lender="Lixia", borrower="Lixia", capabilities=[])
    agreements = (lent, priced_at_home)
    # own region: own forces, priced by a same-region agreement when there is one
    home = deployment_terms(agreements, "Lixia", "Lixia", parents=TREE)
    assert home is not None and home.own_forces and home.agreement is priced_at_home and home.covers("pump")
    assert deployment_terms((), "Licheng", "Licheng") == Terms("Licheng", "Licheng", True, None)
    # a parent with an agreement is lent under it: the signed terms decide (capabilities, rates)
    province = deployment_terms(agreements, "SD", "Lixia", parents=TREE)
    assert province is not None and province.lent and province.lending_agreement is lent
    assert province.covers("mine_rescue_squad") and not province.covers("pump")
    # a parent without one serves as the region's own force; a sibling or a child without one may not go
    city = deployment_terms(agreements, "Jinan", "Lixia", parents=TREE)
    assert city == Terms("Jinan", "Lixia", True, None) and city.covers("pump")
    assert deployment_terms(agreements, "CN", "Lixia", parents=TREE) == Terms("CN", "Lixia", True, None)
    assert deployment_terms(agreements, "Licheng", "Lixia", parents=TREE) is None
    assert deployment_terms(agreements, "Lixia", "Jinan", parents=TREE) is None
    assert deployment_terms(agreements, "Jinan", "Lixia") is None  # without the tree only the same region
    assert ancestors("Lixia", TREE) == ("Jinan", "SD", "CN") and ancestors("X", {"X": "Y", "Y": "X"}) == ("Y",)


def test_compensate_by_hand_with_subsistence_and_a_part_day() -> None:
    terms = deployment_terms([agreement(rates={"labour_per_person_day": 330, "subsistence_per_person_day": 150,
                                               "transport_per_km": 8, "transport_per_trip": 300,
                                               "equipment_per_day": {"foam_tender": 3000}},
                                        reimbursable=["labour", "equipment", "transport"])], "Taian", "Jinan")
    assert terms is not None
    d = deployment(people=12, duration_h=25.5, equipment={"foam_tender": 2}, transport_km=2 * 31.27, trips=1)
    paid = compensate(d, terms)
    assert [(c.line, c.item, c.days, c.amount) for c in paid.lines] == [
        ("labour", "person-days", 2, 330 * 12 * 2),  # 7 920: 25.5 h is two days
        ("equipment", "foam_tender", 2, 3000 * 2 * 2),  # 12 000
        ("transport", "km", 0, 500.32),  # 8 x 62.54
        ("transport", "trips", 0, 300.0),
    ]
    assert paid.amount == 20720.32
    assert [(x.line, x.amount) for x in paid.excluded] == [("subsistence", 150 * 12 * 2)]  # not on the agreement
    # the ledger of a mission with that deployment charges exactly the same
    assert build_ledger([mission(d)], [terms.agreement]).total == paid.amount  # type: ignore[list-item]


def test_own_forces_and_zero_agreements_are_not_paid_but_accounted_for() -> None:
    d = deployment(lender="Jinan", transport_km=40, trips=1, claims={"subsistence": 80})
    own = compensate(d, Terms("Jinan", "Lixia", True, None))
    assert own.lines == () and own.amount == 0
    assert [(x.line, x.amount) for x in own.excluded] == [("subsistence", 80.0)]
    assert "own forces" in own.excluded[0].reason
    # a parent's unit without an agreement: no error once the ledger knows the tree
    with pytest.raises(InputError, match="without a sharing agreement"):
        build_ledger([mission(d, region="Lixia")], [])
    ledger = build_ledger([mission(d, region="Lixia")], [], parents=TREE)
    assert ledger.total == 0 and [c.unit for c in ledger.excluded] == ["TA-1"]
    # lent under an agreement that reimburses nothing: listed line by line, at no cost
    nothing = agreement(lender="Jinan", borrower="Lixia", rates={}, reimbursable=[])
    ledger = build_ledger([mission(deployment(lender="Jinan", transport_km=40), region="Lixia")], [nothing])
    assert ledger.total == 0 and ledger.lines == ()
    assert {(c.line, c.amount) for c in ledger.excluded} == {("labour", 0.0), ("transport", 0.0)}


def test_rated_equipment_splits_what_the_agreement_prices() -> None:
    terms = deployment_terms([agreement()], "Taian", "Jinan")
    assert terms is not None
    kit = {"breathing_apparatus": 9, "crane": 1}
    assert rated_equipment(kit, terms) == ({"breathing_apparatus": 9}, {"crane": 1})
    assert rated_equipment(kit, Terms("Jinan", "Jinan", True, None)) == (kit, {})
