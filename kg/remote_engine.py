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
from collections.abc import Callable
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
