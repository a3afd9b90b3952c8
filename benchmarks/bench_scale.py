"""National scale: generate N reports, ingest them, check the planted facts.

Usage::

    python benchmarks/bench_scale.py --reports 40000 --workdir /tmp/scale
    python benchmarks/bench_scale.py --reports 4000 --workdir /tmp/scale --queries

Steps, each timed, results printed and written to ``WORKDIR/scale-N.json``:

1. the corpus: ``benchmarks/corpus.py --reports N`` (skipped when
   ``WORKDIR/corpus-N`` already holds it; deterministic from ``--seed``);
2. ``fazhi-kg ingest --bulk --workers W`` into a fresh store, with the
   memory of the whole process tree sampled twice a second from /proc:
   the peak of the summed PSS (proportional set size: pages shared by the
   forked workers counted once) and of the summed RSS (counted per process);
3. ``benchmarks/check_planted.py``: the planted facts found in the store
   (reports with the right township, county and year; legal advisers);
4. the store's size on disk and ``fazhi-kg export --format nquads`` time;
5. with ``--queries``, ``benchmarks/bench_queries.py --store`` on the result
   (canned queries' p50/p99).

Not a test: the 40,000 run takes about a quarter of an hour on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


_TICK = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> dict[int, tuple[int, float]]:
    """``root`` and all its descendants, from /proc: pid → (parent pid, CPU
    seconds so far, user + system, its threads included)."""
    stats: dict[int, tuple[int, float]] = {}
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
            fields = stat[stat.rindex(b")") + 2:].split()
            ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK
        except (OSError, ValueError, IndexError):
            continue
        stats[int(entry)] = (ppid, cpu)
        children.setdefault(ppid, []).append(int(entry))
    out: dict[int, tuple[int, float]] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out[pid] = stats[pid]
        todo += children.get(pid, [])
    return out


def _memory(pid: int) -> dict[str, int]:
    """PSS, RSS and PSS split into anonymous and file-backed pages, in kB, of
    one process (zeros if it is gone)."""
    out = {"Pss": 0, "Rss": 0, "Pss_Anon": 0, "Pss_File": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                key = line.split(":", 1)[0]
                if key in out:
                    out[key] = int(line.split()[1])
    except OSError:
        pass
    return out


def _role(pid: int, ppid: int, root: int) -> str:
    """main (the ingest), forkserver, worker (the forkserver's children) or helper."""
    if pid == root:
        return "main"
    if ppid != root:
        return "worker"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return "forkserver" if b"forkserver" in fh.read() else "helper"
    except OSError:
        return "gone"


class Sampler(threading.Thread):
    """Peak memory of a process tree, sampled every ``every`` seconds, with
    what each process held at the peak and a coarse timeline (where memory
    grows with the corpus shows there)."""

    def __init__(self, pid: int, every: float = 0.5, timeline_every: float = 30.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.timeline_every = pid, every, timeline_every
        self.peak_pss = self.peak_rss = self.peak_one = self.peak_procs = 0
        self.at_peak: list[dict] = []
        self.cpu: dict[int, float] = {}      # pid → CPU seconds last seen
        self.timeline: list[dict] = []
        self._done = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        next_mark = 0.0
        while not self._done.is_set():
            tree = _tree(self.pid)
            pids = list(tree)
            mems = {p: _memory(p) for p in pids}
            for p, (_, cpu) in tree.items():
                self.cpu[p] = max(self.cpu.get(p, 0.0), cpu)
            pss = sum(m["Pss"] for m in mems.values())
            if pss > self.peak_pss:
                self.peak_pss = pss
                self.at_peak = [{"role": _role(p, tree[p][0], self.pid), "pss_mb": m["Pss"] // 1024,
                                 "anon_mb": m["Pss_Anon"] // 1024, "file_mb": m["Pss_File"] // 1024}
                                for p, m in mems.items()]
            self.peak_rss = max(self.peak_rss, sum(m["Rss"] for m in mems.values()))
            self.peak_one = max(self.peak_one, max((m["Rss"] for m in mems.values()), default=0))
            self.peak_procs = max(self.peak_procs, len(pids))
            now = time.monotonic() - t0
            if now >= next_mark:
                main = mems.get(self.pid, {})
                self.timeline.append({"s": round(now), "pss_mb": pss // 1024,
                                      "main_mb": main.get("Pss", 0) // 1024,
                                      "main_anon_mb": main.get("Pss_Anon", 0) // 1024})
                next_mark += self.timeline_every
            self._done.wait(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _run(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, **kw)
    return time.perf_counter() - t0, proc


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=40000)
    ap.add_argument("--workdir", type=Path, default=Path("bench-scale"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", action="store_true", help="also run bench_queries.py")
    ap.add_argument("--keep", action="store_true", help="keep the store and the export")
    ap.add_argument("--tag", default="", help="appended to the result file's name")
    ap.add_argument("--no-export", action="store_true", help="skip timing the N-Quads export")
    args = ap.parse_args(argv)
    n, work = args.reports, args.workdir
    work.mkdir(parents=True, exist_ok=True)
    corpus, store = work / f"corpus-{n}", work / f"store-{n}"
    res: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                            f"Python {platform.python_version()}",
                 "reports": n, "workers": args.workers, "seed": args.seed}

    if not (corpus / "planted.jsonl").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        secs, _ = _run([sys.executable, str(HERE / "corpus.py"), "--reports", str(n),
                        "--out", str(corpus), "--seed", str(args.seed)], check=True)
        res["generate_s"] = round(secs, 1)
    files = [p for p in corpus.rglob("*") if p.is_file() and p.name != "planted.jsonl"]
    res["corpus_mb"] = round(sum(p.stat().st_size for p in files) / 1e6, 1)
    res["corpus_files"] = len(files)
    print(f"corpus: {len(files)} files, {res['corpus_mb']} MB in {corpus}", flush=True)

    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(Path(str(store) + ".shards"), ignore_errors=True)
    cmd = [sys.executable, "-m", "kg.cli", "ingest", "--bulk", "--workers", str(args.workers),
           "--store", str(store), str(corpus)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    sampler.stop()
    res["ingest_s"] = round(time.perf_counter() - t0, 1)
    # CPU of the whole tree: the sum over every process seen (as last sampled;
    # the reaped-children counters miss workers their forkserver reaps)
    res["ingest_cpu_s"] = round(sum(sampler.cpu.values()), 1)
    res["ingest_exit"] = proc.returncode
    res["ingest_summary"] = out.strip().splitlines()[-1] if out.strip() else ""
    res["ingest_failures"] = sum(1 for line in err.splitlines() if line.startswith("failed:"))
    res["peak_pss_mb"] = round(sampler.peak_pss / 1024)
    res["peak_rss_sum_mb"] = round(sampler.peak_rss / 1024)
    res["peak_rss_one_process_mb"] = round(sampler.peak_one / 1024)
    res["processes"] = sampler.peak_procs
    res["memory_at_peak"] = sampler.at_peak
    res["memory_timeline"] = sampler.timeline
    print(f"ingest: {res['ingest_s']} s ({res['ingest_cpu_s']} s CPU), peak PSS {res['peak_pss_mb']} MB: "
          f"{res['ingest_summary']}", flush=True)

    check = work / f"check-{n}.json"
    _, cp = _run([sys.executable, str(HERE / "check_planted.py"), str(corpus / "planted.jsonl"),
                  "--store", str(store), "--json", str(check)], capture_output=True, text=True)
    print(cp.stdout, cp.stderr, flush=True)
    if check.exists():
        res["planted"] = json.loads(check.read_text(encoding="utf-8"))

    res["store_mb"] = round(_du(store) / 1e6)
    if not args.no_export:
        export = work / f"export-{n}.nq"
        secs, cp = _run([sys.executable, "-m", "kg.cli", "export", "--store", str(store),
                         "--format", "nquads", "--output", str(export)],
                        capture_output=True, text=True)
        res["export_nquads_s"] = round(secs, 1)
        res["export_nquads_mb"] = round(export.stat().st_size / 1e6) if export.exists() else None
        if not args.keep:
            export.unlink(missing_ok=True)
        print(f"store {res['store_mb']} MB; export {res['export_nquads_s']} s, "
              f"{res['export_nquads_mb']} MB", flush=True)

    if args.queries:
        md = work / f"queries-{n}.md"
        _run([sys.executable, str(HERE / "bench_queries.py"), "--store", str(store),
              "--reps", "10", "--budget", "20", "--duration", "20", "--markdown", str(md)])
        res["queries_markdown"] = str(md)
    if not args.keep and not args.queries:
        shutil.rmtree(store, ignore_errors=True)
    (work / f"scale-{n}{args.tag}.json").write_text(json.dumps(res, indent=2, ensure_ascii=False),
                                          encoding="utf-8")
    print(json.dumps(res, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
