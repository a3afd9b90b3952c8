"""``/queries``: the canned queries of ``queries/*.rq``.

* ``/queries`` — the list (HTML), ``/queries.json`` the same as JSON;
* ``/queries/<name>`` — a form for the parameters and the answer as a table;
* ``/queries/<name>.json`` and ``/queries/<name>.csv`` — the answer as data.

Parameters come from the URL (``?county=…``) and are bound as values
(:meth:`kg.queries.CannedQuery.bindings`), never pasted into the text.

The page and the JSON give a page of rows (setting ``page_size``, 100;
``?page_size=`` up to 1000, ``?offset=`` or ``?page=``), with the URL of
the next page (``next``, absent on the last).  The CSV, and the JSON with
``?_stream=on`` (as Datasette), stream every row, a line at a time.
The pages are deliberately plain; the web pages module may restyle them
by overriding the templates ``query.html`` and ``queries.html``.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from kg.canned import CannedQuery, Table, plain
from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.queries import MAX_PAGE_SIZE, PAGING, Page, page_of, paged, run
from kg.store import read_generation
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
    unknown = [k for k in request.args if k not in names and k not in PAGING]
    if unknown:
        raise QueryError(f"query '{q.name}' has no parameter {', '.join(sorted(unknown))} "
                         f"(parameters: {', '.join(sorted(names)) or 'none'}; paging: "
                         f"page_size, offset or page)")
    return {k: v for k, v in request.args.items() if v.strip() and k not in PAGING}


def _page() -> Page:
    """The page the URL asks for (setting page_size when it names none)."""
    default = min(max(service().settings["page_size"], 1), MAX_PAGE_SIZE)
    return page_of(request.args, default)


def _streamed() -> bool:
    """``?_stream=on`` (or all, 1, true): every row, streamed."""
    value = request.args.get("_stream", "").strip().lower()
    if value in ("", "0", "off", "false", "no"):
        return False
    if value in ("on", "all", "1", "true", "yes"):
        return True
    raise QueryError(f"parameter '_stream' must be on or off, not {value!r}")


class Answers:
    """Whole answers of canned queries, by query and parameters, while the
    store's generation marker (kg.store.read_generation) is unchanged: the
    pages of one answer come from one run, and an aggregate over the whole
    graph asked again costs nothing.  At most ``entries``, least recently
    used first out."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._held: OrderedDict[tuple, tuple[str, Table]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, generation: str) -> Table | None:
        with self._lock:
            hit = self._held.get(key)
            if hit is None or hit[0] != generation:
                return None
            self._held.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, generation: str, table: Table) -> None:
        if self.entries <= 0:
            return
        with self._lock:
            self._held[key] = (generation, table)
            self._held.move_to_end(key)
            while len(self._held) > self.entries:
                self._held.popitem(last=False)


def _answers() -> Answers:
    ext = current_app.extensions
    if "fazhi_kg_answers" not in ext:
        ext["fazhi_kg_answers"] = Answers(service().settings["canned_cache_entries"])
    return ext["fazhi_kg_answers"]


def _run(q: CannedQuery, given: dict[str, str]) -> Table:
    """The whole answer, finished: from the cache while the store is unchanged."""
    svc = service()
    key = (q.name, tuple(sorted(given.items())))
    generation = read_generation(svc.engine.path) if svc.engine.path else None
    if generation is not None:
        table = _answers().get(key, generation)
        if table is not None:
            return table
    table = run(q, given, svc.engine.run, lateral=svc.engine.lateral, index=svc.indexes())
    if generation is not None:
        _answers().put(key, generation, table)
    return table


def _page_url(endpoint: str, q: CannedQuery, given: dict[str, str], page: Page | None
              ) -> str | None:
    """The URL of a page of this answer (same parameters), or None."""
    if page is None:
        return None
    args = dict(given)
    if page.offset:
        args["offset"] = str(page.offset)
    if page.size != min(max(service().settings["page_size"], 1), MAX_PAGE_SIZE):
        args["page_size"] = str(page.size)
    return url_for(endpoint, name=q.name) + ("?" + urlencode(args) if args else "")


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
    if _streamed():
        return _stream_json(q, given, _run(q, given))
    page = _page()
    table = paged(_run(q, given), page)
    doc: dict[str, Any] = {
        "query": q.name, "title": {"zh": q.title_zh, "en": q.title_en},
        "parameters": given, "columns": table.columns, "rows": table.records(),
        "truncated": table.truncated, "elapsed_ms": round(table.elapsed_ms, 1),
        "offset": table.offset, "page_size": page.size, "total_rows": table.total,
        "answered_from": table.source}
    for key, other in (("next", page.next(table.total or 0)), ("previous", page.previous())):
        url = _page_url("canned.answer_json", q, given, other)
        if url:
            doc[key] = url
    resp = jsonify(doc)
    _headers(resp, table)
    if "next" in doc:
        resp.headers["Link"] = f'<{doc["next"]}>; rel="next"'
    return resp


def _headers(resp: Response, table: Table) -> None:
    if table.truncated:
        resp.headers["X-Fazhi-Truncated"] = "true"
    resp.headers["X-Fazhi-Rows"] = str(table.total if table.total is not None else len(table.rows))


def _stream_json(q: CannedQuery, given: dict[str, str], table: Table) -> Response:
    """Every row as one JSON document, written a row at a time."""
    def chunks() -> Iterator[str]:
        head = {"query": q.name, "title": {"zh": q.title_zh, "en": q.title_en},
                "parameters": given, "columns": table.columns,
                "truncated": table.truncated, "elapsed_ms": round(table.elapsed_ms, 1),
                "total_rows": len(table.rows), "answered_from": table.source}
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
        for i, row in enumerate(table.rows):
            rec = {c: plain(row.get(c)) for c in table.columns}
            yield ("," if i else "") + json.dumps(rec, ensure_ascii=False)
        yield "]}"

    resp = Response(chunks(), content_type="application/json; charset=utf-8")
    _headers(resp, table)
    return resp


@bp.route("/queries/<name>.csv")
def answer_csv(name: str) -> Response:
    """Every row (streamed), or one page when the URL names one."""
    q = _query(name)
    given = _given(q)
    table = _run(q, given)
    if any(str(request.args.get(k, "")).strip() for k in ("page_size", "offset", "page")):
        table = paged(table, _page())
    resp = Response(table.csv_lines(), content_type="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'inline; filename="{q.name}.csv"'
    _headers(resp, table)
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
    page, pages = None, {}
    try:
        given = _given(q)
        page = _page()
        missing = q.missing(given)
        if not missing:
            table = paged(_run(q, given), page)
            pages = {"next": _page_url("canned.page", q, given, page.next(table.total or 0)),
                     "previous": _page_url("canned.page", q, given, page.previous())}
    except QueryError as exc:
        error, status = str(exc), exc.status
    choices = {p.name: svc.choices(q, p.name) for p in q.params if p.choices or p.choices_query}
    args = urlencode(given)
    shown = [c for c in table.columns if c not in q.link_targets] if table is not None else []
    html = render_template("query.html", q=q, given=given, table=table, error=error,
                           choices=choices, short=short, args=args, shown=shown, pages=pages,
                           filter_url=lambda name, value: _with(q, given, name, value),
                           is_iri=lambda t: bool(t) and t.get("type") == "uri")
    return (html, status) if status != 200 else html
