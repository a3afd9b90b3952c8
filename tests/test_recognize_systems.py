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
    keys = {m.key for m in found}
    assert keys == {"三项制度", "行政执法公示制度", "行政执法全过程记录制度",
                    "重大执法决定法制审核制度"}
    three = next(m for m in found if m.key == "三项制度")
    assert three.label == "三项制度" and "行政执法三项制度" in three.aliases
    record = next(m for m in found if m.key == "行政执法全过程记录制度")
    assert record.text == "执法全过程记录"


def test_variants_of_one_system_share_a_key():
    a = systems("完善法律顾问工作机制。")[0]
    b = systems("落实政府法律顾问制度。")[0]
    assert a.key == b.key == "法律顾问制度"


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


# ---------------------------------------------------------------- boundaries

def test_heading_number_is_not_part_of_a_name():
    assert labels("（三）值班巡查制度更加完善。") == {"值班巡查制度"}
    assert labels("二、信访接待制度落到实处。") == {"信访接待制度"}


def test_indefinite_quantity_ends_a_name():
    # 多项 counts the systems, 工作制度 alone is too vague to be one
    assert labels("先后出台多项工作制度，规范日常管理。") == set()
    assert labels("制定若干值班轮岗制度。") == {"值班轮岗制度"}


def test_governing_verbs_are_not_part_of_a_name():
    assert labels("固化村级事务联席审议机制，减少推诿。") == {"村级事务联席审议机制"}
    assert labels("为平安建设提供制度保障。") == set()
    assert labels("高标准编制乡级权力运行清单。") == {"乡级权力运行清单"}


def test_preposition_by_part_of_speech_ends_a_name():
    # 对照 is a preposition (jieba tag p), in no stop list: the name starts after it
    found = systems("对照矛盾纠纷分级化解机制查找不足。")
    assert [m.label for m in found] == ["矛盾纠纷分级化解机制"]
    assert found[0].rules == ["systems.head", "systems.stop-tag"]


def test_the_rule_that_ended_a_name_is_recorded():
    heading = systems("（三）值班巡查制度更加完善。")[0]
    assert heading.rules == ["systems.head", "systems.heading"]
    verb = systems("固化村级事务联席审议机制。")[0]
    assert verb.rules == ["systems.head", "systems.stop-word"]


@pytest.mark.parametrize("body", [
    "向群众讲解我国的根本制度、基本制度和重要制度。",
    "逐步形成常态化、长效化机制。",
])
def test_generic_adjectives_make_no_name(body):
    assert labels(body) == set()


def test_national_system_inside_a_longer_name_is_one_system():
    found = systems("严格落实“三重一大”议事决策制度，规范用权。")
    assert len(found) == 1
    assert found[0].label == "三重一大议事决策制度"
    assert "三重一大" in found[0].aliases


def test_prerequisite_procedure_and_named_model():
    assert labels("坚持公平竞争审查前置程序。") == {"公平竞争审查前置程序"}
    assert labels("推行“一网受理”服务模式，方便群众。") == {"一网受理服务模式"}
    # a quoted slogan followed by 模式 alone says how, it names nothing
    assert labels("实现“一站式”模式，方便群众。") == set()
    assert labels("探索新的基层治理模式。") == set()


def test_well_known_party_and_village_systems_without_a_head():
    assert labels("坚持“三会一课”，落实组织生活。") == {"三会一课"}
    assert labels("全面实行村支书、村主任“一肩挑”。") == {"一肩挑"}
    assert labels("对重点企业实行“一企一员”，上门服务。") == {"一企一员"}


def test_whole_name_patterns_are_searched_only_where_their_words_are():
    from ingest.recognize.systems import WholeNames, required_words

    assert required_words("(?:国家)?宪法(?:宣传)?日") == {"宪法"}
    assert required_words("(?:送法|普法)(?:进|下)(?:乡|村)") == {"送法", "普法"}
    assert required_words("专题述法|年度述法") == {"专题述法", "年度述法"}
    assert required_words("[一二][三四]") == set()      # no plain word: always searched
    names = WholeNames(("(?:国家)?宪法(?:宣传)?日", "[一二][三四]"))
    assert [m.group() for m in names.matches("开展国家宪法日活动")] == ["国家宪法日"]
    assert [m.group() for m in names.matches("落实一三规划")] == ["一三"]
    # the longest match first where two patterns start at one place
    both = WholeNames(("宪法日", "宪法日活动"))
    assert [m.group() for m in both.matches("宪法日活动")] == ["宪法日活动", "宪法日"]


def test_place_named_by_a_pronoun_is_not_part_of_a_name():
    # 我县 / 本镇 say where the clause happens; the system starts after them
    assert labels("及时修订我县首问负责制，方便群众办事。") == {"首问负责制"}
    assert labels("完善本镇值班巡查制度。") == {"值班巡查制度"}
    mention = next(m for m in systems("及时修订我县首问负责制，方便群众办事。"))
    assert "systems.deixis" in mention.rules
