"""Dispatch on a scenario: units from teams and their kit, regions from boundaries, template needs, CLI form."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geodata.matrix import travel_time_matrix
from planner.cli import main
from planner.dispatch.pricing import jurisdiction_parents
from planner.dispatch.requests import incident_library, parse_incident_request, requirements_from_template
from planner.dispatch.scenario import dispatch_scenario, region_of, unit_capabilities
from planner.errors import InputError
from planner.scenario.files import read_scenario
from planner.scenario.network import join_points, placement
from planner.sharing import agreements_from_dicts, deployment_terms
from tests.conftest import MINI


@pytest.fixture(scope="module")
def mini():
    return read_scenario(MINI)


def test_units_carry_their_team_equipment(mini):
    capabilities = unit_capabilities(mini)
    assert capabilities["T2"] == {"hazchem_squad": 3, "gas_detection": 2 + 6, "light": 6}  # E2 held by T2
    assert capabilities["T1"] == {"fire_squad": 3}  # E1 is held by base B1, not carried by a team


def test_region_is_the_most_specific_boundary(mini):
    assert region_of(mini, 117.05, 36.66) == "LX"
    assert region_of(mini, 116.95, 36.75) == "TQ"
    with pytest.raises(InputError, match="lies in no jurisdiction"):
        region_of(mini, 118.5, 36.66)
    parents = jurisdiction_parents(mini)
    assert parents == {"JN": "SD", "LX": "JN", "TQ": "JN"}
    # the city's and the district's own teams serve the district as its own forces; the neighbour only
    # under its agreement A1 (TQ -> LX), and not the other way round
    assert deployment_terms((), "JN", "LX", parents=parents).own_forces  # type: ignore[union-attr]
    assert deployment_terms((), "LX", "LX", parents=parents).own_forces  # type: ignore[union-attr]
    agreements = agreements_from_dicts(mini.agreements)
    lent = deployment_terms(agreements, "TQ", "LX", parents=parents)
    assert lent is not None and lent.lent and lent.agreement is not None and lent.agreement.id == "A1"
    assert deployment_terms(agreements, "LX", "TQ", parents=parents) is None


def test_template_needs_become_requirements():
    fire = incident_library()["chemical-fire-explosion"]
    requirements = requirements_from_template(fire)
    first_fire = min(o.target_min for o in fire.objectives
                     if o.capability == "fire_squad" and o.metric == "first_arrival")
    assert requirements[0].capability == "fire_squad" and requirements[0].deadline_min == first_fire
    later = [r for r, step in zip(requirements, fire.requirements, strict=True) if step.at_min > 0]
    later_steps = [s for s in fire.requirements if s.at_min > 0]
    assert all(r.deadline_min == step.at_min for r, step in zip(later, later_steps, strict=True))


def test_arrival_is_turnout_plus_network_travel(mini):
    request = parse_incident_request({"lon": 117.06, "lat": 36.665, "priority": 2,
                                      "requirements": [{"capability": "fire_squad", "quantity": 2,
                                                        "deadline_min": 30}]}, 0, incident_library())
    run = dispatch_scenario(mini, [request])
    (sent,) = run.optimal.assignments
    placed = placement(mini)
    joined = join_points(mini, placed.network, [117.06], [36.665])  # part-way along its road, as dispatch joins it
    travel_s = travel_time_matrix(joined.network, [placed.base_node["B1"]], joined.node)[0, 0]
    assert sent.unit == "T1" and sent.arrival_min == pytest.approx(1.0 + travel_s / 60, abs=1e-3)
    route = np.array(run.routes["T1"])
    b1 = placed.base_node["B1"]
    assert np.allclose(route[0], [placed.network.lon[b1], placed.network.lat[b1]], atol=1e-5)
    assert run.optimal.objective.weighted_shortfall == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"lat": 36.6}, "incidents[0].lon"),
    ({"lon": 1e400, "lat": 36.6, "type": "tunnel-fire"}, "incidents[0].lon"),
    ({"lon": 117.0, "lat": 36.6, "type": "volcano"}, "incidents[0].type"),
    ({"lon": "117.0", "lat": 36.6, "type": "tunnel-fire"}, "incidents[0].lon"),
    ({"lon": 117.0, "lat": 36.6}, "incidents[0].requirements"),
    ({"lon": 117.0, "lat": 36.6, "type": "tunnel-fire", "colour": "red"}, "incidents[0].colour"),
    ({"lon": 117.0, "lat": 36.6, "priority": 0, "type": "tunnel-fire"}, "incidents[0].priority"),
    ({"lon": 117.0, "lat": 36.6, "requirements": [{"capability": "fire_squad", "quantity": -1, "deadline_min": 5}]},
     "incidents[0].requirements[0].quantity"),
])
def test_bad_incidents_name_the_field(body, field):
    with pytest.raises(InputError) as caught:
        parse_incident_request(body, 0, incident_library())
    assert caught.value.field == field


def test_cli_scenario_form(cli_env, capsys, tmp_path):
    ledger = tmp_path / "ledger.csv"
    assert main(["dispatch", "--scenario", str(MINI), "--incident", "117.06,36.665,high-rise-fire,3",
                 "--ledger", str(ledger), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["incidents"][0]["region"] == "LX" and result["incidents"][0]["priority"] == 3
    assert result["optimal"]["objective"]["weighted_shortfall"] <= result["greedy"]["objective"]["weighted_shortfall"]
    assert ledger.read_text().startswith("mission,unit,lender,payer,line")
    assert main(["dispatch", "--scenario", str(MINI), "--incident", "117.06,36.665"]) == 2
    assert "LON,LAT,TYPE" in capsys.readouterr().err
    assert main(["dispatch", "--problem", "x.json", "--incident", "1,2,fire"]) == 2
