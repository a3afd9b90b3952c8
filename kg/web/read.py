"""The web pages' read models: the plain data every page and ``/api`` answer shows.

``entity``, ``graph``, ``neighbours``, ``report``, ``search``, ``overview``
and ``describe_nodes`` read the store through the service's engine (and its
indexes, where the store has them); the routes that serve them as JSON are
in :mod:`kg.web.api`, the HTML pages in :mod:`kg.web.pages`.

Every value a user gives reaches SPARQL as a bound term (substitutions);
the only IRIs written into query text are ones read from the store,
serialised by pyoxigraph (which refuses a malformed IRI).  Every query has
a LIMIT.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from flask import abort

from ingest.gazetteer import TOWNSHIP_KINDS  # a township's fz:kind, shown as its class
from kg.canned import plain
from kg.errors import QueryError
from kg.namespace import FZ, ID_IRI, ORG, RDF, RDFS, SKOS
from kg.prepared_entities import FIELDS
from kg.sparql import Checked

# STAT_CLASSES: the same names and classes as `fazhi-kg stats`, so the home
# page and the command count the same things
from kg.store_base import STAT_CLASSES
from kg.style import CLASS_NAMES, CLASS_TYPES, EDGE_PREDICATES, OTHER_COLOR, RELATIONS, relation_name, type_color
from kg.types import CLASS_RANK
from kg.web import service

# CLASS_RANK (kg.types): classes from most to least specific; an entity
# typed twice takes the first.
_EDGES = " ".join(f"<{p}>" for p in EDGE_PREDICATES)
#: Which neighbours a page draws and lists first: the relations a reader of a
#: township looks for (its legal adviser, where it belongs, the systems it set
#: up) before what it merely conducts, cites or mentions.  Lower comes first;
#: a predicate not named here ranks last.
RELATION_RANK = {str(p): rank for rank, group in enumerate((
    (FZ.legalAdvisor,), (FZ.partOf, ORG.memberOf), (FZ.establishes, FZ.implements),
    (FZ.cites, FZ.studies), (FZ.conducts,), (FZ.relatedTo,))) for p in group}
#: EDGE_PREDICATES grouped by rank, most important first (the prepared index
#: reads a page of neighbours group by group; unranked last, as rank_neighbours)
_RANK_GROUPS = [[p for p in EDGE_PREDICATES if RELATION_RANK.get(p, len(RELATION_RANK)) == rank]
                for rank in sorted({RELATION_RANK.get(p, len(RELATION_RANK))
                                    for p in EDGE_PREDICATES})]
#: Most facts, sentences, mentions read for one page.
MAX_FACTS = 600
MAX_SENTENCES = 20_000
MAX_MENTIONS = 60_000
MAX_SEARCH = 20

log = logging.getLogger("kg.web.api")


# ----------------------------------------------------------------- helpers

def entity_iri(eid: str) -> str:
    return ID_IRI + eid


def entity_id(iri: str) -> str:
    """The short id of an IRI under the id prefix ('' for any other IRI)."""
    return iri[len(ID_IRI):] if iri.startswith(ID_IRI) else ""


def select(text: str, *, limit: int = 10_000, **subs: ox.NamedNode | ox.Literal
           ) -> list[dict[str, Any]]:
    """Run a SELECT on the engine with bound values; rows of plain values.

    Literals come back as str (numbers as int/float), IRIs as str.
    """
    result = service().engine.run(Checked(text, "SELECT"), fmt="json", max_rows=limit,
                                  substitutions=subs or None)
    doc = json.loads(result.body)
    return [{k: plain(v) for k, v in b.items()} for b in doc["results"]["bindings"]]


def _values(iris) -> str:
    """Store IRIs as a SPARQL VALUES body; pyoxigraph validates each one."""
    return " ".join(str(ox.NamedNode(i)) for i in iris)


def _is_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


def node_or_404(value: str) -> ox.NamedNode:
    """The IRI as a node; a page that is not found (404) when it is no IRI."""
    try:
        return ox.NamedNode(value)
    except ValueError:
        abort(404)


def best_class(classes) -> str:
    ranked = [c for c in CLASS_RANK if c in set(classes)]
    return ranked[0] if ranked else ""


def describe_nodes(iris) -> dict[str, dict[str, Any]]:
    """IRI → {id, label, type, class, color, context?} for store IRIs (batched).

    From the prepared index where it describes an IRI (a national law's
    type and label are one row there, where the store has a copy in every
    report naming it), else from the store.
    """
    iris = [i for i in dict.fromkeys(iris) if isinstance(i, str) and i.startswith(ID_IRI)]
    found = _described(iris)
    where_at = {w for f in found.values() for w in f["at"]}
    labels_at = {w: f["labels"] for w, f in _described(where_at, context=False).items()}
    out: dict[str, dict[str, Any]] = {}
    for i in iris:
        f = found.get(i) or _EMPTY
        cls = best_class(f["classes"])
        t = CLASS_TYPES.get(cls, "")
        name = CLASS_NAMES.get(cls, "")
        if cls == str(FZ.Township) and f["kind"] in TOWNSHIP_KINDS:
            name = f["kind"]
        out[i] = {"id": entity_id(i), "iri": i,
                  "label": _shortest(f["labels"]) or entity_id(i).rsplit("/", 1)[-1],
                  "type": t, "class": name, "color": type_color(t)}
        # where it is (a township's county, an organisation's township) tells
        # apart entities of one name
        where = sorted({w for at in f["at"] for w in labels_at.get(at, ())})
        if where:
            out[i]["context"] = "、".join(where[:2])
    return out


_EMPTY: dict[str, Any] = {"classes": (), "labels": (), "kind": None, "at": ()}


def _shortest(labels) -> str | None:
    """The label shown of several: the shortest, then the least (stable)."""
    return min(labels, key=lambda v: (len(v), v), default=None)


def _described(iris, *, context: bool = True) -> dict[str, dict[str, Any]]:
    """IRI → {classes, labels, kind, at}: its classes, labels, least fz:kind
    and the IRIs it is fz:scope/fz:partOf of (``context``), from the prepared
    index for the IRIs it holds, the store for the rest."""
    iris = [i for i in dict.fromkeys(iris) if isinstance(i, str)]
    out: dict[str, dict[str, Any]] = {}
    prepared = service().prepared()
    if prepared is not None:
        for i, f in prepared.describe(iris).items():
            out[i] = {"classes": set(f.get("type", ())), "labels": set(f.get("label", ())),
                      "kind": min(f.get("kind", ()), default=None),
                      "at": {*f.get("scope", ()), *f.get("partOf", ())} if context else set()}
    rest = [i for i in iris if i not in out and _is_iri(i)]
    for start in range(0, len(rest), 400):
        chunk = rest[start:start + 400]
        # DISTINCT: a law or a county is typed and named again in every report
        # that names it, and a row cap on the copies lost its type
        at = ("UNION { ?n fz:scope ?w FILTER(isIRI(?w)) } UNION { ?n fz:partOf ?w FILTER(isIRI(?w)) }"
              if context else "")
        rows = select(f"""SELECT DISTINCT ?n ?c ?l ?k ?w WHERE {{ VALUES ?n {{ {_values(chunk)} }}
            {{ ?n a ?c }} UNION {{ ?n rdfs:label ?l }} UNION {{ ?n fz:kind ?k }} {at} }}
            LIMIT {len(chunk) * 40}""")
        for r in rows:
            f = out.setdefault(r["n"], {"classes": set(), "labels": set(), "kind": None,
                                        "at": set()})
            if r.get("c"):
                f["classes"].add(r["c"])
            if r.get("l"):
                f["labels"].add(r["l"])
            if r.get("k") and (f["kind"] is None or r["k"] < f["kind"]):
                f["kind"] = r["k"]
            if r.get("w"):
                f["at"].add(r["w"])
    return out


def degrees(iris) -> dict[str, int]:
    """IRI → how many distinct entities it is linked to."""
    iris = list(dict.fromkeys(iris))
    if not iris:
        return {}
    prepared = service().prepared()
    if prepared is not None:
        return prepared.degrees(iris)
    rows = select(f"""SELECT ?n (COUNT(DISTINCT ?x) AS ?deg) WHERE {{
        VALUES ?n {{ {_values(iris)} }} VALUES ?p {{ {_EDGES} }}
        {{ ?n ?p ?x }} UNION {{ ?x ?p ?n }} FILTER(isIRI(?x) && ?x != ?n) }}
        GROUP BY ?n LIMIT {len(iris)}""")
    return {r["n"]: r["deg"] for r in rows}


# ----------------------------------------------------------------- neighbours

_NEIGHBOURS = f"""SELECT ?e ?p ?dir ?other (COUNT(DISTINCT ?g) AS ?reports) WHERE {{
  VALUES ?p {{ {_EDGES} }}
  {{ GRAPH ?g {{ ?e ?p ?other }} BIND("out" AS ?dir) }}
  UNION {{ GRAPH ?g {{ ?other ?p ?e }} BIND("in" AS ?dir) }}
  FILTER(isIRI(?other) && ?other != ?e)
}} GROUP BY ?e ?p ?dir ?other ORDER BY DESC(?reports) ?p ?dir ?other"""


def neighbours(iri: str, *, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Edges of one node: ([{other, predicate, relation, dir, reports}], total neighbours).

    Neighbours are ordered by their most important relation (RELATION_RANK),
    then by how many reports state the link; ``limit`` distinct neighbours
    from ``offset`` are returned (all their edges).  The page's list and its
    graph both read this order, so they show the same neighbours.
    """
    prepared = service().prepared()
    if prepared is not None:
        rows, total = prepared.neighbours(iri, _RANK_GROUPS, limit=limit, offset=offset)
        rows.sort(key=lambda r: (-r["reports"], r["p"], r["dir"], r["other"]))  # the query's order
        order = rank_neighbours(rows)
        keep = {o: i for i, o in enumerate(order)}
        return _edges(rows, keep), total
    cap = 5000
    rows = select(_NEIGHBOURS + f" LIMIT {cap}", limit=cap, e=ox.NamedNode(iri))
    order = rank_neighbours(rows)
    total = len(order)
    if len(rows) >= cap:   # a hub: count its neighbours without listing them
        n = select(f"""SELECT ?e (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?p {{ {_EDGES} }}
            {{ ?e ?p ?x }} UNION {{ ?x ?p ?e }} FILTER(isIRI(?x) && ?x != ?e) }} GROUP BY ?e LIMIT 1""",
                   e=ox.NamedNode(iri))
        total = n[0]["n"] if n else total
    keep = {o: i for i, o in enumerate(order[offset:offset + limit])}
    return _edges(rows, keep), total


def _edges(rows: list[dict[str, Any]], keep: dict[str, int]) -> list[dict[str, Any]]:
    """The edges of the neighbours kept (other → its place), in page order."""
    edges = [{"other": r["other"], "predicate": r["p"], "relation": relation_name(r["p"]),
              "dir": r["dir"], "reports": r["reports"]} for r in rows if r["other"] in keep]
    edges.sort(key=lambda e: (keep[e["other"]], RELATION_RANK.get(e["predicate"], 99)))
    return edges


def rank_neighbours(rows: list[dict[str, Any]]) -> list[str]:
    """Distinct ``other`` of neighbour rows, most important relation first.

    Ties keep the query's order (more reports first, then stable by IRI).
    """
    last = len(RELATION_RANK)
    best: dict[str, tuple[int, int]] = {}
    for i, r in enumerate(rows):
        key = (RELATION_RANK.get(r["p"], last), i)
        if r["other"] not in best or key < best[r["other"]]:
            best[r["other"]] = key
    return sorted(best, key=best.__getitem__)


def graph(iri: str, *, hops: int = 1, limit: int = 25, offset: int = 0) -> dict[str, Any]:
    """The neighbourhood of ``iri`` for drawing: nodes, edges, and 'more' counts.

    ``hops`` 2 expands every shown neighbour too (each to ``limit``).
    A node's ``degree`` is its number of neighbours; ``more[id]`` how many of
    the node's neighbours are not shown (the "N more" marker).
    """
    if hops not in (1, 2):
        raise QueryError(f"hops must be 1 or 2, not {hops}")
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    more: dict[str, int] = {}
    expanded: list[str] = []
    frontier = [iri]
    for _hop in range(hops):
        nxt = []
        for n in frontier:
            es, total = neighbours(n, limit=limit, offset=offset if n == iri else 0)
            expanded.append(n)
            shown = {e["other"] for e in es}
            more[n] = max(0, total - len(shown) - (offset if n == iri else 0))
            for e in es:
                s, t = (n, e["other"]) if e["dir"] == "out" else (e["other"], n)
                edges.setdefault((s, e["predicate"], t), {
                    "source": s, "target": t, "predicate": e["predicate"],
                    "relation": e["relation"], "reports": e["reports"]})
                if e["other"] not in nodes and e["other"] not in nxt and e["other"] != iri:
                    nxt.append(e["other"])
            nodes.setdefault(n, {})
        for o in nxt:
            nodes.setdefault(o, {})
        frontier = [o for o in nxt if o not in expanded]
    info = describe_nodes([iri, *nodes])
    if iri not in info or not info[iri]["type"] and not nodes.keys() - {iri}:
        raise QueryError(f"no entity {entity_id(iri) or iri}", status=404)
    deg = degrees(nodes)
    out_nodes = []
    for n in nodes:
        d = dict(info.get(n) or {"id": entity_id(n), "iri": n, "label": n, "type": "",
                                 "class": "", "color": OTHER_COLOR})
        d.update(degree=deg.get(n, 0), centre=n == iri, expanded=n in expanded)
        out_nodes.append(d)
    return {"centre": entity_id(iri), "hops": hops, "limit": limit, "offset": offset,
            "nodes": out_nodes,
            "edges": [dict(e, source=entity_id(e["source"]), target=entity_id(e["target"]))
                      for e in edges.values()],
            "more": {entity_id(k): v for k, v in more.items() if v}}


# ----------------------------------------------------------------- entity

def _props(iri: str) -> list[dict[str, Any]]:
    """An entity's own properties as rows {p, o, ol}: ``ol`` the shortest
    label of an IRI value.  From the prepared index when it describes the
    entity (one row a value, where the store has a copy a report), else the
    store."""
    prepared = service().prepared()
    found = prepared.describe([iri]).get(iri) if prepared is not None else None
    if found:
        rows = [{"p": _FIELD_PREDICATE[f], "o": v} for f, vs in found.items() for v in vs]
    else:
        rows = select(_PROPS, e=ox.NamedNode(iri))
    shown = {str(FZ.scope), str(FZ.partOf), str(ORG.memberOf)}
    objects = _described([r["o"] for r in rows if r["p"] in shown], context=False)
    for r in rows:
        if r["p"] in shown:
            r["ol"] = _shortest(objects.get(r["o"], _EMPTY)["labels"])
    return rows


#: field of the prepared index (kg.prepared_entities.FIELDS) → its predicate
_FIELD_PREDICATE = {f: p for p, f in FIELDS.items()}

_PROPS = """SELECT DISTINCT ?e ?p ?o WHERE {
  VALUES ?p { rdf:type rdfs:label skos:altLabel fz:subtype fz:scope fz:holdsPost fz:date fz:kind
              fz:partOf org:memberOf }
  ?e ?p ?o
} LIMIT 400"""

#: Predicates of the facts read from a sentence (fz:attests gives it): the
#: township's relations and a person's post.
_FACT_VALUES = " ".join(f"<{p}>" for p in (*RELATIONS, str(FZ.holdsPost)))
_FACTS = f"""SELECT ?e ?dir ?p ?other ?count ?date ?kind ?size ?report ?year ?order ?text
WHERE {{
  VALUES ?p {{ {_FACT_VALUES} }}
  GRAPH ?g {{ {{ ?e ?p ?other . BIND("out" AS ?dir) }} UNION {{ ?other ?p ?e . BIND("in" AS ?dir) }} }}
  # the fact's report: the one in its graph, looked up row by row
  LATERAL {{ SELECT ?g ?report WHERE {{ GRAPH ?g {{ ?report a fz:Report }} }} LIMIT 1 }}
  OPTIONAL {{ ?report fz:year ?year }}
  # qualifiers and evidence are on the entity the fact is about, in the fact's graph:
  # its object, or its subject when the object is a literal (a post)
  BIND(IF(?dir = "in" || isLiteral(?other), ?e, ?other) AS ?about)
  # row by row (LATERAL), as in _REPORTS_OF below: as OPTIONALs these read every
  # fz:attests of the store first (a township's facts: 89 s at 40,000 reports)
  LATERAL {{ SELECT ?g ?about ?count ?date ?kind ?size WHERE {{ GRAPH ?g {{
    OPTIONAL {{ ?about fz:count ?count }} OPTIONAL {{ ?about fz:date ?date }}
    OPTIONAL {{ ?about fz:advisorKind ?kind }} OPTIONAL {{ ?about fz:teamSize ?size }} }} }} LIMIT 1 }}
  LATERAL {{ SELECT ?g ?about ?order ?text WHERE {{
    OPTIONAL {{ GRAPH ?g {{ ?s fz:attests ?about ; fz:text ?text }}
                BIND(xsd:integer(STRAFTER(STR(?s), "/sentence/")) AS ?order) }} }} }}
}} ORDER BY ?p ?dir ?report ?order LIMIT {MAX_FACTS}"""

# Each query names its one pattern on ?e first and looks the rest up row by
# row (LATERAL): ?e is bound as a substitution, which Oxigraph's planner does
# not see, so given the whole pattern at once it started from the pattern
# with the most constants (every figure's type: 10 s for any entity at
# 40,000 reports, now a few ms).
_REPORTS_OF = """SELECT ?e ?r ?title ?year ?unit ?file WHERE {
  { ?r fz:mentions ?e } UNION { ?r fz:reportingUnit ?e }
  LATERAL { SELECT ?r ?title ?year ?unit ?file WHERE {
    ?r a fz:Report .
    OPTIONAL { ?r dcterms:title ?title } OPTIONAL { ?r fz:year ?year }
    OPTIONAL { ?r fz:sourceFile ?file }
    OPTIONAL { ?r fz:reportingUnit ?u . ?u rdfs:label ?unit } } LIMIT 1 }
} ORDER BY ?year ?r LIMIT 300"""

_FIGURES = """SELECT ?e ?ind ?label ?value ?unit ?approx ?report ?year ?order ?text WHERE {
  ?ind fz:scope ?e .
  LATERAL { SELECT ?ind ?label ?value ?unit ?approx ?report ?year ?order ?text WHERE {
    ?ind a fz:Indicator ; rdfs:label ?label ; rdf:value ?value ; fz:report ?report .
    OPTIONAL { ?ind fz:unit ?unit } OPTIONAL { ?ind fz:approx ?approx }
    OPTIONAL { ?report fz:year ?year }
    OPTIONAL { ?ind prov:wasDerivedFrom ?s . ?s fz:text ?text .
               BIND(xsd:integer(STRAFTER(STR(?s), "/sentence/")) AS ?order) } } LIMIT 1 }
} ORDER BY ?year ?report ?order LIMIT 500"""


# The same three in plain SPARQL 1.1, for a remote store (no LATERAL): the same
# rows, each detail joined whole (tests/test_virtuoso.py compares the pages).
_FACTS_PLAIN = f"""SELECT ?e ?dir ?p ?other ?count ?date ?kind ?size ?report ?year ?order ?text
WHERE {{
  VALUES ?p {{ {_FACT_VALUES} }}
  GRAPH ?g {{ {{ ?e ?p ?other . BIND("out" AS ?dir) }} UNION {{ ?other ?p ?e . BIND("in" AS ?dir) }} }}
  GRAPH ?g {{ ?report a fz:Report }}
  OPTIONAL {{ ?report fz:year ?year }}
  BIND(IF(?dir = "in" || isLiteral(?other), ?e, ?other) AS ?about)
  OPTIONAL {{ GRAPH ?g {{ ?about fz:count ?count }} }}
  OPTIONAL {{ GRAPH ?g {{ ?about fz:date ?date }} }}
  OPTIONAL {{ GRAPH ?g {{ ?about fz:advisorKind ?kind }} }}
  OPTIONAL {{ GRAPH ?g {{ ?about fz:teamSize ?size }} }}
  OPTIONAL {{ GRAPH ?g {{ ?s fz:attests ?about ; fz:text ?text }}
              BIND(xsd:integer(STRAFTER(STR(?s), "/sentence/")) AS ?order) }}
}} ORDER BY ?p ?dir ?report ?order LIMIT {MAX_FACTS}"""

_REPORTS_OF_PLAIN = """SELECT ?e ?r ?title ?year ?unit ?file WHERE {
  { ?r fz:mentions ?e } UNION { ?r fz:reportingUnit ?e }
  ?r a fz:Report .
  OPTIONAL { ?r dcterms:title ?title } OPTIONAL { ?r fz:year ?year }
  OPTIONAL { ?r fz:sourceFile ?file }
  OPTIONAL { ?r fz:reportingUnit ?u . ?u rdfs:label ?unit }
} ORDER BY ?year ?r LIMIT 300"""

_FIGURES_PLAIN = """SELECT ?e ?ind ?label ?value ?unit ?approx ?report ?year ?order ?text WHERE {
  ?ind fz:scope ?e .
  ?ind a fz:Indicator ; rdfs:label ?label ; rdf:value ?value ; fz:report ?report .
  OPTIONAL { ?ind fz:unit ?unit } OPTIONAL { ?ind fz:approx ?approx }
  OPTIONAL { ?report fz:year ?year }
  OPTIONAL { ?ind prov:wasDerivedFrom ?s . ?s fz:text ?text .
             BIND(xsd:integer(STRAFTER(STR(?s), "/sentence/")) AS ?order) }
} ORDER BY ?year ?report ?order LIMIT 500"""


def _form(lateral: str, plain: str) -> str:
    """The query for this service's engine: its LATERAL form on the embedded
    store, its plain SPARQL 1.1 form on a remote one."""
    return lateral if service().engine.lateral else plain


def _report_ref(iri: str, year: Any = None, title: str = "") -> dict[str, Any]:
    return {"id": entity_id(iri), "year": year, "title": title}


#: Reports whose facts one page of an entity shows; reports listed on one page;
#: townships (and years) its counts are listed by.
FACT_REPORTS = 100
REPORT_PAGE = 100
COUNT_ROWS = 100


def entity(iri: str, *, max_neighbours: int = 25, offset: int = 0,
           reports_offset: int = 0) -> dict[str, Any]:
    """Everything the entity page shows, as plain data; QueryError 404 if unknown.

    With the store's prepared index, an entity's facts come a page at a time
    (those stated in :data:`FACT_REPORTS` of its reports from ``offset``;
    ``facts_next_offset`` the next page), its reports too (``reports_offset``,
    ``reports_next_offset``), and ``counts`` gives its reports, facts and
    mentions by township and by year: an entity cited by most reports (宪法)
    is not sorted whole.  Without one, the first :data:`MAX_FACTS` rows.
    """
    node = ox.NamedNode(iri)
    prepared = service().prepared()
    total = prepared.entity_total(iri) if prepared is not None else None
    if not total or not total["reports"]:
        prepared = None           # not an entity the index counts: the store answers
    props = _props(iri)
    if not props:
        raise QueryError(f"no entity '{entity_id(iri)}' in the graph", status=404)
    classes = {r["o"] for r in props if r["p"] == str(RDF.type)}
    labels = sorted({r["o"] for r in props if r["p"] == str(RDFS.label)}, key=lambda v: (len(v), v))
    cls = best_class(classes)
    t = CLASS_TYPES.get(cls, "")
    if not t and not labels:
        raise QueryError(f"'{entity_id(iri)}' is not an entity", status=404)
    out: dict[str, Any] = {
        "id": entity_id(iri), "iri": iri, "label": labels[0] if labels else entity_id(iri),
        "labels": labels,
        "aliases": sorted({r["o"] for r in props if r["p"] == str(SKOS.altLabel)}),
        "types": [{"iri": c, "name": CLASS_NAMES.get(c, c.rsplit("#", 1)[-1])}
                  for c in sorted(classes, key=lambda c: (c not in CLASS_RANK,
                                                           CLASS_RANK.index(c) if c in CLASS_RANK else 0))],
        "type": t, "class": CLASS_NAMES.get(cls, ""), "color": type_color(t),
    }
    for key, p in (("subtype", FZ.subtype), ("post", FZ.holdsPost), ("date", FZ.date),
                   ("kind", FZ.kind)):
        vals = [r["o"] for r in props if r["p"] == str(p)]
        if vals:
            out[key] = min(vals, key=str)      # the least of several: the same on every run
    for key, p in (("scope", FZ.scope), ("partOf", FZ.partOf), ("memberOf", ORG.memberOf)):
        vals = {r["o"]: r.get("ol") or r["o"] for r in props if r["p"] == str(p)}
        if vals:
            out[key] = [{"id": entity_id(o), "label": label} for o, label in sorted(vals.items())]

    if prepared is not None:
        fact_page = prepared.entity_reports(iri, limit=FACT_REPORTS, offset=offset,
                                            with_facts=True)
        graphs = [r["graph"] for r in fact_page.rows if r["graph"]]
        # the same query, on this page's report graphs only
        rows = select(_FACTS.replace("WHERE {\n", f"WHERE {{\n  VALUES ?g {{ {_values(graphs)} }}\n", 1),
                      limit=MAX_FACTS, e=node) if graphs else []
        out["facts_offset"], out["facts_next_offset"] = offset, fact_page.next_offset
        towns = prepared.entity_counts(iri, by="township", limit=COUNT_ROWS)
        for c in towns:
            c["id"] = entity_id(c.pop("township") or "")
        years = prepared.entity_counts(iri, by="year")
        out["counts"] = dict(total, by_township={
            "rows": towns, "total": total["townships"],
            "truncated": total["townships"] > len(towns)}, by_year={
            "rows": years[:COUNT_ROWS], "total": len(years), "truncated": len(years) > COUNT_ROWS})
    else:
        rows = select(_form(_FACTS, _FACTS_PLAIN), limit=MAX_FACTS, e=node)
    others = describe_nodes(r["other"] for r in rows if isinstance(r["other"], str))
    facts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        other = r["other"]
        key = (r["p"], r["dir"], str(other))
        f = facts.get(key)
        if f is None:
            o = others.get(other) if isinstance(other, str) else None
            f = facts[key] = {
                "predicate": r["p"], "relation": relation_name(r["p"]), "dir": r["dir"],
                "other": o or {"id": "", "label": str(other), "type": "", "color": OTHER_COLOR,
                               "literal": True},
                "qualifiers": {}, "evidence": []}
        for q in ("count", "date", "kind", "size"):
            if r.get(q) is not None:
                f["qualifiers"][q] = r[q]
        if r.get("order") is not None:
            ev = {"report": entity_id(r["report"]), "year": r.get("year"),
                  "order": r["order"], "text": r.get("text", "")}
            if ev not in f["evidence"]:
                f["evidence"].append(ev)
        elif not any(e["report"] == entity_id(r["report"]) for e in f["evidence"]):
            f["evidence"].append({"report": entity_id(r["report"]), "year": r.get("year"),
                                  "order": None, "text": ""})
    out["facts"] = list(facts.values())
    out["facts_truncated"] = len(rows) >= MAX_FACTS

    edges, total = neighbours(iri, limit=max_neighbours)
    info = describe_nodes(e["other"] for e in edges)
    counts: dict[str, dict[str, Any]] = {}
    for e in edges:
        n = counts.setdefault(e["other"], dict(info.get(e["other"], {"id": entity_id(e["other"])}),
                                              relations=[], reports=0))
        n["relations"].append(e["relation"] if e["dir"] == "out" else "←" + e["relation"])
        n["reports"] = max(n["reports"], e["reports"])
    out["neighbours"] = list(counts.values())
    out["neighbour_total"] = total

    if prepared is not None:
        page = prepared.entity_reports(iri, limit=REPORT_PAGE, offset=reports_offset)
        out["reports"] = [{"id": entity_id(r["report"]), "title": r["title"] or "",
                           "year": r["year"], "unit": r["township_label"] or "",
                           "file": r["file"] or ""} for r in page.rows]
        out["reports_offset"], out["reports_next_offset"] = reports_offset, page.next_offset
    else:
        reports = select(_form(_REPORTS_OF, _REPORTS_OF_PLAIN), limit=300, e=node)
        out["reports"] = list({r["r"]: {"id": entity_id(r["r"]), "title": r.get("title", ""),
                                        "year": r.get("year"), "unit": r.get("unit", ""),
                                        "file": r.get("file", "")} for r in reports}.values())
    if cls == str(FZ.Township):
        if out.get("kind") in TOWNSHIP_KINDS:
            out["class"] = out["kind"]      # 乡 or 街道, not the class's name 镇
        out["township"] = _township(iri, out)
    return out


def _township(iri: str, ent: dict[str, Any]) -> dict[str, Any]:
    """A township's county, legal advisers and figures."""
    advisers = [f for f in ent["facts"] if f["predicate"] == str(FZ.legalAdvisor)
                and f["dir"] == "out"]
    figures = []
    for r in select(_form(_FIGURES, _FIGURES_PLAIN), limit=500, e=ox.NamedNode(iri)):
        figures.append({"label": r["label"], "value": r["value"], "unit": r.get("unit", ""),
                        "approx": r.get("approx", ""), "report": entity_id(r["report"]),
                        "year": r.get("year"), "order": r.get("order"), "text": r.get("text", "")})
    by_year: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ent["reports"]:
        by_year[str(r.get("year") or "年度不详")].append(r)
    flags = select(_form(_TOWNSHIP_FLAGS, _TOWNSHIP_FLAGS_PLAIN), limit=1, e=ox.NamedNode(iri))
    flag = flags[0] if flags else {}
    return {"county": ent.get("partOf", []), "advisers": advisers, "figures": figures,
            "reports_by_year": dict(sorted(by_year.items())),
            "county_inferred": flag.get("inferred") in (True, "true"),
            "not_in_gazetteer": flag.get("missing") in (True, "true")}


#: the township gazetteer's marks on a township (kg/ontology.ttl); a county
#: is shown as inferred only when no report of the township states it
_TOWNSHIP_FLAGS = """SELECT ?e ?inferred ?missing WHERE {
  BIND(EXISTS { ?e fz:countyInferred true } && NOT EXISTS {
         ?r fz:township ?e ; fz:mentions ?c . ?e fz:partOf ?c . ?c a fz:County } AS ?inferred)
  BIND(EXISTS { ?e fz:inGazetteer false } AS ?missing)
}"""
# the same for a remote store: Virtuoso 7.2 cannot compile EXISTS in a BIND
# (and answers the booleans as 0 and 1, which _township reads alike)
_TOWNSHIP_FLAGS_PLAIN = """SELECT ?e (BOUND(?ci) && !BOUND(?c) AS ?inferred) (BOUND(?nog) AS ?missing)
WHERE {
  OPTIONAL { ?e fz:countyInferred true . BIND(1 AS ?ci) }
  OPTIONAL { ?r fz:township ?e ; fz:mentions ?c . ?e fz:partOf ?c . ?c a fz:County }
  OPTIONAL { ?e fz:inGazetteer false . BIND(1 AS ?nog) }
}"""


# ----------------------------------------------------------------- search

_SEARCH = """SELECT ?q ?e ?m ?alias WHERE {{
  {{ ?e rdfs:label ?m BIND(false AS ?alias) }} UNION {{ ?e skos:altLabel ?m BIND(true AS ?alias) }}
  FILTER(CONTAINS(LCASE(STR(?m)), LCASE(STR(?q))))
  FILTER EXISTS {{ VALUES ?c {{ {classes} }} ?e a ?c }}
}} ORDER BY (!STRSTARTS(LCASE(STR(?m)), LCASE(STR(?q)))) STRLEN(STR(?m)) ?m ?e LIMIT 200"""


def search(q: str, *, limit: int = MAX_SEARCH) -> list[dict[str, Any]]:
    """Entities whose label or alias contains ``q`` (prefix matches first, then shorter).

    From the store's name index when it has one (kg.names: a tenth of a
    second at 40,000 reports, where reading every label takes 90 s), else
    from the store itself.
    """
    q = q.strip()[:100]
    if not q:
        return []
    names = service().names()
    found: list[tuple[str, str]] | None = None
    if names is not None:
        try:
            found = names.search(q, limit=200)
        except sqlite3.Error as exc:      # a damaged index: the store still answers
            log.warning("name index %s failed (%s); searching the store", names.path, exc)
    if found is None:
        classes = " ".join(f"<{c}>" for c in CLASS_RANK)   # read now: kg.types may gain a type
        found = [(r["e"], r["m"]) for r in select(_SEARCH.format(classes=classes), limit=200,
                                                  q=ox.Literal(q))]
    hits: dict[str, str] = {}
    for e, m in found:
        hits.setdefault(e, m)
    candidates = list(hits.items())
    out: list[dict[str, Any]] = []
    for start in range(0, len(candidates), limit):   # look up only as many as shown
        chunk = candidates[start:start + limit]
        info = describe_nodes(iri for iri, _ in chunk)
        for iri, matched in chunk:
            d = dict(info[iri])
            if not d["class"]:
                continue      # an index row of an entity the store no longer holds
            if matched != d["label"]:
                d["matched"] = matched
            out.append(d)
            if len(out) >= limit:
                return out
    return out


# ----------------------------------------------------------------- report

_REPORT_META = """SELECT ?r ?p ?o ?ol WHERE {
  VALUES ?p { rdf:type dcterms:title fz:year dcterms:issued fz:issuer fz:addressee fz:sourceFile
              fz:partIndex fz:reportingUnit fz:township }
  ?r ?p ?o . OPTIONAL { ?o rdfs:label ?ol }
} LIMIT 100"""
_SECTIONS = """SELECT ?r ?sec ?order ?number ?title ?level ?parent ?covers ?start ?end WHERE {
  GRAPH ?g { ?r a fz:Report . ?sec fz:level ?level }
  BIND(xsd:integer(STRAFTER(STR(?sec), "/section/")) AS ?order)
  OPTIONAL { ?sec fz:number ?number } OPTIONAL { ?sec rdfs:label ?title }
  OPTIONAL { ?sec fz:section ?parent } OPTIONAL { ?sec fz:covers ?covers }
  OPTIONAL { ?sec fz:start ?start } OPTIONAL { ?sec fz:end ?end }
} ORDER BY ?order LIMIT 5000"""
_SENTENCES = f"""SELECT ?r ?order ?text ?start WHERE {{
  GRAPH ?g {{ ?r a fz:Report . ?s fz:text ?text . OPTIONAL {{ ?s fz:start ?start }} }}
  BIND(xsd:integer(STRAFTER(STR(?s), "/sentence/")) AS ?order)
}} ORDER BY ?order LIMIT {MAX_SENTENCES}"""
# A sentence names an entity; where, the entity's surface forms in this
# report (its label and altLabels, written into the report's graph) say.
_MENTIONS = f"""SELECT ?r ?order ?ent ?surface WHERE {{
  GRAPH ?g {{ ?r a fz:Report . ?s fz:names ?ent .
    {{ ?ent rdfs:label ?surface }} UNION {{ ?ent skos:altLabel ?surface }} }}
  BIND(xsd:integer(STRAFTER(STR(?s), "/sentence/")) AS ?order)
}} LIMIT {MAX_MENTIONS}"""

#: What fz:covers values mean, for the outline.
COVERS = {"measures": "主要举措和成效", "first_responsibility": "第一责任人职责",
          "shortcomings": "存在的不足和原因", "next_year": "下一年度工作安排"}


def _spans(text: str, mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Non-overlapping entity spans within one sentence's text.

    ``mentions`` are the (surface, entity) pairs of the entities the sentence
    names; every place a surface occurs is a candidate, and where two overlap
    the longer wins (江口镇司法所 over 司法所 within it).
    """
    found = []
    for m in mentions:
        surface = m["surface"]
        if not surface:
            continue
        i = text.find(surface)
        while i >= 0:
            found.append((i, i + len(surface), m["entity"]))
            i = text.find(surface, i + 1)
    found.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    taken: list[tuple[int, int]] = []
    spans = []
    for s, e, ent in found:
        if all(e <= a or s >= b for a, b in taken):
            taken.append((s, e))
            spans.append({"start": s, "end": e, "entity": ent})
    spans.sort(key=lambda sp: sp["start"])
    return spans


def _section_of(start: int | None, sections: list[dict[str, Any]]) -> int | None:
    """The innermost section whose span holds a sentence's start offset."""
    if start is None:
        return None
    best = None
    for sec in sections:
        a, b = sec.get("start"), sec.get("end")
        if a is not None and b is not None and a <= start < b:
            if best is None or (a, -b) > (best["start"], -best["end"]):
                best = sec
    return None if best is None else best["order"]


def report(iri: str) -> dict[str, Any]:
    """A report's metadata, outline, sentences and entity spans; 404 if unknown."""
    node = ox.NamedNode(iri)
    meta = select(_REPORT_META, r=node)
    if not any(m["p"] == str(RDF.type) and m["o"] == str(FZ.Report) for m in meta):
        raise QueryError(f"no report '{entity_id(iri)}' in the graph", status=404)
    local = {str(FZ.year): "year", "http://purl.org/dc/terms/title": "title",
             "http://purl.org/dc/terms/issued": "issued", str(FZ.issuer): "issuer",
             str(FZ.addressee): "addressee", str(FZ.sourceFile): "file",
             str(FZ.partIndex): "part"}
    out: dict[str, Any] = {"id": entity_id(iri), "iri": iri}
    for m in meta:
        if m["p"] in local:
            out[local[m["p"]]] = m["o"]
        elif m["p"] == str(FZ.reportingUnit):
            out["unit"] = {"id": entity_id(m["o"]), "label": m.get("ol") or m["o"]}
    sections = select(_SECTIONS, limit=5000, r=node)
    sec_order = {s["sec"]: s["order"] for s in sections}
    out["sections"] = [{"order": s["order"], "number": s.get("number", ""),
                        "title": s.get("title", ""), "level": s.get("level", 1),
                        "parent": sec_order.get(s.get("parent")), "start": s.get("start"),
                        "covers": s.get("covers", ""),
                        "covers_zh": COVERS.get(s.get("covers", ""), "")} for s in sections]
    mentions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in select(_MENTIONS, limit=MAX_MENTIONS, r=node):
        mentions[m["order"]].append({"surface": m["surface"], "entity": m["ent"]})
    ents = describe_nodes({m["entity"] for ms in mentions.values() for m in ms})
    sentences = []
    for s in select(_SENTENCES, limit=MAX_SENTENCES, r=node):
        spans = _spans(s["text"], mentions.get(s["order"], []))
        for sp in spans:
            info = ents.get(sp.pop("entity"), {})
            sp.update(id=info.get("id", ""), label=info.get("label", ""),
                      type=info.get("type", ""), color=info.get("color", OTHER_COLOR))
        sentences.append({"order": s["order"], "text": s["text"],
                          "section": _section_of(s.get("start"), sections),
                          "start": s.get("start"), "spans": spans})
    out["sentences"] = sentences
    out["truncated"] = len(sentences) >= MAX_SENTENCES
    return out


# ----------------------------------------------------------------- overview

#: Townships on one page of the home page and /api/overview.
TOWNSHIP_PAGE = 100


def overview(*, limit: int = TOWNSHIP_PAGE, offset: int = 0) -> dict[str, Any]:
    """Counts by entity type and one page of townships with county, years and
    reports (home page); ``next_offset`` is where the next page starts (None:
    the last).  From the prepared index when the store has one, else SPARQL."""
    prepared = service().prepared()
    if prepared is not None:
        per_class = prepared.type_counts()
        page = prepared.townships(limit=limit, offset=offset)
        townships = [{"id": entity_id(r["township"]), "label": r["label"],
                      "county": {"id": entity_id(r["county"]), "label": r["county_label"] or ""}
                      if r["county"] else None, "years": r["years"], "reports": r["reports"]}
                     for r in page.rows]
        next_offset = page.next_offset
    else:
        per_class = _class_counts(STAT_CLASSES)
        townships, next_offset = _townships_sparql(limit, offset)
    counts = []
    for name, classes in STAT_CLASSES.items():
        n = sum(per_class.get(str(c), 0) for c in classes)
        if n:
            counts.append({"type": name, "count": n,
                           "color": type_color(CLASS_TYPES.get(str(classes[0]), ""))})
    return {"counts": counts, "townships": townships, "offset": offset, "limit": limit,
            "next_offset": next_offset, "townships_truncated": next_offset is not None,
            "prepared": prepared is not None}


def _class_counts(stat_classes: dict[str, tuple[str, ...]]) -> dict[str, int]:
    values = " ".join(f"<{c}>" for classes in stat_classes.values() for c in classes)
    rows = select(f"""SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{
        VALUES ?c {{ {values} }} ?e a ?c }} GROUP BY ?c LIMIT 50""")
    return {r["c"]: r["n"] for r in rows}


#: One page of townships from the store (a store without a prepared index).
#: Each township's reports are counted first; its label and county are then
#: looked up township by township (LATERAL): joined whole, every copy of the
#: county's type and label (one per report of the county) met every report
#: of the township, and a county's five years took 14 s (26 s under load;
#: now half a second).  ``{limit}`` and ``{offset}`` are filled in.
_TOWNSHIPS = """SELECT ?t ?label ?county ?countyLabel ?years ?reports WHERE {{
  {{ SELECT ?t (GROUP_CONCAT(DISTINCT STR(?year); separator=",") AS ?years)
           (COUNT(DISTINCT ?r) AS ?reports)
     WHERE {{ ?r fz:township ?t . OPTIONAL {{ ?r fz:year ?year }} }} GROUP BY ?t }}
  LATERAL {{ SELECT ?t ?label WHERE {{ ?t rdfs:label ?label }} ORDER BY ?label LIMIT 1 }}
  LATERAL {{ SELECT ?t ?county ?countyLabel WHERE {{ OPTIONAL {{
      ?t fz:partOf ?county FILTER EXISTS {{ ?county a fz:County }}
      ?county rdfs:label ?countyLabel }} }} ORDER BY ?countyLabel ?county LIMIT 1 }}
}} ORDER BY ?countyLabel ?label ?t LIMIT {limit} OFFSET {offset}"""
#: :data:`_TOWNSHIPS` in plain SPARQL 1.1 (no
#: LATERAL), ordered and cut by the engine as the LATERAL form is: a
#: township's label its least, its county the one of least label, then of
#: least IRI; by county label (a township without a county first, as SPARQL
#: sorts unbound first), label, IRI.  ``{limit}`` and ``{offset}`` are filled in.
_TOWNSHIPS_PLAIN = """SELECT ?t ?label ?county ?countyLabel ?years ?reports WHERE {{
  {{ SELECT ?t (GROUP_CONCAT(DISTINCT STR(?year); separator=",") AS ?years)
           (COUNT(DISTINCT ?r) AS ?reports)
     WHERE {{ ?r fz:township ?t . OPTIONAL {{ ?r fz:year ?year }} }} GROUP BY ?t }}
  OPTIONAL {{ SELECT ?t (MIN(?l) AS ?label) WHERE {{ ?t rdfs:label ?l }} GROUP BY ?t }}
  OPTIONAL {{ SELECT ?t (MIN(?cl) AS ?countyLabel)
              WHERE {{ ?t fz:partOf ?c . ?c a fz:County ; rdfs:label ?cl }} GROUP BY ?t }}
  OPTIONAL {{ SELECT ?t ?countyLabel (MIN(STR(?c)) AS ?countyIri)
              WHERE {{ ?t fz:partOf ?c . ?c a fz:County ; rdfs:label ?countyLabel }}
              GROUP BY ?t ?countyLabel }}
  BIND (IRI(?countyIri) AS ?county)
}} ORDER BY ?countyLabel ?label STR(?t) LIMIT {limit} OFFSET {offset}"""


def _townships_sparql(limit: int, offset: int) -> tuple[list[dict[str, Any]], int | None]:
    """One page of townships from the store: :data:`_TOWNSHIPS`, or on a
    remote store its plain form :data:`_TOWNSHIPS_PLAIN`."""
    text = _form(_TOWNSHIPS, _TOWNSHIPS_PLAIN)
    rows = select(text.format(limit=limit + 1, offset=offset), limit=limit + 1)
    townships = [{"id": entity_id(r["t"]), "label": r.get("label", ""),
                  "county": {"id": entity_id(r["county"]), "label": r.get("countyLabel", "")}
                  if r.get("county") else None,
                  "years": sorted({y for y in str(r.get("years") or "").split(",") if y}),
                  "reports": r["reports"]} for r in rows[:limit]]
    return townships, offset + limit if len(rows) > limit else None
