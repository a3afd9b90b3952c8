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

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canned_cases import EXAMPLES, cases, rows, year_reports
from kg import queries as queries_mod
from kg.cli import cli
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
