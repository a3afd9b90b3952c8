"""ingest.dates: the one place date syntax is spelled."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from ingest import dates


@pytest.mark.parametrize("text, expected", [
    ("2023年12月4日", dt.date(2023, 12, 4)),
    ("二〇二三年十二月四日", dt.date(2023, 12, 4)),
    ("二○二四年一月二十一日", dt.date(2024, 1, 21)),
    ("二〇二二年三月十日", dt.date(2022, 3, 10)),
    ("青石镇人民政府 2024 年 1 月 8 日", dt.date(2024, 1, 8)),
])
def test_parse(text: str, expected: dt.date) -> None:
    assert dates.parse(text) == expected


@pytest.mark.parametrize("text", ["2023年2月30日", "2023年十三月一日", "2023年12月", "上个月"])
def test_parse_none(text: str) -> None:
    assert dates.parse(text) is None


def test_a_signature_line_may_leave_out_the_day() -> None:
    assert dates.DATE.fullmatch("2023年12月")
    assert dates.DATE.fullmatch("二〇二三年十二月四日")
    assert not dates.FULL_DATE.fullmatch("2023年12月")


def test_year_in_chinese_digits() -> None:
    m = dates.YEAR_CN.search("梅川县青石镇二〇二三年法治政府建设情况报告")
    assert m and m.group(1) == "二〇二三"


def test_numeric_date() -> None:
    m = re.search(dates.NUMERIC_DATE, "成文日期：2024-01-15")
    assert m and m.groups() == ("2024", "01", "15")


@pytest.mark.parametrize("text, iso", [
    ("2023年5月10日举办讲座", "2023-05-10"),
    ("5月10日举办讲座", "05-10"),
    ("12月4号开展宣传", "12-04"),
    ("2023年5月开展培训", "2023-05"),
    ("9月组织考试", "09"),
])
def test_text_dates(text: str, iso: str) -> None:
    m = re.compile(dates.TEXT_DATE).search(text)
    assert m and dates.partial_iso(m) == iso
