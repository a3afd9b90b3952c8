"""Exports that stream from the query worker (issue 19): Engine.stream sends
an answer a chunk at a time, caps it, keeps the time limit and survives a
worker dying mid-answer; the canned queries' .csv and .json?_stream=on use
it when the pages' answer was cut, and end with a line saying why they stop
short."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import QueryError
from kg.queries import relimited
from kg.sparql import Checked
from kg.workers import Engine

EX = "http://example.org/"
ROWS = 20_000      # more than a pipe holds: a worker sending them blocks


@pytest.fixture(scope="module")
def numbers(tmp_path_factory) -> Path:
    """A store of ROWS facts, in three named graphs."""
    path = tmp_path_factory.mktemp("stream") / "store"
    store = ox.Store(str(path))
    store.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}n{i}"), ox.NamedNode(f"{EX}value"), ox.Literal(i),
                              ox.NamedNode(f"{EX}g{i % 3}")) for i in range(ROWS))
    store.flush()
    del store
    return path


ALL = Checked(f"SELECT ?n ?v WHERE {{ ?n <{EX}value> ?v }}", "SELECT")


def test_rows_come_in_chunks_and_all_arrive(numbers: Path) -> None:
    with Engine(str(numbers), size=1, page_size=1, queue_ms=60_000) as engine:
        stream = engine.stream(ALL, max_rows=100_000, chunk_rows=1000)
        assert stream.columns == ["n", "v"]
        chunks = list(stream)
        assert [len(c) for c in chunks] == [1000] * (ROWS // 1000)
        values = sorted(int(r["v"]["value"]) for c in chunks for r in c)
        assert values == list(range(ROWS)) and not stream.truncated and stream.rows == ROWS
        # the worker is free again: the next query gets it at once
        assert engine.run(Checked("ASK { }", "ASK"), fmt="json").rows == 1


def test_the_cap_cuts_and_says_so(numbers: Path) -> None:
    with Engine(str(numbers), size=1, page_size=1, queue_ms=60_000) as engine:
        stream = engine.stream(ALL, max_rows=250, chunk_rows=100)
        assert [len(c) for c in stream] == [100, 100, 50]
        assert stream.truncated and stream.rows == 250


def test_substitutions_reach_the_streamed_query(numbers: Path) -> None:
    text = Checked(f"SELECT ?n ?v WHERE {{ ?n <{EX}value> ?v }}", "SELECT")
    with Engine(str(numbers), size=1, page_size=1, queue_ms=60_000) as engine:
        rows = [r for c in engine.stream(text, max_rows=10, substitutions={"v": ox.Literal(7)})
                for r in c]
    assert [r["n"]["value"] for r in rows] == [f"{EX}n7"]


def test_a_worker_dying_mid_stream_ends_it_with_an_error(numbers: Path) -> None:
    with Engine(str(numbers), size=1, page_size=1, queue_ms=60_000) as engine:
        stream = engine.stream(ALL, max_rows=10_000, chunk_rows=10)
        chunks = iter(stream)
        assert len(next(chunks)) == 10
        os.kill(stream._worker.proc.pid, signal.SIGKILL)
        with pytest.raises(QueryError, match="worker died"):
            for _ in chunks:
                pass
        # a fresh worker replaces it
        again = engine.stream(ALL, max_rows=5, chunk_rows=10)
        assert sum(len(c) for c in again) == 5


def test_the_time_limit_holds_for_a_stream(numbers: Path) -> None:
    # a cross product: the first rows come fast, all of them never
    slow = Checked(f"SELECT ?a ?b ?c WHERE {{ ?a <{EX}value> ?x . ?b <{EX}value> ?y . "
                   f"?c <{EX}value> ?z FILTER(?x + ?y + ?z = -1) }}", "SELECT")
    with Engine(str(numbers), size=1, page_size=1, time_limit_ms=700, queue_ms=60_000) as engine:
        stream = engine.stream(slow, max_rows=10, chunk_rows=10)
        with pytest.raises(QueryError, match="query_time_limit_ms") as info:
            list(stream)
        assert info.value.status == 503
        assert engine.run(Checked("ASK { }", "ASK"), fmt="json").rows == 1


def test_a_stream_left_unread_gives_its_worker_up(numbers: Path) -> None:
    with Engine(str(numbers), size=1, page_size=1, queue_ms=60_000) as engine:
        stream = engine.stream(ALL, max_rows=10_000, chunk_rows=10)
        next(iter(stream))
        stream.close()          # the client went: the worker is killed and replaced
        assert sum(len(c) for c in engine.stream(ALL, max_rows=3)) == 3


def test_a_slow_reader_holds_its_worker_a_limited_time(numbers: Path) -> None:
    import time

    with Engine(str(numbers), size=1, page_size=1, queue_ms=60_000) as engine:
        stream = engine.stream(ALL, max_rows=100_000, chunk_rows=100, hold_ms=400)
        chunks = iter(stream)
        next(chunks)
        time.sleep(0.6)          # the client reads slowly: the worker waits on a full pipe
        with pytest.raises(QueryError, match="export_time_limit_ms=400") as info:
            next(chunks)
        assert info.value.status == 503
        assert sum(len(c) for c in engine.stream(ALL, max_rows=3)) == 3


def test_relimited_replaces_the_final_limit() -> None:
    assert relimited("SELECT * WHERE { ?s ?p ?o }\nLIMIT 1000\n", 51).endswith("}\nLIMIT 51\n")
    assert relimited("SELECT * WHERE { ?s ?p ?o } LIMIT 10 OFFSET 5", 7).endswith("}\nLIMIT 7\n")
    inner = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } }"
    assert relimited(inner, 9) == inner + "\nLIMIT 9\n"


# ----------------------------------------------------------------- the web

@pytest.fixture(scope="module")
def seeds(seeds_store: Path) -> Path:
    return seeds_store


@pytest.fixture
def app_with(seeds):
    import server

    apps = []

    def make(**config):
        app = server.create_app({"store": str(seeds), "TESTING": True, **config})
        apps.append(app)
        return app
    yield make
    for app in apps:
        server.close_app(app)


def _csv(resp) -> list[list[str]]:
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True))))


def test_an_export_streams_past_max_rows(app_with) -> None:
    whole = _csv(app_with().test_client().get("/queries/activities.csv"))
    client = app_with(max_rows=7).test_client()
    assert client.get("/queries/activities.json").get_json()["truncated"]
    resp = client.get("/queries/activities.csv")
    assert resp.is_streamed and "X-Fazhi-Truncated" not in resp.headers
    rows = _csv(resp)
    # every row, in the engine's order: the same rows as the whole answer's
    assert rows[0] == whole[0] and sorted(rows[1:]) == sorted(whole[1:]) and len(rows) > 8
    doc = json.loads(client.get("/queries/activities.json?_stream=on").get_data(as_text=True))
    assert doc["total_rows"] == len(doc["rows"]) == len(whole) - 1 and not doc["truncated"]
    assert doc["columns"] == whole[0] and "note" not in doc and "error" not in doc


def test_a_capped_export_ends_with_a_line_saying_so(app_with) -> None:
    client = app_with(max_rows=3, export_max_rows=5).test_client()
    rows = _csv(client.get("/queries/activities.csv"))
    assert len(rows) == 1 + 5 + 1
    assert len(rows[-1]) == 1 and rows[-1][0].startswith("truncated:")
    assert "export_max_rows=5" in rows[-1][0]
    doc = client.get("/queries/activities.json?_stream=on").get_json()
    assert len(doc["rows"]) == doc["total_rows"] == 5 and doc["truncated"]
    assert "export_max_rows=5" in doc["note"]


def _kill_unsent(worker) -> None:
    """Kill a worker, and drop what it had sent and not yet been read."""
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.join(5)
    try:
        while worker.conn.poll(1):
            worker.conn.recv()
    except (EOFError, OSError):
        pass


def test_a_worker_dying_mid_export_ends_it_with_an_error_line(app_with) -> None:
    app = app_with(max_rows=3)
    engine = app.extensions["fazhi_kg"].engine
    real = engine.stream

    def dying(*args, **kwargs):
        """The real stream, in chunks of 2, its worker killed after the first (what it
        had sent beyond it dropped: this small answer fits in the pipe at once)."""
        stream = real(*args, **{**kwargs, "chunk_rows": 2})
        first = iter(stream)

        class Dying:
            columns, close = stream.columns, stream.close

            def __iter__(self):
                yield next(first)
                _kill_unsent(stream._worker)
                yield from first

            def __getattr__(self, name):
                return getattr(stream, name)
        return Dying()

    engine.stream = dying
    try:
        rows = _csv(app.test_client().get("/queries/activities.csv"))
        assert len(rows) == 1 + 2 + 1
        assert rows[-1][0].startswith("error:") and "worker died" in rows[-1][0]
        doc = app.test_client().get("/queries/activities.json?_stream=on").get_json()
        assert len(doc["rows"]) == 2 and doc["truncated"] and "worker died" in doc["error"]
    finally:
        engine.stream = real
    # the engine goes on with a fresh worker
    assert app.test_client().get("/queries/activities.json").status_code == 200
