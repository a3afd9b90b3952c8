"""The canned search from the ``entity_names`` table (kg.answers_search):
where report graphs give an entity different names, types, sentences and
files, the table, the LATERAL SPARQL and the SPARQL 1.1 form all show the
least of each, and count the same reports; the store is read only for the
page's sentence texts.  (On the bundled reports and a generated store every
case equals the SPARQL in tests/test_index_answers.py.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.answers import Prepared
from kg.names import NameIndex
from kg.namespace import FZ, GRAPH_IRI, ID_IRI, RDF, RDFS, SKOS
from kg.prepared import FILE
from kg.prepared import Prepared as Tables
from kg.prepared_rows import rows_of_graph
from kg.queries import bundled, run
from tests.webutil import runner_on

N = ox.NamedNode
LAW = ID_IRI + "law/测试法"


def _zh(v: str) -> ox.Literal:
    return ox.Literal(v, language="zh")


def _graph(stem: str, file: str, label: str, classes: list[Any], named: dict[int, bool]
           ) -> tuple[str, list[tuple[Any, Any, Any]]]:
    """One report graph naming the law: its label there, its classes, and
    sentences by number, each with a text or not."""
    report, law = N(f"{ID_IRI}report/{stem}/0"), N(LAW)
    triples = [(report, RDF.type, N(str(FZ.Report))), (report, FZ.sourceFile, ox.Literal(file)),
               (law, RDFS.label, _zh(label))] + [(law, RDF.type, N(str(c))) for c in classes]
    if stem == "r1":
        triples.append((law, SKOS.altLabel, _zh("测试法")))
    for i, has_text in named.items():
        s = N(f"{ID_IRI}report/{stem}/0/sentence/{i}")
        triples.append((s, FZ.names, law))
        if has_text:
            triples.append((s, FZ.text, _zh(f"{stem}第{i}句讲测试法。")))
    return f"{GRAPH_IRI}report/{stem}/0", triples


@pytest.fixture()
def three_ways(tmp_path: Path):
    """The law in two reports: r1 calls it 乙测试法 (other name 测试法), a law,
    named by sentences 1 (no text), 2 and 10; r2 calls it 甲测试法, a law
    and a system (the system listed first in the table of types), named by
    sentence 3; r0 calls it 丙测试法, a law no sentence names.  Files: r1
    b.txt, r2 a.txt, r0 c.txt."""
    store = ox.Store()
    tables = Tables(tmp_path / FILE)
    names = NameIndex(tmp_path / "names.sqlite")
    for stem, file, label, classes, named in (
            ("r1", "b.txt", "乙测试法", [FZ.Law], {1: False, 2: True, 10: True}),
            ("r2", "a.txt", "甲测试法", [FZ.Law, FZ.System], {3: True}),
            ("r0", "c.txt", "丙测试法", [FZ.Law], {})):
        graph, triples = _graph(stem, file, label, classes, named)
        store.extend([ox.Quad(s, p if isinstance(p, N) else N(str(p)), o, N(graph))
                      for s, p, o in triples])
        tables.replace(stem, rows_of_graph(graph, ((s, str(p), o) for s, p, o in triples)))
    names.add([(LAW, "乙测试法"), (LAW, "测试法"), (LAW, "甲测试法"), (LAW, "丙测试法")])
    try:
        yield runner_on(store), Prepared(names=names, tables=tables)
    finally:
        tables.close()
        names.close()


def _row(table: Any) -> dict[str, str]:
    (row,) = table.rows
    return {k: v["value"] for k, v in row.items() if k in table.columns}


def _cells(table: Any) -> list[list[Any]]:
    return [[r.get(c) for c in table.columns] for r in table.rows]


S1, S3 = (f"{ID_IRI}report/{r}/0/sentence/{i}" for r, i in (("r1", 10), ("r2", 3)))


@pytest.mark.parametrize("given,expected", [
    # the example: the least sentence IRI ("10" < "2" as strings; r1 < r2), its report's file
    ({"name": "测试"}, {"reports": "3", "entityName": "丙测试法", "entityType": "制度",
                      "matchedNames": "丙测试法 / 乙测试法 / 测试法 / 甲测试法",
                      "exampleSentence": S1, "exampleEvidence": "r1第10句讲测试法。",
                      "exampleFile": "b.txt"}),
    # in r2 its first type is 制度: r0 and r1 are the reports where it is a law
    ({"name": "测试", "type": "法律"}, {"reports": "2", "entityName": "丙测试法",
                                      "entityType": "法律", "exampleSentence": S1,
                                      "exampleFile": "b.txt"}),
    ({"name": "测试", "type": "制度"}, {"reports": "1", "entityName": "甲测试法",
                                      "exampleSentence": S3, "exampleFile": "a.txt"}),
    # r1 alone gives it a name holding 乙
    ({"name": "乙"}, {"reports": "1", "matchedNames": "乙测试法", "exampleFile": "b.txt"}),
    # no sentence names it in r0: no example, the report's file
    ({"name": "丙"}, {"reports": "1", "matchedNames": "丙测试法", "exampleSentence": None,
                     "exampleEvidence": None, "exampleFile": "c.txt"}),
])
def test_every_way_shows_the_least_of_what_reports_give(three_ways, given, expected):
    runner, prepared = three_ways
    q = bundled()["search"]
    ways = {"lateral": run(q, given, runner), "sparql 1.1": run(q, given, runner, lateral=False),
            "index": run(q, given, runner, index=prepared)}
    assert ways["index"].source == "index"
    for way, table in ways.items():
        row = _row(table)
        assert {k: row.get(k) for k in expected} == expected, way
        assert row["entity"] == LAW
    assert _cells(ways["index"]) == _cells(ways["lateral"]) == _cells(ways["sparql 1.1"])
    assert ways["index"].columns == ways["lateral"].columns


def test_the_store_is_read_only_for_the_pages_sentences(three_ways):
    # (the counts and the example's sentence and file are the tables')
    runner, prepared = three_ways
    asked: list[str] = []

    def counting(checked, **kw):
        asked.append(checked.text)
        return runner(checked, **kw)
    table = run(bundled()["search"], {"name": "测试"}, counting, index=prepared)
    assert table.source == "index" and len(table.rows) == 1
    # one query, for the text of the one sentence shown; no label is read
    assert len(asked) == 1
    assert f"<{ID_IRI}report/r1/0/sentence/10>" in asked[0] and "label" not in asked[0].lower()


def test_a_row_per_entity_and_report_of_a_searchable_class_with_a_label():
    graph, triples = _graph("r1", "a.txt", "乙测试法", [FZ.Law, FZ.System], {3: True, 1: False})
    report = N(f"{ID_IRI}report/r1/0")
    triples += [(N(ID_IRI + "x/无名"), RDF.type, N(str(FZ.Law))),          # no label: no row
                (report, RDFS.label, _zh("报告"))]                          # not searchable
    rows = rows_of_graph(graph, ((s, str(p), o) for s, p, o in triples)).entity_names
    # kept by keys (IRIs less the id prefix): labels, other names, first class, unnamed
    assert rows == [("law/测试法", "乙测试法", "测试法", str(FZ.System), 0, "report/r1/0", "r1",
                     "report/r1/0/sentence/3")]


def test_counts_by_kind_follow_files_read_again_and_deleted(three_ways):
    _, prepared = three_ways
    tables = prepared.tables

    def counts() -> dict[tuple, int]:
        return {r[:4]: r[4] for r in tables.table("entity_name_counts")}
    assert sorted(counts().values()) == [1, 1, 1]
    graph, triples = _graph("r2", "a.txt", "乙测试法", [FZ.Law], {})    # r2 now as r1 calls it
    tables.replace("r2", rows_of_graph(graph, ((s, str(p), o) for s, p, o in triples)))
    assert counts()[("law/测试法", "乙测试法", "", str(FZ.Law))] == 1
    assert ("law/测试法", "甲测试法", "", str(FZ.System)) not in counts()
    tables.remove(["r0", "r2"])
    assert counts() == {("law/测试法", "乙测试法", "测试法", str(FZ.Law)): 1}
    assert [r[5] for r in tables.table("entity_names")] == ["report/r1/0"]


def test_a_list_in_one_cell_is_shown_with_its_parts_sorted():
    # search.rq's matchedNames is a GROUP_CONCAT: its order is the engine's
    from kg.canned import Table, finished

    q = bundled()["search"]
    assert q.column("matchedNames").parts == " / "
    cell = {"type": "literal", "value": "甲测试法 / 丙测试法 / 乙测试法"}
    shown = finished(q, Table(["matchedNames"], [{"matchedNames": cell}]))
    assert shown.rows[0]["matchedNames"]["value"] == "丙测试法 / 乙测试法 / 甲测试法"
    assert cell["value"] == "甲测试法 / 丙测试法 / 乙测试法"       # the answer itself is not changed
