"""Graph exports: GEXF 1.3 (schema-valid, read back), GraphML, CSV, the views.

Two stores: the seed reports run through the real pipeline, and a small
synthetic graph (benchmarks/synth.py) written by kg.triples itself, which
has every kind of edge the exports handle.  Expected numbers always come
from SPARQL on the store, never from constants: extraction changes.
"""
from __future__ import annotations

import csv
import io
import itertools
import random
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from lxml import etree

from kg.errors import QueryError, SettingError
from kg.export import export_graph, graph_view
from kg.export.similarity import jaccard_pairs
from kg.namespace import ONTOLOGY_GRAPH, sparql_prefixes
from kg.style import TYPE_COLORS, rgb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

RNG = etree.RelaxNG(etree.parse(str(REPO / "tests" / "data" / "gexf" / "gexf.rng")))
ENTITY_CLASSES = ("fz:Township fz:County fz:Prefecture fz:Province fz:Division fz:Organization "
                  "fz:LawFirm fz:System fz:Law fz:Activity fz:Person fz:Advisor")
EDGE_PREDICATES = "fz:partOf org:memberOf"
#: Edges that are structure, not facts read from a sentence: no evidence.
PLAIN_EDGES = {"https://w3id.org/fazhi-kg/ontology#partOf", "http://www.w3.org/ns/org#memberOf"}


def _load(store: ox.Store, graphs: dict[str, str]) -> None:
    for g, nt in graphs.items():
        store.load(nt.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(g))


def _ontology(store: ox.Store) -> None:
    store.load((REPO / "kg" / "ontology.ttl").read_bytes(), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(ONTOLOGY_GRAPH))


@pytest.fixture(scope="module")
def seed_store() -> ox.Store:
    from ingest import pipeline
    st = ox.Store()
    for path in sorted((REPO / "data" / "reports").glob("*.txt")):
        _load(st, pipeline.run(path).graphs)
    _ontology(st)
    return st


@pytest.fixture(scope="module")
def synth_store() -> ox.Store:
    """12 townships in 3 counties, two years, through kg.triples (the real shape)."""
    from kg import triples
    st = ox.Store()
    world = synth.World(12, seed=5, counties=3)
    for doc in synth.docs(world, [2022, 2023]):
        triples.run(doc)
        _load(st, doc.graphs)
    _ontology(st)
    return st


@pytest.fixture(params=["seed", "synth"])
def store(request, seed_store, synth_store) -> ox.Store:
    return seed_store if request.param == "seed" else synth_store


def q(store: ox.Store, body: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in row)
            for row in store.query(sparql_prefixes() + body)]


def expected_nodes(store: ox.Store) -> set[str]:
    return {r[0] for r in q(store, f"""SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?r a fz:Report .
        ?e a ?c }} VALUES ?c {{ {ENTITY_CLASSES} }} }}""")}


def expected_edges(store: ox.Store) -> dict[tuple[str, str, str], int]:
    """(s, p, o) → number of distinct evidence sentences, entity → entity triples."""
    nodes = expected_nodes(store)
    rows = q(store, f"""SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?r a fz:Report . ?s ?p ?o }}
        {{ GRAPH ?o1 {{ ?p rdfs:subPropertyOf* fz:relatedTo }} }}
        UNION {{ VALUES ?p {{ {EDGE_PREDICATES} fz:relatedTo }} }} }}""")
    edges = {(s, p, o): 0 for s, p, o in rows if s in nodes and o in nodes}
    # evidence: the sentences that attest the target, in the graphs that state the edge
    stated: dict[tuple[str, str, str], set[str]] = {}
    for g, s, p, o in q(store, """SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?r a fz:Report . ?s ?p ?o } }"""):
        if (s, p, o) in edges:
            stated.setdefault((s, p, o), set()).add(g)
    attests: dict[tuple[str, str], set[str]] = {}
    for g, x, o in q(store, "SELECT ?g ?x ?o WHERE { GRAPH ?g { ?x fz:attests ?o } }"):
        attests.setdefault((g, o), set()).add(x)
    for (s, p, o), graphs in stated.items():
        if p not in PLAIN_EDGES:
            edges[(s, p, o)] = len(set().union(*(attests.get((g, o), set()) for g in graphs)))
    return edges


def validate(data: bytes) -> None:
    doc = etree.fromstring(data)
    assert RNG.validate(doc), RNG.error_log


def read_gexf(data: bytes) -> nx.Graph:
    return nx.read_gexf(io.BytesIO(data))


# ------------------------------------------------------------------ GEXF


def test_gexf_entities_valid_and_equal_to_the_store(store):
    data = export_graph(store, "gexf")
    validate(data)
    g = read_gexf(data)
    nodes, edges = expected_nodes(store), expected_edges(store)
    assert set(g.nodes) == nodes
    assert g.number_of_edges() == len(edges)
    assert g.is_directed()
    labels = {}
    for s, o in q(store, "SELECT ?s ?l WHERE { GRAPH ?g { ?r a fz:Report . ?s rdfs:label ?l } }"):
        labels.setdefault(s, set()).add(o)
    for v, d in g.nodes(data=True):
        assert d["label"] and d["label"] in labels.get(v, {d["label"]})
        assert d["type"] in TYPE_COLORS
        c = d["viz"]["color"]
        assert (c["r"], c["g"], c["b"]) == rgb(TYPE_COLORS[d["type"]])
        assert d["viz"]["size"] > 0
    got = {}
    ids = set()
    for u, v, k, d in g.edges(keys=True, data=True):
        ids.add(d.get("id", k))
        got[(u, d["predicate"], v)] = d["evidence"]
        assert d["weight"] == max(d["evidence"], 1)
        assert d["relation"]
    assert got == edges
    assert len(ids) == g.number_of_edges()          # unique edge ids


def test_gexf_node_attributes_follow_the_store(synth_store):
    g = read_gexf(export_graph(synth_store, "gexf"))
    types = dict(q(synth_store, """SELECT ?e ?c WHERE { GRAPH ?g { ?e a ?c } }
        VALUES ?c { fz:Township fz:Law fz:System fz:Activity fz:Person }"""))
    names = {"https://w3id.org/fazhi-kg/ontology#" + k: v for k, v in
             (("Township", "镇"), ("Law", "法律"), ("System", "制度"), ("Activity", "活动"),
              ("Person", "人员"))}
    for e, c in types.items():
        assert g.nodes[e]["type"] == names[c]
    mentions = dict(q(synth_store, """SELECT ?e (COUNT(?s) AS ?n) WHERE { GRAPH ?g {
        ?s fz:names ?e } } GROUP BY ?e"""))
    for e, n in mentions.items():
        assert g.nodes[e]["mentions"] == int(n)
    # literal values are attributes, never nodes
    assert not any(v.startswith('"') for v in g.nodes)
    posts = dict(q(synth_store, "SELECT ?p ?post WHERE { GRAPH ?g { ?p fz:holdsPost ?post } }"))
    assert posts and all(g.nodes[p]["post"] == post for p, post in posts.items())
    county = dict(q(synth_store, """SELECT ?t ?cl WHERE { GRAPH ?g { ?t a fz:Township ;
        fz:partOf ?c . ?c a fz:County ; rdfs:label ?cl } }"""))
    assert all(g.nodes[t]["county"] == c for t, c in county.items())
    years = {r[0] for r in q(synth_store, "SELECT ?y WHERE { GRAPH ?g { ?r fz:year ?y } }")}
    assert {g.nodes[t]["years"] for t in county} == {";".join(sorted(years))}


@pytest.mark.parametrize("view,opts", [
    ("entities", {}), ("bipartite", {}), ("similarity", {}), ("similarity", {"threshold": 0.2}),
    ("entities", {"types": "镇,法律"}), ("entities", {"year": 2023}),
    ("bipartite", {"types": ["activity"]}),
])
def test_every_view_validates(synth_store, view, opts):
    data = export_graph(synth_store, "gexf", view=view, **opts)
    validate(data)
    g = read_gexf(data)
    assert g.number_of_nodes() > 0


def test_neighbourhood_view(synth_store):
    law = q(synth_store, """SELECT ?l (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH ?g { ?t fz:cites ?l } }
        GROUP BY ?l ORDER BY DESC(?n) LIMIT 1""")[0][0]
    one = read_gexf(export_graph(synth_store, "gexf", view="neighbourhood", entity=law))
    near = expected_neighbours(synth_store, {law})
    assert set(one.nodes) == near | {law}
    two_data = export_graph(synth_store, "gexf", view="neighbourhood", entity=law, hops=2)
    validate(two_data)
    two = read_gexf(two_data)
    assert set(two.nodes) == expected_neighbours(synth_store, near | {law}) | near | {law}
    label = one.nodes[law]["label"]
    by_label = read_gexf(export_graph(synth_store, "gexf", view="neighbourhood", entity=label))
    assert set(by_label.nodes) == set(one.nodes)


def expected_neighbours(store: ox.Store, centre: set[str]) -> set[str]:
    out = set()
    for s, _, o in expected_edges(store):
        if s in centre:
            out.add(o)
        if o in centre:
            out.add(s)
    return out


def test_filters_by_county_township_year_and_type(synth_store):
    county, label = q(synth_store, """SELECT ?c ?l WHERE { GRAPH ?g { ?c a fz:County ;
        rdfs:label ?l } } ORDER BY ?l LIMIT 1""")[0]
    towns = {r[0] for r in q(synth_store, f"""SELECT DISTINCT ?t WHERE {{ GRAPH ?g {{
        ?t a fz:Township ; fz:partOf <{county}> }} }}""")}
    for c in (county, label):
        g = read_gexf(export_graph(synth_store, "gexf", county=c))
        assert {v for v, t in g.nodes(data="type") if t == "镇"} == towns
    town = sorted(towns)[0]
    g = read_gexf(export_graph(synth_store, "gexf", township=town, year=2022))
    assert {v for v, t in g.nodes(data="type") if t == "镇"} == {town}
    assert all("2022" in y.split(";") for _, y in g.nodes(data="years"))
    g = read_gexf(export_graph(synth_store, "gexf", types=["镇", "law"]))
    assert {t for _, t in g.nodes(data="type")} == {"镇", "法律"}
    assert {d["relation"] for _, _, d in g.edges(data=True)} <= {"学习宣传", "依据"}


def test_bipartite_links_townships_to_what_they_name(synth_store):
    g = read_gexf(export_graph(synth_store, "gexf", view="bipartite"))
    pairs = {(t, e) for t, e in q(synth_store, """SELECT DISTINCT ?t ?e WHERE { GRAPH ?g {
        ?r fz:township ?t ; fz:mentions ?e . ?e a ?c } FILTER(?c != fz:Township) }""")}
    assert {(u, v) for u, v in g.edges} == pairs
    assert all(g.nodes[u]["type"] == "镇" and g.nodes[v]["type"] != "镇" for u, v in g.edges)


def test_similarity_is_jaccard_over_laws_systems_activities(synth_store):
    g = read_gexf(export_graph(synth_store, "gexf", view="similarity", threshold=0.05))
    assert not g.is_directed()
    prof: dict[str, set[str]] = {}
    for t, e in q(synth_store, """SELECT DISTINCT ?t ?e WHERE { GRAPH ?g { ?r fz:township ?t ;
            fz:mentions ?e . ?e a ?c } VALUES ?c { fz:Law fz:System fz:Activity } }"""):
        prof.setdefault(t, set()).add(e)
    want = {}
    for a, b in itertools.combinations(sorted(prof), 2):
        j = len(prof[a] & prof[b]) / len(prof[a] | prof[b])
        if j > 0.05:
            want[frozenset((a, b))] = j
    got = {frozenset((u, v)): d["weight"] for u, v, d in g.edges(data=True)}
    assert got.keys() == want.keys()
    assert all(abs(got[k] - want[k]) < 1e-5 for k in want)


@pytest.mark.parametrize("method", ["prefix", "sparse"])
def test_jaccard_pairs_equals_brute_force(method):
    if method == "sparse":
        pytest.importorskip("scipy")
    rng = random.Random(3)
    sets = [frozenset(rng.sample(range(60), rng.randint(0, 15))) for _ in range(120)]
    for t in (0.0, 0.1, 0.3, 0.6):
        got = {(i, j): jac for i, j, _, jac in jaccard_pairs(sets, t, method=method)}
        want = {}
        for i, j in itertools.combinations(range(len(sets)), 2):
            u = len(sets[i] | sets[j])
            if u and len(sets[i] & sets[j]) / u > t:
                want[(i, j)] = len(sets[i] & sets[j]) / u
        assert got.keys() == want.keys(), t
        assert all(abs(got[k] - want[k]) < 1e-12 for k in want)


@pytest.mark.parametrize("method", ["prefix", "auto"])
def test_similarity_refuses_a_network_too_big(method):
    sets = [frozenset({1, 2})] * 10
    with pytest.raises(SettingError, match="threshold"):
        list(jaccard_pairs(sets, 0.0, max_pairs=20, method=method))


# ------------------------------------------------------------------ GraphML, CSV


def test_graphml_reads_back_with_networkx(store):
    g0 = graph_view(store)
    g = nx.read_graphml(io.BytesIO(export_graph(store, "graphml")))
    assert set(g.nodes) == expected_nodes(store)
    assert g.number_of_edges() == len(expected_edges(store))
    for v, d in g0.nodes(data=True):
        for k, val in d.items():
            if val != "":
                assert g.nodes[v][k] == val, (v, k)
        assert g.nodes[v]["color"] == TYPE_COLORS[d["type"]]


def test_csv_zip_has_bom_and_the_same_rows(store):
    z = zipfile.ZipFile(io.BytesIO(export_graph(store, "csv")))
    assert sorted(z.namelist()) == ["edges.csv", "nodes.csv"]
    raw_nodes, raw_edges = z.read("nodes.csv"), z.read("edges.csv")
    assert raw_nodes.startswith(b"\xef\xbb\xbf") and raw_edges.startswith(b"\xef\xbb\xbf")
    nodes = list(csv.DictReader(io.StringIO(raw_nodes.decode("utf-8-sig"))))
    edges = list(csv.DictReader(io.StringIO(raw_edges.decode("utf-8-sig"))))
    assert {r["Id"] for r in nodes} == expected_nodes(store)
    assert len(edges) == len(expected_edges(store))
    assert all(r["Label"] and r["type"] for r in nodes)
    assert all(r["Type"] == "Directed" and r["Source"] and r["Target"] for r in edges)


# ------------------------------------------------------------------ errors, synth


def test_bad_options_raise_project_errors(synth_store):
    with pytest.raises(SettingError):
        export_graph(synth_store, "gexf", view="galaxy")
    with pytest.raises(SettingError):
        export_graph(synth_store, "pdf")
    with pytest.raises(SettingError):
        export_graph(synth_store, "gexf", types="planet")
    with pytest.raises(SettingError):
        export_graph(synth_store, "gexf", view="neighbourhood")
    with pytest.raises(QueryError) as exc:
        export_graph(synth_store, "gexf", township="不存在镇")
    assert exc.value.status == 404


def test_synth_fast_writer_matches_kg_triples():
    """The benchmark's string writer must give exactly what kg.triples gives."""
    world = synth.World(6, seed=11, counties=2)
    for doc in itertools.islice(synth.docs(world, [2023]), 6):
        fast = set(ox.parse(synth.fast_nquads(doc).encode(), format=ox.RdfFormat.N_QUADS))
        exact = set(ox.parse(synth.exact_nquads(doc).encode(), format=ox.RdfFormat.N_QUADS))
        assert fast == exact


def test_synth_is_deterministic():
    a = synth.fast_nquads(synth.build_doc(synth.World(20, seed=2), 7, 2023, 7))
    b = synth.fast_nquads(synth.build_doc(synth.World(20, seed=2), 7, 2023, 7))
    assert a == b


def test_style_names_every_ontology_relation_in_chinese():
    from kg.namespace import FZ
    from kg.style import palette, relation_name
    for p in ("relatedTo", "establishes", "implements", "conducts", "studies", "cites",
              "legalAdvisor", "partOf"):
        name = relation_name(str(getattr(FZ, p)))
        assert name and all("\u4e00" <= ch <= "\u9fff" for ch in name), p
    assert relation_name(str(FZ.conducts)) == "开展"
    assert relation_name(str(FZ.legalAdvisor)) == "法律顾问"
    assert set(palette()["types"]) == set(TYPE_COLORS)
