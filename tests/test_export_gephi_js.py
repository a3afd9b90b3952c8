"""A GEXF consumer nobody here wrote reads our GEXF: graphology-gexf (npm).

graphology-gexf is the reader behind Gephi Lite and sigma.js.  The test
installs it into tests/js/node_modules on first use (npm registry) and skips,
saying why, only when Node.js or npm is not installed.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.export import export_graph, graph_view

JS = Path(__file__).resolve().parent / "js"
REPO = JS.parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reader() -> list[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("Node.js and npm are needed to run graphology-gexf (not installed)")
    if not (JS / "node_modules" / "graphology-gexf").is_dir():
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(JS)],
                              cwd=JS, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"npm install failed in {JS}:\n{done.stderr[-2000:]}"
    return [node, str(JS / "read_gexf.js")]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    st = ox.Store()
    synth.load_store(st, synth.World(10, seed=9, counties=2), [2022, 2023])
    return st


def read_with_graphology(reader: list[str], data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "graph.gexf"
    path.write_bytes(data)
    out = subprocess.run([*reader, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("view,opts", [("entities", {}), ("bipartite", {}),
                                       ("similarity", {"threshold": 0.02}),
                                       ("entities", {"types": "镇,制度", "year": 2023})])
def test_graphology_reads_counts_and_types(reader, store, tmp_path, view, opts):
    g = graph_view(store, view=view, **opts)
    got = read_with_graphology(reader, export_graph(store, "gexf", view=view, **opts), tmp_path)
    assert got["order"] == g.number_of_nodes()
    assert got["size"] == g.number_of_edges()
    assert got["type"] == ("directed" if g.is_directed() else "undirected")
    assert got["types"] == dict(Counter(t for _, t in g.nodes(data="type")))
    assert got["relations"] == dict(Counter(d["relation"] for *_, d in g.edges(data=True)))
    assert got["colored"] == got["labels"] == got["order"]
    assert got["weightSum"] == pytest.approx(sum(d["weight"] for *_, d in g.edges(data=True)))


def test_graphology_reads_the_seed_graph(reader, tmp_path):
    from ingest import pipeline
    st = ox.Store()
    for path in sorted((REPO / "data" / "reports").glob("*.txt")):
        for graph, nt in pipeline.run(path).graphs.items():
            st.load(nt.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    n = len(list(st.query("""SELECT DISTINCT ?e WHERE { GRAPH ?g {
        ?r a <https://w3id.org/fazhi-kg/ontology#Report> . ?e a ?c }
        FILTER(STRSTARTS(STR(?c), "https://w3id.org/fazhi-kg/ontology#"))
        FILTER(?c NOT IN (<https://w3id.org/fazhi-kg/ontology#Report>,
          <https://w3id.org/fazhi-kg/ontology#Section>, <https://w3id.org/fazhi-kg/ontology#Sentence>,
          <https://w3id.org/fazhi-kg/ontology#Mention>, <https://w3id.org/fazhi-kg/ontology#Statement>,
          <https://w3id.org/fazhi-kg/ontology#Indicator>, <https://w3id.org/fazhi-kg/ontology#Entity>)) }""")))
    got = read_with_graphology(reader, export_graph(st, "gexf"), tmp_path)
    assert got["order"] == n
    assert "镇" in got["types"]
