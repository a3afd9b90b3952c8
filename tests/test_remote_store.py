"""The remote SPARQL 1.1 backend, against a real ``oxigraph serve`` on 127.0.0.1."""
from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import QueryError, StoreError
from kg.namespace import ONTOLOGY_GRAPH, graph_iri
from kg.remote import RemoteStore
from kg.store import Store, open_store

pytestmark = pytest.mark.slow


def snapshot(store: Store) -> list[str]:
    return sorted(store.dump("nquads").decode().splitlines())


def test_location_opens_a_remote_store(oxigraph_server: str) -> None:
    store = open_store(oxigraph_server)
    assert isinstance(store, RemoteStore)
    assert store.query_url == oxigraph_server + "/query"
    assert store.update_url == oxigraph_server + "/update"
    explicit = open_store(f"query={oxigraph_server}/query,update={oxigraph_server}/update")
    assert explicit.graphs() == store.graphs() == []


def test_replace_query_and_stale_graphs(oxigraph_server: str, make_graphs) -> None:
    store = open_store(oxigraph_server)
    store.ensure_ontology()
    store.replace("a", make_graphs("a", 3))
    store.replace("b", make_graphs("b", 1, township="花园街道"))
    assert store.graphs() == sorted([ONTOLOGY_GRAPH, graph_iri("b", 0)]
                                    + [graph_iri("a", i) for i in range(3)])
    store.replace("a", make_graphs("a", 1))
    assert graph_iri("a", 2) not in store.graphs() and graph_iri("a", 0) in store.graphs()
    # union of all graphs by default, through the standard protocol
    ans = store.query("SELECT ?f WHERE { ?r a fz:Report ; fz:sourceFile ?f } ORDER BY ?f")
    assert [r[0].value for r in ans.rows] == ["a.txt", "b.txt"]
    assert store.query("ASK { ?r a fz:Report }", union=False).boolean is False
    q = "SELECT ?r ?name WHERE { ?r fz:township/rdfs:label ?name }"
    sub = store.query(q, substitutions={"name": ox.Literal("花园街道", language="zh")})
    assert [r[0].value for r in sub.rows] == ["https://w3id.org/fazhi-kg/id/report/b/0"]
    g = store.query("CONSTRUCT { ?t a fz:Township } WHERE { ?t a fz:Township }")
    assert g.kind == "graph" and len(g.triples) == 2
    s = store.stats()
    assert s["reports"] == 2 and s["townships"] == 2 and s["ontology"] is True


def test_remote_and_embedded_stores_agree(oxigraph_server: str, make_graphs) -> None:
    remote, local = open_store(oxigraph_server), open_store("memory:")
    for store in (remote, local):
        store.ensure_ontology()
        store.replace("a", make_graphs("a", 2))
        store.replace("b", make_graphs("b", 1))
    assert remote.count() == local.count()
    assert snapshot(remote) == snapshot(local)
    assert remote.stats() | {"location": ""} == local.stats() | {"location": ""}
    for fmt in ("turtle", "jsonld"):
        fmt_ox = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.JSON_LD
        assert set(ox.parse(remote.dump(fmt), format=fmt_ox)) == \
            set(ox.parse(local.dump(fmt), format=fmt_ox))


def test_bad_replace_leaves_the_server_store_as_before(oxigraph_server: str, make_graphs,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(oxigraph_server)
    store.replace("a", make_graphs("a", 2))
    before = snapshot(store)
    with pytest.raises(StoreError, match="not valid N-Triples"):
        store.replace("a", {graph_iri("a", 0): "<http://x/s> <http://x/p> ."})
    real = Store._replace_text
    monkeypatch.setattr(Store, "_replace_text", staticmethod(
        lambda old, new: real(old, new) + " ;\nLOAD <http://127.0.0.1:9/x> INTO GRAPH <http://x/g>"))
    with pytest.raises(StoreError, match="answered"):
        store.replace("a", make_graphs("a", 1))
    assert snapshot(store) == before


def test_query_errors(oxigraph_server: str) -> None:
    store = open_store(oxigraph_server)
    with pytest.raises(QueryError, match="refused the query"):
        store.query("SELECT WHERE {")


def test_cli_ingest_query_export_via_remote_store(oxigraph_server: str, seed_dir: Path,
                                                  tmp_path: Path, cli_cmd: list[str]) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(cli_cmd + list(args), capture_output=True, text=True, timeout=300)

    res = cli("ingest", "--store", oxigraph_server, str(seed_dir))
    assert res.returncode == 0, res.stderr
    stats = json.loads(cli("stats", "--store", oxigraph_server, "--format", "json").stdout)
    assert stats["reports"] >= len(list(seed_dir.glob("*.txt")))
    q = cli("query", "SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }", "--store",
            oxigraph_server, "--format", "csv")
    assert q.stdout.splitlines() == ["n", str(stats["reports"])]
    # Ingest again: replace, not add.
    assert cli("ingest", "--store", oxigraph_server, str(seed_dir)).returncode == 0
    again = json.loads(cli("stats", "--store", oxigraph_server, "--format", "json").stdout)
    assert again == stats
    # The server's own view agrees (plain SPARQL protocol, no fazhi-kg in between).
    body = urllib.parse.urlencode({"query": "SELECT (COUNT(DISTINCT ?g) AS ?n) "
                                            "WHERE { GRAPH ?g { ?s ?p ?o } }"}).encode()
    req = urllib.request.Request(oxigraph_server + "/query", data=body, headers={
        "Accept": "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        n = json.load(resp)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == stats["graphs"] + 1     # report graphs + the ontology
    # Export equals an export of the same reports from an embedded store.
    remote_nq, local_nq = tmp_path / "r.nq", tmp_path / "l.nq"
    assert cli("export", "--store", oxigraph_server, "-o", str(remote_nq)).returncode == 0
    assert cli("ingest", "--store", str(tmp_path / "s"), str(seed_dir)).returncode == 0
    assert cli("export", "--store", str(tmp_path / "s"), "-o", str(local_nq)).returncode == 0
    assert sorted(remote_nq.read_text().splitlines()) == sorted(local_nq.read_text().splitlines())
