"""Ordinary requests while runaway SPARQL queries run: do they still come back fast?

Usage::

    python benchmarks/bench_runaways.py --store DIR            # an existing store
    python benchmarks/bench_runaways.py --workdir DIR          # build one from the bundled reports

Starts ``fazhi-kg serve`` on 127.0.0.1 (its own process, default settings
unless given), then for ``--duration`` seconds runs at once:

* ``--clients`` (16) clients of ordinary requests, each looping over a mix of
  the home page, search (``/api/search``), entity pages, report pages and
  the canned queries (``/queries/<name>.json`` with their defaults);
* ``--runaways`` (4) clients each sending, again and again, a SPARQL query
  that would run for minutes (a COUNT over three VALUES of 1,000 values);
* ``--probes`` (2) clients sending a small SPARQL query (count the reports),
  whose latency is reported on its own: they share the SPARQL lane with the
  runaways.

On Linux each client connects from an address of its own (127.0.0.x).

Prints p50/p99/max and errors of each kind, and what the runaways got, as a
Markdown section for docs/benchmarks.md (``--markdown FILE`` writes it).
Not a test: it takes a minute or more.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VALUES = " ".join(str(i) for i in range(1000))
RUNAWAY = (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {VALUES} }} VALUES ?b {{ {VALUES} }} "
           f"VALUES ?c {{ {VALUES} }} }}")
PROBE = "SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP connection to the server under test."""

    def __init__(self, port: int, timeout: float = 120, source: str | None = None) -> None:
        self.port, self.timeout = port, timeout
        self.source = (source, 0) if source else None
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout,
                                          source_address=self.source)

    def get(self, path: str, accept: str = "application/json") -> tuple[int, bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path, headers={"Accept": accept})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = self._connect()
                if attempt:
                    return 599, b"connection failed"
        raise AssertionError


def sparql_path(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


def ordinary_mix(port: int) -> list[tuple[str, str]]:
    """(path, Accept) of the ordinary requests, found on the running server."""
    c = Client(port)
    mix = [("/", "text/html")]
    status, body = c.get("/queries.json")
    for q in json.loads(body) if status == 200 else []:
        params = q.get("parameters") or []
        if all(not p.get("required") or p.get("default") for p in params):
            mix.append((f"/queries/{q['name']}.json", "application/json"))
    for word in ("镇", "委员会", "法", "律师"):
        path = "/api/search?" + urllib.parse.urlencode({"q": word})
        mix.append((path, "application/json"))
        status, body = c.get(path)
        for hit in json.loads(body).get("results", [])[:3] if status == 200 else []:
            mix.append(("/entity/" + urllib.parse.quote(hit["id"]), "text/html"))
    status, body = c.get(sparql_path("SELECT ?r WHERE { ?r a fz:Report } LIMIT 3"))
    for b in json.loads(body)["results"]["bindings"] if status == 200 else []:
        rid = b["r"]["value"].split("/id/", 1)[1]
        mix.append(("/report/" + urllib.parse.quote(rid), "text/html"))
    return mix


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def load(port: int, mix, clients: int, runaways: int, probes: int, duration: float) -> dict:
    stop = time.monotonic() + duration
    lat: dict[str, list[float]] = {"ordinary": [], "probe": [], "runaway": []}
    codes: dict[str, Counter] = {k: Counter() for k in lat}
    lock = threading.Lock()

    # every client has an address of its own (all of 127/8 is loopback on
    # Linux), as different users would: the server tells them apart
    first = {"ordinary": 10, "runaway": 100, "probe": 200}

    def loop(kind: str, k: int) -> None:
        c = Client(port, source=f"127.0.0.{first[kind] + k}" if sys.platform == "linux" else None)
        i = k
        while time.monotonic() < stop:
            if kind == "ordinary":
                path, accept = mix[i % len(mix)]
            elif kind == "probe":
                path, accept = sparql_path(PROBE), "application/json"
            else:
                path, accept = sparql_path(RUNAWAY), "application/json"
            i += 1
            t0 = time.perf_counter()
            status, _ = c.get(path, accept)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                lat[kind].append(ms)
                codes[kind][status] += 1

    threads = ([threading.Thread(target=loop, args=("ordinary", k)) for k in range(clients)] +
               [threading.Thread(target=loop, args=("runaway", k)) for k in range(runaways)] +
               [threading.Thread(target=loop, args=("probe", k)) for k in range(probes)])
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"lat": lat, "codes": codes}


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def build_store(workdir: Path) -> Path:
    store = workdir / "store"
    if not (store / "CURRENT").exists():
        subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store", str(store),
                        str(REPO / "data" / "reports")], check=True)
    return store


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="an existing fazhi-kg store folder")
    ap.add_argument("--workdir", default="bench-work", help="where to build one otherwise")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--runaways", type=int, default=4)
    ap.add_argument("--probes", type=int, default=2)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--markdown", help="write the section to this file too")
    args = ap.parse_args(argv)
    store = Path(args.store) if args.store else build_store(Path(args.workdir))
    port = free_port()
    # the server's log goes to a file: a pipe nobody reads fills up and stalls it
    log_path = Path(args.workdir) / "serve.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store),
                             "--port", str(port)], stdout=log, stderr=log, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"serve exited: {log_path.read_text()}")
            if Client(port, 5).get("/queries.json")[0] == 200:
                break
            if time.monotonic() > deadline:
                raise SystemExit("serve did not come up in 300 s")
            time.sleep(0.3)
        mix = ordinary_mix(port)
        before = uptime()
        t0 = time.monotonic()
        res = load(port, mix, args.clients, args.runaways, args.probes, args.duration)
        wall = time.monotonic() - t0
        after = uptime()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    text = report(args, store, mix, res, wall, before, after)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")


def report(args, store: Path, mix, res: dict, wall: float, before: str, after: str) -> str:
    def row(kind: str, label: str) -> str:
        v = res["lat"][kind]
        codes = res["codes"][kind]
        errors = sum(n for c, n in codes.items() if c != 200)
        shown = ", ".join(f"{c}×{n}" for c, n in sorted(codes.items()))
        return (f"| {label} | {len(v)} | {pct(v, 50):.0f} | {pct(v, 99):.0f} | "
                f"{max(v) if v else float('nan'):.0f} | {errors} | {shown} |")

    settings = {k: os.environ[k] for k in sorted(os.environ) if k.startswith("FAZHI_KG_")}
    return "\n".join([
        f"`python benchmarks/bench_runaways.py {' '.join(sys.argv[1:])}` — "
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; store `{store.name}`; fazhi-kg serve with "
        f"{'default settings' if not settings else settings}; {len(mix)} ordinary paths "
        f"(home, canned queries, search, entity and report pages); {wall:.0f} s.",
        "",
        f"uptime before: `{before}`; after: `{after}`",
        "",
        "| requests | n | p50 ms | p99 ms | max ms | errors | status codes |",
        "|---|---:|---:|---:|---:|---:|---|",
        row("ordinary", f"ordinary ({args.clients} clients)"),
        row("probe", f"small SPARQL ({args.probes} clients)"),
        row("runaway", f"runaway SPARQL ({args.runaways} clients)"),
        "",
    ])


if __name__ == "__main__":
    main()
