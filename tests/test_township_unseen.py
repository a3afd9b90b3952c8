"""The reporting township on kinds of reports the seen sets lack (ingest.unit,
ingest.county, ingest.metadata, ingest.recognize.divisions).

Every text here is written for these tests.  Real township names come from
the gazetteer (华溪镇 of 华宁县, 湾塘乡 of 屏边苗族自治县, 大集镇 of 曹县);
the made-up ones (岭华溪镇, 云岭县, 曹州区) stand for what a gazetteer lags
behind: a township or county newer than it, renamed or merged.
"""
from __future__ import annotations

import pytest

from ingest import county
from ingest.gazetteer import townships
from ingest.pipeline import run_text
from kg.errors import InputError
from kg.model import ReportMeta

BODY = ("一、主要举措和成效\n（一）强化组织领导。党委会专题研究法治建设4次，落实党政主要负责人"
        "履行推进法治建设第一责任人职责。\n二、存在的不足\n普法形式还比较单一。\n")


def meta(text: str) -> ReportMeta:
    doc = run_text(text, "r.txt", until="sentences")
    assert len(doc.reports) == 1
    return doc.reports[0].meta


def _unlisted(*names: str) -> None:
    """The made-up names are in neither gazetteer (else the test proves nothing)."""
    g, forms = townships(), county.division_forms()
    for n in names:
        assert n not in g and n not in forms, n


# ---- a name longer than the gazetteer's -------------------------------------------

def test_a_longer_name_in_the_title_is_kept_whole_and_flagged() -> None:
    _unlisted("岭华溪镇")
    m = meta("岭华溪镇人民政府关于2023年度法治政府建设情况的报告\n2023年，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.kind, m.in_gazetteer) == ("岭华溪镇", "镇", False)
    assert m.county is None                  # 华溪镇's county is not this township's


def test_the_tail_of_the_unit_is_no_other_township() -> None:
    doc = run_text("岭华溪镇2023年法治政府建设工作报告\n2023年，岭华溪镇党委、岭华溪镇人民政府坚持依法行政，"
                   "岭华溪镇司法所开展普法12场。\n" + BODY, "r.txt")
    towns = {m.label for m in doc.reports[0].mentions if m.type == "镇"}
    assert towns == {"岭华溪镇"}


def test_a_longer_name_as_the_first_sentence_subject() -> None:
    m = meta("2023年，岭华溪镇坚持以习近平法治思想为指导，扎实推进法治政府建设。\n" + BODY)
    assert (m.unit, m.in_gazetteer) == ("岭华溪镇", False)


def test_a_division_short_form_in_front_is_not_part_of_the_name() -> None:
    # 屏边 is 屏边苗族自治县's short form, and the gazetteer lists 湾塘乡 there
    m = meta("屏边湾塘乡2023年法治政府建设工作报告\n2023年，湾塘乡坚持依法行政。\n" + BODY)
    assert (m.unit, m.in_gazetteer, m.county) == ("湾塘乡", True, "屏边苗族自治县")


def test_the_stated_county_listing_the_short_name_explains_the_longer_one() -> None:
    m = meta("华宁县岭华溪镇2023年法治政府建设工作报告\n2023年，在华宁县委、县政府的领导下，我镇坚持依法行政。\n"
             + BODY)
    assert (m.unit, m.in_gazetteer, m.county, m.county_inferred) == ("华溪镇", True, "华宁县", False)


# ---- the county the text states, against the gazetteer ------------------------------

def test_a_stated_county_the_gazetteer_lacks_wins_over_the_inferred_one() -> None:
    _unlisted("云岭县")
    doc = run_text("华溪镇2023年法治政府建设工作报告\n2023年，在云岭县委、云岭县人民政府的领导下，"
                   "华溪镇坚持依法行政。\n" + BODY, "r.txt", until="sentences")
    m = doc.reports[0].meta
    assert (m.unit, m.county, m.county_inferred) == ("华溪镇", "云岭县", False)
    assert any("云岭县" in w and "华宁县" in w for w in doc.warnings)


def test_a_stated_county_in_the_addressee_line_wins() -> None:
    m = meta("华溪镇2023年法治政府建设工作报告\n中共云岭县委全面依法治县委员会办公室：\n"
             "2023年，我镇坚持依法行政。\n" + BODY)
    assert (m.county, m.county_inferred) == ("云岭县", False)


def test_a_renamed_county_after_its_prefecture() -> None:
    # 撤县设区: the report writes the district, the gazetteer still has the county
    _unlisted("曹州区")
    m = meta("菏泽市曹州区大集镇2023年法治政府建设工作报告\n2023年，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.prefecture, m.county_inferred) == ("大集镇", "曹州区", "菏泽市", False)


def test_a_gazetteer_county_in_the_title_is_still_stated() -> None:
    m = meta("华宁县华溪镇2023年法治政府建设工作报告\n2023年，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred, m.in_gazetteer) == ("华溪镇", "华宁县", False, True)


# ---- web clutter before the text ------------------------------------------------------

def test_a_county_site_name_and_breadcrumbs_are_not_the_title() -> None:
    doc = run_text("曹县人民政府门户网站\n首页 > 信息公开 > 乡镇动态\n关于2023年度法治政府建设情况的报告\n"
                   "2023年，我镇坚持依法行政，大集镇司法所开展普法宣传。\n" + BODY, "r.txt", until="sentences")
    rep = doc.reports[0]
    assert rep.title == "关于2023年度法治政府建设情况的报告"
    assert (rep.meta.unit, rep.meta.kind) == ("大集镇", "镇")      # not the county whose site it is


def test_a_breadcrumb_trail_glued_to_the_title_line() -> None:
    doc = run_text("当前位置：首页 > 政务公开 > 乡镇信息\n曹县大集镇2023年法治政府建设工作报告\n"
                   "2023年，我镇坚持依法行政。\n" + BODY, "r.txt", until="sentences")
    rep = doc.reports[0]
    assert rep.title == "曹县大集镇2023年法治政府建设工作报告"
    assert (rep.meta.unit, rep.meta.county, rep.meta.county_inferred) == ("大集镇", "曹县", False)


# ---- a zone between the county and the township -----------------------------------------

def test_a_development_zone_between_county_and_township_is_no_county() -> None:
    m = meta("曹县经济开发区大集街道2023年法治政府建设工作报告\n2023年，我街道坚持依法行政。\n" + BODY)
    assert (m.unit, m.kind, m.county, m.county_inferred) == ("大集街道", "街道", "曹县", False)


def test_a_named_new_district_the_gazetteer_lacks_is_still_the_county() -> None:
    _unlisted("云岭新区")
    m = meta("云岭新区华溪镇2023年法治政府建设工作报告\n2023年，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred) == ("华溪镇", "云岭新区", False)


# ---- no title: the township named in the text ---------------------------------------------

def test_no_title_the_township_whose_bodies_are_named_beats_a_neighbour_named_more() -> None:
    m = meta("2023年，我镇坚持依法行政，推进法治政府建设。\n" + BODY
             + "三、下一步打算\n学习黄集镇调解经验，与黄集镇开展联合执法，到黄集镇交流。大集镇党委将继续抓好普法。\n")
    assert (m.unit, m.in_gazetteer) == ("大集镇", True)


def test_no_title_a_longer_name_every_mention_holds() -> None:
    m = meta("2023年，在云岭县委、县政府的领导下，我镇坚持依法行政。\n" + BODY
             + "三、下一步打算\n岭华溪镇司法所继续开展普法宣传，岭华溪镇人民调解委员会化解纠纷。\n")
    assert (m.unit, m.in_gazetteer, m.county) == ("岭华溪镇", False, "云岭县")


def test_no_title_the_gazetteer_name_alone_somewhere_keeps_it() -> None:
    # 华溪镇 stands alone once: the longer form is not what the text calls the unit
    m = meta("2023年，我镇坚持依法行政。\n" + BODY
             + "三、下一步打算\n华溪镇司法所继续开展普法宣传，岭华溪镇村委会参加培训。\n")
    assert (m.unit, m.in_gazetteer) == ("华溪镇", True)


# ---- how a county is stated ------------------------------------------------------------------

def test_a_county_whose_level_is_said_again_before_its_committee() -> None:
    # three 黄集镇 in the gazetteer: only the stated county can tell which
    m = meta("黄集镇2023年法治政府建设工作报告\n2023年，在郓城县县委、县政府的坚强领导下，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred) == ("黄集镇", "郓城县", False)


def test_full_width_digits_give_the_year_and_the_signature_date() -> None:
    doc = run_text("大集镇２０２３年法治政府建设工作报告\n今年以来，我镇坚持依法行政，调解纠纷１２件。\n" + BODY
                   + "大集镇人民政府\n２０２４年１月５日\n", "r.txt", until="sentences")
    m = doc.reports[0].meta
    assert (m.unit, m.year, str(m.issued)) == ("大集镇", 2023, "2024-01-05")
    assert doc.original.count("２０２３") == 1 and "２" not in doc.text     # one digit for one
    assert len(doc.offsets) == len(doc.text) + 1


# ---- a township the gazetteer lacks, named only in the body ----------------------------------

def test_a_renamed_township_named_with_its_own_bodies_beats_a_neighbour() -> None:
    # 大集乡 became 大集镇 in the gazetteer; the report, of an earlier year, keeps 乡
    doc = run_text("2023年，在县委、县政府的领导下，我乡坚持依法行政，推进法治政府建设。\n" + BODY
                   + "三、下一步打算\n与黄集镇开展调解经验交流。大集乡党委将继续加强领导，"
                     "大集乡人民政府依法履职。\n", "r.txt", until="sentences")
    m = doc.reports[0].meta
    assert (m.unit, m.kind, m.in_gazetteer, m.unit_rule) == ("大集乡", "乡", False, "units.named")
    assert any("大集乡 is not in the township gazetteer" in w for w in doc.warnings)


def test_a_phrase_before_the_bodies_once_is_no_township() -> None:
    m = meta("2023年，我镇召开镇党委会研究法治工作。\n" + BODY + "三、下一步打算\n黄集镇司法所开展普法。\n")
    assert (m.unit, m.in_gazetteer) == ("黄集镇", True)


def test_a_township_the_gazetteer_lacks_and_a_report_that_never_says_we_is_not_taken() -> None:
    # without 我乡/本乡 the text does not speak as that township
    doc_text = ("2023年，全县坚持依法行政。\n" + BODY + "三、下一步打算\n大集乡党委、大集乡人民政府"
                "配合开展普法，大集乡党委书记参加。\n")
    with pytest.raises(InputError, match="no reporting unit"):
        meta(doc_text)


# ---- how a title is set ---------------------------------------------------------------------

def test_a_title_with_its_unit_in_brackets_is_the_title() -> None:
    doc = run_text("【大集镇】2023年法治政府建设工作报告\n今年以来，我镇坚持依法行政。\n" + BODY, "r.txt",
                   until="sentences")
    rep = doc.reports[0]
    assert (rep.title, rep.meta.unit, rep.meta.year) == ("【大集镇】2023年法治政府建设工作报告", "大集镇", 2023)


def test_a_space_between_county_and_township_still_states_the_county() -> None:
    m = meta("郓城县　黄集镇\n2023年法治政府建设工作报告\n今年以来，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred) == ("黄集镇", "郓城县", False)


def test_a_title_word_before_the_name_is_not_part_of_it_when_the_body_names_it_alone() -> None:
    m = meta("某华溪镇2023年法治政府建设工作报告\n今年以来，华溪镇坚持依法行政，华溪镇党委加强领导。\n" + BODY)
    assert (m.unit, m.in_gazetteer) == ("华溪镇", True)
    m = meta("关于印发大集镇2023年法治政府建设工作报告的通知\n今年以来，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.in_gazetteer) == ("大集镇", True)


# ---- 乡 and 镇, 民族乡 written short ----------------------------------------------------------

def test_a_xiang_that_became_a_zhen_under_the_stated_county_is_one_township() -> None:
    a = run_text("曹县大集乡2019年法治政府建设工作报告\n2019年，我乡坚持依法行政。\n" + BODY, "a.txt").reports[0]
    b = run_text("曹县大集镇2023年法治政府建设工作报告\n2023年，我镇坚持依法行政。\n" + BODY, "b.txt").reports[0]
    assert (a.meta.unit, a.meta.unit_name, a.meta.kind, a.meta.in_gazetteer) == ("大集乡", "大集镇", "乡", True)
    assert a.township_key == b.township_key


def test_an_ethnic_township_written_short_under_its_county() -> None:
    m = meta("遂昌县三仁乡2023年法治政府建设工作报告\n2023年，我乡坚持依法行政。\n" + BODY)
    assert (m.unit, m.unit_name, m.kind, m.county, m.in_gazetteer) == ("三仁乡", "三仁畲族乡", "乡", "遂昌县", True)


def test_without_a_stated_county_another_kind_is_not_guessed() -> None:
    m = meta("大集乡2019年法治政府建设工作报告\n2019年，我乡坚持依法行政。\n" + BODY)
    assert (m.unit, m.unit_name, m.in_gazetteer, m.county) == ("大集乡", "大集乡", False, None)


# ---- a signature on one line -------------------------------------------------------------------

def test_a_signature_on_one_line_gives_the_unit_issuer_and_date() -> None:
    _unlisted("岭华溪镇")
    m = meta("今年以来，我镇坚持依法行政，推进法治政府建设。\n" + BODY + "岭华溪镇人民政府　二〇二四年一月五日\n")
    assert (m.unit, m.in_gazetteer, m.issuer, str(m.issued), m.year) == (
        "岭华溪镇", False, "岭华溪镇人民政府", "2024-01-05", 2023)


def test_a_first_sentence_without_a_year_still_presents_its_subject() -> None:
    name = "云栖湾镇"
    _unlisted(name)
    for lead in ("今年以来，", "一年来，", "过去一年，"):
        m = meta(f"{lead}{name}坚持依法行政，推进法治政府建设。\n" + BODY)
        assert (m.unit, m.in_gazetteer) == (name, False), lead


def test_the_site_a_report_stands_on_does_not_state_its_county() -> None:
    m = meta("菏泽市人民政府门户网站\n首页 > 政务公开 > 镇街动态\n郓城县人民政府门户网站\n"
             "黄集镇2023年法治政府建设工作报告\n2023年，在县委、县政府的领导下，我镇坚持依法行政。\n" + BODY)
    assert m.unit == "黄集镇"
    assert not (m.county == "郓城县" and not m.county_inferred)     # the site is no statement


def test_a_space_typed_into_the_name_in_running_text() -> None:
    m = meta("2023年，大　集镇坚持依法行政，推进法治政府建设，取得了明显成效。现将有关情况报告如下：\n" + BODY)
    assert (m.unit, m.in_gazetteer) == ("大集镇", True)


def test_an_office_written_before_the_name_is_not_part_of_it() -> None:
    m = meta("曹县司法局大集镇2023年法治政府建设工作报告\n2023年，我镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.in_gazetteer, m.county) == ("大集镇", True, "曹县")


def test_a_bare_zone_before_its_committee_is_no_county() -> None:
    m = meta("大集镇2023年法治政府建设工作报告\n2023年，在经开区委的领导下，我镇坚持依法行政。\n" + BODY)
    assert m.county != "经开区"
