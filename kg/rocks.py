"""The embedded store's RocksDB side: what pyoxigraph does not set for a writer.

* :class:`Flusher`: flushes a writing store's memory tables in the
  background as it writes (:data:`FLUSH_QUADS`);
* :func:`open_writable`: opens a store for writing with at most
  :data:`WRITER_OPEN_FILES` table files open;
* :func:`release_memory`: hands the C heap's free pages back after a bulk load.

Used by :class:`kg.store.LocalStore`; nothing here knows about reports.
"""
from __future__ import annotations

import ctypes
import functools
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from kg.errors import StoreError


class _Writer(Protocol):
    """What a :class:`Flusher` needs of its store."""

    path: Path | None
    location: str
    ox: ox.Store


#: Quads written in transactions between two flushes of an on-disk store's
#: memory tables.  Oxigraph gives each of RocksDB's eleven column families
#: a 128 MB memory table, and a transaction checks every quad it writes
#: against them: as they fill, each write costs more (5 MB of reports with
#: one worker: 15.0 s; 20 MB: 69.7 s, not four times 15), and the final
#: flush of it all (1.3 s at 5 MB) is left to the end.  Flushing every
#: 50,000 quads, in the background while writing goes on, keeps it linear
#: (11.9 s and 44.9 s; docs/benchmarks.md).
FLUSH_QUADS = 50_000


class Flusher:
    """Flushes a writing store's memory tables in the background, every
    :data:`FLUSH_QUADS` quads written, one flush at a time.

    A flush that fails (a full disk) is reported by the next write or by
    ``close``, as a :class:`StoreError` naming the store.
    """

    def __init__(self, store: _Writer) -> None:
        self.store = store
        self.unflushed = 0
        self.thread: threading.Thread | None = None
        self.error: OSError | None = None

    def wrote(self, quads: int) -> None:
        """Count what a write added; start a flush if it is time and none runs."""
        self.unflushed += quads
        if self.store.path is None or self.unflushed < FLUSH_QUADS:
            return
        if self.thread is not None and self.thread.is_alive():
            return                      # the running flush takes these too
        self.unflushed = 0
        self.thread = threading.Thread(target=self._run, name="fazhi-kg-flush", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.store.ox.flush()       # pyoxigraph lets go of the GIL meanwhile
        except OSError as exc:
            self.error = exc

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        self.raise_error()

    def raise_error(self) -> None:
        """Report a failed flush (once), before anything more is written."""
        if self.error is not None:
            exc, self.error = self.error, None
            raise flush_failed(self.store.location, exc) from exc


def flush_failed(location: str, exc: OSError) -> StoreError:
    return StoreError(f"cannot write to the store at {location}: {exc}; free some space and "
                      "ingest again with --resume (files already stored stay)")


#: Most RocksDB table files a writing store keeps open.  Each open file
#: holds its index and filter blocks in memory, and compaction opens them
#: all, so without a cap a writer grows with the store (the writer's peak at
#: 40,000 reports, 258 table files: 426 MB uncapped, 370 MB capped); a file
#: not open is reopened when needed (a millisecond: writers seldom read).
WRITER_OPEN_FILES = 128


def open_writable(path: Path) -> ox.Store:
    """``ox.Store(path)`` with at most :data:`WRITER_OPEN_FILES` table files open.

    pyoxigraph has no option for this: Oxigraph sets RocksDB's
    ``max_open_files`` from the soft ``RLIMIT_NOFILE`` at open time (less 48
    it keeps for itself), so that limit is lowered for the open and put back
    right after.  Read-only opens (the server) keep every file open.
    """
    try:
        import resource  # Unix only (see the except)
    except ImportError:                 # Windows: Oxigraph caps it there anyway
        return ox.Store(str(path))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = WRITER_OPEN_FILES + 48
    if (soft != resource.RLIM_INFINITY and soft <= want) or _open_fds() > want // 2:
        # Already as low, or this process holds so many files that another
        # thread could be refused one while the limit is down: no cap.
        return ox.Store(str(path))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    try:
        return ox.Store(str(path))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _open_fds() -> int:
    """File descriptors this process holds (0 where /proc cannot tell)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):     # not glibc (musl, macOS, Windows)
        return None


def release_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc; elsewhere nothing).

    Why: Oxigraph's bulk loader builds each batch in threads of its own, and
    glibc keeps what those threads free in per-thread arenas for reuse.  That
    kept memory, not live data, is what made a long bulk run grow with the
    corpus (measured in docs/benchmarks.md); trimming after each shard costs
    a few milliseconds.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


