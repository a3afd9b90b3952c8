"""kg.store: the one interface, on the in-memory and on-disk embedded backends."""
from __future__ import annotations

import json
import platform
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.rocks as rocks
from ingest.bulk import split_nquads
from ingest.runner import to_nquads
from kg.errors import QueryError, StoreError
from kg.namespace import ONTOLOGY_GRAPH, graph_iri
from kg.remote import RemoteStore, _endpoints
from kg.rocks import WRITER_OPEN_FILES, _malloc_trim, _open_fds, release_memory
from kg.store import DEFAULT_STORE, ENV_VAR, FORMATS, LocalStore, Store, default_location, graph_prefix, open_store


def snapshot(store: Store) -> list[str]:
    """Every quad of the store, sorted: equal snapshots mean an equal store."""
    return sorted(store.dump("nquads").decode().splitlines())


# ------------------------------------------------------------ opening

def test_location_picks_backend(tmp_path: Path) -> None:
    assert isinstance(open_store(None), LocalStore)
    assert open_store("memory:").location == "memory:"
    disk = open_store(tmp_path / "s")
    assert isinstance(disk, LocalStore) and disk.path == tmp_path / "s"
    disk.close()
    assert (tmp_path / "s" / "CURRENT").exists()


def test_default_location_honours_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_location() == DEFAULT_STORE == "fazhi-kg-store"
    monkeypatch.setenv(ENV_VAR, "/srv/kg")
    assert default_location() == "/srv/kg"


def test_remote_endpoints_from_location() -> None:
    assert _endpoints("http://127.0.0.1:7878") == ("http://127.0.0.1:7878/query",
                                                   "http://127.0.0.1:7878/update")
    assert _endpoints("http://h:3030/ds/") == ("http://h:3030/ds/query", "http://h:3030/ds/update")
    assert _endpoints("https://h/ds/sparql") == ("https://h/ds/sparql", "https://h/ds/update")
    assert _endpoints("query=http://a/q,update=http://b/u") == ("http://a/q", "http://b/u")
    assert _endpoints("query=http://a/q") == ("http://a/q", None)
    with pytest.raises(StoreError, match="query=http"):
        _endpoints("query=ftp://a")


def test_unreachable_remote_store_says_so() -> None:
    from netutil import free_port

    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint .*oxigraph serve"):
        RemoteStore(f"http://127.0.0.1:{free_port()}")


def test_missing_store_is_not_created_for_reading(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at .*fazhi-kg ingest"):
        open_store(tmp_path / "none", create=False)
    assert not (tmp_path / "none").exists()


def test_refuses_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("不是数据库", encoding="utf-8")
    with pytest.raises(StoreError, match="not a fazhi-kg store"):
        open_store(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_refuses_a_file_as_location(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        open_store(f)


def test_locked_store_names_the_folder_and_the_way_out(tmp_path: Path, make_graphs) -> None:
    first = open_store(tmp_path / "s")
    first.replace("r", make_graphs("r"))
    try:
        with pytest.raises(StoreError, match=r"another fazhi-kg process holds .*--store"):
            open_store(tmp_path / "s")
        # A read-only view still reads what was committed, and refuses writes.
        view = open_store(tmp_path / "s", shared=True)
        assert view.read_only and view.graphs() == [graph_iri("r", 0)]
        with pytest.raises(StoreError, match="read-only"):
            view.replace("r", {})
        view.close()
    finally:
        first.close()


def test_on_disk_store_persists(tmp_path: Path, make_graphs) -> None:
    with open_store(tmp_path / "s") as store:
        store.replace("r", make_graphs("r", 2))
        before = snapshot(store)
    with open_store(tmp_path / "s", create=False) as store:
        assert snapshot(store) == before
        assert store.graphs() == [graph_iri("r", 0), graph_iri("r", 1)]



def test_bulk_load_gives_the_same_store_as_replace(tmp_path: Path, make_graphs) -> None:
    graphs = make_graphs("r", 2)
    nq = tmp_path / "r.nq"
    nq.write_text(to_nquads(graphs), encoding="utf-8")
    with open_store(tmp_path / "bulk") as bulk, open_store(tmp_path / "tx") as tx:
        bulk.bulk_load(nq)
        tx.replace("r", graphs)
        assert snapshot(bulk) == snapshot(tx) != []


def test_bulk_load_of_a_broken_file_is_a_syntax_error(tmp_path: Path) -> None:
    nq = tmp_path / "bad.nq"
    nq.write_text("<http://x/s> <http://x/p> \"unterminated <http://x/g> .\n", encoding="utf-8")
    with open_store(tmp_path / "s") as store, pytest.raises(SyntaxError):
        store.bulk_load(nq)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's")
def test_release_memory_finds_glibc_trim() -> None:
    assert _malloc_trim() is not None
    release_memory()        # must not raise: it runs after every shard
# ------------------------------------------------------------ replace

def test_replace_inserts_and_lists_graphs(mem_store: Store, make_graphs) -> None:
    graphs = make_graphs("a", 2)
    mem_store.replace("a", graphs)
    assert mem_store.graphs() == sorted(graphs)
    expected = sum(len(t.strip().splitlines()) for t in graphs.values())
    assert mem_store.count() == expected


def test_replace_drops_stale_graphs_of_the_same_file(mem_store: Store, make_graphs) -> None:
    mem_store.replace("a", make_graphs("a", 3))
    mem_store.replace("b", make_graphs("b", 1))
    mem_store.replace("a", make_graphs("a", 1, entities=1))
    assert mem_store.graphs() == sorted([graph_iri("a", 0), graph_iri("b", 0)])
    n = mem_store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri('a', 0)}> "
                        "{ ?s ?p ?o } }").rows[0][0]
    assert int(n.value) == len(make_graphs("a", 1, entities=1)[graph_iri("a", 0)].splitlines())


def test_replace_with_nothing_removes_the_file(mem_store: Store, make_graphs) -> None:
    mem_store.replace("a", make_graphs("a", 2))
    mem_store.replace("a", {})
    assert mem_store.graphs() == []


def test_replace_keeps_files_whose_names_share_a_start(mem_store: Store, make_graphs) -> None:
    mem_store.replace("r", make_graphs("r"))
    mem_store.replace("r1", make_graphs("r1"))
    mem_store.replace("r", {})
    assert mem_store.graphs() == [graph_iri("r1", 0)]
    assert graph_prefix("r") != graph_prefix("r1")


def test_replace_refuses_graphs_of_another_file(mem_store: Store, make_graphs) -> None:
    with pytest.raises(StoreError, match="not a report graph of 'a'"):
        mem_store.replace("a", make_graphs("b"))
    assert mem_store.graphs() == []


@pytest.mark.parametrize("bad", [
    '<http://x/s> <http://x/p> "unterminated .\n',
    '} } ; DROP ALL ; INSERT DATA { GRAPH <http://x/g> { <http://x/s> <http://x/p> 1 .\n',
    '<http://x/s> <http://x/p> <http://x/o>\n',            # no final dot
])
@pytest.mark.parametrize("stem", ["a", "new"])    # a file the store holds (an update), a new one (a load)
def test_invalid_graph_text_leaves_store_as_before(mem_store: Store, make_graphs, bad: str,
                                                   stem: str) -> None:
    mem_store.replace("a", make_graphs("a", 2))
    mem_store.ensure_ontology()
    before = snapshot(mem_store)
    graphs = make_graphs(stem, 1)
    graphs[graph_iri(stem, 1)] = bad
    with pytest.raises(StoreError, match="not valid N-Triples.*nothing was written"):
        mem_store.replace(stem, graphs)
    assert snapshot(mem_store) == before


@pytest.mark.parametrize("n", [1, 2])
def test_line_separators_inside_literals_are_text(mem_store: Store, make_graphs, n: int) -> None:
    """U+2028, U+0085 and a form feed are characters of a literal, not line ends."""
    graphs = make_graphs("r", n)
    odd = "甲\u2028乙\x85丙\x0c丁"
    graphs = {g: t + f'<http://x/s> <http://x/p> "{odd}"@zh .\n' for g, t in graphs.items()}
    mem_store.replace("r", graphs)
    found = {r[0].value for r in mem_store.query("SELECT ?o WHERE { <http://x/s> <http://x/p> ?o }").rows}
    assert found == {odd}
    assert split_nquads(to_nquads(graphs)) == graphs      # the shards' round trip too


@pytest.mark.parametrize("n", [1, 2])
def test_a_new_file_loads_as_the_update_would_write_it(tmp_path: Path, make_graphs, n: int) -> None:
    """LocalStore's load of a file it does not hold = the generic drop-and-insert update."""
    graphs = make_graphs("r", n)
    with open_store(tmp_path / "load") as loaded, open_store(tmp_path / "update") as updated:
        loaded.replace("r", graphs)
        Store._swap(updated, "r", [], graphs)
        assert snapshot(loaded) == snapshot(updated) != []
        assert loaded.graphs() == sorted(graphs)


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_failure_inside_the_update_rolls_it_back(tmp_path: Path, make_graphs,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 where: str) -> None:
    """The drops and inserts run, then an operation fails: nothing stays."""
    store = open_store(None if where == "memory" else tmp_path / "s")
    store.replace("a", make_graphs("a", 3))
    before = snapshot(store)
    real = Store._replace_text

    def failing(old, new) -> str:
        # LOAD from a port no HTTP client may use fails at run time, after
        # the DROPs and the INSERT DATA have been applied inside the update.
        return real(old, new) + " ;\nLOAD <http://127.0.0.1:9/nothing> INTO GRAPH <http://x/g>"

    monkeypatch.setattr(Store, "_replace_text", staticmethod(failing))
    with pytest.raises(StoreError, match="nothing was written"):
        store.replace("a", make_graphs("a", 1, entities=7))
    assert snapshot(store) == before
    store.close()


def test_writes_flush_in_the_background_and_keep_everything(tmp_path: Path, make_graphs,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """Past FLUSH_QUADS quads a flush starts beside the writes; what was
    written (before, during and after it) is all in the store, then and
    after reopening."""
    monkeypatch.setattr(rocks, "FLUSH_QUADS", 20)
    started: list[threading.Thread] = []
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if self.name == "fazhi-kg-flush":
            started.append(self)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    with open_store(tmp_path / "s") as store:
        for i in range(12):
            store.replace(f"r{i}", make_graphs(f"r{i}", 2))
        store.replace("r3", make_graphs("r3", 1, entities=5))    # an update, not a load
        assert started, "no background flush was started"
        before = snapshot(store)
    assert all(not t.is_alive() for t in started)              # close waited for them
    with open_store(tmp_path / "s", create=False) as store:
        assert snapshot(store) == before
        assert len(store.graphs()) == 23


class _FullDisk:
    """A pyoxigraph store whose flush fails as on a full disk."""

    def __init__(self, real: ox.Store) -> None:
        self.real = real

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_a_failed_background_flush_is_reported_by_the_next_write(
        tmp_path: Path, make_graphs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rocks, "FLUSH_QUADS", 1)
    store = open_store(tmp_path / "s")
    real = store.ox
    store.ox = _FullDisk(real)
    store.replace("a", make_graphs("a"))                     # starts the failing flush
    store._flusher.thread.join()
    with pytest.raises(StoreError, match=r"No space left.*--resume"):
        store.replace("b", make_graphs("b"))
    assert store.holds("a") and not store.holds("b")          # stored before stays
    with pytest.raises(StoreError, match=str(tmp_path / "s")):
        store.close()                                         # the final flush fails too
    assert store.ox is None
    del real
    with open_store(tmp_path / "s") as again:                 # the lock was let go
        assert again.holds("a")


# ------------------------------------------------------------ ontology, stats

def test_ensure_ontology_is_idempotent(mem_store: Store) -> None:
    mem_store.ensure_ontology()
    n = mem_store.count()
    mem_store.ensure_ontology()
    assert mem_store.count() == n > 100
    assert mem_store.graphs() == [ONTOLOGY_GRAPH]
    assert mem_store.query(f"ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ fz:Township rdfs:subClassOf "
                           "fz:Division }}", union=False).boolean is True


def test_stats(mem_store: Store, make_graphs) -> None:
    mem_store.ensure_ontology()
    mem_store.replace("a", make_graphs("a", 2, entities=3))
    mem_store.replace("b", make_graphs("b", 1, entities=5, township="花园街道"))
    s = mem_store.stats()
    assert s["reports"] == 3 and s["graphs"] == 3
    assert s["townships"] == 2 == s["entities"]["镇"]
    assert s["entities"]["制度"] == 5            # 制度0‥4, shared across reports
    assert s["entities"]["法律"] == 0
    assert s["triples"] == mem_store.count() - len(
        mem_store.dump("nquads", graph=ONTOLOGY_GRAPH).splitlines())
    assert s["ontology"] is True


# ------------------------------------------------------------ query

def test_query_select_union_and_named_graphs(mem_store: Store, make_graphs) -> None:
    mem_store.replace("a", make_graphs("a", 2))
    ans = mem_store.query("SELECT ?r ?f WHERE { ?r a fz:Report ; fz:sourceFile ?f } ORDER BY ?r")
    assert ans.kind == "select" and ans.variables == ["r", "f"]
    assert [row[1].value for row in ans.rows] == ["a.txt", "a.txt"]
    assert ans.records()[0]["f"].value == "a.txt"
    # Without the union, the default graph is empty; GRAPH still reaches reports.
    assert mem_store.query("ASK { ?s ?p ?o }", union=False).boolean is False
    assert mem_store.query("SELECT ?g WHERE { GRAPH ?g { ?r a fz:Report } }",
                           union=False).rows[0][0].value.startswith(graph_prefix("a"))


def test_query_substitutions(mem_store: Store, make_graphs) -> None:
    mem_store.replace("a", make_graphs("a", 1))
    mem_store.replace("b", make_graphs("b", 1, township="花园街道"))
    q = "SELECT ?r ?name WHERE { ?r fz:township ?t . ?t rdfs:label ?name }"
    ans = mem_store.query(q, substitutions={"name": ox.Literal("花园街道", language="zh")})
    assert [r[0].value for r in ans.rows] == ["https://w3id.org/fazhi-kg/id/report/b/0"]
    assert mem_store.query(q, substitutions={"?name": "花园街道"}).rows == []   # not @zh
    with pytest.raises(QueryError, match="cannot be run"):
        mem_store.query("SELECT ?r WHERE { ?r ?p ?name }", substitutions={"name": "x"})


def test_query_construct_and_ask(mem_store: Store, make_graphs) -> None:
    mem_store.replace("a", make_graphs("a", 1, entities=2))
    g = mem_store.query("CONSTRUCT { ?e a fz:System } WHERE { ?e a fz:System }")
    assert g.kind == "graph" and len(g.triples) == 2
    assert mem_store.query("ASK { ?e a fz:Law }").boolean is False


def test_bad_query_is_a_query_error(mem_store: Store) -> None:
    with pytest.raises(QueryError, match="not valid SPARQL"):
        mem_store.query("SELECT WHERE {")


def test_answer_serialisations(mem_store: Store, make_graphs) -> None:
    mem_store.replace("a", make_graphs("a", 1, entities=1))
    ans = mem_store.query("SELECT ?e ?l ?x WHERE { ?e a fz:System ; rdfs:label ?l }")
    data = json.loads(ans.to_json())
    assert data["head"]["vars"] == ["e", "l", "x"]
    b = data["results"]["bindings"][0]
    assert b["e"]["type"] == "uri" and b["l"] == {"type": "literal", "value": "第0项制度",
                                                  "xml:lang": "zh"}
    assert "x" not in b
    lines = ans.to_csv().splitlines()
    assert lines[0] == "e,l,x" and lines[1].endswith(",第0项制度,")
    assert json.loads(mem_store.query("ASK {}").to_json()) == {"head": {}, "boolean": True}


# ------------------------------------------------------------ dump

def _triples_of(data: bytes, fmt: str) -> set[tuple[str, str, str]]:
    return {(str(t.subject), str(t.predicate), str(t.object))
            for t in ox.parse(data, format=FORMATS[fmt][0])}


def test_dump_formats(mem_store: Store, make_graphs) -> None:
    mem_store.ensure_ontology()
    mem_store.replace("a", make_graphs("a", 2))
    nq = mem_store.dump("nquads").decode()
    assert f"<{graph_iri('a', 1)}> ." in nq and f"<{ONTOLOGY_GRAPH}> ." in nq
    quads = list(ox.parse(nq.encode(), format=ox.RdfFormat.N_QUADS))
    merged = {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}
    trig = list(ox.parse(mem_store.dump("trig"), format=ox.RdfFormat.TRIG))
    assert len(trig) == len(quads)
    for fmt in ("turtle", "ntriples", "jsonld"):
        assert _triples_of(mem_store.dump(fmt), fmt) == merged, fmt
    # a shared entity stated in two graphs is one triple once merged
    assert len(merged) < len(quads)


def test_dump_one_graph_and_to_a_file(mem_store: Store, make_graphs, tmp_path: Path) -> None:
    graphs = make_graphs("a", 2)
    mem_store.replace("a", graphs)
    one = mem_store.dump("ntriples", graph=graph_iri("a", 1))
    assert _triples_of(one, "ntriples") == _triples_of(graphs[graph_iri("a", 1)].encode(),
                                                       "ntriples")
    out = tmp_path / "g.nq"
    assert mem_store.dump("nquads", output=out) is None
    assert out.read_bytes() == mem_store.dump("nquads")
    with pytest.raises(StoreError, match="unknown export format"):
        mem_store.dump("rdfxml")
    with pytest.raises(StoreError, match="no graph"):
        mem_store.dump("turtle", graph="http://nowhere/")


@pytest.mark.skipif(platform.system() == "Windows", reason="RLIMIT_NOFILE is POSIX")
def test_writer_caps_open_table_files_and_restores_the_fd_limit(tmp_path: Path) -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    capped = _open_fds() <= (WRITER_OPEN_FILES + 48) // 2   # else it is left alone
    with open_store(tmp_path / "s"):
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == before
    # RocksDB records the options it runs with beside the data.
    options = sorted((tmp_path / "s").glob("OPTIONS-*"))[-1].read_text()
    expected = min(WRITER_OPEN_FILES, before[0] - 48) if capped else before[0] - 48
    assert f"max_open_files={expected}\n" in options
