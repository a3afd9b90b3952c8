"""The first (uncached) answer of each canned query's index form, timed.

Usage::

    python benchmarks/bench_first.py --store DIR [--prepared FILE] [--names FILE]
                                     [--fill] [--repeat 2]

Opens the store read-only (pyoxigraph ``Store.read_only``: nothing is
written to it) and its two indexes (by default those beside it; give copies
with ``--prepared``/``--names`` to measure a new index on a large store
without touching its own).  ``--fill`` first derives the answer tables of an
index file made before them from its base tables (``Prepared.fill_answers``:
SQL only) and prints how long that took, and reads the rows of the tables
that need the store (``citations``) from the store: give a copy.

Then, in this one process, for every canned query with an ``index:`` form
and each case below (its defaults, and the slow cases of
``/work/scale/queries-40000.md`` where they apply): the whole answer
from the form alone (:func:`kg.answers.answer`: the SQL and any narrowed
SPARQL it runs on the store, then the shown order), ``--repeat`` times: the first run is the
server's first request after a change (no answer cache here at all).  Says
whether the index answered or the form left it to the SPARQL (``sparql``:
not timed, it is what the form avoids).  Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyoxigraph as ox  # noqa: E402

from kg import names as name_index  # noqa: E402
from kg import prepared as prepared_index  # noqa: E402
from kg import prepared_rows  # noqa: E402
from kg.answers import Prepared, answer  # noqa: E402
from kg.canned import finished  # noqa: E402
from kg.queries import bundled  # noqa: E402
from kg.sparql import execute  # noqa: E402

#: Cases beyond each query's defaults (the slow ones measured on 40,000 reports).
CASES: dict[str, list[dict[str, str]]] = {
    "search": [{"name": "司法所"}, {"name": "宪法"}],
    "compare_metric": [{"metric": "纠纷"}, {"metric": "件"}, {"metric": "调解", "year": "2023"}],
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True, type=Path)
    ap.add_argument("--prepared", type=Path, help="the prepared index (default: beside the store)")
    ap.add_argument("--names", type=Path, help="the name index (default: beside the store)")
    ap.add_argument("--fill", action="store_true", help="derive the answer tables first (a copy!)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="these queries only")
    args = ap.parse_args(argv)
    store = ox.Store.read_only(str(args.store))
    tables = prepared_index.Prepared(args.prepared or args.store / prepared_index.FILE)
    if args.fill:
        t0 = time.perf_counter()
        tables.fill_answers()
        print(f"answer tables derived from the base tables in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        n = _citations_from_store(store, tables)
        print(f"{n} citation rows read from the store in {time.perf_counter() - t0:.1f} s")
    names = name_index.NameIndex(args.names or args.store / name_index.FILE)
    index = Prepared(names=names, tables=tables)

    def runner(checked: Any, **kw: Any) -> Any:
        return execute(store, checked, max_rows=10_000, **kw)

    print(f"uptime: {os.popen('uptime').read().strip()}\n")
    print("| query | parameters | source | rows | " +
          " | ".join(f"run {i + 1} (s)" for i in range(args.repeat)) + " |")
    print("|---|---|---|---:|" + "---:|" * args.repeat)
    for name, q in sorted(bundled().items()):
        if not q.index or (args.only and name not in args.only):
            continue
        for given in [{}, *CASES.get(name, [])]:
            if q.missing(given):
                continue
            times, rows, source = [], 0, "index"
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                # the form alone (kg.queries.run would run the SPARQL when it refuses)
                table = answer(q, q.bindings(given), index, runner)
                if table is None:
                    source = "sparql"
                    break
                rows = len(finished(q, table).rows)
                times.append(time.perf_counter() - t0)
            shown = " | ".join(f"{t:.3f}" for t in times) or " | ".join("–" * args.repeat)
            print(f"| {name} | {given or 'defaults'} | {source} | {rows} | {shown} |")
    index.close()


def _citations_from_store(store: ox.Store, tables: prepared_index.Prepared) -> int:
    """The ``citations`` rows of every report graph, by one SPARQL scan (what
    ingest writes; here for an index file made before the table)."""
    preds = " ".join(f"<{p}>" for p in prepared_index.CITING)
    found = store.query(f"""SELECT ?law ?s ?report ?g WHERE {{
      VALUES ?p {{ {preds} }} GRAPH ?g {{ ?s ?p ?law . ?report a <{prepared_index.REPORT}> }}
      FILTER (isIRI(?s) && isIRI(?law)) }}""")
    rows = {(b["law"].value, b["s"].value, b["report"].value,
             prepared_rows.stem_of(b["g"].value)) for b in found}
    with tables.db:
        tables.db.execute("DELETE FROM citations")
        tables.db.executemany("INSERT OR IGNORE INTO citations VALUES (?, ?, ?, ?)", rows)
        tables.db.execute("INSERT OR REPLACE INTO meta VALUES ('answers:citations', ?)",
                          (prepared_index.ANSWERS_VERSION,))
    tables.ready = tables.ready | {"citations"}
    return len(rows)


if __name__ == "__main__":
    main()
