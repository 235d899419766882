"""Concurrent writers on one store, from threads, on SQLite and PostgreSQL: no lost update, no duplicate.

Every race starts its writers together at a barrier and is run for several rounds, so a store that reads
the version and then writes without a condition lets more than one writer win.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from planner.drills import records
from planner.drills.evaluation_store import evaluate_stored_drill, get_evaluation
from planner.scenario.files import read_scenario
from planner.store.database import ConflictError, Store
from tests.conftest import load_jinan

ROUNDS = 4
WRITERS = 8


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once, one thread each, released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        try:
            outcomes[k] = calls[k]()
        except Exception as error:  # noqa: BLE001  (the test inspects every outcome)
            outcomes[k] = error

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def winners(outcomes: list[Any]) -> list[int]:
    """Indexes of the calls that succeeded; fails the test on any error other than ConflictError."""
    unexpected = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, ConflictError)]
    assert not unexpected, unexpected
    return [k for k, o in enumerate(outcomes) if not isinstance(o, BaseException)]


def test_of_concurrent_saves_with_one_version_exactly_one_wins(store: Store, mini_folder) -> None:
    store.save_scenario(read_scenario(mini_folder))
    for _ in range(ROUNDS):
        data, version = store.get_record("mini", "teams", "T1")
        outcomes = race([partial(store.put_record, "mini", "teams", {**data, "members": 100 + k},
                                 expected_version=version, actor=f"editor{k}") for k in range(WRITERS)])
        won = winners(outcomes)
        assert len(won) == 1, outcomes
        assert outcomes[won[0]] == version + 1
        for conflict in outcomes:
            if isinstance(conflict, ConflictError):  # the losers learn the version stored now
                assert conflict.current_version == version + 1 and f"version {version + 1}" in str(conflict)
        stored, now_version = store.get_record("mini", "teams", "T1")
        assert stored["members"] == 100 + won[0] and now_version == version + 1
    edits = [e for e in store.audit_log(scenario="mini") if e["record_id"] == "T1"]
    assert len(edits) == ROUNDS  # one audited change per round: the refused saves left no trace


def test_of_a_concurrent_delete_and_save_of_one_version_exactly_one_wins(store: Store, mini_folder) -> None:
    store.save_scenario(read_scenario(mini_folder))
    for k in range(ROUNDS):
        record = {"id": f"E-race-{k}", "kind": "foam_tender", "name": "Foam tender", "quantity": 1,
                  "capabilities": ["foam"], "base": "B1"}
        version = store.put_record("mini", "equipment", record)
        outcomes = race([partial(store.delete_record, "mini", "equipment", record["id"], expected_version=version),
                         partial(store.put_record, "mini", "equipment", {**record, "quantity": 5},
                                 expected_version=version)])
        won = winners(outcomes)
        assert len(won) == 1, outcomes
        versions = store.record_versions("mini", "equipment")
        assert (record["id"] in versions) == (won == [1])


def test_concurrent_creates_of_one_id_store_it_once(store: Store, mini_folder) -> None:
    store.save_scenario(read_scenario(mini_folder))
    for k in range(ROUNDS):
        record_id = f"E-new-{k}"
        outcomes = race([partial(store.put_record, "mini", "equipment",
                                 {"id": record_id, "kind": "pump", "name": f"pump {n}", "quantity": n + 1,
                                  "capabilities": [], "base": "B1"}) for n in range(WRITERS)])
        won = winners(outcomes)
        assert len(won) == 1, outcomes
        assert all("exists already" in str(o) for o in outcomes if isinstance(o, ConflictError))
        assert store.get_record("mini", "equipment", record_id) == (
            {"id": record_id, "kind": "pump", "name": f"pump {won[0]}", "quantity": won[0] + 1, "capabilities": [],
             "base": "B1", "team": None, "illustrative": False, "asset_number": "", "status": "in_service",
             "last_inspected": None, "inspection_days": None, "maintenance_log": []}, 1)
    assert store.list_scenarios()[0]["counts"]["equipment"] == 2 + ROUNDS


def test_of_concurrent_document_saves_with_one_version_exactly_one_wins(store: Store, mini_folder) -> None:
    store.save_scenario(read_scenario(mini_folder))
    version = store.put_document("mini", "actions", "CA-1", {"title": "fix radio", "n": -1})
    for _ in range(ROUNDS):
        outcomes = race([partial(store.put_document, "mini", "actions", "CA-1", {"title": "fix radio", "n": k},
                                 expected_version=version) for k in range(WRITERS)])
        won = winners(outcomes)
        assert len(won) == 1, outcomes
        data, version = store.get_document("mini", "actions", "CA-1")
        assert data["n"] == won[0]


def test_scenario_version_counts_every_concurrent_change(store: Store, mini_folder) -> None:
    """Writers of different records each raise the scenario's version by one: caches keyed on it see every change."""
    store.save_scenario(read_scenario(mini_folder))
    start = store.scenario_version("mini")
    outcomes = race([partial(store.put_record, "mini", "equipment",
                             {"id": f"E-v{k}", "kind": "pump", "name": "pump", "quantity": 1, "capabilities": [],
                              "base": "B1"}) for k in range(WRITERS)])
    assert len(winners(outcomes)) == WRITERS
    assert store.scenario_version("mini") == start + WRITERS


OBSERVED = "time,event\n0,alarm\n2,notified\n{arrived},arrived\n"
DRILL = {"id": "refinery-onsite-tank-H1", "date": "2026-04-08", "form": "field", "scope": "single",
         "scenario": "chemical-fire-explosion", "plans": ["refinery-onsite-tank"], "teams": ["ent-refinery-fire"],
         "site": "site-refinery-tank-farm", "owner": "org-refinery"}
PROGRAMME = {"year": 2026, "status": "optimal", "seconds": 1.0, "timezone": "Asia/Shanghai", "settings": {},
             "organisations": [], "plans": [], "drills": [DRILL], "blackouts": [], "flood_season": None,
             "unmet": [], "coverage_gaps": []}
KEY = "2026-refinery-onsite-tank-H1"


def test_of_concurrent_evaluations_of_one_version_one_is_stored_and_the_history_keeps_every_other(store: Store) -> None:
    load_jinan(store, small_plans=True)
    records.save_programme(store, "jinan", PROGRAMME)
    evaluate_stored_drill(store, "jinan", KEY, OBSERVED.format(arrived=40), actor="first", expected_version=None)
    for round_number in range(2):
        _, version = get_evaluation(store, "jinan", KEY)
        outcomes = race([partial(evaluate_stored_drill, store, "jinan", KEY, OBSERVED.format(arrived=10 + k),
                                 actor=f"evaluator{k}", expected_version=version) for k in range(4)])
        won = winners(outcomes)
        assert len(won) == 1, outcomes
        record, stored_version = get_evaluation(store, "jinan", KEY)
        assert stored_version == version + 1 and record.evaluated_by == f"evaluator{won[0]}"
        assert [run.evaluated_by for run in record.history][-1] == "first"
        assert len(record.history) == round_number + 1  # the evaluation replaced is in the history, none lost
