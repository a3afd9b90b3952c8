"""ingest.numerals: the one parser of numbers as reports write them."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ingest import numerals


@pytest.mark.parametrize("text, expected", [
    ("十二", 12),
    ("一百零五", 105),
    ("两千", 2000),
    ("3.5万", 35000),
    ("1.2亿", 120_000_000),
    ("1,200", 1200),
    ("140", 140),
    ("2.75", Decimal("2.75")),
    ("十", 10),
    ("二十一", 21),
    ("三十", 30),
    ("两", 2),
    ("五十万", 500_000),
    ("百", 100),          # a count written from its unit alone: 百余场
    ("千", 1000),
    ("零", 0),
])
def test_value(text: str, expected: int | Decimal) -> None:
    assert numerals.value(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "人", "万", "亿", "1,2,3.4.5"])
def test_not_a_number(text: str) -> None:
    assert numerals.value(text) is None


def test_integer() -> None:
    assert numerals.integer("十二") == 12
    assert numerals.integer("9") == 9
    assert numerals.integer("名", 0) == 0
    assert numerals.integer("名") is None


@pytest.mark.parametrize("text, expected", [
    ("2023", 2023), ("二〇二三", 2023), ("二○二四", 2024), ("二零二二", 2022), ("二O二一", 2021),
])
def test_year_digit_by_digit(text: str, expected: int) -> None:
    assert numerals.year(text) == expected


def test_year_rejects_words() -> None:
    assert numerals.year("去年") is None


def test_patterns_find_the_numbers_value_reads() -> None:
    number = re.compile(rf"{numerals.ARABIC}|{numerals.CHINESE}")
    sentence = "全年共调处纠纷1,250件，开展讲座十二场，覆盖两千余人，百屏联动"
    found = [m.group() for m in number.finditer(sentence)]
    assert found == ["1,250", "十二", "两千"]      # 百 alone is an idiom, not a number
    assert [numerals.value(f) for f in found] == [1250, 12, 2000]


def test_multiplier() -> None:
    assert numerals.MULTIPLIER["万"] * numerals.value("4") == 40_000
