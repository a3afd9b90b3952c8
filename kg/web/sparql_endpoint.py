"""``/sparql``: the SPARQL 1.1 Protocol endpoint, guarded.

* queries by GET ``?query=``, POST form (``query=``) or POST
  ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri``
  choose the dataset, else the default graph is the union of all graphs;
* SELECT/ASK answers in JSON, XML, CSV or TSV, CONSTRUCT/DESCRIBE in
  Turtle, N-Triples, JSON-LD or RDF/XML, by ``Accept`` or ``?format=``
  (names like ``json``, ``turtle`` or a media type);
* updates (POST ``update=`` or ``application/sparql-update``) only with
  ``allow_update`` on and ``Authorization: Bearer <update_token>``;
* GET with no query: a service description (Turtle, ``sd:`` vocabulary).

Nothing of the query text is read here beyond its length: a query worker
parses it (:func:`kg.sparql_parse.decide`: what is refused and why) and runs
it, under the time limit and row cap of :class:`kg.workers.Engine`.  The
answer's format is chosen for both families of forms before the form is
known; the worker picks one.
"""
from __future__ import annotations

import hmac

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from kg.errors import QueryError
from kg.prepared import Prepared, state
from kg.sparql import GRAPH_TYPES, RESULT_TYPES, serialise_graph, user_query
from kg.web import error_response, require_write, service

bp = Blueprint("sparql", __name__)

# ?format= names → our format keys (SPARQLWrapper sends json/xml/turtle/n3/rdf/csv/tsv)
_RESULT_NAMES = {
    "json": "json", "srj": "json", "application/sparql-results+json": "json",
    "application/json": "json",
    "xml": "xml", "srx": "xml", "application/sparql-results+xml": "xml",
    "application/xml": "xml", "text/xml": "xml",
    "csv": "csv", "text/csv": "csv",
    "tsv": "tsv", "text/tab-separated-values": "tsv",
}
_GRAPH_NAMES = {
    "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "text/turtle": "turtle",
    "text/n3": "turtle", "application/x-turtle": "turtle",
    "nt": "ntriples", "ntriples": "ntriples", "n-triples": "ntriples",
    "application/n-triples": "ntriples", "text/plain": "ntriples",
    "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "xml": "rdfxml", "rdf": "rdfxml", "rdfxml": "rdfxml", "rdf+xml": "rdfxml",
    "rdf/xml": "rdfxml", "application/rdf+xml": "rdfxml", "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}
# Accept candidates in our order of preference (first wins on */*)
_RESULT_ACCEPT = ["application/sparql-results+json", "application/json",
                  "application/sparql-results+xml", "application/xml", "text/xml",
                  "text/csv", "text/tab-separated-values"]
_GRAPH_ACCEPT = ["text/turtle", "application/x-turtle", "text/n3", "application/n-triples",
                 "text/plain", "application/ld+json", "application/json",
                 "application/rdf+xml", "application/xml", "text/xml"]


def _format(form: str) -> str:
    """The answer's format key, from ?format= (or output=) else Accept."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    names = _GRAPH_NAMES if graph else _RESULT_NAMES
    given = (request.values.get("format") or request.values.get("output") or "").strip()
    if given:
        key = names.get(given.lower().split(";")[0].strip())
        if key is None:
            kinds = "turtle, ntriples, jsonld, rdfxml" if graph else "json, xml, csv, tsv"
            raise QueryError(f"unknown format '{given}' for a {form} query (use {kinds})",
                             status=406)
        return key
    candidates = _GRAPH_ACCEPT if graph else _RESULT_ACCEPT
    best = request.accept_mimetypes.best_match(candidates)
    return names[best] if best else ("turtle" if graph else "json")


def _formats() -> tuple[str, str]:
    """The format for a SELECT/ASK and for a CONSTRUCT/DESCRIBE ("!message" if refused)."""
    out = []
    for form in ("SELECT", "CONSTRUCT"):
        try:
            out.append(_format(form))
        except QueryError as exc:
            out.append("!" + str(exc))
    return out[0], out[1]


def _graphs(name: str) -> list[str] | None:
    """``default-graph-uri`` / ``named-graph-uri`` values: absolute IRIs, else 400."""
    values = [v for v in request.values.getlist(name) if v.strip()]
    for v in values:
        try:
            if ":" not in v:
                raise ValueError("not absolute")
            ox.NamedNode(v)
        except ValueError:
            shown = v if len(v) <= 80 else v[:77] + "…"
            raise QueryError(f"{name} must be an absolute IRI, not {shown!r}", status=400) \
                from None
    return values or None


def _read() -> tuple[str | None, str | None]:
    """(query text, update text) from any of the protocol's request shapes."""
    settings = service().settings
    if request.method == "GET":
        if "update" in request.args:
            raise QueryError("an update must be sent with POST (update=… form field or "
                             "Content-Type: application/sparql-update)", status=405)
        query = request.args.get("query")
        limit = settings["max_query_chars"]
        if query is not None and limit and len(query) > limit:
            raise QueryError(f"query too long for a GET URL ({len(query)} characters; "
                             f"max_query_chars={limit}): send it with POST", status=414,
                             setting="max_query_chars")
        return query, None
    ctype = (request.mimetype or "").lower()
    if ctype == "application/sparql-query":
        return request.get_data(as_text=True), None
    if ctype == "application/sparql-update":
        return None, request.get_data(as_text=True)
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get("query"), request.form.get("update")
    if not request.get_data():          # an empty POST: like a GET without query
        return request.args.get("query"), None
    raise QueryError(f"unsupported Content-Type '{ctype}': use application/sparql-query, "
                     "application/sparql-update or a form (query=…)", status=415)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, update = _read()
    if update is not None:
        return _update(update)
    if query is None or not query.strip():
        if request.method == "GET" and "query" not in request.args:
            return _description()
        raise QueryError("empty query: send a SPARQL query as query=…", status=400)
    svc = service()
    formats = _formats()
    if all(f.startswith("!") for f in formats):    # no form could use it: say so now
        raise QueryError(formats[0][1:], status=406)
    result = svc.engine.run(user_query(query), fmt=formats,
                            default_graphs=_graphs("default-graph-uri"),
                            named_graphs=_graphs("named-graph-uri"),
                            gone=request.environ.get("waitress.client_disconnected"),
                            client=request.remote_addr)
    resp = Response(result.body, content_type=_content_type(result.media_type))
    if result.truncated:
        resp.headers["X-Fazhi-Truncated"] = "true"
    if result.rows >= 0:
        resp.headers["X-Fazhi-Rows"] = str(result.rows)
    resp.headers["X-Fazhi-Elapsed-Ms"] = f"{result.elapsed_ms:.1f}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _content_type(media_type: str) -> str:
    # say UTF-8 where a client could otherwise guess another charset
    if media_type.startswith("text/") or media_type == "application/n-triples":
        return media_type + "; charset=utf-8"
    return media_type


def _update(text: str) -> Response:
    require_write("allow_update", "update_token", "updates", "a token")
    svc = service()
    s = svc.settings
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {s['update_token']}".encode()):
        return error_response("an update needs the header 'Authorization: Bearer TOKEN' "
                              "with the configured update_token", 401, "update_token",
                              {"WWW-Authenticate": 'Bearer realm="fazhi-kg"'})
    if current_app.extensions.get("fazhi_kg_upload") is not None:
        raise QueryError("updates cannot run while uploads are on: the server holds the store "
                         "as its one writer (allow_upload); turn allow_upload off to run "
                         "updates", status=409, setting="allow_upload")
    seconds = svc.engine.update(text)
    svc._choices.clear()
    _index_is_stale(svc.engine.path)
    return Response(f"update applied in {seconds * 1000:.0f} ms\n", mimetype="text/plain")


def _index_is_stale(path) -> None:
    """After an update: the prepared index no longer says what the store holds
    (an update may drop or change any report), so the pages answer from SPARQL
    until `fazhi-kg index` builds it again."""
    if path is None or state(path) != "ready":
        return
    index = Prepared.beside(path, create=False)
    if index is not None:
        try:
            index.mark_stale("a SPARQL update changed the store; run `fazhi-kg index`")
        finally:
            index.close()


_SD = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix fmt: <http://www.w3.org/ns/formats/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix fzs: <https://w3id.org/fazhi-kg/ontology/service#> .

<{url}> a sd:Service ;
    rdfs:label "fazhi-kg SPARQL endpoint"@en , "法治政府建设报告知识图谱 SPARQL 端点"@zh ;
    rdfs:comment "The default graph is the union of every report graph (and the ontology graph); each report is a named graph. SERVICE and LOAD are refused; queries stop after {limit} ms; answers hold at most {rows} rows."@en ;
    sd:endpoint <{url}> ;
    sd:supportedLanguage sd:SPARQL11Query{update_lang} ;
    sd:feature sd:UnionDefaultGraph ;
    sd:defaultEntailmentRegime <http://www.w3.org/ns/entailment/Simple> ;
    sd:resultFormat fmt:SPARQL_Results_JSON , fmt:SPARQL_Results_XML , fmt:SPARQL_Results_CSV ,
        fmt:SPARQL_Results_TSV , fmt:Turtle , fmt:N-Triples , fmt:JSON-LD , fmt:RDF_XML ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] ;
    fzs:queryTimeLimitMs "{limit}"^^xsd:integer ;
    fzs:maxRows "{rows}"^^xsd:integer .
"""


def _description() -> Response:
    """The service description, in Turtle unless another RDF format is asked for."""
    svc = service()
    if svc.sparql_html is not None:
        best = request.accept_mimetypes.best_match(["text/html"] + _GRAPH_ACCEPT)
        if best == "text/html":
            return svc.sparql_html()
    s = svc.settings
    ttl = _SD.format(url=request.base_url, limit=s["query_time_limit_ms"], rows=s["max_rows"],
                     update_lang=" , sd:SPARQL11Update" if s["allow_update"] else "")
    fmt = _format("DESCRIBE")
    if fmt == "turtle":
        return Response(ttl, content_type="text/turtle; charset=utf-8")
    triples = list(ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE))
    return Response(serialise_graph(triples, fmt), content_type=_content_type(GRAPH_TYPES[fmt]))


__all__ = ["bp", "RESULT_TYPES", "GRAPH_TYPES"]
