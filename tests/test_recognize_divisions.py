"""镇 and 行政区 recogniser: division gazetteer, reporting unit, townships."""
from __future__ import annotations

from ingest.pipeline import run_text
from ingest.recognize import divisions, laws
from kg.model import DIVISION, LAW, TOWNSHIP

HEAD = "石桥镇人民政府关于2024年度法治政府建设情况的报告\n"


def _run(text: str, unit: str = "石桥镇", kind: str = "镇"):
    """Up to segmentation; then laws (whose spans divisions skip) and divisions."""
    doc = run_text(HEAD + text, until="segment")
    rep = doc.reports[0]
    rep.meta.unit, rep.meta.kind = unit, kind
    rep.mentions = []
    laws.find(doc, rep)
    divisions.find(doc, rep)
    return doc, rep


def _divs(rep):
    return [(m.label, m.level) for m in rep.mentions if m.type == DIVISION]


def _towns(rep, skip_head: bool = True):
    """Township labels, without those of the opening line unless asked."""
    return [m.label for m in rep.mentions if m.type == TOWNSHIP and not (skip_head and m.sentence == 0)]


def test_county_prefecture_province_levels():
    _, rep = _run("在云阳县委、县政府领导下，学习重庆市和邵阳市的经验。")
    assert _divs(rep) == [("云阳县", "county"), ("重庆市", "province"), ("邵阳市", "prefecture")]
    m = next(m for m in rep.mentions if m.type == DIVISION)
    assert m.subtype == "county" and m.nested is True


def test_seat_of_superior_body_inside_org_name():
    doc, rep = _run("在启东市委、市政府的正确领导下开展工作。")
    m = next(m for m in rep.mentions if m.type == DIVISION)
    assert (m.label, doc.text[m.start:m.end]) == ("启东市", "启东市")


def test_chain_of_divisions_and_township_after_county():
    _, rep = _run("眉山市彭山区青龙镇人民政府", unit="公义镇")
    assert _divs(rep) == [("眉山市", "prefecture"), ("彭山区", "county")]
    town = next(m for m in rep.mentions if m.type == TOWNSHIP and m.sentence > 0)
    assert town.label == "青龙镇" and town.county == "彭山区"


def test_reporting_unit_wherever_named():
    _, rep = _run("石桥镇党委高度重视。全镇干部和各乡镇、城镇居民参与。石桥镇司法所参与。")
    assert _towns(rep) == ["石桥镇", "石桥镇"]
    assert _towns(rep, skip_head=False) == ["石桥镇", "石桥镇", "石桥镇"]


def test_reporting_unit_with_county_written_in_front():
    doc = run_text(HEAD + "正文。", until="segment")
    rep = doc.reports[0]
    rep.meta.unit, rep.meta.kind = "云阳县石桥镇", "镇"
    assert divisions.reporting_unit(rep) == "石桥镇"


def test_generic_township_words_after_county_are_not_townships():
    _, rep = _run("云阳县各乡镇和云阳县司法局驻乡工作组共同参与。", unit="江口镇")
    assert _towns(rep) == []


def test_other_townships_before_a_seat_word_or_in_a_list():
    _, rep = _run("与邻近的白沙镇、长岭乡建立联调机制，鼓楼街道办事处参加。立足街道实际，每年乡镇考核。")
    assert _towns(rep) == ["白沙镇", "长岭乡", "鼓楼街道"]


def test_townships_named_in_passing_are_gazetteer_names():
    # 赵集镇 ends in 集镇 (a word) and is a township; 青松岭街道 is not in the
    # gazetteer, and only the reporting unit may be a name the gazetteer lacks
    _, rep = _run("与赵集镇、王集镇交流调解经验，青松岭街道办事处参加。推进集镇建设。")
    assert _towns(rep) == ["赵集镇", "王集镇"]


def test_place_inside_document_title_is_skipped():
    _, rep = _run("认真执行《重庆市行政执法责任制条例》。")
    assert _divs(rep) == []
    assert [m.label for m in rep.mentions if m.type == LAW] == ["重庆市行政执法责任制条例"]


def test_one_character_county_needs_its_superior():
    _, rep = _run("在县委领导和县依法治县委员会支持下。安徽省和县法院参与。")
    assert _divs(rep) == [("安徽省", "province"), ("和县", "county")]


def test_autonomous_county_spoken_form():
    _, rep = _run("屏边县新华乡人民政府", unit="新华乡", kind="乡")
    m = next(m for m in rep.mentions if m.type == DIVISION)
    assert m.label == "屏边县" and "屏边苗族自治县" in m.aliases


def test_short_forms_where_only_a_place_fits():
    _, rep = _run("推动法治武冈建设。地处大方、黔西、织金三县交界。")
    got = dict(_divs(rep))
    assert got == {"武冈市": "county", "大方县": "county", "黔西市": "county", "织金县": "county"}
    short = next(m for m in rep.mentions if m.label == "黔西市")
    assert short.text == "黔西" and "黔西" in short.aliases


def test_everyday_words_that_are_division_names():
    _, rep = _run("老城区改造和市场监管区域划分。")
    assert _divs(rep) == []


def test_large_text_is_processed():
    para = "在云阳县委领导下，石桥镇推进法治建设，学习《重庆市某某条例》，服务上海市浦东新区企业。\n"
    text = para * (100_000 // len(para) + 1)
    _, rep = _run(text)
    assert len(_divs(rep)) >= 3 * (100_000 // len(para))
