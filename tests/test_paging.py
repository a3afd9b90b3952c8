"""Canned queries answer in pages: page_size/offset/page, the next page's
URL, a total order so that pages follow each other, and streamed exports
(.csv and .json?_stream=on) of every row.  On the bundled reports."""
from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.errors import FazhiError, QueryError
from kg.queries import MAX_PAGE_SIZE, Page, Table, finished, load_all, page_of, paged, parse

DEFAULT = 10     # the app's page_size setting here


@pytest.fixture(scope="module")
def store(seeds_store: Path) -> Path:
    return seeds_store


@pytest.fixture(scope="module")
def client(store):
    import server

    app = server.create_app({"store": str(store), "TESTING": True, "page_size": DEFAULT})
    yield app.test_client()
    server.close_app(app)


def _pages(client, url: str) -> list[dict]:
    """Every page of an answer, following ``next`` from ``url``."""
    out = []
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.get_data(as_text=True)
        doc = r.get_json()
        out.append(doc)
        url = doc.get("next")
    return out


# ----------------------------------------------------------------- the page asked for

def test_page_of_reads_size_and_offset_or_page():
    assert page_of({}, 100) == Page(0, 100)
    assert page_of({"page_size": "20", "offset": "40"}, 100) == Page(40, 20)
    assert page_of({"page_size": "20", "page": "3"}, 100) == Page(40, 20)
    assert page_of({"page": "2"}, 100) == Page(100, 100)
    assert page_of({"page_size": str(MAX_PAGE_SIZE)}, 100).size == MAX_PAGE_SIZE


@pytest.mark.parametrize("args, named", [
    ({"page_size": "0"}, "page_size"), ({"page_size": str(MAX_PAGE_SIZE + 1)}, "page_size"),
    ({"page_size": "ten"}, "page_size"), ({"offset": "-1"}, "offset"), ({"page": "0"}, "page"),
    ({"offset": "1", "page": "2"}, "offset"),
])
def test_bad_paging_values_fail_naming_the_parameter(args, named):
    with pytest.raises(QueryError, match=f"'{named}'"):
        page_of(args, 100)


def test_a_query_may_not_take_a_paging_parameter_name(tmp_path):
    (tmp_path / "clash.rq").write_text(
        "#+ title: {zh: 冲突, en: Clash}\n#+ parameters:\n#+   offset: {type: integer}\n"
        "SELECT ?r ?offset WHERE { ?r a fz:Report }\n", encoding="utf-8")
    with pytest.raises(FazhiError, match=r"clash\.rq: parameter 'offset' is a paging parameter"):
        load_all(tmp_path)


# ----------------------------------------------------------------- a total order

def _term(v) -> dict:
    return {"type": "literal", "value": str(v)}


def test_rows_are_in_a_total_order_sort_keys_first(tmp_path):
    (tmp_path / "t.rq").write_text(
        "#+ title: {zh: 排序, en: Sorted}\n#+ sort: [-n, name]\n"
        "SELECT ?name ?n ?other WHERE { ?r a fz:Report }\n", encoding="utf-8")
    q = parse(tmp_path / "t.rq")
    rows = [{"name": _term(a), "n": {"type": "literal", "value": str(n),
                                     "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
             "other": _term(o)} for a, n, o in
            [("乙", 2, "z"), ("甲", 2, "y"), ("甲", 2, "x"), ("丙", 10, "w"), ("丁", 1, "v")]]
    rows.append({"name": _term("戊"), "other": _term("u")})     # no n: last
    shown = finished(q, Table(["name", "n", "other"], rows)).values()
    assert shown == [["丙", 10, "w"], ["乙", 2, "z"], ["甲", 2, "x"], ["甲", 2, "y"],
                     ["丁", 1, "v"], ["戊", None, "u"]]
    # the same rows in any order come out the same
    again = finished(q, Table(["name", "n", "other"], list(reversed(rows)))).values()
    assert again == shown


def test_paged_cuts_the_answer():
    table = Table(["a"], [{"a": _term(i)} for i in range(25)])
    first, last = paged(table, Page(0, 10)), paged(table, Page(20, 10))
    assert [len(first.rows), first.total, first.more] == [10, 25, True]
    assert [len(last.rows), last.offset, last.more] == [5, 20, False]
    assert Page(20, 10).next(25) is None and Page(10, 10).next(25) == Page(20, 10)
    assert Page(0, 10).previous() is None and Page(10, 10).previous() == Page(0, 10)
    assert paged(table, Page(40, 10)).rows == []


# ----------------------------------------------------------------- the web

def test_json_pages_follow_each_other_without_overlap(client):
    whole = client.get("/queries/activities.json?_stream=on").get_json()
    assert whole["total_rows"] == len(whole["rows"]) > 2 * DEFAULT
    pages = _pages(client, "/queries/activities.json")
    assert [len(p["rows"]) for p in pages[:-1]] == [DEFAULT] * (len(pages) - 1)
    assert [r for p in pages for r in p["rows"]] == whole["rows"]
    assert "next" not in pages[-1] and "previous" in pages[-1]
    assert "previous" not in pages[0] and pages[0]["offset"] == 0
    assert pages[1]["offset"] == DEFAULT and pages[0]["total_rows"] == whole["total_rows"]
    # the next page keeps the parameters, and a page_size other than the default
    doc = client.get("/queries/systems.json?year=2023&page_size=3").get_json()
    assert doc["page_size"] == 3 and "year=2023" in doc["next"] and "page_size=3" in doc["next"]
    assert "offset=3" in doc["next"]


def test_page_parameter_counts_from_one(client):
    by_page = client.get("/queries/activities.json?page=2&page_size=4").get_json()
    by_offset = client.get("/queries/activities.json?offset=4&page_size=4").get_json()
    assert by_page["rows"] == by_offset["rows"] and by_page["offset"] == 4


def test_bad_paging_is_a_400_naming_it(client):
    for url, named in [("/queries/activities.json?page_size=0", "page_size"),
                       ("/queries/activities.json?offset=x", "offset"),
                       ("/queries/activities.json?_stream=maybe", "_stream"),
                       ("/queries/activities?page_size=5000", "page_size")]:
        r = client.get(url)
        assert r.status_code == 400, url
        assert f"'{named}'" in html.unescape(r.get_data(as_text=True)), url


def test_html_page_shows_where_it_is_and_links_on(client):
    page = client.get("/queries/activities").get_data(as_text=True)
    total = client.get("/queries/activities.json").get_json()["total_rows"]
    assert f"第 <strong>1–{DEFAULT}</strong> 行，共 {total} 行" in page
    assert f'rel="next" href="/queries/activities?offset={DEFAULT}"' in page
    second = client.get(f"/queries/activities?offset={DEFAULT}").get_data(as_text=True)
    assert 'rel="prev" href="/queries/activities"' in second
    # a short answer: no pager
    one = client.get("/queries/systems_matrix").get_data(as_text=True)
    assert 'rel="next"' not in one and "行（完整）" in one


def test_csv_streams_every_row_unless_a_page_is_asked(client):
    r = client.get("/queries/activities.csv")
    assert r.is_streamed
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    whole = client.get("/queries/activities.json?_stream=on").get_json()
    assert rows[0] == whole["columns"] and len(rows) - 1 == whole["total_rows"]
    assert int(r.headers["X-Fazhi-Rows"]) == whole["total_rows"]
    page = list(csv.reader(io.StringIO(
        client.get("/queries/activities.csv?page_size=5&offset=5").get_data(as_text=True))))
    assert page[1:] == rows[6:11]


def test_streamed_json_is_one_document(client):
    r = client.get("/queries/systems.json?_stream=on")
    assert r.is_streamed
    doc = r.get_json()
    assert doc["columns"] and len(doc["rows"]) == doc["total_rows"]
    assert "next" not in doc


def test_cli_pages_on_request(store):
    from kg.cli import cli

    def rows(*extra: str) -> list[str]:
        res = CliRunner().invoke(cli, ["query", "activities", "--store", str(store),
                                       "--format", "csv", *extra])
        assert res.exit_code == 0, res.output
        return res.stdout.splitlines()

    every = rows()
    assert rows("--page-size", "4", "--offset", "3") == [every[0], *every[4:8]]
    res = CliRunner().invoke(cli, ["query", "activities", "--store", str(store),
                                   "--page-size", "0"])
    assert res.exit_code != 0 and "page_size" in res.output


def test_pages_of_one_answer_come_from_one_run(store, tmp_path):
    import shutil

    import server
    from kg.store import bump_generation

    path = tmp_path / "copy"
    shutil.copytree(store, path)
    app = server.create_app({"store": str(path), "TESTING": True, "page_size": 5})
    runs = []
    engine = app.extensions["fazhi_kg"].engine
    real = engine.run

    def counted(*a, **kw):
        runs.append(1)
        return real(*a, **kw)

    engine.run = counted
    try:
        client = app.test_client()
        pages = _pages(client, "/queries/activities.json")
        assert len(pages) > 2 and len(runs) == 1
        client.get("/queries/activities.csv")
        assert len(runs) == 1
        client.get("/queries/activities.json?year=2023")     # other parameters: another run
        assert len(runs) == 2
        bump_generation(path)                                # the store changed: run again
        client.get("/queries/activities.json")
        assert len(runs) == 3
    finally:
        engine.run = real
        server.close_app(app)
