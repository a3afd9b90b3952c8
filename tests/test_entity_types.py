"""Adding an entity type is one row of the type table plus one recogniser.

The test adds a made-up type, 文件 (fz:Document: a memorandum a township
signs), with :func:`kg.types.register` and a recogniser appended to the
recogniser registry, and touches nothing else: a report of our own is then
ingested, and the new type is found by the search (the API's and the
canned search query's), shown on the entity page (JSON and HTML) and
written to the GEXF export with its colour and shape.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from ingest import pipeline
from ingest.registry import Component
from kg import types
from kg.cli import cli
from kg.model import Doc, Mention, Report
from tests.webutil import get, web_app_on

# ------------------------------------------------- the only two things a new type needs

DOCUMENT = types.EntityType(
    "文件", "document", (types.EntityClass("Document", "文件", "document", rank=10),),
    "#0072b2", shape="square", segment="doc", relation="relatedTo", gold=False)

_SIGNED = re.compile(r"签订([\u4e00-\u9fff]{2,12}?备忘录)")


def find_documents(doc: Doc, rep: Report) -> None:
    """签订…备忘录: the memorandum a township signs."""
    for s in rep.sentences:
        for m in _SIGNED.finditer(doc.text, s.start, s.end):
            rep.mentions.append(Mention("文件", m.group(1), m.group(1), m.start(1), m.end(1),
                                        s.index, source="documents"))

# ------------------------------------------------------------------------------------

REPORT = """云阳县青石镇2023年法治政府建设工作情况报告

2023年，青石镇坚持依法行政，现将有关情况报告如下。

一、主要举措和成效
（一）推进法治乡村建设。青石镇与县律师协会签订法治共建合作备忘录，约定每季度到村开展法律咨询。
（二）加强法治宣传。青石镇组织开展宪法宣传周活动4次。

二、存在的不足和原因
部分村干部运用法治思维的能力仍需提高。

三、下一年度工作安排
继续落实重大行政决策程序制度。

青石镇人民政府
2024年1月15日
"""
NAME = "法治共建合作备忘录"


@pytest.fixture(scope="module")
def document_type() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    types.register(DOCUMENT)
    mp.setattr(pipeline, "STAGES", list(pipeline.STAGES))    # undone below
    pipeline.add_part("recognise", Component("documents", f"{__name__}:find_documents",
                                             "documents (a test type)", assigns=("mentions.文件",)))
    yield
    mp.undo()
    types.unregister(DOCUMENT.key)


@pytest.fixture(scope="module")
def store(document_type, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("doctype")
    report = folder / "青石镇2023.txt"
    report.write_text(REPORT, encoding="utf-8")
    res = CliRunner().invoke(cli, ["ingest", "--store", str(folder / "store"), str(report)])
    assert res.exit_code == 0, res.output
    return folder / "store"


@pytest.fixture(scope="module")
def client(store) -> Iterator:
    for app in web_app_on(store, 12):
        yield app.test_client()


def test_the_api_search_finds_the_new_type(client) -> None:
    hits = get(client, "/api/search?q=" + quote("备忘录"))["results"]
    assert [(h["label"], h["type"], h["class"], h["color"]) for h in hits] == \
        [(NAME, "文件", "文件", "#0072b2")]
    assert hits[0]["id"].startswith("doc/")


def test_the_canned_search_lists_and_finds_the_new_type(client) -> None:
    answer = get(client, "/queries/search.json?name=" + quote("备忘录") + "&type=" + quote("文件"))
    assert [(r["entityName"], r["entityType"]) for r in answer["rows"]] == [(NAME, "文件")]
    params = {p["name"]: p for p in get(client, "/queries.json")[
        [q["name"] for q in get(client, "/queries.json")].index("search")]["parameters"]}
    assert "文件" in params["type"]["choices"]


def test_the_entity_page_shows_the_new_type(client) -> None:
    eid = get(client, "/api/search?q=" + quote("备忘录"))["results"][0]["id"]
    ent = get(client, "/api/entity/" + quote(eid))
    assert (ent["label"], ent["type"], ent["class"], ent["color"]) == (NAME, "文件", "文件", "#0072b2")
    assert [t["name"] for t in ent["types"]] == ["文件"]
    # the row's default relation links the reporting township to it, with its sentence
    facts = [f for f in ent["facts"] if f["relation"] == "相关"]
    assert facts and facts[0]["other"]["label"] == "青石镇"
    html = client.get("/entity/" + quote(eid)).get_data(as_text=True)
    assert NAME in html and "文件" in html and "c-0072b2" in html


def test_the_gexf_export_carries_the_new_type(store, tmp_path) -> None:
    out = tmp_path / "g.gexf"
    res = CliRunner().invoke(cli, ["export", "--store", str(store), "--format", "gexf",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    ns = {"g": "http://gexf.net/1.3", "viz": "http://gexf.net/1.3/viz"}
    root = ET.parse(out).getroot()
    titles = {a.get("id"): a.get("title") for a in root.iterfind(".//g:attributes/g:attribute", ns)}
    node = next(n for n in root.iterfind(".//g:node", ns) if n.get("label") == NAME)
    values = {titles[v.get("for")]: v.get("value") for v in node.iterfind(".//g:attvalue", ns)}
    assert values["type"] == "文件" and values["class"] == "文件"
    color = node.find("viz:color", ns)
    assert (color.get("r"), color.get("g"), color.get("b")) == ("0", "114", "178")
    assert node.find("viz:shape", ns).get("value") == "square"


def test_the_table_is_back_after_the_test(document_type) -> None:
    """Registering is undone by unregistering: nothing else held the row."""
    assert "文件" in types.TYPES
    types.unregister("文件")
    try:
        assert "文件" not in types.TYPES and DOCUMENT.classes[0].iri not in types.CLASS_TYPES
        assert all(name != "文件" for _, name in types.search_classes())
    finally:
        types.register(DOCUMENT)


def test_a_row_that_would_break_the_table_is_refused() -> None:
    """One class belongs to one type; scopes and shapes are the known ones."""
    with pytest.raises(ValueError, match="fz:Law is already 法律's"):
        types.register(types.EntityType("规章", "rule", (types.EntityClass("Law", "法律", "law"),),
                                        "#000000"))
    assert "规章" not in types.TYPES
    with pytest.raises(ValueError, match="shape 'star'"):
        types.EntityType("文件", "document", DOCUMENT.classes, "#0072b2", shape="star")
    with pytest.raises(ValueError, match="scope 'village'"):
        types.EntityType("文件", "document", DOCUMENT.classes, "#0072b2", scope="village")
