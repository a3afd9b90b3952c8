"""Latency and throughput of the canned queries through HTTP, against ``oxigraph serve``.

Usage::

    python benchmarks/bench_queries.py --store DIR                 # an existing store
    python benchmarks/bench_queries.py --townships 40000 --workdir DIR   # build it first
                                                                   # (benchmarks/synth.py)

For every canned query (queries/*.rq, with its default parameters, plus a
value for the required ones), in the same run and on the same store folder:

* ``canned``: ``GET /queries/<name>.json?…`` on ``fazhi-kg serve`` (waitress,
  worker processes, parameters bound as values);
* ``sparql``: the same query with the parameters written in, ``POST /sparql``;
* ``oxigraph``: that text, ``POST /query`` on ``oxigraph serve-read-only
  --union-default-graph`` (the same engine with no guard, no Python);

Every canned query that takes a ``county`` runs a second time with a county
of the store.  Then the pages, on ``fazhi-kg serve`` alone: the home page,
``/api/overview``, ``/api/search`` (a common and a rare word), and the entity
page (``/api/entity/…`` and the HTML page) of a township, of
中华人民共和国宪法 (cited by most reports) and of a law firm.

p50/p99 latency of each, then ``--clients`` clients for ``--duration``
seconds on a mix of the canned queries and the pages: requests per second and
errors.  The memory of the whole ``serve`` process tree (workers included)
is sampled twice a second from /proc for the whole run: its peak PSS and RSS.
Prints a Markdown section for docs/benchmarks.md (``--markdown FILE`` writes it).
Not a test: it takes minutes.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.queries import CannedQuery, bundled  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from bench_scale import Sampler  # noqa: E402  (the process-tree memory sampler)

#: SPARQL that finds the things the pages are measured on (a township, its
#: county, the most cited law, a law firm); answered by the store itself.
_FIND = {
    "town": "SELECT ?t ?l WHERE { GRAPH ?g { ?r fz:township ?t . ?t rdfs:label ?l } } LIMIT 1",
    "county": "SELECT ?c ?l WHERE { GRAPH ?g { ?c a fz:County ; rdfs:label ?l } } LIMIT 1",
    "law": "SELECT ?c WHERE { GRAPH ?g { ?c a fz:Law ; rdfs:label ?l } "
           "FILTER (STR(?l) = \"中华人民共和国宪法\") } LIMIT 1",
    "firm": "SELECT ?c WHERE { GRAPH ?g { ?c a fz:LawFirm } } LIMIT 1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not start")


def inline(q: CannedQuery, given: dict[str, str]) -> str:
    """The query text with its parameters written in (what SEP-0007 substitution means):
    bound variables leave the SELECT and GROUP BY lists and become constants."""
    terms = {name: str(term) for name, term in q.bindings(given).items()}
    text = q.text
    for name in {p.name for p in q.params}:
        var = re.compile(r"\?" + re.escape(name) + r"\b")
        if name not in terms:
            continue
        head_end = re.search(r"\bWHERE\b", text).start()
        head = var.sub("", text[:head_end])
        body = text[head_end:]
        body = re.sub(r"(GROUP BY[^\n]*)", lambda m: var.sub("", m.group(1)), body)
        text = head + var.sub(terms[name].replace("\\", "\\\\"), body)
    return text


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body.encode() if body else None,
                                  headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise
        raise AssertionError


def timed(call, reps: int, budget_s: float) -> tuple[list[float], int, str]:
    """Latencies (ms) of up to ``reps`` calls within about ``budget_s``; errors; last error."""
    out, errors, last = [], 0, ""
    t_start = time.monotonic()
    for _ in range(reps):
        t0 = time.perf_counter()
        status, body = call()
        out.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            errors += 1
            last = f"{status} {body[:200]!r}"
        # at least 3 samples, unless one call alone outlasts the budget
        if time.monotonic() - t_start > budget_s and (len(out) >= 3 or out[-1] > budget_s * 1000):
            break
    return out, errors, last


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def run(args: argparse.Namespace) -> str:
    store = Path(args.store)
    queries = bundled()
    ours_port, ox_port = free_port(), free_port()
    env = dict(os.environ, FAZHI_KG_QUERY_WORKERS=str(args.workers),
               FAZHI_KG_QUERY_TIME_LIMIT_MS=str(args.time_limit_ms),
               FAZHI_KG_QUERY_QUEUE_MS=str(max(300_000, args.time_limit_ms)),
               FAZHI_KG_MAX_ROWS="10000", PYTHONUNBUFFERED="1")
    sampler = None
    before_load = 0
    ours = subprocess.Popen([sys.executable, "-c",
                             "import sys; from kg.cli_serve import serve; serve(sys.argv[1:])",
                             "--store", str(store), "--port", str(ours_port),
                             "--threads", str(args.clients + 8)], env=env, cwd=REPO,
                            stderr=subprocess.DEVNULL)
    binary = shutil.which("oxigraph")
    oxs = subprocess.Popen([binary, "serve-read-only", "--location", str(store), "--bind",
                            f"127.0.0.1:{ox_port}", "--union-default-graph",
                            "--timeout-s", str(args.time_limit_ms // 1000)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sampler = Sampler(ours.pid)
        sampler.start()
        wait_up(ours_port, "/sparql", ours)
        wait_up(ox_port, "/query?query=ASK%7B%7D", oxs)
        a, b = Client(ours_port), Client(ox_port)
        found = {key: find(a, text) for key, text in _FIND.items()}
        town = found["town"]["l"]
        county = found["county"].get("l")
        needs = {"search": {"name": "司法所"}, "township_profile": {"township": town},
                 "changes": {"township": town, "from": "2022", "to": "2023"},
                 "compare_metric": {"metric": args.metric}}
        runs = []
        for name, q in sorted(queries.items()):
            runs.append((name, needs.get(name, {})))
            if county and "county" in {p.name for p in q.params}:
                runs.append((name, dict(needs.get(name, {}), county=county)))
        # and a word of an entity (nearly) every report names: the search's heaviest rows
        runs.append(("search", {"name": "宪法"}))
        rows = []
        for name, given in runs:
            q = queries[name]
            text = inline(q, given)
            path = f"/queries/{name}.json" + ("?" + urllib.parse.urlencode(given) if given else "")
            form = urllib.parse.urlencode({"query": text})
            fh = {"Content-Type": "application/x-www-form-urlencoded",
                  "Accept": "application/sparql-results+json"}
            # the first request of each runs the query (the later ones of the
            # canned path may come from its answer cache): timed on its own
            t0 = time.perf_counter()
            status, body = a.request("GET", path)
            first = ((time.perf_counter() - t0) * 1000, status)
            b.request("POST", "/query", form, fh)
            res = {}
            res["canned"] = timed(lambda: a.request("GET", path), args.reps, args.budget)
            res["sparql"] = timed(lambda: a.request("POST", "/sparql", form, fh), args.reps, args.budget)
            res["oxigraph"] = timed(lambda: b.request("POST", "/query", form, fh), args.reps, args.budget)
            status, body = a.request("GET", path)
            doc = json.loads(body) if status == 200 else {}
            # the whole answer's rows (a canned query answers a page of them)
            n = doc.get("total_rows", len(doc.get("rows", []))) if status == 200 else -1
            rows.append((name, given, n, res, first))
            print(f"{name}: rows={n} " + "  ".join(
                f"{k} p50={statistics.median(v[0]):.1f} p99={pct(v[0], 99):.1f} err={v[1]}"
                for k, v in res.items()), flush=True)
            for k, v in res.items():
                if v[1]:
                    print(f"   {k} error: {v[2]}", flush=True)
        pages = page_paths(found)
        page_rows = []
        for label, path in pages:
            a.request("GET", path)
            res = timed(lambda: a.request("GET", path), args.reps, args.budget)
            page_rows.append((label, path, res))
            print(f"{label}: p50={statistics.median(res[0]):.1f} p99={pct(res[0], 99):.1f} "
                  f"err={res[1]} {res[2]}", flush=True)
        # concurrency: a mix of the canned queries that answer well within the
        # time limit, and the pages
        mix = [(name, given) for name, given, n, res, _ in rows
               if res["canned"][1] == 0 and pct(res["canned"][0], 99) < args.mix_below_ms]
        mix += [(None, path) for _, path, _ in page_rows]
        before_load = sampler.peak_pss       # the sequential requests' peak (one at a time)
        load = concurrent(ours_port, mix, args.clients, args.duration)
        load_ox = concurrent(ox_port, [(inline(queries[nm], g), None) for nm, g in mix if nm],
                             args.clients, args.duration, oxigraph=True) if args.compare_load else None
    finally:
        if sampler is not None:
            sampler.stop()
        ours.terminate()
        oxs.terminate()
        ours.wait(20)
        oxs.wait(20)
    memory = {"peak_pss_mb": sampler.peak_pss // 1024, "peak_rss_mb": sampler.peak_rss // 1024,
              "processes": sampler.peak_procs, "before_load_mb": before_load // 1024,
              "at_peak": ", ".join(f"{p['role']} {p['pss_mb']}" for p in
                                   getattr(sampler, "at_peak", []))}
    return report(args, store, rows, page_rows, mix, load, load_ox, memory)


def find(client: Client, text: str) -> dict[str, str]:
    """The first row of a SELECT on ``/sparql``, as plain strings ({} if none)."""
    status, body = client.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                                  headers={"Accept": "application/sparql-results+json"})
    if status != 200:
        raise SystemExit(f"finding what to measure failed: {status} {body[:200]!r}")
    found = json.loads(body)["results"]["bindings"]
    return {k: v["value"] for k, v in found[0].items()} if found else {}


def page_paths(found: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """(label, path) of every page measured, for the entities that exist."""
    from kg.namespace import ID_IRI

    out = [("home page /", "/"), ("/api/overview", "/api/overview"),
           ("/api/search 司法所", "/api/search?" + urllib.parse.urlencode({"q": "司法所"})),
           ("/api/search 宪法", "/api/search?" + urllib.parse.urlencode({"q": "宪法"}))]
    for key, what in (("town", "township"), ("law", "中华人民共和国宪法"), ("firm", "law firm")):
        iri = found[key].get("t") or found[key].get("c")
        if not iri or not iri.startswith(ID_IRI):
            print(f"no {what} in this store: its page is not measured", flush=True)
            continue
        eid = urllib.parse.quote(iri[len(ID_IRI):])
        out += [(f"/api/entity ({what})", f"/api/entity/{eid}"),
                (f"entity page ({what})", f"/entity/{eid}")]
    return out


def concurrent(port: int, mix: list, clients: int, duration: float, oxigraph: bool = False) -> dict:
    stop = time.monotonic() + duration
    counts = {"ok": 0, "errors": 0, "lat": [], "last_error": ""}
    lock = threading.Lock()

    def worker(k: int) -> None:
        c = Client(port)
        i = k
        while time.monotonic() < stop:
            name, given = mix[i % len(mix)]
            i += 1
            t0 = time.perf_counter()
            try:
                if name is None:                   # a page: ``given`` is its path
                    status, body = c.request("GET", given)
                elif oxigraph:
                    status, body = c.request("POST", "/query", urllib.parse.urlencode({"query": name}),
                                             {"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/sparql-results+json"})
                else:
                    path = f"/queries/{name}.json" + ("?" + urllib.parse.urlencode(given) if given else "")
                    status, body = c.request("GET", path)
            except OSError as exc:
                status, body = 0, str(exc).encode()
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status == 200:
                    counts["ok"] += 1
                    counts["lat"].append(ms)
                else:
                    counts["errors"] += 1
                    counts["last_error"] = f"{status} {body[:200]!r}"

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts["seconds"] = time.monotonic() - t0
    counts["rps"] = counts["ok"] / counts["seconds"]
    print(f"load ({'oxigraph' if oxigraph else 'fazhi-kg'}): {counts['ok']} ok, {counts['errors']} errors, "
          f"{counts['rps']:.1f} req/s {counts['last_error']}", flush=True)
    return counts


def report(args, store: Path, rows, page_rows, mix, load, load_ox, memory) -> str:
    def stats(v):
        return f"{statistics.median(v[0]):.1f} / {pct(v[0], 99):.1f}"

    lines = [
        "## Queries",
        "",
        f"`python benchmarks/bench_queries.py {args.cmdline}` — {time.strftime('%Y-%m-%d')}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; store `{store.name}` "
        f"({sum(f.stat().st_size for f in store.iterdir()) / 2**30:.1f} GiB); "
        f"fazhi-kg serve with {args.workers} query workers, waitress {args.clients + 8} threads; "
        "`oxigraph serve-read-only --union-default-graph` on the same folder, same run.",
        "",
        "Latency in ms, p50 / p99, sequential requests after a first one (*canned, first*: "
        "that first request, which runs the query; the later canned ones may be answered "
        "from the service's answer cache, as a user's next page is). "
        "*canned*: `GET /queries/<name>.json` (parameters bound as values); *sparql*: the same "
        "query with the values written in, `POST /sparql`; *oxigraph*: that text on "
        "`oxigraph serve`.  *ratio*: canned p50 ÷ oxigraph p50 (goal ≤ 1.5 where oxigraph "
        "takes over 10 ms).",
        "",
        "| query | parameters | rows | canned, first | n | canned | sparql | oxigraph | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, given, n, res, first in rows:
        oxp50 = statistics.median(res["oxigraph"][0])
        ratio = statistics.median(res["canned"][0]) / oxp50 if oxp50 else float("nan")
        flag = "" if oxp50 <= 10 or ratio <= 1.5 else " ✗"
        errs = "".join(f" ({k}: {v[1]} errors)" for k, v in res.items() if v[1])
        params = ", ".join(f"{k}={v}" for k, v in given.items()) or "defaults"
        cold = f"{first[0]:.1f}" + ("" if first[1] == 200 else f" ({first[1]})")
        lines.append(f"| {name} | {params} | {n} | {cold} | {len(res['canned'][0])} | "
                     f"{stats(res['canned'])} | "
                     f"{stats(res['sparql'])} | "
                     f"{stats(res['oxigraph'])} | {ratio:.2f}{flag}{errs} |")
    lines += ["", "Pages on fazhi-kg serve, ms, p50 / p99:", "",
              "| page | path | n | p50 / p99 | errors |", "| --- | --- | ---: | ---: | ---: |"]
    for label, path, res in page_rows:
        lines.append(f"| {label} | `{urllib.parse.unquote(path)}` | {len(res[0])} | "
                     f"{stats(res)} | {res[1]} |")
    canned = sorted({n for n, _ in mix if n})
    lines += ["", f"Load: {args.clients} clients for {args.duration:.0f} s, each looping over "
              f"{len(mix)} requests: {len(canned)} canned queries ({', '.join(canned)}) through "
              f"`/queries/<name>.json` and the {len(mix) - sum(1 for n, _ in mix if n)} pages above:", "",
              f"- fazhi-kg: {load['ok']} answers, **{load['errors']} errors**, "
              f"**{load['rps']:.1f} requests/s**, latency p50 {pct(load['lat'], 50):.0f} ms, "
              f"p99 {pct(load['lat'], 99):.0f} ms" if load['lat'] else "- fazhi-kg: no answers"]
    lines.append(f"- peak memory of the `serve` process tree ({memory['processes']} processes at "
                 f"most): PSS {memory['peak_pss_mb']} MB, RSS {memory['peak_rss_mb']} MB "
                 f"({memory['before_load_mb']} MB before the load; at the peak, PSS by process "
                 f"in MB: {memory['at_peak']})")
    if load_ox:
        lines.append(f"- oxigraph serve, same mix as SPARQL text: {load_ox['ok']} answers, "
                     f"{load_ox['errors']} errors, {load_ox['rps']:.1f} requests/s")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="an existing fazhi-kg store folder")
    ap.add_argument("--townships", type=int, default=40000,
                    help="without --store: build a synthetic store of this size")
    ap.add_argument("--workdir", default="bench-work", help="where to build it")
    ap.add_argument("--reps", type=int, default=30, help="requests per query and server")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per query and server")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="query workers")
    ap.add_argument("--time-limit-ms", type=int, default=30000)
    ap.add_argument("--mix-below-ms", type=float, default=3000,
                    help="the load mix: canned queries whose p99 is below this")
    ap.add_argument("--metric", default="纠纷", help="compare_metric's words (纠纷: disputes)")
    ap.add_argument("--compare-load", action="store_true", help="also load oxigraph serve")
    ap.add_argument("--markdown", help="write the section to this file too")
    args = ap.parse_args(argv)
    args.cmdline = " ".join(sys.argv[1:])
    if not args.store:
        out = Path(args.workdir) / f"store{args.townships}"
        if not (out / "CURRENT").exists():
            subprocess.run([sys.executable, str(REPO / "benchmarks" / "synth.py"),
                            "--townships", str(args.townships), "--store", str(out)], check=True)
        args.store = str(out)
    text = run(args)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
