"""The long lists answered from the prepared index (kg.answers_lists): a cut
list keeps the first rows of the order the page shows, an index file made
before their tables is answered as before, and the matrix's cells are read
from the query's own text.  (Their rows equal the SPARQL's in
tests/test_index_answers.py.)"""
from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kg.answers import Prepared
from kg.answers_lists import matrix_cells
from kg.prepared import FILE
from kg.prepared import Prepared as Tables
from kg.queries import bundled, run
from tests.test_index_answers import _cells, store  # noqa: F401  (the module's fixture)

LISTS = {"law_firm_advisers": ("law_firms", "advisers"),
         "organisations_by_kind": ("organisations", "organisations"),
         "systems_matrix": ("systems_matrix", "implemented")}


def _given(name: str) -> dict[str, str]:
    # organisations_by_kind: a kind every store has many of (the name's ending)
    return {"kind": "所"} if name == "organisations_by_kind" else {}


def _cut(name: str, n: int) -> Any:
    q = bundled()[name]
    assert "\nLIMIT 1000" in q.text
    return dataclasses.replace(q, text=q.text.replace("\nLIMIT 1000", f"\nLIMIT {n}"), limit=n)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_cut_list_keeps_the_first_rows_of_the_shown_order(store, name):  # noqa: F811
    q = bundled()[name]
    assert q.index == LISTS[name][0]
    whole = run(q, _given(name), store["runner"], index=store["prepared"])
    assert whole.source == "index" and not whole.truncated
    assert whole.rows, f"{name}: no rows in the test store to cut"
    n = max(1, len(whole.rows) // 2)      # (the bundled reports have one law firm)
    cut = run(_cut(name, n), _given(name), store["runner"], index=store["prepared"])
    assert cut.source == "index" and cut.truncated and len(cut.rows) == n
    # the first n of the whole answer's order: the page a user sees first is the same
    assert _cells(cut) == _cells(whole)[:n]
    # the SPARQL, cut by its LIMIT in store order, says the same: truncated, n rows
    by_sparql = run(_cut(name, n), _given(name), store["runner"])
    assert by_sparql.truncated and len(by_sparql.rows) == n


@pytest.mark.parametrize("name", sorted(LISTS))
def test_an_index_made_before_the_list_tables_answers_as_before(store, tmp_path, name):  # noqa: F811
    table = LISTS[name][1]
    path = tmp_path / "old"
    shutil.copytree(store["path"], path)
    db = sqlite3.connect(path / FILE)     # an index file of the version before these tables
    with db:
        db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM meta WHERE key = ?", (f"answers:{table}",))
    db.close()
    old = Tables.beside(path, create=False)
    assert old is not None and table not in old.ready
    try:
        index = Prepared(names=store["prepared"].names, tables=old)
        q = bundled()[name]
        unfiltered = run(q, _given(name), store["runner"], index=index)
        assert unfiltered.source == "sparql"        # the reports form narrows only with a filter
        given = {**_given(name), "county": store["county"]}
        narrowed = run(q, given, store["runner"], index=index)
        assert narrowed.source == "index" and narrowed.rows
        assert _cells(narrowed) == _cells(run(q, given, store["runner"]))
    finally:
        old.close()


def test_the_matrix_cells_are_read_from_the_query():
    q = bundled()["systems_matrix"]
    cells = dict(matrix_cells(q))
    assert cells["threeSystems"] == (("三项制度",),)
    assert cells["enforcementPublicity"] == (("公示", "执法"),)
    assert cells["powerList"] == (("权责清单",), ("权力清单",))
    # every cell column the query projects is read, no more
    assert set(cells) == {c.name for c in q.columns} - {
        "townshipName", "countyLabel", "yearReported", "systems", "file", "report", "t"}


def test_a_matrix_cell_the_form_cannot_read_fails_loudly(tmp_path: Path):
    q = bundled()["systems_matrix"]
    bad = q.text.replace('CONTAINS(?n, "双随机")', 'REGEX(?n, "双随机")')
    assert bad != q.text
    with pytest.raises(RuntimeError, match=r"reads only CONTAINS"):
        matrix_cells(dataclasses.replace(q, text=bad))


@pytest.mark.parametrize("n", [1, 3])
def test_organisations_with_a_place_keeping_many_reports_are_cut_by_name(store, monkeypatch, n):  # noqa: F811
    import kg.answers as answers

    # a filter keeping "many" reports: the rows up to the page's last name, checked to fill it
    monkeypatch.setattr(answers, "MAX_GRAPHS", 1)
    q = bundled()["organisations_by_kind"]
    for given in ({"kind": "所", "year": store["year"]}, {"kind": "所", "county": store["county"]},
                  {"kind": "所", "county": "没有这个县"}):
        whole = run(q, given, store["runner"], index=store["prepared"])
        assert whole.source == "index"
        assert _cells(whole) == _cells(run(q, given, store["runner"])), given
        cut = run(_cut("organisations_by_kind", n), given, store["runner"], index=store["prepared"])
        assert _cells(cut) == _cells(whole)[:n], given
        assert cut.truncated == (len(whole.rows) >= n), given


def _firm_graph(order: list[int]) -> tuple[Any, str]:
    """One report graph where a township's law firm is attested by three
    sentences, written in ``order`` (the engine meets them in some order;
    every way must still pick the least IRI)."""
    import pyoxigraph as ox

    from kg.namespace import FZ, GRAPH_IRI, RDF, RDFS

    g = ox.NamedNode(f"{GRAPH_IRI}report/firm/0")
    n = ox.NamedNode
    base = "https://w3id.org/fazhi-kg/id/"
    report, town, firm = n(base + "report/firm"), n(base + "township/某县/某镇"), n(base + "org/某律师事务所")
    quads = [(report, RDF.type, n(str(FZ.Report))), (report, FZ.township, town),
             (report, FZ.year, ox.Literal("2024", datatype=n("http://www.w3.org/2001/XMLSchema#gYear"))),
             (report, FZ.sourceFile, ox.Literal("firm.txt")),
             (town, RDF.type, n(str(FZ.Township))), (town, RDFS.label, ox.Literal("某镇", language="zh")),
             (town, FZ.legalAdvisor, firm), (firm, RDF.type, n(str(FZ.LawFirm))),
             (firm, RDF.type, n(str(FZ.Organization))),
             (firm, RDFS.label, ox.Literal("某律师事务所", language="zh"))]
    for i in order:
        s = n(f"{base}report/firm/sentence/{i}")
        quads += [(s, FZ.attests, firm), (s, FZ.names, firm),
                  (s, FZ.text, ox.Literal(f"第{i}句：聘请某律师事务所。", language="zh"))]
    held = ox.Store()
    held.extend([ox.Quad(s, p if isinstance(p, ox.NamedNode) else n(str(p)), o, g)
                 for s, p, o in quads])
    return held, g.value


@pytest.mark.parametrize("order", [[2, 10, 3], [3, 2, 10], [10, 3, 2]])
def test_every_way_picks_the_sentence_of_the_least_iri(tmp_path, order):
    from kg.prepared_rows import rows_of_graph
    from tests.webutil import runner_on

    oxs, graph = _firm_graph(order)
    tables = Tables(tmp_path / FILE)
    try:
        tables.replace("firm", rows_of_graph(graph, ((q.subject, q.predicate.value, q.object)
                                                     for q in oxs.quads_for_pattern(None, None, None))))
        runner = runner_on(oxs)
        least = "https://w3id.org/fazhi-kg/id/report/firm/sentence/10"     # as strings: "10" < "2"
        for name, given in (("law_firm_advisers", {}), ("organisations_by_kind", {"kind": "律师事务所"})):
            q = bundled()[name]
            ways = {"lateral": run(q, given, runner),
                    "sparql 1.1": run(q, given, runner, lateral=False),
                    "index": run(q, given, runner, index=Prepared(tables=tables))}
            assert ways["index"].source == "index"
            for way, table in ways.items():
                assert [r["sentence"]["value"] for r in table.rows] == [least], (name, way)
                assert table.rows[0]["evidence"]["value"].startswith("第10句"), (name, way)
    finally:
        tables.close()


def test_search_bounds_in_one_pass_equal_those_looked_up(store, monkeypatch):  # noqa: F811
    # the search's order bounds: for many entities one pass over the type rows,
    # for few a look-up each; the same numbers, and at least the SPARQL's counts
    import kg.prepared_entities as page_tables
    from kg import types

    tables, names = store["prepared"].tables, store["prepared"].names
    entities = list(names.containing_first("镇")) + list(names.containing_first("法"))
    assert len(entities) > 10
    for classes in ([c for c, _ in types.search_classes()], [types.search_classes()[0][0]]):
        monkeypatch.setattr(page_tables, "ONE_PASS", 10 ** 9)
        looked_up = tables.report_counts(entities, classes)
        monkeypatch.setattr(page_tables, "ONE_PASS", 0)
        in_one_pass = tables.report_counts(entities, classes)
        assert looked_up == in_one_pass and looked_up
    q = bundled()["search"]
    by_sparql = run(q, {"name": "法"}, store["runner"])
    counts = tables.report_counts([r["entity"]["value"] for r in by_sparql.rows],
                                  [c for c, _ in types.search_classes()])
    for r in by_sparql.rows:
        assert counts[r["entity"]["value"]] >= int(r["reports"]["value"])
