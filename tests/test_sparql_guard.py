"""kg/sparql_parse.py, kg/sparql.py, kg/workers.py: what is refused, the row cap, the time limit."""
from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import QueryError, StoreError
from kg.sparql import capped_text, execute, user_query
from kg.sparql_parse import decide
from kg.workers import Engine

EX = "http://example.org/"


# ----------------------------------------------------------------- decide()

@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { BIND(<http://127.0.0.1:9/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "ASK { SERVICE<http://127.0.0.1:9/>{ ?s ?p ?o } }",
    "# comment\nCONSTRUCT { ?s ?p ?o } WHERE {\nSERVICE\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_service_is_refused_in_every_form(text):
    with pytest.raises(QueryError, match="SERVICE") as err:
        decide(text)
    assert err.value.status == 400


def test_load_and_updates_are_refused():
    with pytest.raises(QueryError, match="LOAD"):
        decide("LOAD <http://127.0.0.1:9/data.ttl>")
    with pytest.raises(QueryError, match="LOAD"):
        decide("load silent <http://127.0.0.1:9/x> into graph <urn:g>", update=True)
    with pytest.raises(QueryError, match="SERVICE"):
        decide("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
               update=True)
    with pytest.raises(QueryError) as err:
        decide("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert err.value.status == 403 and err.value.setting == "allow_update"
    assert decide("DELETE DATA { <urn:a> <urn:b> <urn:c> }", update=True).form == "UPDATE"


def test_words_inside_strings_iris_and_comments_are_not_keywords():
    text = ('SELECT ?service WHERE { ?s <http://x/SERVICE> "SERVICE LOAD" . '
            "?s ?p 'load' } # SERVICE <http://x>")
    assert decide(text).form == "SELECT"
    assert decide("PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }").form == "SELECT"


def test_malformed_query_gets_the_parsers_position():
    with pytest.raises(QueryError, match=r"error at \d+:\d+") as err:
        decide("SELEC ?s WHERE { ?s ?p ?o }")
    assert err.value.status == 400


# ----------------------------------------------------------------- execute()

@pytest.fixture(scope="module")
def mem_store() -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i:03d}"), ox.NamedNode(EX + "p"),
                         ox.Literal(f"值 {i}, \"quoted\"\nline"), ox.NamedNode(f"{EX}g{i % 3}"))
                 for i in range(30))
    return store


def _rows(body: bytes, fmt: str) -> int:
    if fmt == "json":
        return len(json.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return body.count(b"<result>")
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return body.decode().count("\n") - 1


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("cap, truncated", [(29, True), (30, False), (31, False), (1, True)])
def test_row_cap_is_exact_in_every_format(mem_store, fmt, cap, truncated):
    res = execute(mem_store, user_query("SELECT ?s ?o WHERE { ?s ?p ?o }"), fmt=fmt, max_rows=cap)
    assert res.truncated is truncated
    assert _rows(res.body, fmt) == min(cap, 30)
    if fmt == "json":
        assert json.loads(res.body)["truncated"] is truncated


def test_cap_keeps_variable_order_and_ordering(mem_store):
    res = execute(mem_store, user_query("SELECT ?o ?s WHERE { ?s ?p ?o } ORDER BY DESC(?s)"),
                  fmt="json", max_rows=3)
    doc = json.loads(res.body)
    assert doc["head"]["vars"] == ["o", "s"]
    assert [b["s"]["value"] for b in doc["results"]["bindings"]] == [f"{EX}s029", f"{EX}s028",
                                                                      f"{EX}s027"]


def test_cap_handles_aggregates_values_and_trailing_comments(mem_store):
    text = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g "
            "ORDER BY ?g VALUES ?g { <http://example.org/g0> <http://example.org/g1> } # end")
    assert capped_text(text, ["g", "n"], 5) is not None
    doc = json.loads(execute(mem_store, user_query(text), fmt="json", max_rows=5).body)
    assert [b["n"]["value"] for b in doc["results"]["bindings"]] == ["10", "10"]


def test_from_is_respected_and_union_is_the_default(mem_store):
    def n(text: str, **kw) -> int:
        return _rows(execute(mem_store, user_query(text), fmt="json", max_rows=100, **kw).body, "json")

    assert n("SELECT * WHERE { ?s ?p ?o }") == 30
    assert n(f"SELECT * FROM <{EX}g1> WHERE {{ ?s ?p ?o }}") == 10
    assert n("SELECT * WHERE { ?s ?p ?o }", default_graphs=[f"{EX}g0", f"{EX}g2"]) == 20
    assert n("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[f"{EX}g2"]) == 10
    # named graphs alone: the default graph is empty (SPARQL protocol)
    assert n("SELECT * WHERE { ?s ?p ?o }", named_graphs=[f"{EX}g2"]) == 0


def test_graph_and_boolean_answers(mem_store):
    res = execute(mem_store, user_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), fmt="ntriples",
                  max_rows=5)
    assert res.truncated and len(list(ox.parse(res.body, format=ox.RdfFormat.N_TRIPLES))) == 5
    res = execute(mem_store, user_query("ASK { ?s ?p ?o }"), fmt="xml", max_rows=5)
    assert b"<boolean>true</boolean>" in res.body


# ----------------------------------------------------------------- Engine

@pytest.fixture(scope="module")
def disk_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "store"
    store = ox.Store(str(path))
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p{i % 7}"),
                         ox.Literal(str(i)), ox.NamedNode(f"{EX}g{i % 5}")) for i in range(400))
    store.flush()
    del store
    return path


CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_engine_stops_a_long_query_and_answers_others_meanwhile(disk_store):
    with Engine(str(disk_store), size=2, time_limit_ms=1500) as engine:
        outcome: dict[str, object] = {}

        def long() -> None:
            t0 = time.monotonic()
            try:
                engine.run(user_query(CROSS))
            except QueryError as exc:
                outcome["error"], outcome["after"] = exc, time.monotonic() - t0

        thread = threading.Thread(target=long)
        thread.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        small = engine.run(user_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        assert time.monotonic() - t0 < 1.0
        assert json.loads(small.body)["results"]["bindings"][0]["n"]["value"] == "400"
        thread.join(10)
        err = outcome["error"]
        assert isinstance(err, QueryError) and err.status == 503
        assert "query_time_limit_ms" in str(err) and err.setting == "query_time_limit_ms"
        assert outcome["after"] < 2.5
        # the killed worker was replaced: the pool answers again at full size
        for _ in range(3):
            engine.run(user_query("ASK { ?s ?p ?o }"))
        deadline = time.monotonic() + 10
        while engine._idle["sparql"].qsize() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert engine._idle["sparql"].qsize() == 2


def test_engine_reports_syntax_errors_with_position(disk_store):
    with Engine(str(disk_store), size=1) as engine:
        with pytest.raises(QueryError, match=r"malformed query.*error at \d+:\d+"):
            engine.run(user_query("SELECT ?s WHERE { ?s ?p }"))


def test_engine_update_restarts_workers_and_sees_the_change(tmp_path):
    path = tmp_path / "store"
    ox.Store(str(path)).flush()
    with Engine(str(path), size=2) as engine:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert json.loads(engine.run(user_query(count)).body)["results"]["bindings"][0]["n"]["value"] == "0"
        engine.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}b> 'c' }} }}")
        assert json.loads(engine.run(user_query(count)).body)["results"]["bindings"][0]["n"]["value"] == "1"
        with pytest.raises(QueryError, match="malformed update"):
            engine.update("INSERT DATA { <a:b> }")
        assert engine._idle["sparql"].qsize() == 2


def test_engine_on_a_missing_store_fails_at_once(tmp_path):
    with pytest.raises(StoreError, match="cannot open"):
        Engine(str(tmp_path / "nothing"), size=1)
