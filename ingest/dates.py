"""Dates as reports write them: the one place their syntax is spelled.

A signature's date is written in Arabic or Chinese numerals, the year
either way too: 2023年12月4日, 二〇二三年十二月四日 (with the zeros reports
type: 〇 ○ 零 Ｏ O 0).  A date in running text is Arabic and may leave out
the year or the day: 5月10日, 2023年5月.  These patterns are syntax, not
rules: what a date *means* where it stands (the year reported on, a
signature, an activity's day) is decided by the stage that finds it.
"""
from __future__ import annotations

import datetime as dt
import re

from ingest import numerals
from ingest.hanzi import CN_NUMBERS

#: how reports type the zero of a year written digit by digit
_ZEROS = "〇○零Ｏ0O"
#: a year: 2023, or 二〇二三 digit by digit
YEAR = rf"(?:20\d\d|二[{_ZEROS}][{_ZEROS}一二三四五六七八九]{{2}})"
#: a month or day number: 12, 十二, 二十一
_MONTH_DAY = rf"(?:\d{{1,2}}|[{CN_NUMBERS}]{{1,3}})"

#: a year written in Chinese digits before 年 (二〇二三年), group 1 the digits
YEAR_CN = re.compile(rf"(二[{_ZEROS}][{_ZEROS}一二三四五六七八九]{{2}})年")
#: a full date, day and all (groups ``y``, ``m``, ``d``)
FULL_DATE = re.compile(
    rf"(?P<y>{YEAR})\s*年\s*(?P<m>{_MONTH_DAY})\s*月\s*(?P<d>{_MONTH_DAY})\s*日")
#: a date whose day may be left out (a signature of 2023年12月)
DATE = re.compile(rf"{YEAR}\s*年\s*{_MONTH_DAY}\s*月\s*(?:{_MONTH_DAY}\s*日)?")
#: a date written with digits and separators (2023-12-04, 2023.12.4,
#: 2023年12月4日): groups 1-3 year, month, day
NUMERIC_DATE = r"(20\d\d)[-./年](\d{1,2})[-./月](\d{1,2})"
#: a date in running text, Arabic, the year and the day optional (2023年5月10日,
#: 5月10日, 5月, 12月4号): groups ``y``, ``m``, ``d``
TEXT_DATE = r"(?:(?P<y>20\d\d)年)?(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>[12]\d|3[01]|0?[1-9])[日号])?"


def parse(s: str) -> dt.date | None:
    """2023年12月4日 or 二〇二三年十二月四日 → date (None if not a valid date)."""
    m = FULL_DATE.search(s.replace(" ", ""))
    if not m:
        return None
    year = numerals.year(m.group("y"))
    month, day = numerals.integer(m.group("m")), numerals.integer(m.group("d"))
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def partial_iso(m: re.Match[str]) -> str:
    """A :data:`TEXT_DATE` match as the ISO form of what it states:
    2023-05-10, 2023-05, 05-10 or 05."""
    y, d = m.group("y"), m.group("d")
    out = f"{int(m.group('m')):02d}" if d is None else f"{int(m.group('m')):02d}-{int(d):02d}"
    return f"{y}-{out}" if y else out
