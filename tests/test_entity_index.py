"""The entity page and its graph view from the prepared index
(kg.prepared_entities) equal the same pages answered from SPARQL (the
truth, and the path of a store without an index): same description, same
neighbours in the same order with the same report counts, same degrees.

On the bundled reports and on a small synthetic county (where a law is
named by every report and a county is every township's hub), plus the
table's own rules: a file read again takes back what it gave.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from click.testing import CliRunner

from kg import prepared, prepared_entities, prepared_rows
from kg.cli import cli
from kg.namespace import ID_IRI
from kg.prepared import Prepared, state
from tests.webutil import get, web_app_on

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402  (benchmarks/ is not a package)

#: what the entity page shows that the new tables answer (the facts and
#: reports pages, answered by the older tables, are test_prepared's)
ENTITY_KEYS = ("id", "label", "labels", "aliases", "types", "type", "class", "subtype", "post",
               "date", "kind", "scope", "partOf", "memberOf", "neighbours", "neighbour_total")


def _without_index(store: Path, tmp: Path) -> Path:
    plain = tmp / "plain"
    shutil.copytree(store, plain)
    (plain / prepared.FILE).unlink()
    return plain


def _entities(store: Path, per_class: int) -> list[str]:
    """Entities of every class the index describes, the most linked first
    (hubs) and a few of the least (leaves), deterministic."""
    index = Prepared.beside(store, create=False)
    assert index is not None, state(store)
    try:
        rows = index.db.execute(
            """SELECT d.value AS cls, d.entity, COALESCE(g.n, 0) AS n FROM entity_desc d
               LEFT JOIN entity_degree g ON g.entity = d.entity WHERE d.field = 'type'
               ORDER BY cls, n DESC, d.entity""").fetchall()
    finally:
        index.close()
    by_class: dict[str, list[str]] = {}
    for cls, e, _n in rows:
        by_class.setdefault(cls, []).append(e)
    picked: list[str] = []
    for es in by_class.values():
        picked += es[:per_class] + es[-2:]
    iris = (prepared_entities.iri_of(k) for k in dict.fromkeys(picked))
    return [e[len(ID_IRI):] for e in iris if e.startswith(ID_IRI)]


def _answers(store: Path, ids: list[str], max_neighbours: int) -> dict[str, object]:
    app_iter = web_app_on(store, max_neighbours)
    app = next(app_iter)
    try:
        client = app.test_client()
        out: dict[str, object] = {}
        for eid in ids:
            e = get(client, "/api/entity/" + quote(eid))
            out["entity " + eid] = {k: e.get(k) for k in ENTITY_KEYS}
            out["township " + eid] = (e.get("township") or {}).get("county")
            for q in ("hops=1", "hops=2", "hops=1&offset=2"):
                out[f"graph {eid} {q}"] = get(client, f"/api/graph/{quote(eid)}?{q}")
        for q in ("镇", "法", "司法所", "律师"):
            out["search " + q] = get(client, "/api/search?q=" + quote(q))
        return out
    finally:
        next(app_iter, None)


def _same(store: Path, tmp: Path, ids: list[str], max_neighbours: int) -> None:
    with_index = _answers(store, ids, max_neighbours)
    without = _answers(_without_index(store, tmp), ids, max_neighbours)
    assert with_index.keys() == without.keys()
    for key in with_index:
        assert with_index[key] == without[key], key
    # the comparison saw hubs: a page with more neighbours than it shows
    assert any(v["neighbour_total"] > max_neighbours for k, v in with_index.items()
               if k.startswith("entity "))


def run(*args: str) -> None:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output


def test_bundled_reports_pages_equal_sparql(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run("ingest", "--store", str(store), str(REPO / "data" / "reports"))
    ids = _entities(store, per_class=6)
    assert len(ids) > 30
    _same(store, tmp_path, ids, max_neighbours=5)


def test_synth_county_pages_equal_sparql(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    world = synth.World(24, seed=11, counties=2)
    store = ox.Store(str(folder))
    synth.load_store(store, world, [2021, 2022])
    synth.index_store(store, folder)
    del store
    ids = _entities(folder, per_class=3)
    _same(folder, tmp_path, ids, max_neighbours=7)


def test_reading_a_file_again_takes_back_what_it_gave(tmp_path: Path) -> None:
    """Totals over files: a report cut in half and read again leaves the
    totals a fresh ingest of the files as they now are gives, and a page
    of neighbours deeper than the first still follows on from it."""
    reports = tmp_path / "reports"
    shutil.copytree(REPO / "data" / "reports", reports)
    first = min(reports.glob("*.txt"))
    text = first.read_text(encoding="utf-8")
    store = tmp_path / "store"
    run("ingest", "--store", str(store), str(reports))
    first.write_text(text[: len(text) // 3], encoding="utf-8")
    run("ingest", "--store", str(store), str(first))
    run("ingest", "--store", str(tmp_path / "fresh"), str(reports))
    a, b = (Prepared.beside(s, create=False) for s in (store, tmp_path / "fresh"))
    try:
        for t in ("entity_desc", "neighbour_counts", "entity_degree"):
            assert a.table(t) == b.table(t), t
        # no count is left at zero or below
        assert not a.db.execute("SELECT 1 FROM entity_desc WHERE n <= 0").fetchall()
        assert not a.db.execute("SELECT 1 FROM neighbour_counts WHERE reports <= 0").fetchall()
        assert not a.db.execute("SELECT 1 FROM entity_degree WHERE n <= 0").fetchall()
        # the degree is the distinct neighbours the link table holds
        for e, n in a.db.execute("SELECT entity, n FROM entity_degree"):
            assert n == a.db.execute("SELECT COUNT(DISTINCT other) FROM neighbour_counts "
                                     "WHERE entity = ?", (e,)).fetchone()[0]
        hub = prepared_entities.iri_of(a.db.execute(
            "SELECT entity FROM entity_degree ORDER BY n DESC, entity").fetchone()[0])
        groups = [[p] for p in prepared_entities.EDGE_PREDICATES]
        whole, total = a.neighbours(hub, groups, limit=10_000)
        assert total == len({r["other"] for r in whole}) > 6
        paged = []
        for off in range(0, total, 3):
            rows, _ = a.neighbours(hub, groups, limit=3, offset=off)
            paged += list(dict.fromkeys(r["other"] for r in rows))
        assert sorted(paged) == sorted({r["other"] for r in whole}) and len(paged) == total
    finally:
        a.close()
        b.close()


def test_read_edges_are_the_ones_the_index_counts() -> None:
    from kg.web import read

    # index files keep a predicate as its place in kg.style.EDGE_PREDICATES:
    # the files of this VERSION were written with this order (append only)
    written = ("relatedTo", "establishes", "implements", "conducts", "studies", "cites",
               "legalAdvisor", "partOf", "memberOf")
    assert tuple(p.rsplit("#", 1)[-1] for p in prepared_entities.EDGE_PREDICATES[:9]) == written
    assert [p for g in read._RANK_GROUPS for p in g] == sorted(
        read.EDGE_PREDICATES, key=lambda p: read.RELATION_RANK.get(p, 99))


def test_an_index_older_than_these_tables_is_not_read(tmp_path: Path) -> None:
    """An index of version 1 (before the entity page's tables): not read;
    `serve` says in one line to run `fazhi-kg index`, and the pages answer
    from SPARQL, the same as with the new index."""
    import sqlite3

    from kg.cli_serve import unprepared_line

    store = tmp_path / "store"
    run("ingest", "--store", str(store), str(REPO / "data" / "reports"))
    ids = _entities(store, per_class=2)[:12]
    fresh = _answers(store, ids, 5)
    db = sqlite3.connect(store / prepared.FILE)
    with db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
        for t in prepared_entities.TABLES:
            db.execute(f"DROP TABLE {t}")
    db.close()
    assert state(store) == "missing" and prepared.VERSION != "1"
    line = unprepared_line(store)
    assert "fazhi-kg index" in line and "\n" not in line
    assert _answers(store, ids, 5) == fresh


def test_index_batches_never_split_a_file() -> None:
    g = [f"{prepared_rows.GRAPH_IRI}report/{stem}/{i}" for stem, n in (("a", 3), ("b", 1), ("c", 2))
         for i in range(n)]
    got = list(prepared._batches(g, 2))
    assert [x for b in got for x in b] == g
    assert [[prepared_rows.stem_of(x) for x in b] for b in got] == [["a", "a", "a"], ["b", "c", "c"]]
