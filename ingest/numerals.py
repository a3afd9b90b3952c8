"""Numbers as reports write them: the one parser every stage uses.

Arabic (140, 1,200, 3.5), Chinese (十二, 一百零五, 两千, 百), either with a
multiplier (3.5万, 1.2亿), and years written digit by digit (二〇二三, with
the zeros reports type: 〇 ○ 零 Ｏ O 0).

Chinese numerals are read by cn2an (a dependency), behind :func:`value`
alone, so no caller depends on its modes or its exceptions.  An
approximation word (余, 多) is the caller's to read: it says how sure the
number is, not what it is.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

import cn2an

#: an Arabic number, with thousands separators and decimals (1,200, 3.5)
ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: a Chinese number: it starts with a digit word, for 百/千 alone are
#: idioms in running text (百屏联动); a count's 百余 is read by its caller
CHINESE = r"[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*"
#: what a trailing multiplier multiplies by
MULTIPLIER = {"万": 10_000, "亿": 100_000_000}
#: a count written from its unit alone (百余场, 千余人): one of it
_BARE_UNITS = "百千"
#: characters of a year written digit by digit → their digit
_YEAR_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {z: "0" for z in "○零ＯO0"}


@lru_cache(maxsize=4096)   # the same few numbers recur in every report
def value(text: str) -> Decimal | None:
    """The value of a number as written, or None if it is not one.

    ``"1,200"`` → 1200, ``"3.5万"`` → 35000, ``"十二"`` → 12,
    ``"一百零五"`` → 105, ``"两千"`` → 2000, ``"百"`` → 100.
    """
    text = text.strip()
    if not text:
        return None
    scale = 1
    if len(text) > 1 and text[-1] in MULTIPLIER and text[0].isdigit():
        text, scale = text[:-1], MULTIPLIER[text[-1]]
    try:
        if text[0].isdigit():
            return Decimal(text.replace(",", "")) * scale
        if text[0] in _BARE_UNITS:
            text = "一" + text
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (InvalidOperation, ValueError, KeyError, TypeError, IndexError):
        return None


def integer(text: str, default: int | None = None) -> int | None:
    """:func:`value` as a whole number (``default`` when there is none)."""
    v = value(text)
    return int(v) if v is not None else default


def year(text: str) -> int | None:
    """A year: ``"2023"`` or written digit by digit, ``"二〇二三"``, ``"二○二三"``."""
    if text.isdigit():
        return int(text)
    try:
        return int("".join(_YEAR_DIGITS[c] for c in text))
    except (KeyError, ValueError):
        return None
