"""Answers that stream out of a query worker in chunks (the canned queries' exports).

:meth:`kg.workers.Engine.run` gets a whole serialised answer from its
worker at once, capped at ``max_rows``: right for a page, wrong for an
export of every row.  An export asks :meth:`kg.workers.Engine.stream`
instead.  The worker (:func:`send_rows`) then reads the query's solutions
one by one (Oxigraph evaluates lazily) and sends them down its pipe
``chunk`` rows at a time; :class:`Stream`, in the web process, hands each
chunk on as it comes.  Memory stays bounded on both sides: the worker
holds one chunk, and blocks on a full pipe until the web process has read
the previous ones; the web process holds one chunk and writes it out.

The rules of :meth:`~kg.workers.Engine.run` hold: the time the web process
waits for the worker counts against ``query_time_limit_ms`` (summed over
the chunks, so a client reading slowly does not use it up; such a client
holds the worker, though, so a stream may last ``export_time_limit_ms``
from its start at most), a client gone
stops the worker, and a worker that dies, or overruns, is killed and
replaced, the stream ending with an error (:class:`~kg.errors.QueryError`)
that the caller writes as its last line.  At most ``max_rows`` rows come;
then :attr:`Stream.truncated` is true.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.sparql import Checked
from kg.store_base import term_json

#: Rows per message from a worker: big enough that pickling is not the cost,
#: small enough that a chunk of long sentences stays well under a MiB.
CHUNK_ROWS = 500

Row = dict[str, dict[str, str]]      # SPARQL JSON terms by variable, as kg.canned.Table holds


def send_rows(store: Any, checked: Checked, subs: dict[str, Any] | None, max_rows: int,
              chunk: int, conn: Any) -> None:
    """In the worker: run a project SELECT on ``store`` (the union of all graphs as
    its default graph, as :func:`kg.sparql.execute` without FROM) and send
    ``("columns", names)``, ``("rows", [row, …])`` … and ``("end", {rows, truncated})``."""
    kwargs: dict[str, Any] = {"prefixes": dict(PREFIXES), "use_default_graph_as_union": True}
    if subs:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in subs.items()}
    t0 = time.perf_counter()
    answer = store.query(checked.text, **kwargs)
    if not isinstance(answer, ox.QuerySolutions):
        raise QueryError("only a SELECT can be streamed", status=400)
    names = [v.value for v in answer.variables]
    conn.send(("columns", names))
    held: list[Row] = []
    sent, truncated = 0, False
    for solution in answer:
        if sent + len(held) >= max_rows:
            truncated = True          # a row past the cap: say so, read no further
            break
        held.append({n: term_json(t) for n, t in zip(names, solution) if t is not None})
        if len(held) >= chunk:
            conn.send(("rows", held))
            sent += len(held)
            held = []
    if held:
        conn.send(("rows", held))
        sent += len(held)
    conn.send(("end", {"rows": sent, "truncated": truncated,
                       "elapsed_ms": (time.perf_counter() - t0) * 1000}))


class Lanes(Protocol):
    """What a stream needs of :class:`kg.workers.Engine` (named here, not
    imported: kg.workers imports this module)."""

    def receive(self, worker: Any, deadline: float, limit_ms: int,
                gone: Callable[[], bool] | None) -> tuple[str, Any]: ...

    def give_back(self, worker: Any) -> None: ...

    def discard(self, worker: Any) -> None: ...


def raise_for(kind: str, payload: Any) -> None:
    """A worker's refusal or failure message as the QueryError the caller raises."""
    if kind == "syntax":
        raise QueryError(f"malformed query: {payload}", status=400)
    if kind == "query":
        message, status, setting = payload
        raise QueryError(message, status=status, setting=setting)
    raise QueryError(f"the query failed: {payload}", status=500)


class Stream:
    """An answer coming from a worker, chunk by chunk (see the module's doc).

    Made by :meth:`kg.workers.Engine.stream`, which has already waited for
    the columns: an error before the first row (busy, malformed, out of
    time) is raised there, while the response can still say so in its
    status.  Iterate for lists of rows; :meth:`close` (also on garbage
    collection of an unfinished stream by the server) gives the worker
    back, or kills it when the answer was not read to its end.
    """

    def __init__(self, engine: Lanes, worker: Any, limit_ms: int,
                 gone: Callable[[], bool] | None, hold_ms: int = 0) -> None:
        self._engine, self._worker = engine, worker
        self._limit_ms, self._gone = limit_ms, gone
        self._left_s = limit_ms / 1000
        self._hold_ms = hold_ms
        #: a client reading slowly holds the worker (it blocks on a full
        #: pipe): at most ``hold_ms`` from the start, whatever the pace
        self._hold_until = time.monotonic() + hold_ms / 1000 if hold_ms else None
        self.columns: list[str] = []
        self.rows = 0
        self.truncated = False
        self.elapsed_ms = 0.0
        self._done = False
        first = self._next()
        if first[0] != "columns":
            raise QueryError(f"the query worker sent {first[0]!r} before the columns", status=500)
        self.columns = first[1]

    def _next(self) -> tuple[str, Any]:
        """The worker's next message, waiting at most what is left of the time limit."""
        start = time.monotonic()
        if self._hold_until is not None and start > self._hold_until:
            self.close()
            raise QueryError(f"export stopped: it held its query worker longer than "
                             f"export_time_limit_ms={self._hold_ms} ms (a slow client?); "
                             "narrow it with the query's parameters", status=503,
                             setting="export_time_limit_ms")
        try:
            kind, payload = self._engine.receive(self._worker, start + self._left_s,
                                                 self._limit_ms, self._gone)
        except QueryError:
            self._done = True         # the engine has retired the worker
            raise
        finally:
            self._left_s -= time.monotonic() - start
        if kind in ("columns", "rows", "end"):
            return kind, payload
        self._finish()                # a refusal: the worker is ready for the next query
        raise_for(kind, payload)
        raise AssertionError("unreachable")

    def __iter__(self) -> Iterator[list[Row]]:
        while not self._done:
            kind, payload = self._next()
            if kind == "end":
                self.rows, self.truncated = payload["rows"], payload["truncated"]
                self.elapsed_ms = payload["elapsed_ms"]
                self._finish()
                return
            yield payload

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._engine.give_back(self._worker)

    def close(self) -> None:
        """Give the worker back; one stopped mid-answer is killed and replaced
        (it cannot be told to stop, and may be blocked sending)."""
        if not self._done:
            self._done = True
            self._engine.discard(self._worker)

    def __del__(self) -> None:
        self.close()
