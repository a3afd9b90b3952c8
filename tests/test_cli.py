"""The ``fazhi-kg`` command: ingest, export, stats, query; failures and crashes."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from ingest import pipeline
from kg import __version__
from kg.cli import cli, collect_files
from kg.errors import InputError
from kg.model import Doc
from kg.namespace import ONTOLOGY_GRAPH
from kg.store import open_store


def run(*args: str, **kw):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


@pytest.fixture(scope="module")
def built(seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once from the bundled reports (read-only use)."""
    store = tmp_path_factory.mktemp("built") / "store"
    res = run("ingest", "--store", str(store), str(seed_dir))
    assert res.exit_code == 0, res.output + res.stderr
    return store


def store_stats(store: Path) -> dict:
    with open_store(store, create=False) as s:
        return s.stats()


# ------------------------------------------------------------ ingest

def test_ingest_twice_gives_the_same_graph(seed_dir: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    first = run("ingest", "--store", store, str(seed_dir))
    assert first.exit_code == 0, first.stderr
    n_files = len(list(seed_dir.glob("*.txt")))
    assert f"reports from {n_files} files, 0 files failed" in first.output
    with open_store(store) as s:
        count1, dump1 = s.count(), sorted(s.dump("nquads").decode().splitlines())
    again = run("ingest", "--store", store, str(seed_dir))
    assert again.exit_code == 0
    with open_store(store) as s:
        assert s.count() == count1
        assert sorted(s.dump("nquads").decode().splitlines()) == dump1
        assert ONTOLOGY_GRAPH in s.graphs()
        assert s.stats()["reports"] >= n_files


@dataclass(frozen=True)
class FnStage(pipeline.Stage):
    """A stage whose function is given directly (no import path)."""

    fn: Callable[[Doc], None] | None = None

    def load(self):
        return self.fn


def _picky(doc: Doc) -> None:
    if doc.path.stem.startswith("bad"):
        raise InputError(str(doc.path), "not a report (test)")
    if doc.path.stem.startswith("boom"):
        raise RuntimeError("kaboom")


def test_a_bad_file_among_good_ones(seed_dir: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "STAGES", list(pipeline.STAGES))
    pipeline.register(FnStage("picky", "", fn=_picky), after="read")
    src = tmp_path / "in"
    src.mkdir()
    seeds = sorted(seed_dir.glob("*.txt"))[:2]
    for i, f in enumerate(seeds):
        shutil.copy(f, src / f"good{i}.txt")
    shutil.copy(seeds[0], src / "bad.txt")
    shutil.copy(seeds[0], src / "boom.txt")
    res = run("ingest", "--store", str(tmp_path / "s"), str(src), str(tmp_path / "missing.txt"))
    assert res.exit_code == 1
    failed = [line for line in res.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 3, res.stderr
    assert any(str(src / "bad.txt") in line and "not a report (test)" in line for line in failed)
    assert any(f"internal error in stage picky on {src / 'boom.txt'}: RuntimeError: kaboom" in line
               for line in failed)
    assert any("missing.txt: no such file or folder" in line for line in failed)
    assert "Traceback" not in res.stderr + res.output
    assert "reports from 2 files, 3 files failed" in res.output
    with open_store(tmp_path / "s") as s:
        files = {r[0].value for r in s.query("SELECT ?f WHERE { ?r fz:sourceFile ?f }").rows}
    assert files == {"good0.txt", "good1.txt"}


def test_store_error_is_one_line(tmp_path: Path, seed_dir: Path) -> None:
    (tmp_path / "notes.md").write_text("x")
    res = run("ingest", "--store", str(tmp_path), str(seed_dir))
    assert res.exit_code == 1
    assert res.stderr.startswith("error: ") and "not a fazhi-kg store" in res.stderr
    assert res.stderr.count("\n") == 1


def test_collect_files(tmp_path: Path) -> None:
    for name in ["a.txt", "sub/b.DOCX", "sub/deep/c.pdf", "d.html", "e.htm", "f.md",
                 ".hidden.txt", "~$lock.docx", "g.xyz"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files, problems = collect_files((str(tmp_path), str(tmp_path / "g.xyz")))
    assert sorted(f.name for f in files) == ["a.txt", "b.DOCX", "c.pdf", "d.html", "e.htm",
                                             "g.xyz"]
    assert problems == []


def test_collect_files_refuses_two_files_with_one_name(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "x" / "a.docx").write_text("x")
    files, problems = collect_files((str(tmp_path),))
    assert len(files) == 1 and len(problems) == 1
    assert "same name as" in problems[0] and "rename" in problems[0]
    # the same file named twice is simply one file
    files, problems = collect_files((str(tmp_path / "a.txt"), str(tmp_path / "a.txt")))
    assert len(files) == 1 and problems == []


# ------------------------------------------------------------ export, stats, query

def test_export_formats(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.nq"
    res = run("export", "--store", str(built), "--format", "nquads", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    quads = list(ox.parse(out.read_bytes(), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    assert ONTOLOGY_GRAPH in graphs and len(graphs) == store_stats(built)["graphs"] + 1
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    for fmt, oxfmt in [("turtle", ox.RdfFormat.TURTLE), ("ntriples", ox.RdfFormat.N_TRIPLES),
                       ("jsonld", ox.RdfFormat.JSON_LD), ("trig", ox.RdfFormat.TRIG)]:
        res = run("export", "--store", str(built), "--format", fmt)
        assert res.exit_code == 0, (fmt, res.stderr)
        got = {(t.subject, t.predicate, t.object) for t in ox.parse(res.stdout_bytes, format=oxfmt)}
        assert got == triples, fmt
    assert [p.name for p in tmp_path.iterdir()] == ["g.nq"]   # no temporary file left


def test_export_of_a_missing_store(tmp_path: Path) -> None:
    res = run("export", "--store", str(tmp_path / "none"))
    assert res.exit_code == 1 and "no store at" in res.stderr
    assert not (tmp_path / "none").exists()


def test_stats(built: Path) -> None:
    res = run("stats", "--store", str(built), "--format", "json")
    info = json.loads(res.output)
    assert info["reports"] == info["graphs"] >= 1 and info["triples"] > 0
    assert set(info["entities"]) >= {"镇", "行政区", "机构", "制度", "法律", "活动", "人员"}
    table = run("stats", "--store", str(built)).output
    assert re.search(rf"^reports +{info['reports']}$", table, re.M)
    # the township gazetteer's columns: units it lacks, counties inferred
    assert info["townships_not_in_gazetteer"] >= 0 and info["townships_county_inferred"] >= 0
    assert re.search(rf"^  not in the gazetteer +{info['townships_not_in_gazetteer']}$", table, re.M)
    assert re.search(rf"^  county inferred +{info['townships_county_inferred']}$", table, re.M)


def test_query_formats(built: Path, tmp_path: Path) -> None:
    q = "SELECT ?r ?f WHERE { ?r a fz:Report ; fz:sourceFile ?f } ORDER BY ?f"
    n = store_stats(built)["reports"]
    table = run("query", q, "--store", str(built)).output.splitlines()
    assert table[0].split() == ["r", "f"] and table[-1] == f"({n} rows)"
    assert table[2].startswith("fzid:report/")
    data = json.loads(run("query", q, "--store", str(built), "--format", "json").output)
    assert len(data["results"]["bindings"]) == n
    csv_lines = run("query", q, "--store", str(built), "--format", "csv").output.splitlines()
    assert csv_lines[0] == "r,f" and len(csv_lines) == n + 1
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?r a fz:Report }", encoding="utf-8")
    assert run("query", str(rq), "--store", str(built)).output == "true\n"
    assert run("query", "-", "--store", str(built), input="ASK { ?x a fz:Nothing }").output \
        == "false\n"
    ttl = run("query", "CONSTRUCT WHERE { ?t a fz:Township }", "--store", str(built)).output
    assert "fz:Township" in ttl


def test_query_error_is_one_line(built: Path) -> None:
    res = run("query", "SELECT WHERE {", "--store", str(built))
    assert res.exit_code == 1
    assert res.stderr.startswith("error: the query is not valid SPARQL")


def test_version_and_help() -> None:
    assert run("--version").output.strip() == f"fazhi-kg, version {__version__}"
    helptext = run("--help").output
    for cmd in ("ingest", "export", "stats", "query"):
        assert cmd in helptext


# ------------------------------------------------------------ processes

@pytest.mark.slow
def test_workers_give_the_same_graph(seed_dir: Path, tmp_path: Path, cli_cmd: list[str]) -> None:
    dumps = []
    for workers in ("1", "2"):
        store = tmp_path / f"s{workers}"
        subprocess.run(cli_cmd + ["ingest", "-j", workers, "--store", str(store), str(seed_dir)],
                       check=True, capture_output=True, timeout=300)
        with open_store(store, create=False) as s:
            dumps.append(sorted(s.dump("nquads").decode().splitlines()))
    assert dumps[0] == dumps[1] and dumps[0]


@pytest.mark.slow
def test_locked_store_from_another_process(built: Path, cli_cmd: list[str],
                                           seed_dir: Path) -> None:
    with open_store(built):
        res = subprocess.run(cli_cmd + ["ingest", "--store", str(built), str(seed_dir)],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 1
        assert f"another fazhi-kg process holds {built}" in res.stderr
        assert "Traceback" not in res.stderr
        # reading commands fall back to a read-only view
        res = subprocess.run(cli_cmd + ["stats", "--store", str(built), "--format", "json"],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0 and json.loads(res.stdout)["reports"] >= 1


@pytest.mark.slow
def test_killed_ingest_leaves_only_complete_graphs(seed_dir: Path, tmp_path: Path,
                                                   cli_cmd: list[str]) -> None:
    """SIGKILL an ingest after its first commit: every graph stored is whole."""
    seed = sorted(seed_dir.glob("*.txt"))[0]
    src = tmp_path / "copies"
    src.mkdir()
    for i in range(150):
        shutil.copy(seed, src / f"copy{i:03d}.txt")
    # What one complete report graph of this file holds:
    with open_store(None) as ref:
        res = run("ingest", "--store", str(tmp_path / "ref"), str(src / "copy000.txt"))
        assert res.exit_code == 0
    with open_store(tmp_path / "ref") as ref:
        (g0,) = [g for g in ref.graphs() if g != ONTOLOGY_GRAPH]
        complete = len(ref.dump("nquads", graph=g0).splitlines())
    store = tmp_path / "s"
    proc = subprocess.Popen(cli_cmd + ["ingest", "-v", "--store", str(store), str(src)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 120
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("stored "):
                break
            assert time.monotonic() < deadline
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    with open_store(store, create=False) as s:
        graphs = [g for g in s.graphs() if g != ONTOLOGY_GRAPH]
        assert 1 <= len(graphs) < 150, "the kill came too late to test anything"
        for g in graphs:
            assert len(s.dump("nquads", graph=g).splitlines()) == complete, g
        assert s.stats()["reports"] == len(graphs)


def test_export_graph_formats_from_the_cli(tmp_path):
    import networkx as nx
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.paths import data_dir

    store = tmp_path / "store"
    runner = CliRunner()
    report = sorted((data_dir() / "reports").glob("*.txt"))[1]
    assert runner.invoke(cli, ["ingest", "--store", str(store), str(report)]).exit_code == 0
    out = tmp_path / "g.gexf"
    res = runner.invoke(cli, ["export", "--store", str(store), "--format", "gexf", "-o", str(out)])
    assert res.exit_code == 0, res.output
    g = nx.read_gexf(out)
    assert g.number_of_nodes() > 0 and all("type" in d for _, d in g.nodes(data=True))
    res = runner.invoke(cli, ["export", "--store", str(store), "--format", "gexf",
                              "--view", "neighbourhood"])
    assert res.exit_code == 1 and "needs an entity" in res.output
