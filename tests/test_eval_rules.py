"""``fazhi-kg eval --rules``: each rule's gold entities found and extras made."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.evaluate_rules import build, render, score

# A report written for this test: one law in book-title marks (in the key),
# one quoted working document (not in the key: an extra), one bare law name
# (optional in the key: neither).
REPORT = ("石桥镇人民政府关于2024年度法治政府建设情况的报告\n"
          "2024年，石桥镇认真学习《中华人民共和国行政处罚法》，"
          "印发“乡村治理法治保障工作要点”，广泛宣传宪法。\n")
KEY = {"file": "s01.txt", "reports": [{
    "township": "石桥镇", "county": None, "year": 2024,
    "entities": [
        {"type": "法律", "name": "中华人民共和国行政处罚法", "aliases": [], "optional": False},
        {"type": "法律", "name": "宪法", "aliases": [], "optional": True},
        {"type": "法律", "name": "中华人民共和国民法典", "aliases": [], "optional": False},
    ]}]}


@pytest.fixture
def sets(tmp_path):
    reports, gold = tmp_path / "reports", tmp_path / "gold"
    reports.mkdir()
    gold.mkdir()
    (reports / "s01.txt").write_text(REPORT, encoding="utf-8")
    (gold / "s01.json").write_text(json.dumps(KEY, ensure_ascii=False), encoding="utf-8")
    return reports, gold


def _row(rows, rid):
    return next(r for r in rows if r.rule == rid)


def test_each_rule_is_credited_with_the_fate_of_what_it_made(sets):
    reports, gold = sets
    built = build([reports], say=lambda line: None)
    try:
        parts, rows = score(built, [gold])
    finally:
        built.store.close()
    assert (parts["法律"].tp, parts["法律"].fp, parts["法律"].fn) == (1, 1, 1)
    title, quoted, bare = _row(rows, "laws.title"), _row(rows, "laws.quoted"), _row(rows, "laws.bare")
    assert (title.hits, title.extras, title.other) == (1, 0, 0)
    assert (quoted.hits, quoted.extras) == (0, 1) and quoted.worse
    assert (bare.hits, bare.extras, bare.other) == (0, 0, 1)
    assert title.parts == {"法律"} and title.kind == "create"
    # every declared rule has a row, made something or not
    assert _row(rows, "laws.named").hits == 0
    assert quoted.extra_names == ["s01:乡村治理法治保障工作要点"] and title.extra_names == []
    assert "extras: s01:乡村治理法治保障工作要点" in render(rows, details=True)
    text = render(rows)
    assert "     extras: " not in text
    assert "! laws.quoted" in text and "  laws.title" in text
    last = text.splitlines()[-1]
    assert last.startswith("! more extras than hits") and "laws.quoted" in last and "laws.title" not in last


def test_the_command_prints_both_tables_and_writes_json(sets, tmp_path):
    reports, gold = sets
    out = tmp_path / "scores.json"
    res = CliRunner().invoke(cli, ["eval", "--rules", "--reports", str(reports), "--json", str(out), str(gold)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split() == ["part", "P", "R", "F1", "tp", "fp", "fn"]
    head = next(line for line in lines if line.strip().startswith("rule"))
    assert head.split()[:5] == ["rule", "kind", "hits", "extras", "other"]
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert scores["法律"]["tp"] == 1
    by_id = {r["rule"]: r for r in scores["rules"]}
    assert by_id["laws.title"]["hits"] == 1 and by_id["laws.quoted"]["extras"] == 1
    assert [r["rule"] for r in scores["rules"]] == sorted(by_id, key=lambda r: (r.startswith("("), r))


def test_reports_without_rules_score_in_process_like_a_store(sets, tmp_path):
    reports, gold = sets
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "--store", str(store), str(reports)]).exit_code == 0
    stored = runner.invoke(cli, ["eval", "--store", str(store), str(gold)])
    fresh = runner.invoke(cli, ["eval", "--reports", str(reports), str(gold)])
    assert stored.exit_code == fresh.exit_code == 0
    assert stored.output == fresh.output


@pytest.mark.parametrize("args, message", [
    (["--rules"], "--rules needs the reports themselves"),
    (["--rules", "--reports", "R", "--store", "memory:"], "not both"),
])
def test_wrong_combinations_are_one_clear_line(sets, args, message):
    reports, gold = sets
    args = [str(reports) if a == "R" else a for a in args]
    res = CliRunner().invoke(cli, ["eval", *args, str(gold)])
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output


def test_a_folder_without_reports_is_one_clear_line(tmp_path, sets):
    _, gold = sets
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(cli, ["eval", "--rules", "--reports", str(empty), str(gold)])
    assert res.exit_code == 1 and "no report files found" in res.output
