"""Running the pipeline over many files and streaming the results out.

:func:`outcomes` runs :func:`process_file` in this process or in a pool of
worker processes and yields each file's :class:`Outcome` as it finishes,
with a bounded window of files in flight, so memory does not grow with the
corpus.  :class:`Ingest` sends each outcome on:

* to the store, one transaction per file (:meth:`kg.store.Store.replace`):
  the default, safe for any store and for files read again;
* or, with a :class:`ingest.bulk.Shards` folder, to N-Quads shards that a
  background thread bulk-loads into the embedded store while the workers go
  on (``--bulk``), or that any other triple store can load (``--no-load``).

Neither path loses what is stored: a file that fails is one error line and
the others go on; an interrupted run is taken up again by ``--resume`` (files
already in the store are skipped) and by a shard folder's manifest (files
already extracted are skipped, shards not yet loaded are loaded).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ingest import lifeline, pipeline, segment
from ingest.bulk import Loader, Shards, split_nquads
from ingest.limits import Limits, cap_memory, setting_ref
from ingest.limits import configure as configure_limits
from ingest.limits import current as current_limits
from kg.errors import FazhiError, StageError
from kg.names import NameIndex
from kg.names import rows as name_rows
from kg.prepared import FILE, Prepared
from kg.prepared_rows import REPORT, TYPE, Rows, rows_of_graphs
from kg.store import LocalStore, Store

TYPE_NODE, REPORT_NODE = ox.NamedNode(TYPE), ox.NamedNode(REPORT)

#: what a folder walk picks up (files named explicitly are tried whatever they are)
REPORT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")


@dataclass
class Outcome:
    """What processing one file gave (crosses the process boundary).

    ``graphs`` maps graph IRIs to N-Triples text; for a bulk run the worker
    sends ``nquads`` (every graph's triples with the graph name) instead.
    """

    path: str
    graphs: dict[str, str] = field(default_factory=dict)
    nquads: str = ""
    reports: int = 0
    triples: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)   # for kg.names
    prepared: Rows | None = None                                   # for kg.prepared

    @property
    def stem(self) -> str:
        return Path(self.path).stem


def to_nquads(graphs: dict[str, str]) -> str:
    """N-Triples texts per graph as one N-Quads text.

    Every triple line ends in `` .\\n`` and no literal holds a raw newline
    (kg.triples escapes it), so the graph name goes before that ending.
    """
    return "".join(text.replace(" .\n", f" <{g}> .\n") for g, text in graphs.items())


def process_file(path: str, nquads: bool = False, names: bool = False) -> Outcome:
    """Run the pipeline on one file; never raises (errors become ``error``).

    ``names``: also read the names of its entities for the name index and
    its rows for the prepared index (here, in the worker, not in the process
    that writes).
    """
    def named(msg: str) -> Outcome:
        return Outcome(path, error=msg if path in msg else f"{path}: {msg}")

    try:
        doc = pipeline.run(Path(path))
    except StageError as exc:
        if isinstance(exc.cause, FazhiError):
            return named(str(exc.cause))
        if isinstance(exc.cause, MemoryError):
            return named(out_of_memory(f"ran out of memory in stage {exc.stage}"))
        return Outcome(path, error=f"internal error in stage {exc.stage} on {path}: "
                                   f"{type(exc.cause).__name__}: {exc.cause}")
    except FazhiError as exc:
        return named(str(exc))
    except MemoryError:
        return named(out_of_memory("ran out of memory"))
    except Exception as exc:  # outside any stage: still one line, still named
        return Outcome(path, error=f"internal error in stage pipeline on {path}: "
                                   f"{type(exc).__name__}: {exc}")
    found = [r for text in doc.graphs.values() for r in name_rows(text)] if names else []
    prepared = rows_of_graphs(doc.graphs) if names else None
    if nquads:
        return Outcome(path, nquads=to_nquads(doc.graphs), reports=len(doc.reports),
                       triples=doc.triple_count, warnings=list(doc.warnings), names=found,
                       prepared=prepared)
    return Outcome(path, graphs=doc.graphs, reports=len(doc.reports),
                   triples=doc.triple_count, warnings=list(doc.warnings), names=found,
                   prepared=prepared)


def out_of_memory(what: str) -> str:
    """The reason given for a file that ran out of memory or killed its worker."""
    mb = current_limits().ingest_memory_mb
    limit = f"a worker may use {mb:,} MiB, " if mb else ""
    return (f"{what} ({limit}{setting_ref('ingest_memory_mb')}): split it into one file per "
            "report, or raise the limit")


#: How much lower the workers' CPU priority is than the writing process's.
WORKER_NICENESS = 5


def _init_worker(limits: Limits | None = None) -> None:
    """Each worker: dies with its parent, takes the run's limits (its heap
    capped at ``ingest_memory_mb``) and loads jieba's user lexicon itself
    (see ingest.segment)."""
    lifeline.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
    configure_limits(limits)
    cap_memory(current_limits().ingest_memory_mb)
    # The store's writer (this pool's parent, and its bulk-loader thread) is
    # the serial part of an ingest: when cores are short it goes first, and
    # the workers use what it leaves.  Equal shares would let the writer
    # fall behind and finish alone on one core while the other idles.
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass

    segment.setup()


def collect_files(paths: tuple[str, ...] | list[str]) -> tuple[list[Path], list[str]]:
    """Files to ingest, and one problem line per path that cannot be used.

    Folders are walked recursively for report files (hidden and Office
    lock files skipped); files named explicitly are kept whatever their
    extension.  Two files with one stem would share graph names: the
    second is refused, not silently overwritten.
    """
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES
                and not f.name.startswith((".", "~$")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(f"{raw}: no such file or folder")
    seen: dict[str, Path] = {}
    unique: list[Path] = []
    for f in files:
        first = seen.setdefault(f.stem, f)
        if first is f:
            unique.append(f)
        elif first.resolve() != f.resolve():
            problems.append(f"{f}: skipped: same name as {first} (graphs are named after the "
                            "file name; rename one of them)")
    return unique, problems


def outcomes(files: list[Path], workers: int, *, nquads: bool = False,
             names: bool = False) -> Iterator[Outcome]:
    """Process files in this process or a pool, yielding as each finishes.

    A worker that dies (the kernel's OOM killer, a crash in C code on a
    hostile file) takes the pool with it and fails every file in flight.
    Those files are then read again one at a time in a fresh pool, so the
    one that kills its worker alone gets the failed: line and the rest of
    the batch goes on.
    """
    if workers <= 1:
        for f in files:
            yield process_file(str(f), nquads, names)
        return
    # forkserver: workers do not inherit the parent's open store or threads;
    # the server preloads ingest.warm, so each worker is a fork that already
    # holds jieba's dictionary, the lexicons and the gazetteers.
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["ingest.warm"])
    else:
        ctx = mp.get_context("spawn")
    todo = deque(files)
    suspects: deque[Path] = deque()     # in flight when a worker died
    while todo or suspects:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(current_limits(),))
        try:
            if suspects:
                yield from _one_by_one(pool, suspects, nquads, names)
            else:
                yield from _windowed(pool, todo, suspects, 2 * workers, nquads, names)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _windowed(pool: ProcessPoolExecutor, todo: deque[Path], suspects: deque[Path],
              window: int, nquads: bool, names: bool) -> Iterator[Outcome]:
    """Files from ``todo`` with a bounded window in flight (results wait in
    memory), until done or a worker dies (the files in flight → ``suspects``)."""
    pending: dict[Future[Outcome], Path] = {}

    def submit() -> None:
        if todo and not suspects:
            nxt = todo.popleft()
            pending[pool.submit(process_file, str(nxt), nquads, names)] = nxt

    for _ in range(window):
        submit()
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            path = pending.pop(fut)
            try:
                out = fut.result()
            except BrokenProcessPool:
                suspects.append(path)
                continue
            yield out
            submit()
        if suspects:
            # the pool is broken: what is still pending failed with it
            for fut, path in pending.items():
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    suspects.append(path)
            return


def _one_by_one(pool: ProcessPoolExecutor, suspects: deque[Path], nquads: bool,
                names: bool) -> Iterator[Outcome]:
    """Suspects alone, until one kills its worker: that one has failed."""
    while suspects:
        path = suspects.popleft()
        try:
            out = pool.submit(process_file, str(path), nquads, names).result()
        except BrokenProcessPool:
            yield Outcome(str(path), error=f"{path}: " + out_of_memory(
                "its worker process died reading it (out of memory?)"))
            return          # a fresh pool for the rest
        yield out


@dataclass
class Totals:
    """What a run did, for its summary line."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    reports: int = 0
    triples: int = 0


class Ingest:
    """One ingest run: files → outcomes → the store or shards.

    ``say`` prints a line (failures, warnings); ``tick`` advances a progress
    bar once per file.  With ``shards`` the run is a bulk run: outcomes go to
    the shard folder; ``load`` says whether the store loads them as they
    are closed, ``keep_shards`` whether a loaded shard stays on disk.
    ``resume`` skips files whose graphs the store already has.
    """

    def __init__(self, store: Store | None, *, workers: int = 1, shards: Shards | None = None,
                 load: bool = True, keep_shards: bool = True, resume: bool = False,
                 verbose: bool = False,
                 say: Callable[[str], None] = print, tick: Callable[[], None] = lambda: None
                 ) -> None:
        self.store = store
        self.workers = workers
        self.shards = shards
        self.resume = resume
        self.verbose = verbose
        self.say = say
        self.tick = tick
        self.totals = Totals()
        self.loader: Loader | None = None
        # the embedded store's name index gets each stored file's names, and
        # its prepared index each file's rows (kg.prepared)
        local = (isinstance(store, LocalStore) and store.path is not None
                 and not store.read_only)
        self.names = NameIndex.beside(store.path) if local else None
        self.prepared = self._open_prepared(store.path) if local else None
        if shards is not None and load:
            if not isinstance(store, LocalStore):
                raise FazhiError("a bulk load needs the embedded store (a folder); for another "
                                 "triple store write shards with --shards DIR --no-load and load "
                                 "them with that store's own bulk loader")
            self.loader = Loader(store, shards, keep=keep_shards, say=say)

    def todo(self, files: list[Path]) -> list[Path]:
        """The files this run still has to read (resume, shard manifest)."""
        keep = files
        if self.shards is not None and self.shards.files:
            keep = [f for f in keep if f.stem not in self.shards.files]
        if self.resume and self.store is not None:
            keep = [f for f in keep if not self.store.holds(f.stem)]
        self.totals.skipped = len(files) - len(keep)
        return keep

    def run(self, files: list[Path]) -> Totals:
        pipeline.build()            # a misspelt component stops the run here, by name
        files = self.todo(files)
        if self.loader is not None:
            self.loader.start()     # shards a stopped run wrote and did not load go first
        try:
            for out in outcomes(files, self.workers, nquads=self.shards is not None,
                                names=self.names is not None):
                self.tick()
                self._store(out)
            if self.shards is not None:
                closed = self.shards.close_current()
                if closed is not None and self.loader is not None:
                    self.loader.submit(closed)
        finally:
            if self.loader is not None:
                self.loader.finish()
            if self.names is not None:
                self.names.close()
            if self.prepared is not None:
                self.prepared.close()
        if self.loader is not None:
            self.totals.failed += len(self.loader.failed)
        return self.totals

    def _store(self, out: Outcome) -> None:
        t = self.totals
        if out.error is None:
            try:
                self._write(out)
            except FazhiError as exc:
                out.error = f"{out.path}: {exc}"
            else:
                self._index(out)
        if out.error is not None:
            t.failed += 1
            self.say(f"failed: {out.error}")
            return
        t.done += 1
        t.reports += out.reports
        t.triples += out.triples
        if self.verbose:
            self.say(f"stored {out.path}: {out.reports} reports, {out.triples} triples")
        elif out.reports == 0:
            self.say(f"warning: {out.path}: no report found in it")
        # said without --verbose too: a unit missing from the gazetteer, a
        # text read through simplified characters
        for w in out.warnings:
            self.say(f"warning: {out.path}: {w}")

    def _open_prepared(self, path) -> Prepared | None:
        """The store's prepared index, unless it is missing while the store
        already holds reports (a store made by an older version, or whose index
        was deleted): rows for only the files read now would be a wrong index,
        so it is left for `fazhi-kg index` to build whole."""
        if not (path / FILE).exists() and isinstance(self.store, LocalStore) and any(
                True for _ in self.store.ox.quads_for_pattern(None, TYPE_NODE, REPORT_NODE)):
            self.say(f"warning: {path} has no prepared index (made by an older version); "
                     "run `fazhi-kg index` to prepare the pages' tables")
            return None
        return Prepared.beside(path)

    def _index(self, out: Outcome) -> None:
        """Add a stored file's names to the name index and replace its rows in
        the prepared index; if an index cannot be written, say so once and go
        on without it (the store is right; `fazhi-kg index` builds it again)."""
        if self.names is not None:
            try:
                self.names.add(out.names)
            except FazhiError as exc:
                self.say(f"warning: {exc}")
                self.names.close()
                self.names = None
        if self.prepared is not None and out.prepared is not None:
            try:
                self.prepared.replace(out.stem, out.prepared)
            except FazhiError as exc:
                self.say(f"warning: {exc}")
                try:
                    self.prepared.mark_stale(str(exc))
                finally:
                    self.prepared.close()
                self.prepared = None

    def _write(self, out: Outcome) -> None:
        if self.shards is None:
            assert self.store is not None
            self.store.replace(out.stem, out.graphs)
            return
        if self.store is not None and self.store.holds(out.stem):
            # Read before: its old graphs must go in the same transaction,
            # which a bulk load cannot do.

            self.store.replace(out.stem, split_nquads(out.nquads))
            return
        closed = self.shards.add(out.stem, out.nquads, quads=out.triples, reports=out.reports)
        if closed is not None and self.loader is not None:
            self.loader.submit(closed)
