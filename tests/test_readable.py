"""Issue 18: a graph a person can read, and the smaller defects of item 6
(search suggestions, raw UTF-8 URLs, favicon, counts, …), on a store built
from the bundled reports plus one small report of our own.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import build_store
from tests.webutil import get, web_app_on

TOWNSHIP = "township/云阳县/江口镇"
FIRM = "org/龙脊律师事务所"
MAX_NEIGHBOURS = 5


#: a report of a 街道 (written for these tests) whose 司法所 shares its
#: name with the 司法所 of the bundled reports' townships
STREET_REPORT = """青石县东湖街道2023年法治政府建设情况报告

2023年，东湖街道坚持依法行政，扎实推进法治政府建设，现将有关情况报告如下。

一、主要举措和成效
（一）完善法律顾问制度。东湖街道聘请明远律师事务所担任街道法律顾问，审查合同8份。
（二）加强调解工作。东湖街道司法所组织开展矛盾纠纷排查4次。

青石县东湖街道办事处
2023年12月5日
"""


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator:
    folder = tmp_path_factory.mktemp("readable")
    store = build_store(folder)
    street = folder / "901_street.txt"
    street.write_text(STREET_REPORT, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store", str(store),
                           str(street)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    yield from web_app_on(folder / "store", MAX_NEIGHBOURS)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


# ------------------------------------------------------------ neighbours

def test_important_relations_are_drawn_first(client):
    """With room for only 5 of 江口镇's ~50 neighbours, its legal adviser and
    its county are among them, ahead of what it merely conducts."""
    g = get(client, f"/api/graph/{TOWNSHIP}")
    ids = {n["id"] for n in g["nodes"]}
    assert FIRM in ids and "county/云阳县" in ids
    adviser = [e for e in g["edges"] if e["target"] == FIRM]
    assert adviser and adviser[0]["relation"] == "法律顾问"
    assert g["more"][TOWNSHIP] > 0


def test_list_and_graph_show_the_same_neighbours(client):
    g = get(client, f"/api/graph/{TOWNSHIP}")
    e = get(client, f"/api/entity/{TOWNSHIP}")
    drawn = {n["id"] for n in g["nodes"]} - {TOWNSHIP}
    listed = [n["id"] for n in e["neighbours"]]
    assert set(listed) == drawn
    assert listed[0] == FIRM


def test_rank_neighbours_orders_by_relation_then_query_order():
    from kg.namespace import FZ
    from kg.web.read import rank_neighbours

    rows = [{"other": "a", "p": str(FZ.conducts)}, {"other": "b", "p": str(FZ.relatedTo)},
            {"other": "c", "p": str(FZ.legalAdvisor)}, {"other": "b", "p": str(FZ.partOf)},
            {"other": "d", "p": str(FZ.conducts)}]
    assert rank_neighbours(rows) == ["c", "b", "a", "d"]


# ------------------------------------------------------------ item 6: report page

def test_report_page_keeps_title_addressee_signature_date_apart(client):
    """Lines of their own in the file are paragraphs of their own on the page."""
    import re

    from tests.e2e.conftest import SCRIPT_STEM

    html = client.get(f"/report/report/{SCRIPT_STEM}/0").get_data(as_text=True)
    paras = [re.sub(r"<[^>]+>", "", p).strip() for p in re.findall(r"<p>(.*?)</p>", html, re.S)]
    title = "青石县白沙镇2023年法治政府建设情况报告"
    assert title in paras, paras[:3]
    assert "白沙镇人民政府" in paras and "2023年12月1日" in paras
    opening = [p for p in paras if p.startswith("2023年，白沙镇坚持依法行政")]
    assert opening and title not in opening[0]


def test_favicon(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert b"<svg" in r.data
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page


# ------------------------------------------------------------ item 6: search

def test_suggestions_of_one_name_say_where_they_are(client):
    """Several 司法所: each suggestion names its township, so they differ."""
    hits = [h for h in get(client, "/api/search?q=司法所")["results"] if h["type"] == "机构"]
    assert len(hits) >= 3
    shown = [(h["label"], h.get("context")) for h in hits]
    assert all(c for _, c in shown), shown
    assert len(set(shown)) == len(shown)
    assert ("东湖街道司法所", "东湖街道") in shown


def test_a_street_is_called_a_street(client):
    hit = get(client, "/api/search?q=东湖街道")["results"][0]
    assert hit["label"] == "东湖街道" and hit["class"] == "街道" and hit["context"] == "青石县"
    page = get(client, f"/api/entity/{hit['id']}")
    assert page["class"] == "街道"
    assert get(client, "/api/search?q=江口镇")["results"][0]["class"] == "镇"
    # the page without JavaScript says it as well
    html = client.get("/?q=司法所").get_data(as_text=True)
    assert "惠萍镇" in html and "东湖街道" in html
