"""The ingest worker pool (issue 15, items 5 and 7): workers die with their
parent, a worker held to ingest_memory_mb fails its file alone, and a worker
that dies fails only the file that killed it."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import limits, runner
from ingest.limits import Limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_bombs import docx_bomb  # noqa: E402
from bench_scale import _tree  # noqa: E402


def descendants(pid: int) -> set[int]:
    return set(_tree(pid)) - {pid}


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that may never come counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_kill_9_of_the_ingest_leaves_no_process(seed_dir: Path, tmp_path: Path,
                                                cli_cmd: list[str]) -> None:
    src = tmp_path / "reports"
    src.mkdir()
    for i in range(40):
        for f in sorted(seed_dir.glob("*.txt")):
            shutil.copy(f, src / f"c{i:02d}_{f.name}")
    cmd = cli_cmd + ["ingest", "-j", "2", "--store", str(tmp_path / "s"), str(src)]
    # its own session, so that whatever happens this test can clean up after it
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    kids: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        # the forkserver, two workers and the resource tracker
        while len(kids := descendants(proc.pid)) < 4:
            assert proc.poll() is None, "the ingest ended before it could be killed"
            assert time.monotonic() < deadline, f"only {kids} started"
            time.sleep(0.1)
        time.sleep(0.5)
        kids |= descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        # nobody holds its pipes any more: reading them ends
        proc.communicate(timeout=20)
        deadline = time.monotonic() + 10
        while any(alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [k for k in kids if alive(k)], "orphans left running"
    finally:
        for k in kids | {proc.pid}:
            if alive(k):
                try:
                    os.kill(k, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_a_worker_over_its_memory_limit_fails_its_file_alone(seed_dir: Path, tmp_path: Path,
                                                             cli_cmd: list[str]) -> None:
    src = tmp_path / "reports"
    src.mkdir()
    for f in sorted(seed_dir.glob("*.txt"))[:3]:
        shutil.copy(f, src / f.name)
    # the other limits off: python-docx would take this to 8 GB
    docx_bomb(src / "zz_bomb.docx", 100)
    env = dict(os.environ, FAZHI_KG_MAX_TEXT_CHARS="0", FAZHI_KG_MAX_DOCX_INFLATED_MB="0",
               FAZHI_KG_INGEST_MEMORY_MB="900")
    res = subprocess.run(cli_cmd + ["ingest", "-j", "2", "--store", str(tmp_path / "s"), str(src)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 1, res.stderr
    failed = [x for x in res.stderr.splitlines() if x.startswith("failed:")]
    assert len(failed) == 1 and "zz_bomb.docx" in failed[0], res.stderr
    assert "ingest_memory_mb" in failed[0] and "900 MiB" in failed[0]
    assert "Traceback" not in res.stderr
    assert "from 3 files, 1 files failed" in res.stdout


def _die_on_marker(path: str, nquads: bool = False, names: bool = False) -> runner.Outcome:
    """A stand-in for process_file whose worker dies (as the OOM killer does) on one file."""
    if "killer" in path:
        os.kill(os.getpid(), signal.SIGKILL)
    return runner.Outcome(path, reports=1)


def test_a_dying_worker_fails_only_the_file_that_killed_it(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    files = [tmp_path / f"f{i}.txt" for i in range(8)]
    files.insert(3, tmp_path / "killer.txt")
    monkeypatch.setattr(runner, "process_file", _die_on_marker)
    limits.configure(Limits(ingest_memory_mb=0))
    try:
        got = {Path(o.path).name: o for o in runner.outcomes(files, 2)}
    finally:
        limits.configure(None)
    assert set(got) == {f.name for f in files}
    assert [n for n, o in got.items() if o.error] == ["killer.txt"]
    assert "its worker process died" in got["killer.txt"].error
    assert "ingest_memory_mb" in got["killer.txt"].error


def test_out_of_memory_is_a_failed_line_naming_the_setting(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest import pipeline
    from kg.errors import StageError

    def runs_out(path: Path) -> None:
        raise StageError("segment", str(path), MemoryError())

    monkeypatch.setattr(pipeline, "run", runs_out)
    limits.configure(Limits(ingest_memory_mb=512))
    try:
        out = runner.process_file(str(tmp_path / "r.txt"))
    finally:
        limits.configure(None)
    assert out.error is not None and "internal error" not in out.error
    assert out.error.startswith(f"{tmp_path / 'r.txt'}: ran out of memory in stage segment")
    assert "512 MiB" in out.error and "FAZHI_KG_INGEST_MEMORY_MB" in out.error
