"""Stages ``structure`` and ``sentences``: reports, titles, sections, sentences.

``run`` splits a file into reports (a file may hold pages of two), finds
each report's title, its numbered sections (一、 （一） 1、 (1) 一是) with
parent links, which sections are the four required parts of an annual
report, and the signature block (issuer line + date line).

``run_sentences`` cuts each report into sentences that know their innermost
section, then fills the report metadata (``ingest.metadata.fill``).

Everything works on lines of the normalised text (one paragraph or heading
per line after ``normalise``) with precompiled patterns.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from ingest import hanzi, metadata
from ingest.hanzi import CN_NUMBERS, HAN
from ingest.lexicon import UNITS, alternation, section_words
from ingest.lines import Line, heading_at, lines_of, title_like
from kg.errors import InputError
from kg.model import Doc, Report, Section, Sentence

# ---- line kinds -----------------------------------------------------------
#: a signature's issuer: an organ or the unit itself, on a short line
_ISSUER = re.compile(
    rf"^(?:中共)?[{HAN}（）()]{{2,40}}?(?:人民政府|政府|办事处|委员会|党委|党工委|街道|镇|乡"
    r"|法治政府建设工作领导小组|领导小组(?:办公室)?)$"
)
_TITLE_WORDS = re.compile(r"报告|总结|情况")
_REPORT_TITLE = re.compile(r"法治.{0,20}(?:报告|总结)|(?:报告|总结)$")
_ORGAN_HEAD = re.compile(rf"(?:{alternation(section_words(UNITS, 'issuers', 'header_ends'))})$")
#: what may follow a signature without being more of a report
#: body text after a signature that makes it the end of one report of several
_MORE_BODY = 80
#: body text a report must have before anything can end it
_REAL_BODY = 200
_TRAILER = re.compile(r"^(?:附件|附表|抄送|抄报|主送|印发|联系人|联系电话|（此件|\(此件|此件|签发|校对|打印)")

# ---- headings -------------------------------------------------------------
_POINT = re.compile(rf"(?:^|(?<=[。；！？;]))([{CN_NUMBERS}]{{1,3}})是(?=[^，。；、]{{2}})", re.M)
_TITLE_END = re.compile(rf"[。！？；;：:]|(?<=[{HAN}]) (?=[{HAN}])")
_POINT_END = re.compile(r"[。！？；;，,：:]")
_HEADING_MAX = 80

# ---- required parts (kg.model.REQUIRED_PARTS) -----------------------------
_COVERS = [
    ("first_responsibility", re.compile(r"第一责任|主要负责人.{0,12}(?:职责|责任)|(?:党政|主要)负责人履")),
    ("shortcomings", re.compile(r"不足|问题|短板|差距|薄弱|困难")),
    ("next_year", re.compile(r"下一年|下年度|明年|下步|下一步|今后|(?:工作|主要)?(?:安排|打算|计划|思路|展望|设想)"
                             r"|20\d\d年.{0,12}(?:重点|目标|任务)")),
    ("measures", re.compile(r"举措|成效|做法|工作情况|开展情况|主要工作|措施|推进情况|建设情况|工作开展"
                            r"|法治.{0,8}基本情况|主要成绩|取得")),
]

# ---- sentences --------------------------------------------------------------
_SENT = re.compile(
    r"(?:《[^《》\n]{0,200}》|“[^“”\n]{0,400}”|[^。！？；!?;\n])+(?:[。！？；!?;]+[”’」』）)]*)?"
    r"|[。！？；!?;]+"
)


# ---- stage: structure -----------------------------------------------------

def run(doc: Doc) -> None:
    """Split ``doc.text`` into reports and fill their title, sections, signature.

    A text in traditional characters is first read through its simplified
    form (``ingest.hanzi``: one character for one, so every offset holds);
    ``doc.simplified`` says so, and resolve keeps the written names as aliases.
    """
    if hanzi.is_traditional(doc.text):
        doc.text = hanzi.simplify(doc.text)
        doc.simplified = True
        doc.warnings.append("written in traditional characters: read through a simplified form")
    text = doc.text
    lines = lines_of(text)
    if not lines:
        raise InputError(str(doc.path), "no text left after normalising")
    starts = _report_starts(lines)
    doc.reports = []
    for k, first in enumerate(starts):
        last = starts[k + 1] if k + 1 < len(starts) else len(lines)
        rep = Report(index=k, start=lines[first].start, end=lines[last - 1].end)
        _fill(doc, rep, lines[first:last])
        doc.reports.append(rep)


def _signatures(lines: list[Line]) -> list[tuple[int, int]]:
    """(first line, last line) of every signature block: issuer? + date."""
    out = []
    for i, ln in enumerate(lines):
        if not ln.is_date or i == 0:
            continue
        prev = lines[i - 1]
        if prev.title_like and _ISSUER.match(prev.text.replace(" ", "")):
            out.append((i - 1, i))
        elif not prev.title_like:
            out.append((i, i))      # a date alone under the last paragraph
    return out


def _body_after(lines: list[Line], i: int, enough: int = _MORE_BODY) -> int:
    """Characters of report body in lines[i:] (up to ``enough``), ignoring trailers."""
    total = 0
    for k in range(i, len(lines)):
        ln = lines[k]
        if ln.clutter or _TRAILER.match(ln.text):
            break
        total += len(ln.text)
        if total >= enough:
            break
    return total


def _report_starts(lines: list[Line]) -> list[int]:
    """Indices of the lines where a report starts (always 0 first).

    One pass: a report ends after a signature block that more body text
    follows, or before a second report title; either only once the current
    report has a real body (a date under a header is not a signature).
    """
    after_sig: set[int] = set()
    for _, last in _signatures(lines):
        nxt = last + 1
        while nxt < len(lines) and lines[nxt].clutter:
            nxt += 1
        after_sig.add(nxt)
    starts = [0]
    body = 0          # body characters of the current report so far
    for i, ln in enumerate(lines):
        if body >= _REAL_BODY:
            if i in after_sig and _body_after(lines, i) >= _MORE_BODY:
                starts.append(i)
                body = 0
            elif _is_report_title(ln.text):
                j = i
                while j - 1 > starts[-1] and lines[j - 1].title_like and _ORGAN_HEAD.search(lines[j - 1].text):
                    j -= 1      # the document header lines above the title
                starts.append(j)
                body = sum(len(x.text) for x in lines[j:i] if not x.title_like)
        if not ln.title_like:
            body += len(ln.text)
    return starts


def _is_report_title(text: str) -> bool:
    return (title_like(text) and not heading_at(text, 0)
            and "法治" in text and bool(_REPORT_TITLE.search(text)))


def _fill(doc: Doc, rep: Report, lines: list[Line]) -> None:
    """Title, signature and sections of one report."""
    body_first = _find_title(rep, lines)
    sig = _signatures(lines)
    content_end = rep.end
    if sig:
        a, b = sig[-1]
        # only a signature near the end of the report counts as its own
        if _body_after(lines, b + 1) < _MORE_BODY:
            rep.signature = (lines[a].start, lines[b].end)
            content_end = lines[a].start
    rep.sections = _sections(doc.text, lines[body_first:], content_end)
    _mark_covers(rep.sections)


def _find_title(rep: Report, lines: list[Line]) -> int:
    """Set ``rep.title``/``title_span``; return the index of the first body line."""
    head: list[int] = []
    for i, ln in enumerate(lines[:20]):
        if ln.clutter:
            continue
        if not ln.title_like or heading_at(ln.text, 0):
            break
        head.append(i)
    # the first block of consecutive title-like lines naming a report
    best: tuple[int, int] | None = None
    k = 0
    while k < len(head):
        j = k
        while j + 1 < len(head) and head[j + 1] == head[j] + 1:
            j += 1
        block = head[k:j + 1]
        hit = [n for n in block if _TITLE_WORDS.search(lines[n].text)]
        if hit:
            first = block[0]
            # document-header lines (…人民政府文件, 中共…委员会) are not the title
            while first < hit[0] and _ORGAN_HEAD.search(lines[first].text):
                first += 1
            best = (first, hit[0])
            break
        k = j + 1
    if best:
        a, b = best
        rep.title = "".join(lines[n].text.strip() for n in range(a, b + 1))
        rep.title_span = (lines[a].start, lines[b].end)
    return (head[-1] + 1) if head else 0


def _sections(text: str, lines: list[Line], content_end: int) -> list[Section]:
    """Numbered headings with their spans and parent links."""
    found: list[tuple[int, int, str, str, int]] = []   # start, level, number, title, title end
    for ln in lines:
        if ln.start >= content_end:
            break
        h = heading_at(text, ln.start)
        if h and (len(ln.text) <= _HEADING_MAX or _TITLE_END.search(text, h[2], ln.end)):
            level, number, after = h
            m = _TITLE_END.search(text, after, ln.end)
            t_end = m.start() if m else ln.end
            title = text[after:t_end].strip(" ：:")
            if title and (t_end - after) <= _HEADING_MAX:
                found.append((ln.start, level, number, title, t_end))
        for m in _POINT.finditer(text, ln.start, ln.end):
            p = m.start(1)
            e = _POINT_END.search(text, m.end(), ln.end)
            t_end = e.start() if e else ln.end
            title = text[m.end():t_end]
            if title and t_end - m.end() <= _HEADING_MAX:
                found.append((p, 5, m.group(1), title, t_end))
    found.sort()
    sections: list[Section] = []
    stack: list[Section] = []
    for start, level, number, title, _ in found:
        while stack and stack[-1].level >= level:
            stack.pop().end = start
        sec = Section(index=len(sections), level=level, number=number, title=title,
                      start=start, end=content_end, parent=stack[-1].index if stack else None)
        sections.append(sec)
        stack.append(sec)
    for sec in stack:
        sec.end = content_end
    return sections


def _mark_covers(sections: list[Section]) -> None:
    """Mark top-level sections that are one of the four required parts."""
    if not sections:
        return
    top = min(s.level for s in sections)
    for sec in sections:
        if sec.level != top:
            continue
        for code, pat in _COVERS:
            if pat.search(sec.title):
                sec.covers = code
                break


# ---- stage: sentences -----------------------------------------------------

def run_sentences(doc: Doc) -> None:
    """Sentences of every report, then the report metadata.

    A later report of a split file that names no unit of its own is folded
    back into the report before it: the split was a false alarm.
    """
    kept: list[Report] = []
    grown: set[int] = set()       # kept reports that took in later ones
    for rep in doc.reports:
        try:
            metadata.fill(doc, rep)
        except InputError:
            if not kept:
                raise
            prev = kept[-1]
            prev.end = rep.end
            prev.signature = rep.signature or prev.signature
            grown.add(len(kept) - 1)
            continue
        kept.append(rep)
    # sections once per grown report, after all folding (redoing them at each
    # fold was quadratic in a file of many signed parts)
    for k in sorted(grown):
        prev = kept[k]
        prev.sections = _sections(doc.text, lines_of(doc.text, prev.start, prev.end),
                                  prev.signature[0] if prev.signature else prev.end)
        _mark_covers(prev.sections)
    for k, rep in enumerate(kept):
        rep.index = k
        rep.sentences = split_sentences(doc.text, rep)
    doc.reports = kept


def split_sentences(text: str, rep: Report) -> list[Sentence]:
    """Sentences of one report: split on 。！？； and line breaks, never
    inside 《》 or “”; a heading is a sentence of its own."""
    breaks = sorted(_heading_breaks(text, rep))
    starts = [s.start for s in rep.sections]
    out: list[Sentence] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a] in " \t":
            a += 1
        while b > a and text[b - 1] in " \t":
            b -= 1
        if a < b:
            out.append(Sentence(len(out), a, b, text[a:b], _innermost(rep.sections, starts, a)))

    for m in _SENT.finditer(text, rep.start, rep.end):
        a, b = m.span()
        k = bisect_right(breaks, a)
        while k < len(breaks) and breaks[k] < b:
            add(a, breaks[k])
            a = breaks[k]
            k += 1
        add(a, b)
    return out


def _heading_breaks(text: str, rep: Report) -> set[int]:
    """Ends of heading titles that run on into their paragraph on one line."""
    out = set()
    for sec in rep.sections:
        if sec.level == 5:
            continue
        end = text.find(sec.title, sec.start)
        if end < 0:
            continue
        end += len(sec.title)
        nl = text.find("\n", sec.start)
        line_end = nl if nl >= 0 else len(text)
        if end < line_end and text[end] not in "。！？；;：:":
            out.add(end)
    return out


def _innermost(sections: list[Section], starts: list[int], pos: int) -> int | None:
    k = bisect_right(starts, pos) - 1
    while k is not None and k >= 0:
        sec = sections[k]
        if sec.start <= pos < sec.end:
            return sec.index
        k = sec.parent
    return None
