"""The entity page's prepared tables: descriptions, neighbours and degrees.

Part of the prepared index (:mod:`kg.prepared` owns the file, its version and
its transactions; this module is its entity-page block).  The entity page
and its graph view need, for a hub (a county) or a national entity (宪法,
named by most reports), what SPARQL can only answer by reading every copy:

* ``entity_desc`` — (entity, field, value): its classes, labels, aliases,
  kind, scope, partOf…, each distinct value once however many reports state
  it (``describe_nodes`` and the entity's own properties);
* ``neighbour_counts`` — (entity, other, predicate, dir) → the report graphs
  stating the link (the page's neighbours, read in the page's order from an
  index: the first 25 are the first rows, not a sort of 40,000);
* ``entity_degree`` — an entity's distinct neighbours (the page's total and
  the graph view's degrees).

These are totals over files, so a file read again must take back what it
gave: ``entity_links`` keeps each file's contributions (one zlib-packed row
per file), and a write applies the difference (new minus old) as counts up
and down; a value or link whose count reaches 0 is deleted.  A file read
again unchanged writes nothing but its own row.

The rows come from the same report graph :func:`kg.prepared_rows.rows_of_graph`
reads (:func:`rows_of_entities`); the reads are :func:`describe`,
:func:`neighbour_page` and :func:`degrees`.
"""
from __future__ import annotations

import heapq
import json
import sqlite3
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from kg.namespace import FZ, ID_IRI, ORG, RDF, RDFS, SKOS
from kg.sql_in import rows_in
from kg.style import CLASS_TYPES, EDGE_PREDICATES

SCHEMA = """
CREATE TABLE IF NOT EXISTS entity_links (stem TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_desc (
  entity TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (entity, field, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS neighbour_counts (
  entity TEXT NOT NULL, other TEXT NOT NULL, predicate INTEGER NOT NULL, dir TEXT NOT NULL,
  reports INTEGER NOT NULL, PRIMARY KEY (entity, other, predicate, dir)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS neighbour_order
  ON neighbour_counts (entity, predicate, reports DESC, dir, other);
CREATE TABLE IF NOT EXISTS entity_degree (
  entity TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_desc_types ON entity_desc (entity, value, n) WHERE field = 'type';
"""
# Keys are kept short: an entity is its id (its IRI less ID_IRI; another IRI
# is '<' and the IRI), a link's predicate its place in EDGE_PREDICATES
# (append only: a new order needs a new VERSION) — half the size of the
# neighbour tables, the largest of the index.
#: the tables (``Prepared.table`` lists them for the tests)
TABLES = ("entity_links", "entity_desc", "neighbour_counts", "entity_degree")

_S = str
_EDGES = frozenset(EDGE_PREDICATES)
_CODE = {p: i for i, p in enumerate(EDGE_PREDICATES)}
#: An entity's own properties the pages show, by the field name kept for each.
FIELDS = {_S(RDF.type): "type", _S(RDFS.label): "label", _S(SKOS.altLabel): "altLabel",
          _S(FZ.subtype): "subtype", _S(FZ.holdsPost): "holdsPost", _S(FZ.date): "date",
          _S(FZ.kind): "kind", _S(FZ.scope): "scope", _S(FZ.partOf): "partOf",
          _S(ORG.memberOf): "memberOf"}
#: the predicates kg.prepared must parse for these rows
PREDICATES = frozenset(FIELDS) | _EDGES


def key(iri: str) -> str:
    """An entity's key in these tables (see above)."""
    return iri[len(ID_IRI):] if iri.startswith(ID_IRI) else "<" + iri


def iri_of(k: str) -> str:
    return k[1:] if k.startswith("<") else ID_IRI + k


# ------------------------------------------------------------------ rows

def rows_of_entities(stem: str, types: Mapping[str, set[str]],
                     po: Mapping[str, Mapping[str, list[Any]]]
                     ) -> tuple[list[tuple], list[tuple]]:
    """One report graph's (stem, entity, field, value) and (stem, s, p, o) rows.

    ``types``: subject → its classes in the graph, ``po``: subject →
    predicate → objects (as :func:`kg.prepared_rows.rows_of_graph` gathers them).
    A link is between two IRIs (as the pages' ``isIRI`` filter), once a graph.
    """
    node = ox.NamedNode
    desc: list[tuple] = []
    shown = frozenset(CLASS_TYPES)     # read now: kg.types may gain a type
    for s, cs in types.items():
        if not cs & shown:
            continue
        k = key(s)
        desc += [(stem, k, "type", c) for c in sorted(cs)]
        for p, objs in po.get(s, {}).items():
            f = FIELDS.get(p)
            if f is not None:
                desc += [(stem, k, f, v) for v in sorted({o.value for o in objs})]
    edges = sorted({(stem, key(s), _CODE[p], key(o.value)) for s, ps in po.items()
                    for p in _EDGES.intersection(ps) for o in ps[p]
                    if type(o) is node and o.value != s})
    return desc, edges


# ------------------------------------------------------------------ writing

def _pack(desc: list[tuple], edges: list[tuple]) -> bytes:
    return zlib.compress(json.dumps([[r[1:] for r in desc], [r[1:] for r in edges]],
                                    ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _unpack(data: bytes) -> tuple[list[tuple], list[tuple]]:
    desc, edges = json.loads(zlib.decompress(data))
    return [tuple(r) for r in desc], [tuple(r) for r in edges]


def replace(db: sqlite3.Connection, stems: Sequence[str], desc: list[tuple],
            edges: list[tuple]) -> None:
    """Replace the files ``stems``' contributions by ``desc``/``edges`` rows
    (inside the caller's transaction): the totals move by the difference."""
    d_desc: Counter[tuple] = Counter()
    d_edge: Counter[tuple] = Counter()
    for (data,) in rows_in(db, "SELECT data FROM entity_links WHERE stem IN ({marks})", stems):
        old_desc, old_edges = _unpack(data)
        d_desc.subtract(old_desc)
        d_edge.subtract(old_edges)
    db.executemany("DELETE FROM entity_links WHERE stem = ?", [(s,) for s in stems])
    by_stem: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for r in desc:
        by_stem[r[0]][0].append(r)
        d_desc[r[1:]] += 1
    for r in edges:
        by_stem[r[0]][1].append(r)
        d_edge[r[1:]] += 1
    db.executemany("INSERT INTO entity_links VALUES (?, ?)",
                   [(s, _pack(sorted(d), sorted(e))) for s, (d, e) in by_stem.items()])
    move(db, "entity_desc", ("entity", "field", "value"), "n",
         {k: d for k, d in d_desc.items() if d})
    links: Counter[tuple] = Counter()
    for (s, p, o), d in d_edge.items():
        if d:
            links[(s, o, p, "out")] += d
            links[(o, s, p, "in")] += d
    if not links:
        return
    # an entity's degree moves when a pair (entity, other) gains its first
    # link (only where a link is added) or loses its last (only where one goes)
    gains = {k[:2] for k, d in links.items() if d > 0}
    losses = {k[:2] for k, d in links.items() if d < 0}
    before = {pr for pr in gains if _linked(db, pr)}
    move(db, "neighbour_counts", ("entity", "other", "predicate", "dir"), "reports", links)
    degree: Counter[str] = Counter()
    for pr in gains | losses:
        was = pr in before if pr in gains else True
        now = _linked(db, pr) if pr in losses else True
        if now != was:
            degree[pr[0]] += 1 if now else -1
    move(db, "entity_degree", ("entity",), "n", {(e,): d for e, d in degree.items() if d})


def _linked(db: sqlite3.Connection, pair: tuple[str, str]) -> bool:
    return db.execute("SELECT 1 FROM neighbour_counts WHERE entity = ? AND other = ? LIMIT 1",
                      pair).fetchone() is not None


def move(db: sqlite3.Connection, table: str, key: tuple[str, ...], count: str,
         deltas: Mapping[tuple, int]) -> None:
    """Add each delta to its key's count (a new key starts at 0); delete the
    keys whose count falls to 0."""
    cols = ", ".join(key)
    match = " AND ".join(f"{k} = ?" for k in key)
    up = [(*k, d) for k, d in deltas.items() if d > 0]
    down = [(d, *k) for k, d in deltas.items() if d < 0]
    if up:
        db.executemany(f"INSERT INTO {table} ({cols}, {count}) VALUES ({', '.join('?' * (len(key) + 1))}) "
                       f"ON CONFLICT DO UPDATE SET {count} = {count} + excluded.{count}", up)
    if down:
        db.executemany(f"UPDATE {table} SET {count} = {count} + ? WHERE {match}", down)
        db.executemany(f"DELETE FROM {table} WHERE {match} AND {count} <= 0",
                       [r[1:] for r in down])


# ------------------------------------------------------------------ reading

#: Above this many entities, :func:`type_reports` reads every type row in one
#: pass instead of looking each entity up (on a cold disk, 40,000 look-ups
#: took 3 s, the pass over the type rows' index a fraction of that).
ONE_PASS = 2000


def type_reports(db: sqlite3.Connection, iris: Iterable[str], classes: Iterable[str]
                 ) -> dict[str, int]:
    """IRI → the report graphs typing it with one of ``classes``, summed over
    those classes (at least the graphs typing it with any of them): from
    ``entity_desc``'s type rows, through their own index."""
    keys = {key(i): i for i in iris}
    wanted = sorted(set(classes))
    if not keys or not wanted:
        return {}
    class_marks = ",".join("?" * len(wanted))
    out: dict[str, int] = defaultdict(int)
    if len(keys) > ONE_PASS:
        db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_keys (k TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("DELETE FROM temp.wanted_keys")
        db.executemany("INSERT INTO temp.wanted_keys VALUES (?)", [(k,) for k in keys])
        found = db.execute(
            f"""SELECT d.entity, d.n FROM entity_desc d INDEXED BY entity_desc_types
                CROSS JOIN temp.wanted_keys w ON w.k = d.entity
                WHERE d.field = 'type' AND d.value IN ({class_marks})""", wanted).fetchall()
        db.execute("DELETE FROM temp.wanted_keys")
    else:
        found = list(rows_in(db, "SELECT entity, n FROM entity_desc INDEXED BY entity_desc_types "
                                 "WHERE field = 'type' AND entity IN ({marks}) AND value IN "
                                 f"({class_marks})", keys, wanted))
    for k, n in found:
        out[keys[k]] += n
    return dict(out)


def describe(db: sqlite3.Connection, iris: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """IRI → field → its distinct values (sorted), for the IRIs the index
    describes (an IRI absent from the answer: not an entity of a report)."""
    keys = list(dict.fromkeys(key(i) for i in iris))
    out: dict[str, dict[str, list[str]]] = {}
    for e, f, v in rows_in(db, "SELECT entity, field, value FROM entity_desc WHERE entity IN "
                               "({marks}) ORDER BY entity, field, value", keys):
        out.setdefault(iri_of(e), {}).setdefault(f, []).append(v)
    return out


def degrees(db: sqlite3.Connection, iris: Iterable[str]) -> dict[str, int]:
    """IRI → its distinct neighbours (IRIs without any absent)."""
    keys = list(dict.fromkeys(key(i) for i in iris))
    return {iri_of(e): n for e, n in rows_in(
        db, "SELECT entity, n FROM entity_degree WHERE entity IN ({marks})", keys)}


def _by_predicate(db: sqlite3.Connection, k: str, p: str, batch: int) -> Iterator[tuple]:
    """(−reports, p, dir, other IRI) of one predicate's links, most reports
    first (the neighbour_order index: read in order, ``batch`` rows at a time)."""
    offset = 0
    while True:
        rows = db.execute("SELECT reports, dir, other FROM neighbour_counts WHERE entity = ? "
                          "AND predicate = ? ORDER BY reports DESC, dir, other LIMIT ? OFFSET ?",
                          (k, _CODE[p], batch, offset)).fetchall()
        for n, d, o in rows:
            yield (-n, p, d, iri_of(o))
        if len(rows) < batch:
            return
        offset += batch


def neighbour_page(db: sqlite3.Connection, iri: str, groups: Sequence[Sequence[str]], *,
                   limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of an entity's neighbours: (edge rows {other, p, dir,
    reports} of the page's neighbours, in page order; distinct neighbours).

    The order is :func:`kg.web.read.rank_neighbours`' over the SPARQL
    ``ORDER BY DESC(?reports) ?p ?dir ?other``: by ``groups`` (predicates of
    one rank, most important first), then most reports, predicate, dir,
    other; a neighbour comes where its first link does.  Each predicate's
    links are read in that order from an index and merged, only until the
    page is full: the cost is the page's, not the entity's.
    """
    want = offset + limit
    k = key(iri)
    order: list[str] = []
    seen: set[str] = set()
    batch = max(want + 1, 50)
    for group in groups:
        if len(order) >= want:
            break
        for _n, _p, _d, other in heapq.merge(*(_by_predicate(db, k, p, batch) for p in group
                                                 if p in _CODE)):
            if other not in seen:
                seen.add(other)
                order.append(other)
                if len(order) >= want:
                    break
    page = order[offset:want]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(page), 400):
        chunk = page[start:start + 400]
        rows += [{"other": iri_of(o), "p": EDGE_PREDICATES[p], "dir": d, "reports": n}
                 for o, p, d, n in db.execute(
                     f"SELECT other, predicate, dir, reports FROM neighbour_counts WHERE "
                     f"entity = ? AND other IN ({','.join('?' * len(chunk))})",
                     [k, *(key(o) for o in chunk)])]
    total = degrees(db, [iri]).get(iri, 0)
    return rows, total
