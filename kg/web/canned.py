"""``/queries``: the canned queries of ``queries/*.rq``.

* ``/queries`` — the list (HTML), ``/queries.json`` the same as JSON;
* ``/queries/<name>`` — a form for the parameters and the answer as a table;
* ``/queries/<name>.json`` and ``/queries/<name>.csv`` — the answer as data.

Parameters come from the URL (``?county=…``) and are bound as values
(:meth:`kg.queries.CannedQuery.bindings`), never pasted into the text.

The page and the JSON give a page of rows (setting ``page_size``, 100;
``?page_size=`` up to 1000, ``?offset=`` or ``?page=``), with the URL of
the next page (``next``, absent on the last).  The CSV, and the JSON with
``?_stream=on`` (as Datasette), stream every row: the pages' answer when it
is whole; when it was cut (the query's own LIMIT, ``max_rows``), the query
again without its LIMIT, streamed from the engine a chunk at a time, at most
``export_max_rows`` rows, ending with a line saying so when cut
(:func:`_export`).
The pages are deliberately plain; the web pages module may restyle them
by overriding the templates ``query.html`` and ``queries.html``.
"""
from __future__ import annotations

import csv
import io
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
from kg.queries import MAX_PAGE_SIZE, PAGING, Page, page_of, paged, relimited, run
from kg.sparql import Checked
from kg.store import read_generation
from kg.web import service
from kg.worker_stream import CHUNK_ROWS

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
        return _stream_json(q, given, *_export(q, given))
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


def _export(q: CannedQuery, given: dict[str, str]) -> tuple[Table, Any]:
    """What an export of every row writes: the pages' answer when it is whole,
    else (None in second place otherwise) a stream of the query run again
    without its own LIMIT, from the engine, at most ``export_max_rows`` rows
    (:meth:`kg.workers.Engine.stream`), in the engine's order: sorting them
    as the pages are would hold them all."""
    table = _run(q, given)
    if not table.truncated:
        return table, None
    svc = service()
    cap = svc.settings["export_max_rows"]
    stream = svc.engine.stream(Checked(relimited(q.text_for(svc.engine.lateral), cap + 1), "SELECT"),
                               max_rows=cap, substitutions=q.bindings(given),
                               gone=request.environ.get("waitress.client_disconnected"),
                               hold_ms=svc.settings["export_time_limit_ms"])
    return table, stream


def _rows(table: Table, stream: Any) -> Iterator[list[dict[str, Any]]]:
    """The export's rows, a list at a time: the table's, or the stream's chunks."""
    if stream is None:
        for start in range(0, len(table.rows), CHUNK_ROWS):
            yield table.rows[start:start + CHUNK_ROWS]
        return
    try:
        yield from stream
    finally:
        stream.close()


def _ending(stream: Any, cap: int) -> str | None:
    """Why an export stops short, for its last line: None when it is whole."""
    if stream is not None and stream.truncated:
        return (f"truncated: the answer has more than export_max_rows={cap} rows; "
                "narrow it with the query's parameters")
    return None


def _stream_json(q: CannedQuery, given: dict[str, str], table: Table, stream: Any) -> Response:
    """Every row as one JSON document, written a chunk at a time; what the
    head cannot know yet (rows, truncated, an error) comes after the rows."""
    columns = table.columns if stream is None else \
        [c for c in stream.columns if c not in q.param_names]
    cap = service().settings["export_max_rows"]

    def chunks() -> Iterator[str]:
        head = {"query": q.name, "title": {"zh": q.title_zh, "en": q.title_en},
                "parameters": given, "columns": columns,
                "answered_from": table.source if stream is None else "sparql"}
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
        n, error = 0, None
        try:
            for rows in _rows(table, stream):
                yield "".join(("," if n + i else "") + json.dumps(
                    {c: plain(row.get(c)) for c in columns}, ensure_ascii=False)
                    for i, row in enumerate(rows))
                n += len(rows)
        except QueryError as exc:
            error = str(exc)
        tail: dict[str, Any] = {"total_rows": n,
                                "truncated": table.truncated if stream is None
                                else bool(stream.truncated or error)}
        ending = error or _ending(stream, cap)
        if ending:
            tail["error" if error else "note"] = ending
        yield "], " + json.dumps(tail, ensure_ascii=False)[1:]

    resp = Response(chunks(), content_type="application/json; charset=utf-8")
    if stream is None:
        _headers(resp, table)
    return resp


def _csv_lines(q: CannedQuery, table: Table, stream: Any, cap: int) -> Iterator[str]:
    """The export as CSV, a chunk of lines at a time; a stream cut short (the
    cap, an error) ends with a one-cell line saying why."""
    columns = table.columns if stream is None else \
        [c for c in stream.columns if c not in q.param_names]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    ending = None
    try:
        for rows in _rows(table, stream):
            for row in rows:
                w.writerow(["" if v is None else v for v in (plain(row.get(c)) for c in columns)])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        ending = _ending(stream, cap)
    except QueryError as exc:
        ending = f"error: {exc}"
    if ending:
        w.writerow([ending])
    if buf.getvalue():
        yield buf.getvalue()


@bp.route("/queries/<name>.csv")
def answer_csv(name: str) -> Response:
    """Every row (streamed), or one page when the URL names one."""
    q = _query(name)
    given = _given(q)
    if any(str(request.args.get(k, "")).strip() for k in ("page_size", "offset", "page")):
        table, stream = paged(_run(q, given), _page()), None
    else:
        table, stream = _export(q, given)
    resp = Response(_csv_lines(q, table, stream, service().settings["export_max_rows"]),
                    content_type="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'inline; filename="{q.name}.csv"'
    if stream is None:
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
