"""Canned queries answered from the prepared index (kg.answers) give the same
rows as their SPARQL.

Every canned query with an ``index:`` form runs both ways — by its SPARQL
alone, and with the store's name index and prepared tables — on two
stores: the bundled reports (data/reports, ingested) and a small synthetic
store of three counties over two years (benchmarks/synth.py, then
``fazhi-kg index``); with its defaults and with county, year and township
filters.  The answers must be equal cell for cell, in the same order (the
shown order is total: kg.queries.finished).
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.answers import FORMS, Prepared
from kg.errors import FazhiError
from kg.names import NameIndex
from kg.prepared import Prepared as Tables
from kg.queries import Table, bundled, load_all, run
from tests.webutil import runner_on

REPO = Path(__file__).resolve().parent.parent


def _ingest(reports: Path, store: Path) -> None:
    from kg.cli import cli

    res = CliRunner().invoke(cli, ["ingest", "--store", str(store), str(reports)])
    assert res.exit_code == 0, res.output


def _synth(store: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    from kg.cli import cli

    s = ox.Store(str(store))
    synth.load_store(s, synth.World(18, 7, 3), [2022, 2023])
    s.flush()
    del s
    res = CliRunner().invoke(cli, ["index", "--store", str(store)])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module", params=["bundled", "synth"])
def store(request, tmp_path_factory, seed_dir) -> dict[str, Any]:
    """A store with its indexes, the SPARQL runner on it, and filter values
    taken from its own reports (a part of a county and a township name, a year)."""
    path = tmp_path_factory.mktemp(request.param) / "store"
    if request.param == "bundled":
        _ingest(seed_dir, path)
    else:
        _synth(path)
    tables = Tables.beside(path, create=False)
    names = NameIndex.beside(path, create=False)
    assert tables is not None and names is not None, "ingest/index wrote both indexes"
    rows = tables.reports(limit=1000).rows
    first = next(r for r in rows if r["county_label"] and r["township_label"])
    oxs = ox.Store.read_only(str(path))

    yield {"path": path, "runner": runner_on(oxs, 10_000), "prepared": Prepared(names=names, tables=tables),
           "county": first["county_label"][:2], "year": first["year"],
           "township": first["township_label"][:2], "years": sorted({r["year"] for r in rows}),
           "town": (first["township_label"], first["township"])}
    names.close()
    tables.close()


def _cells(table: Table) -> list[list[Any]]:
    """Every shown cell as its SPARQL JSON term (value, language, datatype), in order."""
    return [[row.get(c) for c in table.columns] for row in table.rows]


def _cases(name: str, s: dict[str, Any]) -> list[dict[str, str]]:
    """Parameter sets for one query: its defaults and each filter it takes."""
    q = bundled()[name]
    other_year = str(int(s["year"]) - 1)
    first, last = s["years"][0], s["years"][-1]
    filters = [{}, {"county": s["county"]}, {"year": s["year"]}, {"year": other_year},
               {"county": s["county"], "year": s["year"]}, {"township": s["township"]},
               {"county": "没有这个县"}]
    extra = {"compare_metric": [{"metric": "件"}, {"metric": "件", "year": s["year"]},
                                {"metric": "没有这个指标"}],
             "search": [{"name": "镇"}, {"name": "法"}, {"name": "法", "type": "法律"},
                        {"name": s["township"]}, {"name": "没有这个名字"}],
             "organisations_by_kind": [{"kind": "调解室", "county": s["county"]},
                                       {"kind": "办公室", "year": s["year"]}],
             "changes": [{"county": s["county"], "from": first, "to": last},
                         {"county": s["county"], "from": last, "to": first},
                         {"township": s["township"], "from": first, "to": last},
                         # a township by its full name and by its IRI (changes matches exactly)
                         {"township": s["town"][0], "from": first, "to": last},
                         {"township": s["town"][1], "from": last, "to": first},
                         {"county": "没有这个县", "from": first, "to": last}]}
    out = [f for f in filters if set(f) <= q.param_names] + extra.get(name, [])
    return [c for c in out if not q.missing(c)]


INDEXED = sorted(n for n, q in bundled().items() if q.index)


def test_the_indexed_queries_are_the_slow_ones():
    # the two that time out at 40,000 reports, and every report-level list with filters
    assert {"search", "compare_metric", "systems_matrix", "report_completeness",
            "organisations_by_kind", "activities", "systems"} <= set(INDEXED)
    assert all(bundled()[n].index in FORMS for n in INDEXED)


#: Queries whose SPARQL keeps its first rows by these counts alone (an ORDER
#: BY … LIMIT inside): of the rows tied with the last one kept, it keeps any.
TIED_AT_LIMIT = {"most_cited_laws": ("townships", "reports")}


def _inner_limit(name: str) -> int:
    from kg.answers import _CITED

    found = _CITED.search(bundled()[name].text)
    assert found is not None
    return int(found.group(1))


def _settled(name: str, table: Table) -> tuple[list[list[Any]], list[Any]]:
    """The cells the query's SPARQL fixes, and the counts of every row: for a
    query of :data:`TIED_AT_LIMIT` that filled its LIMIT, the rows tied with
    its last row by those counts are compared by their counts alone."""
    counts = TIED_AT_LIMIT.get(name)
    cells = _cells(table)
    if counts is None or len(table.rows) < _inner_limit(name):
        return cells, []
    def key(row: dict[str, Any]) -> tuple[str, ...]:
        return tuple(row[c]["value"] for c in counts)
    last = key(table.rows[-1])
    return ([c for c, r in zip(cells, table.rows) if key(r) != last],
            sorted(key(r) for r in table.rows))


@pytest.mark.parametrize("name", INDEXED)
def test_index_form_gives_the_rows_of_the_sparql(store, name):
    q = bundled()[name]
    answered = 0
    for given in _cases(name, store):
        by_sparql = run(q, given, store["runner"])
        by_index = run(q, given, store["runner"], index=store["prepared"])
        assert by_sparql.source == "sparql"
        assert by_index.columns == by_sparql.columns, given
        assert _settled(name, by_index) == _settled(name, by_sparql), (name, given)
        assert by_index.truncated == by_sparql.truncated, given
        answered += by_index.source == "index"
        # the reports form only narrows: with no county, year or township, the SPARQL answers
        if q.index == "reports" and not {"county", "year", "township"} & set(given):
            assert by_index.source == "sparql"
    assert answered, f"{name}: no case was answered from the index"


def test_some_cases_have_rows(store):
    # the comparisons above are not all of empty answers
    q = bundled()
    assert run(q["systems"], {"county": store["county"]}, store["runner"],
               index=store["prepared"]).rows
    assert run(q["search"], {"name": "镇"}, store["runner"], index=store["prepared"]).rows
    assert run(q["compare_metric"], {"metric": "件"}, store["runner"],
               index=store["prepared"]).rows


def test_without_the_index_the_sparql_answers(store):
    q = bundled()["compare_metric"]
    assert run(q, {"metric": "件"}, store["runner"], index=Prepared()).source == "sparql"
    assert run(q, {"metric": "件"}, store["runner"],
               index=Prepared(names=store["prepared"].names)).source == "sparql"


def test_a_misspelt_index_form_fails_at_load(tmp_path):
    (tmp_path / "bad.rq").write_text(
        "#+ title: {zh: 错, en: Bad}\n#+ index: compare_metrics\n"
        "SELECT ?r WHERE { ?r a fz:Report }\n", encoding="utf-8")
    with pytest.raises(FazhiError, match=r"bad\.rq: index: 'compare_metrics' is not an index "
                                         r"form \(known: .*compare_metric"):
        load_all(tmp_path)


def test_cli_answers_from_the_index_unless_told_not_to(store):
    from kg.cli import cli

    args = ["query", "systems", "-p", f"county={store['county']}", "--store",
            str(store["path"]), "--format", "json"]
    with_index = json.loads(CliRunner().invoke(cli, args).stdout)
    without = json.loads(CliRunner().invoke(cli, [*args, "--no-index"]).stdout)
    assert with_index["answered_from"] == "index" and without["answered_from"] == "sparql"
    assert with_index["rows"] == without["rows"] and with_index["rows"]


def test_web_answers_from_the_index_until_it_is_stale(store, tmp_path):
    import shutil

    import server
    from kg.store import bump_generation

    path = tmp_path / "copy"
    shutil.copytree(store["path"], path)
    app = server.create_app({"store": str(path), "TESTING": True})
    try:
        client = app.test_client()
        url = "/queries/compare_metric.json?metric=件&page_size=1000"
        fresh = client.get(url).get_json()
        assert fresh["answered_from"] == "index"
        # what a SPARQL update does: the store's generation changes, the index is stale
        Tables.beside(path).mark_stale("a SPARQL update")
        bump_generation(path)
        stale = client.get(url).get_json()
        assert stale["answered_from"] == "sparql"
        assert stale["rows"] == fresh["rows"]
    finally:
        server.close_app(app)


# ------------------------------------------------- pages picked before the store is read

def _with_limit(tmp_path: Path, name: str, old: str, new: str) -> Any:
    """A bundled query with its LIMIT made small (a page the test store fills)."""
    text = (REPO / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / f"{name}.rq").write_text(text.replace(old, new), encoding="utf-8")
    return load_all(tmp_path)[name]


@pytest.mark.parametrize("limit", [1, 3, 7])
def test_search_looks_up_only_its_page_and_gives_the_rows_of_the_sparql(store, tmp_path,
                                                                       monkeypatch, limit):
    """Both ways to the search's rows give the SPARQL's: from the prepared
    counts, reading the examples of the page's entities only; and, in a
    file made before those tables, from search.rq narrowed to the
    candidates the page needs."""
    import kg.answers_search as search

    q = _with_limit(tmp_path, "search", "\nLIMIT 500", f"\nLIMIT {limit}")
    monkeypatch.setattr(search, "BATCH", 2)       # more than one look-up after the first
    tables = store["prepared"].tables
    looked_up: list[int] = []
    narrowed, examples = search.narrowed, tables.name_examples

    def counting(*args):
        looked_up.append(len(args[-1]))
        return narrowed(*args)

    def counting_examples(kinds):
        looked_up.append(len({k[0] for k in kinds}))
        return examples(kinds)
    monkeypatch.setattr(search, "narrowed", counting)
    monkeypatch.setattr(tables, "name_examples", counting_examples)
    for way in ("tables", "sparql"):
        if way == "sparql":
            monkeypatch.setattr(tables, "ready", tables.ready - {"entity_names"})
        for given in ({"name": "镇"}, {"name": "法"}, {"name": "法", "type": "法律"},
                      {"name": "所", "type": "机构"}, {"name": store["township"]},
                      {"name": "镇", "type": "法律"}):
            by_sparql = run(q, given, store["runner"])
            looked_up.clear()
            by_index = run(q, given, store["runner"], index=store["prepared"])
            assert by_index.source == "index"
            assert _cells(by_index) == _cells(by_sparql), (way, limit, given)
            assert by_index.truncated == by_sparql.truncated, (way, given)
            candidates = len(store["prepared"].names.containing(given["name"]))
            if way == "tables":       # one pass over the counts; the page's examples alone
                assert looked_up == [len(by_index.rows)], (given, looked_up)
                continue
            assert looked_up[0] <= limit                       # the page first
            if candidates > 4 * limit:
                # the bounds end the look-ups well before every candidate is read
                assert sum(looked_up) < candidates, (given, looked_up, candidates)


def test_figures_read_above_the_page_give_the_rows_of_every_figure(store):
    tables = store["prepared"].tables
    every = [r["figure"] for r in tables._rows(
        "SELECT figure FROM figures ORDER BY num DESC, township_label, figure")]
    nums = [r["num"] for r in tables._rows("SELECT num FROM figures")]
    assert len(every) > 6 and len(set(nums)) < len(nums)       # ties on the number too
    for limit, offset in ((1, 0), (3, 0), (3, 2), (5, len(every) - 4), (2, len(every))):
        page = tables.figures(order="value", limit=limit, offset=offset)
        assert [r["figure"] for r in page.rows] == every[offset:offset + limit]
        assert page.next_offset == (offset + limit if offset + limit < len(every) else None)


def _figure(figure: str, stem: str, metric: str, num: float) -> tuple:
    # the 19 columns of the figures table (kg.prepared.SCHEMA)
    return (figure, f"r/{stem}", stem, None, "某镇", None, None, "2024", f"{stem}.txt", metric,
            str(num), "http://www.w3.org/2001/XMLSchema#integer", num, "件", None, None, None,
            None, None)


def test_a_metric_whose_figures_went_gives_no_rows(tmp_path):
    from kg.prepared import ANSWER_TABLES
    from kg.prepared_rows import Rows

    tables = Tables(tmp_path / "p.sqlite")
    try:
        assert tables.ready == set(ANSWER_TABLES)      # a new file holds every table whole
        tables.replace_many(["a"], Rows(figures=[_figure("f1", "a", "受理案件", 3)]))
        tables.replace_many(["b"], Rows(figures=[_figure("f2", "b", "办理案件", 5)]))
        assert [r["figure"] for r in tables.figures(metric="案件").rows] == ["f2", "f1"]
        tables.replace_many(["a"], Rows())                # file a read again: no figures now
        assert [r["figure"] for r in tables.figures(metric="案件").rows] == ["f2"]
        assert tables.figures(metric="受理").rows == []
    finally:
        tables.close()


def test_changes_cut_at_its_limit_keeps_the_same_rows_both_ways(store):
    # the ORDER BY before LIMIT: which rows a cut keeps is the same by SPARQL and by the index
    q = bundled()["changes"]
    given = {"county": store["county"], "from": store["years"][0], "to": store["years"][-1]}
    whole = run(q, given, store["runner"], index=store["prepared"])
    n = len(whole.rows) // 2
    assert whole.source == "index" and n > 1
    small = dataclasses.replace(q, text=q.text.replace("LIMIT 2000", f"LIMIT {n}"), limit=n)
    by_sparql = run(small, given, store["runner"])
    by_index = run(small, given, store["runner"], index=store["prepared"])
    assert by_index.source == "index" and by_sparql.truncated and by_index.truncated
    assert len(by_index.rows) == n and _cells(by_index) == _cells(by_sparql)


def test_an_index_made_before_the_answer_tables_is_read_from_its_base_tables(store, tmp_path,
                                                                          caplog):
    import shutil
    import sqlite3

    from kg.prepared import FILE

    path = tmp_path / "old"
    shutil.copytree(store["path"], path)
    db = sqlite3.connect(path / FILE)          # what an index of the version before looks like
    with db:
        db.execute("DROP TABLE metric_names")
        db.execute("DROP TABLE citations")
        db.execute("DELETE FROM meta WHERE key LIKE 'answers:%'")
    db.close()
    caplog.set_level("WARNING", logger="kg.prepared")
    old = Tables.beside(path, create=False)
    assert old is not None and not old.ready
    said = [r.getMessage() for r in caplog.records if r.name == "kg.prepared"]
    assert len(said) == 1 and "fazhi-kg index" in said[0]
    # its metric_names table is there now but empty: it is not read
    assert old._rows("SELECT COUNT(*) AS n FROM metric_names")[0]["n"] == 0
    q = bundled()["compare_metric"]
    try:
        index = Prepared(names=store["prepared"].names, tables=old)
        for given in ({"metric": "件"}, {"metric": "件", "year": store["year"]}):
            by_sparql = run(q, given, store["runner"])
            by_index = run(q, given, store["runner"], index=index)
            assert by_index.source == "index" and by_index.rows
            assert _cells(by_index) == _cells(by_sparql)
        # the citations need the store: the SPARQL answers until `fazhi-kg index`
        cited = bundled()["most_cited_laws"]
        assert run(cited, {}, store["runner"], index=index).source == "sparql"
        assert run(cited, {}, store["runner"], index=store["prepared"]).source == "index"
        old.fill_answers()                          # derived from the base tables by SQL
        assert run(cited, {}, store["runner"], index=index).source == "sparql"
        again = Tables.beside(path, create=False)
        assert old.ready == {"metric_names"} and again is not None and again.ready == old.ready
        again.close()
        assert _cells(run(q, {"metric": "件"}, store["runner"], index=index)) == \
            _cells(run(q, {"metric": "件"}, store["runner"]))
    finally:
        old.close()


def test_changes_in_an_index_older_than_its_table_answers_from_sparql(store, tmp_path, caplog):
    import shutil
    import sqlite3

    from kg.prepared import FILE

    path = tmp_path / "old"
    shutil.copytree(store["path"], path)
    db = sqlite3.connect(path / FILE)
    with db:       # a file made before the 'changes' table: not marked as holding it whole
        db.execute("DELETE FROM meta WHERE key = 'answers:changes'")
        db.execute("DELETE FROM changes")
    db.close()
    with caplog.at_level("WARNING"):
        old = Tables.beside(path, create=False)
        assert old is not None and "changes" not in old.ready
        q = bundled()["changes"]
        given = {"county": store["county"], "from": store["years"][0], "to": store["years"][-1]}
        got = run(q, given, store["runner"], index=Prepared(tables=old))
        run(q, given, store["runner"], index=Prepared(tables=old))
    old.close()
    # said once, when the file is opened, with the other tables it lacks: not per request
    said = [r.getMessage() for r in caplog.records if "made before its tables" in r.getMessage()]
    assert len(said) == 1 and "changes" in said[0] and "fazhi-kg index" in said[0], said
    assert got.rows and _cells(got) == _cells(run(q, given, store["runner"]))


def test_the_setting_prepared_index_off_answers_from_sparql(store):
    import server

    app = server.create_app({"store": str(store["path"]), "TESTING": True,
                             "prepared_index": "off"})
    try:
        got = app.test_client().get("/queries/compare_metric.json?metric=件&page_size=1000").get_json()
        assert got["answered_from"] == "sparql" and got["rows"]
    finally:
        server.close_app(app)
