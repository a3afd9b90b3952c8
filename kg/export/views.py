"""The views an export can take of the entity graph, as networkx graphs.

* ``entities`` — every entity (divisions, organisations, systems, laws,
  activities, persons, advisers) and the edges between them: township →
  entity relations (fz:relatedTo and its sub-properties, fz:legalAdvisor),
  fz:partOf and org:memberOf.  A MultiDiGraph: a township may both 学习宣传
  and 依据 the same law.
* ``bipartite`` — townships on one side, everything their reports name on
  the other; one edge per pair, labelled with the typed relations (开展、…)
  or 提到 when the report only names the entity.
* ``similarity`` — townships only; undirected edges weighted by the Jaccard
  overlap of the laws, systems and activities (or ``types``) they name.
* ``neighbourhood`` — the ``entities`` view around one entity, ``hops`` 1 or 2.

Node attributes are plain str/int values (every format can hold them);
presentation (colour, size) is added by each writer from :mod:`kg.style`.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from kg.errors import QueryError, SettingError
from kg.export.graph import KGraph, Node
from kg.export.similarity import MAX_PAIRS, jaccard_pairs
from kg.model import ACTIVITY, LAW, SYSTEM, TOWNSHIP
from kg.style import RELATION_NAMES, SIMILAR, normalise_type, relation_name

VIEWS = ("entities", "bipartite", "similarity", "neighbourhood")
#: What the similarity of two townships is computed over, by default.
SIMILARITY_TYPES = (LAW, SYSTEM, ACTIVITY)
MENTIONS = "提到"

#: Node attribute → GEXF/GraphML type, in the order files list them.
NODE_ATTRS: dict[str, str] = {
    "type": "string", "class": "string", "township": "string", "county": "string",
    "years": "string", "mentions": "integer", "reports": "integer", "townships": "integer",
    "subtype": "string", "aliases": "string", "post": "string",
}
#: Edge attribute → type (``weight`` is the GEXF edge weight, not an attribute).
EDGE_ATTRS: dict[str, str] = {
    "relation": "string", "predicate": "string", "evidence": "integer", "years": "string",
    "shared": "integer",
}


def _years(ys: Iterable[int]) -> str:
    return ";".join(str(y) for y in sorted(ys))


def node_attrs(kg: KGraph, n: Node) -> dict[str, object]:
    """The attributes of a node in every view (labels, not IRIs, for places)."""
    t, c = kg.township_of(n), kg.county_for(n)
    towns = {kg.report_unit.get(r, "") for r in n.reports} - {""}
    return {
        "label": n.label,
        "type": n.type,
        "class": n.class_name,
        "township": kg.nodes[t].label if t in kg.nodes else "",
        "county": kg.nodes[c].label if c in kg.nodes else "",
        "years": _years(n.years),
        "mentions": n.mentions,
        "reports": len(n.reports),
        "townships": len(towns),
        "subtype": n.subtype,
        "aliases": "；".join(sorted(n.aliases)),
        "post": n.post,
    }


def _types(types) -> set[str] | None:
    if types is None:
        return None
    if isinstance(types, str):
        types = [t for t in types.split(",") if t.strip()]
    try:
        return {normalise_type(t) for t in types}
    except ValueError as exc:
        raise SettingError(str(exc)) from exc


def entities_view(kg: KGraph) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for iri, n in kg.nodes.items():
        g.add_node(iri, **node_attrs(kg, n))
    for i, e in enumerate(kg.edges.values()):
        ev = e.evidence
        g.add_edge(e.source, e.target, key=f"e{i}", relation=relation_name(e.predicate),
                   predicate=e.predicate, weight=float(max(ev, 1)), evidence=ev,
                   years=_years(e.years))
    return g


def _named_pairs(kg: KGraph) -> dict[tuple[str, str], set[int]]:
    """(township, entity) → years, for every entity a township's reports name."""
    pairs: dict[tuple[str, str], set[int]] = defaultdict(set)
    for iri, n in kg.nodes.items():
        if n.type == TOWNSHIP:
            continue
        for r in n.reports:
            t = kg.report_unit.get(r)
            if t in kg.nodes and kg.nodes[t].type == TOWNSHIP:
                y = kg.report_year.get(r)
                pairs[(t, iri)].update(() if y is None else (y,))
    return pairs


def bipartite_view(kg: KGraph) -> nx.DiGraph:
    typed: dict[tuple[str, str], list] = defaultdict(list)
    for e in kg.edges.values():
        if e.predicate in kg.relations and kg.nodes[e.source].type == TOWNSHIP:
            typed[(e.source, e.target)].append(e)
    pairs = _named_pairs(kg)
    for key, es in typed.items():
        pairs.setdefault(key, set()).update(*(e.years for e in es))
    g = nx.DiGraph()
    for t, o in sorted(pairs):
        for iri in (t, o):
            if iri not in g:
                g.add_node(iri, **node_attrs(kg, kg.nodes[iri]),
                           bipartite=0 if kg.nodes[iri].type == TOWNSHIP else 1)
    for i, (t, o) in enumerate(sorted(pairs)):
        es = typed.get((t, o), [])
        rels = sorted({relation_name(e.predicate) for e in es}, key=_rel_order) or [MENTIONS]
        ev = sum(e.evidence for e in es)     # summed over the typed relations of the pair
        g.add_edge(t, o, id=f"e{i}", relation="、".join(rels),
                   predicate=" ".join(sorted({e.predicate for e in es})),
                   weight=float(max(ev, 1)), evidence=ev, years=_years(pairs[(t, o)]))
    for iri, n in kg.nodes.items():       # townships that name nothing stay visible
        if n.type == TOWNSHIP and iri not in g:
            g.add_node(iri, **node_attrs(kg, n), bipartite=0)
    return g


_ORDER = {name: i for i, name in enumerate(RELATION_NAMES.values())}


def _rel_order(name: str) -> int:
    return _ORDER.get(name, len(_ORDER))


def similarity_view(kg: KGraph, *, types=None, threshold: float = 0.0,
                    max_pairs: int = MAX_PAIRS) -> nx.Graph:
    over = _types(types) or set(SIMILARITY_TYPES)
    towns = sorted(i for i, n in kg.nodes.items() if n.type == TOWNSHIP)
    pos = {t: k for k, t in enumerate(towns)}
    items: dict[str, int] = {}
    profile: list[set[int]] = [set() for _ in towns]
    for t, o in _named_pairs(kg):
        if kg.nodes[o].type in over:
            profile[pos[t]].add(items.setdefault(o, len(items)))
    for e in kg.edges.values():
        if e.source in pos and e.predicate in kg.relations and kg.nodes[e.target].type in over:
            profile[pos[e.source]].add(items.setdefault(e.target, len(items)))
    g = nx.Graph()
    for t in towns:
        g.add_node(t, **node_attrs(kg, kg.nodes[t]))
    sets = [frozenset(p) for p in profile]
    for k, (i, j, shared, jac) in enumerate(jaccard_pairs(sets, threshold, max_pairs=max_pairs)):
        g.add_edge(towns[i], towns[j], id=f"e{k}", relation=SIMILAR, weight=round(jac, 6),
                   shared=shared)
    return g


def find_entity(kg: KGraph, entity: str) -> set[str]:
    """An IRI, or a label/alias (all entities bearing it) → IRIs."""
    if entity in kg.nodes:
        return {entity}
    hits = {i for i, n in kg.nodes.items() if n.label == entity or entity in n.aliases}
    if not hits:
        raise QueryError(f"no entity '{entity}' in the selected reports (give its IRI or label)",
                         status=404)
    return hits


def neighbourhood_view(kg: KGraph, entity: str, hops: int = 1) -> nx.MultiDiGraph:
    if hops not in (1, 2):
        raise SettingError(f"hops must be 1 or 2, got {hops}")
    full = entities_view(kg)
    centre = find_entity(kg, entity)
    reached, frontier = set(centre), set(centre)
    for _ in range(hops):
        nxt = set()
        for v in frontier:
            nxt.update(full.successors(v))
            nxt.update(full.predecessors(v))
        frontier = nxt - reached
        reached |= nxt
    sub = full.subgraph(reached).copy()
    for v in centre:
        sub.nodes[v]["centre"] = 1
    return sub


def filter_types(g: nx.Graph, types, keep: Iterable[str] = ()) -> nx.Graph:
    """Drop nodes whose type is not in ``types`` (and their edges); keep ``keep``."""
    wanted = _types(types)
    if wanted is None:
        return g
    keep = set(keep)
    drop = [v for v, t in g.nodes(data="type") if t not in wanted and v not in keep]
    g.remove_nodes_from(drop)
    return g


def build_view(kg: KGraph, view: str = "entities", *, types=None, entity: str | None = None,
               hops: int = 1, threshold: float = 0.0, max_pairs: int = MAX_PAIRS) -> nx.Graph:
    """One of :data:`VIEWS` as a networkx graph, with the type filter applied."""
    if view == "entities":
        return filter_types(entities_view(kg), types)
    if view == "bipartite":
        return filter_types(bipartite_view(kg), types,
                            keep=(i for i, n in kg.nodes.items() if n.type == TOWNSHIP))
    if view == "similarity":     # types choose what similarity is measured over
        return similarity_view(kg, types=types, threshold=threshold, max_pairs=max_pairs)
    if view in ("neighbourhood", "neighborhood"):
        if not entity:
            raise SettingError("the neighbourhood view needs an entity (IRI or label)")
        g = neighbourhood_view(kg, entity, hops)
        return filter_types(g, types, keep=[v for v, c in g.nodes(data="centre") if c])
    raise SettingError(f"unknown view '{view}' (views: {', '.join(VIEWS)})")


__all__ = ["EDGE_ATTRS", "NODE_ATTRS", "SIMILARITY_TYPES", "VIEWS", "build_view", "find_entity"]
