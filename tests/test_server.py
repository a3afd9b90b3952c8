"""The web service on a live 127.0.0.1 server: the SPARQL protocol and its safety.

The store is the small synthetic one of test_queries.py (N-Quads in the
project's shape), on disk in a temporary folder.
"""
from __future__ import annotations

import csv
import io
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import FazhiError
from kg.namespace import graph_iri
from netutil import counting_listener
from server import close_app, create_app
from test_queries import TOWNSHIPS, build_store

TOKEN = "s3cret-token"
ORIGIN = "https://editor.example"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@contextmanager
def live(config: dict) -> Iterator[str]:
    """create_app(config) served by werkzeug on a free 127.0.0.1 port; yields the base URL."""
    from netutil import serve_app

    app = create_app(config)
    try:
        with serve_app(app) as url:
            yield url
    finally:
        close_app(app)


def http(method: str, url: str, data: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30):
    """(status, headers, body) — errors are answers too."""
    if isinstance(data, str):
        data = data.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(base: str, query: str, headers: dict | None = None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return http("GET", f"{base}/sparql?{qs}", headers=headers)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("server") / "store")


@pytest.fixture(scope="module")
def base(store_path) -> Iterator[str]:
    config = {"store": str(store_path), "query_time_limit_ms": 1500, "max_rows": 3,
              "max_request_bytes": 20_000, "max_query_chars": 5_000, "cors_origins": ORIGIN,
              "query_workers": 2, "TESTING": True}
    with live(config) as url:
        yield url


COUNT_REPORTS = "SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }"


def _count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


# ----------------------------------------------------------------- protocol

def test_service_description(base):
    status, headers, body = http("GET", f"{base}/sparql")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.object.value == sd + "Service" for t in triples)
    assert any(t.predicate.value == sd + "endpoint" for t in triples)
    status, headers, body = http("GET", f"{base}/sparql", headers={"Accept": "application/n-triples"})
    assert status == 200 and list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))


def test_three_ways_to_send_a_query(base):
    assert _count(get(base, COUNT_REPORTS)[2]) == len(TOWNSHIPS)
    form = urllib.parse.urlencode({"query": COUNT_REPORTS})
    status, _, body = http("POST", f"{base}/sparql", form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and _count(body) == len(TOWNSHIPS)
    status, _, body = http("POST", f"{base}/sparql", COUNT_REPORTS,
                           {"Content-Type": "application/sparql-query"})
    assert status == 200 and _count(body) == len(TOWNSHIPS)


@pytest.mark.parametrize("how, value, media", [
    ("accept", "application/sparql-results+json", "application/sparql-results+json"),
    ("accept", "application/sparql-results+xml", "application/sparql-results+xml"),
    ("accept", "text/csv", "text/csv"),
    ("accept", "text/tab-separated-values", "text/tab-separated-values"),
    ("format", "json", "application/sparql-results+json"),
    ("format", "xml", "application/sparql-results+xml"),
    ("format", "csv", "text/csv"),
    ("format", "tsv", "text/tab-separated-values"),
])
def test_select_formats(base, how, value, media):
    q = "SELECT ?r WHERE { ?r a fz:Report } LIMIT 2"
    if how == "accept":
        status, headers, body = get(base, q, {"Accept": value})
    else:
        status, headers, body = get(base, q, format=value)
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    if media == "text/csv":                  # lossy: Oxigraph does not read it back
        assert len(body.decode().splitlines()) == 3
        return
    fmt = ox.QueryResultsFormat.from_media_type(media)
    rows = list(ox.parse_query_results(body, format=fmt))
    assert len(rows) == 2


@pytest.mark.parametrize("value, rdf_format", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_formats(base, value, rdf_format):
    q = "CONSTRUCT { ?t rdfs:label ?l } WHERE { ?t a fz:Township ; rdfs:label ?l } LIMIT 2"
    status, headers, body = get(base, q, {"Accept": value})
    assert status == 200 and headers["Content-Type"].split(";")[0] == value
    assert len(list(ox.parse(body, format=rdf_format))) == 2


def test_ask_and_describe(base):
    status, _, body = get(base, "ASK { ?r a fz:Report }")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, body = get(base, "DESCRIBE ?t WHERE { ?t a fz:Township } LIMIT 1",
                                format="turtle")
    assert status == 200 and list(ox.parse(body, format=ox.RdfFormat.TURTLE))


def test_dataset_by_default_graph_and_named_graph_uris(base):
    g = graph_iri("test_000", 0)
    status, _, body = get(base, COUNT_REPORTS, **{"default-graph-uri": g})
    assert status == 200 and _count(body) == 1
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?r a fz:Report } }"
    status, _, body = get(base, q, **{"named-graph-uri": g})
    assert _count(body) == 1


# ----------------------------------------------------------------- safety

def test_service_and_load_never_reach_the_network(base):
    with counting_listener() as (port, hits):
        url = f"http://127.0.0.1:{port}/sparql"
        queries = [
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
            f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
            f"SELECT * WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
        ]
        for q in queries:
            status, _, body = get(base, q)
            assert status == 400 and b"SERVICE" in body, q
            status, _, body = http("POST", f"{base}/sparql", q,
                                   {"Content-Type": "application/sparql-query"})
            assert status == 400
        status, _, body = http("POST", f"{base}/sparql", f"LOAD <{url}>",
                               {"Content-Type": "application/sparql-update",
                                "Authorization": f"Bearer {TOKEN}"})
        assert status in (400, 403)
        time.sleep(0.5)
        assert hits == []


def test_time_limit_stops_a_long_query_while_others_are_answered(base):
    outcome: dict = {}

    def long() -> None:
        t0 = time.monotonic()
        outcome["answer"] = get(base, CROSS, {"Accept": "application/json"})
        outcome["after"] = time.monotonic() - t0

    thread = threading.Thread(target=long)
    thread.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    status, _, body = get(base, COUNT_REPORTS)
    assert status == 200 and _count(body) == len(TOWNSHIPS)
    assert time.monotonic() - t0 < 1.0, "a small query waited for the long one"
    thread.join(15)
    status, _, body = outcome["answer"]
    assert status == 503 and outcome["after"] < 3.0
    err = json.loads(body)
    assert "query_time_limit_ms" in err["error"] and err["setting"] == "query_time_limit_ms"


def test_max_rows_says_truncated(base):
    q = "SELECT ?s WHERE { ?s fz:text ?text }"
    status, headers, body = get(base, q)
    doc = json.loads(body)
    assert doc["truncated"] is True and len(doc["results"]["bindings"]) == 3
    assert headers["X-Fazhi-Truncated"] == "true"
    status, headers, body = get(base, q, {"Accept": "text/csv"})
    assert headers["X-Fazhi-Truncated"] == "true" and len(body.decode().splitlines()) == 4
    status, headers, body = get(base, COUNT_REPORTS)
    assert "X-Fazhi-Truncated" not in headers and json.loads(body)["truncated"] is False


def test_request_size_limits(base):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000
    status, headers, body = http("POST", f"{base}/sparql", big,
                                 {"Content-Type": "application/sparql-query"})
    assert status == 413 and b"max_request_bytes" in body
    long_get = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 6_000
    status, _, body = get(base, long_get)
    assert status == 414 and b"max_query_chars" in body


def test_malformed_query_gets_parser_message_and_position(base):
    status, headers, body = get(base, "SELECT ?s WHERE { ?s ?p }")
    assert status == 400 and b"error at 1:" in body
    status, _, body = get(base, "SELEC ?s", {"Accept": "application/json"})
    assert status == 400 and "error at" in json.loads(body)["error"]


@pytest.mark.parametrize("accept, kind", [("application/json", "json"), ("text/plain", "text"),
                                          ("text/html", "text")])
def test_errors_are_one_message_never_a_traceback(base, accept, kind):
    cases = [("GET", f"{base}/no/such/page", None, {}, 404),
             ("DELETE", f"{base}/sparql", None, {}, 405),
             ("POST", f"{base}/sparql", "x" * 30_000, {"Content-Type": "application/sparql-query"}, 413),
             ("POST", f"{base}/sparql", "{}", {"Content-Type": "application/json"}, 415)]
    for method, url, data, headers, code in cases:
        status, resp_headers, body = http(method, url, data, {"Accept": accept, **headers})
        assert status == code
        assert b"Traceback" not in body and b"File \"" not in body
        if kind == "json":
            assert resp_headers["Content-Type"].startswith("application/json")
            assert json.loads(body)["status"] == code
        else:
            assert resp_headers["Content-Type"].startswith("text/plain")


def test_cors_preflight_and_simple_requests(base):
    status, headers, _ = http("OPTIONS", f"{base}/sparql", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
    status, headers, _ = get(base, COUNT_REPORTS, {"Origin": ORIGIN})
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Fazhi-Truncated" in headers["Access-Control-Expose-Headers"]
    status, headers, _ = get(base, COUNT_REPORTS, {"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in headers


# ----------------------------------------------------------------- updates

def test_updates_are_refused_by_default(base):
    status, _, body = http("POST", f"{base}/sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                           {"Content-Type": "application/sparql-update",
                            "Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and b"allow_update" in body
    status, _, body = get(base, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert status == 403 and b"allow_update" in body
    status, _, body = http("GET", f"{base}/sparql?update=CLEAR%20ALL")
    assert status == 405


def test_updates_with_allow_update_and_token(tmp_path):
    path = build_store(tmp_path / "store")
    config = {"store": str(path), "allow_update": True, "update_token": TOKEN, "query_workers": 2}
    with live(config) as url:
        insert = f"INSERT DATA {{ GRAPH <{graph_iri('extra', 0)}> {{ <urn:r> a fz:Report }} }}"
        form = urllib.parse.urlencode({"update": insert})
        ctype = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = http("POST", f"{url}/sparql", form, ctype)
        assert status == 401 and "Bearer" in headers["WWW-Authenticate"]
        status, _, _ = http("POST", f"{url}/sparql", form, {**ctype, "Authorization": "Bearer nope"})
        assert status == 401
        status, _, body = http("POST", f"{url}/sparql", form,
                               {**ctype, "Authorization": f"Bearer {TOKEN}"})
        assert status == 200, body
        assert _count(get(url, COUNT_REPORTS)[2]) == len(TOWNSHIPS) + 1
        status, _, body = http("POST", f"{url}/sparql", "LOAD <http://127.0.0.1:9/x.ttl>",
                               {"Content-Type": "application/sparql-update",
                                "Authorization": f"Bearer {TOKEN}"})
        assert status == 400 and b"LOAD" in body


def test_allow_update_without_token_is_still_refused(store_path):
    app = create_app({"store": str(store_path), "allow_update": True, "query_workers": 1})
    try:
        res = app.test_client().post("/sparql", data={"update": "CLEAR ALL"})
        assert res.status_code == 403 and b"update_token" in res.data
    finally:
        close_app(app)


# ----------------------------------------------------------------- start-up

def test_a_store_that_cannot_be_opened_is_one_line_naming_the_setting(tmp_path):
    for bad in (tmp_path / "missing", tmp_path):
        with pytest.raises(FazhiError, match=r"setting store \(--store\)") as err:
            create_app({"store": str(bad)})
        assert "\n" not in str(err.value)


def test_settings_come_from_environment_then_config(monkeypatch, store_path):
    monkeypatch.setenv("FAZHI_KG_MAX_ROWS", "7")
    monkeypatch.setenv("FAZHI_KG_QUERY_TIME_LIMIT_MS", "1234")
    app = create_app({"store": str(store_path), "max_rows": 5, "query_workers": 1})
    try:
        values = app.config["FAZHI_KG"]
        assert values["max_rows"] == 5 and values["query_time_limit_ms"] == 1234
        assert app.config["MAX_CONTENT_LENGTH"] == values["max_request_bytes"]
    finally:
        close_app(app)


def test_canned_query_pages(base):
    status, headers, body = http("GET", f"{base}/queries")
    assert status == 200 and "law_firm_advisers" in body.decode()
    status, headers, body = http("GET", f"{base}/queries/law_firm_advisers?county=明水县"
                                 .replace("明水县", urllib.parse.quote("明水县")))
    page = body.decode()
    assert status == 200 and "明理律师事务所" in page and "<form" in page and "<table" in page
    status, headers, body = http("GET", f"{base}/queries/law_firm_advisers.json")
    doc = json.loads(body)
    assert doc["rows"][0]["firmName"] == "明理律师事务所" and doc["rows"][0]["evidence"]
    status, headers, body = http("GET", f"{base}/queries/compare_metric.json")
    assert json.loads(body)["truncated"] and headers["X-Fazhi-Truncated"] == "true"  # max_rows 3
    # the export streams past max_rows (export_max_rows is its cap), from the worker
    status, headers, body = http("GET", f"{base}/queries/compare_metric.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(body.decode())))
    assert len(lines) - 1 > 3 and "X-Fazhi-Truncated" not in headers
    assert not any(len(r) == 1 and r[0].startswith(("truncated:", "error:")) for r in lines)
    status, _, body = http("GET", f"{base}/queries/search")
    assert status == 200 and "<form" in body.decode()      # a required parameter: form only
    status, _, body = http("GET", f"{base}/queries/law_firm_advisers.json?year=soon",
                           headers={"Accept": "application/json"})
    assert status == 400 and "whole number" in json.loads(body)["error"]
    status, _, _ = http("GET", f"{base}/queries/no_such_query.json")
    assert status == 404
    status, _, body = http("GET", f"{base}/queries.json")
    assert {q["name"] for q in json.loads(body)} >= {"law_firm_advisers", "search"}


# ----------------------------------------------------------------- fazhi-kg serve

SERVE = ["-c", "import sys; from kg.cli_serve import serve; serve(sys.argv[1:])"]


@pytest.mark.slow
def test_serve_builds_a_missing_store_and_answers(tmp_path):
    import subprocess
    import sys

    from netutil import free_port

    port, store = free_port(), tmp_path / "new-store"
    proc = subprocess.Popen([sys.executable, *SERVE, "--port", str(port), "--store", str(store)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}", COUNT_REPORTS)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("serve did not start: " + proc.stderr.read()[-2000:])
                time.sleep(0.3)
        assert status == 200 and _count(body) >= 1
        assert (store / "CURRENT").exists()
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.slow
def test_serve_on_a_bad_store_says_one_line(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "a-file"
    bad.write_text("not a store")
    proc = subprocess.run([sys.executable, *SERVE, "--port", "1", "--store", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "--store" in proc.stderr
    assert "Traceback" not in proc.stderr
