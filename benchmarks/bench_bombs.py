"""Files that expand: how fast they are refused and how much memory that takes.

    python benchmarks/bench_bombs.py [--workdir /tmp/bombs] [--repeat 3]

Makes the inputs of issue 15, item 5 (each in a second or two, streamed):

* ``docx-100``, ``docx-400``: a .docx whose word/document.xml inflates to
  100 / 400 MiB of paragraphs (338 KB and 1.3 MB on disk);
* ``docx-elements``: 32 MiB of empty paragraphs (5.6 million elements, no
  text: under the inflation limit, refused by the element count);
* ``txt-19``: 19 MB of UTF-8 text, just under the 20 MB file limit;

then, for each: the read stage alone in this process (the refusal itself),
and ``fazhi-kg ingest`` in a fresh process (its start-up included), once
with ``--workers 1`` on the file (the main process reads it) and once with
``--workers 2`` on it and a copy (two worker processes read them), with the
memory of the process tree sampled every 20 ms from /proc
(``bench_scale.Sampler``).  It prints the wall times, the peak RSS of the
largest process and the failed: line.  The issue's target: a 400 MiB .docx
bomb refused in under 10 s with a peak under 1 GB.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: a paragraph of one character, and an empty one
PARAGRAPH = "<w:p><w:r><w:t>镇</w:t></w:r></w:p>"
EMPTY_PARAGRAPH = "<w:p/>"
W_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
          '<w:body>')
W_TAIL = "</w:body></w:document>"
TEXT_LINE = "白沙镇开展法治宣传活动，聘请律师担任法律顾问，推进依法行政工作。\n"


def docx_bomb(path: Path, xml_mb: int, unit: str = PARAGRAPH) -> None:
    """A .docx (python-docx's blank document) whose word/document.xml is
    ``unit`` repeated to ``xml_mb`` MiB, deflated at level 9 and streamed
    into the zip (400 MiB: about 1.7 s, a few MB of memory)."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info.filename))
        with out.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(W_HEAD.encode())
            chunk = (unit * 10_000).encode()
            for _ in range(xml_mb * 2 ** 20 // len(chunk)):
                fh.write(chunk)
            fh.write(W_TAIL.encode())


def big_text(path: Path, mb: int) -> None:
    """``mb`` MiB of UTF-8 report-like text."""
    path.write_text(TEXT_LINE * (mb * 2 ** 20 // len(TEXT_LINE.encode())), encoding="utf-8")


INPUTS = {
    "docx-100": lambda p: docx_bomb(p, 100),
    "docx-400": lambda p: docx_bomb(p, 400),
    "docx-elements": lambda p: docx_bomb(p, 32, EMPTY_PARAGRAPH),
    "txt-19": lambda p: big_text(p, 19),
}


def read_alone(path: Path) -> tuple[float, str]:
    """Seconds the read stage takes to refuse ``path`` in this process."""
    from ingest import read
    from kg.errors import InputError

    t0 = time.perf_counter()
    try:
        read.read_path(path)
        said = "read (not refused)"
    except InputError as exc:
        said = exc.reason
    return time.perf_counter() - t0, said


def measure(paths: list[Path], workers: int, store: Path) -> dict:
    from bench_scale import Sampler

    cmd = [sys.executable, "-m", "kg.cli", "ingest", "--workers", str(workers),
           "--store", str(store), *map(str, paths)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid, every=0.02, timeline_every=3600)
    sampler.start()
    _out, err = proc.communicate()
    sampler.stop()
    failed = [x for x in err.splitlines() if x.startswith("failed:")]
    return {"s": time.perf_counter() - t0, "peak_one_mb": sampler.peak_one / 1024,
            "exit": proc.returncode, "failed": failed[0] if failed else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/fazhi-kg-bombs"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    for name, make in INPUTS.items():
        path = args.workdir / (name + (".txt" if name.startswith("txt") else ".docx"))
        if not path.exists():
            make(path)
        alone = [read_alone(path) for _ in range(args.repeat)]
        print(f"{name:14} {path.stat().st_size / 1e6:6.2f} MB  read stage alone: "
              f"{min(s for s, _ in alone):5.2f} s (best of {len(alone)})", flush=True)
        copy = path.with_name("copy-" + path.name)
        if not copy.exists():
            shutil.copy(path, copy)
        for workers in (1, 2):
            files = [path] if workers == 1 else [path, copy]
            runs = [measure(files, workers, args.workdir / "store") for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["s"])
            worst_mem = max(r["peak_one_mb"] for r in runs)
            print(f"{name:14} {path.stat().st_size / 1e6:6.2f} MB  -j {workers}: "
                  f"{best['s']:5.2f} s (best of {len(runs)}; worst {max(r['s'] for r in runs):.2f}), "
                  f"peak RSS {worst_mem:5.0f} MB, exit {best['exit']}: {best['failed'][-150:]}",
                  flush=True)


if __name__ == "__main__":
    main()
