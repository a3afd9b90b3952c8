"""/export/graph.<format>: the graph views over HTTP."""
from __future__ import annotations

import io
import zipfile

import networkx as nx
import pytest
from lxml import etree

from ingest import pipeline
from kg.paths import data_dir
from kg.store import open_store


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("exports") / "store"
    store = open_store(str(path))
    store.ensure_ontology()
    for report in sorted((data_dir() / "reports").glob("*.txt"))[:3]:
        store.replace(report.stem, pipeline.run(report).graphs)
    store.close()
    from server import create_app

    app = create_app({"store": str(path), "query_workers": 1, "TESTING": True})
    with app.test_client() as c:
        yield c


def test_gexf_view_over_http_is_read_back(client):
    resp = client.get("/export/graph.gexf?view=bipartite")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/gexf+xml")
    root = etree.fromstring(resp.data)
    assert root.tag == "{http://gexf.net/1.3}gexf"
    g = nx.read_gexf(io.BytesIO(resp.data))
    types = {d.get("type") for _, d in g.nodes(data=True)}
    assert "镇" in types and g.number_of_edges() > 0


def test_csv_and_graphml(client):
    resp = client.get("/export/graph.csv?type=法律")
    assert resp.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert sorted(names) == ["edges.csv", "nodes.csv"]
    resp = client.get("/export/graph.graphml?view=similarity")
    assert resp.status_code == 200
    nx.read_graphml(io.BytesIO(resp.data))


@pytest.mark.parametrize("url", ["/export/graph.pdf", "/export/graph.gexf?view=galaxy",
                                 "/export/graph.gexf?year=last", "/export/graph.gexf?hops=5"])
def test_bad_options_are_client_errors(client, url):
    resp = client.get(url, headers={"Accept": "application/json"})
    assert 400 <= resp.status_code < 500
    assert "Traceback" not in resp.get_data(as_text=True)
