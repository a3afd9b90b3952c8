"""The JSON API behind the pages (/api/*), on a store built from the seed
reports plus one small report of our own whose text holds markup.

No entity counts are assumed (the extraction improves in parallel); the
tests check shapes, links between answers and limits.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from tests.e2e.conftest import SCRIPT_STEM, build_store
from tests.webutil import get, web_app_on

REPO = Path(__file__).resolve().parent.parent
FIRM = "org/龙脊律师事务所"
MAX_NEIGHBOURS = 5


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator:
    folder = tmp_path_factory.mktemp("web")
    build_store(folder)
    yield from web_app_on(folder / "store", MAX_NEIGHBOURS)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def test_search_partial_chinese(client):
    hits = get(client, "/api/search?q=龙脊")["results"]
    assert hits and hits[0]["id"] == FIRM
    assert hits[0]["label"] == "龙脊律师事务所" and hits[0]["type"] == "机构"
    assert hits[0]["color"].startswith("#")


def test_search_prefers_prefix_and_is_bounded(client):
    hits = get(client, "/api/search?q=镇&limit=7")["results"]
    assert 0 < len(hits) <= 7
    assert all("镇" in (h.get("matched") or h["label"]) for h in hits)


def test_search_input_is_a_value_not_query_text(client):
    for q in ['"))} DROP ALL #', "<script>", "'", "\\"]:
        body = get(client, "/api/search?q=" + quote(q))
        assert body["q"] == q and isinstance(body["results"], list)
    assert get(client, "/api/search?q=")["results"] == []


def test_entity_facts_with_evidence(client):
    e = get(client, f"/api/entity/{FIRM}")
    assert e["label"] == "龙脊律师事务所"
    assert any(t["name"] == "律师事务所" for t in e["types"])
    adviser = [f for f in e["facts"] if f["relation"] == "法律顾问" and f["dir"] == "in"]
    assert adviser, e["facts"]
    f = adviser[0]
    assert f["other"]["type"] == "镇"
    ev = f["evidence"][0]
    assert "龙脊律师事务所" in ev["text"] and isinstance(ev["order"], int)
    assert ev["report"].startswith("report/")
    # the evidence sentence is in that report at that position
    rep = get(client, f"/api/report/{ev['report']}")
    assert rep["sentences"][ev["order"]]["text"] == ev["text"]
    assert e["neighbours"] and e["neighbour_total"] >= len(e["neighbours"])
    assert any(n["id"] == f["other"]["id"] for n in e["neighbours"])


def test_unknown_entity_is_404_json(client):
    body = get(client, "/api/entity/org/没有这个机构", status=404)
    assert body["status"] == 404 and "没有这个机构" in body["error"]


def test_graph_caps_neighbours_and_counts_the_rest(client):
    e = get(client, f"/api/entity/{FIRM}")
    town = next(f["other"]["id"] for f in e["facts"] if f["relation"] == "法律顾问")
    g = get(client, f"/api/graph/{town}")
    ids = {n["id"] for n in g["nodes"]}
    assert town in ids and g["centre"] == town
    assert all(ed["source"] in ids and ed["target"] in ids for ed in g["edges"])
    centre = next(n for n in g["nodes"] if n["centre"])
    shown = len(ids) - 1
    assert shown <= MAX_NEIGHBOURS
    assert g["more"].get(town, 0) == centre["degree"] - shown
    # the next page shows other neighbours
    if g["more"].get(town):
        g2 = get(client, f"/api/graph/{town}?offset={MAX_NEIGHBOURS}")
        assert ({n["id"] for n in g2["nodes"]} - {town}).isdisjoint(ids - {town})
    two = get(client, f"/api/graph/{FIRM}?hops=2")
    one = get(client, f"/api/graph/{FIRM}")
    assert {n["id"] for n in one["nodes"]} <= {n["id"] for n in two["nodes"]}
    assert any(ed["relation"] == "法律顾问" for ed in one["edges"])
    get(client, f"/api/graph/{FIRM}?hops=3", status=400)


def test_neighbourhood_downloads(client):
    r = client.get(f"/api/neighbourhood/{FIRM}?format=gexf")
    assert r.status_code == 200 and "gexf" in r.content_type
    root = ET.fromstring(r.data)
    assert root.tag.endswith("gexf")
    assert "attachment" in r.headers["Content-Disposition"]
    r = client.get(f"/api/neighbourhood/{FIRM}?format=turtle")
    triples = list(ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    assert any(t.object.value == "龙脊律师事务所" for t in triples)
    j = client.get(f"/api/neighbourhood/{FIRM}?format=json").get_json()
    assert j["centre"] == FIRM
    assert client.get(f"/api/neighbourhood/{FIRM}?format=pdf",
                      headers={"Accept": "application/json"}).status_code == 406


def test_report_sections_sentences_spans(client):
    rep = get(client, f"/api/report/report/{SCRIPT_STEM}/0")
    assert rep["unit"]["label"] == "白沙镇"
    assert [s["order"] for s in rep["sentences"]] == list(range(len(rep["sentences"])))
    assert [s["order"] for s in rep["sections"]] == sorted(s["order"] for s in rep["sections"])
    assert any(s["covers"] == "shortcomings" for s in rep["sections"])
    assert any("<script>" in s["text"] for s in rep["sentences"])   # data stays as written
    spans = [(s, sp) for s in rep["sentences"] for sp in s["spans"]]
    assert spans
    for s, sp in spans:
        assert 0 <= sp["start"] < sp["end"] <= len(s["text"])
        assert sp["id"] and sp["type"]
    for s in rep["sentences"]:
        ends = [(sp["start"], sp["end"]) for sp in s["spans"]]
        assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))      # no overlaps
    get(client, "/api/report/report/nothing/0", status=404)


def test_overview(client):
    o = get(client, "/api/overview")
    assert {c["type"] for c in o["counts"]} >= {"镇", "机构"}
    town = next(t for t in o["townships"] if t["label"] == "白沙镇")
    assert town["years"] == ["2023"] and town["county"]["label"] == "青石县"


def test_openapi_document(client):
    doc = get(client, "/api/openapi.json")
    assert doc["openapi"].startswith("3.")
    for path in ("/api/search", "/api/entity/{id}", "/api/graph/{id}", "/api/report/{id}",
                 "/api/neighbourhood/{id}"):
        assert path in doc["paths"]
        assert "200" in doc["paths"][path]["get"]["responses"]


def test_report_page_derives_what_the_graph_leaves_out(client):
    """A sentence's section (not stored: derived from offsets) and its entity
    spans (found by the entities' surface forms) agree with the pipeline."""
    from ingest import pipeline

    seed = sorted((REPO / "data" / "reports").glob("*.txt"))[0]
    doc = pipeline.run(seed)
    rep_model = doc.reports[0]
    rep = get(client, f"/api/report/report/{seed.stem}/0")
    assert len(rep["sentences"]) == len(rep_model.sentences)
    assert [s["section"] for s in rep["sentences"]] == [s.section for s in rep_model.sentences]
    surfaces: dict[int, dict[str, set[str]]] = {}
    for m in rep_model.mentions:
        if m.entity:
            ent_id = m.entity.split("/id/", 1)[1]
            surfaces.setdefault(m.sentence, {}).setdefault(ent_id, set()).add(m.text)
    checked = 0
    for s in rep["sentences"]:
        spans = s["spans"]
        for ent_id, texts in surfaces.get(s["order"], {}).items():
            if any(sp["id"] == ent_id for sp in spans):
                checked += 1
                continue
            # not highlighted: only because a longer name covers each place it is written
            for t in texts:
                i = s["text"].find(t)
                while i >= 0:
                    assert any(sp["start"] < i + len(t) and i < sp["end"]
                               and sp["end"] - sp["start"] > len(t) for sp in spans), (s["text"], t)
                    i = s["text"].find(t, i + 1)
    assert checked > 20


def test_spans_longest_wins_and_all_places():
    from kg.web.read import _section_of, _spans

    text = "江口镇司法所与司法所"
    got = _spans(text, [{"surface": "司法所", "entity": "a"},
                        {"surface": "江口镇司法所", "entity": "b"}])
    assert [(s["start"], s["end"], s["entity"]) for s in got] == [(0, 6, "b"), (7, 10, "a")]
    secs = [{"order": 0, "start": 10, "end": 100}, {"order": 1, "start": 20, "end": 50}]
    assert [_section_of(x, secs) for x in (5, 10, 20, 49, 50, None)] == [None, 0, 1, 1, 0, None]
