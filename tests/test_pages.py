"""The HTML pages, rendered by the Flask test client (the browser tests in
tests/e2e cover the JavaScript)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from tests.e2e.conftest import SCRIPT_STEM
from tests.test_api import FIRM, client, web_app  # noqa: F401  (fixtures)

STATIC = Path(__file__).resolve().parent.parent / "kg" / "web" / "static"
TEMPLATES = STATIC.parent / "templates"


def page(client, url: str, status: int = 200) -> str:
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    return r.get_data(as_text=True)


def test_home(client):
    html = page(client, "/")
    assert 'role="combobox"' in html and 'aria-controls="q-home-list"' in html
    assert "实体数量" in html and "白沙镇" in html and "青石县" in html
    assert re.search(r'href="/queries/\w+"', html)


def test_home_search_without_javascript(client):
    html = page(client, "/?q=" + quote("龙脊"))
    assert f'href="/entity/{quote(FIRM)}"' in html


def test_entity_page_links_evidence_to_report_sentence(client):
    html = page(client, "/entity/" + quote(FIRM))
    assert "<h1>龙脊律师事务所</h1>" in html
    assert re.search(r'href="/report/report/[^"#]+#s-\d+"', html)
    assert 'id="graph"' in html and "format=gexf" in html and "format=turtle" in html


def test_township_page(client):
    html = page(client, "/entity/" + quote("township/青石县/白沙镇"))
    assert "乡镇概况" in html and "法律顾问" in html and "青石县" in html
    assert f'href="/report/report/{SCRIPT_STEM}/0"' in html


def test_report_escapes_markup(client):
    html = page(client, f"/report/report/{SCRIPT_STEM}/0")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<script>window" not in html
    assert 'id="s-0"' in html and 'class="m c-' in html


def test_entity_labels_are_escaped(client):
    # the township page lists facts whose evidence is the <script> sentence
    html = page(client, "/entity/" + quote("township/青石县/白沙镇"))
    assert "<script>window" not in html


def test_not_found_pages(client):
    assert "未找到" in page(client, "/entity/org/没有这个", status=404)
    page(client, "/report/report/nothing/0", status=404)


def test_sparql_editor(client):
    html = page(client, "/sparql-editor")
    assert "PREFIX fz: &lt;https://w3id.org/fazhi-kg/ontology#&gt;" in html
    assert 'id="examples-data"' in html
    # a browser opening the endpoint itself gets the editor too
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and 'id="sparql-form"' in r.get_data(as_text=True)


def test_no_third_party_assets():
    """Everything the pages load is ours: no CDN, no remote fonts, no libraries."""
    for path in [*STATIC.rglob("*"), *TEMPLATES.glob("*.html")]:
        if path.is_dir():
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text), path
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), path
        assert "fetch(\"http" not in text and "fetch('http" not in text, path


def test_canned_query_page(client):
    html = page(client, "/queries/legal_advisers")
    assert '<select id="p-kind" name="kind">' in html          # choices → a dropdown
    assert re.search(r'<a href="/report/report/[^"]+">', html)  # evidence → its report
    assert "<details" in html and "SELECT" in html              # the query text on request
    assert 'href="/static/style.css"' in html
    listing = page(client, "/queries")
    assert 'href="/queries/legal_advisers"' in listing
