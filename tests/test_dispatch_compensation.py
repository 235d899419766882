"""Compensation has one home: a scenario dispatch's compensation is its ledger's total, to the fen.

The optimiser prices every candidate (team, incident) pair with the ledger's own function
(``planner.sharing.compensate``) at the incident's expected duration, so what it minimises and reports
is what the ledger charges. Checked here on the three Jinan incidents of issue 21 through the CLI and
the API, and on both shipped scenarios for dispatches and re-dispatches; ``conftest.py`` applies the
same check (``tests/dispatch_checks.py``) to every scenario dispatch any test runs.
"""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest

from planner.cli import main
from planner.dispatch.requests import incident_library, parse_incident_request
from planner.dispatch.scenario import dispatch_scenario, redispatch_scenario
from planner.scenario.files import read_scenario
from planner.sharing import deployment_terms
from tests.dispatch_checks import assert_compensation_is_ledger_total

THREE = ["117.108,36.702,chemical-fire-explosion,5", "117.0,36.66,high-rise-fire",
         "117.145,36.73,toxic-release,4"]
"""The three Jinan incidents of issue 21 (the optimiser said 4092.13, the ledger 0.00)."""

TEMPLATE_FOR_SITE = {
    "coal_mine": "gas-explosion", "metal_mine": "roof-fall", "tailings_dam": "tailings-dam-breach",
    "chemical_park": "toxic-release", "chemical_plant": "chemical-fire-explosion", "oil_gas": "gas-pipeline-leak",
    "fuel_depot": "chemical-fire-explosion", "steel_works": "toxic-release", "gas_pipeline": "gas-pipeline-leak",
    "tunnel": "tunnel-fire", "high_rise": "high-rise-fire", "rail_hub": "urban-flood",
    "urban_critical": "urban-flood",
}


def test_three_jinan_incidents_on_the_cli(cli_env: Any, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    ledger_csv = tmp_path / "L.csv"
    argv = ["dispatch", "--scenario", "jinan", *[a for text in THREE for a in ("--incident", text)],
            "--ledger", str(ledger_csv), "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    compensation = result["optimal"]["objective"]["compensation"]
    assert compensation == pytest.approx(result["ledger"]["total"], abs=0.01)
    assert_compensation_is_ledger_total(result)
    # provincial teams lent under the prov-* agreements are paid by their rate cards
    assert compensation > 0 and result["ledger"]["lines"]
    with ledger_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(float(row["amount"]) for row in rows) == pytest.approx(compensation, abs=0.01)
    # the table form prints the same figures
    assert main(argv[:-3]) == 0
    out = capsys.readouterr().out
    assert f"compensation {compensation:.2f}" in out and f"total {compensation:.2f} yuan" in out


def test_three_jinan_incidents_on_the_api(client: Any, auth: Any, app: Any) -> None:
    app.extensions["planner_store"].save_scenario(read_scenario("jinan"))
    auth.login("dispatcher")
    incidents = []
    for text in THREE:
        lon, lat, kind, *priority = text.split(",")
        incidents.append({"lon": float(lon), "lat": float(lat), "type": kind, "priority": int((priority or [1])[0])})
    response = client.post("/api/v1/scenarios/jinan/dispatch", json={"incidents": incidents})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    optimal, ledger = data["optimal"], data["ledger"]
    assert optimal["objective"]["compensation"] == pytest.approx(ledger["total"], abs=0.01)
    assert_compensation_is_ledger_total(data)
    # the page shows each borrowed unit's cost: together they are the compensation (no region prices
    # its own forces in Jinan)
    assert sum(a["cost"] for a in optimal["assignments"]) == pytest.approx(ledger["total"], abs=0.01)
    for assignment in optimal["assignments"]:
        charged = sum(line["amount"] for line in ledger["lines"] if line["unit"] == assignment["unit"])
        assert assignment["cost"] == pytest.approx(charged, abs=0.01)


def _site_requests(scenario: Any, count: int, *, step: int) -> list[Any]:
    """Incidents at every ``step``-th site, from the template for its kind, with varied durations and payers."""
    library = incident_library()
    requests = []
    for index, site in enumerate(scenario.sites[::step][:count]):
        body = {"id": f"S{index + 1}", "lon": site.lon, "lat": site.lat, "type": TEMPLATE_FOR_SITE[site.kind.value],
                "priority": 1 + index % 3, "duration_h": (6, 30, 49.5)[index % 3]}
        if index % 2 == 0:
            body["responsible_unit"] = f"operator of {site.id}"
            body["responsible_can_pay"] = index % 4 == 0
        requests.append(parse_incident_request(body, index, library))
    return requests


@pytest.mark.parametrize("name", ["jinan", "shanxi-coal"])
def test_shipped_scenario_dispatch_and_redispatch_charge_what_they_report(name: str) -> None:
    scenario = read_scenario(name)
    requests = _site_requests(scenario, 4, step=7)
    first = dispatch_scenario(scenario, requests[:3], time_limit_s=10)
    assert_compensation_is_ledger_total(first)
    assert first.optimal.assignments, "the incidents should get some units"
    # the greedy baseline is priced by the same function
    greedy_cost = sum(first.problem.pair_cost[(a.unit, a.incident)] for a in first.greedy.assignments)  # type: ignore[index]
    assert first.greedy.objective.compensation == pytest.approx(greedy_cost, abs=0.01)
    # every lent unit is on the ledger, line by line or as an excluded claim with its reason
    ledger = first.ledger
    lent = {b.unit for b in first.optimal.borrowed}
    accounted = {line["unit"] for line in ledger["lines"]} | {claim["unit"] for claim in ledger["excluded"]}
    assert lent <= accounted
    # the fourth incident arrives: keep half the committed units, let the others move or go home
    current = first.optimal.assignment_map()
    releasable = sorted(current)[::2]
    second = redispatch_scenario(scenario, requests, current, releasable=releasable, time_limit_s=10)
    assert_compensation_is_ledger_total(second)
    kept = {a.unit for a in second.changes.kept}
    assert {u for u in current if u not in releasable} <= kept
    assert {a.unit for a in second.optimal.assignments} >= kept


def test_a_priced_pair_is_the_ledgers_charge_at_the_expected_duration() -> None:
    """The same fire, 12 h or 30 h: a provincial unit lent in Jinan costs one day's or two days' labour more."""
    scenario = read_scenario("jinan")
    library = incident_library()
    body = {"lon": 117.108, "lat": 36.702, "type": "chemical-fire-explosion", "priority": 5}
    short = dispatch_scenario(scenario, [parse_incident_request({**body, "duration_h": 12}, 0, library)])
    long = dispatch_scenario(scenario, [parse_incident_request({**body, "duration_h": 30}, 0, library)])
    teams = scenario.by_id("teams")
    bases = scenario.by_id("bases")
    for key, cost in short.problem.pair_cost.items():  # type: ignore[union-attr]
        team = teams[key[0]]
        terms = deployment_terms(short.problem.agreements, bases[team.base].jurisdiction, "licheng",
                                 parents=short.problem.parents)
        assert terms is not None
        if terms.agreement is None or "labour" not in terms.agreement.reimbursable:
            assert long.problem.pair_cost[key] == pytest.approx(cost)  # type: ignore[index]
            continue
        rates = terms.agreement.rates
        per_day = team.members * (rates.labour_per_person_day + rates.subsistence_per_person_day * (
            "subsistence" in terms.agreement.reimbursable))
        per_day += sum(rates.equipment_per_day.get(item.kind, 0) * item.quantity
                       for item in scenario.equipment if item.team == team.id and item.in_service)  # others stay
        assert long.problem.pair_cost[key] - cost == pytest.approx(per_day, abs=0.01), key  # type: ignore[index]
