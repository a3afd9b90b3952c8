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
:mod:`kg.rocks`; :class:`kg.remote.RemoteStore` is the remote backend.
"""
from __future__ import annotations

import csv
import io
import json
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.namespace import FZ, ONTOLOGY_GRAPH, PREFIXES, graph_iri
from kg.paths import package_dir
from kg.rocks import Flusher, flush_failed, open_writable, release_memory

DEFAULT_STORE = "fazhi-kg-store"
#: A file in an embedded store's folder that every commit rewrites, so the
#: processes reading the store (a server's query workers) know to open it
#: again: a read-only open of RocksDB is a snapshot of the moment it opened.
GENERATION_FILE = "fazhi-kg-generation"
ENV_VAR = "FAZHI_KG_STORE"
MEMORY = "memory:"

#: export format name → (pyoxigraph format, holds named graphs?)
FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
}

#: stats(): entity type (as kg.model names them) → classes counted for it
_STAT_CLASSES: dict[str, tuple[str, ...]] = {
    "镇": (FZ.Township,),
    "行政区": (FZ.County, FZ.Prefecture, FZ.Province),
    "机构": (FZ.Organization,),
    "律师事务所": (FZ.LawFirm,),
    "制度": (FZ.System,),
    "法律": (FZ.Law,),
    "活动": (FZ.Activity,),
    "人员": (FZ.Person,),
    "法律顾问": (FZ.Advisor,),
    "指标": (FZ.Indicator,),
}

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


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


def graph_prefix(source_stem: str) -> str:
    """The common start of every report graph IRI of one source file."""
    return graph_iri(source_stem, 0).removesuffix("0")


def _is_report_graph_of(iri: str, prefix: str) -> bool:
    return iri.startswith(prefix) and iri[len(prefix):].isdigit()


# ------------------------------------------------------------------ answers

@dataclass
class Answer:
    """A query's answer, the same whatever the backend.

    ``kind`` is ``select`` (``variables`` + ``rows`` of pyoxigraph terms,
    ``None`` where unbound), ``ask`` (``boolean``) or ``graph`` (``triples``,
    for CONSTRUCT and DESCRIBE).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    def records(self) -> list[dict[str, Term]]:
        """Rows as ``{variable: term}`` (unbound variables left out)."""
        return [{v: t for v, t in zip(self.variables, row) if t is not None} for row in self.rows]

    def to_json(self) -> bytes:
        """SPARQL 1.1 JSON results (select, ask) or JSON-LD (graph)."""
        if self.kind == "graph":
            return ox.serialize(self.triples, format=ox.RdfFormat.JSON_LD)
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": self.boolean}).encode()
        bindings = [{v: term_json(t) for v, t in zip(self.variables, row) if t is not None}
                    for row in self.rows]
        return json.dumps({"head": {"vars": self.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode()

    def to_csv(self) -> str:
        """SPARQL 1.1 CSV results (select, ask) or N-Triples (graph)."""
        if self.kind == "graph":
            return ox.serialize(self.triples, format=ox.RdfFormat.N_TRIPLES).decode()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if self.kind == "ask":
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
        else:
            writer.writerow(self.variables)
            for row in self.rows:
                writer.writerow(["" if t is None else _term_plain(t) for t in row])
        return out.getvalue()


def term_json(t: Term) -> dict[str, Any]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": {"subject": term_json(t.subject),
                                        "predicate": term_json(t.predicate),
                                        "object": term_json(t.object)}}


def _term_plain(t: Term) -> str:
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Triple):
        return str(t)
    return t.value


def _answer_from_ox(result: Any) -> Answer:
    """Materialise what pyoxigraph's ``query`` returns."""
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return Answer("select", names, [tuple(sol[v] for v in names) for sol in result])
    if isinstance(result, ox.QueryBoolean):
        return Answer("ask", boolean=bool(result))
    return Answer("graph", triples=list(result))


def checked_ntriples(graph: str, text: str) -> str:
    """``text`` re-serialised by Oxigraph, after parsing it as N-Triples.

    The text goes inside ``INSERT DATA { … }``: parsing it first means a
    broken or hostile text can never close the block and run another
    operation, and re-serialising it gives Oxigraph's own escaping (SPARQL
    decodes ``\\u`` escapes before parsing; N-Triples does not).
    """
    try:
        triples = list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise StoreError(f"the triples for graph <{graph}> are not valid N-Triples ({exc}); "
                         "nothing was written") from exc
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()


def ontology_ntriples() -> str:
    """kg/ontology.ttl as N-Triples."""
    path = package_dir() / "ontology.ttl"
    triples = ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()


# ------------------------------------------------------------------ interface

class Store(ABC):
    """What every backend offers; see the module docstring."""

    location: str
    #: does the engine know Oxigraph's ``LATERAL``?  Canned and page queries
    #: pick their LATERAL or plain SPARQL 1.1 form by it (kg.queries).
    lateral: bool = True
    #: a FILTER on ?g keeping the store's own graphs, where a server holds
    #: others too (a remote one); the embedded store holds only its own
    _ours: str = ""

    # -- what each backend implements
    @abstractmethod
    def _update(self, sparql: str) -> None:
        """Run one SPARQL update (one transaction)."""

    @abstractmethod
    def _query(self, sparql: str, union: bool, substitutions: dict[str, Term] | None) -> Answer:
        """Run one query (standard prefixes known)."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """IRIs of every named graph, sorted."""

    @abstractmethod
    def count(self) -> int:
        """How many triples the store holds, in all graphs."""

    @abstractmethod
    def dump(self, fmt: str, *, graph: str | None = None, output: str | Path | None = None
             ) -> bytes | None:
        """Serialise the store (or one graph) in ``fmt`` (a :data:`FORMATS` key).

        Formats without named graphs (turtle, ntriples, jsonld) get every
        graph merged.  Returns bytes, or writes to ``output`` if given.
        """

    def close(self) -> None:
        """Release the store (its lock, for an on-disk one)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"

    # -- shared behaviour
    def query(self, sparql: str, *, union: bool = True,
              substitutions: Mapping[str, Term | str] | None = None) -> Answer:
        """Run a SPARQL query; the ``fz:``, ``fzid:``, ``rdfs:`` … prefixes are known.

        ``union``: the default graph is the union of all graphs (reports and
        ontology); with ``union=False`` it is the store's (empty) default
        graph and ``GRAPH`` clauses pick graphs.  ``substitutions`` binds
        variables to terms before evaluation (a ``str`` is a plain literal);
        each must be a variable the query projects (Oxigraph's rule, and the
        one a remote store's trailing ``VALUES`` needs too).
        """
        subs = None
        if substitutions:
            subs = {k.lstrip("?$"): ox.Literal(v) if isinstance(v, str) else v
                    for k, v in substitutions.items()}
        return self._query(sparql, union, subs)

    def replace(self, source_stem: str, graphs: Mapping[str, str]) -> None:
        """Swap every report graph of one source file for ``graphs``, atomically.

        ``graphs`` maps graph IRIs (``graph_iri(source_stem, i)``) to
        N-Triples text.  Every existing graph of that file is dropped, so a
        file that now yields fewer reports leaves no stale graph.
        """
        prefix = graph_prefix(source_stem)
        for g in graphs:
            if not _is_report_graph_of(g, prefix):
                raise StoreError(f"graph <{g}> is not a report graph of '{source_stem}' "
                                 f"(expected {prefix}N); nothing was written")
        self._swap(source_stem, self._graphs_of(prefix), graphs)

    def _swap(self, source_stem: str, old: list[str], graphs: Mapping[str, str]) -> None:
        """Drop the ``old`` graphs and write ``graphs``, in one transaction
        (one SPARQL update; the N-Triples checked first)."""
        new = {g: checked_ntriples(g, text) for g, text in graphs.items()}
        text = self._replace_text(old, new)
        if text:
            self._update(text)

    def holds(self, source_stem: str) -> bool:
        """Does the store hold report graphs of this source file?"""
        return bool(self._graphs_of(graph_prefix(source_stem)))

    def _graphs_of(self, prefix: str) -> list[str]:
        """The report graphs of one file now in the store."""
        return [g for g in self.graphs() if _is_report_graph_of(g, prefix)]

    @staticmethod
    def _replace_text(old: Iterable[str], new: Mapping[str, str]) -> str:
        """The one update that drops ``old`` graphs and inserts ``new`` ones."""
        ops = [f"DROP SILENT GRAPH <{g}>" for g in old]
        if new:
            blocks = "".join(f"GRAPH <{g}> {{\n{nt}}}\n" for g, nt in new.items())
            ops.append(f"INSERT DATA {{\n{blocks}}}")
        return " ;\n".join(ops)

    def ensure_ontology(self) -> None:
        """(Re)write kg/ontology.ttl into its own graph, in one update."""
        self._update(self._replace_text([ONTOLOGY_GRAPH], {ONTOLOGY_GRAPH: ontology_ntriples()}))

    def stats(self) -> dict[str, Any]:
        """Reports, townships, entities by type and triples in report graphs."""
        values = " ".join(f"<{c}>" for classes in _STAT_CLASSES.values() for c in classes)
        per_class = {str(row[0].value): int(row[1].value) for row in self.query(
            f"SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{ VALUES ?c {{ {values} }} ?e a ?c }} "
            "GROUP BY ?c").rows}
        reports = self.query("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a fz:Report }")
        triples = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(?g != <{ONTOLOGY_GRAPH}>) {self._ours} }}", union=False)
        report_graphs = [g for g in self.graphs() if g != ONTOLOGY_GRAPH]
        # townships the gazetteer lacks (taken because their report presents
        # them) and townships whose county was inferred, not stated
        flags = self.query(
            "SELECT (COUNT(DISTINCT ?a) AS ?missing) (COUNT(DISTINCT ?b) AS ?inferred) WHERE { "
            "{ ?a fz:inGazetteer false } UNION { ?b fz:countyInferred true } }").rows[0]
        entities = {name: sum(per_class.get(str(c), 0) for c in classes)
                    for name, classes in _STAT_CLASSES.items()}
        return {
            "location": self.location,
            "graphs": len(report_graphs),
            "reports": int(reports.rows[0][0].value),
            "townships": entities["镇"],
            "townships_not_in_gazetteer": int(flags[0].value),
            "townships_county_inferred": int(flags[1].value),
            "entities": entities,
            "triples": int(triples.rows[0][0].value),
            "ontology": ONTOLOGY_GRAPH in self.graphs(),
        }


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
            return _answer_from_ox(self.ox.query(sparql, **kwargs))
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
        oxfmt, has_graphs = _format(fmt)
        out = None if output is None else str(output)
        prefixes = dict(PREFIXES) if oxfmt != ox.RdfFormat.N_QUADS else None
        if graph is not None:
            if graph not in self.graphs():
                raise StoreError(f"no graph <{graph}> in {self.location}")
            source = ox.Store()
            source.extend(ox.Quad(q.subject, q.predicate, q.object)
                          for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
            return _dump_default(source, oxfmt, out)
        if has_graphs:
            return self.ox.dump(out, oxfmt, prefixes=prefixes) if prefixes else \
                self.ox.dump(out, oxfmt)
        # No named graphs in the format: merge them (a set: duplicates go).
        merged = ox.Store()
        merged.extend(ox.Quad(q.subject, q.predicate, q.object) for q in self.ox)
        return _dump_default(merged, oxfmt, out)

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


def _format(fmt: str) -> tuple[ox.RdfFormat, bool]:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise StoreError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}") from None


def _dump_default(store: ox.Store, oxfmt: ox.RdfFormat, out: str | None) -> bytes | None:
    kwargs: dict[str, Any] = {"from_graph": ox.DefaultGraph()}
    if oxfmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        kwargs["prefixes"] = dict(PREFIXES)
    return store.dump(out, oxfmt, **kwargs)


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
        from kg.remote import RemoteStore

        return RemoteStore(loc)
    return LocalStore(Path(loc).expanduser(), create=create, shared=shared)
