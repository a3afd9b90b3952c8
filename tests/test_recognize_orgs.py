"""The 机构 recogniser on small example sentences (written for the tests)."""
from __future__ import annotations

from ingest.pipeline import run_text

HEAD = "青石镇2023年法治政府建设工作报告\n"


def orgs(body: str, head: str = HEAD):
    doc = run_text(head + body, until="relate")
    return [m for m in doc.reports[0].mentions if m.type == "机构"]


def by_text(body: str, head: str = HEAD):
    return {m.text: m for m in orgs(body, head)}


def test_law_firm_boundaries_and_identity():
    found = by_text("我镇聘请明远律师事务所律师作为政府法律顾问。")
    assert "明远律师事务所" in found
    assert not any(t.startswith(("我镇", "聘请")) for t in found)
    firm = found["明远律师事务所"]
    assert firm.subtype == "律师事务所"
    assert firm.scope == "shared" and firm.key == "明远律师事务所"
    assert firm.law_firm is True


def test_bare_law_firm_is_not_one_firm():
    assert "律师事务所" not in by_text("引入律师事务所力量参与纠纷调解。")


def test_party_committee_variants_share_a_key():
    found = by_text("中共青石镇委员会高度重视。镇党委召开会议。青石镇党委、政府部署工作。")
    keys = {t: m.key for t, m in found.items()}
    assert keys["中共青石镇委员会"] == keys["镇党委"] == keys["青石镇党委"] == "党委"
    assert keys["政府"] == "人民政府"       # shares 青石镇 with the 党委 before it
    assert all(m.scope == "local" for m in found.values())


def test_government_and_county_bodies():
    found = by_text("在县委、县政府的领导下，配合县法院审理案件。", head="青石镇2023年法治政府建设工作报告\n")
    m = found["县委"]
    assert (m.scope, m.key, m.nested, m.county) == ("county", "县委", True, None)
    assert found["县政府"].key == "县人民政府"
    assert found["县法院"].subtype == "法院" and found["县法院"].scope == "county"


def test_quality_of_government_is_not_a_body():
    assert by_text("加快建设法治政府和数字政府，接受上级党委政府监督。") == {}


def test_kinds_of_people_are_not_organisations():
    assert by_text("邀请人大代表、政协委员和执法人员、网格员参加。") == {}


def test_units_cut_at_verbs():
    found = by_text("依托镇综合执法大队开展巡查，由司法所牵头。")
    assert set(found) == {"镇综合执法大队", "司法所"}
    assert found["镇综合执法大队"].subtype == "执法机构"
    assert found["司法所"].key == "司法所"


def test_leading_group_named_with_and():
    found = by_text("成立林地保护和草原防火专项整治工作领导小组，定期研究。")
    assert "林地保护和草原防火专项整治工作领导小组" in found
    assert found["林地保护和草原防火专项整治工作领导小组"].subtype == "领导小组"


def test_room_inside_a_unit_is_one_org():
    found = by_text("设立驻派出所调解室1个。")
    assert set(found) == {"驻派出所调解室"}
    assert found["驻派出所调解室"].subtype == "调解组织"


def test_slogans_and_websites_are_not_units():
    assert by_text("推行马上办、网上办、就近办，在县政府门户网站公开。").keys() <= {"县政府"}


def test_yifazhi_office_key():
    found = by_text("县委全面依法治县委员会办公室开展督察，县依法治县办予以通报。")
    keys = {m.key for m in found.values()}
    assert keys == {"依法治县办"}
    assert all(m.scope == "county" for m in found.values())


def test_law_firm_trade_names_jieba_tags_as_verbs_or_cuts() -> None:
    # 大成/远航 are verbs to jieba, 至诚 an adverb; 和信 and 立本 are cut in two
    for firm in ("大成律师事务所", "远航律师事务所", "至诚律师事务所", "和信律师事务所",
                 "立本律师事务所"):
        assert firm in by_text(f"我镇聘请{firm}律师担任政府法律顾问。"), firm
    assert "北京市大成律师事务所" in by_text("聘请北京市大成律师事务所律师担任法律顾问。")
    # the walk still stops at verbs of engaging and particles
    assert set(by_text("续聘正信律师事务所为镇政府法律顾问。")) >= {"正信律师事务所"}
    assert not any(t.startswith("续聘") for t in by_text("续聘正信律师事务所为镇政府法律顾问。"))
    assert not any("律师事务所" in t for t in by_text("镇政府聘请的律师事务所律师参与调解。"))


def test_law_firm_trade_names_jieba_takes_for_places_or_glues_to_a_preposition() -> None:
    # 衡平 and 海纳 are place names to jieba; an unknown name after 与 is glued to it
    for firm in ("衡平律师事务所", "海纳律师事务所"):
        assert firm in by_text(f"本镇常年聘请{firm}作为政府法律顾问单位。"), firm
    found = by_text("与兰青尚德律师事务所签订法律顾问服务合同。")
    assert "兰青尚德律师事务所" in found and not any(t.startswith("与") for t in found)
    # a place alone before the kind word is still no firm
    assert not any("律师事务所" in t for t in by_text("组织全县律师事务所开展法律服务。"))
    assert not any("律师事务所" in t for t in by_text("引导北京市律师事务所参与公益服务。"))
    assert not any("律师事务所" in t for t in by_text("邀请各律师事务所律师参与接访。"))


def test_verbs_ending_like_a_kind_of_body_are_not_one():
    found = by_text("镇干部参加区司法局举办的法治讲座，县司法局承办的培训由镇党政办督办。")
    assert {"区司法局", "县司法局", "镇党政办"} <= set(found)
    assert not any(t.endswith(("举办", "承办", "督办")) for t in found)


def test_a_preposition_glued_to_a_kind_character_is_left_out():
    # jieba cuts 由镇|党政办, 经镇|司法所, 由县|司法局: the unit is the kind onwards
    found = by_text("由镇党政办牵头，经镇司法所调解，由县司法局指导。")
    assert {"镇党政办", "镇司法所", "县司法局"} <= set(found)
    assert not any(t[0] in "由经" for t in found)


def test_two_whole_units_joined_by_and_stay_two():
    found = by_text("设立派出所调解工作室和法庭调解工作室，成立森林和草原防火领导小组。")
    assert {"派出所调解工作室", "法庭调解工作室", "森林和草原防火领导小组"} <= set(found)
    assert not any("和法庭" in t for t in found)


def test_a_preposition_glued_to_the_first_character_of_a_place_is_left_out():
    # jieba: 由南|柳乡|司法所
    found = by_text("由南柳乡司法所公职律师担任政府法律顾问。", head="南柳乡2023年法治政府建设工作报告\n")
    assert "南柳乡司法所" in found and not any(t.startswith("由") for t in found)


def test_a_firm_named_after_the_county_keeps_the_county_in_its_name():
    doc = run_text("松岭县青石镇2023年法治政府建设工作报告\n聘请松岭明德律师事务所为镇政府法律顾问。", until="recognise")
    firms = [m.text for m in doc.reports[0].mentions if m.subtype == "律师事务所"]
    assert firms == ["松岭明德律师事务所"]


def test_a_conjunction_in_front_of_a_firm_word_is_no_name():
    doc = run_text("青石镇2023年法治政府建设工作报告\n司法所和律师事务所共同参与调解。聘请三和律师事务所提供服务。",
                   until="recognise")
    firms = [m.text for m in doc.reports[0].mentions if m.subtype == "律师事务所"]
    assert firms == ["三和律师事务所"]


def _orgs(body: str) -> list[str]:
    doc = run_text("青石镇2023年法治政府建设工作报告\n" + body, until="recognise")
    return [m.text for m in doc.reports[0].mentions if m.type == "机构"]


def test_generic_words_are_no_bodies():
    # a kind of department, a standing committee without its owner, every
    # village's committee, a set phrase of staffing: no one body
    assert _orgs("各职能科室协同推进，统筹职能科室力量。") == []
    assert _orgs("常务委员会听取了报告。") == []
    assert _orgs("村民委员会主任由村党支部书记兼任。") == []
    assert _orgs("实行专人专班服务。") == []


def test_a_verb_in_front_of_a_unit_is_not_its_name():
    assert _orgs("全方位建设一站式工作站。") == ["一站式工作站"]
    assert _orgs("积极配合建设局开展检查。") == ["建设局"]
    assert _orgs("镇调解室全年接待群众30人次。") == ["镇调解室"]


def test_a_conjunction_read_as_a_county_stays_out_of_the_name():
    assert _orgs("在县委的领导和县司法局的指导下开展工作。") == ["县委", "县司法局"]


def test_an_office_and_its_short_name_are_one_body():
    doc = run_text("青石镇2023年法治政府建设工作报告\n由党政办牵头。党政综合办公室负责日常工作。", until="recognise")
    keys = {m.key for m in doc.reports[0].mentions if m.type == "机构"}
    assert keys == {"党政办"}


def test_a_window_is_a_unit_only_under_a_quoted_name():
    assert _orgs("通过“马上办”窗口、“吐槽找茬”窗口收集问题。") == ["“马上办”窗口", "“吐槽找茬”窗口"]
    assert _orgs("在综合窗口统一受理，服务窗口公开信息。") == []
    assert _orgs("镇便民服务中心获得“红旗便民窗口”称号。") == ["镇便民服务中心"]


def test_a_standing_committee_with_its_place_and_session():
    doc = run_text("松岭县青石镇2023年法治政府建设工作报告\n主动接受县人大常委会监督。"
                   "向松岭县第八届人民代表大会常务委员会报告工作。", until="recognise")
    made = [(m.text, m.key) for m in doc.reports[0].mentions if m.type == "机构"]
    assert made == [("县人大常委会", "县人大常委会"), ("松岭县第八届人民代表大会常务委员会", "县人大常委会")]


def test_org_mentions_carry_the_rules_that_made_and_trimmed_them():
    doc = run_text("松岭县青石镇2023年法治政府建设工作报告\n镇党委政府高度重视，党中央决策部署。"
                   "成立平安和法治建设领导小组。聘请至诚律师事务所为法律顾问。", until="recognise")
    made = {m.text: m.rules for m in doc.reports[0].mentions if m.type == "机构"}
    assert made["镇党委"] == ["orgs.body"]
    assert made["政府"] == ["orgs.body-shared"]
    assert made["党中央"] == ["orgs.fixed"]
    assert made["平安和法治建设领导小组"] == ["orgs.unit", "orgs.set-up"]
    assert made["至诚律师事务所"] == ["orgs.firm", "orgs.trade-name"]


def test_a_town_described_as_a_centre_is_no_centre():
    assert _orgs("本镇是全县南部的经济中心和商贸中心。") == []


def test_the_bodies_of_townships_in_general_are_no_body():
    assert _orgs("提升乡镇政府服务能力，各乡镇党委要履行主体责任。") == []
    assert _orgs("镇党委政府高度重视。") == ["镇党委", "政府"]


def test_an_adverb_and_its_verb_in_front_of_a_unit_are_not_its_name():
    assert _orgs("全力支持应急管理站开展工作。") == ["应急管理站"]
    assert _orgs("全面建设法治宣传教育中心。") == ["法治宣传教育中心"]
    assert _orgs("成立全面依法治镇委员会。") == ["全面依法治镇委员会"]


def test_a_body_named_before_its_secretary():
    # jieba cuts 镇|党委书记: the body is still named; a post alone names none
    assert _orgs("成立由镇党委书记王强任组长的领导小组。") == ["镇党委"]
    assert _orgs("党委书记王强主持会议。") == []
