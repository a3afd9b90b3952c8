"""A township across years (the ``changes`` canned query, per-year rows of
``systems_matrix`` and ``report_completeness``) and canned-query tables for
people (column labels, links shown once, evidence at its sentence, the row
count and whether cut, filters without retyping).

The reports are written for these tests; 大集镇 of 曹县 and 黄集镇 of 郓城县
are real townships of the gazetteer, the firms are made up.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from kg.errors import FazhiError, QueryError
from kg.queries import bundled, load_all, run
from tests.webutil import runner_on

OPENING = ("一、主要举措和成效\n（一）强化组织领导。党委会专题研究法治建设4次，落实党政主要负责人"
           "履行推进法治建设第一责任人职责。\n")
DAJI = {
    2022: "（二）规范执法。全面推行“双随机、一公开”监管制度。聘请青松律师事务所担任镇政府法律顾问，"
          "全年审查合同12份。开展法治宣传活动6次。\n二、存在的不足\n普法形式还比较单一。\n",
    2023: "（二）规范执法。严格落实重大行政决策程序制度。聘请明德律师事务所担任镇政府法律顾问，"
          "全年审查合同20份。开展法治宣传活动9次。\n二、存在的不足\n普法形式还比较单一。\n"
          "三、下一年度工作安排\n继续深化法治建设。\n",
}
FIRM_2022 = "聘请青松律师事务所担任镇政府法律顾问，全年审查合同12份。"
FIRM_2023 = "聘请明德律师事务所担任镇政府法律顾问，全年审查合同20份。"


def _reports() -> list[tuple[str, str]]:
    out = [("daji2022.txt", f"曹县大集镇2022年法治政府建设报告\n2022年，大集镇坚持依法行政。\n{OPENING}{DAJI[2022]}"),
           ("daji2023.txt", f"曹县大集镇2023年法治政府建设报告\n2023年，大集镇坚持依法行政。\n{OPENING}{DAJI[2023]}"),
           # another county, one year only: never compared
           ("huangji2023.txt", "郓城县黄集镇2023年法治政府建设报告\n2023年，黄集镇坚持依法行政。\n"
                               + OPENING + DAJI[2023])]
    return out


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    from ingest.pipeline import run_text
    from kg.store import LocalStore

    path = tmp_path_factory.mktemp("years") / "store"
    store = LocalStore(path)
    for name, text in _reports():
        doc = run_text(text, name)
        store.replace(doc.path.stem, doc.graphs)
    store.close()
    return path


@pytest.fixture(scope="module")
def runner(store_dir):
    import pyoxigraph as ox

    return runner_on(ox.Store.read_only(str(store_dir)))


@pytest.fixture(scope="module")
def client(store_dir):
    import server

    app = server.create_app({"store": str(store_dir), "TESTING": True})
    yield app.test_client()
    server.close_app(app)


# ----------------------------------------------------------------- changes

def _changes(runner, **given) -> list[dict]:
    return run(bundled()["changes"], given, runner).records()


def test_changes_lists_added_and_dropped_systems_and_advisers_with_their_sentences(runner):
    rows = _changes(runner, township="大集镇", **{"from": "2022", "to": "2023"})
    got = {(r["change"].split()[0], r["kind"].split()[0], r["object"]) for r in rows}
    assert ("停止", "制度", "双随机、一公开监管制度") in got
    assert any(c == "新增" and k == "制度" and o.startswith("重大行政决策程序") for c, k, o in got)
    assert ("停止", "法律顾问", "青松律师事务所") in got
    assert ("新增", "法律顾问", "明德律师事务所") in got
    by_object = {r["object"]: r for r in rows}
    # what was dropped carries the earlier year's sentence, what was added the later one's
    assert by_object["青松律师事务所"]["evidence"] == FIRM_2022
    assert by_object["青松律师事务所"]["evidenceYear"] == "2022"
    assert by_object["明德律师事务所"]["evidence"] == FIRM_2023
    assert by_object["明德律师事务所"]["sentence"].startswith(by_object["明德律师事务所"]["report"] + "/sentence/")
    assert all(r["evidence"] for r in rows)
    # what both years say is no change
    assert not any(r["object"] == "普法宣传活动" for r in rows)


def test_changes_gives_both_values_of_a_figure(runner):
    rows = _changes(runner, township="大集镇", **{"from": "2022", "to": "2023"})
    figures = {r["object"]: (r["valueFrom"], r["valueTo"], r["change"]) for r in rows
               if r["kind"].startswith("指标")}
    assert figures["审查合同"] == ("12份", "20份", "变化 changed")
    assert figures["党委会专题研究法治建设"] == ("4次", "4次", "不变 same")


def test_changes_for_a_county_compares_only_townships_with_both_years(runner):
    rows = _changes(runner, county="曹县", **{"from": "2022", "to": "2023"})
    assert rows and {r["townshipName"] for r in rows} == {"大集镇"}
    assert not _changes(runner, county="郓城", **{"from": "2022", "to": "2023"})
    # the years the other way round: what was added is now dropped
    back = _changes(runner, township="大集镇", **{"from": "2023", "to": "2022"})
    assert any(r["object"] == "明德律师事务所" and r["change"].startswith("停止") for r in back)


def test_changes_needs_a_township_or_a_county_and_two_years(runner):
    q = bundled()["changes"]
    with pytest.raises(QueryError, match="one of the parameters township, county"):
        run(q, {"from": "2022", "to": "2023"}, runner)
    with pytest.raises(QueryError, match="'from'"):
        run(q, {"township": "大集镇", "to": "2023"}, runner)
    assert {p.name for p in q.missing({"from": "2022", "to": "2023"})} == {"township", "county"}
    assert not q.missing({"county": "曹县", "from": "2022", "to": "2023"})


def test_changes_page_asks_for_the_missing_parameters(client):
    html = client.get("/queries/changes?from=2022&to=2023").get_data(as_text=True)
    assert "至少填一项" in html and "<table" not in html


# ----------------------------------------------------------------- per year

@pytest.mark.parametrize("name", ["systems_matrix", "report_completeness"])
def test_a_townships_row_for_each_year(runner, name):
    rows = run(bundled()[name], {"township": "大集镇"}, runner).records()
    assert [(r["townshipName"], r["yearReported"]) for r in rows] == [("大集镇", "2022"), ("大集镇", "2023")]
    assert len({r["t"] for r in rows}) == 1          # one township node, two reports
    by_iri = run(bundled()[name], {"township": rows[0]["t"], "year": "2023"}, runner).records()
    assert [r["yearReported"] for r in by_iri] == ["2023"]


def test_systems_matrix_and_completeness_differ_by_year(runner):
    matrix = {r["yearReported"]: r for r in run(bundled()["systems_matrix"], {"township": "大集镇"}, runner).records()}
    assert matrix["2022"]["doubleRandom"] and not matrix["2023"]["doubleRandom"]
    assert matrix["2023"]["majorDecisions"] and not matrix["2022"]["majorDecisions"]
    parts = {r["yearReported"]: r for r in run(bundled()["report_completeness"], {"township": "大集镇"},
                                               runner).records()}
    assert "next_year" in parts["2022"]["missing"] and "next_year" not in parts["2023"]["missing"]


# ----------------------------------------------------------------- tables for people

def test_every_bundled_query_labels_every_column_it_shows():
    for q in bundled().values():
        named = {c.name for c in q.columns}
        table_vars = _selected(q)
        assert table_vars - q.param_names <= named, (q.name, table_vars - q.param_names - named)
        for c in q.columns:
            assert c.zh and c.en and c.zh != c.name, (q.name, c.name)


def _selected(q) -> set[str]:
    import pyoxigraph as ox

    from kg.namespace import PREFIXES

    return {v.value for v in ox.Store().query(q.text, prefixes=dict(PREFIXES)).variables}


def test_header_mistakes_fail_naming_the_file(tmp_path):
    body = "SELECT ?name ?x WHERE { BIND(\"a\" AS ?name) BIND(<urn:x> AS ?x) }\n"
    cases = {"link": "#+ columns:\n#+   name: {zh: 名称, en: Name, link: nowhere}\n",
             "label": "#+ columns:\n#+   name: {zh: 名称}\n",
             "filter": "#+ columns:\n#+   name: {zh: 名称, en: Name, filter: county}\n",
             "sort": "#+ sort: [missing]\n",
             "one_of": "#+ one_of: [county]\n"}
    for what, header in cases.items():
        folder = tmp_path / what
        folder.mkdir()
        (folder / "broken.rq").write_text("#+ title: {zh: 试, en: Try}\n" + header + body, encoding="utf-8")
        with pytest.raises(FazhiError, match="broken.rq"):
            load_all(folder)


def test_page_shows_labels_and_each_entity_once_as_a_link(client):
    html = client.get("/queries/law_firm_advisers").get_data(as_text=True)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert "乡镇" in head and "律师事务所" in head and "原文句子" in head
    assert "townshipName" not in re.sub(r'title="[^"]*"', "", head)        # no variable names shown
    assert "IRI" not in re.sub(r'title="[^"]*"', "", head)                  # the IRI columns are the links
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "明德" in r)
    assert row.count("明德律师事务所</a>") == 1
    firm_links = re.findall(r'<a href="(/entity/[^"]+)">明德律师事务所</a>', row)
    assert firm_links and unquote(firm_links[0]).endswith("org/明德律师事务所")
    # the evidence cell opens the report at the sentence itself
    sentence = re.search(r'<a href="(/report/[^"]+#s-\d+)">' + re.escape(FIRM_2023) + "</a>", row)
    assert sentence, row
    target = client.get(sentence.group(1).split("#")[0]).get_data(as_text=True)
    order = sentence.group(1).rsplit("#s-", 1)[1]
    at = target.split(f'id="s-{order}"', 1)[1].split('id="s-', 1)[0]
    assert FIRM_2023 in re.sub(r"<[^>]+>", "", at)


def test_json_and_csv_keep_the_raw_columns(client):
    doc = client.get("/queries/law_firm_advisers.json").get_json()
    assert {"townshipName", "township", "firmName", "firm", "evidence", "sentence"} <= set(doc["columns"])
    assert doc["rows"][0]["sentence"].startswith("https://")
    text = client.get("/queries/law_firm_advisers.csv").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text)))
    assert header == doc["columns"]


def test_page_says_how_many_rows_and_whether_cut(client, tmp_path):
    html = client.get("/queries/systems_matrix").get_data(as_text=True)
    assert re.search(r"共 <strong>3</strong> 行（完整）", html)
    # a query cut by its own LIMIT says so, on the page and in JSON
    q = bundled()["systems_matrix"]
    assert q.limit == 1000
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "two.rq").write_text("#+ title: {zh: 两行, en: Two rows}\n#+ columns:\n"
                                   "#+   l: {zh: 名称, en: Name}\n"
                                   "SELECT ?l WHERE { ?t a fz:Township ; rdfs:label ?l } LIMIT 2\n",
                                   encoding="utf-8")
    two = load_all(folder)["two"]
    assert two.limit == 2
    app = client.application
    app.extensions["fazhi_kg"].queries["two"] = two
    try:
        html = client.get("/queries/two").get_data(as_text=True)
        assert "显示前 <strong>2</strong> 行，结果已截断" in html
        resp = client.get("/queries/two.json")
        assert resp.get_json()["truncated"] is True and resp.headers["X-Fazhi-Truncated"] == "true"
    finally:
        del app.extensions["fazhi_kg"].queries["two"]


def test_county_and_year_cells_filter_without_retyping(client):
    html = client.get("/queries/systems_matrix?year=2023").get_data(as_text=True)
    # a click on a county keeps the year; a click on a year keeps nothing else
    links = {unquote(h).replace("&amp;", "&") for h in re.findall(r'<a class="filter" href="([^"]+)"', html)}
    assert "/queries/systems_matrix?year=2023&county=曹县" in links
    assert "/queries/systems_matrix?year=2023" in links
    filtered = client.get("/queries/systems_matrix?year=2023&county=" + quote("曹县")).get_data(as_text=True)
    assert "共 <strong>1</strong> 行" in filtered
    # the filters in force, each removable
    removals = {unquote(h).replace("&amp;", "&")
                for h in re.findall(r'<span class="chip">.*?<a href="([^"]+)"', filtered, re.S)}
    assert "/queries/systems_matrix?county=曹县" in removals and "/queries/systems_matrix?year=2023" in removals


def test_township_page_links_its_years(client, runner):
    iri = run(bundled()["systems_matrix"], {"township": "大集镇"}, runner).records()[0]["t"]
    eid = iri.split("/id/", 1)[1]
    html = client.get("/entity/" + quote(eid)).get_data(as_text=True)
    links = {unquote(h).replace("&amp;", "&") for h in re.findall(r'<a href="(/queries/[^"]+)"', html)}
    assert f"/queries/systems_matrix?township={iri}" in links
    assert f"/queries/report_completeness?township={iri}" in links
    change = next(h for h in links if h.startswith("/queries/changes?"))
    assert "from=2022" in change and "to=2023" in change and f"township={iri}" in change
    page = client.get(change.replace(iri, quote(iri, safe=""))).get_data(as_text=True)
    assert "明德律师事务所" in page and "青松律师事务所" in page


def test_cli_and_web_give_changes_in_the_same_order(client, store_dir):
    import json

    from click.testing import CliRunner

    from kg.cli_serve import query

    args = ["changes", "--store", str(store_dir), "--param", "township=大集镇", "--param", "from=2022",
            "--param", "to=2023", "--format", "json"]
    res = CliRunner().invoke(query, args)
    assert res.exit_code == 0, res.output
    cli_rows = [(r["change"], r["object"]) for r in json.loads(res.output)["rows"]]
    web = client.get("/queries/changes.json?township=" + quote("大集镇") + "&from=2022&to=2023").get_json()
    assert cli_rows == [(r["change"], r["object"]) for r in web["rows"]]
    assert [r[1] for r in cli_rows] == [r[2] for r in sorted(
        ((r["kind"], r["change"], r["object"]) for r in web["rows"]))]      # sorted by kind, change, name
    res = CliRunner().invoke(query, args[:3] + ["--param", "from=2022", "--param", "to=2023"])
    assert res.exit_code == 1 and "one of the parameters township, county" in res.output
    assert "Traceback" not in res.output
