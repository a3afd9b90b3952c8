"""Legal-adviser relations on small example sentences (written for the tests)."""
from __future__ import annotations

from ingest.pipeline import run_text

HEAD = "青石镇2023年法治政府建设工作报告\n"


def advisers(body: str):
    doc = run_text(HEAD + body, until="relate")
    return [r for r in doc.reports[0].relations if r.predicate == "legalAdvisor"]


def test_named_firm():
    rels = advisers("我镇聘请明远律师事务所律师作为政府法律顾问，全年审查合同20份。")
    assert len(rels) == 1
    rel = rels[0]
    assert rel.subject is None and rel.attrs["advisor_kind"] == "律师事务所"
    assert rel.obj.text == "明远律师事务所" and rel.obj.attrs["law_firm"] is True


def test_two_firms_two_relations():
    rels = advisers("镇政府签约明远律师事务所和正衡律师事务所提供法律顾问服务。")
    assert sorted(r.obj.text for r in rels) == sorted(["正衡律师事务所", "明远律师事务所"])


def test_unnamed_adviser_is_not_a_firm():
    rels = advisers("镇政府每年聘请法律顾问参与规范性文件审查。")
    assert len(rels) == 1
    a = rels[0].attrs
    assert rels[0].obj is None and a["advisor_kind"] == "未说明"
    assert a["target"].endswith("/青石镇/未说明") and a["label"] == "法律顾问（未说明）"


def test_team_with_size():
    rels = advisers("特别聘请了由6名律师组成的法律顾问团队，为重大决策提供意见。")
    assert [r.attrs["advisor_kind"] for r in rels] == ["团队"]
    assert rels[0].attrs["team_size"] == 6


def test_public_lawyers():
    rels = advisers("镇政府配备公职律师2名。")
    assert [r.attrs["advisor_kind"] for r in rels] == ["公职律师"]


def test_specific_adviser_replaces_unnamed_one():
    rels = advisers("聘请明远律师事务所为法律顾问。落实聘请法律顾问制度。")
    assert [r.attrs["advisor_kind"] for r in rels] == ["律师事务所"]


def test_village_advisers_and_invitations_are_not_the_townships():
    assert advisers("为各村聘请村居法律顾问。邀请法律顾问开展专题讲座。") == []


def test_firm_named_before_a_contract_verb():
    rels = advisers("与正衡律师事务所签订法律顾问服务合同，全年审查合同20份。")
    assert [(r.attrs["advisor_kind"], r.obj.text) for r in rels] == [("律师事务所", "正衡律师事务所")]
    assert advisers("与县司法局签订共建协议。") == []


def test_serving_without_a_verb_of_engaging():
    rels = advisers("由镇司法所公职律师担任政府法律顾问。")
    assert [r.attrs["advisor_kind"] for r in rels] == ["公职律师"]
    rels = advisers("由明远律师事务所律师担任镇政府常年法律顾问。")
    assert [(r.attrs["advisor_kind"], r.obj.text) for r in rels] == [("律师事务所", "明远律师事务所")]
    assert advisers("由村干部担任调解员。") == []
