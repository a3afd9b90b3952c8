"""End-to-end ingest speed against jieba's own speed, on the same text.

    python benchmarks/bench_ingest.py [--mb 5] [--out benchmarks/out]

Makes a folder of the bundled reports repeated (renamed copies) until it
holds at least ``--mb`` megabytes, then measures, in one run:

1. jieba's plain ``lcut`` over every file's text (one core, lexicon loaded),
   and the segmenter the pipeline uses (jieba_fast, when installed: the
   same tokens, its inner loops in C);
2. the pipeline alone, in this process (every stage after reading);
3. ``fazhi-kg ingest --workers 1`` end to end (a fresh process: reading,
   all stages, writing every report's graph into an on-disk store, one
   transaction per file);
4. the same with ``--workers 2``;
5. and 6. both again with ``--bulk`` (shards bulk-loaded by a background
   thread while the workers extract);
7. and 8. both again with ``--shards DIR --no-load``: extraction to N-Quads
   shards only (what another triple store's bulk loader takes), which shows
   how the pipeline itself scales with workers.

It prints characters per second for each and the ratios the extraction
issue sets as goals (pipeline ≥ 50 % of jieba on one worker; two workers
≥ 1.7 × one), with the start-up every ingest pays once (a fresh process
loading what the pipeline needs) and the most two workers can gain over one
on extraction alone given that serial start-up (Amdahl's bound).  Run it
on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def make_corpus(folder: Path, megabytes: float) -> tuple[list[Path], int]:
    sources = sorted((ROOT / "data" / "reports").glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    files, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        src = sources[i % len(sources)]
        dst = folder / f"{src.stem}_copy{i:04d}.txt"
        shutil.copyfile(src, dst)
        files.append(dst)
        size += dst.stat().st_size
        i += 1
    chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
    return files, chars


def time_jieba(files: list[Path]) -> tuple[float, float | None]:
    """Seconds for jieba's plain ``lcut`` (domain lexicon loaded) over every
    file, and for the segmenter the pipeline uses (jieba_fast when
    installed, else None: it is jieba itself)."""
    import jieba

    from ingest import segment

    segment.load_lexicon(jieba)     # again on every call: the same words
    texts = [p.read_text(encoding="utf-8") for p in files]
    t0 = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    plain = time.perf_counter() - t0
    if segment.module() is jieba:
        return plain, None
    tk = segment.tokenizer()
    t0 = time.perf_counter()
    for text in texts:
        tk.lcut(text)
    return plain, time.perf_counter() - t0


def time_pipeline(files: list[Path]) -> float:
    from ingest import pipeline

    pipeline.run(files[0])   # warm: lexicons, gazetteers, regexes
    t0 = time.perf_counter()
    for path in files:
        pipeline.run(path)
    return time.perf_counter() - t0


def time_startup() -> float:
    """Seconds for a fresh process to load everything the pipeline needs
    (jieba's dictionary, lexicons, gazetteers, compiled patterns): what
    every ingest pays once before its first file, whatever its workers."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ingest.warm"], check=True, cwd=ROOT)
    return time.perf_counter() - t0


def time_cli(folder: Path, workers: int, *, bulk: bool = False, shards: bool = False) -> float:
    store = Path(tempfile.mkdtemp(prefix="fazhi-bench-store-"))
    mode = (["--shards", str(store / "shards"), "--no-load"] if shards
            else ["--bulk"] if bulk else [])
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store", str(store / "s"),
                        "--workers", str(workers), *mode, str(folder)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0
    finally:
        shutil.rmtree(store, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0, help="corpus size in megabytes (UTF-8)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of jieba and of the pipeline, alternately (the best of each counts)")
    args = ap.parse_args(argv)
    from ingest import segment

    work = Path(tempfile.mkdtemp(prefix="fazhi-bench-"))
    try:
        files, chars = make_corpus(work / "reports", args.mb)
        size = sum(p.stat().st_size for p in files)
        print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB, {chars:,} characters")
        # jieba and the pipeline alternately, best of three each: this VM's
        # speed drifts by a third between minutes, and the ratio is the goal
        tj, tf, tp = float("inf"), float("inf"), float("inf")
        for _ in range(args.repeat):
            plain, fast = time_jieba(files)
            tj = min(tj, plain)
            tf = min(tf, fast if fast is not None else plain)
            tp = min(tp, time_pipeline(files))
        ts = min(time_startup() for _ in range(args.repeat))
        t1 = time_cli(work / "reports", 1)
        t2 = time_cli(work / "reports", 2)
        b1 = time_cli(work / "reports", 1, bulk=True)
        b2 = time_cli(work / "reports", 2, bulk=True)
        x1 = time_cli(work / "reports", 1, shards=True)
        x2 = time_cli(work / "reports", 2, shards=True)
        res = {
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "files": len(files), "megabytes": round(size / 1e6, 2), "characters": chars,
            "jieba_lcut_cps": round(chars / tj), "pipeline_cps": round(chars / tp),
            "segmenter_in_use": segment.module().__name__,
            "segmenter_lcut_cps": round(chars / tf),
            "pipeline_vs_segmenter": round(tf / tp, 3),
            "ingest_1_worker_cps": round(chars / t1), "ingest_2_workers_cps": round(chars / t2),
            "pipeline_vs_jieba": round(tj / tp, 3), "ingest_1_vs_jieba": round(tj / t1, 3),
            "speedup_2_workers": round(t1 / t2, 3),
            # Amdahl: start-up is serial; with the pipeline split perfectly
            # over two workers and nothing else to do, 1 → 2 workers gains
            # at most this much (store writes only add to both sides)
            "startup_s": round(ts, 2),
            "bound_2_workers_extraction": round((ts + tp) / (ts + tp / 2), 3),
            "bulk_1_worker_cps": round(chars / b1), "bulk_2_workers_cps": round(chars / b2),
            "bulk_speedup_2_workers": round(b1 / b2, 3),
            "shards_1_worker_cps": round(chars / x1), "shards_2_workers_cps": round(chars / x2),
            "shards_speedup_2_workers": round(x1 / x2, 3),
            "seconds": {"jieba": round(tj, 2), "segmenter": round(tf, 2), "pipeline": round(tp, 2),
                        "ingest_1": round(t1, 2), "ingest_2": round(t2, 2),
                        "bulk_1": round(b1, 2), "bulk_2": round(b2, 2),
                        "shards_1": round(x1, 2), "shards_2": round(x2, 2)},
        }
        for k, v in res.items():
            print(f"{k:24s} {v}")
        if args.json:
            args.json.write_text(json.dumps(res, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
