"""Where the graph lives: one interface, three backends.

A *location* string picks the backend (:func:`open_store`):

==========================  ==================================================
location                    backend
==========================  ==================================================
a folder path (default)     embedded on-disk Oxigraph (RocksDB) in that folder
``memory:`` or ``None``     in-memory Oxigraph (tests, one-off runs)
``http://…`` / ``https://…`` a remote SPARQL 1.1 store: ``URL/query`` and
                            ``URL/update`` (as ``oxigraph serve`` and Fuseki's
                            ``/dataset`` expose them)
``query=URL,update=URL``    a remote store with explicit endpoints
==========================  ==================================================

The default location is ``$FAZHI_KG_STORE``, else ``./fazhi-kg-store``.

Every report lives in its own named graph (:func:`kg.namespace.graph_iri`),
the ontology in :data:`kg.namespace.ONTOLOGY_GRAPH`; the default graph is
never written.  :meth:`Store.replace` swaps all graphs of one source file in
ONE SPARQL update, which Oxigraph (embedded or served) applies as a
transaction: after a crash or an error the store holds the file's old graphs
or its new ones, never a mix.

:class:`LocalStore` is here, with the RocksDB settings it needs in
:mod:`kg.rocks`; :class:`kg.remote.RemoteStore` is the remote backend.  The
interface both implement (:class:`Store`, :class:`Answer`, the serialiser
:func:`dump_store`) is :mod:`kg.store_base`, whose names are importable from
here too.
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.namespace import PREFIXES
from kg.rocks import Flusher, flush_failed, open_writable, release_memory
from kg.store_base import (  # noqa: F401 (the interface, importable from here as it always was)
    FORMATS,
    STAT_CLASSES,
    Answer,
    Store,
    Term,
    answer_from_ox,
    checked_ntriples,
    dump_store,
    format_of,
    graph_prefix,
    ontology_ntriples,
    term_json,
)

DEFAULT_STORE = "fazhi-kg-store"
#: A file in an embedded store's folder that every commit rewrites, so the
#: processes reading the store (a server's query workers) know to open it
#: again: a read-only open of RocksDB is a snapshot of the moment it opened.
GENERATION_FILE = "fazhi-kg-generation"
ENV_VAR = "FAZHI_KG_STORE"
#: Where the web's uploads keep each stored file as sent, inside the store
#: folder (kg.web.upload), so that a re-ingest can rebuild from them; a
#: deleted report's file goes from there too (kg.delete).
UPLOADS = "uploads"
MEMORY = "memory:"

def default_location() -> str:
    """``$FAZHI_KG_STORE`` if set, else ``./fazhi-kg-store``."""
    return os.environ.get(ENV_VAR) or DEFAULT_STORE


def bump_generation(folder: Path) -> None:
    """Say that ``folder``'s store changed: a new value in :data:`GENERATION_FILE`.

    Written whole (a temporary file renamed over it), so a reader sees the
    old value or the new one.  A marker that cannot be written costs the
    readers only freshness, never data: the commit stands.
    """
    tmp = folder / f".{GENERATION_FILE}.{os.getpid()}"
    try:
        tmp.write_text(f"{time.time_ns()} {os.getpid()}\n")
        os.replace(tmp, folder / GENERATION_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)


def read_generation(folder: str | Path) -> str:
    """The store's generation marker now ("" for a store never written since
    markers exist); compare two readings to know whether it changed."""
    try:
        return (Path(folder) / GENERATION_FILE).read_text()
    except OSError:
        return ""


# ------------------------------------------------------------------ embedded

class LocalStore(Store):
    """Embedded Oxigraph: on disk in ``path``, or in memory (``path=None``).

    ``ox`` is the pyoxigraph store itself, for code that needs its API.
    """

    def __init__(self, path: str | Path | None = None, *, create: bool = True,
                 shared: bool = False) -> None:
        self.path = None if path is None else Path(path)
        self.location = MEMORY if path is None else str(path)
        self.read_only = False
        self._flusher = Flusher(self)
        if self.path is None:
            self.ox = ox.Store()
            return
        self._check_folder(create)
        try:
            self.ox = open_writable(self.path)
        except OSError as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the store at {self.path}: {exc}; check that the "
                                 "folder is a fazhi-kg store you may write to, or use --store "
                                 "with another folder") from exc
            if not shared:
                raise StoreError(f"another fazhi-kg process holds {self.path}; stop it or use "
                                 "--store with another folder") from exc
            # Another process is writing: read what it has committed so far.
            try:
                self.ox = ox.Store.read_only(str(self.path))
            except OSError as exc2:
                raise StoreError(f"another fazhi-kg process holds {self.path} and it cannot be "
                                 f"read meanwhile ({exc2}); stop that process") from exc2
            self.read_only = True

    def _check_folder(self, create: bool) -> None:
        p = self.path
        assert p is not None
        if p.exists() and not p.is_dir():
            raise StoreError(f"the store location {p} is a file, not a folder; use --store "
                             "with a folder (it is created if missing)")
        if not p.exists():
            if not create:
                raise StoreError(f"no store at {p}; build one with `fazhi-kg ingest --store {p} "
                                 "REPORTS…` or point --store (or $FAZHI_KG_STORE) at one")
            try:
                p.parent.mkdir(parents=True, exist_ok=True)   # Oxigraph makes only the last
            except OSError as exc:
                raise StoreError(f"cannot create the folder for the store {p}: {exc}; use "
                                 "--store with a folder you may write to") from exc
            return
        # Oxigraph would happily write its files into any folder; refuse a
        # folder of other things (a mistyped --store pointing at the reports).
        if any(p.iterdir()) and not (p / "CURRENT").exists():
            raise StoreError(f"{p} is a folder that is not a fazhi-kg store (no Oxigraph files "
                             "in it); use --store with a new or empty folder")

    def _committed(self) -> None:
        """After each commit: readers of an on-disk store open it again."""
        if self.path is not None:
            bump_generation(self.path)

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.location} is open read-only because another process holds "
                             "it; stop that process to write")

    def _swap(self, source_stem: str, old: list[str], graphs: Mapping[str, str]) -> None:
        """As :meth:`Store._swap`; a file the store does not hold yet goes in
        through Oxigraph's own parser in one ``load`` (a transaction too).

        That is the common case of every first ingest, and it skips parsing
        the triples into Python objects, writing them out again and parsing
        them once more as SPARQL: a fifth of the writer's time a report
        (5 MB of reports: 9.4 s → 7.7 s).
        """
        if old or not graphs:
            super()._swap(source_stem, old, graphs)
            return
        self._writable()
        if len(graphs) == 1:
            (graph, text), = graphs.items()
            data, fmt, to = text.encode(), ox.RdfFormat.N_TRIPLES, ox.NamedNode(graph)
        else:   # one load for all: still one transaction
            data = "".join(_with_graph(text, g) for g, text in graphs.items()).encode()
            fmt, to = ox.RdfFormat.N_QUADS, None
        try:
            # lenient: IRIs and language tags are not validated again (8 % of
            # the load); every IRI the pipeline writes is minted to pass a
            # strict parser (kg.namespace), and the syntax is still checked
            self._flusher.raise_error()
            self.ox.load(data, format=fmt, to_graph=to, lenient=True)
            self._flusher.wrote(data.count(b"\n"))
            self._committed()
        except SyntaxError as exc:
            raise StoreError(f"the triples of '{source_stem}' are not valid N-Triples ({exc}); "
                             "nothing was written") from exc
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.location}: {exc}; "
                             "nothing was written") from exc

    def _update(self, sparql: str) -> None:
        self._writable()
        try:
            self._flusher.raise_error()
            self.ox.update(sparql)
            self._flusher.wrote(sparql.count("\n"))
            self._committed()
        except SyntaxError as exc:
            raise StoreError(f"internal error: an update for {self.location} is not valid "
                             f"SPARQL ({exc}); nothing was written") from exc
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.location}: {exc}; "
                             "nothing was written") from exc

    def _query(self, sparql: str, union: bool, substitutions: dict[str, Term] | None) -> Answer:
        kwargs: dict[str, Any] = {"prefixes": dict(PREFIXES), "use_default_graph_as_union": union}
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        try:
            return answer_from_ox(self.ox.query(sparql, **kwargs))
        except SyntaxError as exc:
            raise QueryError(f"the query is not valid SPARQL: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot read the store at {self.location}: {exc}") from exc
        except (RuntimeError, ValueError, TypeError) as exc:   # bad substitutions, eval errors
            raise QueryError(f"the query cannot be run: {exc}") from exc

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def _graphs_of(self, prefix: str) -> list[str]:
        # A file's reports are numbered 0, 1, 2… without gaps: probing them
        # costs a few lookups, where listing every graph of a national store
        # per file would make a large ingest quadratic.
        out, i = [], 0
        while self.ox.contains_named_graph(ox.NamedNode(f"{prefix}{i}")):
            out.append(f"{prefix}{i}")
            i += 1
        return out

    def count(self) -> int:
        return len(self.ox)

    def dump(self, fmt: str, *, graph: str | None = None, output: str | Path | None = None
             ) -> bytes | None:
        return dump_store(self.ox, fmt, graph=graph, output=output, location=self.location)

    def bulk_load(self, nquads: str | Path) -> None:
        """Load an N-Quads file with Oxigraph's bulk loader (no transaction).

        The quads must be valid as they are: ``lenient`` skips re-validating
        every IRI (a fifth of the load), so only files this package wrote
        (or checked) belong here.  Raises ``SyntaxError`` for a line that
        does not parse and ``OSError`` when the store cannot be written.
        """
        self._writable()
        self.ox.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS, lenient=True)
        self._committed()
        release_memory()

    def close(self) -> None:
        # RocksDB releases its lock when the last reference goes away.
        try:
            if getattr(self, "ox", None) is not None and not self.read_only and self.path:
                self._flusher.join()
                try:
                    self.ox.flush()
                except OSError as exc:
                    raise flush_failed(self.location, exc) from exc
        finally:
            self.ox = None  # type: ignore[assignment]


def _with_graph(ntriples: str, graph: str) -> str:
    """N-Triples lines → the same as N-Quads lines in ``graph``.

    A line that is not a triple (no final " .") is kept as it is, so the
    parser rejects it and nothing is written.  Lines end at "\n" only, as
    N-Triples says (``splitlines`` would also cut at U+2028 or U+0085,
    which a literal may hold as they are).
    """
    tail = f" <{graph}> .\n"
    return "".join(line[:-2] + tail if line.endswith(" .") else line + "\n"
                   for line in ntriples.split("\n") if line)


def open_store(location: str | Path | None = None, *, create: bool = True,
               shared: bool = False) -> Store:
    """The store at ``location`` (see the module docstring).

    ``create=False``: an on-disk store must already exist.  ``shared=True``:
    if another process holds an on-disk store, open a read-only view of
    what it has committed instead of failing (for read-only commands).
    """
    if location is None or str(location) == MEMORY:
        return LocalStore()
    loc = str(location)
    if loc.startswith(("http://", "https://", "query=")):
        # urllib's HTTP client loads only for a remote store (tens of ms at every start)
        from kg.remote import RemoteStore

        return RemoteStore(loc)
    return LocalStore(Path(loc).expanduser(), create=create, shared=shared)
