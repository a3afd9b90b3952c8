"""Rule ids: declared in data/lexicons/, checked loudly, recorded on mentions."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest import lexicon, rules
from ingest.pipeline import run_text
from kg.model import LAW

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lexdir(tmp_path, monkeypatch):
    """A private data/lexicons/ for the registry (the cache is emptied around it)."""
    monkeypatch.setattr(rules, "lexicon_dir", lambda: tmp_path)
    rules.registry.cache_clear()
    yield tmp_path
    rules.registry.cache_clear()


def test_a_declaration_gives_id_kind_description_and_its_section(lexdir):
    (lexdir / "demo-patterns.txt").write_text(
        "# a demo\n[heads]\n@rule demo.head create a name ending in a head word\n所\n站\n"
        "[other]\n@rule demo.cut-verb trim a verb before a name is cut off\n", encoding="utf-8")
    reg = rules.registry()
    assert set(reg) == {"demo.head", "demo.cut-verb"}
    head = reg["demo.head"]
    assert (head.kind, head.file, head.line, head.section) == ("create", "demo-patterns.txt", 3, "heads")
    assert head.description == "a name ending in a head word"
    assert reg["demo.cut-verb"].kind == "trim"


def test_a_duplicate_id_fails_with_both_places(lexdir):
    (lexdir / "demo-a.txt").write_text("@rule demo.x create one\n", encoding="utf-8")
    (lexdir / "demo-b.txt").write_text("\n\n@rule demo.x create two\n", encoding="utf-8")
    with pytest.raises(rules.RuleError, match=r"demo-b\.txt:3: rule id 'demo\.x' is declared twice "
                                              r"\(first at data/lexicons/demo-a\.txt:1\)"):
        rules.registry()


@pytest.mark.parametrize("line, message", [
    ("@rule demo.x make a thing", r"demo-a\.txt:2: rule 'demo\.x' has kind 'make'"),
    ("@rule other.x create a thing", r"demo-a\.txt:2: rule id 'other\.x' must start with 'demo\.'"),
    ("@rule Demo_X create a thing", r"demo-a\.txt:2: 'Demo_X' is not a rule id"),
    ("@rule demo.x create", r"demo-a\.txt:2: a rule needs an id, a kind"),
    ("@rules demo.x create a thing", r"demo-a\.txt:2: unknown directive '@rules'"),
])
def test_a_malformed_declaration_fails_with_file_and_line(lexdir, line, message):
    (lexdir / "demo-a.txt").write_text(f"[s]\n{line}\n", encoding="utf-8")
    with pytest.raises(rules.RuleError, match=message):
        rules.registry()


def test_an_undeclared_id_fails_naming_the_callers_file_and_line():
    with pytest.raises(rules.RuleError) as err:
        rules.rule("laws.no-such-rule")
    assert re.search(r"test_rules\.py:\d+: unknown rule id 'laws\.no-such-rule'", str(err.value))


def test_directive_lines_are_no_entries_and_a_regex_is_no_header(tmp_path, monkeypatch):
    monkeypatch.setattr(lexicon, "lexicon_dir", lambda: tmp_path)
    (tmp_path / "demo-x.txt").write_text(
        "[a]\n@rule demo.a create a\n[“\"]?甲[”\"]?\n乙  # a comment\n", encoding="utf-8")
    try:
        assert lexicon.sections("demo-x.txt") == {"": (), "a": ("[“\"]?甲[”\"]?", "乙")}
        assert lexicon.lines("demo-x.txt") == ("[a]", "[“\"]?甲[”\"]?", "乙  # a comment")
    finally:
        lexicon.sections.cache_clear()
        lexicon.lines.cache_clear()


def test_every_declared_rule_is_used_by_the_code():
    """A declared id nobody records is a rule eval --rules could never score."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "ingest").rglob("*.py"))
    unused = [r for r in rules.registry() if f'"{r}"' not in code]
    assert not unused, f"declared in data/lexicons/ but never used in ingest/: {unused}"


def test_law_mentions_carry_the_rule_that_made_them():
    doc = run_text("石桥镇人民政府2024年度法治政府建设情况的报告\n"
                   "我镇组织干部学习《中华人民共和国行政处罚法》，宣传宪法，"
                   "印发“乡村振兴法治保障工作要点”，制定2024年普法依法治理工作要点。\n")
    made = {m.label: m.rules for m in doc.reports[0].mentions if m.type == LAW}
    assert made["中华人民共和国行政处罚法"] == ["laws.title"]
    assert made["宪法"] == ["laws.bare"]
    assert made["乡村振兴法治保障工作要点"] == ["laws.quoted"]
    assert made["2024年普法依法治理工作要点"] == ["laws.named"]


def test_mark_appends_each_id_once():
    from kg.model import Mention

    m = Mention(type=LAW, text="x", label="x", start=0, end=1, sentence=0, rules=["laws.title"])
    rules.mark(m, "laws.title", "laws.named")
    assert m.rules == ["laws.title", "laws.named"]


def test_person_mentions_carry_the_rule_that_made_them():
    doc = run_text("石桥镇人民政府2024年度法治政府建设情况的报告\n"
                   "成立领导小组，党委书记刘明远为组长，镇长陈思为副组长。\n")
    made = {m.label: m.rules for m in doc.reports[0].mentions if m.source == "persons"}
    assert made == {"刘明远": ["persons.after-post"], "陈思": ["persons.after-post"]}


def test_figures_carry_the_rules_that_made_and_named_them():
    doc = run_text("石桥镇人民政府2024年度法治政府建设情况的报告\n"
                   "全年开展法治讲座5场、2000人次，石桥镇共公开政务信息20条。"
                   "组织学法考试2场，参加人员120人，参考率和合格率均达100%。\n")
    made = {(i.metric, i.unit): i.rules for i in doc.reports[0].indicators}
    assert made[("开展法治讲座", "场")] == ["figures.count"]
    assert made[("开展法治讲座", "人次")] == ["figures.count", "figures.list-shared"]
    assert made[("公开政务信息", "条")] == ["figures.count", "figures.place"]
    assert made[("组织学法考试参加人员", "人")] == ["figures.count", "figures.dependent"]
    assert made[("参考率", "%")] == made[("合格率", "%")] == ["figures.count", "figures.rate-pair"]
