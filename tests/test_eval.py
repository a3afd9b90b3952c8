"""``kg.evaluate`` on the bundled seed reports, against their gold keys.

The scores of seeds, dev and dev2 are guarded against the figures of
docs/extraction.md by tests/test_extraction_guard.py; here only what the
bundled reports must always give (every report found, the law-firm
advisers) and the matching itself.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import pipeline
from kg.evaluate import Tally, evaluate, forms, norm, render
from kg.paths import data_dir
from kg.store import open_store

GOLD = Path(__file__).parent / "gold"


@pytest.fixture(scope="module")
def seed_store():
    store = open_store("memory:")
    store.ensure_ontology()
    for path in sorted((data_dir() / "reports").glob("*.txt")):
        doc = pipeline.run(path)
        store.replace(path.stem, doc.graphs)
    yield store
    store.close()


@pytest.fixture(scope="module")
def parts(seed_store):
    return evaluate(seed_store, [GOLD])


def test_reports_are_all_found(parts):
    assert parts["reports"].prf()[2] == 1.0, render(parts, details=True)


def test_law_firm_advisers(parts):
    assert parts["law-firm advisers"].prf()[2] == 1.0, render(parts, details=True)


def test_matching_rules():
    assert norm("《中华人民共和国 宪法》") == "中华人民共和国宪法"
    assert "宪法" in forms("中华人民共和国宪法", [])
    assert "法治政府建设实施纲要" in forms("法治政府建设实施纲要（2021-2025年）", [])
    assert "人民政府" in forms("云阳县江口镇人民政府", ["江口镇", "云阳县"])
    t = Tally(tp=3, fp=1, fn=1)
    assert t.prf() == (0.75, 0.75, 0.75)


def test_a_missing_entity_and_an_extra_are_listed(tmp_path, seed_store):
    key = json.loads((GOLD / "001_9bc7d885d2e118ff.json").read_text(encoding="utf-8"))
    key["reports"][0]["entities"].append(
        {"type": "机构", "name": "不存在的测试机构", "aliases": [], "optional": False})
    key["reports"][0]["entities"] = [e for e in key["reports"][0]["entities"]
                                     if e["name"] != "龙脊律师事务所"]
    (tmp_path / "001_9bc7d885d2e118ff.json").write_text(json.dumps(key, ensure_ascii=False),
                                                       encoding="utf-8")
    parts = evaluate(seed_store, [tmp_path])
    assert any("不存在的测试机构" in m for m in parts["机构"].misses)
    assert any("龙脊律师事务所" in e for e in parts["机构"].extras)


def test_eval_command_prints_the_table(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    store = tmp_path / "store"
    runner = CliRunner()
    reports = sorted((data_dir() / "reports").glob("*.txt"))[:2]
    res = runner.invoke(cli, ["ingest", "--store", str(store), *map(str, reports)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "scores.json"
    res = runner.invoke(cli, ["eval", "--store", str(store), "--json", str(out),
                              str(GOLD / f"{reports[0].stem}.json")])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0].split() == ["part", "P", "R", "F1", "tp", "fp", "fn"]
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert scores["reports"]["f1"] == 1.0
    res = runner.invoke(cli, ["eval", "--store", str(store), str(tmp_path / "nothing")])
    assert res.exit_code == 1 and "no such gold file" in res.output
