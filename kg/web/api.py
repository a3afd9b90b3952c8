"""``/api``: the JSON the web pages are built from (and anyone may call).

* ``/api/search?q=`` — type-ahead over entity labels and aliases
  (substring match, so 龙脊 finds 龙脊律师事务所);
* ``/api/entity/<id>`` — labels, types, facts with their evidence
  sentences, neighbours with counts (and, for a township, its reports,
  county, legal advisers and figures);
* ``/api/graph/<id>?hops=1|2&offset=`` — the neighbourhood for the graph
  on the entity page: at most ``max_neighbours`` neighbours per node, the
  rest counted in ``more``;
* ``/api/neighbourhood/<id>?format=gexf|turtle|json`` — that graph as a file;
* ``/api/report/<id>`` — a report's sections, sentences and entity spans;
* ``/api/openapi.json`` — an OpenAPI 3 description of the above.

An ``<id>`` is an entity or report IRI minus ``https://w3id.org/fazhi-kg/id/``
(``org/龙脊律师事务所``).  Every value a user gives reaches SPARQL as a
bound term (substitutions); the only IRIs written into query text are ones
read from the store, serialised by pyoxigraph (which refuses a malformed
IRI).  Every query has a LIMIT.

The data functions (``entity``, ``graph``, ``report``, …) are in
:mod:`kg.web.read` (also what :mod:`kg.web.pages` renders; re-exported
here), the OpenAPI document in :mod:`kg.web.openapi`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request, url_for

from kg.errors import QueryError
from kg.namespace import PREFIXES, RDF, RDFS
from kg.style import CLASS_NAMES
from kg.web import service
from kg.web.openapi import openapi_document
from kg.web.read import MAX_SEARCH, TOWNSHIP_PAGE, entity, entity_iri, graph, node_or_404, overview, report, search

bp = Blueprint("api", __name__)


# ----------------------------------------------------------------- routes

def _max_neighbours() -> int:
    return service().settings.get("max_neighbours") or 25


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name, "")
    if not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"parameter '{name}' must be a whole number, not {raw!r}") from None
    if not lo <= value <= hi:
        raise QueryError(f"parameter '{name}' must be between {lo} and {hi}")
    return value


def _json(data: Any, status: int = 200) -> Response:
    resp = jsonify(data)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/api/search")
def api_search() -> Response:
    q = request.args.get("q", "")
    return _json({"q": q, "results": search(q, limit=int_arg("limit", MAX_SEARCH, 1, 50))})


@bp.route("/api/entity/<path:eid>")
def api_entity(eid: str) -> Response:
    data = entity(node_or_404(entity_iri(eid)).value, max_neighbours=_max_neighbours(),
                  **entity_offsets())
    for key, arg in (("facts_next_offset", "offset"), ("reports_next_offset", "reports_offset")):
        if data.get(key) is not None:
            data[key.replace("_offset", "")] = url_for("api.api_entity", eid=eid,
                                                       **{arg: data[key]})
    return _json(data)


def entity_offsets() -> dict[str, int]:
    """The entity page's paging parameters: ``offset`` (facts, by report) and
    ``reports_offset``."""
    return {"offset": int_arg("offset", 0, 0, 10**7),
            "reports_offset": int_arg("reports_offset", 0, 0, 10**7)}


@bp.route("/api/graph/<path:eid>")
def api_graph(eid: str) -> Response:
    return _json(graph(node_or_404(entity_iri(eid)).value, hops=int_arg("hops", 1, 1, 2),
                       limit=_max_neighbours(), offset=int_arg("offset", 0, 0, 10**7)))


@bp.route("/api/neighbourhood/<path:eid>")
def api_neighbourhood(eid: str) -> Response:
    """The neighbourhood as a file: gexf (via kg.export), turtle or json."""
    iri = node_or_404(entity_iri(eid)).value
    hops = int_arg("hops", 1, 1, 2)
    fmt = request.args.get("format", "json").lower()
    name = (eid.rsplit("/", 1)[-1] or "entity")
    disposition = f"attachment; filename=\"neighbourhood.{{}}\"; filename*=UTF-8''{quote(name)}.{{}}"
    if fmt == "gexf":
        body = _gexf(iri, hops)
        resp = Response(body, content_type="application/gexf+xml")
        resp.headers["Content-Disposition"] = disposition.format("gexf", "gexf")
        return resp
    g = graph(iri, hops=hops, limit=_max_neighbours())
    if fmt in ("turtle", "ttl"):
        resp = Response(_turtle(g), content_type="text/turtle; charset=utf-8")
        resp.headers["Content-Disposition"] = disposition.format("ttl", "ttl")
        return resp
    if fmt == "json":
        resp = _json(g)
        resp.headers["Content-Disposition"] = disposition.format("json", "json")
        return resp
    raise QueryError(f"unknown format '{fmt}' (use gexf, turtle or json)", status=406)


def _gexf(iri: str, hops: int) -> bytes:
    """GEXF of the neighbourhood from the export module (same colours as the CLI)."""
    # kg.export loads networkx (about 0.3 s): for a GEXF download only, not at server start
    from kg.export import export_graph, readable

    remote = getattr(service().engine, "store", None)     # kg.remote_engine.RemoteEngine
    store = remote if remote is not None else ox.Store.read_only(str(service().settings["store"]))
    try:
        with readable(store) as st:
            return export_graph(st, "gexf", view="neighbourhood", entity=iri, hops=hops)
    finally:
        del store


def _turtle(g: dict[str, Any]) -> bytes:
    """The drawn graph as Turtle: edges, labels and types of its nodes."""
    triples = []
    for n in g["nodes"]:
        s = ox.NamedNode(n["iri"])
        triples.append(ox.Triple(s, ox.NamedNode(str(RDFS.label)), ox.Literal(n["label"], language="zh")))
        cls = next((c for c, name in CLASS_NAMES.items() if name == n.get("class")), None)
        if cls:
            triples.append(ox.Triple(s, ox.NamedNode(str(RDF.type)), ox.NamedNode(cls)))
    for e in g["edges"]:
        triples.append(ox.Triple(ox.NamedNode(entity_iri(e["source"])), ox.NamedNode(e["predicate"]),
                                 ox.NamedNode(entity_iri(e["target"]))))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))


@bp.route("/api/report/<path:rid>")
def api_report(rid: str) -> Response:
    return _json(report(node_or_404(entity_iri(rid)).value))


@bp.route("/api/overview")
def api_overview() -> Response:
    limit = int_arg("limit", TOWNSHIP_PAGE, 1, 1000)
    data = overview(limit=limit, offset=int_arg("offset", 0, 0, 10**7))
    data["next"] = (url_for("api.api_overview", offset=data["next_offset"], limit=limit)
                    if data["next_offset"] is not None else None)
    return _json(data)


@bp.route("/api/openapi.json")
def openapi() -> Response:
    return _json(openapi_document(request.url_root.rstrip("/")))


__all__ = ["bp", "entity_offsets", "int_arg"]
