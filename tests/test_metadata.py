"""Tests for ingest.metadata: unit, kind, county, year, dates, issuer, addressee."""
from __future__ import annotations

import datetime as dt

import pytest

from ingest.dates import parse as parse_date
from ingest.pipeline import run_text
from kg.errors import InputError
from kg.model import ReportMeta

BODY = "一、主要举措和成效\n镇党委高度重视法治政府建设，定期研究部署法治工作。\n"


def meta(text: str) -> ReportMeta:
    doc = run_text(text, "r.txt", until="sentences")
    assert len(doc.reports) == 1
    return doc.reports[0].meta


def test_unit_county_and_addressee_from_the_header() -> None:
    m = meta("中共云阳县江口镇委员会\n云阳县江口镇人民政府\n关于2023年度法治政府建设情况的报告\n"
             "县委、县政府：\n2023年，江口镇深入推进法治政府建设。\n" + BODY)
    assert (m.unit, m.kind, m.county, m.year) == ("江口镇", "镇", "云阳县", 2023)
    assert m.addressee == "县委、县政府"
    assert m.issuer == "云阳县江口镇人民政府"
    assert m.title == "关于2023年度法治政府建设情况的报告"
    assert m.is_township


def test_county_from_the_superior_bodies_in_the_opening() -> None:
    m = meta("惠民镇\n2023年度法治政府建设情况报告\n"
             "2023年以来，惠民镇人民政府在启东市委、市政府的正确领导下，坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.year) == ("惠民镇", "启东市", 2023)


def test_bare_city_committee_gives_no_county() -> None:
    m = meta("青山镇2023年法治政府建设年度报告\n"
             "2023年，在市委、市政府的正确领导和市司法局的指导下，青山镇扎实推进法治建设。\n" + BODY)
    assert m.unit == "青山镇" and m.county is None


def test_county_named_only_inside_a_document_title_does_not_count() -> None:
    m = meta("望山街道2021年法治政府建设情况报告\n"
             "望山街道严格对照《朝阳区2021年推进法治政府建设工作要点》，深入推进依法行政。\n" + BODY)
    assert m.unit == "望山街道" and m.kind == "街道" and m.county is None


def test_prefecture_and_county_chain_and_the_issuer_in_the_title() -> None:
    m = meta("2022年度烟台市莱山区人民政府东山路街道办事处法治政府建设情况报告\n"
             "今年以来，我街道全面深化法治政府建设。\n" + BODY)
    assert (m.unit, m.kind, m.county, m.prefecture, m.year) == ("东山路街道", "街道", "莱山区", "烟台市", 2022)
    assert m.issuer == "烟台市莱山区人民政府东山路街道办事处"


def test_signature_gives_issuer_and_chinese_numeral_date() -> None:
    m = meta("青山乡2023年法治政府建设年度报告\n2023年，青山乡扎实推进法治建设。\n" + BODY
             + "某某县青山乡人民政府\n二〇二三年十二月四日\n")
    assert (m.unit, m.kind) == ("青山乡", "乡")
    assert m.issued == dt.date(2023, 12, 4)
    assert m.issuer == "某某县青山乡人民政府"
    assert m.county == "某某县"       # a 县 name spelt out in full before the unit


def test_web_page_clutter_is_skipped_but_may_name_the_unit() -> None:
    m = meta("索引号 | SY-310115-2023-00814 |\n发布机构 | 东岭镇 |\n发布时间 | 2023-02-16 |\n"
             "2022年，东岭镇人民政府在区委、区政府的坚强领导下，持续推进法治政府建设。\n" + BODY)
    assert (m.unit, m.year, m.title) == ("东岭镇", 2022, None)


def test_unit_and_year_from_the_opening_without_a_title() -> None:
    m = meta("根据《法治政府建设实施纲要(2021—2025年)》要求，2023年，清溪街道以深入学习贯彻习近平法治思想为核心，"
             "全面深入开展法治政府建设。\n" + BODY)
    assert (m.unit, m.kind, m.year) == ("清溪街道", "街道", 2023)


def test_street_office_written_with_jie_only() -> None:
    m = meta("2024年，红山街坚持以习近平法治思想为指导，推动法治建设。\n一、主要举措和成效\n"
             "红山街党工委会议专题学习习近平法治思想5次，红山街党工委书记带头述法。\n")
    assert (m.unit, m.kind) == ("红山街", "街道")     # as the report names it
    assert m.unit_name == "红山街道" and m.in_gazetteer   # the gazetteer's name


def test_county_level_report_is_not_a_township() -> None:
    m = meta("云阳县人民政府2023年度法治政府建设情况报告\n2023年，云阳县坚持依法行政。\n" + BODY)
    assert (m.unit, m.kind, m.year) == ("云阳县", "县", 2023)
    assert not m.is_township and m.county is None


def test_county_from_the_addressee_line() -> None:
    m = meta("2023年惠安镇法治政府建设情况报告\n浦东新区法治政府建设工作领导小组办公室：\n"
             "2023年，在区委、区政府和镇党委的领导下，惠安镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county) == ("惠安镇", "浦东新区")
    assert m.addressee == "浦东新区法治政府建设工作领导小组办公室"


def test_autonomous_county_written_short() -> None:
    m = meta("发布机构屏边县新和乡人民政府\n新和乡2025年法治政府建设工作情况报告\n"
             "2025年，新和乡在县委、县政府的坚强领导下推进法治建设。\n" + BODY)
    assert (m.unit, m.county) == ("新和乡", "屏边县")


def test_year_from_the_title_without_nian() -> None:
    assert meta("沅水路街道2024法治政府建设年度报告\n全面推进依法行政。\n" + BODY).year == 2024


def test_chinese_numeral_year_and_long_ethnic_township_name() -> None:
    m = meta("长潭河侗族乡二〇二三年度法治政府建设情况报告\n全面推进依法行政。\n" + BODY)
    assert (m.unit, m.kind, m.year) == ("长潭河侗族乡", "乡", 2023)


def test_county_in_a_web_header_does_not_beat_the_township_in_the_opening() -> None:
    m = meta("发布机构：某山县人民政府\n2023年法治政府建设情况报告\n"
             "2023年，石门镇在县委、县政府的正确领导下，扎实推进法治政府建设。\n" + BODY)
    assert (m.unit, m.kind) == ("石门镇", "镇")


def test_no_unit_raises_input_error() -> None:
    with pytest.raises(InputError, match="no reporting unit"):
        meta("2023年法治政府建设情况报告\n今年以来，我们坚持依法行政，全面推进法治建设。\n" + BODY)


@pytest.mark.parametrize("text,date", [
    ("2023年12月4日", dt.date(2023, 12, 4)),
    ("二〇二三年十二月四日", dt.date(2023, 12, 4)),
    ("二○二四年一月二十一日", dt.date(2024, 1, 21)),
    ("2023 年 11 月 30 日", dt.date(2023, 11, 30)),
    ("2023年2月30日", None),
    ("十二月四日", None),
])
def test_parse_date(text: str, date: dt.date | None) -> None:
    assert parse_date(text) == date


def test_document_number_above_the_title_is_not_part_of_it() -> None:
    doc = run_text("青石府发〔2024〕26号\n华曙区青石镇2023年度法治政府建设报告\n"
                   "中共华曙区委全面依法治区委员会办公室：\n2023年，我镇扎实推进依法行政。\n",
                   until="sentences")
    rep = doc.reports[0]
    assert rep.title == "华曙区青石镇2023年度法治政府建设报告"
    assert (rep.meta.unit, rep.meta.county, rep.meta.year) == ("青石镇", "华曙区", 2023)


def test_county_named_x_xinqu_that_the_gazetteer_lacks() -> None:
    doc = run_text("浦明镇人民政府关于2023年法治政府建设工作情况的报告\n靖新区委依法治区办：\n"
                   "2023年，在靖新区委、靖新区政府的坚强领导下，我镇扎实推进依法行政。\n",
                   until="sentences")
    assert (doc.reports[0].meta.unit, doc.reports[0].meta.county) == ("浦明镇", "靖新区")


def test_a_verb_before_a_county_body_is_not_a_county_name() -> None:
    m = meta("青山镇2023年法治政府建设年度报告\n"
             "2023年，青山镇干部参加县司法局组织的行政执法培训，参与县人民政府组织的演练。\n" + BODY)
    assert m.unit == "青山镇" and m.county is None
