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
    assert found[0].count == 80
    assert found[0].count_unit == "场次"
    assert found[0].count_approx == "more"


def test_counted_generic_meeting_is_an_activity():
    found = activities("每年年初召开一次专题会议部署法治工作。")
    assert [m.label for m in found] == ["专题会议"]


def test_constitution_day_has_canonical_label_and_date():
    found = activities("利用“12·4”宪法宣传日开展集中宣传。")
    day = next(m for m in found if m.key == "宪法宣传日")
    assert day.label == "宪法宣传日"
    assert day.date == "12-04"
    assert "国家宪法日" in day.aliases
    # 宪法 inside the day is not left as a separate law mention
    assert not [m for m in mentions("利用12月4日宪法宣传日开展宣传。") if m.type == LAW]


def test_national_security_day_and_numbered_campaign():
    found = activities("在4月15日全民国家安全教育日期间落实“八五”普法要求。")
    by_label = {m.label: m for m in found}
    assert by_label["国家安全教育日"].date == "04-15"
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


# ---------------------------------------------------------------- kinds of head

def test_meetings_held_or_counted_are_activities():
    found = {m.label: m for m in activities(
        "全年召开镇党组会6次、安全生产委员会会议2次，每月召开一次推进会。")}
    assert found["镇党组会"].count == 6
    assert found["安全生产委员会会议"].count == 2
    assert "推进会" in found


@pytest.mark.parametrize("body", [
    "认真学习贯彻省第十次党代会会议精神。",
    "及时传达学习上级重要会议和文件精神。",
    "学习总书记在全国政法工作会议上的重要讲话。",
])
def test_meetings_not_held_here_are_not_activities(body):
    assert labels(body) == set()


def test_study_forms_counted_or_held():
    assert labels("机关干部全年集中学习12次，周例会学法9次。") == {"集中学习", "周例会学法"}
    assert labels("组织党员干部开展专题学法。") == {"专题学法"}
    # 学法 and 学习 alone are verbs
    assert labels("推动领导干部带头学法用法，营造尊法学法氛围。") == set()
    assert labels("将民法典纳入专题学习内容。") == set()


def test_ceremony_show_exam_and_trial():
    assert labels("组织新任职干部举行宪法宣誓仪式。") == {"宪法宣誓仪式"}
    show = activities("举办法治文艺汇演2场。")
    assert [m.label for m in show] == ["法治文艺汇演"] and show[0].count == 2
    trial = activities("组织执法骨干旁听庭审3次。")
    assert [m.label for m in trial] == ["旁听庭审"] and trial[0].count == 3


def test_a_head_joined_after_another_shares_its_qualifier():
    assert labels("组织村组干部参加禁毒知识培训和考试。") == {"禁毒知识培训", "禁毒知识考试"}


def test_inspections_and_campaigns():
    assert labels("开展依法行政督查2次，完成法治建设督察。") == {"依法行政督查", "法治建设督察"}
    assert labels("联合交通部门开展联合执法行动15次。") == {"联合执法行动"}
    assert labels("稳步推进法治示范村创建，成效明显。") == {"法治示范村创建"}


def test_commemorative_days_have_dates():
    found = {m.label: m for m in activities("借助“三八”妇女节、全民国家安全日开展宣传。")}
    assert found["三八妇女节"].date == "03-08"
    assert found["国家安全教育日"].date == "04-15"


def test_party_day_and_annual_report_on_the_rule_of_law():
    assert labels("各支部开展主题党日活动4次。") == {"主题党日活动"}
    assert labels("村党组织书记全部完成年度述法。") == {"年度述法"}


# ---------------------------------------------------------------- boundaries

def test_indefinite_quantity_before_a_meeting():
    assert labels("全年召开多次镇长办公会议。") == {"镇长办公会议"}


def test_the_people_a_training_is_for_are_not_its_name():
    assert labels("组织镇干部、村两委成员消防安全培训3场。") == {"消防安全培训"}
    # what is left would name nothing: the whole stays
    assert labels("举办行政执法人员培训考试。") == {"行政执法人员培训考试"}
    # a meeting of people keeps them
    assert labels("召开机关干部职工会议。") == {"机关干部职工会议"}


def test_a_run_of_places_is_one_campaign():
    assert labels("开展法治讲堂进企业、进学校、进村组活动。") == {"法治讲堂进企业、进学校、进村组活动"}


def test_a_plan_is_not_the_study():
    assert labels("将宪法纳入党委理论学习中心组学习计划。") == set()


def test_a_head_alone_is_the_reports_one_named_activity():
    found = activities("召开法治政府建设专题会议研究部署。\n下半年再次召开专题会议。")
    assert {(m.key or m.label) for m in found} == {"法治政府建设专题会议"}


def test_a_date_stated_before_the_activity():
    found = activities("2023年3月15日，镇司法所举办消费者权益保护法治讲座。")
    lecture = next(m for m in found if m.label.endswith("讲座"))
    assert lecture.date == "2023-03-15"
    assert activities("开展法治讲座，5月起每月排查一次。")[0].date is None


def test_mentions_carry_the_rules_that_made_them():
    found = {m.label: m.rules for m in activities(
        "召开一次专题会议，组织镇干部、村两委成员消防安全培训。")}
    assert found["专题会议"][0] == "activities.head" and "activities.count-lead" in found["专题会议"]
    assert "activities.audience" in found["消防安全培训"]


def test_a_planned_study_or_an_inspection_in_passing_is_no_activity():
    assert labels("明年计划组织集中学法不少于8次。") == set()
    assert labels("日常考核督查的约束作用发挥不够。") == set()


def test_more_forms_of_the_genre():
    assert labels("班子成员召开专题民主生活会。") == {"专题民主生活会"}
    assert labels("组织新任职干部进行宪法宣誓。") == {"宪法宣誓"}
    assert labels("组织干部职工观摩庭审2次。") == {"观摩庭审"}
    assert labels("开展人居环境集中整治。") == {"人居环境集中整治"}
    assert labels("开展燃气安全专项检查3次。") == {"燃气安全专项检查"}


def test_verbs_that_lead_people_or_pass_on_words_end_a_name():
    found = activities("镇长带领干部职工开展消防安全演练。")
    assert [m.label for m in found] == ["消防安全演练"]
    assert labels("及时传达学习全县安全生产会议精神。") == set()


def test_a_count_written_before_the_name():
    found = activities("全年共召开12次党政联席会议。")
    assert [m.label for m in found] == ["党政联席会议"]
    assert found[0].count == 12 and found[0].count_unit == "次"
    once = activities("每季度召开一次专题会议。")[0]
    assert once.count == 1
