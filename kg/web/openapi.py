"""The OpenAPI 3 description of ``/api`` (served at ``/api/openapi.json``)."""
from __future__ import annotations

from typing import Any

from kg.web.read import MAX_SEARCH


def _op(summary: str, params: list[dict[str, Any]], schema: dict[str, Any],
        media: str = "application/json", errors: tuple[int, ...] = (400, 404)) -> dict[str, Any]:
    resp = {"200": {"description": "OK", "content": {media: {"schema": schema}}}}
    for code in errors:
        resp[str(code)] = {"description": "error", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
    return {"get": {"summary": summary, "parameters": params, "responses": resp}}


def _p(name: str, where: str, desc: str, schema: dict[str, Any], required: bool = False
       ) -> dict[str, Any]:
    return {"name": name, "in": where, "description": desc, "schema": schema,
            "required": required or where == "path"}


def openapi_document(server: str) -> dict[str, Any]:
    """The OpenAPI 3.0 description of /api."""
    obj = {"type": "object"}
    eid = _p("id", "path", "entity IRI minus https://w3id.org/fazhi-kg/id/ "
             "(e.g. org/龙脊律师事务所; slashes allowed)", {"type": "string"})
    hops = _p("hops", "query", "1 or 2", {"type": "integer", "enum": [1, 2], "default": 1})
    node = {"type": "object", "properties": {
        "id": {"type": "string"}, "iri": {"type": "string"}, "label": {"type": "string"},
        "type": {"type": "string", "description": "镇/行政区/机构/制度/法律/活动/人员/法律顾问"},
        "class": {"type": "string", "description": "the class's name; a township's kind (镇/乡/街道)"},
        "context": {"type": "string", "description": "where it is: its township or county"},
        "color": {"type": "string"}, "degree": {"type": "integer"}}}
    graph_schema = {"type": "object", "properties": {
        "centre": {"type": "string"}, "nodes": {"type": "array", "items": node},
        "edges": {"type": "array", "items": {"type": "object", "properties": {
            "source": {"type": "string"}, "target": {"type": "string"},
            "predicate": {"type": "string"}, "relation": {"type": "string"},
            "reports": {"type": "integer"}}}},
        "more": {"type": "object", "additionalProperties": {"type": "integer"},
                 "description": "node id → neighbours not shown"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "fazhi-kg API", "version": "0.1.0",
                 "description": "法治政府建设年度报告知识图谱的 JSON 接口 — the JSON behind the web pages. "
                                "SPARQL itself is at /sparql (SPARQL 1.1 Protocol)."},
        "servers": [{"url": server}],
        "paths": {
            "/api/search": _op("Type-ahead over entity labels and aliases (substring match)",
                               [_p("q", "query", "text to find", {"type": "string"}, True),
                                _p("limit", "query", "most results (1–50)",
                                   {"type": "integer", "default": MAX_SEARCH})],
                               {"type": "object", "properties": {
                                   "q": {"type": "string"},
                                   "results": {"type": "array", "items": node}}}, errors=(400,)),
            "/api/entity/{id}": _op(
                "An entity: labels, types, facts with evidence, neighbours; with the store's "
                "prepared index also its counts by township and year, its facts a page of "
                "reports at a time (facts_next) and its reports paged (reports_next)",
                [eid, _p("offset", "query", "facts: skip this many of its reports",
                         {"type": "integer", "default": 0}),
                 _p("reports_offset", "query", "reports: skip this many",
                    {"type": "integer", "default": 0})], obj),
            "/api/graph/{id}": _op("The neighbourhood to draw (max_neighbours per node)",
                                   [eid, hops, _p("offset", "query", "skip this many of the "
                                                  "centre's neighbours", {"type": "integer"})],
                                   graph_schema),
            "/api/neighbourhood/{id}": _op(
                "The neighbourhood as a file", [eid, hops, _p(
                    "format", "query", "gexf, turtle or json",
                    {"type": "string", "enum": ["gexf", "turtle", "json"], "default": "json"})],
                {"type": "string"}, media="application/gexf+xml", errors=(400, 404, 406)),
            "/api/report/{id}": _op("A report: metadata, sections, sentences, entity spans",
                                    [_p("id", "path", "report IRI minus the id prefix "
                                        "(report/<file>/<n>)", {"type": "string"})], obj),
            "/api/overview": _op(
                "Counts by entity type and a page of townships (county, years, reports); "
                "next: the next page's URL, null on the last",
                [_p("limit", "query", "townships on the page (1–1000)",
                    {"type": "integer", "default": 100}),
                 _p("offset", "query", "skip this many townships",
                    {"type": "integer", "default": 0})], obj, errors=(400,)),
        },
        "components": {"schemas": {"Error": {"type": "object", "properties": {
            "error": {"type": "string"}, "status": {"type": "integer"},
            "setting": {"type": "string"}}}}},
    }
