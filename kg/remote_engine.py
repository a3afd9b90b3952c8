"""The web service on a remote SPARQL store (``serve --store http://…``).

:class:`RemoteEngine` offers the web layer what :class:`kg.workers.Engine`
does (``run``, ``update``, ``path``, ``close``), answering through a
:class:`kg.remote.RemoteStore`: there are no worker processes to isolate or
kill, the remote server runs the queries and enforces its own limits
(Virtuoso: ``MaxQueryExecutionTime``, ``ResultSetMaxRows``); fazhi-kg waits
at most ``query_time_limit_ms`` for an answer.  ``lateral`` is false: the
canned and page queries send their plain SPARQL 1.1 forms.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from kg.errors import QueryError, StoreError
from kg.remote import RemoteStore
from kg.sparql import (
    GRAPH_TYPES,
    RESULT_TYPES,
    Checked,
    Formats,
    Result,
    _serialise_boolean,
    _serialise_select,
    pick_format,
    serialise_graph,
)
from kg.sparql_parse import decide
from kg.store_base import term_json
from kg.worker_stream import CHUNK_ROWS, Row


class RemoteEngine:
    """Queries of the web service, answered by a remote SPARQL 1.1 store."""

    lateral = False
    #: no worker processes to isolate: the remote server runs the queries
    isolation = "queries go to a remote SPARQL store"

    def __init__(self, location: str, *, time_limit_ms: int = 10_000,
                 max_rows: int = 10_000) -> None:
        self.path = location
        self.store = RemoteStore(location)
        self.store.timeout = time_limit_ms / 1000
        self.time_limit_ms = time_limit_ms
        self.max_rows = max_rows

    def run(self, checked: Checked, *, fmt: str | Formats = "json", max_rows: int | None = None,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None, time_limit_ms: int | None = None,
            gone: Callable[[], bool] | None = None, client: str | None = None) -> Result:
        """Run a query on the remote store; the result serialised as the workers' are."""
        if not checked.form:
            decision = decide(checked.text)
            checked = Checked(decision.text, decision.form, decision.dataset)
        if default_graphs or named_graphs:
            raise QueryError("default-graph-uri and named-graph-uri are not passed on to a "
                             "remote store; name graphs with GRAPH or FROM in the query",
                             status=400)
        limit = max_rows or self.max_rows
        chosen = pick_format(fmt, checked.form)
        t0 = time.perf_counter()
        try:
            answer = self.store.query(checked.text, substitutions=substitutions)
        except StoreError as exc:
            raise QueryError(str(exc), status=503) from None
        elapsed = (time.perf_counter() - t0) * 1000
        if answer.kind == "ask":
            rfmt = chosen if chosen in RESULT_TYPES else "json"
            return Result(_serialise_boolean(bool(answer.boolean), rfmt), RESULT_TYPES[rfmt],
                          rows=1, form="ASK", elapsed_ms=elapsed)
        if answer.kind == "select":
            rows, truncated = answer.rows[:limit], len(answer.rows) > limit
            rfmt = chosen if chosen in RESULT_TYPES else "json"
            return Result(_serialise_select(answer.variables, [list(r) for r in rows], rfmt,
                                            truncated),
                          RESULT_TYPES[rfmt], rows=len(rows), truncated=truncated,
                          form="SELECT", elapsed_ms=elapsed)
        triples, truncated = answer.triples[:limit], len(answer.triples) > limit
        gfmt = chosen if chosen in GRAPH_TYPES else "turtle"
        return Result(serialise_graph(triples, gfmt), GRAPH_TYPES[gfmt], rows=len(triples),
                      truncated=truncated, form=checked.form, elapsed_ms=elapsed)

    def stream(self, checked: Checked, *, max_rows: int, substitutions: dict[str, Any] | None = None,
               chunk_rows: int = CHUNK_ROWS, time_limit_ms: int | None = None,
               gone: Callable[[], bool] | None = None, hold_ms: int = 0) -> RemoteStream:
        """A SELECT's rows as they arrive from the remote store, ``chunk_rows`` at
        a time, at most ``max_rows`` (as :meth:`kg.workers.Engine.stream`; no
        worker is held here, so ``hold_ms`` is not needed: the time limit
        counts from the request)."""
        return RemoteStream(self.store, checked, substitutions, max_rows, max(1, chunk_rows),
                            time_limit_ms or self.time_limit_ms, gone)

    def update(self, text: str, *, time_limit_ms: int | None = None) -> float:
        """Apply a user's SPARQL update on the remote store; the seconds it took.

        Parsed first, as the workers do (SERVICE and LOAD refused): the
        remote server must not fetch from the network for a user.
        """
        decision = decide(text, update=True)
        t0 = time.perf_counter()
        try:
            self.store._update(decision.text)
        except StoreError as exc:
            raise QueryError(str(exc), status=503) from None
        return time.perf_counter() - t0

    def close(self) -> None:
        self.store.close()


class RemoteStream:
    """A remote SELECT's answer read as it arrives (pyoxigraph parses the HTTP
    response lazily), handed on in chunks: what :class:`kg.worker_stream.Stream`
    is for the workers.  The time limit counts from the request; past it, or
    with the client gone, the connection is closed and the stream ends with
    a QueryError."""

    def __init__(self, store: RemoteStore, checked: Checked, subs: dict[str, Any] | None,
                 max_rows: int, chunk: int, limit_ms: int,
                 gone: Callable[[], bool] | None) -> None:
        self._max, self._chunk, self._limit_ms, self._gone = max_rows, chunk, limit_ms, gone
        self._deadline = time.monotonic() + limit_ms / 1000
        t0 = time.perf_counter()
        try:
            self._resp, self._solutions = store.select_stream(checked.text, subs)
        except StoreError as exc:
            raise QueryError(str(exc), status=503) from None
        self._t0 = t0
        self.columns = [v.value for v in self._solutions.variables]
        self.rows = 0
        self.truncated = False
        self.elapsed_ms = 0.0

    def __iter__(self) -> Iterator[list[Row]]:
        held: list[Row] = []
        try:
            for solution in self._solutions:
                if self.rows + len(held) >= self._max:
                    self.truncated = True
                    break
                held.append({n: term_json(t) for n, t in zip(self.columns, solution)
                             if t is not None})
                if len(held) >= self._chunk:
                    self._check()
                    yield held
                    self.rows += len(held)
                    held = []
            if held:
                yield held
                self.rows += len(held)
        except (SyntaxError, OSError) as exc:
            raise QueryError(f"the remote store's answer broke off: {exc}", status=502) from None
        finally:
            self.elapsed_ms = (time.perf_counter() - self._t0) * 1000
            self.close()

    def _check(self) -> None:
        if time.monotonic() > self._deadline:
            raise QueryError(f"query stopped: it ran longer than query_time_limit_ms="
                             f"{self._limit_ms} ms; narrow it or raise that setting",
                             status=503, setting="query_time_limit_ms")
        if self._gone is not None and self._gone():
            raise QueryError("query stopped: the client disconnected", status=503)

    def close(self) -> None:
        self._resp.close()
