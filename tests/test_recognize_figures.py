"""Figures: numbers with units become Indicators with a metric named from
their context; dates, names, rules, targets and plans do not."""
from __future__ import annotations

import pytest

from ingest.pipeline import run_text
from kg.model import Indicator

TITLE = "青石镇2023年法治政府建设工作报告\n"


def figures(body: str) -> list[Indicator]:
    doc = run_text(TITLE + body, until="recognise")
    return [i for rep in doc.reports for i in rep.indicators]


def one(body: str) -> Indicator:
    found = figures(body)
    assert len(found) == 1, [(i.metric, i.value, i.unit) for i in found]
    return found[0]


def test_value_unit_and_metric_from_the_words_before():
    ind = one("一、主要举措和成效\n全年共调处各类矛盾纠纷86起。")
    assert (ind.value, ind.unit, ind.approx) == (86, "起", None)
    assert "矛盾纠纷" in ind.metric and "全年" not in ind.metric and "共" not in ind.metric
    assert ind.raw == "86"
    assert ind.text.endswith("86起")


def test_offsets_point_at_the_number_in_the_document_text():
    doc = run_text(TITLE + "一、主要举措和成效\n全年办理法律援助案件13件。", until="recognise")
    ind = doc.reports[0].indicators[0]
    assert doc.text[ind.start:ind.end] == "13件"


@pytest.mark.parametrize("body, value, unit, approx", [
    ("开展普法讲座20余场。", 20, "场", "more"),
    ("接待群众咨询300多人次。", 300, "人次", "more"),
    ("参加培训的干部达150人以上。", 150, "人", "more"),
    ("涉及金额约80万元。", 800000, "元", "about"),
    ("挽回经济损失45万元左右。", 450000, "元", "about"),
    ("组织集中学法不少于6次。", 6, "次", "atleast"),
    ("每年支付法律顾问费用逾8万元。", 80000, "元", "more"),
])
def test_approximations(body, value, unit, approx):
    ind = one("一、主要举措和成效\n" + body)
    assert (ind.value, ind.unit, ind.approx) == (value, unit, approx)


def test_wan_is_converted_to_base_units():
    found = figures("一、主要举措和成效\n发放宣传册1.2万余份，宣传群众2.5万人次，"
                    "追回欠薪1495.85万元，完成投资1000余万元。")
    got = [(i.value, i.unit, i.approx, i.raw) for i in found]
    assert got == [(12000, "份", "more", "1.2万"), (25000, "人次", None, "2.5万"),
                   (14958500, "元", None, "1495.85万"), (10000000, "元", "more", "1000万")]


def test_chinese_numerals():
    found = figures("一、主要举措和成效\n目前持证执法人员共计十二人，开展巡回讲座两次，"
                    "化解积案一百余件。")
    assert [(i.value, i.unit, i.approx, i.raw) for i in found] == [
        (12, "人", None, "十二"), (2, "次", None, "两"), (100, "件", "more", "一百")]
    assert "持证" in found[0].metric


def test_percentages_and_rates_that_share_a_figure():
    found = figures("一、主要举措和成效\n组织普法考试3场，合格率达100%；"
                    "网上学法参学率和考试合格率均达98.5%。")
    assert [(i.value, i.unit) for i in found] == [(3, "场"), (100, "%"), (98.5, "%"), (98.5, "%")]
    # A bare rate takes what it rates from the figure before it.
    assert "考试" in found[1].metric and found[1].metric.endswith("合格率")
    assert "参学率" in found[2].metric and found[3].metric.endswith("考试合格率")


def test_list_items_each_get_their_own_metric():
    found = figures("一、主要举措和成效\n全年新增经营主体860个，其中企业310个，个体工商户550个。")
    assert [(i.metric, i.value) for i in found] == [
        ("新增经营主体", 860), ("企业", 310), ("个体工商户", 550)]


def test_metric_across_a_list_of_activities():
    ind = one("一、主要举措和成效\n法律顾问开展法治培训、专题讲座4次。")
    assert "培训" in ind.metric and "讲座" in ind.metric


def test_metric_from_the_noun_after_the_number():
    found = figures("一、主要举措和成效\n全年开展6次集中学习，设立3个调解室、2个工作站，"
                    "42名网格员均完成业务培训。")
    metrics = [i.metric for i in found]
    assert "集中学习" in metrics[0]
    assert "调解室" in metrics[1] and "工作站" in metrics[2] and "设立" in metrics[2]
    assert "网格员" in metrics[3] and found[3].unit == "名" and found[3].value == 42


def test_two_figures_of_one_thing_share_the_metric():
    found = figures("一、主要举措和成效\n调解室共接待来访230件/410人次。")
    assert [(i.value, i.unit) for i in found] == [(230, "件"), (410, "人次")]
    assert all("接待来访" in i.metric for i in found)


def test_dependent_metric_takes_its_subject_from_an_earlier_clause():
    ind = one("一、主要举措和成效\n举办执法人员轮训班，参加人员260多人次。")
    assert "轮训" in ind.metric and ind.value == 260


@pytest.mark.parametrize("body", [
    "2023年12月4日，在镇文化广场开展宪法宣传活动。",            # dates
    "根据《法治政府建设实施纲要（2021-2025年）》（县府发〔2023〕3号）要求开展工作。",
    "（二）强化执法监督。1.规范执法行为。一是严格审核。",          # list numbers
    "第3次专题会议研究部署普法工作。",                              # ordinal
    "深入学习党的二十大精神，扎实开展八五普法，严格落实“141”体系。",  # names
    "全面落实行政执法三项制度，推行三位一体培训模式，增强“四个意识”。",
    "主要表现在以下三个方面。",                                     # enumeration
    "每次执法须有2人以上在场，每季度召开1次专题会议。",              # rules
    "行政复议决定在3日内作出。",
    "力争群众满意率达到95%以上的目标。",                           # target
    "联系电话0731-5551234，索引号11500230/2023-00004。",           # numbers as ids
    "召开两三次座谈会，参与群众数十人。",                          # guesses
    "组织10至20人参加旁听。",                                      # a range
    "推行“一窗受理”，做到最多跑一次。",                           # 一 as an idiom
    "实行7×24小时值班制度。",                                       # service hours
    "对违法行为处500元以上1000元以下罚款。",                       # legal limits
    "严守十个严禁，推进两项改革，强化六项措施。",                   # slogans
])
def test_not_figures(body):
    assert figures("一、主要举措和成效\n" + body) == []


def test_plans_part_gives_only_what_is_already_done():
    found = figures("一、主要举措和成效\n开展普法活动12场。\n"
                    "四、2024年工作安排\n力争全年开展法治宣传30场，计划培训干部100人次。"
                    "目前已有8名干部取得执法证。")
    assert [(i.value, i.unit) for i in found] == [(12, "场"), (8, "名")]


def test_plans_heading_without_a_year():
    found = figures("一、主要举措和成效\n开展普法活动12场。\n三、下步打算\n开展法治讲座10场。")
    assert [(i.value, i.unit) for i in found] == [(12, "场")]


def test_a_short_note_in_brackets_stays_in_the_counted_noun():
    ind = one("一、主要举措和成效\n全镇19个村（社区）均配备法律顾问。")
    assert "法律顾问" in ind.metric and ind.value == 19


def test_chinese_numeral_counts_when_the_clause_reports_a_result():
    found = figures("一、主要举措和成效\n在三个派出所分别设立了调解室，完成四项改革任务。")
    assert [(i.value, i.unit) for i in found] == [(3, "个"), (4, "项")]
    assert "派出所" in found[0].metric


def test_zero_in_words_is_left_out():
    assert figures("一、主要举措和成效\n全年未发生行政诉讼败诉案件，无行政复议纠错。") == []


def test_clause_bounds_are_the_marks_around_the_figure():
    from ingest.recognize.figures import _clause_bounds

    text = "全年调处纠纷56起，调解成功率98%；（含简易程序）共计12件"
    i = text.index("98")
    assert text[slice(*_clause_bounds(text, i, i + 3))] == "调解成功率98%"
    assert _clause_bounds(text, 0, 2) == (0, text.index("，"))
    assert _clause_bounds(text, len(text) - 2, len(text)) == (text.index("）") + 1, len(text))
    assert _clause_bounds("12件", 0, 2) == (0, 3)
