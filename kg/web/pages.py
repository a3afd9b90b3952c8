"""The HTML pages: home, entity, report and the SPARQL editor.

Server-rendered Jinja templates (autoescaped: every label and sentence is
text, never markup) with a little of our own JavaScript from ``static/``
for the type-ahead, the neighbourhood graph and the editor.  Nothing is
loaded from another host.  The data comes from :mod:`kg.web.read`.

``init_app`` also lets a browser that opens ``/sparql`` without a query see
the editor (the protocol endpoint still answers machines there).
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, url_for

from kg.errors import QueryError
from kg.namespace import ID_IRI, PREFIXES, sparql_prefixes
from kg.style import OTHER_COLOR, RELATION_NAMES, TYPE_COLORS, TYPES
from kg.web import api, read, service

bp = Blueprint("pages", __name__)

#: The query the editor starts with (after the PREFIX lines).
EXAMPLE_QUERY = """
# 各乡镇及其报告年度 — townships and the years they report on
SELECT ?township ?label ?year WHERE {
  ?report fz:township ?township ; fz:year ?year .
  ?township rdfs:label ?label .
}
ORDER BY ?label ?year
LIMIT 100
"""


def entity_url(eid: str) -> str:
    """/entity/<id>, with the id's characters quoted for a URL path."""
    return "/entity/" + quote(eid, safe="/")


def report_url(rid: str, order: int | None = None) -> str:
    return "/report/" + quote(rid, safe="/") + (f"#s-{order}" if order is not None else "")


_SENTENCE = re.compile(r"^(report/.+)/sentence/(\d+)$")


def iri_link(iri: str) -> tuple[str, str] | None:
    """(href, text) for an IRI of ours in a results table: an entity, a
    report, or a sentence (its report at that sentence); None otherwise."""
    if not iri.startswith(ID_IRI):
        return None
    rest = iri[len(ID_IRI):]
    m = _SENTENCE.match(rest)
    if m:
        return report_url(m.group(1), int(m.group(2))), f"第 {m.group(2)} 句"
    if rest.startswith("report/") and rest.count("/") == 2:
        return report_url(rest), "报告 " + rest.split("/", 1)[1]
    if "/" in rest and not rest.startswith("report/"):
        return entity_url(rest), rest.rsplit("/", 1)[-1]
    return None


_HEX = re.compile(r"#([0-9a-fA-F]{6})")


def color_class(color: str | None) -> str:
    """The class that paints an element in a palette colour (/colors.css): the
    pages carry no style attributes, so the CSP can refuse inline styles."""
    m = _HEX.fullmatch(color or "")
    return f"c-{m.group(1).lower()}" if m else "c-other"


def init_app(app: Flask) -> None:
    """Template helpers, and the editor for browsers at GET /sparql."""
    app.jinja_env.filters["color_class"] = color_class
    app.jinja_env.globals.update(entity_url=entity_url, report_url=report_url,
                                 iri_link=iri_link, type_colors=TYPE_COLORS, types=TYPES)
    svc = app.extensions.get("fazhi_kg")
    if svc is not None:
        svc.sparql_html = sparql_editor


def _page_error(exc: QueryError):
    if exc.status == 404:
        return render_template("base.html", title="未找到", message=str(exc)), 404
    raise exc


@bp.route("/")
def home() -> str:
    data = read.overview(offset=api.int_arg("offset", 0, 0, 10**7))
    queries = sorted(service().queries.values(), key=lambda q: q.name)
    q = request.args.get("q", "").strip()
    results = read.search(q) if q else []     # the search without JavaScript
    return render_template("home.html", data=data, queries=queries, q=q, results=results)


def _group_facts(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Facts grouped by relation and direction, in the palette's relation order."""
    order = {name: i for i, name in enumerate(RELATION_NAMES.values())}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in facts:
        groups[(f["relation"], f["dir"])].append(f)
    out = []
    for (rel, direction), items in sorted(groups.items(),
                                          key=lambda kv: (order.get(kv[0][0], 99), kv[0][1] != "out")):
        items.sort(key=lambda f: f["other"]["label"])
        out.append({"relation": rel, "dir": direction, "facts": items})
    return out


@bp.route("/entity/<path:eid>")
def entity(eid: str):
    if not eid or any(c in eid for c in '<>"{}|^`\\ '):
        abort(404)
    try:
        data = read.entity(read.entity_iri(eid), max_neighbours=service().settings.get(
            "max_neighbours") or 25, **api.entity_offsets())
    except QueryError as exc:
        return _page_error(exc)
    adviser = str(read.FZ.legalAdvisor)
    groups = _group_facts([f for f in data["facts"]
                           if not (data.get("township") and f["predicate"] == adviser)])
    return render_template("entity.html", e=data, groups=groups,
                           max_neighbours=service().settings.get("max_neighbours") or 25)


@bp.route("/report/<path:rid>")
def report(rid: str):
    if not rid or any(c in rid for c in '<>"{}|^`\\ '):
        abort(404)
    try:
        data = read.report(read.entity_iri(rid))
    except QueryError as exc:
        return _page_error(exc)
    return render_template("report.html", r=data, blocks=_blocks(data))


def _segments(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A sentence cut into plain text and entity pieces (the template escapes both)."""
    out, pos = [], 0
    for sp in spans:
        if sp["start"] > pos:
            out.append({"text": text[pos:sp["start"]]})
        out.append({"text": text[sp["start"]:sp["end"]], "id": sp["id"], "type": sp["type"],
                    "label": sp["label"], "color": sp.get("color") or OTHER_COLOR})
        pos = sp["end"]
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


def _depth(sec: dict[str, Any], sections: dict[int, dict[str, Any]]) -> int:
    """1 for a top-level section, 2 under it, …: heading levels without gaps."""
    depth, seen = 1, {sec["order"]}
    while sec.get("parent") is not None and sec["parent"] in sections and sec["parent"] not in seen:
        sec = sections[sec["parent"]]
        seen.add(sec["order"])
        depth += 1
    return depth


def _blocks(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as headings and paragraphs, in sentence order.

    A sentence that starts where its section starts is that section's
    heading; the other sentences of a section form one paragraph.  A section
    whose heading is not a sentence gets its title as the heading.
    """
    sections = {s["order"]: s for s in r["sections"]}
    shown: set[int] = set()
    blocks: list[dict[str, Any]] = []
    para: dict[str, Any] | None = None
    prev_end: int | None = None
    for s in r["sentences"]:
        sent = {"order": s["order"], "segments": _segments(s["text"], s["spans"])}
        chain, sec = [], s["section"]
        while sec is not None and sec not in shown and sec in sections:
            chain.append(sections[sec])
            sec = sections[sec]["parent"]
        consumed = False
        for c in reversed(chain):        # outer sections first
            shown.add(c["order"])
            own = c["order"] == s["section"] and c.get("start") == s.get("start")
            blocks.append({"kind": "heading", "level": min(_depth(c, sections), 4),
                           "section": c, "sentence": sent if own else None})
            consumed = consumed or own
            para = None
        if consumed:
            prev_end = _end(s)
            continue
        # a gap in the original file between two sentences is a line break
        # (the title, the addressee, the signature and the date are lines)
        gap = (prev_end is not None and s.get("start") is not None and s["start"] > prev_end)
        prev_end = _end(s)
        if para is None or gap or para["section"] != s["section"]:
            para = {"kind": "para", "section": s["section"], "sentences": []}
            blocks.append(para)
        para["sentences"].append(sent)
    return blocks


def _end(s: dict[str, Any]) -> int | None:
    """Where a sentence ends in the original file.

    The store keeps only where a sentence starts; its text is as long as the
    original span unless normalising joined lines inside it, and then the
    extra break only starts a new paragraph a sentence early.
    """
    return None if s.get("start") is None else s["start"] + len(s["text"])


@bp.route("/sparql-editor")
def sparql_editor():
    svc = service()
    examples = [{"name": q.name, "title": q.title_zh, "text": q.text}
                for q in sorted(svc.queries.values(), key=lambda q: q.name)]
    initial = request.args.get("query") or (sparql_prefixes() + EXAMPLE_QUERY)
    return render_template("sparql.html", initial=initial, examples=examples, prefixes=PREFIXES,
                           endpoint=url_for("sparql.sparql"),
                           limits={"time": svc.settings.get("query_time_limit_ms"),
                                   "rows": svc.settings.get("max_rows")})


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The site icon where browsers look for it unasked (an SVG, as the pages link it)."""
    resp = current_app.send_static_file("favicon.svg")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


@bp.route("/colors.css")
def colors_css() -> Response:
    """One class per palette colour (kg.style), for :func:`color_class`."""
    colors = sorted({c for c in TYPE_COLORS.values()} | {OTHER_COLOR})
    rules = [f".{color_class(c)} {{ --c: {c}; }}" for c in colors]
    rules.append(f".c-other {{ --c: {OTHER_COLOR}; }}")
    resp = Response("\n".join(rules) + "\n", mimetype="text/css")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


__all__ = ["bp", "init_app", "entity_url", "report_url", "ID_IRI", "color_class"]
