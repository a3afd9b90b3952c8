"""How soon a running `fazhi-kg serve` shows a newly stored report (README
"Live reads"): after a CLI ingest ends, and after an upload answers.

    python benchmarks/bench_live.py [--rounds 5]

Builds a store from the bundled reports in a temporary folder, runs
`fazhi-kg serve` on a free 127.0.0.1 port (twice: without uploads for the
CLI ingests, with them for the uploads), and for each round writes a small
report of a township of its own, stores it, and polls /api/search every
50 ms until the township is found.  Prints each delay and the median.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from netutil import free_port  # noqa: E402

CLI = [sys.executable, "-m", "kg.cli"]
TOWNS = ["青石镇", "白杨镇", "红岩乡", "柳溪镇", "松林街道", "石门乡", "竹园镇", "桃源乡"]
TOKEN = "bench-token"
TEXT = """{t}2024年法治政府建设工作情况报告

2024年，{t}扎实推进法治政府建设，全面落实重大行政决策程序制度，修订完善合法性审查制度。
{t}聘请青山律师事务所为常年法律顾问，开展“宪法宣传周”活动。

{t}人民政府
2025年1月10日
"""


def serve(store: Path, port: int, upload: bool) -> subprocess.Popen:
    env = dict(os.environ, FAZHI_KG_ALLOW_UPLOAD="true" if upload else "false",
               FAZHI_KG_UPLOAD_TOKEN=TOKEN)
    proc = subprocess.Popen(CLI + ["serve", "--store", str(store), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/api/search?q=x", timeout=2)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def found(base: str, town: str) -> bool:
    url = base + "/api/search?" + urllib.parse.urlencode({"q": town})
    with urllib.request.urlopen(url, timeout=10) as r:
        return any(h["label"] == town for h in json.load(r)["results"])


def wait_found(base: str, town: str) -> float:
    t0 = time.monotonic()
    while not found(base, town):
        if time.monotonic() - t0 > 30:
            raise SystemExit(f"{town} never showed")
        time.sleep(0.05)
    return time.monotonic() - t0


def upload(base: str, name: str, body: bytes) -> None:
    boundary = uuid.uuid4().hex
    data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{urllib.parse.quote(name)}\"\r\nContent-Type: text/plain\r\n\r\n"
            ).encode() + body + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(base + "/upload", data=data, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        result = json.load(r)["files"][0]
    if not result["ok"]:
        raise SystemExit(result["error"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = root / "store"
        subprocess.run(CLI + ["ingest", "--store", str(store), str(REPO / "data" / "reports")],
                       check=True, capture_output=True)
        towns = iter(TOWNS * 4)
        for how in ("cli", "upload"):
            port = free_port()
            proc = serve(store, port, upload=how == "upload")
            base = f"http://127.0.0.1:{port}"
            delays, writes = [], []
            try:
                for i in range(args.rounds):
                    town = next(towns) if i < len(TOWNS) else f"{next(towns)}{i}"
                    text = TEXT.format(t=town)
                    src = root / f"{how}{i}_{town}.txt"
                    src.write_text(text, encoding="utf-8")
                    t0 = time.monotonic()
                    if how == "cli":
                        subprocess.run(CLI + ["ingest", "--store", str(store), str(src)],
                                       check=True, capture_output=True)
                    else:
                        upload(base, src.name, text.encode())
                    writes.append(time.monotonic() - t0)
                    delays.append(wait_found(base, town))
            finally:
                proc.terminate()
                proc.wait(30)
            print(f"{how}: store took {', '.join(f'{w:.2f}' for w in writes)} s; searchable "
                  f"{', '.join(f'{d:.2f}' for d in delays)} s after it "
                  f"(median {statistics.median(delays):.2f} s)")


if __name__ == "__main__":
    main()
