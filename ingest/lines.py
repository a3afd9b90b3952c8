"""Lines of the normalised text and the numbered headings that open them.

After ``normalise`` a line is one paragraph, heading, or header field.
Both the structure stage (reports, titles, sections, signatures) and the
metadata stage (header, issuer, opening) read a report through these
lines; they live here so that neither stage reaches into the other.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.dates import FULL_DATE
from ingest.hanzi import CN_NUMBERS, HAN

#: web-page clutter above the report: index numbers, publishing fields
CLUTTER = re.compile(
    r"^[\[【•·\-－]|[|｜]"
    r"|^(?:索\s*引\s*号|发布|发文|文\s*号|文件编号|主题分类|体裁分类|成文日期|有\s*效\s*性|时效性|公文|公开"
    r"|来\s*源|浏览|点击|字体|名\s*称|备注|信息来源|作者|编辑|责任编辑|所属|分类|访问|日期"
    r"|当前位置|您的位置|您现在的位置|首页\s*[>＞›»/])"
    # a breadcrumb (政务公开 > 乡镇动态), a site's name (某县人民政府门户网站)
    rf"|(?:[{HAN}]{{2,}}\s*[>＞›»]\s*){{2}}|(?:门户网站|政府网|网站首页)$"
    # a document number alone on its line (青石府发〔2024〕26号), above the title
    rf"|^[{HAN}]{{1,16}}\s*[〔［\[（(]\s*(?:19|20)\d\d\s*[〕］\]）)]\s*第?\s*\d{{1,5}}\s*号$"
)
#: a report's title with its unit in brackets (【某某镇】2023年法治政府建设报告): no clutter
_MARKED_TITLE = re.compile(rf"^[\[【][{HAN}]{{2,20}}[\]】][^|｜]*法治[^|｜]*(?:报告|总结)$")
_SENT_PUNCT = re.compile(r"[，。；！？,;!?]")
#: a title-like line is at most this long
_TITLE_MAX = 60

#: numbered headings, by level: 一、  （一）  1、/1.  (1)/①
_HEADINGS = [
    (1, re.compile(rf"([{CN_NUMBERS}]{{1,3}})\s*[、.．]\s*")),
    (2, re.compile(rf"[（(]\s*([{CN_NUMBERS}]{{1,3}})\s*[）)]\s*[、.．]?\s*")),
    (3, re.compile(r"(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    (4, re.compile(r"[（(]\s*(\d{1,2})\s*[）)]\s*|([①-⑳])\s*")),
]


def title_like(text: str) -> bool:
    """Short and without sentence punctuation: a title, heading or field."""
    return len(text) <= _TITLE_MAX and not _SENT_PUNCT.search(text)


@dataclass
class Line:
    start: int
    end: int
    text: str

    @property
    def title_like(self) -> bool:
        return title_like(self.text)

    @property
    def clutter(self) -> bool:
        return len(self.text) <= 120 and bool(CLUTTER.search(self.text)) \
            and not _MARKED_TITLE.match(self.text)

    @property
    def is_date(self) -> bool:
        return len(self.text) <= 20 and bool(FULL_DATE.fullmatch(self.text.replace(" ", "")))


def lines_of(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """The non-empty lines of ``text[start:end]`` with their offsets."""
    end = len(text) if end is None else end
    out: list[Line] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            nl = end
        if nl > pos and text[pos:nl].strip():
            out.append(Line(pos, nl, text[pos:nl]))
        pos = nl + 1
    return out


def heading_at(text: str, pos: int) -> tuple[int, str, int] | None:
    """(level, number, end of the number) of a numbered heading at ``pos``."""
    for level, pat in _HEADINGS:
        m = pat.match(text, pos)
        if m:
            number = m.group(1) or (m.group(2) if m.lastindex and m.lastindex >= 2 else "")
            return level, number or m.group().strip(), m.end()
    return None
