"""制度 recogniser: names from head words, lists, 三项制度, typos, vague words."""
from __future__ import annotations

import pytest

from ingest.pipeline import run_text
from kg.model import SYSTEM

TITLE = "青石镇2023年法治政府建设工作报告\n"


def systems(body: str) -> list:
    doc = run_text(TITLE + body, until="recognise")
    return [m for rep in doc.reports for m in rep.mentions if m.type == SYSTEM]


def labels(body: str) -> set[str]:
    return {m.label for m in systems(body)}


def test_name_is_tight_without_verbs():
    assert labels("我镇严格执行周巡查制度，及时发现问题。") == {"周巡查制度"}


def test_mechanism_and_quoted_name():
    found = systems("充分运用好“一事一议”协商机制，化解争议。")
    assert [m.label for m in found] == ["一事一议协商机制"]
    assert found[0].text.startswith("“")


def test_list_sharing_the_head_gives_its_members():
    got = labels("健全行政执法登记立案、回避、集体讨论决定等制度。")
    assert got == {"行政执法登记立案制度", "回避制度", "集体讨论决定制度"}
    member = next(m for m in systems("健全登记立案、回避等制度。") if m.label == "回避制度")
    assert "回避" in member.aliases


def test_three_systems_and_members():
    found = systems("全面落实行政执法“三项制度”，推行执法信息公示制度、"
                    "执法全过程记录、重大执法决定法制审核制度。")
    keys = {m.attrs["key"] for m in found}
    assert keys == {"三项制度", "行政执法公示制度", "行政执法全过程记录制度",
                    "重大执法决定法制审核制度"}
    three = next(m for m in found if m.attrs["key"] == "三项制度")
    assert three.label == "三项制度" and "行政执法三项制度" in three.aliases
    record = next(m for m in found if m.attrs["key"] == "行政执法全过程记录制度")
    assert record.text == "执法全过程记录"


def test_variants_of_one_system_share_a_key():
    a = systems("完善法律顾问工作机制。")[0]
    b = systems("落实政府法律顾问制度。")[0]
    assert a.attrs["key"] == b.attrs["key"] == "法律顾问制度"


def test_typo_in_the_head_is_mended_and_kept_as_alias():
    found = systems("严格执行“三项治度”，推进工作落实。")
    assert [m.label for m in found] == ["三项制度"]
    assert "三项治度" in found[0].aliases
    found = systems("把行政执法责任制纳入岗位目标责任治的内容。")
    assert {m.label for m in found} == {"行政执法责任制", "岗位目标责任制"}


def test_lists_and_responsibility_systems():
    assert labels("落实“零审批”事项清单。") == {"零审批事项清单"}
    assert labels("全面推行河长制。") == {"河长制"}
    assert labels("完善法律顾问聘请、履职和考核机制。") == {"法律顾问聘请、履职和考核机制"}


@pytest.mark.parametrize("body", [
    "建立完善工作制度。",
    "完善相关制度。",
    "保证依法行政制度有效运行。",
    "完善依法行政长效机制。",
    "各项决策均履行了法定程序。",
    "清单之外一律不得收费。",
])
def test_vague_phrases_are_left_out(body):
    assert labels(body) == set()


def test_names_in_document_titles_are_not_systems():
    assert labels("学习《重大行政决策程序暂行条例》。") == set()


def test_service_rules_named_by_their_own_kind_of_system():
    assert labels("实行首问负责制、限时办结制、一次性告知制，落实服务承诺制和责任追究制。") == {
        "首问负责制", "限时办结制", "一次性告知制", "服务承诺制", "责任追究制"}
    assert labels("严格落实负责制。") == set()          # the kind alone names nothing
    assert labels("实行首问负责制、一次性告知制度、限时办结制度。") == {
        "首问负责制", "一次性告知制度", "限时办结制度"}   # …制度 keeps its 度
