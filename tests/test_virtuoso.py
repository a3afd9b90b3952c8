"""A second engine: Virtuoso Open Source as a remote store, against the embedded one.

The bundled reports (and tests/test_years.py's two-year reports) go into a
fresh Virtuoso (tests/virtuoso.py) with ``fazhi-kg ingest --store
http://127.0.0.1:PORT/sparql`` and into an embedded store; then every
canned query, with its defaults and with filters, gives the same rows on
both.  Nothing is normalised between the engines: terms are compared as
N-Triples (datatypes, language tags and number forms included).  Where a
query shows one of several right values (tests/canned_cases.py EXAMPLES),
Virtuoso's rows equal the embedded store's answer to the same plain form
exactly, and the embedded store's LATERAL answer in everything but which
example it shows.  GROUP_CONCAT's order is compared as a set (SPARQL leaves
it to the engine).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canned_cases import EXAMPLES, cases, rows, year_reports
from kg import queries as queries_mod
from kg.cli import cli
from kg.errors import StoreError
from kg.namespace import ONTOLOGY_GRAPH, graph_iri
from kg.paths import data_dir
from kg.remote import RemoteStore
from kg.store import LocalStore, Store, open_store

pytestmark = pytest.mark.slow


def fazhi(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    years = year_reports(tmp_path_factory.mktemp("years") / "years")
    return [str(data_dir() / "reports"), str(years)]


@pytest.fixture(scope="module")
def stores(virtuoso: Any, reports: list[str], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Store, Store]]:
    """(Virtuoso, embedded), each built by ``fazhi-kg ingest``."""
    local_dir = tmp_path_factory.mktemp("embedded") / "store"
    fazhi("ingest", "--store", virtuoso.sparql, *reports)
    fazhi("ingest", "--store", str(local_dir), *reports)
    remote = open_store(virtuoso.sparql)
    local = LocalStore(local_dir, create=False)
    yield remote, local
    local.close()


def quads(store: Store) -> list[str]:
    return sorted(store.dump("nquads").decode().splitlines())


def test_the_endpoint_url_is_enough(virtuoso: Any) -> None:
    store = open_store(virtuoso.sparql)
    assert isinstance(store, RemoteStore) and store.server.startswith("Virtuoso")
    # Virtuoso takes updates at /sparql too (it has no /update)
    assert store.update_url == store.query_url == virtuoso.sparql
    assert store.lateral is False


def test_an_account_on_the_digest_endpoint(virtuoso: Any, stores: tuple[Store, Store]) -> None:
    # the safer set-up the README describes: an account with the update role,
    # on /sparql-auth (Digest), instead of updates by the anonymous user
    virtuoso.isql("DB.DBA.USER_CREATE ('fazhi', 'pw-for-tests');", 'GRANT SPARQL_UPDATE TO "fazhi";',
                  "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('fazhi', 7);")
    url = virtuoso.sparql.replace("http://", "http://fazhi:pw-for-tests@") + "-auth"
    store = open_store(f"query={url},update={url}")
    assert store.graphs() == stores[1].graphs()
    graph = graph_iri("zz_digest", 0)
    store._update(f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:a> <urn:x:b> "好" }} }}')
    assert graph in store.graphs()
    store._update(store._replace_text([graph], {}))      # DROP SILENT, as re-ingest does
    assert graph not in store.graphs()
    with pytest.raises(StoreError, match="401"):
        open_store("query=" + url.replace("pw-for-tests", "wrong"))


def test_ingest_round_trips_every_quad(stores: tuple[Store, Store]) -> None:
    # Chinese literals and escapes, xsd:integer/gYear/date/boolean, language
    # tags, named graphs: the same N-Quads out as in; Virtuoso's own graphs
    # (virtrdf, …) are not the store's
    remote, local = stores
    assert remote.graphs() == local.graphs()
    assert ONTOLOGY_GRAPH in remote.graphs()
    assert remote.count() == local.count()
    assert quads(remote) == quads(local)
    assert remote.stats() | {"location": ""} == local.stats() | {"location": ""}


def test_reingest_drops_the_graphs_a_file_no_longer_gives(virtuoso: Any, tmp_path: Path) -> None:
    store = open_store(virtuoso.sparql)
    two = "\n".join(["惠水县好花镇2023年法治政府建设工作报告", "好花镇聘请法律顾问1名。",
                     "惠水县明田乡2023年法治政府建设工作报告", "明田乡开展普法活动3次。"])
    path = tmp_path / "zz_reingest.txt"
    path.write_text(two, encoding="utf-8")
    fazhi("ingest", "--store", virtuoso.sparql, str(path))
    held = [g for g in store.graphs() if g.startswith(graph_iri("zz_reingest", 0)[:-1])]
    path.write_text("惠水县好花镇2023年法治政府建设工作报告\n好花镇聘请法律顾问2名。\n", encoding="utf-8")
    fazhi("ingest", "--store", virtuoso.sparql, str(path))
    now = [g for g in store.graphs() if g.startswith(graph_iri("zz_reingest", 0)[:-1])]
    assert now == [graph_iri("zz_reingest", 0)]
    assert len(held) >= len(now)
    ask = "ASK { GRAPH ?g { ?s fz:text ?t FILTER(CONTAINS(STR(?t), \"2名\")) } }"
    assert store.query(ask, union=False).boolean is True
    gone = "ASK { GRAPH ?g { ?s fz:text ?t FILTER(CONTAINS(STR(?t), \"1名\")) } }"
    assert store.query(gone, union=False).boolean is False
    # leave the shared server as the other tests expect it
    store._update(store._replace_text(now, {}))
    assert not any(g.startswith(graph_iri("zz_reingest", 0)[:-1]) for g in store.graphs())


@pytest.mark.parametrize("name,given", cases(), ids=lambda v: v if isinstance(v, str) else
                         ",".join(f"{k}={x}" for k, x in v.items()) or "defaults")
def test_canned_query_gives_the_same_rows(stores: tuple[Store, Store], name: str,
                                          given: dict[str, str]) -> None:
    remote, local = stores
    q = queries_mod.bundled()[name]
    subs = q.bindings(given)
    text = q.text_for(remote.lateral)
    assert not re.search(r"\bLATERAL\b", re.sub(r"#[^\n]*", "", text))
    on_virtuoso = rows(remote, name, text, subs)
    assert on_virtuoso == rows(local, name, text, subs)
    masked = EXAMPLES.get(name, ())
    assert rows(remote, name, text, subs, masked) == rows(local, name, q.text, subs, masked)


def test_the_cli_runs_canned_queries_on_virtuoso(virtuoso: Any, stores: tuple[Store, Store]
                                                 ) -> None:
    _, local = stores
    out = fazhi("query", "systems_matrix", "-p", "county=曹县", "--format", "csv",
                "--store", virtuoso.sparql)
    want = fazhi("query", "systems_matrix", "-p", "county=曹县", "--format", "csv",
                 "--store", str(local.path))
    assert out == want and "大集镇" in out and "黄集镇" not in out


# ----------------------------------------------------------------- pages

@pytest.fixture(scope="module")
def clients(virtuoso: Any, stores: tuple[Store, Store]) -> Iterator[tuple[Any, Any]]:
    """Test clients of the web service on Virtuoso and on the embedded store.

    The embedded store's prepared index (kg.prepared) is turned off (the
    setting prepared_index): a remote store has none, so both answer every
    page from the same SPARQL, which is what these tests compare across
    engines; that the index answers as the SPARQL does is
    tests/test_prepared.py's and tests/test_index_answers.py's to show."""
    import server

    _, local = stores
    apps = [server.create_app({"store": location, "TESTING": True, "prepared_index": False})
            for location in (virtuoso.sparql, str(local.path))]
    try:
        yield apps[0].test_client(), apps[1].test_client()
    finally:
        for app in apps:
            server.close_app(app)


PAGES = [
    "/api/entity/township/浦东新区/惠南镇",            # a township: facts, reports, figures
    "/api/entity/township/曹县/大集镇",                # one with two years
    "/api/entity/law/中华人民共和国保守国家秘密法",     # a law
    "/api/entity/org/青松律师事务所",                  # an organisation (a law firm)
    "/api/report/report/003_5f889520f28f59ab/0",
    "/api/report/report/daji2023/0",
    "/api/graph/township/浦东新区/惠南镇",
    "/api/overview",
    "/api/search?q=司法所",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_gives_the_same_data(clients: tuple[Any, Any], url: str) -> None:
    on_virtuoso, embedded = clients
    want = embedded.get(url, headers={"Accept": "application/json"})
    got = on_virtuoso.get(url, headers={"Accept": "application/json"})
    assert want.status_code == 200, want.get_data(as_text=True)
    assert got.status_code == 200, got.get_data(as_text=True)
    assert canonical(got.get_json()) == canonical(want.get_json())
    # and in the same order, up to the order of rows the queries' ORDER BY ties
    assert sort_keys(got.get_json()) == sort_keys(want.get_json())


def canonical(doc: Any) -> Any:
    """``doc`` with every list sorted: where the page's queries sort by keys
    that tie (two figures of one sentence, two facts of one relation and
    report), each engine gives the tied rows in its own order."""
    if isinstance(doc, dict):
        return {k: canonical(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return sorted((canonical(v) for v in doc), key=lambda v: json.dumps(v, sort_keys=True,
                                                                            ensure_ascii=False))
    return doc


def sort_keys(doc: Any) -> dict[str, list[Any]]:
    """The keys the entity page's lists are sorted by, in the page's order."""
    ent = doc if isinstance(doc, dict) else {}
    out: dict[str, list[Any]] = {
        "facts": [(f.get("predicate"), f.get("dir")) for f in ent.get("facts", [])],
        "reports": [(r.get("year"), r.get("id")) for r in ent.get("reports", [])],
    }
    figures = (ent.get("township") or {}).get("figures", [])
    out["figures"] = [(f.get("year"), f.get("report"), f.get("order")) for f in figures]
    return out


def test_canned_query_page_gives_the_same_rows(clients: tuple[Any, Any]) -> None:
    on_virtuoso, embedded = clients
    for url in ("/queries/systems_matrix.json?county=曹县", "/queries/township_profile.json?township=惠南镇"):
        got = on_virtuoso.get(url).get_json()
        want = embedded.get(url).get_json()
        # the same rows; in the same order up to ties of the query's ORDER BY
        assert got["rows"] and canonical(got["rows"]) == canonical(want["rows"])
        assert got["columns"] == want["columns"]
        csv_url = url.replace(".json", ".csv")
        got_csv = on_virtuoso.get(csv_url).get_data(as_text=True).splitlines()
        want_csv = embedded.get(csv_url).get_data(as_text=True).splitlines()
        assert got_csv[0] == want_csv[0] and sorted(got_csv) == sorted(want_csv)


def gexf_graph(body: bytes) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """A GEXF file's nodes (id, label) and edges (source, target, label)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    ns = {"g": root.tag.split("}")[0].strip("{")}
    nodes = {(n.get("id"), n.get("label")) for n in root.iterfind(".//g:node", ns)}
    edges = {(e.get("source"), e.get("target"), e.get("label") or "")
             for e in root.iterfind(".//g:edge", ns)}
    return nodes, edges


def test_gexf_export_gives_the_same_nodes_and_edges(virtuoso: Any, stores: tuple[Store, Store],
                                                     clients: tuple[Any, Any],
                                                     tmp_path: Path) -> None:
    _, local = stores
    fazhi("export", "--store", virtuoso.sparql, "--format", "gexf", "-o", str(tmp_path / "v.gexf"))
    fazhi("export", "--store", str(local.path), "--format", "gexf", "-o", str(tmp_path / "e.gexf"))
    nodes, edges = gexf_graph((tmp_path / "v.gexf").read_bytes())
    assert len(nodes) > 50 and len(edges) > 50
    assert (nodes, edges) == gexf_graph((tmp_path / "e.gexf").read_bytes())
    # the neighbourhood file of an entity page
    on_virtuoso, embedded = clients
    url = "/api/neighbourhood/township/浦东新区/惠南镇?format=gexf"
    got, want = on_virtuoso.get(url), embedded.get(url)
    assert got.status_code == want.status_code == 200
    assert gexf_graph(got.data) == gexf_graph(want.data)


def test_the_service_on_virtuoso_refuses_service_and_load(virtuoso: Any,
                                                          stores: tuple[Store, Store]) -> None:
    # no query workers on a remote store: the parser alone keeps users'
    # queries and updates from making the server fetch from elsewhere
    from kg.errors import QueryError
    from kg.remote_engine import RemoteEngine
    from kg.sparql import user_query

    engine = RemoteEngine(virtuoso.sparql)
    with pytest.raises(QueryError, match="SERVICE"):
        engine.run(user_query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
    with pytest.raises(QueryError, match="LOAD"):
        engine.update("LOAD <http://127.0.0.1:9/x> INTO GRAPH <urn:x:g>")
    body = engine.run(user_query("SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }")).body
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] != "0"


# ----------------------------------------------------------------- issue 19: no graph lists, paged copies

def test_all_graphs_is_virtuosos_own_default_dataset(stores: tuple[Store, Store]) -> None:
    remote, _ = stores
    # Virtuoso's default graph is the union of its graphs: a query over all
    # of them names none (not 2 × the store's graphs as form fields)
    assert remote.union_default
    assert [name for name, _ in remote._fields("ASK { }", True, None)] == ["query"]
    n = remote.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?r a fz:Report } }").rows[0][0]
    assert int(n.value) == len([g for g in remote.graphs() if g != ONTOLOGY_GRAPH])


def gexf_full(body: bytes) -> Counter[tuple]:
    """A GEXF file's nodes and edges with every attribute value: node ids, not
    edge ids (numbered in the order a store's scan meets them), nor order."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    ns = {"g": root.tag.split("}")[0].strip("{")}
    out: Counter[tuple] = Counter()
    for kind in ("node", "edge"):
        for el in root.iterfind(f".//g:{kind}", ns):
            values = tuple(sorted((a.get("for"), a.get("value"))
                                  for a in el.iterfind(".//g:attvalue", ns)))
            out[(kind, el.get("id") if kind == "node" else "", el.get("label"),
                 el.get("source"), el.get("target"), el.get("weight"), values)] += 1
    return out


def test_gexf_of_a_remote_store_is_copied_in_pages(virtuoso: Any, stores: tuple[Store, Store],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    _, local = stores
    requests: list[int] = []
    real = RemoteStore._page

    def counted(self, graphs, predicates, page_rows):
        got = real(self, graphs, predicates, page_rows)
        requests.append(-1 if got is None else len(got))
        return got

    # pages of 150 rows: most graphs of the bundled reports are bigger, so
    # batches split down to one graph, or one predicate of one graph
    monkeypatch.setattr(RemoteStore, "copy_into", _with_page(RemoteStore.copy_into, 150))
    monkeypatch.setattr(RemoteStore, "_page", counted)
    fazhi("export", "--store", virtuoso.sparql, "--format", "gexf", "-o", str(tmp_path / "v.gexf"))
    fazhi("export", "--store", str(local.path), "--format", "gexf", "-o", str(tmp_path / "e.gexf"))
    assert max(requests) <= 150 and -1 in requests and len(requests) > 20
    got, want = (gexf_full((tmp_path / f).read_bytes()) for f in ("v.gexf", "e.gexf"))
    assert sum(want.values()) > 100 and got == want
    # a slice as well
    for store, name in ((virtuoso.sparql, "vc.gexf"), (str(local.path), "ec.gexf")):
        fazhi("export", "--store", store, "--format", "gexf", "--county", "曹县", "-o",
              str(tmp_path / name))
    assert gexf_full((tmp_path / "vc.gexf").read_bytes()) == \
        gexf_full((tmp_path / "ec.gexf").read_bytes())


def _with_page(copy_into: Any, rows: int) -> Any:
    def paged(self, target, **kw):
        return copy_into(self, target, **{**kw, "page_rows": rows})
    return paged


def test_a_page_too_small_for_one_graph_is_a_clear_error(stores: tuple[Store, Store]) -> None:
    import pyoxigraph as ox

    remote, _ = stores
    report = next(g for g in remote.graphs() if g != ONTOLOGY_GRAPH)
    with pytest.raises(StoreError, match="more than 1 quads of"):
        remote.copy_into(ox.Store(), graphs=[report], page_rows=1)


def test_the_web_graph_export_and_the_csv_export_on_virtuoso(virtuoso: Any,
                                                            clients: tuple[Any, Any]) -> None:
    import csv
    import io

    import server

    on_virtuoso, embedded = clients
    got, want = (c.get("/export/graph.gexf?county=曹县") for c in (on_virtuoso, embedded))
    assert got.status_code == want.status_code == 200
    assert gexf_full(got.data) == gexf_full(want.data)
    # the streamed export past max_rows, read as Virtuoso sends it
    app = server.create_app({"store": virtuoso.sparql, "TESTING": True, "max_rows": 3})
    try:
        text = app.test_client().get("/queries/activities.csv").get_data(as_text=True)
    finally:
        server.close_app(app)
    whole = embedded.get("/queries/activities.csv").get_data(as_text=True)
    rows, want_rows = (list(csv.reader(io.StringIO(t))) for t in (text, whole))
    assert len(rows) > 4 and rows[0] == want_rows[0]
    # the example sentence is one of several right ones (canned_cases.EXAMPLES)
    keep = [i for i, c in enumerate(rows[0]) if c not in EXAMPLES["activities"]]
    assert sorted([r[i] for i in keep] for r in rows) == sorted([r[i] for i in keep]
                                                                for r in want_rows)


def test_the_home_pages_townships_page_in_virtuoso(clients: tuple[Any, Any]) -> None:
    """The overview's townships on a remote store: one plain query paged by the
    engine (read._TOWNSHIPS_PLAIN), page by page the embedded store's."""
    on_virtuoso, embedded = clients
    pages: list[list[Any]] = [[], []]
    for i, client in enumerate((on_virtuoso, embedded)):
        url = "/api/overview?limit=3"
        while url:
            doc = client.get(url).get_json()
            pages[i].append(doc["townships"])
            url = doc["next"]
    assert len(pages[0]) > 2 and pages[0] == pages[1]


def test_a_query_over_all_graphs_of_a_store_with_many_graphs(stores: tuple[Store, Store]) -> None:
    """Virtuoso echoes each default-graph-uri and named-graph-uri of a request
    as a response header; Python's HTTP client refuses more than 100 headers,
    so naming every graph failed on any store of more than about 50 graphs."""
    from kg.namespace import GRAPH_IRI

    remote, _ = stores
    extra = [f"{GRAPH_IRI}test-many/{i}" for i in range(80)]
    remote._update("INSERT DATA { " + " ".join(
        f"GRAPH <{g}> {{ <{g}#x> <http://example.org/p> {i} }}" for i, g in enumerate(extra)) + " }")
    try:
        rows = remote.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?x <http://example.org/p> ?v } }"
                            ).rows
        assert int(rows[0][0].value) == len(extra)
    finally:
        remote._update(" ".join(f"DROP SILENT GRAPH <{g}> ;" for g in extra).rstrip(" ;"))
    assert not set(extra) & set(remote.graphs())
