"""The guarded query path: refuse what is unsafe, stop what runs too long.

pyoxigraph performs ``SERVICE`` and ``LOAD`` as real HTTP requests and has
no query timeout, and a running query cannot be interrupted.  So:

* :func:`check` reads the query text with a small lexer (comments, strings
  and IRIs skipped) and refuses ``SERVICE`` and ``LOAD`` and update
  operations *before* anything executes;
* queries run in persistent worker processes (:class:`Engine`), each
  holding ``Store.read_only(path)``; a query past its deadline gets its
  worker killed (the CPU is freed at once) and a fresh one started, while
  other workers go on answering;
* results are capped at ``max_rows`` inside the worker and serialised
  there, with a ``truncated`` flag.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kg.errors import QueryError, StoreError

# ----------------------------------------------------------------- lexing

_SKIP = re.compile(
    r'''#[^\n]*'''                                  # comment
    r'''|"""(?:[^"\\]|\\.|"(?!""))*"""'''           # long strings
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r'''|"(?:[^"\\\n]|\\.)*"'''                     # strings
    r"""|'(?:[^'\\\n]|\\.)*'"""
    r'''|<[^<>"{}|^`\\\s]*>''',                     # IRIs
    re.S,
)
_WORD = re.compile(r"(?<![\w?$:\-])([A-Za-z]+)(?![\w:\-])")
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def keywords(text: str) -> list[str]:
    """The bare words of a SPARQL text, upper-cased, outside strings/IRIs/comments."""
    stripped = _SKIP.sub(" ", text)
    return [m.group(1).upper() for m in _WORD.finditer(stripped)]


@dataclass(frozen=True)
class Checked:
    text: str
    form: str          # SELECT / ASK / CONSTRUCT / DESCRIBE / UPDATE


def check(text: str, *, update: bool = False) -> Checked:
    """Refuse unsafe operations; tell the query form.  Raises QueryError."""
    words = keywords(text)
    if "SERVICE" in words:
        raise QueryError("SERVICE (federated query) is not allowed on this endpoint: it would make "
                         "the server send requests elsewhere", status=400)
    if "LOAD" in words:
        raise QueryError("LOAD is not allowed on this endpoint: it would make the server fetch "
                         "documents from elsewhere", status=400)
    if update:
        return Checked(text, "UPDATE")
    if any(w in _UPDATE_WORDS for w in words) and not any(w in _FORMS for w in words):
        raise QueryError("this is an update, not a query: send it as 'update=' (updates are off "
                         "unless the setting allow_update is on)", status=403, setting="allow_update")
    form = next((w for w in words if w in _FORMS), None)
    if form is None:
        raise QueryError(_parser_message(text) or
                         "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE",
                         status=400)
    return Checked(text, form)


def _parser_message(text: str) -> str | None:
    """Oxigraph's own message (with line:column) for a text that is not a query.

    Only reached for texts without a query form, which an empty store
    rejects at once; nothing is evaluated.
    """
    import pyoxigraph as ox

    from kg.namespace import PREFIXES

    try:
        ox.Store().query(text, prefixes=dict(PREFIXES))
    except SyntaxError as exc:
        return f"malformed query: {exc}"
    except Exception:
        return None
    return None


# ----------------------------------------------------------------- results

@dataclass
class Result:
    """A finished query: serialised body, its media type, row count, cap flag."""

    body: bytes
    media_type: str
    rows: int = 0
    truncated: bool = False
    form: str = "SELECT"
    elapsed_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


def _serialise_select(variables: list[str], rows: list[list], fmt: str, truncated: bool) -> bytes:
    import pyoxigraph as ox

    if fmt == "json":
        from kg.store import term_json

        bindings = [{v: term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        # "truncated" before "results": strict parsers (Oxigraph's) stop reading after the bindings
        doc = {"head": {"vars": variables}, "truncated": truncated, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode()
    if fmt in ("csv", "tsv"):
        import csv
        import io

        buf = io.StringIO()
        if fmt == "csv":
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(variables)
            for row in rows:
                w.writerow(["" if t is None else t.value for t in row])
        else:
            buf.write("\t".join("?" + v for v in variables) + "\n")
            for row in rows:
                buf.write("\t".join("" if t is None else str(t) for t in row) + "\n")
        return buf.getvalue().encode()
    if fmt == "xml":
        from xml.sax.saxutils import escape, quoteattr

        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head>",
               "<results>"]
        for row in rows:
            out.append("<result>")
            for v, t in zip(variables, row):
                if t is None:
                    continue
                if isinstance(t, ox.NamedNode):
                    inner = f"<uri>{escape(t.value)}</uri>"
                elif isinstance(t, ox.BlankNode):
                    inner = f"<bnode>{escape(t.value)}</bnode>"
                else:
                    attr = (f' xml:lang={quoteattr(t.language)}' if t.language else
                            f' datatype={quoteattr(t.datatype.value)}' if t.datatype else "")
                    inner = f"<literal{attr}>{escape(t.value)}</literal>"
                out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
            out.append("</result>")
        out.append("</results></sparql>")
        return "".join(out).encode()
    raise QueryError(f"unknown result format '{fmt}' (use json, xml, csv or tsv)")


def _serialise_boolean(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>").encode()
    if fmt in ("csv", "tsv"):
        return ("true\n" if value else "false\n").encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def _serialise_graph(triples: list, fmt: str) -> bytes:
    import pyoxigraph as ox

    if fmt == "jsonld":
        import rdflib

        nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        g = rdflib.Graph().parse(data=nt.decode(), format="nt")
        from kg.namespace import PREFIXES
        for p, iri in PREFIXES.items():
            g.bind(p, iri)
        return g.serialize(format="json-ld", context=dict(PREFIXES)).encode()
    oxfmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
             "rdfxml": ox.RdfFormat.RDF_XML}.get(fmt)
    if oxfmt is None:
        raise QueryError(f"unknown graph format '{fmt}' (use turtle, ntriples, jsonld or rdfxml)")
    if oxfmt is ox.RdfFormat.TURTLE:
        from kg.namespace import PREFIXES
        return ox.serialize(triples, format=oxfmt, prefixes=dict(PREFIXES))
    return ox.serialize(triples, format=oxfmt)


_EMPTY_STORE = None


def _projection(text: str, prefixes: dict[str, str]) -> list[str] | None:
    """The variables a SELECT projects, in order, found by running it on an
    empty store (instant: nothing to read); None if that is not possible."""
    import pyoxigraph as ox

    global _EMPTY_STORE
    if _EMPTY_STORE is None:
        _EMPTY_STORE = ox.Store()
    answer = _EMPTY_STORE.query(text, prefixes=prefixes)   # SyntaxError goes to the caller
    if not isinstance(answer, ox.QuerySolutions):
        return None
    return [v.value for v in answer.variables]


def _form_start(text: str) -> int | None:
    """Offset of the query-form keyword (after BASE/PREFIX), outside strings/comments."""
    pos = 0
    while True:
        skip = _SKIP.search(text, pos)
        word = _WORD.search(text, pos, skip.start() if skip else len(text))
        while word is not None:
            if word.group(1).upper() in _FORMS:
                return word.start()
            word = _WORD.search(text, word.end(), skip.start() if skip else len(text))
        if skip is None:
            return None
        pos = skip.end()


def capped_text(text: str, variables: list[str], limit: int) -> str | None:
    """``text`` as a subquery under ``LIMIT limit``, projecting ``variables``.

    Oxigraph then stops after ``limit`` rows instead of computing them all,
    and its own (fast) serialisers can write the answer.  None when the
    query cannot be wrapped (no projection, or a dataset clause: FROM is not
    allowed in a subquery).
    """
    start = _form_start(text)
    if start is None or not variables or "FROM" in keywords(text):
        return None
    head = " ".join("?" + v for v in variables)
    return f"{text[:start]}SELECT {head} WHERE {{\n{text[start:]}\n}} LIMIT {limit}"


_OX_RESULTS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}


def _cap_serialised(body: bytes, fmt: str, max_rows: int) -> tuple[bytes, int | None, bool]:
    """Cut Oxigraph's serialisation of at most ``max_rows + 1`` rows to ``max_rows``.

    Returns (body, rows if known, truncated).  Cheap byte counts decide in
    the common case; only an answer near the cap is parsed.
    """
    if fmt == "tsv":
        # one line per row: newlines inside values are escaped in TSV
        rows = body.count(b"\n") - 1
        if rows <= max_rows:
            return body, rows, False
        cut = -1
        for _ in range(max_rows + 1):
            cut = body.index(b"\n", cut + 1)
        return body[:cut + 1], max_rows, True
    if fmt == "xml":
        rows = body.count(b"<result>")          # '<' is escaped inside values
        if rows <= max_rows:
            return body, rows, False
        cut = -1
        for _ in range(max_rows + 1):
            cut = body.index(b"<result>", cut + 1)
        return body[:cut] + b"</results></sparql>", max_rows, True
    if fmt == "json":
        # every row after the first begins with '},{' (one upper bound)
        if body.count(b"},{") + 1 <= max_rows:
            return _json_flag(body, False), None, False
        doc = json.loads(body)
        bindings = doc["results"]["bindings"]
        truncated = len(bindings) > max_rows
        del bindings[max_rows:]
        doc = {"head": doc["head"], "truncated": truncated, "results": doc["results"]}
        return json.dumps(doc, ensure_ascii=False).encode(), len(bindings), truncated
    if fmt == "csv":
        if body.count(b"\n") - 1 <= max_rows:
            return body, None, False
        import csv
        import io

        rows_in = list(csv.reader(io.StringIO(body.decode(), newline="")))
        truncated = len(rows_in) - 1 > max_rows
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows_in[:max_rows + 1])
        return buf.getvalue().encode(), min(len(rows_in) - 1, max_rows), truncated
    raise QueryError(f"unknown result format '{fmt}' (use json, xml, csv or tsv)")


def _json_flag(body: bytes, truncated: bool) -> bytes:
    """Add "truncated" after "head" (variable names cannot hold '"', so the first
    ',"results":' is the top-level key)."""
    flag = b',"truncated":true,"results":' if truncated else b',"truncated":false,"results":'
    return body.replace(b',"results":', flag, 1)


def _dataset_kwargs(text: str, default_graphs: list[str] | None,
                    named_graphs: list[str] | None) -> dict[str, Any]:
    """The dataset: the protocol's graphs, else the query's FROM, else the union of all."""
    import pyoxigraph as ox

    kwargs: dict[str, Any] = {}
    if default_graphs is not None or named_graphs is not None:
        # SPARQL protocol: given graphs replace FROM/FROM NAMED; named graphs
        # alone leave an empty default graph.
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
    elif "FROM" not in keywords(text):
        # Oxigraph's union flag overrides FROM, so it is only set without one
        kwargs["use_default_graph_as_union"] = True
    return kwargs


def execute(store, checked: Checked, *, fmt: str, max_rows: int,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None) -> Result:
    """Run a checked query on a pyoxigraph store and serialise the result.

    ``default_graphs``/``named_graphs`` None: the default graph is the union
    of all graphs (unless the query has FROM).  A SELECT without
    substitutions is capped inside Oxigraph (:func:`capped_text`) and
    serialised by it; otherwise rows are read here (substitutions do not
    reach into subqueries, so such a query is not wrapped).
    """
    import pyoxigraph as ox

    from kg.namespace import PREFIXES

    prefixes = dict(PREFIXES)
    kwargs: dict[str, Any] = {"prefixes": prefixes,
                              **_dataset_kwargs(checked.text, default_graphs, named_graphs)}
    if substitutions:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
    t0 = time.perf_counter()
    if checked.form == "SELECT" and not substitutions:
        rfmt = fmt if fmt in RESULT_TYPES else "json"
        variables = _projection(checked.text, prefixes)
        wrapped = capped_text(checked.text, variables or [], max_rows + 1)
        if wrapped is not None:
            answer = store.query(wrapped, **kwargs)
            body = answer.serialize(format=getattr(ox.QueryResultsFormat, _OX_RESULTS[rfmt]))
            body, rows, truncated = _cap_serialised(body, rfmt, max_rows)
            return Result(body, RESULT_TYPES[rfmt], rows=-1 if rows is None else rows,
                          truncated=truncated, form="SELECT",
                          elapsed_ms=(time.perf_counter() - t0) * 1000)
    answer = store.query(checked.text, **kwargs)
    if isinstance(answer, ox.QueryBoolean) or isinstance(answer, bool):
        value = bool(answer)
        return Result(_serialise_boolean(value, fmt if fmt in RESULT_TYPES else "json"),
                      RESULT_TYPES.get(fmt, RESULT_TYPES["json"]), rows=1, form="ASK",
                      elapsed_ms=(time.perf_counter() - t0) * 1000)
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows, truncated = [], False
        for sol in answer:
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append([sol[v] for v in variables])
        fmt = fmt if fmt in RESULT_TYPES else "json"
        return Result(_serialise_select(variables, rows, fmt, truncated), RESULT_TYPES[fmt],
                      rows=len(rows), truncated=truncated, form="SELECT",
                      elapsed_ms=(time.perf_counter() - t0) * 1000)
    triples, truncated = [], False
    for t in answer:
        if len(triples) >= max_rows:
            truncated = True
            break
        triples.append(t)
    fmt = fmt if fmt in GRAPH_TYPES else "turtle"
    return Result(_serialise_graph(triples, fmt), GRAPH_TYPES[fmt], rows=len(triples),
                  truncated=truncated, form=checked.form,
                  elapsed_ms=(time.perf_counter() - t0) * 1000)


# ----------------------------------------------------------------- workers

def _worker_main(path: str, conn, memory_mb: int = 0) -> None:
    """A worker: holds the store read-only and answers one query at a time.

    Its first message says whether the store opened.  ``memory_mb`` caps
    its heap (RLIMIT_DATA): a query that would eat the machine's memory
    (an ORDER BY over a cross product) makes this process abort instead.
    """
    import pyoxigraph as ox

    if memory_mb:
        import resource

        limit = memory_mb * 2 ** 20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        store = ox.Store.read_only(path)
    except OSError as exc:
        conn.send(("fail", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        try:
            checked = Checked(req["text"], req["form"])
            subs = req.get("substitutions")
            if subs:
                subs = {k: _term_from(v) for k, v in subs.items()}
            res = execute(store, checked, fmt=req["fmt"], max_rows=req["max_rows"],
                          default_graphs=req.get("default_graphs"),
                          named_graphs=req.get("named_graphs"), substitutions=subs)
            conn.send(("ok", res))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except QueryError as exc:
            conn.send(("query", (str(exc), exc.status)))
        except MemoryError:
            conn.send(("query", ("the query needs more memory than query_memory_mb allows; "
                                 "narrow it", 503)))
        except Exception as exc:  # reported to the caller as a 500 without traceback
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _term_from(spec: tuple) -> Any:
    """Rebuild a pyoxigraph term from a picklable (kind, value, extra)."""
    import pyoxigraph as ox

    kind, value, extra = spec
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "lang":
        return ox.Literal(value, language=extra)
    if kind == "typed":
        return ox.Literal(value, datatype=ox.NamedNode(extra))
    return ox.Literal(value)


def term_spec(term: Any) -> tuple:
    """A picklable form of a term for substitutions (see _term_from)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, None)
    if isinstance(term, ox.Literal):
        if term.language:
            return ("lang", term.value, term.language)
        if term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return ("typed", term.value, term.datatype.value)
        return ("plain", term.value, None)
    return ("plain", str(term), None)


_START_TIMEOUT_S = 60.0


class _Worker:
    def __init__(self, ctx, path: str, memory_mb: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(path, child, memory_mb), daemon=True)
        self.proc.start()
        child.close()

    def wait_ready(self, timeout: float = _START_TIMEOUT_S) -> None:
        """Block until the worker has opened the store; StoreError if it cannot."""
        try:
            if not self.conn.poll(timeout):
                raise StoreError(f"a query worker did not open the store within {timeout:.0f} s")
            kind, payload = self.conn.recv()
        except (EOFError, OSError):
            raise StoreError("a query worker died while opening the store") from None
        if kind != "ready":
            raise StoreError(f"cannot open the store read-only: {payload}")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class Engine:
    """A pool of worker processes answering queries on an on-disk store.

    ``size`` workers answer at once; a request waits for an idle one at most
    the time limit.  A worker that overruns is killed and replaced.  The
    constructor waits until every worker has opened the store, so a store
    that cannot be opened fails here (StoreError), not on the first query.
    """

    def __init__(self, path: str, *, size: int = 2, time_limit_ms: int = 10_000,
                 max_rows: int = 10_000, memory_mb: int = 0, queue_ms: int | None = None) -> None:
        self.path = str(path)
        self.time_limit_ms = time_limit_ms
        #: how long a query may wait for a free worker (default: the time limit)
        self.queue_ms = queue_ms or time_limit_ms
        self.max_rows = max_rows
        self.memory_mb = memory_mb
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._update_lock = threading.Lock()
        self._closed = False
        self.size = max(1, size)
        self._start(self.size)

    def _start(self, n: int) -> None:
        workers = [_Worker(self._ctx, self.path, self.memory_mb) for _ in range(n)]
        try:
            for w in workers:
                w.wait_ready()
        except StoreError:
            for w in workers:
                w.kill()
            raise
        for w in workers:
            self._idle.put(w)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        if self._closed:
            return
        try:
            self._start(1)
        except StoreError:
            # keep the pool's size: a worker that cannot open the store
            # answers every query with "worker died" rather than hanging
            self._idle.put(_Worker(self._ctx, self.path, self.memory_mb))

    def _acquire(self, limit_s: float) -> _Worker:
        try:
            return self._idle.get(timeout=limit_s)
        except queue.Empty:
            raise QueryError(f"the server is busy: no query worker became free within "
                             f"query_queue_ms={self.queue_ms}; retry later",
                             status=503, setting="query_queue_ms") from None

    def run(self, checked: Checked, *, fmt: str = "json", max_rows: int | None = None,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None,
            time_limit_ms: int | None = None) -> Result:
        limit_ms = time_limit_ms or self.time_limit_ms
        worker = self._acquire(self.queue_ms / 1000)
        deadline = time.monotonic() + limit_ms / 1000   # the limit counts from the start of the run
        req = {"text": checked.text, "form": checked.form, "fmt": fmt,
               "max_rows": max_rows or self.max_rows, "default_graphs": default_graphs,
               "named_graphs": named_graphs,
               "substitutions": {k: term_spec(v) for k, v in (substitutions or {}).items()}}
        try:
            worker.conn.send(req)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
                raise QueryError(
                    f"query stopped: it ran longer than query_time_limit_ms={limit_ms} ms; "
                    f"simplify it or raise that setting",
                    status=503, setting="query_time_limit_ms")
            kind, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.proc.join(1)
            code = worker.proc.exitcode
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            if code is not None and code < 0 and -code == 6:    # SIGABRT: allocation failed
                raise QueryError("query stopped: it needed more memory than query_memory_mb="
                                 f"{self.memory_mb} allows; narrow it or raise that setting",
                                 status=503, setting="query_memory_mb") from None
            raise QueryError("the query worker died; retry, and if it happens again, "
                             "report the query", status=500) from None
        self._idle.put(worker)
        if kind == "ok":
            return payload
        if kind == "syntax":
            raise QueryError(f"malformed query: {payload}", status=400)
        if kind == "query":
            message, status = payload
            raise QueryError(message, status=status)
        raise QueryError(f"the query failed: {payload}", status=500)

    def update(self, text: str, *, time_limit_ms: int | None = None) -> float:
        """Apply a SPARQL update; returns the seconds it took.

        Oxigraph does not support reading a store read-only while another
        process writes it, so: take every worker (waiting for running
        queries to end), stop them, apply the update on a read-write store,
        close it, start fresh workers.
        """
        import gc

        import pyoxigraph as ox

        from kg.namespace import PREFIXES

        limit_s = (time_limit_ms or self.time_limit_ms) / 1000
        with self._update_lock:
            taken: list[_Worker] = []
            try:
                for _ in range(self.size):
                    taken.append(self._acquire(limit_s))
            except QueryError:
                for w in taken:
                    self._idle.put(w)
                raise
            for w in taken:
                w.kill()
            t0 = time.perf_counter()
            try:
                store = ox.Store(self.path)
                try:
                    store.update(text, prefixes=dict(PREFIXES))
                    store.flush()
                finally:
                    del store
                    gc.collect()
            except SyntaxError as exc:
                raise QueryError(f"malformed update: {exc}", status=400) from None
            except OSError as exc:
                raise QueryError(f"the update failed: {exc}", status=500) from None
            finally:
                self._start(self.size)
            return time.perf_counter() - t0

    def restart(self) -> None:
        """Replace every worker (after the store changed on disk)."""
        old = [self._idle.get() for _ in range(self.size)]
        for w in old:
            w.kill()
        self._start(self.size)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.kill()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
