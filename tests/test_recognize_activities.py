"""活动 recogniser: named and counted activities, days with dates, generic words."""
from __future__ import annotations

import pytest

from ingest.pipeline import run_text
from kg.model import ACTIVITY, LAW

TITLE = "青石镇2023年法治政府建设工作报告\n"


def mentions(body: str) -> list:
    doc = run_text(TITLE + body, until="recognise")
    return [m for rep in doc.reports for m in rep.mentions]


def activities(body: str) -> list:
    return [m for m in mentions(body) if m.type == ACTIVITY]


def labels(body: str) -> set[str]:
    return {m.label for m in activities(body)}


def test_named_training_and_lecture():
    assert labels("组织开展安全生产知识培训，邀请律师举办法治讲座。") == {
        "安全生产知识培训", "法治讲座"}


def test_count_after_the_name():
    found = activities("全年开展法治宣讲80余场次，覆盖群众5000人次。")
    assert [m.label for m in found] == ["法治宣讲"]
    assert found[0].attrs["count"] == 80
    assert found[0].attrs["count_unit"] == "场次"
    assert found[0].attrs["count_approx"] == "more"


def test_counted_generic_meeting_is_an_activity():
    found = activities("每年年初召开一次专题会议部署法治工作。")
    assert [m.label for m in found] == ["专题会议"]


def test_constitution_day_has_canonical_label_and_date():
    found = activities("利用“12·4”宪法宣传日开展集中宣传。")
    day = next(m for m in found if m.attrs.get("key") == "宪法宣传日")
    assert day.label == "宪法宣传日"
    assert day.attrs["date"] == "12-04"
    assert "国家宪法日" in day.aliases
    # 宪法 inside the day is not left as a separate law mention
    assert not [m for m in mentions("利用12月4日宪法宣传日开展宣传。") if m.type == LAW]


def test_national_security_day_and_numbered_campaign():
    found = activities("在4月15日全民国家安全教育日期间落实“八五”普法要求。")
    by_label = {m.label: m for m in found}
    assert by_label["国家安全教育日"].attrs["date"] == "04-15"
    assert "八五普法" in by_label


def test_campaign_with_quoted_name():
    assert labels("深入开展“清源护水”专项行动。") == {"清源护水专项行动"}


def test_joined_short_subjects_stay_one_name():
    assert labels("举办村干部、网格员培训班。") == {"村干部、网格员培训班"}


def test_lists_of_activities_are_split():
    assert labels("开展法治培训、专题讲座、法治游园会。") == {"法治培训", "法治游园会"}


@pytest.mark.parametrize("body", [
    "加强学习，积极宣传，定期培训。",
    "以自学与集中培训结合。",
    "开展各类宣传活动。",
    "对调查、取证、送达等执法活动进行记录。",
])
def test_generic_words_are_not_activities(body):
    assert labels(body) == set()


def test_the_unit_holding_an_event_is_not_part_of_its_name():
    found = mentions("班子成员参加县普法办集中普法考试，组织干部参加县委党校法治专题培训班。")
    assert {m.label for m in found if m.type == ACTIVITY} == {"集中普法考试", "法治专题培训班"}
    assert {"县普法办", "县委党校"} <= {m.text for m in found if m.type == "机构"}


def test_a_bodys_own_meeting_keeps_the_body():
    found = labels("召开镇党委专题会议研究法治建设，镇党委理论学习中心组学习4次。")
    assert found == {"镇党委专题会议", "镇党委理论学习中心组学习"}


def test_campaign_named_in_quotes_before_theme():
    assert labels("开展“美好生活·民法典相伴”主题宣传活动，开展“宪法进万家”主题活动。") == {
        "美好生活·民法典相伴主题宣传活动", "宪法进万家主题活动"}
    assert labels("开展以宪法为主题的宣传活动。") == set()      # 主题 alone still stops
