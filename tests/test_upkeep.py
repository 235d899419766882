"""The upkeep board: inspections overdue and due within 30 days, equipment down, stock and certificates expiring."""

from __future__ import annotations

import base64
import datetime as dt
import json

from planner.availability import upkeep_board
from planner.model.records import RECORD_TYPES, parse_record
from planner.scenario.files import read_scenario
from planner.scenario.model import Scenario
from tests.conftest import MINI

DAY = dt.date(2026, 7, 1)


def scenario_with_upkeep() -> Scenario:
    base = read_scenario(MINI)
    grouped = {kind: list(base.records(kind)) for kind in RECORD_TYPES}
    rows = {
        "equipment": [
            {"id": "P1", "kind": "drainage_pump", "quantity": 2, "base": "B1", "last_inspected": "2026-03-01",
             "inspection_days": 90},  # due 2026-05-30: overdue by 32 days
            {"id": "P2", "kind": "drainage_pump", "quantity": 1, "base": "B1", "last_inspected": "2026-06-10",
             "inspection_days": 30},  # due 2026-07-10: within 30 days
            {"id": "P3", "kind": "drainage_pump", "quantity": 1, "base": "B1", "last_inspected": "2026-06-20",
             "inspection_days": 90},  # due 2026-09-18: not listed
            {"id": "P4", "kind": "drainage_pump", "quantity": 1, "base": "B1", "status": "out_of_service",
             "maintenance_log": [{"date": "2026-06-01", "note": "impeller cracked"}]}],
        "depots": [{"id": "D1", "name": "Reserve", "jurisdiction": "LX", "lon": 117.05, "lat": 36.66}],
        "stocks": [{"id": f"K{k}", "depot": "D1", "material": "foam", "quantity": 100, "unit": "L", "expires": expires}
                   for k, expires in ((1, "2026-06-30"), (2, "2026-07-20"), (3, None))],
        "people": [{"id": "A", "team": "T2", "name": "A", "qualifications": [
                       {"kind": "hazchem", "expires": "2026-06-15"}]},
                   {"id": "B", "team": "T2", "name": "B", "qualifications": [
                       {"kind": "hazchem", "expires": "2026-06-15"}, {"kind": "hazchem", "expires": "2029-06-15"}]}],
    }
    for kind, items in rows.items():
        grouped[kind] += [parse_record(RECORD_TYPES[kind], item) for item in items]
    return Scenario.build(base.name, base.meta, grouped, base.agreements)


def test_the_board_lists_what_is_due_down_and_expiring():
    board = upkeep_board(scenario_with_upkeep(), DAY)
    assert [(i.record, i.status, i.days_left) for i in board.inspections] == [("P1", "overdue", -32), ("P2", "due", 9)]
    assert [(i.record, i.status, i.what) for i in board.equipment_down] == [
        ("P4", "out_of_service", "drainage_pump x1: impeller cracked")]
    assert [(i.record, i.status) for i in board.stock] == [("K1", "expired"), ("K2", "expiring")]
    assert [(i.record, i.status) for i in board.certificates] == [("A", "expired")]  # B renewed hers


def test_the_api_answers_the_board_without_names(client, users):
    headers = {"Authorization": "Basic " + base64.b64encode(b"viewer:" + users["viewer"].encode()).decode()}
    answer = client.get("/api/v1/scenarios/mini/upkeep?day=2026-07-01", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["day"] == "2026-07-01"
    bad = client.get("/api/v1/scenarios/mini/upkeep?day=July", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "day"
    assert json.dumps(answer.get_json())
