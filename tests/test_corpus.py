"""benchmarks/corpus.py (the synthetic corpus) and benchmarks/check_planted.py (its checker).

A small sample: 30 reports of a fixed seed, run through the project's
pipeline (``kg.cli.process_file``, what ``fazhi-kg ingest`` runs per file),
loaded into an in-memory Oxigraph store one named graph per report, and
scored by the checker.  The corpus plants a few patterns the extractor is
known to miss at about 1–4% each (see corpus.py), so a sample of 30 is not
guaranteed to be perfect for every seed; this seed's sample is, and any
regression in the pipeline shows as a miss here.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import check_planted  # noqa: E402
import corpus  # noqa: E402

N, SEED = 30, 7                  # the default seed of corpus.py


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    corpus.generate(N, out, seed=SEED, year=2023)
    return out


@pytest.fixture(scope="module")
def planted(sample) -> list[dict]:
    return [json.loads(line) for line in (sample / "planted.jsonl").read_text(encoding="utf-8").splitlines()]


def test_files_and_planted_lines(sample, planted):
    files = sorted(p for p in sample.rglob("*.txt"))
    assert len(files) == N == len(planted)
    assert {p.parent.name for p in files} == {"0000"}
    assert {p["file"] for p in planted} == {str(f.relative_to(sample)) for f in files}
    for p in planted:
        assert p["kind"] in ("镇", "乡", "街道") and p["township"].endswith(p["kind"])
        assert p["county"][-1] in "县区市旗" and p["prefecture"][-1] in "市州盟"
        assert p["province"].endswith(("省", "自治区")) and p["year"] == 2023
        for a in p["advisers"]:
            assert a["kind"] in ("律师事务所", "律师", "团队", "公职律师", "未说明")
            if a["kind"] in ("律师事务所", "律师"):
                assert a["name"]
            if a["kind"] == "团队":
                assert 2 <= a["size"] <= 7
    # most reports plant an adviser, of several kinds; the planted facts are there
    assert sum(bool(p["advisers"]) for p in planted) >= N * 0.7
    assert len({a["kind"] for p in planted for a in p["advisers"]}) >= 4
    assert all(p["organisations"] and p["systems"] and p["laws"] and p["activities"] and p["figures"]
               for p in planted)


def test_same_seed_same_bytes_other_seed_other_text(tmp_path, sample):
    again = tmp_path / "again"
    corpus.generate(N, again, seed=SEED, year=2023)
    assert _digest(again) == _digest(sample)
    other = tmp_path / "other"
    corpus.generate(3, other, seed=SEED + 1, year=2023)
    first = sorted(other.rglob("*.txt"))[0].read_bytes()
    assert first != sorted(sample.rglob("*.txt"))[0].read_bytes()


def test_text_is_what_was_planted(sample, planted):
    for p in planted:
        raw = (sample / p["file"]).read_bytes()
        text = raw.decode(p["encoding"])
        assert len(text) == p["chars"]
        flat = text.replace("\r", "").replace("\n", "")
        assert p["township"] in flat and p["county"] in flat and "2023" in flat
        for a in p["advisers"]:
            if a.get("name"):
                assert a["name"] in flat
        if p["encoding"] == "gb18030":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
        else:
            raw.decode("utf-8")


def test_gb18030_and_broken_lines_as_promised(tmp_path):
    out = tmp_path / "c"
    totals = corpus.generate(200, out, seed=SEED, year=0)
    rows = [json.loads(line) for line in (out / "planted.jsonl").open(encoding="utf-8")]
    gb = [r for r in rows if r["encoding"] == "gb18030"]
    broken = [r for r in rows if r["broken_lines"]]
    assert 8 <= len(gb) <= 40 and 8 <= len(broken) <= 40
    assert len({r["year"] for r in rows}) >= 4                  # --year 0: mixed years
    assert 2800 <= totals["chars"] / 200 <= 4000                # ≈ 3,400 characters a report
    for r in broken[:5]:
        lines = [ln for ln in (out / r["file"]).read_bytes().decode(r["encoding"]).splitlines() if ln]
        body = [ln for ln in lines if len(ln) >= 20]
        assert len(body) > 40 and max(len(ln) for ln in body) <= 41
    for r in [r for r in rows if not r["broken_lines"]][:5]:
        lines = (out / r["file"]).read_bytes().decode(r["encoding"]).splitlines()
        assert max(len(ln) for ln in lines) > 100


def test_pipeline_finds_the_planted_facts(sample, planted):
    from kg.cli import process_file

    store = ox.Store()
    for p in planted:
        outcome = process_file(str(sample / p["file"]))
        assert outcome.error is None, outcome.error
        for graph, ntriples in outcome.graphs.items():
            store.load(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES,
                       to_graph=ox.NamedNode(graph))
    files = {p["file"].rsplit("/", 1)[-1] for p in planted}
    found_reports, found_advisers = check_planted.read_graph(store, files)
    res = check_planted.score(planted, found_reports, found_advisers)
    assert res["planted_reports"] == N
    assert res["reports"]["recall"] >= 0.99, res["report_misses"]
    assert res["advisers"]["f1"] >= 0.95, (res["adviser_misses"], res["adviser_extras"])
    assert res["advisers"]["tp"] >= 20


def test_checker_counts_misses_and_extras():
    planted = [{"file": "0000/a.txt", "township": "白石镇", "county": "清源县", "year": 2023,
                "advisers": [{"kind": "律师事务所", "name": "清源正信律师事务所"}, {"kind": "团队", "size": 5}]},
               {"file": "0000/b.txt", "township": "青山乡", "county": "清源县", "year": 2023, "advisers": []}]
    reports = {"a.txt": [{"file": "a.txt", "township": "白石镇", "county": "清源县", "year": 2023}],
               "b.txt": [{"file": "b.txt", "township": "青山乡", "county": None, "year": 2023}]}
    advisers = {"a.txt": [{"file": "a.txt", "township": "白石镇", "kind": "律师事务所", "name": "正信律师事务所", "size": None},
                          {"file": "a.txt", "township": "白石镇", "kind": "律师事务所", "name": "正信律师事务所", "size": None}],
                "b.txt": [{"file": "b.txt", "township": "青山乡", "kind": "未说明", "name": None, "size": None}]}
    res = check_planted.score(planted, reports, advisers)
    assert res["reports"]["recall"] == 0.5 and res["reports"]["county"] == 0.5
    adv = res["advisers"]
    assert (adv["tp"], adv["fp"], adv["fn"]) == (1, 2, 1)      # a second node for one firm is an extra
    assert check_planted.same_firm("续聘正信律师事务所", "正信律师事务所", ("清源县", "清源")) is False
