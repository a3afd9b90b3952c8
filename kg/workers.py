"""Query workers: processes that parse and run queries, so the server never does.

Each worker holds ``Store.read_only(path)`` and answers one query at a
time.  It starts by leaving the network (:func:`kg.netns.isolate`), caps its
heap, and loads the SPARQL grammar.  For a user's text it first parses it
(:func:`kg.sparql_parse.decide`) and says so, then runs it
(:func:`kg.sparql.execute`).

:class:`Engine` keeps two lanes of workers, so that ordinary requests never
queue behind runaway queries:

* ``pages``: the project's own queries (entity pages, search, canned
  queries), ``page_workers`` of them;
* ``sparql``: users' SPARQL texts, ``query_workers`` of them, running at a
  lower CPU priority (``query_nice``) so a runaway there slows the pages
  lane as little as the kernel allows.  A query running past
  ``query_long_ms`` is *long*; at most ``query_workers - 1`` long ones run
  at once (one if there is one worker), so a worker is left for short
  queries: a further query is stopped with 503 when it turns long.  A
  client (address) whose query turned long is *heavy* for
  :data:`HEAVY_S`: while it is, its queries count as long from the start
  (they need a long slot before a worker, and are refused with 503 after a
  second's pause when none is free), and wait behind everyone else's for a
  free worker.  So a client sending runaways again and again never takes
  the worker kept for short queries.

Every run counts against the time limit from when the worker gets the
query (parsing included); past it, or when the client has gone, the worker
is killed (its CPU freed at once) and a fresh one started.  A worker that
dies is replaced too, and its client told why.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.namespace import PREFIXES
from kg.netns import isolate
from kg.sparql import Checked, Formats, Result, execute
from kg.sparql_parse import decide, warm
from kg.store import bump_generation, read_generation
from kg.worker_stream import CHUNK_ROWS, Stream, raise_for, send_rows

log = logging.getLogger("fazhi_kg.workers")

LANES = ("pages", "sparql")
_START_TIMEOUT_S = 60.0
#: how often a waiting request checks whether its client is still there
_POLL_S = 0.25
#: how long a client whose query turned long queues behind the others
HEAVY_S = 60.0
_HEAVY_PAUSE_S = 1.0


def _worker_main(path: str, conn, memory_mb: int = 0, nice: int = 0) -> None:
    """A worker's life: isolate, limit, open the store, answer queries until told to stop.

    The first message says whether the store opened and whether the
    network is cut (None) or why not.  ``memory_mb`` caps the heap
    (RLIMIT_DATA): a query that would eat the machine's memory (an ORDER BY
    over a cross product) makes this process abort instead.
    """
    isolation = isolate()               # first: before any thread or socket exists
    if nice:
        # at least ``nice`` (a replacement may have been started niced already)
        os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))
    if memory_mb:
        import resource  # Unix only, and only when a cap is set

        limit = memory_mb * 2 ** 20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    warm()
    try:
        view = _View(path)
    except (OSError, RuntimeError) as exc:
        conn.send(("fail", str(exc)))
        return
    conn.send(("ready", isolation))
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        store = view.current()
        try:
            checked = Checked(req["text"], req["form"], req.get("dataset", False))
            if not checked.form:
                decision = decide(checked.text)
                checked = Checked(decision.text, decision.form, decision.dataset)
                conn.send(("parsed", checked.form))
            subs = req.get("substitutions")
            if subs:
                subs = {k: _term_from(v) for k, v in subs.items()}
            if req.get("stream"):
                send_rows(store, checked, subs, req["max_rows"], req["stream"], conn)
                continue
            try:
                res = _run(store, checked, req, subs)
            except (OSError, RuntimeError):
                # a view older than the store can miss a table file the
                # writer has since compacted away: once, on a fresh view
                if not view.stale():
                    raise
                res = _run(view.current(force=True), checked, req, subs)
            conn.send(("ok", res))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except QueryError as exc:
            conn.send(("query", (str(exc), exc.status, exc.setting)))
        except MemoryError:
            conn.send(("query", ("the query needs more memory than query_memory_mb allows; "
                                 "narrow it", 503, "query_memory_mb")))
        except Exception as exc:  # reported to the caller as a 500 without traceback
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _run(store: Any, checked: Checked, req: dict[str, Any], subs: dict[str, Any] | None) -> Result:
    """One request of a worker, run on ``store``."""
    return execute(store, checked, fmt=req["fmt"], max_rows=req["max_rows"],
                   default_graphs=req.get("default_graphs"),
                   named_graphs=req.get("named_graphs"), substitutions=subs)


#: Least time between two reopenings of a worker's store: while an ingest
#: commits file after file, a worker reopens at most this often, not before
#: every query (the delay a reader may see is at most this, measured in
#: README "Live reads").
REOPEN_MIN_S = 1.0
_REOPEN_TRIES = 5


class _View:
    """A worker's read-only view of the store, opened again when the store's
    generation marker (:func:`kg.store.bump_generation`) has changed.

    A read-only open is a snapshot of the moment it was made: without this,
    a server would never show what an ingest committed after it started,
    and a worker replaced after a timeout would see more than the others.
    """

    def __init__(self, path: str) -> None:
        self._ox, self._read = ox, read_generation
        self.path = path
        self.generation = read_generation(path)     # read first: a later commit still shows
        self.store = self._open()
        self.opened = time.monotonic()

    def _open(self) -> Any:
        """A read-only open, tried again a few times: while a writer compacts,
        a table file can go between reading the manifest and opening it
        (RocksDB then says "Corruption"); the next try reads the new manifest."""
        for attempt in range(_REOPEN_TRIES):
            try:
                return self._ox.Store.read_only(self.path)
            except (OSError, RuntimeError):
                if attempt == _REOPEN_TRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def stale(self) -> bool:
        """Has the store changed since this view was opened?"""
        return self._read(self.path) != self.generation

    def current(self, force: bool = False) -> Any:
        """The store, reopened first if it changed (at most every :data:`REOPEN_MIN_S`,
        unless ``force``)."""
        if not force and time.monotonic() - self.opened < REOPEN_MIN_S:
            return self.store
        generation = self._read(self.path)
        if generation == self.generation:
            return self.store
        try:
            store = self._open()
        except (OSError, RuntimeError) as exc:
            log.warning("cannot reopen %s to see new data (%s); answering from the previous "
                        "view", self.path, exc)
            return self.store
        self.store, self.generation, self.opened = store, generation, time.monotonic()
        return store


def _update_main(path: str, text: str, conn) -> None:
    """A one-off process applying a SPARQL update: parse (refuse SERVICE/LOAD), apply, flush."""
    isolate()

    try:
        decision = decide(text, update=True)
        store = ox.Store(path)
        store.update(decision.text, prefixes=dict(PREFIXES))
        store.flush()
        del store

        bump_generation(Path(path))
        conn.send(("ok", None))
    except QueryError as exc:
        conn.send(("query", (str(exc), exc.status, exc.setting)))
    except SyntaxError as exc:
        conn.send(("query", (f"malformed update: {exc}", 400, None)))
    except OSError as exc:
        conn.send(("query", (f"the update failed: {exc}", 500, None)))


def _term_from(spec: tuple) -> Any:
    """Rebuild a pyoxigraph term from a picklable (kind, value, extra)."""
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
    def __init__(self, ctx, path: str, memory_mb: int, lane: str, nice: int) -> None:
        self.lane = lane
        self.isolation: str | None = None
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(path, child, memory_mb, nice),
                                daemon=True, name=f"fazhi-kg-{lane}")
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
        self.isolation = payload

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class _Pool:
    """Idle workers of one lane, handed to waiting requests light ones first.

    A waiter is (heavy, arrival); the first waiter gets the next free worker,
    so among equals it is first come, first served.
    """

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._free: deque[_Worker] = deque()
        self._waiters: list[tuple[bool, int]] = []
        self._seq = itertools.count()

    def put(self, worker: _Worker) -> None:
        with self._cv:
            self._free.append(worker)
            self._cv.notify_all()

    def get(self, timeout: float, heavy: bool = False) -> _Worker:
        """The next free worker for this waiter; queue.Empty after ``timeout`` s."""
        end = time.monotonic() + timeout
        with self._cv:
            me = (heavy, next(self._seq))
            heapq.heappush(self._waiters, me)
            try:
                while not (self._free and self._waiters[0] == me):
                    left = end - time.monotonic()
                    if left <= 0:
                        raise queue.Empty
                    self._cv.wait(left)
                return self._free.popleft()
            finally:
                self._waiters.remove(me)
                heapq.heapify(self._waiters)
                self._cv.notify_all()

    def get_nowait(self) -> _Worker:
        with self._cv:
            if not self._free:
                raise queue.Empty
            return self._free.popleft()

    def qsize(self) -> int:
        return len(self._free)


class Engine:
    """Two lanes of worker processes answering queries on an on-disk store.

    ``size`` workers answer users' SPARQL at once, ``page_size`` the
    project's own queries; a request waits for an idle worker of its lane
    at most ``queue_ms``.  A worker that overruns is killed and replaced.
    The constructor waits until every worker has opened the store, so a
    store that cannot be opened fails here (StoreError), not on the first
    query.  :attr:`isolation` is None when the workers have no network, else
    the reason they do.
    """

    #: Oxigraph knows LATERAL: canned and page queries send that form (kg.queries)
    lateral = True

    def __init__(self, path: str, *, size: int = 2, page_size: int = 2,
                 time_limit_ms: int = 10_000, max_rows: int = 10_000, memory_mb: int = 0,
                 queue_ms: int | None = None, nice: int = 10, long_ms: int = 2000) -> None:
        self.path = str(path)
        self.time_limit_ms = time_limit_ms
        #: how long a query may wait for a free worker (default: the time limit)
        self.queue_ms = queue_ms or time_limit_ms
        self.max_rows = max_rows
        self.memory_mb = memory_mb
        self.nice = nice
        self.long_ms = long_ms
        self._long = 0                  # long users' queries running now
        self._long_lock = threading.Lock()
        self._ctx = mp.get_context("spawn")
        self._idle: dict[str, _Pool] = {lane: _Pool() for lane in LANES}
        self._heavy: dict[str, float] = {}     # client → monotonic time it stops being heavy
        self._update_lock = threading.Lock()
        self._closed = False
        self.sizes = {"sparql": max(1, size), "pages": max(1, page_size)}
        self.size = self.sizes["sparql"]
        self.max_long = max(1, self.size - 1)
        self.isolation: str | None = None
        for lane in LANES:
            self._start(lane, self.sizes[lane])

    def _new(self, lane: str) -> _Worker:
        return _Worker(self._ctx, self.path, self.memory_mb, lane,
                       self.nice if lane == "sparql" else 0)

    def _start(self, lane: str, n: int) -> None:
        workers = [self._new(lane) for _ in range(n)]
        try:
            for w in workers:
                w.wait_ready()
        except StoreError:
            for w in workers:
                w.kill()
            raise
        for w in workers:
            self.isolation = w.isolation
            self._idle[lane].put(w)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        if self._closed:
            return
        try:
            self._start(worker.lane, 1)
        except StoreError:
            # keep the lane's size: a worker that cannot open the store
            # answers every query with "worker died" rather than hanging
            self._idle[worker.lane].put(self._new(worker.lane))

    def _retire(self, worker: _Worker) -> None:
        threading.Thread(target=self._replace_niced, args=(worker,), daemon=True).start()

    def _replace_niced(self, worker: _Worker) -> None:
        """Replace a worker from a thread running at the lane's priority: on
        Linux a process starts with its parent thread's nice value, so a
        sparql-lane replacement (runaways make many) starts Python and loads
        its modules at low priority too, not just its queries."""
        if worker.lane == "sparql" and self.nice:
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
            except OSError:
                pass
        self._replace(worker)

    def _acquire(self, lane: str, limit_s: float, heavy: bool = False) -> _Worker:
        try:
            return self._idle[lane].get(timeout=limit_s, heavy=heavy)
        except queue.Empty:
            raise QueryError(f"the server is busy: no query worker became free within "
                             f"query_queue_ms={self.queue_ms}; retry later",
                             status=503, setting="query_queue_ms") from None

    def run(self, checked: Checked, *, fmt: str | Formats = "json", max_rows: int | None = None,
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            substitutions: dict[str, Any] | None = None, time_limit_ms: int | None = None,
            gone: Callable[[], bool] | None = None, client: str | None = None) -> Result:
        """Run a query in a worker of its lane (a user's text: ``sparql``).

        ``gone()`` true means the client has disconnected: the worker is
        then stopped rather than left computing an answer nobody reads.
        ``client`` (its address) is remembered as heavy when its query turns
        long, and then queues behind the others for a while.
        """
        limit_ms = time_limit_ms or self.time_limit_ms
        lane = "pages" if checked.form else "sparql"
        state = {"long": False, "client": client}
        heavy = lane == "sparql" and self._is_heavy(client)
        if heavy:
            self._reserve_long(state)
        try:
            worker = self._acquire(lane, self.queue_ms / 1000, heavy)
        except QueryError:
            self._release_long(state)
            raise
        deadline = time.monotonic() + limit_ms / 1000   # the limit counts from the start of the run
        req = {"text": checked.text, "form": checked.form, "dataset": checked.dataset,
               "fmt": fmt, "max_rows": max_rows or self.max_rows,
               "default_graphs": default_graphs, "named_graphs": named_graphs,
               "substitutions": {k: term_spec(v) for k, v in (substitutions or {}).items()}}
        parsed = bool(checked.form)
        # a user's query turns long at long_ms (pages' queries never do)
        long_at = time.monotonic() + self.long_ms / 1000 if lane == "sparql" and self.long_ms \
            else None
        try:
            worker.conn.send(req)
            while True:
                self._wait(worker, deadline, limit_ms, gone, long_at, state)
                kind, payload = worker.conn.recv()
                if kind != "parsed":
                    break
                parsed = True
        except (EOFError, OSError, BrokenPipeError):
            raise self._died(worker, parsed) from None
        finally:
            self._release_long(state)
        self._idle[lane].put(worker)
        if kind == "ok":
            return payload
        raise_for(kind, payload)
        raise AssertionError("unreachable")

    def stream(self, checked: Checked, *, max_rows: int, substitutions: dict[str, Any] | None = None,
               chunk_rows: int = CHUNK_ROWS, time_limit_ms: int | None = None,
               gone: Callable[[], bool] | None = None, hold_ms: int = 0) -> Stream:
        """Run one of the project's SELECTs in a pages worker, its rows coming
        ``chunk_rows`` at a time, at most ``max_rows`` (:mod:`kg.worker_stream`);
        the stream gives the worker up after ``hold_ms`` (0: never).

        Returns once the worker has sent the columns, so a refusal (busy,
        malformed, out of time) is raised here, before any row."""
        if checked.form != "SELECT":
            raise QueryError("only the project's own SELECTs are streamed", status=500)
        limit_ms = time_limit_ms or self.time_limit_ms
        worker = self._acquire("pages", self.queue_ms / 1000)
        req = {"text": checked.text, "form": checked.form, "stream": max(1, chunk_rows),
               "max_rows": max_rows,
               "substitutions": {k: term_spec(v) for k, v in (substitutions or {}).items()}}
        try:
            worker.conn.send(req)
        except (OSError, BrokenPipeError):
            raise self._died(worker, True) from None
        return Stream(self, worker, limit_ms, gone, hold_ms)

    def receive(self, worker: _Worker, deadline: float, limit_ms: int,
                gone: Callable[[], bool] | None) -> tuple[str, Any]:
        """A streaming worker's next message, by ``deadline``; a worker that
        overruns, loses its client or dies is retired (QueryError)."""
        try:
            self._wait(worker, deadline, limit_ms, gone)
            return worker.conn.recv()
        except (EOFError, OSError):
            raise self._died(worker, True) from None

    def give_back(self, worker: _Worker) -> None:
        """A worker that has finished its answer, free for the next query."""
        self._idle[worker.lane].put(worker)

    def discard(self, worker: _Worker) -> None:
        """A worker stopped in the middle of an answer: killed and replaced."""
        self._retire(worker)

    def _wait(self, worker: _Worker, deadline: float, limit_ms: int,
              gone: Callable[[], bool] | None, long_at: float | None = None,
              state: dict | None = None) -> None:
        """Until the worker answers; kill it at the deadline, when the client is
        gone, or when it turns long while the long slots are taken."""
        while True:
            now = time.monotonic()
            step = deadline - now
            if gone is not None:
                step = min(step, _POLL_S)
            if long_at is not None and state is not None and not state["long"]:
                step = min(step, long_at - now)
            if worker.conn.poll(max(0.0, step)):
                return
            now = time.monotonic()
            if long_at is not None and state is not None and not state["long"] \
                    and now >= long_at:
                self._mark_heavy(state.get("client"))
                with self._long_lock:
                    if self._long < self.max_long:
                        self._long += 1
                        state["long"] = True
                if not state["long"]:
                    self._retire(worker)
                    raise QueryError(
                        f"query stopped: it ran past query_long_ms={self.long_ms} ms while "
                        f"{self.max_long} other long queries were running (a worker is kept "
                        "for short queries); retry later or narrow it",
                        status=503, setting="query_long_ms")
            if now >= deadline:
                self._retire(worker)
                raise QueryError(
                    f"query stopped: it ran longer than query_time_limit_ms={limit_ms} ms; "
                    f"simplify it or raise that setting",
                    status=503, setting="query_time_limit_ms")
            if gone is not None and gone():
                self._retire(worker)
                raise QueryError("query stopped: the client disconnected", status=503)

    def _is_heavy(self, client: str | None) -> bool:
        return client is not None and self._heavy.get(client, 0.0) > time.monotonic()

    def _reserve_long(self, state: dict) -> None:
        """A heavy client's query is taken as long from the start: it needs a
        long slot before it gets a worker, so it never takes the one kept for
        short queries; none free → 503 after a pause (no CPU spent)."""
        with self._long_lock:
            if self._long < self.max_long:
                self._long += 1
                state["long"] = True
                return
        time.sleep(_HEAVY_PAUSE_S)              # a client retrying in a loop slows down
        raise QueryError(
            f"the server is busy with long queries (query_long_ms={self.long_ms}) and this "
            "client's recent queries ran long; retry in a while or narrow them",
            status=503, setting="query_long_ms")

    def _release_long(self, state: dict) -> None:
        if state["long"]:
            state["long"] = False
            with self._long_lock:
                self._long -= 1

    def _mark_heavy(self, client: str | None) -> None:
        if client is None:
            return
        now = time.monotonic()
        if len(self._heavy) > 10_000:           # forget the clients no longer heavy
            self._heavy = {c: t for c, t in self._heavy.items() if t > now}
        self._heavy[client] = now + HEAVY_S

    def _died(self, worker: _Worker, parsed: bool) -> QueryError:
        worker.proc.join(1)
        code = worker.proc.exitcode
        log.warning("a %s query worker died (exit code %s, %s); replacing it", worker.lane, code,
                    "after parsing" if parsed else "while parsing")
        self._retire(worker)
        if not parsed:
            return QueryError("query refused: the parser failed on it (the worker parsing it "
                              f"ended with code {code}); it was not run", status=400)
        if code is not None and code < 0 and -code == 6:    # SIGABRT: allocation failed
            return QueryError("query stopped: it needed more memory than query_memory_mb="
                              f"{self.memory_mb} allows; narrow it or raise that setting",
                              status=503, setting="query_memory_mb")
        return QueryError("the query worker died; retry, and if it happens again, "
                          "report the query", status=500)

    def _take_all(self, limit_s: float) -> list[_Worker]:
        """Every worker of both lanes (waiting for running queries to end)."""
        taken: list[_Worker] = []
        try:
            for lane in LANES:
                for _ in range(self.sizes[lane]):
                    taken.append(self._acquire(lane, limit_s))
        except QueryError:
            for w in taken:
                self._idle[w.lane].put(w)
            raise
        return taken

    def update(self, text: str, *, time_limit_ms: int | None = None) -> float:
        """Apply a user's SPARQL update; returns the seconds it took.

        Oxigraph does not support reading a store read-only while another
        process writes it, so: take every worker (waiting for running
        queries to end), stop them, parse and apply the update in a process
        of its own (no network, the time limit), start fresh workers.
        """
        limit_ms = time_limit_ms or self.time_limit_ms
        with self._update_lock:
            taken = self._take_all(limit_ms / 1000)
            for w in taken:
                w.kill()
            t0 = time.perf_counter()
            conn, child = self._ctx.Pipe()
            proc = self._ctx.Process(target=_update_main, args=(self.path, text, child),
                                     daemon=True, name="fazhi-kg-update")
            try:
                proc.start()
                child.close()
                if not conn.poll(limit_ms / 1000 + _START_TIMEOUT_S):
                    raise QueryError(f"update stopped: it ran longer than query_time_limit_ms="
                                     f"{limit_ms} ms; nothing was applied", status=503,
                                     setting="query_time_limit_ms")
                kind, payload = conn.recv()
            except (EOFError, OSError):
                raise QueryError("the update process died; nothing was applied",
                                 status=500) from None
            finally:
                proc.kill()
                proc.join(5)
                conn.close()
                for lane in LANES:
                    self._start(lane, self.sizes[lane])
            if kind == "query":
                message, status, setting = payload
                raise QueryError(message, status=status, setting=setting)
            return time.perf_counter() - t0

    def close(self) -> None:
        self._closed = True
        for lane in LANES:
            while True:
                try:
                    w = self._idle[lane].get_nowait()
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
