"""Read the entity graph out of the store, once, into plain Python tables.

The store holds every fact as a plain triple (``township fz:conducts
activity``) in the report's named graph, with its evidence as sentences that
``fz:attests`` the activity (kg/triples.py).  Exports want the first as edges
and the second only as a number (how many sentences say it), so this module
reads the edges with index scans (``quads_for_pattern``) — one pass per
predicate — joins them in dictionaries, and counts the evidence in the
store.  That is much faster than
SPARQL joins on a national-scale store, and it reads only what an export
needs: never sentence texts, offsets or sections.

Filters by township, county and year select *reports*; the graph is then
what those reports state (their named graphs), so a county's export holds
that county's townships and everything their reports name.
"""
from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.namespace import FZ, ORG, RDF, RDFS, SKOS
from kg.style import CLASS_NAMES, CLASS_TYPES
from kg.types import CLASS_RANK

_T = ox.NamedNode

# CLASS_RANK (kg.types): classes from most to least specific; an entity typed
# twice (LawFirm and Organization, Township and Division) takes the first.
#: Township → entity relations when the ontology is not in the store.
_RELATIONS = [str(p) for p in (FZ.relatedTo, FZ.establishes, FZ.implements, FZ.conducts,
                               FZ.studies, FZ.cites, FZ.legalAdvisor)]
PART_OF = str(FZ.partOf)
MEMBER_OF = str(ORG.memberOf)


@dataclass(slots=True)
class Node:
    """One entity and the literal values folded into it."""

    iri: str
    cls: str                       # most specific ontology class IRI
    label: str = ""
    aliases: set[str] = field(default_factory=set)
    subtype: str = ""
    post: str = ""
    scope: str = ""                # IRI of the township a local entity belongs to
    years: set[int] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)
    mentions: int = 0              # sentences that name it

    @property
    def type(self) -> str:
        return CLASS_TYPES.get(self.cls, "")

    @property
    def class_name(self) -> str:
        return CLASS_NAMES.get(self.cls, "")


@dataclass(slots=True)
class Edge:
    """One plain triple between two entities, with its evidence."""

    source: str
    predicate: str
    target: str
    years: set[int] = field(default_factory=set)
    evidence: int = 0          # distinct sentences that attest it


@dataclass
class KGraph:
    """The entity graph of the selected reports."""

    nodes: dict[str, Node]
    edges: dict[tuple[str, str, str], Edge]
    relations: frozenset[str]                 # township → entity predicates
    report_year: dict[str, int]
    report_unit: dict[str, str]               # report → township (reporting unit)
    county_of: dict[str, str]                 # township → county (partOf a fz:County)

    def township_of(self, node: Node) -> str:
        """The one township a node belongs to, or '' when it is shared."""
        if node.cls == str(FZ.Township):
            return node.iri
        if node.scope:
            return node.scope
        units = {self.report_unit.get(r, "") for r in node.reports}
        return units.pop() if len(units) == 1 else ""

    def county_for(self, node: Node) -> str:
        """The one county a node belongs to, or '' when it spans several."""
        if node.cls == str(FZ.County):
            return node.iri
        t = self.township_of(node)
        if t:
            return self.county_of.get(t, "")
        counties = {self.county_of.get(self.report_unit.get(r, ""), "") for r in node.reports}
        return counties.pop() if len(counties) == 1 else ""


def _scan(store: ox.Store, predicate, obj=None):
    return store.quads_for_pattern(None, _T(str(predicate)), obj, None)


def _g(q: ox.Quad) -> str:
    """The graph IRI of a quad ('' for the default graph, which holds no report)."""
    return getattr(q.graph_name, "value", "")


#: What :func:`read_store` reads besides the relations: a remote store's copy
#: holds these only (never sentence texts, offsets or sections).
READ = [str(p) for p in (RDF.type, FZ.year, FZ.reportingUnit, FZ.township, FZ.partOf, RDFS.label,
                         SKOS.altLabel, FZ.subtype, FZ.kind, FZ.holdsPost, FZ.scope, FZ.names,
                         FZ.attests, RDFS.subPropertyOf)] + [MEMBER_OF]


@contextmanager
def readable(store) -> Iterator[ox.Store]:
    """The store as :func:`read_store` reads it (index scans): an embedded store
    itself; a remote one (:class:`kg.remote.RemoteStore`) copied, only what
    read_store reads, a page at a time into a temporary on-disk store that
    is deleted after (:meth:`~kg.remote.RemoteStore.copy_into`): memory
    holds a page of the copy, not the store."""
    st = getattr(store, "ox", store)
    if hasattr(st, "quads_for_pattern"):
        yield st
        return
    if not hasattr(store, "copy_into"):
        raise StoreError("graph exports read an embedded or a remote store")
    wanted = sorted(set(READ) | _remote_relations(store))
    with tempfile.TemporaryDirectory(prefix="fazhi-kg-export-") as tmp:
        local = ox.Store(tmp)
        try:
            store.copy_into(local, predicates=wanted)
            yield local
        finally:
            del local


def _remote_relations(store) -> set[str]:
    """The relations a remote store's ontology declares (as relation_predicates)."""
    q = ("SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p <%s>+ <%s> } }"
         % (RDFS.subPropertyOf, FZ.relatedTo))
    return set(_RELATIONS) | {r[0].value for r in store.query(q).rows}


def _as_ox(store) -> ox.Store:
    """Accept a pyoxigraph Store or the project's embedded kg.store store (``.ox``)."""
    st = getattr(store, "ox", store)
    if not hasattr(st, "quads_for_pattern"):
        raise StoreError("graph exports read an embedded store (index scans); export from "
                         "the store folder itself, not from a remote SPARQL endpoint")
    return st


def relation_predicates(store: ox.Store) -> frozenset[str]:
    """fz:relatedTo and every sub-property the ontology in the store declares."""
    found = set(_RELATIONS)
    q = ("SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p <%s>+ <%s> } }"
         % (RDFS.subPropertyOf, FZ.relatedTo))
    for row in store.query(q):
        found.add(row[0].value)
    return frozenset(found)


def _resolve_names(store: ox.Store, names: list[str], cls) -> set[str]:
    """IRIs or labels (several same-named places all match) → IRIs of class ``cls``."""
    members = {q.subject.value for q in _scan(store, RDF.type, _T(str(cls)))}
    by_label: dict[str, set[str]] = defaultdict(set)
    for q in _scan(store, RDFS.label):
        if q.subject.value in members:
            by_label[q.object.value].add(q.subject.value)
    for q in _scan(store, SKOS.altLabel):
        if q.subject.value in members:
            by_label[q.object.value].add(q.subject.value)
    out: set[str] = set()
    for name in names:
        hit = {name} & members or by_label.get(name, set())
        if not hit:
            kind = str(cls).rsplit("#", 1)[-1].lower()
            raise QueryError(f"no {kind} named '{name}' in the store (give its IRI or its label)",
                             status=404)
        out |= hit
    return out


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (x.strip() for x in value.split(",")) if v]
    return [str(v) for v in value]


def read_store(store, *, township=None, county=None, year=None) -> KGraph:
    """The entity graph stated by the reports that pass the filters.

    ``township`` and ``county`` are an IRI or a label, or a list (or a
    comma-separated string) of them; ``year`` an int or a list of ints.
    """
    st = _as_ox(store)
    relations = relation_predicates(st)

    # reports, their graphs, years and townships
    graph_report: dict[str, str] = {}
    for q in _scan(st, RDF.type, _T(str(FZ.Report))):
        graph_report[_g(q)] = q.subject.value
    report_year: dict[str, int] = {}
    for q in _scan(st, FZ.year):
        try:
            report_year[q.subject.value] = int(q.object.value[:4])
        except ValueError:
            pass
    report_unit: dict[str, str] = {}
    for q in _scan(st, FZ.reportingUnit):
        report_unit[q.subject.value] = q.object.value
    for q in _scan(st, FZ.township):     # the sub-property wins when both are there
        report_unit[q.subject.value] = q.object.value
    county_iri = str(FZ.County)
    counties = {q.subject.value for q in _scan(st, RDF.type, _T(county_iri))}
    county_of: dict[str, str] = {}
    for q in _scan(st, FZ.partOf):
        if q.object.value in counties:
            county_of[q.subject.value] = q.object.value

    selected = set(graph_report.values())
    if year is not None:
        years = {int(y) for y in ([year] if isinstance(year, (int, str)) else year)}
        selected = {r for r in selected if report_year.get(r) in years}
    if township is not None:
        towns = _resolve_names(st, _list(township), FZ.Township)
        selected = {r for r in selected if report_unit.get(r) in towns}
    if county is not None:
        cs = _resolve_names(st, _list(county), FZ.County)
        selected = {r for r in selected
                    if county_of.get(report_unit.get(r, ""), report_unit.get(r)) in cs}
    graphs = {g: r for g, r in graph_report.items() if r in selected}

    # entities: typed in a selected report's graph
    rank = {c: i for i, c in enumerate(CLASS_RANK)}
    nodes: dict[str, Node] = {}
    for cls in CLASS_RANK:
        for q in _scan(st, RDF.type, _T(cls)):
            rep = graphs.get(_g(q))
            if rep is None:
                continue
            iri = q.subject.value
            node = nodes.get(iri)
            if node is None:
                node = nodes[iri] = Node(iri, cls)
            elif rank[cls] < rank[node.cls]:
                node.cls = cls
            node.reports.add(rep)
            if rep in report_year:
                node.years.add(report_year[rep])

    # SPARQL parts see only the selected graphs (nothing to add when all are)
    values = "" if len(graphs) == len(graph_report) else \
        "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " }"
    _fold_literals(st, nodes, graphs, values)
    edges = _edges(st, nodes, graphs, report_year, relations, values)
    return KGraph(nodes, edges, relations, report_year, report_unit, county_of)


def _fold_literals(st: ox.Store, nodes: dict[str, Node], graphs: dict[str, str],
                   values: str) -> None:
    """Labels, aliases, subtypes, posts, scopes and mention counts onto nodes."""
    for q in _scan(st, RDFS.label):
        node = nodes.get(q.subject.value)
        # the first label read wins; a later different one is kept as an alias
        if node is not None and _g(q) in graphs:
            if not node.label:
                node.label = q.object.value
            elif q.object.value != node.label:
                node.aliases.add(q.object.value)
    for q in _scan(st, SKOS.altLabel):
        node = nodes.get(q.subject.value)
        if node is not None and _g(q) in graphs:
            node.aliases.add(q.object.value)
    for pred, slot in ((FZ.subtype, "subtype"), (FZ.kind, "subtype"), (FZ.holdsPost, "post")):
        for q in _scan(st, pred):
            node = nodes.get(q.subject.value)
            if node is not None and q.object.value and not getattr(node, slot):
                setattr(node, slot, q.object.value)
    for q in _scan(st, FZ.scope):
        node = nodes.get(q.subject.value)
        if node is not None and _g(q) in graphs:
            node.scope = q.object.value
    # counted inside the store: one row per entity instead of one per sentence
    for row in st.query(f"SELECT ?e (COUNT(?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{FZ.names}> ?e }} "
                        f"{values} }} GROUP BY ?e"):
        node = nodes.get(row[0].value)
        if node is not None:
            node.mentions = int(row[1].value)
    for node in nodes.values():
        node.aliases.discard(node.label)
        if not node.label:      # never an empty label: the IRI's last segment
            node.label = node.iri.rstrip("/").rsplit("/", 1)[-1]


def _edges(st: ox.Store, nodes: dict[str, Node], graphs: dict[str, str],
           report_year: dict[str, int], relations: frozenset[str], values: str
           ) -> dict[tuple[str, str, str], Edge]:
    """Plain entity → entity triples, with the years and sentences behind them."""
    edges: dict[tuple[str, str, str], Edge] = {}
    for pred in sorted(relations) + [PART_OF, MEMBER_OF]:
        for q in _scan(st, pred):
            rep = graphs.get(_g(q))
            s, o = q.subject.value, q.object.value
            if rep is None or s not in nodes or o not in nodes:
                continue
            key = (s, pred, o)
            e = edges.get(key)
            if e is None:
                e = edges[key] = Edge(s, pred, o)
            if rep in report_year:
                e.years.add(report_year[rep])
    if not edges:
        return edges
    # the sentences that attest each edge's target in the edge's reports, counted
    # inside the store (a join there is several times faster than reading them out)
    preds = " ".join(f"<{p}>" for p in sorted(relations))
    rows = st.query(f"""SELECT ?s ?p ?o (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?p {{ {preds} }}
        GRAPH ?g {{ ?s ?p ?o . ?x <{FZ.attests}> ?o }} {values} }} GROUP BY ?s ?p ?o""")
    for row in rows:
        e = edges.get((row[0].value, row[1].value, row[2].value))
        if e is not None:
            e.evidence = int(row[3].value)
    return edges


__all__ = ["Edge", "KGraph", "MEMBER_OF", "Node", "PART_OF", "READ", "read_store", "readable",
           "relation_predicates"]
