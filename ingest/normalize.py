"""Stage ``normalise``: clean the text and keep a map back to the original.

``doc.text`` is what every later stage reads; ``doc.offsets[i]`` is the
index in ``doc.original`` of ``doc.text[i]`` (``len(text) + 1`` entries,
the last one ``len(original)``), so provenance can always quote the file.

Three passes, each a rewrite that carries the offset array along (slices
of ``array`` are copied at C speed; no per-character Python loop):

1. characters: conversion artefacts (``[bookmark: _GoBack]``), zero-width
   characters and soft hyphens go; NBSP/ideographic space/tab → space;
   CR and form feed → line break; full-width digits → ASCII digits.
2. spaces inside lines: the spaces PDF conversion puts between Chinese and
   digits or between Chinese characters ("2023 年" → "2023年") go; a wide
   gap between two Chinese words (a heading set off from its paragraph)
   stays as one space.
3. lines: blank lines and page numbers ("- 3 -", "第3页") go; a line broken
   inside a sentence (no sentence-final mark, next line goes on with the
   sentence) is joined to the next with nothing in between, while
   headings, title lines, signatures and dates keep their own line.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

from ingest.dates import DATE
from ingest.hanzi import CN_NUMBERS, HAN, HAN_CHAR
from ingest.lexicon import UNITS, alternation, section_words
from kg.model import Doc

# ---- pass 1: characters ---------------------------------------------------
_ARTEFACT = re.compile(
    r"\[(?:bookmark|anchor|image|picture|footnote|endnote|comment|shape|chart)\s*[:：][^\]\n]{0,200}\]"
    r"|[\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff\u00ad]"
    r"|\r\n?|[\f\v\u00a0\u3000\t\u2002-\u200a\u202f]"
    r"|[０-９]",          # full-width digits (２０２３年): one ASCII digit each
    re.I,
)
_CHAR_MAP = {"\r": "\n", "\r\n": "\n", "\f": "\n", "\v": "\n"}
_CHAR_MAP.update({chr(0xFF10 + i): str(i) for i in range(10)})

# ---- pass 2: spaces inside lines -----------------------------------------
_CPUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·•"
#: runs of spaces; ``_space_repl`` decides from the characters around them
_SPACES = re.compile(" +")
#: what may sit next to a removable space: Chinese, Chinese punctuation …
_CJK_SIDE = re.compile(rf"[{HAN}{_CPUNCT}]")
#: … and on the other side digits and ASCII marks that hug Chinese
_LEFT_OTHER = re.compile(r"[0-9%.,:;)\]]")
_RIGHT_OTHER = re.compile(r"[0-9(\[]")

# ---- pass 3: lines ---------------------------------------------------------
_PAGE_NO = re.compile(
    r"[-—–－‐―~～_]{1,3}\s*\d{1,4}\s*[-—–－‐―~～_]{1,3}"      # - 3 -   —3—
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"     # 第3页 共10页
    r"|\d{1,4}\s*/\s*\d{1,4}"                                  # 3/10
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
)
_BARE_NUMBER = re.compile(r"\d{1,3}")
#: a line that ends a sentence (possibly followed by closing quotes/brackets)
_FINAL = re.compile(r"[。！？；!?;：:…][”’」』）)】〕]*$|[”」』]$")
_HEADING = re.compile(
    rf"(?:[{CN_NUMBERS}]{{1,3}}\s*[、.．]"
    rf"|[（(]\s*[{CN_NUMBERS}\d]{{1,3}}\s*[）)]"
    r"|\d{1,2}\s*[、．]|\d{1,2}\.(?!\d)"
    r"|[①-⑳]"
    rf"|[{CN_NUMBERS}]{{1,3}}是"
    rf"|第[{CN_NUMBERS}]{{1,3}}[，,、是部章节]"
    r"|附件|附表)"
)
_ORGAN_END = re.compile(
    rf"(?:{alternation(section_words(UNITS, 'issuers', 'header_ends', 'office_ends'))})$")
#: sentence punctuation: a line without any is a title-like line
_SENT_PUNCT = re.compile(r"[，。；！？、,;!?]")
_TITLE_MAX = 40
#: numbered headings (一、 （一） 1、 (1)) own their line when short
_NUMBERED = re.compile(rf"(?:[{CN_NUMBERS}]{{1,3}}\s*[、.．]|[（(]\s*[{CN_NUMBERS}\d]{{1,3}}\s*[）)]"
                       r"|\d{1,2}\s*[、．]|\d{1,2}\.(?!\d)|[①-⑳])")
_HEADING_MAX = 60
#: web-page fields and list marks ("索引号 | …", "发布日期:"): never wrapped text
_FIELD = re.compile(r"[|｜:：\[\]【】•]")


def run(doc: Doc) -> None:
    """Fill ``doc.text`` and ``doc.offsets`` from ``doc.original``."""
    src = doc.original
    offs = array("l", range(len(src)))
    text, offs = _rewrite(src, offs, _ARTEFACT, _char_repl)
    text, offs = _rewrite(text, offs, _SPACES, _SpaceRepl(text))
    text, offs = _lines(text, offs, bare_numbers=doc.fmt not in ("docx", "html"))
    offs.append(len(src))
    doc.text = text
    doc.offsets = offs


def normalize_text(text: str, fmt: str = "txt") -> tuple[str, array]:
    """Normalise a string directly; returns (text, offsets)."""
    doc = Doc(path=Path("inline.txt"), fmt=fmt, original=text)
    run(doc)
    return doc.text, doc.offsets


def _rewrite(src: str, offs: array, pattern: re.Pattern[str],
             repl: Callable[[re.Match[str]], str]) -> tuple[str, array]:
    """Replace every match of ``pattern`` by ``repl(m)``, carrying offsets.

    A replacement's characters all map to the first replaced character.
    """
    out: list[str] = []
    new = array("l")
    pos = 0
    for m in pattern.finditer(src):
        a, b = m.span()
        r = repl(m)
        if r == m.group():
            continue
        out.append(src[pos:a])
        new.extend(offs[pos:a])
        if r:
            out.append(r)
            new.extend(array("l", [offs[a]]) * len(r))
        pos = b
    out.append(src[pos:])
    new.extend(offs[pos:])
    return "".join(out), new


def _char_repl(m: re.Match[str]) -> str:
    s = m.group()
    if s in _CHAR_MAP:
        return _CHAR_MAP[s]
    if len(s) == 1 and s.isspace():
        return " "
    return ""          # artefacts and zero-width characters


class _SpaceRepl:
    """Spaces inside a line: drop, keep one, or leave alone.

    Dropped: between Chinese and digits (2023 年), next to Chinese
    punctuation, and inside letter-spaced Chinese (法 治 政 府, or a short
    line like 报  告).  Kept as one space: a gap between two Chinese words
    (a heading set off from its paragraph: 1. 标题  正文).

    Whether a line is a short all-Chinese one is worked out once per line
    (a long line with many gaps must not be rescanned at each gap).
    """

    def __init__(self, src: str) -> None:
        self.src = src
        self.breaks: list[int] | None = None
        self.short: dict[int, bool] = {}

    def short_line(self, a: int) -> bool:
        """Is the line holding ``src[a]`` at most four Chinese characters (and spaces)?"""
        src = self.src
        if self.breaks is None:
            self.breaks = [m.start() for m in _NEWLINE.finditer(src)]
        k = bisect_right(self.breaks, a)
        if k not in self.short:
            ls = self.breaks[k - 1] + 1 if k else 0
            le = self.breaks[k] if k < len(self.breaks) else len(src)
            line = src[ls:le].replace(" ", "")
            self.short[k] = len(line) <= 4 and all(HAN_CHAR.match(c) for c in line)
        return self.short[k]

    def __call__(self, m: re.Match[str]) -> str:
        return _space_repl(m, self)


_NEWLINE = re.compile("\n")


def _space_repl(m: re.Match[str], lines: _SpaceRepl) -> str:
    """One run of spaces (see :class:`_SpaceRepl`)."""
    src, a, b = m.string, m.start(), m.end()
    if a == 0 or b == len(src):
        return m.group()
    left, right = src[a - 1], src[b]
    left_cjk, right_cjk = bool(_CJK_SIDE.match(left)), bool(_CJK_SIDE.match(right))
    if not (left_cjk or right_cjk):
        return m.group()
    if not (left_cjk and right_cjk):
        other_ok = _LEFT_OTHER.match(left) if right_cjk else _RIGHT_OTHER.match(right)
        return "" if other_ok else m.group()
    if not (HAN_CHAR.match(left) and HAN_CHAR.match(right)):
        return ""                 # next to Chinese punctuation
    if (a >= 2 and src[a - 2] == " ") or (b + 1 < len(src) and src[b + 1] == " "):
        return ""                 # one character between spaces: letter spacing
    if lines.short_line(a):
        return ""                 # 报  告 on a line of its own
    return " "


def _is_title_like(line: str) -> bool:
    return len(line) <= _TITLE_MAX and not _SENT_PUNCT.search(line)


def _keeps_own_line(line: str) -> bool:
    """Lines after which we never join: headings-ish, titles, signatures, dates."""
    if _FINAL.search(line) or _is_title_like(line):
        return True
    if len(line) <= _HEADING_MAX and _NUMBERED.match(line) and not _MID_STOP.search(line):
        # (a numbered line with a full stop inside that does not end with one
        # is a paragraph wrapped after its first sentence: 5.加强…。深入推进…聘请金)
        return True
    if len(line) <= _TITLE_MAX and (DATE.fullmatch(line) or _ORGAN_END.search(line)):
        return True
    return False


_MID_STOP = re.compile(r"[。！？；!?;]")
#: a line that begins with a mark which never opens a sentence (，、。；：！？
#: and closing brackets/quotes) goes on with the line before it, whatever that
#: line looks like: a PDF wraps before such a mark as readily as anywhere else
_CONTINUES = re.compile(r"[，,、。．；;：:！!？?）)」』”’】〕…]")


def _starts_own_line(line: str) -> bool:
    """Lines that start something: a heading, a date, a list mark, clutter."""
    first = line[0]
    if not (HAN_CHAR.match(first) or first.isalnum() or first in "“‘《（(「『"):
        return True
    if _HEADING.match(line):
        return True
    if len(line) <= _TITLE_MAX and (DATE.fullmatch(line) or _ORGAN_END.search(line)):
        return True
    return False


def _full_width(lengths: list[int]) -> int:
    """The line width of a fixed layout (PDF), or 0 when lines are paragraphs.

    In a page layout most lines of a paragraph have the same length; those
    lines were wrapped and continue on the next line even when they look
    like a title (no punctuation).
    """
    long = [n for n in lengths if n >= 15]
    if len(long) < 8:
        return 0
    counts: dict[int, int] = {}
    for n in long:
        counts[n] = counts.get(n, 0) + 1
    width = max(counts, key=lambda n: (counts[n] + counts.get(n - 1, 0), n))
    hits = counts[width] + counts.get(width - 1, 0)
    return width if width >= 20 and hits >= 5 and hits / len(long) >= 0.3 else 0


def _lines(src: str, offs: array, *, bare_numbers: bool) -> tuple[str, array]:
    """Drop blank lines and page numbers; join lines broken mid-sentence."""
    kept: list[tuple[int, int]] = []          # (start, end) of each kept line, trimmed
    pos = 0
    n = len(src)
    while pos <= n:
        nl = src.find("\n", pos)
        if nl < 0:
            nl = n
        a, b = pos, nl
        while a < b and src[a] == " ":
            a += 1
        while b > a and src[b - 1] == " ":
            b -= 1
        if a < b:
            line = src[a:b]
            if not (_PAGE_NO.fullmatch(line) or (bare_numbers and _BARE_NUMBER.fullmatch(line)
                                                 and kept and nl < n)):
                kept.append((a, b))
        pos = nl + 1
    full = _full_width([b - a for a, b in kept])
    out: list[str] = []
    new = array("l")
    prev_line = ""
    prev_end = 0
    for i, (a, b) in enumerate(kept):
        line = src[a:b]
        if i:
            wrapped = (full and len(prev_line) >= full - 1 and not _FINAL.search(prev_line)
                       and not _FIELD.search(prev_line))
            if _CONTINUES.match(line):
                sep = ""
            elif (not wrapped and _keeps_own_line(prev_line)) or _starts_own_line(line):
                sep = "\n"
            elif prev_line[-1].isascii() and prev_line[-1].isalnum() and line[0].isascii() \
                    and line[0].isalnum():
                sep = " "     # a broken English phrase: keep the words apart
            else:
                sep = ""
            if sep:
                # the separator stands for the (last) line break in between
                nl = src.rfind("\n", prev_end, a)
                new.append(offs[nl if nl >= 0 else a])
                out.append(sep)
        out.append(line)
        new.extend(offs[a:b])
        prev_line, prev_end = line, b
    return "".join(out), new
