"""Hardening headers, CORS without credentials, error bodies without markup (issue 15, item 8)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from server import close_app, create_app
from test_queries import build_store

PAGES = ["/", "/queries", "/queries/legal_advisers", "/sparql-editor", "/queries.json",
         "/api/search?q=%E9%9D%92", "/sparql?query=ASK%7B%7D"]


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator:
    store = build_store(tmp_path_factory.mktemp("headers") / "store")
    app = create_app({"store": str(store), "cors_origins": "*", "query_workers": 1,
                      "page_workers": 1, "TESTING": True})
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.parametrize("path", PAGES + ["/entity/org/nothing-here"])
def test_every_answer_has_the_hardening_headers(client, path):
    resp = client.get(path)
    csp = resp.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"]


def test_pages_hold_no_inline_script_style_or_handler(client):
    html_pages = ["/", "/queries", "/queries/legal_advisers", "/sparql-editor"]
    search = client.get("/api/search?q=%E9%9D%92", headers={"Accept": "application/json"})
    hits = search.get_json()["results"]
    assert hits
    html_pages += ["/entity/" + quote(hit["id"]) for hit in hits[:3]]
    html_pages.append("/report/" + quote(_a_report(client)))
    for path in html_pages:
        resp = client.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        assert " style=" not in html, path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "<style" not in html, path


def _a_report(client) -> str:
    body = client.get("/sparql?query=" + quote("SELECT ?r WHERE { ?r a fz:Report } LIMIT 1"),
                      headers={"Accept": "application/json"}).get_json()
    iri = body["results"]["bindings"][0]["r"]["value"]
    return iri.split("/id/", 1)[1]


def test_colour_classes_are_served(client):
    css = client.get("/colors.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert re.search(r"\.c-[0-9a-f]{6} \{ --c: #[0-9a-fA-F]{6}; \}", css.get_data(as_text=True))
    assert 'href="/colors.css"' in client.get("/").get_data(as_text=True)


def test_cors_answers_any_origin_without_credentials_or_authorization(client):
    resp = client.options("/sparql", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    allowed = resp.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "authorization" not in allowed
    assert "Access-Control-Allow-Credentials" not in resp.headers
    resp = client.get("/queries.json", headers={"Origin": "https://elsewhere.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in resp.headers


@pytest.mark.parametrize("accept", ["text/plain", "application/json"])
def test_error_bodies_never_carry_the_requests_markup(client, accept):
    evil = "<script>alert(1)</script>"
    for path in ("/entity/org/" + quote(evil), "/api/nothing/" + quote(evil),
                 "/sparql?query=ASK%7B%7D&format=" + quote(evil),
                 "/sparql?query=ASK%7B%7D&default-graph-uri=" + quote(evil),
                 "/queries/legal_advisers.json?year=" + quote(evil)):
        resp = client.get(path, headers={"Accept": accept})
        assert resp.status_code >= 400, path
        body = resp.get_data(as_text=True)
        assert "<script" not in body and "<" not in body, (path, body)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_style_attributes():
    folder = Path(__file__).resolve().parent.parent / "kg" / "web" / "templates"
    for path in folder.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert " style=" not in text, path
        assert not re.search(r"\son(click|load|change|submit|input)\s*=", text), path
