"""Benchmark: export the synthetic national graph to GEXF; seconds and peak memory.

    python benchmarks/bench_export.py --townships 40000 --store benchmarks/out/national

builds the store with benchmarks/synth.py when the folder does not hold one
yet (that part is not timed: it is a bulk load), then times, separately,
reading the entity graph out of the store, building the view, and writing
GEXF to a file, and prints one Markdown table row per view.  Peak memory is
the process's peak resident set size (``ru_maxrss``), store cache included.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402

import synth  # noqa: E402
from kg.export.gexf import write_gexf  # noqa: E402
from kg.export.graph import read_store  # noqa: E402
from kg.export.views import build_view  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kB on Linux


def similarity_only(townships: int, thresholds: list[float]) -> None:
    """Time the similarity network alone on synthetic profiles (no store)."""
    from kg.export.similarity import jaccard_pairs
    from kg.model import ACTIVITY, LAW, SYSTEM
    world, items = synth.World(townships), {}
    t0 = time.time()
    sets = [frozenset(items.setdefault(e.key, len(items))
                      for e in synth.build_doc(world, t, 2023, t).reports[0].entities.values()
                      if e.type in (LAW, SYSTEM, ACTIVITY)) for t in range(townships)]
    print(f"{townships:,} profiles over {len(items):,} laws/systems/activities built in "
          f"{time.time() - t0:.0f} s", file=sys.stderr)
    print("| similarity threshold | townships | edges | seconds | peak RSS MB |")
    print("|---|---|---|---|---|")
    for t in thresholds:
        t1 = time.time()
        n = sum(1 for _ in jaccard_pairs(sets, t, max_pairs=50_000_000))
        print(f"| > {t} | {townships:,} | {n:,} | {time.time() - t1:.1f} | {peak_mb():,.0f} |",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--townships", type=int, default=40000)
    ap.add_argument("--store", default="benchmarks/out/national")
    ap.add_argument("--out", default=None, help="where to write the .gexf (default: beside the store)")
    ap.add_argument("--views", default="entities,bipartite,similarity")
    ap.add_argument("--threshold", type=float, default=0.3, help="for the similarity view")
    ap.add_argument("--similarity-only", default=None, metavar="T1,T2",
                    help="only time the similarity network at these thresholds, on profiles "
                         "made by synth.py without a store")
    a = ap.parse_args(argv)
    if a.similarity_only:
        similarity_only(a.townships, [float(t) for t in a.similarity_only.split(",")])
        return
    path = Path(a.store)
    fresh = not path.exists()
    store = ox.Store(str(path))
    if fresh:
        t0 = time.time()
        synth.load_store(store, synth.World(a.townships), [2023])
        print(f"built the store ({len(store):,} quads) in {time.time() - t0:.0f} s", file=sys.stderr)
    out_dir = Path(a.out or path.parent)
    t0 = time.time()
    kg = read_store(store)
    t_read = time.time() - t0
    towns = sum(1 for n in kg.nodes.values() if n.type == "镇")
    print(f"store: {len(store):,} quads, {towns:,} townships; read {len(kg.nodes):,} entities, "
          f"{len(kg.edges):,} edges in {t_read:.1f} s (peak {peak_mb():,.0f} MB)", file=sys.stderr)
    print("| view | townships | nodes | edges | read store s | build view s | write GEXF s "
          "| total s | GEXF MB | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for view in a.views.split(","):
        t1 = time.time()
        g = build_view(kg, view, threshold=a.threshold)
        t_view = time.time() - t1
        t2 = time.time()
        target = out_dir / f"export-{view}.gexf"
        with open(target, "wb") as f:
            write_gexf(g, f, description=f"synthetic, {towns} townships, view={view}")
        t_write = time.time() - t2
        label = f"{view} (> {a.threshold})" if view == "similarity" else view
        print(f"| {label} | {towns:,} | {g.number_of_nodes():,} | {g.number_of_edges():,} "
              f"| {t_read:.1f} | {t_view:.1f} | {t_write:.1f} | {t_read + t_view + t_write:.1f} "
              f"| {target.stat().st_size / 1e6:,.0f} | {peak_mb():,.0f} |", flush=True)
        del g


if __name__ == "__main__":
    main()
