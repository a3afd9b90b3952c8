"""``/queries``: the canned queries of ``queries/*.rq``.

* ``/queries`` — the list (HTML), ``/queries.json`` the same as JSON;
* ``/queries/<name>`` — a form for the parameters and the answer as a table;
* ``/queries/<name>.json`` and ``/queries/<name>.csv`` — the answer as data.

Parameters come from the URL (``?county=…``) and are bound as values
(:meth:`kg.queries.CannedQuery.bindings`), never pasted into the text.
The pages are deliberately plain; the web pages module may restyle them
by overriding the templates ``query.html`` and ``queries.html``.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.queries import CannedQuery, Table, run
from kg.web import service

bp = Blueprint("canned", __name__)


def _query(name: str) -> CannedQuery:
    q = service().queries.get(name)
    if q is None:
        abort(404)
    return q


def _given(q: CannedQuery) -> dict[str, str]:
    """The parameters in the URL that the query knows (format switches aside)."""
    names = q.param_names
    unknown = [k for k in request.args if k not in names]
    if unknown:
        raise QueryError(f"query '{q.name}' has no parameter {', '.join(sorted(unknown))} "
                         f"(parameters: {', '.join(sorted(names)) or 'none'})")
    return {k: v for k, v in request.args.items() if v.strip()}


def _run(q: CannedQuery, given: dict[str, str]) -> Table:
    engine = service().engine
    return run(q, given, engine.run, lateral=engine.lateral)


def describe(q: CannedQuery) -> dict[str, Any]:
    """A canned query's description (for /queries.json and the pages)."""
    return {"name": q.name, "title": {"zh": q.title_zh, "en": q.title_en},
            "description": q.description,
            "parameters": [{"name": p.name, "type": p.type, "default": p.default,
                            "help": p.help, "required": p.required,
                            "choices": list(p.choices) if p.choices else None,
                            "choices_from_query": bool(p.choices_query)} for p in q.params],
            "sparql": q.text}


@bp.route("/queries")
def index() -> str:
    qs = sorted(service().queries.values(), key=lambda q: q.name)
    return render_template("queries.html", queries=qs)


@bp.route("/queries.json")
def index_json() -> Response:
    return jsonify([describe(q) for q in sorted(service().queries.values(), key=lambda q: q.name)])


@bp.route("/queries/<name>.json")
def answer_json(name: str) -> Response:
    q = _query(name)
    given = _given(q)
    table = _run(q, given)
    resp = jsonify({"query": q.name, "title": {"zh": q.title_zh, "en": q.title_en},
                    "parameters": given, "columns": table.columns, "rows": table.records(),
                    "truncated": table.truncated, "elapsed_ms": round(table.elapsed_ms, 1)})
    if table.truncated:
        resp.headers["X-Fazhi-Truncated"] = "true"
    return resp


@bp.route("/queries/<name>.csv")
def answer_csv(name: str) -> Response:
    q = _query(name)
    table = _run(q, _given(q))
    resp = Response(table.to_csv(), content_type="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'inline; filename="{q.name}.csv"'
    if table.truncated:
        resp.headers["X-Fazhi-Truncated"] = "true"
    return resp


@bp.route("/queries/<name>.rq")
def source(name: str) -> Response:
    return Response(_query(name).path.read_text(encoding="utf-8"),
                    content_type="application/sparql-query; charset=utf-8")


def short(value: Any) -> str:
    """An IRI with a known prefix as prefix:rest; anything else as it is."""
    text = "" if value is None else str(value)
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri):
            return f"{prefix}:{text[len(iri):]}"
    return text


def _with(q: CannedQuery, given: dict[str, str], name: str, value: str | None) -> str:
    """This query's page with one parameter set (or, with None, cleared), the others kept."""
    args = {k: v for k, v in given.items() if k != name}
    if value:
        args[name] = value
    return url_for("canned.page", name=q.name) + ("?" + urlencode(args) if args else "")


@bp.route("/queries/<name>")
def page(name: str) -> tuple[str, int] | str:
    q = _query(name)
    svc = service()
    given, table, error, status = {}, None, None, 200
    try:
        given = _given(q)
        missing = q.missing(given)
        if not missing:
            table = _run(q, given)
    except QueryError as exc:
        error, status = str(exc), exc.status
    choices = {p.name: svc.choices(q, p.name) for p in q.params if p.choices or p.choices_query}
    args = urlencode(given)
    shown = [c for c in table.columns if c not in q.link_targets] if table is not None else []
    html = render_template("query.html", q=q, given=given, table=table, error=error,
                           choices=choices, short=short, args=args, shown=shown,
                           filter_url=lambda name, value: _with(q, given, name, value),
                           is_iri=lambda t: bool(t) and t.get("type") == "uri")
    return (html, status) if status != 200 else html
