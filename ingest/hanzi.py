"""Traditional characters: a report written in them is read through a simplified form.

``data/lexicons/t2s-chars.txt`` maps each traditional character to one
simplified character (OpenCC's table; see ``build_t2s.py`` there), so
converting is a ``str.translate`` that keeps every offset: spans found in
the simplified text are the same spans in the written one, and the
written form of a name can be kept as an alias (``ingest.resolve``).

Only a text that *is* traditional is converted: a few characters of the
table (乾, 著, 於) also occur in simplified text, so the share of table
characters among the Chinese ones decides.
"""
from __future__ import annotations

import re
from functools import cache

from ingest.lexicon import lines

#: A Han character, the one range every stage uses: the unified ideographs,
#: extension A (rare characters some place names are written with) and the
#: compatibility block.  A character class body: ``rf"[{HAN}]{{2,4}}"``.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(rf"[{HAN}]")
#: the Chinese numerals headings, list items and dates are numbered with
#: (一、 （二） 三是 十二月); a character class body like :data:`HAN`.
CN_NUMBERS = "一二三四五六七八九十"
#: share of table characters above which a text is traditional (simplified
#: report text has well under 1 %, traditional text a fifth or more)
TRADITIONAL_SHARE = 0.05
_SAMPLE = 4000


@cache
def table() -> dict[int, int]:
    """Code point of a traditional character → its simplified one."""
    out: dict[int, int] = {}
    for line in lines("t2s-chars.txt"):
        trad, _, simp = line.partition(" ")
        if len(trad) == 1 and len(simp) == 1:
            out[ord(trad)] = ord(simp)
    return out


def is_traditional(text: str) -> bool:
    """Is ``text`` written in traditional characters (judged on its start)?"""
    sample = text[:_SAMPLE]
    han = len(HAN_CHAR.findall(sample))
    if han < 20:
        return False
    t = table()
    return sum(1 for c in sample if ord(c) in t) / han >= TRADITIONAL_SHARE


def simplify(text: str) -> str:
    """The same text, character for character, in simplified characters."""
    return text.translate(table())
