"""Real SPARQL clients against a live server: SPARQLWrapper, rdflib's SPARQLStore, curl."""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from kg.namespace import FZ, FZ_IRI
from test_queries import TOWNSHIPS, build_store
from test_server import live

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")

PREFIX = f"PREFIX fz: <{FZ_IRI}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    path = build_store(tmp_path_factory.mktemp("clients") / "store")
    with live({"store": str(path), "query_workers": 2}) as base:
        yield f"{base}/sparql"


@pytest.mark.parametrize("fmt", ["JSON", "XML", "CSV", "TSV"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select(endpoint, fmt, method):
    from SPARQLWrapper import SPARQLWrapper as Wrapper

    sw = Wrapper(endpoint)
    sw.setMethod(method)
    sw.setQuery(PREFIX + "SELECT ?t ?l WHERE { ?t a fz:Township ; rdfs:label ?l } ORDER BY ?l")
    sw.setReturnFormat(getattr(SPARQLWrapper, fmt))
    res = sw.query().convert()
    if fmt == "JSON":
        labels = [b["l"]["value"] for b in res["results"]["bindings"]]
    elif fmt == "XML":
        labels = [n.firstChild.firstChild.data for n in res.getElementsByTagName("binding")
                  if n.getAttribute("name") == "l"]
    else:
        text = res.decode() if isinstance(res, bytes) else res
        labels = [line.split("," if fmt == "CSV" else "\t")[1].strip('"').split('"@')[0]
                  for line in text.splitlines()[1:]]
    assert labels == sorted(t[0] for t in TOWNSHIPS)


def test_sparqlwrapper_ask_and_construct(endpoint):
    from SPARQLWrapper import SPARQLWrapper as Wrapper

    sw = Wrapper(endpoint)
    sw.setQuery(PREFIX + "ASK { ?r a fz:Report }")
    sw.setReturnFormat(SPARQLWrapper.JSON)
    assert sw.query().convert()["boolean"] is True
    for fmt in (SPARQLWrapper.TURTLE, SPARQLWrapper.RDFXML, SPARQLWrapper.JSONLD, SPARQLWrapper.N3):
        sw = Wrapper(endpoint)
        sw.setQuery(PREFIX + "CONSTRUCT { ?t rdfs:label ?l } WHERE { ?t a fz:Township ; rdfs:label ?l }")
        sw.setReturnFormat(fmt)
        res = sw.query().convert()
        graph = res if isinstance(res, rdflib.Graph) else rdflib.Graph().parse(
            data=res, format={"turtle": "turtle", "n3": "turtle", "json-ld": "json-ld"}[fmt])
        assert len(graph) == len(TOWNSHIPS), fmt


def test_sparqlwrapper_sees_refusals_as_errors(endpoint):
    from SPARQLWrapper import SPARQLWrapper as Wrapper
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    sw = Wrapper(endpoint)
    sw.setQuery("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    sw.setReturnFormat(SPARQLWrapper.JSON)
    with pytest.raises(QueryBadFormed, match="SERVICE"):
        sw.query()


def test_rdflib_sparqlstore(endpoint):
    store = SPARQLStore(endpoint)
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(PREFIX + "SELECT ?l WHERE { ?t a fz:Township ; rdfs:label ?l }"))
    assert sorted(str(r[0]) for r in rows) == sorted(t[0] for t in TOWNSHIPS)
    towns = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(str(FZ.Township))))
    assert len(towns) == len(TOWNSHIPS)
    assert graph.query(PREFIX + "ASK { ?r a fz:Report }").askAnswer is True
    built = graph.query(PREFIX + "CONSTRUCT { ?t rdfs:label ?l } WHERE { ?t rdfs:label ?l ; a fz:Township }")
    assert len(built.graph) == len(TOWNSHIPS)
    post = rdflib.Graph(store=SPARQLStore(endpoint, method="POST"))
    assert len(list(post.query(PREFIX + "SELECT ?r WHERE { ?r a fz:Report }"))) == len(TOWNSHIPS)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(endpoint):
    q = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }"
    out = subprocess.run(["curl", "-sf", "--data-urlencode", f"query={q}",
                          "-H", "Accept: application/sparql-results+json", endpoint],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    assert json.loads(out)["results"]["bindings"][0]["n"]["value"] == str(len(TOWNSHIPS))
    out = subprocess.run(["curl", "-sf", "-X", "POST", "-H", "Content-Type: application/sparql-query",
                          "-H", "Accept: text/csv", "--data-binary", q, endpoint],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    assert out.split() == ["n", str(len(TOWNSHIPS))]
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                          "-H", "Content-Type: application/sparql-update", "--data-binary",
                          "CLEAR ALL", endpoint], capture_output=True, text=True, timeout=30).stdout
    assert out == "403"
