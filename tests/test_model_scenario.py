"""Domain records and scenario folders: validation names record, field and problem; round trips are exact."""

from __future__ import annotations

import csv
import json

import pytest

from planner.errors import InputError
from planner.model.codes import label
from planner.model.records import HazardSite, RiskGrade, Team, parse_record
from planner.scenario.files import read_scenario, write_scenario
from planner.scenario.network import placement


def test_team_defaults_capability_from_type_and_squads():
    team = parse_record(Team, {"id": "T", "name": "t", "team_type": "mine_rescue", "base": "B", "members": 27,
                               "squads": 3, "turnout_min": 1})
    assert team.capabilities == {"mine_rescue_squad": 3}


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"members": -3}, r"team T9: members: must be greater than or equal to 1 \(got -3\)"),
        ({"team_type": "ninja"}, r"team T9: team_type: .*'ninja'"),
        ({"capabilities": {"fire_squad": -1}}, r"team T9: capabilities: quantity of 'fire_squad' must not be negative"),
        ({"turnout_min": "soon"}, r"team T9: turnout_min"),
        ({"colour": "red"}, r"team T9: colour: unknown field"),
    ],
)
def test_bad_team_fields_are_named(data, pattern):
    good = {"id": "T9", "name": "t", "team_type": "fire", "base": "B", "members": 5, "squads": 1, "turnout_min": 1}
    with pytest.raises(InputError, match=pattern) as caught:
        parse_record(Team, {**good, **data}, where="teams.csv line 7")
    assert str(caught.value).startswith("teams.csv line 7: ")
    assert caught.value.record == "T9"


def test_site_labels_and_grades():
    site = parse_record(HazardSite, {"id": "S", "name": "s", "kind": "tailings_dam", "risk_grade": "orange",
                                     "hazard_level": 2, "jurisdiction": "J", "lon": 117, "lat": 36})
    assert site.risk_grade is RiskGrade.ORANGE and site.risk_grade.rank == 1
    assert label("risk_grade", site.risk_grade) == "较大风险 / significant (orange)"
    with pytest.raises(InputError, match="hazard_level"):
        parse_record(HazardSite, {**site.model_dump(), "hazard_level": 5})


def test_folder_round_trip_is_exact(mini_folder, tmp_path):
    original = read_scenario(mini_folder)
    write_scenario(original, tmp_path / "out")
    again = read_scenario(tmp_path / "out")
    assert again == original


def _edit_csv(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "pattern"),
    [
        ("teams.csv", "T2,Hazchem", "T1,Hazchem", r"teams: duplicate id 'T1'"),
        ("teams.csv", ",B2,30,", ",B9,30,", r"teams T2: base: 'B9' does not exist"),
        ("teams.csv", "T1,Lixia engine company,历下中队,fire", "T1,Lixia engine company,历下中队,firefighting",
         r"teams.csv line 2: team T1: team_type"),
        ("equipment.csv", "E1,foam_tender,Foam tender,2", "E1,foam_tender,Foam tender,-2",
         r"equipment.csv line 2: equipment E1: quantity"),
        ("sites.csv", "S1,Refinery,炼油厂,chemical_plant,red", "S1,Refinery,炼油厂,chemical_plant,purple",
         r"sites.csv line 2: hazardsite S1: risk_grade"),
        ("jurisdictions.geojson", '"parent": "SD"', '"parent": "TQ"', r"parent chain loops"),
        ("jurisdictions.geojson", '"features": [', '"features": [[',
         r"jurisdictions.geojson: not valid GeoJSON \(Expecting"),
        ("bases.csv", "B3,Refinery", "B3,Refinery,extra", r"bases.csv line 4: more cells"),
    ],
)
def test_bad_scenario_files_are_refused_with_the_place(mini_folder, file, old, new, pattern):
    _edit_csv(mini_folder / file, old, new)
    with pytest.raises(InputError, match=pattern):
        read_scenario(mini_folder)


def test_non_polygon_jurisdiction_geometry_is_refused(mini_folder):
    path = mini_folder / "jurisdictions.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"][2]["geometry"] = {"type": "Point", "coordinates": [117, 36]}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError, match="jurisdiction LX: geometry: must be a Polygon"):
        read_scenario(mini_folder)


def test_site_outside_network_area_is_refused(mini_folder):
    _edit_csv(mini_folder / "sites.csv", "117.11,36.69", "118.90,36.69")
    scenario = read_scenario(mini_folder)
    with pytest.raises(InputError, match=r"site S1 .* km from the nearest road"):
        placement(scenario)


def test_points_as_geojson(mini_folder):
    rows = list(csv.DictReader(open(mini_folder / "sites.csv", encoding="utf-8")))
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [float(r.pop("lon")), float(r.pop("lat"))]},
                 "properties": {k: v for k, v in r.items()}} for r in rows]
    (mini_folder / "sites.csv").unlink()
    (mini_folder / "sites.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    scenario = read_scenario(mini_folder)
    assert [s.id for s in scenario.sites] == ["S1", "S2"] and scenario.sites[0].lon == 117.11
    features[0]["geometry"] = {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}
    (mini_folder / "sites.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InputError, match="sites.geojson feature 1: geometry must be a Point"):
        read_scenario(mini_folder)
