"""The prepared index (kg.prepared): written at ingest, kept on re-ingest and
delete, rebuilt by `fazhi-kg index`, and the pages it answers — equal to
the pages answered from SPARQL, paged without overlap, and the home page of
a county's five years of reports."""
from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import prepared, prepared_entities, prepared_search
from kg.cli import cli
from kg.namespace import FZ, GRAPH_IRI, ID_IRI, RDF, RDFS
from kg.prepared import Prepared, state
from kg.prepared_rows import TABLES, rows_of_graph
from tests.webutil import get, web_app_on

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402  (benchmarks/ is not a package)

YEARS = [2019, 2020, 2021, 2022, 2023]


def run(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def tables(store: Path) -> dict[str, list[tuple]]:
    index = Prepared.beside(store, create=False)
    assert index is not None, state(store)
    try:
        return {t: index.table(t) for t in TABLES + prepared_entities.TABLES + prepared_search.TABLES}
    finally:
        index.close()


# ------------------------------------------------------------------ rows

def nt(s: str, p: str, o: str) -> tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]:
    return ox.NamedNode(s), p, o


def test_rows_of_one_report_graph() -> None:
    """A report's row: township, county, year, adviser kinds, systems, parts; a
    figure's row with its sentence; an entity's facts and mentions counted."""
    r, t, c = ID_IRI + "report/f/0", ID_IRI + "township/甲县/乙镇", ID_IRI + "county/甲县"
    sys_, adv, fig = ID_IRI + "system/值班制度", ID_IRI + "advisor/乙镇/1", r + "/indicator/0"
    s1, s2 = r + "/sentence/3", r + "/sentence/4"
    def zh(v: str) -> ox.Literal:
        return ox.Literal(v, language="zh")

    node = ox.NamedNode
    triples = [
        nt(r, str(RDF.type), node(str(FZ.Report))), nt(r, str(FZ.township), node(t)),
        nt(r, str(FZ.year), ox.Literal("2021", datatype=node("http://www.w3.org/2001/XMLSchema#gYear"))),
        nt(r, str(FZ.sourceFile), ox.Literal("f.txt")),
        nt(t, str(RDF.type), node(str(FZ.Township))), nt(t, str(RDFS.label), zh("乙镇")),
        nt(t, str(FZ.partOf), node(c)), nt(c, str(RDF.type), node(str(FZ.County))),
        nt(c, str(RDFS.label), zh("甲县")),
        nt(t, str(FZ.establishes), node(sys_)), nt(sys_, str(RDF.type), node(str(FZ.System))),
        nt(t, str(FZ.legalAdvisor), node(adv)), nt(adv, str(RDF.type), node(str(FZ.Advisor))),
        nt(adv, str(FZ.advisorKind), zh("律师事务所")),
        nt(r + "/section/0", str(FZ.covers), ox.Literal("measures")),
        nt(r + "/section/0", str(RDFS.label), zh("一、主要举措")),
        nt(fig, str(RDF.type), node(str(FZ.Indicator))), nt(fig, str(RDFS.label), zh("调解成功率")),
        nt(fig, str(RDF.value), ox.Literal("98", datatype=node("http://www.w3.org/2001/XMLSchema#integer"))),
        nt(fig, str(FZ.unit), zh("%")), nt(fig, "http://www.w3.org/ns/prov#wasDerivedFrom", node(s1)),
        nt(s1, str(FZ.text), zh("调解成功率达98%。")),
        nt(s1, str(FZ.names), node(sys_)), nt(s2, str(FZ.names), node(sys_)),
    ]
    rows = rows_of_graph(GRAPH_IRI + "report/f/0", triples)
    (rep,) = rows.reports
    assert rep[2:10] == ("f", "f.txt", None, t, "乙镇", c, "甲县", "2021")
    assert rep[10:14] == ("律师事务所", sys_, "measures", "first_responsibility,shortcomings,next_year")
    (f,) = rows.figures
    assert (f[9], f[10], f[12], f[13], f[17], f[18]) == ("调解成功率", "98", 98.0, "%", 3, "调解成功率达98%。")
    counts = {e: (facts, mentions, listed) for e, *_, facts, mentions, listed in rows.entity_counts}
    assert counts[sys_] == (1, 2, 0) and counts[t] == (2, 0, 1) and counts[adv] == (1, 0, 0)
    assert (str(FZ.Indicator), fig, r, "f") in rows.entity_types


# ------------------------------------------------------------------ consistency

@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """The bundled reports ingested into a store (with both indexes)."""
    folder = tmp_path_factory.mktemp("bundled")
    run("ingest", "--store", str(folder / "store"), str(REPO / "data" / "reports"))
    return folder / "store"


def test_reingest_delete_and_rebuild_agree(tmp_path: Path) -> None:
    """Ingest; read one file again, changed: its rows are replaced.  Drop
    another's report with a SPARQL update: the index is stale (the pages
    answer from the store, without it) until `fazhi-kg index` rebuilds it.
    Each time the tables are those a fresh ingest of the files as they now
    are gives."""
    import server

    reports = tmp_path / "reports"
    shutil.copytree(REPO / "data" / "reports", reports)
    store = tmp_path / "store"
    run("ingest", "--store", str(store), str(reports))
    first = tables(store)
    changed, dropped = sorted(reports.glob("*.txt"))[:2]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text[: len(text) // 2], encoding="utf-8")   # half the report: fewer figures
    run("ingest", "--store", str(store), str(changed))
    after = tables(store)
    assert after != first and len(after["figures"]) < len(first["figures"])
    run("ingest", "--store", str(tmp_path / "fresh"), str(reports))
    assert tables(tmp_path / "fresh") == after

    app = server.create_app({"store": str(store), "TESTING": True, "allow_update": True,
                             "update_token": "s3cret-token-for-tests"})
    try:
        client = app.test_client()
        gone = [r for r in after["reports"] if r[2] == dropped.stem]
        assert gone
        res = client.post("/sparql", data={"update": f"DROP GRAPH <{gone[0][1]}>"},
                          headers={"Authorization": "Bearer s3cret-token-for-tests"})
        assert res.status_code == 200, res.get_data(as_text=True)
        assert state(store).startswith("stale")
        home = get(client, "/api/overview")
        assert home["prepared"] is False
        assert gone[0][5] not in {ID_IRI + t["id"] for t in home["townships"]} or any(
            r[5] == gone[0][5] for r in after["reports"] if r[2] != dropped.stem)
    finally:
        server.close_app(app)
    run("index", "--store", str(store))
    dropped.unlink()
    run("ingest", "--store", str(tmp_path / "fresh2"), str(reports))
    assert tables(store) == tables(tmp_path / "fresh2")


def test_a_file_name_an_iri_must_escape_is_one_key(bundled: Path, tmp_path: Path) -> None:
    """Rows are keyed by the stem as the graph IRIs spell it: a file whose
    name holds a space, read twice, has its rows once."""
    from kg.prepared_rows import stem_key

    assert stem_key("a b") == "a%20b" and stem_key("乙镇") == "乙镇"
    src = min((REPO / "data" / "reports").glob("*.txt"))
    odd = tmp_path / "in" / "年度 报告.txt"
    odd.parent.mkdir()
    odd.write_bytes(src.read_bytes())
    store = tmp_path / "store"
    for _ in range(2):
        run("ingest", "--store", str(store), str(odd))
    got = tables(store)
    assert [r[2] for r in got["reports"]] == [stem_key(odd.stem)]
    run("index", "--store", str(store))
    assert tables(store) == got


def test_bulk_ingest_gives_the_same_tables(bundled: Path, tmp_path: Path) -> None:
    run("ingest", "--bulk", "--store", str(tmp_path / "bulk"), str(REPO / "data" / "reports"))
    assert tables(tmp_path / "bulk") == tables(bundled)


def test_an_update_makes_the_index_stale_until_rebuilt(bundled: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(bundled, store)
    index = Prepared.beside(store, create=False)
    assert index is not None
    index.mark_stale("a SPARQL update changed the store")
    index.close()
    assert state(store).startswith("stale")
    assert Prepared.beside(store, create=False) is None
    run("index", "--store", str(store))
    assert state(store) == "ready"
    assert tables(store) == tables(bundled)


def test_an_older_store_is_served_from_sparql_and_told_to_index(bundled: Path,
                                                                tmp_path: Path) -> None:
    from kg.cli_serve import unprepared_line

    store = tmp_path / "store"
    shutil.copytree(bundled, store)
    (store / prepared.FILE).unlink()
    assert "fazhi-kg index" in unprepared_line(str(store))
    assert unprepared_line(str(bundled)) == ""
    # ingest into it does not start a partial index
    out = run("ingest", "--store", str(store), str(min((REPO / "data" / "reports").glob("*"))))
    assert "fazhi-kg index" in out and not (store / prepared.FILE).exists()


# ------------------------------------------------------------------ pages with and without

def _pages(store: Path) -> dict[str, object]:
    """What the pages show that the index answers: overview, and per entity
    its facts, reports and (a township) reports by year."""
    app_iter = web_app_on(store, 25)
    app = next(app_iter)
    try:
        client = app.test_client()
        home = get(client, "/api/overview")
        out: dict[str, object] = {"counts": home["counts"], "townships": home["townships"]}
        assert client.get("/").status_code == 200
        ids = [t["id"] for t in home["townships"]]
        ids += ["law/中华人民共和国宪法", "law/中华人民共和国民法典"]
        ids += [t["county"]["id"] for t in home["townships"] if t["county"]]
        for eid in ids:
            e = get(client, "/api/entity/" + quote(eid))
            # facts in a canonical order: the query's ORDER BY leaves ties (the page sorts them)
            facts = sorted(e["facts"], key=lambda f: json.dumps(f, sort_keys=True, ensure_ascii=False))
            out[eid] = {"facts": facts, "reports": e["reports"],
                        "by_year": (e.get("township") or {}).get("reports_by_year")}
        return out
    finally:
        next(app_iter, None)


def test_pages_are_the_same_with_and_without_the_index(bundled: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(bundled, plain)
    (plain / prepared.FILE).unlink()
    with_index, without = _pages(bundled), _pages(plain)
    assert with_index.keys() == without.keys()
    for key in with_index:
        assert with_index[key] == without[key], key


# ------------------------------------------------------------------ a county's five years

@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """20 townships of one county, a report a year for five years (synth)."""
    folder = tmp_path_factory.mktemp("county") / "store"
    world = synth.World(20, seed=7, counties=1)
    store = ox.Store(str(folder))
    synth.load_store(store, world, YEARS)
    synth.index_store(store, folder)
    del store
    return folder


def test_county_five_years_home_lists_every_township_once(county) -> None:
    folder = county
    app_iter = web_app_on(folder, 25)
    app = next(app_iter)
    try:
        client = app.test_client()
        home = client.get("/", headers={"Accept": "text/html"})
        assert home.status_code == 200
        data = get(client, "/api/overview")
        towns = data["townships"]
        assert len(towns) == 20 == len({t["id"] for t in towns}) and data["next"] is None
        assert all(t["years"] == [str(y) for y in YEARS] and t["reports"] == 5 for t in towns)
        assert len({t["county"]["id"] for t in towns}) == 1
        html = home.get_data(as_text=True)
        assert all(html.count(f'>{t["label"]}</a>') >= 1 for t in towns)
        # pages of 7: each continues the last, none overlaps, together all 20
        seen, url = [], "/api/overview?limit=7"
        while url:
            page = get(client, url)
            seen += [t["id"] for t in page["townships"]]
            url = page["next"]
        assert seen == [t["id"] for t in towns]
        # a township's page: its five reports by year, counts by year
        t = towns[0]
        e = get(client, "/api/entity/" + quote(t["id"]))
        assert list(e["township"]["reports_by_year"]) == [str(y) for y in YEARS]
        assert [r["year"] for r in e["counts"]["by_year"]["rows"]] == [str(y) for y in YEARS]
    finally:
        next(app_iter, None)


def test_entity_facts_page_on_by_report(county) -> None:
    """An entity in every report (宪法): a first page of facts, and "more"
    pages on through its reports without repeating one."""
    folder = county
    index = Prepared.beside(folder, create=False)
    assert index is not None
    try:
        laws = Counter(r[0] for r in index.table("entity_counts") if str(FZ.Law) in r[5].split())
        law = laws.most_common(1)[0][0]
        pages, offset = [], 0
        while offset is not None:
            page = index.entity_reports(law, limit=10, offset=offset)
            pages.append([r["report"] for r in page.rows])
            offset = page.next_offset
        flat = [r for p in pages for r in p]
        assert len(pages) > 1 and len(flat) == len(set(flat)) == index.entity_total(law)["reports"]
    finally:
        index.close()
    app_iter = web_app_on(folder, 25)
    app = next(app_iter)
    try:
        client = app.test_client()
        eid = law[len(ID_IRI):]
        first = get(client, "/api/entity/" + quote(eid))
        assert first["counts"]["reports"] == len(flat)
        assert sum(c["reports"] for c in first["counts"]["by_year"]["rows"]) == len(flat)
        assert len(first["reports"]) == min(len(flat), 100)
    finally:
        next(app_iter, None)
