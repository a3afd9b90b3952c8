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
    assert rel.subject is None and rel.advisor_kind == "律师事务所"
    assert rel.obj.text == "明远律师事务所" and rel.obj.law_firm is True


def test_two_firms_two_relations():
    rels = advisers("镇政府签约明远律师事务所和正衡律师事务所提供法律顾问服务。")
    assert sorted(r.obj.text for r in rels) == sorted(["正衡律师事务所", "明远律师事务所"])


def test_unnamed_adviser_is_not_a_firm():
    rels = advisers("镇政府每年聘请法律顾问参与规范性文件审查。")
    assert len(rels) == 1
    a = rels[0]
    assert a.obj is None and a.advisor_kind == "未说明"
    assert a.target.endswith("/青石镇/未说明") and a.label == "法律顾问（未说明）"


def test_team_with_size():
    rels = advisers("特别聘请了由6名律师组成的法律顾问团队，为重大决策提供意见。")
    assert [r.advisor_kind for r in rels] == ["团队"]
    assert rels[0].team_size == 6


def test_public_lawyers():
    rels = advisers("镇政府配备公职律师2名。")
    assert [r.advisor_kind for r in rels] == ["公职律师"]


def test_specific_adviser_replaces_unnamed_one():
    rels = advisers("聘请明远律师事务所为法律顾问。落实聘请法律顾问制度。")
    assert [r.advisor_kind for r in rels] == ["律师事务所"]


def test_village_advisers_and_invitations_are_not_the_townships():
    assert advisers("为各村聘请村居法律顾问。邀请法律顾问开展专题讲座。") == []


def test_firm_named_before_a_contract_verb():
    rels = advisers("与正衡律师事务所签订法律顾问服务合同，全年审查合同20份。")
    assert [(r.advisor_kind, r.obj.text) for r in rels] == [("律师事务所", "正衡律师事务所")]
    assert advisers("与县司法局签订共建协议。") == []


def test_serving_without_a_verb_of_engaging():
    rels = advisers("由镇司法所公职律师担任政府法律顾问。")
    assert [r.advisor_kind for r in rels] == ["公职律师"]
    rels = advisers("由明远律师事务所律师担任镇政府常年法律顾问。")
    assert [(r.advisor_kind, r.obj.text) for r in rels] == [("律师事务所", "明远律师事务所")]
    assert advisers("由村干部担任调解员。") == []


# -- whose adviser is it?  Each kind of sentence that names a firm or the
# -- role without giving the township its own adviser (sentences written for
# -- these tests; the firms are made up).

def test_village_advisers_arranged_by_the_township_are_not_its_own():
    assert advisers("司法所与松涛律师事务所签订服务协议，为全镇18个村（社区）各配备1名法律顾问。") == []
    assert advisers("镇政府与松涛律师事务所签约，由该所律师担任全镇各村的法律顾问。") == []
    assert advisers("扎实推进一村（社区）一法律顾问工作，松涛律师事务所6名律师分片联系各村。") == []
    assert advisers("镇司法所为辖区9个社区聘请松涛律师事务所律师担任法律顾问。") == []
    assert advisers("全镇11个村也都聘请了律师担任法律顾问。") == []


def test_advisers_of_the_county_or_an_enterprise_are_not_the_townships():
    assert advisers("县政府聘请松涛律师事务所为县政府法律顾问，定期到各乡镇开展服务。") == []
    assert advisers("县司法局聘请松涛律师事务所担任法律顾问。") == []
    assert advisers("引导辖区企业聘请松涛律师事务所担任企业法律顾问。") == []
    assert advisers("帮助园区12家企业聘请常年法律顾问。") == []


def test_lectures_consultations_and_events_are_not_engagements():
    assert advisers("邀请松涛律师事务所律师为镇村干部讲授民法典。") == []
    assert advisers("松涛律师事务所在镇便民服务大厅开展免费法律咨询活动。") == []
    assert advisers("联合松涛律师事务所举办法律顾问进企业座谈会。") == []
    assert advisers("组织法律顾问开展法治讲座4场。") == []


def test_plans_and_rules_are_not_engagements():
    assert advisers("下一步，拟聘请松涛律师事务所为镇政府法律顾问。") == []
    assert advisers("各乡镇人民政府应当聘请法律顾问。") == []
    assert advisers("充分发挥法律顾问作用，防范行政决策风险。") == []
    assert advisers("完善法律顾问聘请、履职和考核机制。") == []
    assert advisers("督促法律顾问全程参与重大行政决策。") == []


def test_a_firm_named_only_as_where_lawyers_come_from():
    assert advisers("全镇14名村法律顾问均来自松涛律师事务所和弘毅律师事务所。") == []
    rels = advisers("聘请来自松涛律师事务所的律师李明远为镇政府法律顾问。")
    assert [r.advisor_kind for r in rels] == ["律师"]
    assert rels[0].obj.text == "李明远"


def test_a_count_of_firms_is_no_firm_name():
    for body in ("镇政府与3家律师事务所签订法律顾问合同。",
                 "聘请了两家知名律师事务所担任镇政府法律顾问。"):
        rels = advisers(body)
        assert [r.advisor_kind for r in rels] == ["未说明"], body
    doc = run_text(HEAD + "司法所与两家本地律师事务所签订协议。", until="recognise")
    assert [m.text for m in doc.reports[0].mentions if m.subtype == "律师事务所"] == []


def test_the_townships_own_adviser_in_its_common_forms():
    cases = {
        "镇政府聘请松涛律师事务所为常年法律顾问。": "松涛律师事务所",
        "我镇法律顾问由松涛律师事务所律师担任。": "松涛律师事务所",
        "2023年，镇政府与松涛律师事务所签订法律顾问服务合同。": "松涛律师事务所",
        "按照县司法局统一部署，聘请松涛律师事务所为镇政府法律顾问。": "松涛律师事务所",
        "镇政府与松涛律师事务所签订协议，由该所律师担任镇政府法律顾问。": "松涛律师事务所",
        "落实法律顾问制度，续聘松涛律师事务所为镇人民政府法律顾问单位。": "松涛律师事务所",
        "松涛律师事务所律师担任青石镇人民政府法律顾问。": "松涛律师事务所",
    }
    for body, firm in cases.items():
        rels = advisers(body)
        assert [(r.advisor_kind, r.obj.text) for r in rels] == [("律师事务所", firm)], body


def test_township_and_village_advisers_side_by_side():
    rels = advisers("镇、村（社区）两级法律顾问全年审查合同46份。")
    assert [r.advisor_kind for r in rels] == ["未说明"]
    rels = advisers("聘请松涛律师事务所为镇政府法律顾问，同时为各村聘请弘毅律师事务所律师担任村法律顾问。")
    assert [r.obj.text for r in rels] == ["松涛律师事务所"]
    rels = advisers("聘请弘毅律师事务所律师为镇政府及各村（社区）法律顾问。")
    assert [r.obj.text for r in rels] == ["弘毅律师事务所"]


def test_a_lawyer_named_beside_the_firm():
    rels = advisers("聘请松涛律师事务所律师周文博为镇政府法律顾问。")
    assert sorted((r.advisor_kind, r.obj.text) for r in rels) == [
        ("律师", "周文博"), ("律师事务所", "松涛律师事务所")]


def test_an_unnamed_lawyer_and_an_adviser_at_work():
    rels = advisers("续聘专业律师担任镇级法律顾问。")
    assert [(r.advisor_kind, r.obj) for r in rels] == [("律师", None)]
    rels = advisers("法律顾问全年审查合同30份，出具法律意见书8份。")
    assert [r.advisor_kind for r in rels] == ["未说明"]
    assert advisers("村法律顾问全年审查合同30份。") == []


def test_a_statement_cut_by_a_page_break():
    rels = advisers("聘请松涛律师事务所为青石镇人民政府\n法律顾问，全年审查合同12份。")
    assert [r.obj.text for r in rels] == ["松涛律师事务所"]


def test_a_service_provided_for_a_holder():
    rels = advisers("松涛律师事务所为我镇提供常年法律顾问服务。")
    assert [r.obj.text for r in rels] == ["松涛律师事务所"]
    assert advisers("镇政府聘请松涛律师事务所，为全镇村（社区）提供法律顾问服务。") == []
    assert advisers("依托松涛律师事务所，为村民提供法律顾问服务。") == []


def test_those_who_engaged_an_adviser_are_the_holders():
    assert advisers("聘请法律顾问的村（社区）达到100%。") == []
    assert advisers("村（社区）聘请的法律顾问松涛律师事务所全年审查合同20份。") == []
    rels = advisers("镇政府聘请的法律顾问松涛律师事务所全年审查合同20份。")
    assert [r.obj.text for r in rels] == ["松涛律师事务所"]


def test_a_role_in_front_of_a_firm_is_not_its_name():
    doc = run_text(HEAD + "镇法律顾问松涛律师事务所为群众提供免费法律咨询。鼓励企业与律师事务所签订合同。",
                   until="recognise")
    firms = [m.text for m in doc.reports[0].mentions if m.subtype == "律师事务所"]
    assert firms == ["松涛律师事务所"]


def test_a_verb_jieba_glued_to_the_firm_and_a_kind_of_adviser():
    # jieba reads 续聘华 as one word: the verb and the firm's first character
    rels = advisers("2023年续聘华信律师事务所为我镇常年法律顾问。")
    assert [(r.advisor_kind, r.obj.text) for r in rels] == [("律师事务所", "华信律师事务所")]
    rels = advisers("镇政府常年法律顾问参与重大决策论证12次。")
    assert [r.advisor_kind for r in rels] == ["未说明"]


def test_shortcomings_and_next_years_plans_engage_no_one():
    body = ("一、主要工作\n镇政府聘请松涛律师事务所为镇政府法律顾问。\n"
            "二、存在的不足\n法律顾问参与重大决策的深度不够。\n"
            "三、下一年度工作安排\n继续聘请弘毅律师事务所担任镇政府法律顾问。\n")
    assert [r.obj.text for r in advisers(body)] == ["松涛律师事务所"]


def test_in_a_county_report_the_county_holds_the_role_and_townships_do_not():
    head = "松岭县人民政府2023年法治政府建设工作报告\n"
    doc = run_text(head + "县政府聘请松涛律师事务所为县政府法律顾问。", until="relate")
    rels = [r for r in doc.reports[0].relations if r.predicate == "legalAdvisor"]
    assert [r.obj.text for r in rels] == ["松涛律师事务所"]
    doc = run_text(head + "县司法局为各乡镇聘请弘毅律师事务所担任法律顾问。", until="relate")
    assert [r for r in doc.reports[0].relations if r.predicate == "legalAdvisor"] == []


def test_a_contract_with_a_client_who_is_not_the_township():
    assert advisers("弘毅律师事务所与镇商会签订法律顾问合同。") == []
    assert advisers("组织律师事务所与企业签订法律顾问合同。") == []
    assert advisers("弘毅律师事务所担任镇中心小学法律顾问。") == []
    rels = advisers("弘毅律师事务所与镇政府签订法律顾问合同。")
    assert [r.obj.text for r in rels] == ["弘毅律师事务所"]


def test_who_the_adviser_is():
    rels = advisers("我镇法律顾问为弘毅律师事务所律师。")
    assert [r.obj.text for r in rels] == ["弘毅律师事务所"]
    assert advisers("村（社区）法律顾问均为弘毅律师事务所律师。") == []
    assert advisers("法律顾问为群众提供法律咨询服务。") == []
    # a team whose members come from firms: the team is the adviser, not the firms
    rels = advisers("镇法律顾问团成员分别来自弘毅律师事务所和松涛律师事务所。")
    assert [(r.advisor_kind, r.obj) for r in rels] == [("团队", None)]


def test_a_paragraph_with_one_adviser_among_many_firms():
    body = ("（三）发挥法律顾问作用\n"
            "镇政府续聘松涛律师事务所为常年法律顾问，全年审查合同41份。"
            "司法所与弘毅律师事务所签订协议，为全镇16个村（社区）各配备1名法律顾问。"
            "邀请明镜律师事务所律师为镇村干部讲授民法典。"
            "县政府法律顾问青禾律师事务所对我镇两项重大决策提出意见。"
            "下一步，拟聘请远帆律师事务所参与信访积案化解。")
    rels = advisers(body)
    assert [(r.advisor_kind, r.obj.text) for r in rels] == [("律师事务所", "松涛律师事务所")]


def test_a_team_of_firms_lawyers_is_the_adviser_not_the_firms():
    rels = advisers("镇法律顾问团由松涛律师事务所等3家律所的律师组成。")
    assert [(r.advisor_kind, r.obj) for r in rels] == [("团队", None)]
    assert rels[0].team_size is None          # 3家 counts firms, not lawyers
    rels = advisers("聘请松涛律师事务所4名律师组成法律顾问团。")
    assert [(r.advisor_kind, r.team_size) for r in rels] == [("团队", 4)]
