"""A SPARQL 1.1 store over HTTP: :class:`RemoteStore` (see :mod:`kg.store`; built on
:mod:`kg.store_base` only)."""
from __future__ import annotations

import base64
import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.namespace import GRAPH_IRI, sparql_prefixes
from kg.store_base import Answer, Store, Term, answer_from_ox, dump_store, format_of

_SELECT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
_RESULTS_ACCEPT = ("application/sparql-results+json, application/n-triples;q=0.9, "
                   "text/turtle;q=0.8, application/sparql-results+xml;q=0.5")


#: Most rows one request of :meth:`RemoteStore.copy_into` asks for: under
#: Virtuoso's default ResultSetMaxRows (10,000).
PAGE_ROWS = 5000
#: Quads a copy writes between two flushes of its target.
FLUSH_ROWS = 20_000
#: Graphs in the first request of a copy, and at most in any.
_FIRST_BATCH, _MAX_BATCH = 8, 200


class RemoteStore(Store):
    """A SPARQL 1.1 store over HTTP (protocol: form POST, results as JSON).

    ``union=True`` queries are over all the store's graphs.  On Virtuoso,
    whose default graph is the union of all its graphs (:attr:`union_default`),
    they go as they are; elsewhere they name every fazhi-kg graph as a
    ``default-graph-uri`` and a ``named-graph-uri`` — plain SPARQL 1.1
    protocol, so it works with Oxigraph, Fuseki and others whatever their
    union-default-graph setting.  Only graphs under :data:`kg.namespace.GRAPH_IRI` are the
    store's: a server's own graphs (Virtuoso's system graphs) are left out
    of :meth:`graphs`, :meth:`count` and :meth:`dump`.  Substitutions become
    a ``VALUES`` block at the start of the query's WHERE (so a ``BIND`` at
    the top sees them, as with Oxigraph's substitutions), else a trailing
    ``VALUES`` clause.  ``user:password@`` in the URL is sent as Basic auth,
    or answers a Digest challenge (Virtuoso's ``/sparql-auth``).

    Canned and page queries get their plain SPARQL 1.1 forms here
    (:attr:`lateral` is false): only Oxigraph knows ``LATERAL``.
    """

    timeout = 600.0
    lateral = False
    #: the store's graphs: those fazhi-kg names (a server may hold its own)
    _ours = f'FILTER(STRSTARTS(STR(?g), "{GRAPH_IRI}"))'

    def __init__(self, location: str) -> None:
        self.location = location
        self.query_url, self.update_url = _endpoints(location)
        self._auth = _basic_auth(self.query_url)
        self._open = _opener(self.query_url, self.update_url)
        self.query_url, self.update_url = _strip_auth(self.query_url), _strip_auth(self.update_url)
        #: the server's ``Server`` header, read on the first answer
        self.server = ""
        #: "all graphs" is the server's own default dataset (no graph listed):
        #: set below for a server whose default graph is the union of its graphs
        self.union_default = False
        self._query("ASK { }", False, None)   # fail now, clearly, if unreachable
        if self.server.startswith("Virtuoso") and not location.startswith("query=") \
                and self.query_url.endswith("/sparql"):
            # Virtuoso takes updates at its one /sparql endpoint (there is no /update)
            self.update_url = self.query_url
        # Virtuoso's default graph is the union of every graph it holds, and
        # GRAPH ?g ranges over all of them: naming the store's graphs (one
        # form field each, 80,000 for 40,000 reports) adds nothing but a
        # longer request.  Its own graphs (system, DAV) hold none of the
        # ontology's classes or properties, which every project query names.
        self.union_default = self.server.startswith("Virtuoso")

    def _post(self, url: str, fields: list[tuple[str, str]], accept: str, what: str
              ) -> tuple[bytes, str]:
        with self._send(url, fields, accept, what) as resp:
            return resp.read(), resp.headers.get_content_type()

    def _send(self, url: str, fields: list[tuple[str, str]], accept: str, what: str) -> Any:
        """POST the form; the open response (the caller reads and closes it)."""
        body = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": accept})
        if self._auth:
            req.add_header("Authorization", self._auth)
        try:
            resp = self._open(req, timeout=self.timeout)
            self.server = resp.headers.get("Server", "") or self.server
            return resp
        except urllib.error.HTTPError as exc:
            if exc.code == 401 and self._auth and self._open is not urllib.request.urlopen:
                # a server that wants Digest refuses the Basic sent at once
                # (Virtuoso's /sparql-auth): from now on only answer its challenge
                self._auth = None
                return self._send(url, fields, accept, what)
            detail = " ".join(exc.read().decode("utf-8", "replace").split())[:300]
            if what == "query" and exc.code == 400:
                raise QueryError(f"the SPARQL endpoint {url} refused the query: {detail}") from exc
            raise StoreError(f"the SPARQL endpoint {url} answered {exc.code} {exc.reason} to "
                             f"an {what}: {detail}") from exc
        except http.client.HTTPException as exc:       # a malformed answer (too many headers)
            raise StoreError(f"the SPARQL endpoint {url} answered an {what} with a response "
                             f"fazhi-kg cannot read ({type(exc).__name__}: {exc})") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(f"cannot reach the SPARQL endpoint {url} ({reason}); start the "
                             "server (e.g. `oxigraph serve --location DIR`) or check --store"
                             ) from exc

    def _update(self, sparql: str) -> None:
        if self.update_url is None:
            raise StoreError(f"{self.location} has no update endpoint; give one with "
                             "--store query=URL,update=URL")
        self._post(self.update_url, [("update", sparql)], "*/*", "update")

    def _fields(self, sparql: str, union: bool, substitutions: dict[str, Term] | None
                ) -> list[tuple[str, str]]:
        """The protocol's form fields for a query over all graphs (``union``) or the
        server's own default dataset."""
        text = sparql_prefixes() + (_with_values(sparql, substitutions) if substitutions
                                    else sparql)
        fields = [("query", text)]
        if union and not self.union_default:
            # every graph as the default graph, and as the named graphs too:
            # a protocol dataset without named-graph-uri has no named graphs
            # (oxigraph serve keeps to that), and GRAPH ?g would match nothing
            graphs = self.graphs()
            fields += [("default-graph-uri", g) for g in graphs]
            fields += [("named-graph-uri", g) for g in graphs]
        return fields

    def _query(self, sparql: str, union: bool, substitutions: dict[str, Term] | None) -> Answer:
        fields = self._fields(sparql, union, substitutions)
        data, ctype = self._post(self.query_url, fields, _RESULTS_ACCEPT, "query")
        results_fmt = ox.QueryResultsFormat.from_media_type(ctype)
        if results_fmt is not None:
            return answer_from_ox(ox.parse_query_results(data, format=results_fmt))
        rdf_fmt = ox.RdfFormat.from_media_type(ctype)
        if rdf_fmt is None:
            raise StoreError(f"the SPARQL endpoint {self.query_url} answered in {ctype}, "
                             "which fazhi-kg cannot read")
        return Answer("graph", triples=list(ox.parse(data, format=rdf_fmt)))

    def select_stream(self, sparql: str, substitutions: dict[str, Term] | None = None, *,
                      union: bool = True) -> tuple[Any, Any]:
        """A SELECT (over all graphs, with ``union``), read as it arrives: (the
        open response, pyoxigraph's solutions parsed from it lazily).  The
        caller closes the response; memory holds what the parser buffers, not
        the answer."""
        fields = self._fields(sparql, union, substitutions)
        resp = self._send(self.query_url, fields, _SELECT_ACCEPT, "query")
        ctype = resp.headers.get_content_type()
        fmt = ox.QueryResultsFormat.from_media_type(ctype)
        try:
            if fmt is None:
                raise StoreError(f"the SPARQL endpoint {self.query_url} answered a SELECT in "
                                 f"{ctype}, which fazhi-kg cannot read")
            solutions = ox.parse_query_results(resp, format=fmt)
            if not isinstance(solutions, ox.QuerySolutions):
                raise StoreError(f"the SPARQL endpoint {self.query_url} answered a SELECT "
                                 "with a boolean")
        except (StoreError, SyntaxError, OSError) as exc:
            resp.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot read the answer of {self.query_url}: {exc}") from None
        return resp, solutions

    def graphs(self) -> list[str]:
        # Virtuoso gives no graph for an empty pattern; a quad pattern it
        # answers from its graph index
        pattern = "?s ?p ?o" if self.server.startswith("Virtuoso") else ""
        rows = self._query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pattern} }} {self._ours} }}",
                           False, None).rows
        return sorted(r[0].value for r in rows if isinstance(r[0], ox.NamedNode))

    def count(self) -> int:
        rows = self._query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._ours} }}",
                           False, None).rows
        return int(rows[0][0].value)

    def dump(self, fmt: str, *, graph: str | None = None, output: str | Path | None = None
             ) -> bytes | None:
        format_of(fmt)
        # Plain SPARQL has no quad results: read the quads as rows, then let
        # the embedded serialisers do the rest (same output as LocalStore).
        source = self.local_copy(graph)
        if graph is not None and not len(source):
            raise StoreError(f"no graph <{graph}> in {self.location}")
        return dump_store(source, fmt, graph=graph, output=output, location=self.location)

    def local_copy(self, graph: str | None = None) -> ox.Store:
        """The store's quads (or one graph's) in an in-memory embedded store
        (:meth:`copy_into`)."""
        local = ox.Store()
        self.copy_into(local, graphs=None if graph is None else [graph])
        return local

    def copy_into(self, target: ox.Store, *, graphs: list[str] | None = None,
                  predicates: list[str] | None = None, page_rows: int = PAGE_ROWS) -> int:
        """Copy the quads of ``graphs`` (default: all the store's), only those of
        ``predicates`` if given, into ``target``; the number copied.

        A few graphs a request, each answer read as it arrives and written
        on at once, so memory holds one page whatever the store's size (an
        on-disk ``target`` keeps it so).  A request asks for at most
        ``page_rows + 1`` rows: more means the batch is split (a server's
        own row cap, Virtuoso's ``ResultSetMaxRows``, would cut a big answer
        silently), down to one graph, then one predicate of one graph.  The
        target is flushed every :data:`FLUSH_ROWS` quads."""
        todo = self.graphs() if graphs is None else list(graphs)
        copied, batch, unflushed = 0, _FIRST_BATCH, 0
        while todo:
            part, todo = todo[:batch], todo[batch:]
            n = self._copy_batch(target, part, predicates, page_rows)
            copied += n
            unflushed += n
            if unflushed >= FLUSH_ROWS:
                # an on-disk target keeps what it was given in memory (RocksDB's
                # memtable) until flushed: without this, a third of the copy
                target.flush()
                unflushed = 0
            # aim the next batch at half a page, from this one's rows per graph
            per_graph = max(1, n // len(part))
            batch = max(1, min(_MAX_BATCH, page_rows // 2 // per_graph))
        return copied

    def _copy_batch(self, target: ox.Store, graphs: list[str], predicates: list[str] | None,
                    page_rows: int) -> int:
        quads = self._page(graphs, predicates, page_rows)
        if quads is not None:
            target.extend(quads)
            return len(quads)
        if len(graphs) > 1:
            half = len(graphs) // 2
            return (self._copy_batch(target, graphs[:half], predicates, page_rows)
                    + self._copy_batch(target, graphs[half:], predicates, page_rows))
        if predicates is None or len(predicates) > 1:
            every = predicates or self._predicates(graphs[0])
            return sum(self._copy_batch(target, graphs, [p], page_rows) for p in every)
        raise StoreError(f"<{graphs[0]}> holds more than {page_rows} quads of <{predicates[0]}> "
                         f"in {self.location}; a page of a copy cannot hold them")

    def _page(self, graphs: list[str], predicates: list[str] | None, page_rows: int
              ) -> list[ox.Quad] | None:
        """The quads of a few graphs, or None when there are more than ``page_rows``."""
        where = "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " } GRAPH ?g { ?s ?p ?o }"
        if predicates:
            where = "VALUES ?p { " + " ".join(f"<{p}>" for p in predicates) + " } " + where
        resp, solutions = self.select_stream(
            f"SELECT ?s ?p ?o ?g WHERE {{ {where} }} LIMIT {page_rows + 1}", union=False)
        with resp:
            quads = [ox.Quad(*row) for row in solutions]
        return quads if len(quads) <= page_rows else None

    def _predicates(self, graph: str) -> list[str]:
        rows = self._query(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                           False, None).rows
        return sorted(r[0].value for r in rows)


#: the start of the top-level WHERE of a SELECT (a projection holds no braces)
_WHERE = re.compile(r"\bSELECT\b[^{]*?\bWHERE\s*\{", re.IGNORECASE | re.DOTALL)


def _with_values(sparql: str, substitutions: dict[str, Term]) -> str:
    """``sparql`` with the substitutions as a ``VALUES`` block.

    At the start of the top-level WHERE group, so the group's ``BIND`` and
    ``FILTER`` see the values, as they see Oxigraph's substitutions; a
    trailing ``VALUES`` clause is joined only after the WHERE is evaluated,
    so ``BIND (COALESCE(STR(?county), "") AS …)`` would never see a county.
    Other forms (no ``SELECT … WHERE {``) get the trailing clause.
    """
    names = list(substitutions)
    values = " ".join(_sparql_term(substitutions[n]) for n in names)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"
    m = _WHERE.search(sparql)
    if m is None:
        return f"{sparql}\n{block}"
    return f"{sparql[:m.end()]}\n  {block}\n{sparql[m.end():]}"


def _endpoints(location: str) -> tuple[str, str | None]:
    if location.startswith("query="):
        parts = dict(p.split("=", 1) for p in location.split(",") if "=" in p)
        if "query" not in parts or not parts["query"].startswith(("http://", "https://")):
            raise StoreError(f"bad --store '{location}'; write query=http://…,update=http://…")
        return parts["query"], parts.get("update")
    base = location.rstrip("/")
    for tail in ("/query", "/sparql"):
        if base.endswith(tail):
            return base, base[: -len(tail)] + "/update"
    return base + "/query", base + "/update"


def _basic_auth(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return None
    token = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(token.encode()).decode()


def _opener(*urls: str | None):
    """``urlopen``, or with ``user:password@`` in the URLs an opener that also
    answers a Digest challenge (Virtuoso's ``/sparql-auth``); Basic is sent
    at once (:func:`_basic_auth`), as Fuseki expects."""
    creds = [(u, urllib.parse.urlsplit(u)) for u in urls if u]
    creds = [(u, p) for u, p in creds if p.username is not None]
    if not creds:
        return urllib.request.urlopen
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    for url, parts in creds:
        passwords.add_password(None, _strip_auth(url), urllib.parse.unquote(parts.username or ""),
                               urllib.parse.unquote(parts.password or ""))
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords)).open


def _strip_auth(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _sparql_term(t: Term) -> str:
    if isinstance(t, ox.BlankNode):
        raise QueryError("a blank node cannot be substituted into a query for a remote store")
    if isinstance(t, ox.Literal) and not t.language and t.datatype.value == _XSD_STRING:
        # the datatype written out: Virtuoso 7.2 turns STR() of a plain
        # non-ASCII constant into "???", but not of a typed one (RDF 1.1:
        # the same literal, so no other engine minds)
        return f"{t}^^<{_XSD_STRING}>"
    return str(t)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


# ------------------------------------------------------------------ opening

