"""What every store backend is: the :class:`Store` interface, its :class:`Answer`,
and the serialiser every backend's ``dump`` ends in (:func:`dump_store`).

:mod:`kg.store` is the public face (``open_store``, the embedded
:class:`kg.store.LocalStore`) and re-exports these names; the remote
backend, :mod:`kg.remote`, builds on this module alone, so the two backends
do not import each other.
"""
from __future__ import annotations

import csv
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import types
from kg.errors import StoreError
from kg.model import TOWNSHIP
from kg.namespace import FZ, ONTOLOGY_GRAPH, PREFIXES, graph_iri
from kg.paths import package_dir

#: export format name → (pyoxigraph format, holds named graphs?)
FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
}

#: stats(): line (an entity type, as kg.types names them) → classes counted on it
STAT_CLASSES: dict[str, tuple[str, ...]] = {}


def _stat_lines() -> None:
    STAT_CLASSES.clear()
    STAT_CLASSES.update(types.stat_classes())
    STAT_CLASSES["指标"] = (str(FZ.Indicator),)


types.on_change(_stat_lines)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


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


def answer_from_ox(result: Any) -> Answer:
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

    def close(self) -> None:  # noqa: B027 (a backend holding nothing need not override it)
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

    def drop(self, graphs: Iterable[str]) -> None:
        """Drop these named graphs, all in one update (one transaction)."""
        text = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in dict.fromkeys(graphs))
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
        values = " ".join(f"<{c}>" for classes in STAT_CLASSES.values() for c in classes)
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
                    for name, classes in STAT_CLASSES.items()}
        return {
            "location": self.location,
            "graphs": len(report_graphs),
            "reports": int(reports.rows[0][0].value),
            "townships": entities[TOWNSHIP],
            "townships_not_in_gazetteer": int(flags[0].value),
            "townships_county_inferred": int(flags[1].value),
            "entities": entities,
            "triples": int(triples.rows[0][0].value),
            "ontology": ONTOLOGY_GRAPH in self.graphs(),
        }


# ------------------------------------------------------------------ serialising

def format_of(fmt: str) -> tuple[ox.RdfFormat, bool]:
    """The pyoxigraph format of an export format name, and whether it holds named graphs;
    StoreError naming the choices for an unknown name."""
    try:
        return FORMATS[fmt]
    except KeyError:
        raise StoreError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}") from None


def _dump_default(store: ox.Store, oxfmt: ox.RdfFormat, out: str | None) -> bytes | None:
    kwargs: dict[str, Any] = {"from_graph": ox.DefaultGraph()}
    if oxfmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        kwargs["prefixes"] = dict(PREFIXES)
    return store.dump(out, oxfmt, **kwargs)


def dump_store(source: ox.Store, fmt: str, *, graph: str | None = None,
               output: str | Path | None = None, location: str = "") -> bytes | None:
    """Serialise a pyoxigraph store (or its named graph ``graph``) in ``fmt``
    (a :data:`FORMATS` key): what every backend's :meth:`Store.dump` writes.

    Formats without named graphs (turtle, ntriples, jsonld) get every graph
    merged.  Returns bytes, or writes to ``output`` if given.  ``location``
    names the store in the error for a graph it lacks.
    """
    oxfmt, has_graphs = format_of(fmt)
    out = None if output is None else str(output)
    prefixes = dict(PREFIXES) if oxfmt != ox.RdfFormat.N_QUADS else None
    if graph is not None:
        if not source.contains_named_graph(ox.NamedNode(graph)):
            raise StoreError(f"no graph <{graph}> in {location}")
        one = ox.Store()
        one.extend(ox.Quad(q.subject, q.predicate, q.object)
                   for q in source.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        return _dump_default(one, oxfmt, out)
    if has_graphs:
        return source.dump(out, oxfmt, prefixes=prefixes) if prefixes else \
            source.dump(out, oxfmt)
    # No named graphs in the format: merge them (a set: duplicates go).
    merged = ox.Store()
    merged.extend(ox.Quad(q.subject, q.predicate, q.object) for q in source)
    return _dump_default(merged, oxfmt, out)
