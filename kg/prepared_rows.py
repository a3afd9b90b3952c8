"""A report graph's prepared rows: what :mod:`kg.prepared` stores, computed
from the same N-Triples text the store is written from.

Kept apart from the index class so that the ingest worker, which only
computes rows, and the tests of a row's shape need not read the SQL side;
:func:`rows_of_graph` is the one place a report graph becomes table rows.
The tables' columns are in ``docs/architecture.md``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import pyoxigraph as ox

from kg import prepared_entities as page_tables
from kg import prepared_search as search_tables
from kg.namespace import FZ, GRAPH_IRI, ORG, PROV, RDF, RDFS, SKOS, graph_iri
from kg.style import CLASS_TYPES
from kg.types import search_classes

_S = str
TYPE, LABEL, VALUE = _S(RDF.type), _S(RDFS.label), _S(RDF.value)
REPORT, INDICATOR, COUNTY = _S(FZ.Report), _S(FZ.Indicator), _S(FZ.County)
SYSTEM = _S(FZ.System)
ORGANIZATION, LAW_FIRM, SUBTYPE = _S(FZ.Organization), _S(FZ.LawFirm), _S(FZ.subtype)
TITLE = "http://purl.org/dc/terms/title"
#: Relations counted as an entity's facts (kg.web's RELATIONS and a post).
FACT_PREDICATES = frozenset(_S(p) for p in (
    FZ.relatedTo, FZ.establishes, FZ.implements, FZ.conducts, FZ.studies, FZ.cites,
    FZ.legalAdvisor, FZ.holdsPost))


def counted_classes() -> frozenset[str]:
    """Classes whose entities get counts (those the pages show), plus figures:
    read at each call, since kg.types may gain a type after import."""
    return frozenset(CLASS_TYPES) | {INDICATOR}


#: The report parts fz:covers names, in the order the completeness query lists them.
PARTS = ("measures", "first_responsibility", "shortcomings", "next_year")
#: Only lines with these predicates are parsed (the rest of a graph is text spans).
PREDICATES = frozenset({
    TYPE, LABEL, VALUE, TITLE, _S(FZ.township), _S(FZ.year), _S(FZ.sourceFile), _S(FZ.partOf),
    _S(FZ.advisorKind), _S(FZ.covers), _S(FZ.names), _S(FZ.unit), _S(FZ.quote), _S(FZ.report),
    _S(FZ.approx), _S(FZ.scope), _S(FZ.text), _S(PROV.wasDerivedFrom), _S(FZ.mentions),
    _S(ORG.memberOf), _S(FZ.attests), _S(FZ.count)}) | FACT_PREDICATES | page_tables.PREDICATES
_WANTED = frozenset(f"<{p}>" for p in PREDICATES)
NAMES, TOWNSHIP, YEAR, SOURCE = _S(FZ.names), _S(FZ.township), _S(FZ.year), _S(FZ.sourceFile)
PART_OF, ADVISER, ADVISER_KIND = _S(FZ.partOf), _S(FZ.legalAdvisor), _S(FZ.advisorKind)
IMPLEMENTS = _S(FZ.implements)
SETS_UP = (_S(FZ.establishes), IMPLEMENTS)
COVERS, DERIVED, UNIT, APPROX = _S(FZ.covers), _S(PROV.wasDerivedFrom), _S(FZ.unit), _S(FZ.approx)
QUOTE, TEXT, MENTIONS = _S(FZ.quote), _S(FZ.text), _S(FZ.mentions)
SCOPE, ATTESTS, COUNT = _S(FZ.scope), _S(FZ.attests), _S(FZ.count)
#: The township's relations the ``changes`` query compares across years (its VALUES).
CHANGE_PREDICATES = tuple(_S(p) for p in (FZ.implements, FZ.legalAdvisor, FZ.establishes,
                                          FZ.conducts, FZ.cites, FZ.studies))
#: What a report graph cites or studies (``?t fz:cites|fz:studies ?law``): the
#: rows of ``citations``, counted per law by most_cited_laws (kg.answers).
CITING = (_S(FZ.cites), _S(FZ.studies))

#: where each table's row holds the file's stem
STEM_COLUMN = {"reports": 2, "parts": 3, "figures": 2, "entity_counts": 2, "entity_types": 3,
               "citations": 3, "changes": 1, "advisers": 1, "organisations": 1, "implemented": 1,
               "entity_names": 6,
               "entity_desc": 0, "entity_edges": 0}
#: Rows fields of kg.prepared_entities (stem first)
ENTITY_ROWS = ("entity_desc", "entity_edges")


@dataclass
class Rows:
    """One file's prepared rows (crosses the worker process boundary)."""

    reports: list[tuple] = field(default_factory=list)
    parts: list[tuple] = field(default_factory=list)
    figures: list[tuple] = field(default_factory=list)
    entity_counts: list[tuple] = field(default_factory=list)
    entity_types: list[tuple] = field(default_factory=list)
    citations: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    advisers: list[tuple] = field(default_factory=list)
    organisations: list[tuple] = field(default_factory=list)
    implemented: list[tuple] = field(default_factory=list)
    entity_names: list[tuple] = field(default_factory=list)
    # the entity page's (kg.prepared_entities): totals over files, not rows of a file
    entity_desc: list[tuple] = field(default_factory=list)
    entity_edges: list[tuple] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))


#: tables holding rows of a file (deleted by stem when it is read again): the
#: fields of Rows, in their order, but for the entity page's totals
TABLES = tuple(f.name for f in fields(Rows) if f.name not in ENTITY_ROWS)


def stem_of(graph: str) -> str:
    """A report graph's file stem, as every table's ``stem`` column holds it
    (graph IRIs are GRAPH_IRI + 'report/<stem>/<n>')."""
    return graph[len(GRAPH_IRI) + len("report/"):].rsplit("/", 1)[0]


def stem_key(source_stem: str) -> str:
    """A source file's stem as its graph IRIs spell it (percent-encoded where
    an IRI must be): the ``stem`` column of every table."""
    return stem_of(graph_iri(source_stem, 0))


def _filtered(text: str) -> bytes:
    """The lines of the predicates read (a line is ``<s> <p> …``: IRIs hold no
    space, so the predicate is between the first two spaces)."""
    keep = []
    for ln in text.split("\n"):
        i = ln.find(" ")
        if ln[i + 1:ln.find(" ", i + 1)] in _WANTED:
            keep.append(ln)
    return "\n".join(keep).encode()


def rows_of_graphs(graphs: Mapping[str, str]) -> Rows:
    """The prepared rows of one file's report graphs (graph IRI → N-Triples)."""
    out = Rows()
    for g, text in graphs.items():
        triples = ox.parse(_filtered(text), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        out.extend(rows_of_graph(g, ((t.subject, t.predicate.value, t.object) for t in triples)))
    return out


def rows_of_nquads(text: str) -> Rows:
    """The prepared rows of N-Quads text (a bulk shard): grouped by graph."""
    by_graph: dict[str, list] = defaultdict(list)
    for q in ox.parse(_filtered(text), format=ox.RdfFormat.N_QUADS, lenient=True):
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(
                GRAPH_IRI + "report/"):
            by_graph[q.graph_name.value].append((q.subject, q.predicate.value, q.object))
    out = Rows()
    for g, triples in by_graph.items():
        out.extend(rows_of_graph(g, triples))
    return out


def _lit(t: Any) -> str | None:
    return t.value if isinstance(t, ox.Literal) else None


def _order(sentence: str | None) -> int | None:
    tail = (sentence or "").rsplit("/sentence/", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None


def rows_of_graph(graph: str, triples: Iterable[tuple[Any, str, Any]]) -> Rows:
    """The rows of one report graph, from its (subject, predicate IRI, object) triples.

    Where the graph states a value twice (two labels), the smallest is taken,
    so the rows do not depend on the order of the text.  (This runs in the
    ingest worker for every file: one pass, the common predicates first.)
    """
    stem = stem_of(graph)
    po: dict[str, dict[str, list[Any]]] = {}
    types: dict[str, set[str]] = {}
    texts: dict[str, str] = {}                     # sentence → its text
    named: dict[str, list[str]] = defaultdict(list)   # entity → sentences naming it
    facts: dict[str, int] = defaultdict(int)       # entity → relation triples it is in
    listed: set[str] = set()                       # what the report fz:mentions
    attested: dict[str, list[str]] = defaultdict(list)   # entity → sentences attesting it
    node = ox.NamedNode
    for s, p, o in triples:
        if type(s) is not node:
            continue
        sv = s.value
        if p == NAMES:
            named[o.value].append(sv)
        elif p == TYPE:
            types.setdefault(sv, set()).add(o.value)
        elif p == TEXT:
            texts[sv] = o.value
        elif p == MENTIONS:
            listed.add(o.value)
        elif p == ATTESTS:
            attested[o.value].append(sv)
        else:
            if p in FACT_PREDICATES:
                facts[sv] += 1
                if type(o) is node:
                    facts[o.value] += 1
            po.setdefault(sv, {}).setdefault(p, []).append(o)
    out = Rows()
    reports = sorted(s for s, cs in types.items() if REPORT in cs)
    if not reports:
        return out
    report = reports[0]                  # one report a graph (kg.model)
    none: dict[str, list[Any]] = {}

    def one(subject: str | None, pred: str) -> Any:
        vals = po.get(subject or "", none).get(pred)
        if not vals:
            return None
        return vals[0] if len(vals) == 1 else min(vals, key=lambda v: v.value)

    def text(subject: str | None, pred: str) -> str | None:
        v = one(subject, pred)
        return None if v is None else v.value

    town = text(report, TOWNSHIP)
    at_town = po.get(town or "", none)
    counties = sorted((c.value, text(c.value, LABEL) or "") for c in at_town.get(PART_OF, ())
                      if type(c) is node and COUNTY in types.get(c.value, ()))
    county, county_label = counties[0] if counties else (None, None)
    town_label = text(town, LABEL)
    year = text(report, YEAR)
    file = text(report, SOURCE)
    kinds = sorted({k.value for a in at_town.get(ADVISER, ())
                    for k in po.get(a.value, none).get(ADVISER_KIND, ())})
    systems = sorted({o.value for p in SETS_UP for o in at_town.get(p, ())
                      if type(o) is node and SYSTEM in types.get(o.value, ())})
    heads: set[tuple[str, str]] = set()
    figures = []
    for s, ps in po.items():
        for c in ps.get(COVERS, ()):
            for h in ps.get(LABEL) or [None]:
                heads.add((c.value, "" if h is None else h.value))
        if VALUE not in ps or LABEL not in ps or INDICATOR not in types.get(s, ()):
            continue
        val = one(s, VALUE)
        try:
            num = float(val.value)
        except ValueError:
            num = None
        sentence = text(s, DERIVED)
        figures.append((s, report, stem, town, town_label, county, county_label, year, file,
                        text(s, LABEL), val.value, val.datatype.value, num, text(s, UNIT),
                        text(s, APPROX), text(s, QUOTE), sentence, _order(sentence),
                        texts.get(sentence or "")))
    present = [p for p in PARTS if any(c == p for c, _ in heads)]
    out.figures = figures
    entities = 0
    counted = counted_classes()
    for s, cs in types.items():
        classes = sorted(cs & counted)
        if not classes or s == report:
            continue
        entities += 1
        out.entity_types += [(c, s, report, stem) for c in classes]
        if classes != [INDICATOR]:
            # listed: the report names it among its entities (fz:mentions) or is
            # its report (fz:reportingUnit): the entity page's list of reports
            out.entity_counts.append((s, report, stem, town, year, " ".join(classes),
                                      facts.get(s, 0), len(named.get(s, ())),
                                      int(s in listed or s == town)))
    out.parts = [(report, c, h, stem) for c, h in sorted(heads)]
    out.citations = sorted({(o.value, s, report, stem) for s, ps in po.items() for p in CITING
                            for o in ps.get(p, ()) if type(o) is node})
    out.changes = _change_rows(report, stem, town, year, po, types, texts, attested)
    out.advisers = _adviser_rows(report, stem, year, file, po, types, texts, attested)
    # the systems matrix's rows: what the township implements, by each of its names
    out.implemented = sorted({(report, stem, o.value, label)
                              for o in at_town.get(IMPLEMENTS, ()) if type(o) is node
                              for label in _values(po, o.value, LABEL)})
    out.organisations = _organisation_rows(report, stem, po, types, texts, named)
    out.entity_names = _name_rows(report, stem, po, types, texts, named)
    out.entity_desc, out.entity_edges = page_tables.rows_of_entities(stem, types, po)
    out.reports = [(report, graph, stem, file, text(report, TITLE), town, town_label, county,
                    county_label, year, ",".join(kinds), "\n".join(systems), ",".join(present),
                    ",".join(p for p in PARTS if p not in present), len(figures), entities)]
    return out


def _change_rows(report: str, stem: str, town: str | None, year: str | None,
                 po: Mapping[str, Mapping[str, list[Any]]], types: Mapping[str, set[str]],
                 texts: Mapping[str, str], attested: Mapping[str, list[str]]) -> list[tuple]:
    """The ``changes`` rows of one report graph: the township's relations of
    :data:`CHANGE_PREDICATES` (one row a label and count, as the query's
    OPTIONALs give them) and the figures by their scope, each with its
    sentence as the query picks it: the least IRI of the sentences (with
    text) attesting it, else the one it was derived from."""
    def sentence(entity: str) -> tuple[str | None, str | None]:
        said = sorted(s for s in attested.get(entity, ()) if s in texts)
        if not said:
            said = sorted(o.value for o in po.get(entity, {}).get(DERIVED, ())
                          if o.value in texts)
        return (said[0], texts[said[0]]) if said else (None, None)

    def values(entity: str, pred: str) -> list[str | None]:
        return sorted({o.value for o in po.get(entity, {}).get(pred, ())}) or [None]

    out: list[tuple] = []
    at_town = po.get(town or "", {})
    for pred in CHANGE_PREDICATES if town else ():
        for e in {o.value for o in at_town.get(pred, ()) if isinstance(o, ox.NamedNode)}:
            said = sentence(e)
            out += [(report, stem, town, year, pred, e, label, times, None, *said)
                    for label in values(e, LABEL) for times in values(e, COUNT)]
    for s, ps in po.items():
        if INDICATOR not in types.get(s, ()) or LABEL not in ps:
            continue
        said = sentence(s)
        for scope in {o.value for o in ps.get(SCOPE, ())}:
            for label in values(s, LABEL):
                out += [(report, stem, scope, year, INDICATOR, s, label, value, unit, *said)
                        for value in values(s, VALUE) for unit in values(s, UNIT)]
    return out


def _values(po: Mapping[str, Mapping[str, list[Any]]], subject: str, pred: str) -> list[str]:
    """The distinct values of a subject's predicate, sorted (none: [])."""
    return sorted({o.value for o in po.get(subject, {}).get(pred, ())})


def _first_said(sentences: Iterable[str], texts: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The least IRI of these sentences that has a text, with its text (as the
    list queries pick one: ``MIN(STR(?s))`` of those with ``fz:text``)."""
    said = min((s for s in sentences if s in texts), default=None)
    return (said, texts[said]) if said else (None, None)


def _adviser_rows(report: str, stem: str, year: str | None, file: str | None,
                  po: Mapping[str, Mapping[str, list[Any]]],
                  types: Mapping[str, set[str]], texts: Mapping[str, str],
                  attested: Mapping[str, list[str]]) -> list[tuple]:
    """The ``advisers`` rows of one report graph: each ``?s fz:legalAdvisor ?a``
    with a label of ``?a``, one row per label and adviser kind (none: one row),
    as law_firm_advisers.rq finds them; with the report's year and file, the
    subject's label and county (the least of each) and the sentence
    attesting the adviser."""
    out: list[tuple] = []
    for s, ps in po.items():
        advisers = {o.value for o in ps.get(ADVISER, ()) if isinstance(o, ox.NamedNode)}
        if not advisers:
            continue
        labels = _values(po, s, LABEL)
        counties = sorted(lab for c in _values(po, s, PART_OF) if COUNTY in types.get(c, ())
                          for lab in _values(po, c, LABEL)[:1])
        for a in sorted(advisers):
            said = _first_said(attested.get(a, ()), texts)
            firm = int(LAW_FIRM in types.get(a, ()))
            out += [(report, stem, year, file, s, labels[0] if labels else None,
                     counties[0] if counties else None, a, label, kind, firm, *said)
                    for label in _values(po, a, LABEL)
                    for kind in _values(po, a, ADVISER_KIND) or [None]]
    return out


#: the other names search.rq matches, beside labels
ALT_LABEL = _S(SKOS.altLabel)


def _name_rows(report: str, stem: str, po: Mapping[str, Mapping[str, list[Any]]],
               types: Mapping[str, set[str]], texts: Mapping[str, str],
               named: Mapping[str, list[str]]) -> list[tuple]:
    """The ``entity_names`` rows of one report graph, what the canned search
    reads of it (:mod:`kg.prepared_search`): each entity of a searchable
    class with a label, its labels and other names, its first class in the
    table of types' order (search.rq's ``rank``), and the least IRI of the
    sentences (with text) naming it."""
    rank = {c: i for i, (c, _) in enumerate(search_classes())}   # read now: types may grow
    out: list[tuple] = []
    for s, cs in types.items():
        mine = [c for c in cs if c in rank]
        labels = _values(po, s, LABEL)
        if mine and labels:
            out.append(search_tables.row(s, report, stem, labels, _values(po, s, ALT_LABEL),
                                         min(mine, key=rank.__getitem__),
                                         _first_said(named.get(s, ()), texts)[0]))
    return sorted(out)


def _organisation_rows(report: str, stem: str, po: Mapping[str, Mapping[str, list[Any]]],
                       types: Mapping[str, set[str]], texts: Mapping[str, str],
                       named: Mapping[str, list[str]]) -> list[tuple]:
    """The ``organisations`` rows of one report graph: each fz:Organization
    named by a sentence with a text, one row per label and kind (none: one
    row, kind ""), as organisations_by_kind.rq finds them; the name also
    reversed (``rname``), so that the names with one ending are a range of
    its index."""
    out: list[tuple] = []
    for s, cs in types.items():
        if ORGANIZATION not in cs:
            continue
        said = _first_said(named.get(s, ()), texts)
        if said[0] is None:
            continue
        out += [(report, stem, s, name, name[::-1], kind, *said)
                for name in _values(po, s, LABEL)
                for kind in _values(po, s, SUBTYPE) or [""]]
    return out
