"""The bulk path (shards, loader thread, manifest) and resuming an interrupted ingest."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.bulk import MANIFEST, Loader, Shards, split_nquads
from ingest.runner import to_nquads
from kg.cli import cli
from kg.store import open_store


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def quads(store: Path) -> set[str]:
    with open_store(store, create=False) as s:
        return set(s.dump("nquads").decode().splitlines())


@pytest.fixture(scope="module")
def reference(seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The seeds ingested the default way: one transaction per file."""
    store = tmp_path_factory.mktemp("ref") / "store"
    res = run("ingest", "--store", str(store), str(seed_dir))
    assert res.exit_code == 0, res.output
    return quads(store)


def test_nquads_round_trip() -> None:
    graphs = {"http://g/1": '<http://s> <http://p> "a .\\nb" .\n<http://s> <http://p> <http://o> .\n',
              "http://g/2": '<http://s> <http://p> "x"@zh .\n'}
    assert split_nquads(to_nquads(graphs)) == graphs


def test_bulk_gives_the_same_graph_and_cleans_up(seed_dir: Path, tmp_path: Path,
                                                 reference: set[str]) -> None:
    store = tmp_path / "store"
    res = run("ingest", "--bulk", "--shard-quads", "1000", "--store", str(store), str(seed_dir))
    assert res.exit_code == 0, res.output
    assert quads(store) == reference
    assert not (tmp_path / "store.shards").exists()   # a completed run leaves no shards


def test_shards_without_load_then_load(seed_dir: Path, tmp_path: Path,
                                       reference: set[str]) -> None:
    shards = tmp_path / "shards"
    res = run("ingest", "--shards", str(shards), "--no-load", "--shard-quads", "3000",
              "--store", str(tmp_path / "untouched"), str(seed_dir))
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "untouched").exists()
    entries = [json.loads(x) for x in (shards / MANIFEST).read_text().splitlines()]
    names = [e["shard"] for e in entries]
    assert len(names) >= 2 and all((shards / n).exists() for n in names)
    stems = [s for e in entries for s in e["files"]]
    assert sorted(stems) == sorted(p.stem for p in seed_dir.glob("*.txt"))
    # plain N-Quads with the ontology beside them: what another store would load
    assert (shards / "ontology.nq").stat().st_size > 0
    res = run("load", str(shards), "--store", str(tmp_path / "s"))
    assert res.exit_code == 0, res.output
    assert quads(tmp_path / "s") == reference
    res = run("load", str(shards), "--store", str(tmp_path / "s"))   # again: nothing to do
    assert res.exit_code == 0 and "0 shards loaded" in res.output
    assert quads(tmp_path / "s") == reference


def test_bulk_resumes_from_a_stopped_run(seed_dir: Path, tmp_path: Path,
                                         reference: set[str]) -> None:
    files = sorted(seed_dir.glob("*.txt"))
    shards = tmp_path / "store.shards"
    # a run that wrote a shard of three files and stopped before loading it …
    res = run("ingest", "--shards", str(shards), "--no-load", *map(str, files[:3]))
    assert res.exit_code == 0, res.output
    # … and was killed while writing the next one
    (shards / "shard-000001.nq.part").write_text("<http://half", encoding="utf-8")
    res = run("ingest", "--bulk", "-v", "--store", str(tmp_path / "store"), str(seed_dir))
    assert res.exit_code == 0, res.output
    assert "resuming: 3 files already extracted" in res.output
    assert sum(line.startswith("stored ") for line in res.output.splitlines()) == 2
    assert "3 already done" in res.output
    assert quads(tmp_path / "store") == reference
    assert not shards.exists()


def test_resume_skips_files_in_the_store(seed_dir: Path, tmp_path: Path,
                                         reference: set[str]) -> None:
    files = sorted(seed_dir.glob("*.txt"))
    store = tmp_path / "store"
    assert run("ingest", "--store", str(store), *map(str, files[:2])).exit_code == 0
    res = run("ingest", "--resume", "-v", "--store", str(store), str(seed_dir))
    assert res.exit_code == 0, res.output
    assert "2 already done" in res.output
    assert sum(line.startswith("stored ") for line in res.output.splitlines()) == 3
    assert quads(store) == reference


def test_bulk_over_files_already_stored_replaces_them(seed_dir: Path, tmp_path: Path,
                                                      reference: set[str]) -> None:
    store = tmp_path / "store"
    assert run("ingest", "--store", str(store), str(seed_dir)).exit_code == 0
    res = run("ingest", "--bulk", "--store", str(store), str(seed_dir))
    assert res.exit_code == 0, res.output
    assert quads(store) == reference      # replaced in place, nothing doubled or stale


def test_a_bad_shard_is_loaded_file_by_file(seed_dir: Path, tmp_path: Path) -> None:
    files = sorted(seed_dir.glob("*.txt"))[:2]
    shards = tmp_path / "shards"
    assert run("ingest", "--shards", str(shards), "--no-load", *map(str, files)).exit_code == 0
    shard = shards / "shard-000000.nq"
    lines = shard.read_text(encoding="utf-8").splitlines(keepends=True)
    bad_graph = lines[-1].rsplit(" ", 2)[1]          # a graph of the second file
    lines.append(f'<http://broken "x" {bad_graph} .\n')
    shard.write_text("".join(lines), encoding="utf-8")
    said: list[str] = []
    with open_store(tmp_path / "s") as store:
        loader = Loader(store, Shards(shards), say=said.append)
        loader.start()
        loader.finish()
        assert loader.failed == [files[1].stem]
        kept = {g for g in store.graphs() if "/graph/report/" in g}
    assert any(files[0].stem in g for g in kept)
    assert not any(files[1].stem in g for g in kept)
    assert any(line.startswith(f"failed: {files[1].stem}") for line in said)


@pytest.mark.parametrize("args, message", [
    (["--no-load"], "--no-load needs --shards DIR"),
    (["--bulk", "--store", "memory:"], "--bulk loads into the embedded store"),
])
def test_bulk_option_errors(seed_dir: Path, args: list[str], message: str) -> None:
    res = run("ingest", *args, str(seed_dir))
    assert res.exit_code == 1 and message in res.output
    assert "Traceback" not in res.output


def test_shards_refuse_a_folder_of_other_things(seed_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    res = run("ingest", "--shards", str(tmp_path), "--no-load", str(seed_dir))
    assert res.exit_code == 1 and "is a folder of other things" in res.output
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
def test_killed_bulk_ingest_resumes_to_the_same_graph(seed_dir: Path, tmp_path: Path,
                                                      cli_cmd: list[str]) -> None:
    """SIGKILL a --bulk run after its first shard is loaded; the rerun completes it."""
    src = tmp_path / "copies"
    src.mkdir()
    for i in range(30):
        for f in sorted(seed_dir.glob("*.txt"))[:2]:
            shutil.copy(f, src / f"c{i:02d}_{f.name}")
    ref = tmp_path / "ref"
    assert run("ingest", "--bulk", "--store", str(ref), str(src)).exit_code == 0
    store, shards = tmp_path / "s", tmp_path / "s.shards"
    cmd = cli_cmd + ["ingest", "--bulk", "--shard-quads", "2000", "--store", str(store), str(src)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while '"loaded"' not in ((shards / MANIFEST).read_text()
                                 if (shards / MANIFEST).exists() else ""):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert shards.exists()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "resuming:" in res.stderr
    assert quads(store) == quads(ref)
    assert not shards.exists()


# ---- resume from any point (issue 15, item 6) ---------------------------------

STALE = '<http://example.org/stale> <http://example.org/p> "stale" <http://example.org/g> .\n'


def _first_shard(seed_dir: Path, tmp_path: Path) -> str:
    """The text of a real first shard (two files), as a stopped run wrote it."""
    out = tmp_path / "one"
    files = sorted(seed_dir.glob("*.txt"))[:2]
    assert run("ingest", "--shards", str(out), "--no-load", *map(str, files)).exit_code == 0
    return (out / "shard-000000.nq").read_text(encoding="utf-8")


@pytest.mark.parametrize("state", [
    "empty", "ontology.part", "ontology", "first shard .part", "first shard unrecorded",
    "manifest cut", "second shard unrecorded",
])
def test_bulk_resumes_from_every_point_of_a_killed_run(seed_dir: Path, tmp_path: Path,
                                                       reference: set[str], state: str) -> None:
    """Each state a kill can leave the shard folder in; the same command completes it."""
    shards = tmp_path / "store.shards"
    shard = _first_shard(seed_dir, tmp_path)
    if state == "second shard unrecorded":
        # a manifest with a loaded first shard, then a kill between the
        # second shard's rename and its manifest line
        files = sorted(seed_dir.glob("*.txt"))
        res = run("ingest", "--bulk", "--store", str(tmp_path / "store"), str(files[0]))
        assert res.exit_code == 0, res.output
        shards.mkdir()
        (shards / "ontology.nq").write_text("", encoding="utf-8")
        (shards / MANIFEST).write_text(
            json.dumps({"shard": "shard-000000.nq", "files": [files[0].stem], "reports": 1,
                        "quads": 1}) + "\n" + json.dumps({"loaded": "shard-000000.nq"}) + "\n",
            encoding="utf-8")
        (shards / "shard-000001.nq").write_text(shard + STALE, encoding="utf-8")
    else:
        shards.mkdir()
        if state == "ontology.part":
            (shards / "ontology.nq.part").write_text("<http://half", encoding="utf-8")
        elif state != "empty":
            (shards / "ontology.nq").write_text("", encoding="utf-8")
        if state == "first shard .part":
            (shards / "shard-000000.nq.part").write_text(shard[: len(shard) // 2],
                                                         encoding="utf-8")
        elif state in ("first shard unrecorded", "manifest cut"):
            (shards / "shard-000000.nq").write_text(shard + STALE, encoding="utf-8")
        if state == "manifest cut":
            (shards / MANIFEST).write_text('{"shard": "shard-000000.nq", "fil', encoding="utf-8")
    res = run("ingest", "--bulk", "--store", str(tmp_path / "store"), str(seed_dir))
    assert res.exit_code == 0, res.output
    assert "folder of other things" not in res.output
    assert quads(tmp_path / "store") == reference      # nothing stale, nothing missing
    assert not shards.exists()


def test_a_folder_with_a_stranger_among_shard_files_is_still_refused(
        seed_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "ontology.nq").write_text("", encoding="utf-8")
    (tmp_path / "shard-000000.nq.part").write_text("", encoding="utf-8")
    (tmp_path / "thesis.docx").write_text("mine", encoding="utf-8")
    res = run("ingest", "--shards", str(tmp_path), "--no-load", str(seed_dir))
    assert res.exit_code == 1 and "folder of other things (thesis.docx" in res.output
    assert (tmp_path / "shard-000000.nq.part").exists()     # nothing of it touched


@pytest.mark.slow
def test_bulk_killed_before_its_first_shard_resumes(seed_dir: Path, tmp_path: Path,
                                                    reference: set[str],
                                                    cli_cmd: list[str]) -> None:
    """SIGKILL while the first shard is being written (no manifest yet)."""
    store, shards = tmp_path / "s", tmp_path / "s.shards"
    cmd = cli_cmd + ["ingest", "--bulk", "--store", str(store), str(seed_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (shards / "shard-000000.nq.part").exists():
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert not (shards / MANIFEST).exists()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert quads(store) == reference
    assert not shards.exists()
