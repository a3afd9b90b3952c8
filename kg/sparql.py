"""The guarded query path: decide what a query is, run it capped, serialise it.

pyoxigraph performs ``SERVICE`` and ``LOAD`` as real HTTP requests, has no
query timeout, and a running query cannot be interrupted.  So a user's
text is never parsed or run in the web server:

* it goes as text to a query worker (:mod:`kg.workers`), a process that
  has no network (:mod:`kg.netns`) and is killed at the time limit;
* there :func:`kg.sparql_parse.decide` parses it (rdflib's SPARQL grammar,
  after escape processing) and refuses ``SERVICE``, ``LOAD`` and updates,
  and tells the form; a text it cannot read is refused, never run;
* :func:`execute` runs it on the store with results capped at
  ``max_rows`` and serialises them there, with a ``truncated`` flag.

The canned queries and the pages' own queries are the project's text,
checked when they are loaded: they come as :class:`Checked` with their form.
"""
from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
import rdflib

from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.sparql_parse import decide, form_start
from kg.store_base import term_json


@dataclass(frozen=True)
class Checked:
    """A query to run.  ``form`` empty: a user's text, to be parsed in the worker."""

    text: str
    form: str = ""      # SELECT / ASK / CONSTRUCT / DESCRIBE; "" = undecided (a user's)
    dataset: bool = False   # the text has FROM / FROM NAMED


def user_query(text: str) -> Checked:
    """A user's query text: nothing about it is decided here (the worker parses it)."""
    return Checked(text, "")


#: a format choice made before the form is known: (for SELECT/ASK, for CONSTRUCT/DESCRIBE);
#: either may be "!message" when the request named a format the form cannot use
Formats = tuple[str, str]


def pick_format(fmt: str | Formats, form: str) -> str:
    """The format key for ``form`` (QueryError 406 if the request's cannot apply)."""
    if isinstance(fmt, str):
        return fmt
    chosen = fmt[1] if form in ("CONSTRUCT", "DESCRIBE") else fmt[0]
    if chosen.startswith("!"):
        raise QueryError(chosen[1:], status=406)
    return chosen


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
    if fmt == "json":
        bindings = [{v: term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        # "truncated" before "results": strict parsers (Oxigraph's) stop reading after the bindings
        doc = {"head": {"vars": variables}, "truncated": truncated, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode()
    if fmt in ("csv", "tsv"):
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


def serialise_graph(triples: list, fmt: str) -> bytes:
    if fmt == "jsonld":
        nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        g = rdflib.Graph().parse(data=nt.decode(), format="nt")
        for p, iri in PREFIXES.items():
            g.bind(p, iri)
        return g.serialize(format="json-ld", context=dict(PREFIXES)).encode()
    oxfmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
             "rdfxml": ox.RdfFormat.RDF_XML}.get(fmt)
    if oxfmt is None:
        raise QueryError(f"unknown graph format '{fmt}' (use turtle, ntriples, jsonld or rdfxml)")
    if oxfmt is ox.RdfFormat.TURTLE:
        return ox.serialize(triples, format=oxfmt, prefixes=dict(PREFIXES))
    return ox.serialize(triples, format=oxfmt)


_EMPTY_STORE = None


def _projection(text: str, prefixes: dict[str, str]) -> list[str] | None:
    """The variables a SELECT projects, in order, found by running it on an
    empty store (instant: nothing to read); None if that is not possible."""
    global _EMPTY_STORE
    if _EMPTY_STORE is None:
        _EMPTY_STORE = ox.Store()
    answer = _EMPTY_STORE.query(text, prefixes=prefixes)   # SyntaxError goes to the caller
    if not isinstance(answer, ox.QuerySolutions):
        return None
    return [v.value for v in answer.variables]


def capped_text(text: str, variables: list[str], limit: int, dataset: bool = False) -> str | None:
    """``text`` as a subquery under ``LIMIT limit``, projecting ``variables``.

    Oxigraph then stops after ``limit`` rows instead of computing them all,
    and its own (fast) serialisers can write the answer.  None when the
    query cannot be wrapped (no projection, or a dataset clause: FROM is not
    allowed in a subquery).  ``text`` is a parsed text (escapes expanded) or
    the project's own.
    """
    start = form_start(text, "SELECT")
    if start is None or not variables or dataset:
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


def _dataset_kwargs(dataset: bool, default_graphs: list[str] | None,
                    named_graphs: list[str] | None) -> dict[str, Any]:
    """The dataset: the protocol's graphs, else the query's FROM, else the union of all."""
    kwargs: dict[str, Any] = {}
    if default_graphs is not None or named_graphs is not None:
        # SPARQL protocol: given graphs replace FROM/FROM NAMED; named graphs
        # alone leave an empty default graph.
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
    elif not dataset:
        # Oxigraph's union flag overrides FROM, so it is only set without one
        kwargs["use_default_graph_as_union"] = True
    return kwargs


def execute(store, checked: Checked, *, fmt: str | Formats, max_rows: int,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None) -> Result:
    """Run a checked query on a pyoxigraph store and serialise the result.

    ``default_graphs``/``named_graphs`` None: the default graph is the union
    of all graphs (unless the query has FROM).  A SELECT without
    substitutions is capped inside Oxigraph (:func:`capped_text`) and
    serialised by it; otherwise rows are read here (substitutions do not
    reach into subqueries, so such a query is not wrapped).
    """
    if not checked.form:
        decision = decide(checked.text)
        checked = Checked(decision.text, decision.form, decision.dataset)
    fmt = pick_format(fmt, checked.form)
    prefixes = dict(PREFIXES)
    kwargs: dict[str, Any] = {"prefixes": prefixes,
                              **_dataset_kwargs(checked.dataset, default_graphs, named_graphs)}
    if substitutions:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
    t0 = time.perf_counter()
    if checked.form == "SELECT" and not substitutions:
        rfmt = fmt if fmt in RESULT_TYPES else "json"
        variables = _projection(checked.text, prefixes)
        wrapped = capped_text(checked.text, variables or [], max_rows + 1, checked.dataset)
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
    return Result(serialise_graph(triples, fmt), GRAPH_TYPES[fmt], rows=len(triples),
                  truncated=truncated, form=checked.form,
                  elapsed_ms=(time.perf_counter() - t0) * 1000)
