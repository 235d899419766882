"""Streaming OSM XML import: the same network as the OSMnx import, bounded memory, one-line errors."""

from __future__ import annotations

import bz2
import gzip
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import geodata.osm.xml
from geodata.errors import GeodataError
from geodata.network import RoadNetwork, network_from_graph
from geodata.osm.reference import read_xml_osmnx
from geodata.osm.xml import read_osm_xml_stream
from geodata.synthetic import synthetic_road_tables, write_osm_xml


def canonical(network: RoadNetwork) -> tuple[list[tuple[int, float, float]], list[tuple[object, ...]]]:
    """Nodes in order with coordinates, and the sorted edge list with every attribute."""
    ids = network.node_id
    nodes = list(zip(ids.tolist(), network.lon.tolist(), network.lat.tolist(), strict=True))
    edges = sorted(
        zip(
            ids[network.edge_u].tolist(),
            ids[network.edge_v].tolist(),
            np.round(network.length_m, 6).tolist(),
            network.highway.tolist(),
            network.speed_kph.tolist(),
            network.way_id.tolist(),
            strict=True,
        )
    )
    return nodes, edges


@pytest.mark.parametrize("name", ["monaco.osm.gz", "krems.osm.gz"])
def test_same_network_as_the_osmnx_import(name: str, fixtures: Path) -> None:
    path = fixtures / "osm" / name
    reference = network_from_graph(read_xml_osmnx(path, "xml.gz"), name="ref")
    streamed = read_osm_xml_stream(path, name="ref")
    assert streamed.n_nodes == reference.n_nodes > 1000 and streamed.n_edges == reference.n_edges
    assert canonical(streamed) == canonical(reference)
    assert streamed.report == reference.report


def test_plain_and_bz2_read_alike(fixtures: Path, tmp_path: Path) -> None:
    raw = gzip.decompress((fixtures / "osm" / "krems.osm.gz").read_bytes())
    (tmp_path / "k.osm").write_bytes(raw)
    (tmp_path / "k.osm.bz2").write_bytes(bz2.compress(raw))
    assert canonical(read_osm_xml_stream(tmp_path / "k.osm")) == canonical(
        read_osm_xml_stream(tmp_path / "k.osm.bz2")
    )


def test_memory_follows_the_roads_not_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geodata.osm.xml, "_NODE_BATCH", 10_000)  # batches fill in both files below
    nodes, edges = synthetic_road_tables(900, seed=1)
    medium, big = tmp_path / "medium.osm", tmp_path / "big.osm"
    medium_size = write_osm_xml(nodes, edges, medium, filler_nodes=30_000)
    big_size = write_osm_xml(nodes, edges, big, filler_nodes=60_000)  # the same roads, twice the file
    read_osm_xml_stream(medium)  # warms imports and caches outside the measurements

    def peak_of(path: Path) -> tuple[int, RoadNetwork]:
        tracemalloc.start()
        network = read_osm_xml_stream(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, network

    medium_peak, roads = peak_of(medium)
    big_peak, network = peak_of(big)
    assert big_size > 10 * 2**20 and canonical(network) == canonical(roads)
    grown = big_peak - medium_peak
    assert grown < (big_size - medium_size) / 20, (
        f"peak grew {grown / 2**20:.2f} MB for {big_size / 2**20:.1f} MB"
    )
    assert big_peak < big_size / 4


def test_bad_files_give_one_line(fixtures: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "t.osm.gz"
    truncated.write_bytes((fixtures / "osm" / "monaco.osm.gz").read_bytes()[:60_000])
    corrupt = tmp_path / "c.osm"
    corrupt.write_text('<?xml version="1.0"?><osm><node id="1" lat="1"', encoding="utf-8")
    footways = tmp_path / "f.osm"
    footways.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="60.1" lon="24.9"/>'
        '<node id="2" lat="60.101" lon="24.9"/><way id="5"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="footway"/></way></osm>',
        encoding="utf-8",
    )
    entity = tmp_path / "e.osm"
    entity.write_text(
        '<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "aaaa">]><osm version="0.6"></osm>', encoding="utf-8"
    )
    for path, message in (
        (truncated, "corrupt or truncated"),
        (corrupt, "not readable OSM XML"),
        (footways, "has no drivable roads"),
        (entity, "not readable OSM XML"),
    ):
        with pytest.raises(GeodataError, match=message):
            read_osm_xml_stream(path)


def test_missing_nodes_drop_their_edges(tmp_path: Path) -> None:
    path = tmp_path / "clipped.osm"
    ring = "".join(
        f'<node id="{i}" lat="{60 + 0.001 * (i % 2)}" lon="{24.9 + 0.001 * (i // 2)}"/>' for i in range(4)
    )
    ways = (
        '<way id="1"><nd ref="0"/><nd ref="1"/><nd ref="3"/><nd ref="2"/><nd ref="0"/>'
        '<tag k="highway" v="residential"/></way><way id="2"><nd ref="3"/><nd ref="99"/>'
        '<tag k="highway" v="primary"/></way>'
    )
    path.write_text(f'<?xml version="1.0"?><osm version="0.6">{ring}{ways}</osm>', encoding="utf-8")
    network = read_osm_xml_stream(path)
    assert network.n_nodes == 4 and network.n_edges == 8 and set(network.way_id.tolist()) == {1}
