"""Figures: every reported result as a :class:`kg.model.Indicator`.

A figure is a number (Arabic or Chinese: 140, 1.2万, 十二, 两) followed by a
unit from ``data/lexicons/figures-units.txt`` (件, 起, 人次, 元, % …), with
its approximation (余/多/以上 → more, 约/左右 → about, 不少于/至少 →
atleast).  Its metric is named from the words around it in the same clause:
the words before the number, stripped of time and padding words
(``figures-padding.txt``), plus the noun it counts when one follows
("设立5个内设机构" → 设立内设机构; "55名执法人员均完成…" → 执法人员均完成…).

What is not a figure: dates and years (年/月/日 are no units), list and
section numbers (no unit), ordinals (第N), numbers inside quotation or
book-title marks (names such as "141"体系, 《…(2021-2025年)》), set phrases
(``figures-stop.txt``: 三位一体, 四个意识, 3日内), rules (每季度1次, 每次须
有2人以上), targets (力争, 目标) and everything under the next year's plans.

Work is per sentence with regexes compiled once.  The words these rules
use are in ``data/lexicons/figures-patterns.txt``, with the ids of the rules
that make a figure (``figures.count``, ``figures.rate-pair``) and that name
it (``figures.list-shared``, ``figures.dependent``, ``figures.place``),
which every :class:`kg.model.Indicator` records in ``rules``.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ingest import numerals
from ingest.hanzi import CN_NUMBERS
from ingest.lexicon import alternation, sections
from ingest.lexicon import lines as _lines
from ingest.rules import rule, words
from kg.model import Doc, Indicator, Report, Sentence

# the rules that make and name figures (data/lexicons/figures-patterns.txt)
COUNT = rule("figures.count")
RATE_PAIR = rule("figures.rate-pair")
LIST_SHARED = rule("figures.list-shared")
DEPENDENT = rule("figures.dependent")
PLACE = rule("figures.place")

_P = sections("figures-patterns.txt")


def _alt(name: str) -> str:
    """A section of figures-patterns.txt as one regex alternation, in file order."""
    return "|".join(_P.get(name, ()))


def _kinds(name: str) -> dict[str, str]:
    """A section of "WORD KIND" lines as a dict."""
    return dict(line.split() for line in _P.get(name, ()))


# Ends a clause: the metric of a figure never reaches across one.
_CLAUSE_END = "，,；;。：:！!？?（）()【】[]/\n"
# Ends the noun phrase after a figure (and separates list items).
_POST_END = _CLAUSE_END + "、"
# Words joining list items, dropped at the edges of a metric.
_JOINERS = _P.get("joiners", ())
# What is dropped before and after a figure's quote.
_QUOTE_LEFT = "".join(_P.get("quote_edge_left", ())) + " "
_QUOTE_RIGHT = "".join(_P.get("quote_edge_right", ())) + " "

# Verbs that begin the next figure's words when two figures share a clause
# without punctuation ("在6个行政村开展法治课堂18次"): the noun after the
# first figure stops before them.
_VERBS = re.compile(_alt("next_figure_verbs"))

# One-character padding that also ends common words (行为, 现有, 存在, 统计):
# dropped only when the character before does not make such a word.
_END_GUARDED = _alt("end_guarded")

# A list or heading number left at the start of a clause: 2. （三） 一是
_LIST_MARK = (rf"(?:\d{{1,2}}|[{CN_NUMBERS}]{{1,3}})\s*[、.．]|[（(][{CN_NUMBERS}\d]{{1,3}}[)）]"
              rf"|[{CN_NUMBERS}]是")

# Adjacent digit words (两三, 七八) make a guess; 数/几/上/近 before a
# Chinese number, or another number and 至/到/-, make a range.
_VAGUE_CN = re.compile(r"[一二两三四五六七八九]{2}")
_RANGE_BEFORE = re.compile(r"(?:\d|[一二两三四五六七八九十百千万])\s*(?:至|到|-|~|～|—|－)\s*$")
_VAGUE_CN_BEFORE = re.compile(rf"(?:{_alt('vague_before')})$")

# A limit or a penalty scale, as laws and rules state them.
_LIMIT_AFTER = re.compile(rf"\s*(?:{_alt('limit_after')})")
_PENALTY_BEFORE = re.compile("|".join(rf"{w}\s*$" for w in _P.get("penalty_before", ())))

# Chinese numerals with 个/项/条 name slogans (两项改革, 十个严禁) unless the
# clause reports a result.
_RHETORIC_UNITS = frozenset(_P.get("rhetoric_units", ()))
_CN_RESULT = re.compile(_alt("result_words"))

# Approximation words before the number and after the unit.
_APPROX_BEFORE_KIND = _kinds("approx_before")
_APPROX_BEFORE = re.compile(rf"({'|'.join(_APPROX_BEFORE_KIND)})\s*$")
_APPROX_INSIDE = _alt("approx_inside")           # 余|多: between number and unit
_APPROX_AFTER_KIND = {**_kinds("approx_after"), **{w: "more" for w in _P.get("approx_inside", ())}}
_APPROX_AFTER = "|".join(_kinds("approx_after"))  # 左右|以上: after the unit

# A rule or a target, not a result, when the clause says so.
_RULE = re.compile(_alt("rule_words"))
# 每 shortly before the number: 每季度1次, 每两月1次, 每年不少于4次.
_EVERY = _P["every"][0]
_EVERY_GAP = 7

# Quoted spans: names and titles, whose numbers are never figures.
_QUOTED = re.compile(r"“[^”]{0,40}”|《[^》]{0,80}》|\"[^\"]{0,40}\"|「[^」]{0,40}」|‘[^’]{0,40}’"
                     r"|〔[^〕]{0,12}〕|\[[^\]]{0,12}\]")
_QUOTE_MARKS = re.compile(r"[“”\"‘’「」《》〈〉\s]")

# A top-level heading (一、…) and whether it opens the next year's plans.
_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")
_PLAN_HEADING = re.compile(_alt("plan_headings"))

# In the plans part, a clause still reports a result when it says it is done
# or holds now, and says nothing of the future.
_DONE = re.compile(_alt("done_words"))
_FUTURE = re.compile(_alt("future_words"))


@dataclass(frozen=True)
class _Rules:
    """Lexicons and the figure regex, built once per process."""

    figure: re.Pattern
    canonical: dict[str, str]
    stop: tuple[str, ...]
    start_pad: re.Pattern
    end_pad: re.Pattern
    anywhere_pad: re.Pattern
    dependent_exact: frozenset[str]
    dependent_end: tuple[str, ...]
    dependent_start: tuple[str, ...]




@cache
def _rules() -> _Rules:
    canonical: dict[str, str] = {}
    for line in _lines("figures-units.txt"):
        parts = line.split()
        canonical[parts[0]] = parts[1] if len(parts) > 1 else parts[0]
    units = alternation(canonical)
    figure = re.compile(
        rf"(?P<ord>第\s*)?(?<![0-9A-Za-z.\-_·•:#＃×*+])(?<![0-9A-Za-z]/)"
        rf"(?P<num>{numerals.ARABIC}|{numerals.CHINESE})\s*"
        rf"(?:(?P<more0>{_APPROX_INSIDE})(?=\s*[万亿]))?"
        rf"(?P<mul>[万亿](?=\s*(?:{_APPROX_INSIDE})?\s*(?:{units})))?\s*"
        rf"(?P<more>{_APPROX_INSIDE})?\s*"
        rf"(?P<unit>{units})"
        rf"(?P<tail>\s*(?:{_APPROX_AFTER}))?")
    pads: dict[str, list[str]] = {"start": [], "end": [], "anywhere": []}
    for line in _lines("figures-padding.txt"):
        kind, _, word = line.partition(" ")
        pads[kind.strip()].append(word.strip())
    dep: dict[str, list[str]] = {"exact": [], "end": [], "start": []}
    for line in _lines("figures-dependent.txt"):
        kind, _, word = line.partition(" ")
        dep[kind.strip()].append(word.strip())
    year = _alt("dates")
    return _Rules(
        figure=figure,
        canonical=canonical,
        stop=tuple(_lines("figures-stop.txt")),
        start_pad=re.compile(
            rf"^(?:{year}|{_LIST_MARK}|{_alt('start_patterns')}|{alternation(pads['start'] + list(_JOINERS))})"),
        end_pad=re.compile(rf"(?:{alternation(pads['end'] + list(_JOINERS))}|{_END_GUARDED})$"),
        anywhere_pad=re.compile(alternation(pads["anywhere"])),
        dependent_exact=frozenset(dep["exact"]),
        dependent_end=tuple(dep["end"]),
        dependent_start=tuple(dep["start"]),
    )


def _strip(words: str, rules: _Rules) -> str:
    """Drop time, subject and padding words from both ends of a metric."""
    words = _QUOTE_MARKS.sub("", words)
    words = rules.anywhere_pad.sub("", words)
    for _ in range(8):
        new = rules.start_pad.sub("", words)
        new = rules.end_pad.sub("", new)
        if new == words:
            break
        words = new
    return words


@dataclass
class _Found:
    """A figure within one sentence, before its metric is settled."""

    start: int          # of the number (or of the ordinal mark)
    num_start: int
    end: int            # after unit and tail
    value: float
    unit: str
    approx: str | None
    raw: str
    pre_start: int = 0
    post_end: int = 0
    pre: str = ""
    post: str = ""


def _in_spans(i: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < i < b for a, b in spans)


_CLAUSE_MARK = re.compile("[" + re.escape(_CLAUSE_END) + "]")


@lru_cache(maxsize=256)
def _clause_marks(text: str) -> tuple[int, ...]:
    """Where the clauses of a sentence end (found once per sentence)."""
    return tuple(m.start() for m in _CLAUSE_MARK.finditer(text))


def _clause_bounds(text: str, i: int, j: int) -> tuple[int, int]:
    """The clause holding text[i:j]: after the last mark before i, up to the first at or after j."""
    marks = _clause_marks(text)
    k = bisect.bisect_left(marks, i)
    a = marks[k - 1] + 1 if k else 0
    k = bisect.bisect_left(marks, j)
    return a, marks[k] if k < len(marks) else len(text)


def _figures(text: str, rules: _Rules) -> list[_Found]:
    """Every acceptable number + unit in a sentence, in order."""
    spans = [m.span() for m in _QUOTED.finditer(text)] if any(
        c in text for c in "“\"《「‘〔[") else []
    out: list[_Found] = []
    for m in rules.figure.finditer(text):
        if m.group("ord"):
            continue                       # 第3次: an ordinal
        num, unit = m.group("num"), m.group("unit")
        if num == "一":
            continue                       # 一次/一个: idiom far more often than a count
        if _VAGUE_CN.search(num):
            continue                       # 两三次, 七八个: a guess, not a figure
        if _RANGE_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue                       # 10至20人: no single value
        if not num[0].isdigit() and _VAGUE_CN_BEFORE.search(text, 0, m.start()):
            continue                       # 数十场, 几十人
        if text.startswith(rules.stop, m.start("unit")):
            continue                       # 三位一体, 3日内, 四个意识
        if _LIMIT_AFTER.match(text, m.end()) or (
                unit == "元" and _PENALTY_BEFORE.search(text, 0, m.start())):
            continue                       # 500元以下, 处200元罚款: a legal limit
        if _in_spans(m.start("num"), spans):
            continue                       # "141"体系, 《纲要(2021-2025年)》
        c0, c1 = _clause_bounds(text, m.start(), m.end())
        clause = text[c0:c1]
        if _RULE.search(clause):
            continue
        if unit in _RHETORIC_UNITS and not num[0].isdigit() and not _CN_RESULT.search(clause):
            continue                       # 强化六项措施, 严守十个严禁: slogans
        every = text.rfind(_EVERY, c0, m.start())
        if every >= 0 and m.start() - every <= _EVERY_GAP:
            continue                       # 每季度1次: a rule
        value = numerals.value(num)
        if value is None:
            continue
        if m.group("mul"):
            value *= numerals.MULTIPLIER[m.group("mul")]
        approx = None
        if m.group("more") or m.group("more0"):
            approx = "more"
        if m.group("tail"):
            approx = _APPROX_AFTER_KIND[m.group("tail").strip()]
        before = _APPROX_BEFORE.search(text, c0, m.start())
        if before and approx is None:
            approx = _APPROX_BEFORE_KIND[before.group(1)]
        canon = rules.canonical.get(unit, unit)
        out.append(_Found(
            start=m.start(), num_start=m.start("num"), end=m.end(),
            value=int(value) if value == value.to_integral_value() else float(value),
            unit=canon, approx=approx, raw=num + (m.group("mul") or "")))
    return out


_PAREN_NOTE = re.compile(r"[（(][^（()）]{1,8}[)）]")


def _post_stop(text: str, i: int, nxt: int) -> int:
    """Where the words after a figure end: a clause end, a list separator or
    the next figure; a short note in brackets (社区) does not end them."""
    while True:
        stop = min([k for k in (text.find(c, i, nxt) for c in _POST_END) if k >= 0] or [nxt])
        note = _PAREN_NOTE.match(text, stop) if stop < nxt else None
        if note is None or note.end() > nxt or stop == i:
            return stop
        i = note.end()


def _name(text: str, found: list[_Found], rules: _Rules
          ) -> list[tuple[_Found, str, int, int, list[str]]]:
    """The metric of each figure, with the quote's span in the sentence and
    the ids of the rules that named it."""
    # The noun after each figure, up to a clause end, a list separator or
    # the next figure (where a verb hands the words over to that figure).
    for k, f in enumerate(found):
        nxt = found[k + 1].start if k + 1 < len(found) else len(text)
        stop = _post_stop(text, f.end, nxt)
        post = text[f.end:stop]
        if stop == nxt and k + 1 < len(found):
            v = _VERBS.search(post)
            if v:
                stop = f.end + v.start()
                post = post[:v.start()]
        f.post_end = min(stop, f.end + 30)
        f.post = post[:30]
    out = []
    prev: _Found | None = None
    prev_metric = ""
    base_metric = ""         # the last metric that names its own thing
    for f in found:
        c0, _ = _clause_bounds(text, f.start, f.end)
        left = c0
        joined = False           # only a list separator since the last figure
        if prev is not None and prev.post_end > c0:
            left = prev.post_end
            joined = True
        elif prev is not None and prev.end > c0:
            left, joined = prev.end, True
        f.pre_start = left
        pre = _strip(text[left:f.start], rules)
        post = _strip(f.post, rules)
        made = [COUNT]
        if pre:
            metric = pre + post
        elif prev is not None and (joined or not post):
            metric = (_strip(prev.pre, rules) + post) if post else prev_metric
            made.append(LIST_SHARED)
        else:
            metric = post
        f.pre = pre
        if metric and _dependent(metric, rules):
            qual = _qualifier(text, f, base_metric, rules)
            if len(qual) > 3 and qual[-1] == metric[0]:
                qual = qual[:-2]         # 简易程序处罚 + 罚款 → 简易程序罚款
            metric = qual + metric
            made.append(DEPENDENT)
        elif metric:
            base_metric = metric
        if not metric:
            prev = f
            continue
        q0 = left + (len(text[left:f.start]) - len(text[left:f.start].lstrip(_QUOTE_LEFT)))
        q1 = f.post_end if post else f.end
        out.append((f, metric, q0, q1, made))
        prev, prev_metric = f, metric
    return out


def _dependent(metric: str, rules: _Rules) -> bool:
    """A metric that needs the name of what it measures from elsewhere."""
    return metric in rules.dependent_exact or metric.startswith(rules.dependent_start) or (
        metric.endswith(rules.dependent_end) and len(metric) <= 12)


def _qualifier(text: str, f: _Found, prev_metric: str, rules: _Rules) -> str:
    """What a dependent metric measures: the sentence's previous figure,
    else the sentence's first clause (when the figure is not in it)."""
    if prev_metric:
        return prev_metric
    marks = _clause_marks(text)
    first = marks[0] if marks else len(text)
    if first >= f.start:
        return ""
    return _strip(text[:first], rules)[:24]


_RATE_PAIR = re.compile(words(RATE_PAIR)[0])


def _sentence(rep: Report, s: Sentence, rules: _Rules, plan: bool,
              names: list[tuple[int, int]], places: tuple[str, ...]) -> None:
    text = s.text
    found = _figures(text, rules)
    if found and names:
        spans = []
        for a, b in names[bisect.bisect_left(names, (s.start - 200, 0)):]:
            if a >= s.end:
                break
            if b > s.start:
                spans.append((a - s.start, b - s.start))
        found = [f for f in found if not any(a <= f.num_start < b for a, b in spans)]
    if plan:                            # under next year's plans: only what is done
        found = [f for f in found if _done(text, f)]
    if not found:
        return
    for f, metric, q0, q1, made in _name(text, found, rules):
        for place in places:             # 惠南镇共主动公开… → 主动公开…
            if metric.startswith(place) and len(metric) > len(place) + 1:
                metric = _strip(metric[len(place):], rules)
                made = [*made, PLACE]
                break
        quote = text[q0:q1].strip().rstrip(_QUOTE_RIGHT)
        metrics = [metric]
        pair = _RATE_PAIR.fullmatch(metric) if f.unit == "%" else None
        if pair:                        # 参考率和合格率均达100%: two figures
            metrics = [pair.group(1), pair.group(2)]
            made = [*made, RATE_PAIR]
        for name in metrics:
            rep.indicators.append(Indicator(
                metric=name, value=f.value, unit=f.unit,
                start=s.start + f.num_start, end=s.start + f.end, sentence=s.index,
                text=quote, approx=f.approx, raw=f.raw, rules=list(made)))


def _done(text: str, f: _Found) -> bool:
    """A figure of the plans part that still states a result (目前已有…了)."""
    c0, c1 = _clause_bounds(text, f.start, f.end)
    clause = text[c0:c1]
    return bool(_DONE.search(clause)) and not _FUTURE.search(clause)


def _plan_sentences(rep: Report) -> set[int]:
    """Indices of sentences under the next year's plans (results there are rare)."""
    parent = {sec.index: sec.parent for sec in rep.sections}
    plan_sections = {sec.index for sec in rep.sections if sec.covers == "next_year"}

    def under_plan(section: int | None) -> bool:
        for _ in range(16):              # sections nest a few levels at most
            if section is None:
                return False
            if section in plan_sections:
                return True
            section = parent.get(section)
        return False

    out: set[int] = set()
    in_plan = False
    for s in rep.sentences:
        # Without sections from the structure stage, follow top-level headings.
        if _HEADING.match(s.text):
            in_plan = bool(_PLAN_HEADING.search(s.text))
        if in_plan or under_plan(s.section):
            out.add(s.index)
    return out


def find(doc: Doc, rep: Report) -> None:
    """Append every reported figure of ``rep`` to ``rep.indicators``."""
    rules = _rules()
    plan = _plan_sentences(rep)
    # Numbers inside a name found by the other recognisers (三项制度,
    # "141"体系, a place such as 五家渠市) are part of that name.
    places = rep.meta.name_forms()
    names = sorted((m.start, m.end) for m in rep.mentions if m.end - m.start > 1)
    for s in rep.sentences:
        _sentence(rep, s, rules, s.index in plan, names, places)
