"""Where to keep the data prepared at ingest: summary graphs or SQLite (issue 19).

    python benchmarks/bench_prepared.py STORE [--repeat 5]

STORE is an embedded store with its prepared index (``fazhi-kg ingest``,
``synth.py --store`` or ``fazhi-kg index`` make one).  The script copies
the index's rows into a *summary named graph per report* (the other design
the issue names: the same facts as RDF, one graph ``…/summary/<stem>/<n>``
per report graph), loads them into a copy of the store, and times the two
answers the home and entity pages need, both ways:

* the overview: one row per township with its county, years and report count
  (the first 100), and the entity counts by class;
* an entity's counts by year (the most frequent law: 宪法 at national scale)
  and by township.

It prints the median and the slowest of ``--repeat`` runs of each, in ms.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.namespace import GRAPH_IRI  # noqa: E402
from kg.prepared import Prepared  # noqa: E402

S = "https://w3id.org/fazhi-kg/summary#"
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def summary_quads(index: Prepared):
    """The prepared rows as RDF: a summary graph per report graph."""
    node, lit = ox.NamedNode, ox.Literal
    by_report: dict[str, ox.NamedNode] = {}
    for r in index.table("reports"):
        report, graph = r[0], r[1]
        g = node(GRAPH_IRI + "summary/" + graph[len(GRAPH_IRI + "report/"):])
        by_report[report] = g
        s = node(report)
        yield ox.Quad(s, node(S + "a"), node(S + "Report"), g)
        for p, v in (("township", r[5]), ("county", r[7])):
            if v:
                yield ox.Quad(s, node(S + p), node(v), g)
        for p, v in (("townshipLabel", r[6]), ("countyLabel", r[8]), ("year", r[9])):
            if v:
                yield ox.Quad(s, node(S + p), lit(v), g)
    for i, c in enumerate(index.table("entity_counts")):
        entity, report, _, town, year, classes, facts, mentions, _ = c
        g = by_report[report]
        b = node(f"{g.value}/count/{i}")
        yield ox.Quad(b, node(S + "entity"), node(entity), g)
        if town:
            yield ox.Quad(b, node(S + "township"), node(town), g)
        if year:
            yield ox.Quad(b, node(S + "year"), lit(year), g)
        yield ox.Quad(b, node(S + "facts"), lit(str(facts), datatype=XSD_INT), g)
    for cls, entity, report, _ in index.table("entity_types"):
        yield ox.Quad(node(entity), node(S + "type"), node(cls), by_report[report])


OVERVIEW = f"""SELECT ?t (MIN(?l) AS ?label) (MIN(?c) AS ?county) (MIN(?cl) AS ?countyLabel)
  (GROUP_CONCAT(DISTINCT ?y; separator=",") AS ?years) (COUNT(DISTINCT ?r) AS ?reports) WHERE {{
  GRAPH ?g {{ ?r <{S}a> <{S}Report> ; <{S}township> ?t ; <{S}townshipLabel> ?l .
    OPTIONAL {{ ?r <{S}year> ?y }} OPTIONAL {{ ?r <{S}county> ?c ; <{S}countyLabel> ?cl }} }}
}} GROUP BY ?t ORDER BY ?countyLabel ?label ?t LIMIT 101"""
TYPES = f"""SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{ GRAPH ?g {{ ?e <{S}type> ?c }} }} GROUP BY ?c"""
BY_YEAR = f"""SELECT ?e ?y (COUNT(*) AS ?reports) (SUM(?f) AS ?facts) WHERE {{
  GRAPH ?g {{ ?b <{S}entity> ?e ; <{S}facts> ?f . OPTIONAL {{ ?b <{S}year> ?y }} }} }} GROUP BY ?e ?y ORDER BY ?y"""
BY_TOWN = f"""SELECT ?e ?t (COUNT(*) AS ?reports) WHERE {{
  GRAPH ?g {{ ?b <{S}entity> ?e . OPTIONAL {{ ?b <{S}township> ?t }} }} }} GROUP BY ?e ?t
  ORDER BY DESC(?reports) ?t LIMIT 100"""


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    index = Prepared.beside(a.store, create=False)
    if index is None:
        sys.exit(f"{a.store} has no prepared index: run `fazhi-kg index --store {a.store}`")
    reports = len(index.table("reports"))
    law = index.db.execute("SELECT entity FROM entity_counts WHERE classes LIKE '%#Law%' "
                           "GROUP BY entity ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store"
        shutil.copytree(a.store, copy)
        store = ox.Store(str(copy))
        t0 = time.perf_counter()
        store.extend(summary_quads(index))
        store.flush()
        load_s = time.perf_counter() - t0
        e = {"e": ox.NamedNode(law)}
        sub = {ox.Variable(k): v for k, v in e.items()}
        cases = {
            "overview: townships (first 100)": (
                lambda: list(store.query(OVERVIEW)),
                lambda: index.townships(limit=100)),
            "overview: entities by class": (
                lambda: list(store.query(TYPES)), index.type_counts),
            "entity counts by year (top law)": (
                lambda: list(store.query(BY_YEAR, substitutions=sub)),
                lambda: index.entity_counts(law, by="year")),
            "entity counts by township (top law)": (
                lambda: list(store.query(BY_TOWN, substitutions=sub)),
                lambda: index.entity_counts(law, by="township")),
        }
        print(f"{a.store}: {reports} reports; summary graphs loaded in {load_s:.1f} s; "
              f"top law {law.rsplit('/', 1)[-1]}")
        print(f"{'answer':40} {'summary graph p50/max ms':>26} {'SQLite p50/max ms':>20}")
        for name, (sparql, sql) in cases.items():
            sp, sq = timed(sparql, a.repeat), timed(sql, a.repeat)
            print(f"{name:40} {sp[0]:>14.1f} / {sp[1]:<9.1f} {sq[0]:>10.1f} / {sq[1]:<8.1f}")
        del store
    index.close()


if __name__ == "__main__":
    main()
