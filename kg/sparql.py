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

from kg.errors import QueryError

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
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE", status=400)
    return Checked(text, form)


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


def _term_json(term) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _serialise_select(variables: list[str], rows: list[list], fmt: str, truncated: bool) -> bytes:
    import pyoxigraph as ox

    if fmt == "json":
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}, "truncated": truncated}
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


def execute(store, checked: Checked, *, fmt: str, max_rows: int,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None) -> Result:
    """Run a checked query on a pyoxigraph store and serialise the result."""
    import pyoxigraph as ox

    from kg.namespace import PREFIXES

    kwargs: dict[str, Any] = {"prefixes": dict(PREFIXES)}
    if default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    if substitutions:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
    t0 = time.perf_counter()
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

def _worker_main(path: str, conn) -> None:
    """A worker: holds the store read-only and answers one query at a time."""
    import pyoxigraph as ox

    store = ox.Store.read_only(path)
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


class _Worker:
    def __init__(self, ctx, path: str) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(path, child), daemon=True)
        self.proc.start()
        child.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class Engine:
    """A pool of worker processes answering queries on an on-disk store.

    ``size`` workers answer at once; a request waits for an idle one at most
    the time limit.  A worker that overruns is killed and replaced.
    """

    def __init__(self, path: str, *, size: int = 2, time_limit_ms: int = 10_000,
                 max_rows: int = 10_000) -> None:
        self.path = str(path)
        self.time_limit_ms = time_limit_ms
        self.max_rows = max_rows
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        for _ in range(size):
            self._idle.put(_Worker(self._ctx, self.path))

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        if not self._closed:
            self._idle.put(_Worker(self._ctx, self.path))

    def run(self, checked: Checked, *, fmt: str = "json", max_rows: int | None = None,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None,
            time_limit_ms: int | None = None) -> Result:
        limit = (time_limit_ms or self.time_limit_ms) / 1000
        deadline = time.monotonic() + limit
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryError(f"the server is busy: no query worker became free within "
                             f"query_time_limit_ms={self.time_limit_ms}; retry later",
                             status=503, setting="query_time_limit_ms") from None
        req = {"text": checked.text, "form": checked.form, "fmt": fmt,
               "max_rows": max_rows or self.max_rows, "default_graphs": default_graphs,
               "named_graphs": named_graphs,
               "substitutions": {k: term_spec(v) for k, v in (substitutions or {}).items()}}
        try:
            worker.conn.send(req)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
                raise QueryError(
                    f"query stopped: it ran longer than query_time_limit_ms="
                    f"{time_limit_ms or self.time_limit_ms} ms; simplify it or raise that setting",
                    status=503, setting="query_time_limit_ms")
            kind, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
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

    def restart(self) -> None:
        """Replace every worker (after the store changed on disk)."""
        old = []
        for _ in range(self.size):
            old.append(self._idle.get())
        for w in old:
            w.kill()
        for _ in range(self.size):
            self._idle.put(_Worker(self._ctx, self.path))

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
