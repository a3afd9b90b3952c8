"""镇 and 行政区: the township-level units and the divisions above them.

行政区 (county, prefecture, province) are taken from the division gazetteer
(``ingest.gazetteer``), never guessed:

* a full name as written: 云阳县, 启东市 (also inside 启东市委), 北京市西城区
  (two mentions); a one-character name with its suffix (和县) only right
  after its prefecture or province, since 和县 is also "and the county";
* the ``X县`` form of an autonomous county (屏边县 for 屏边苗族自治县);
* a short form where only a place can stand: 法治武冈建设, and a list of
  sibling counties of one prefecture (大方、黔西、织金).

Names inside 《》 or inside a 法律 mention already found are skipped (a
place named only in a document title is not annotated).

镇 are the reporting unit (``rep.meta.unit``) wherever the text names it,
and a township named right after its county (武冈市文坪镇).  Division and
township mentions are ``nested``: they stay when an organisation's name
contains them (启东市委, 江口镇人民政府).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from kg.model import DIVISION, TOWNSHIP, Doc, Mention, Report
from ingest.recognize.laws import lexicon, trie_regex

SOURCE = "divisions"

_CJK = "\u4e00-\u9fff"
_TITLE = re.compile(r"《[^《》\n]*》")
_TOWNSHIP_TAIL = re.compile(rf"([{_CJK}]{{2,4}}?)(镇|乡|街道)")
_LEVEL_ORDER = {"county": 0, "prefecture": 1, "province": 2}


@dataclass(frozen=True)
class Place:
    """A surface form and what it names."""

    label: str          # the name to use
    official: str       # the gazetteer's name
    level: str
    parent: str
    province: str


@dataclass
class _Tables:
    full: dict[str, Place]            # written forms of ≥ 3 characters
    full_re: re.Pattern[str] | None
    two: dict[str, list[Place]]       # one-character stem + suffix: 和县
    short: dict[str, list[Place]]     # 武冈 → 武冈市 (county/prefecture only)
    short_re: re.Pattern[str] | None
    rule_of_law: re.Pattern[str] | None   # 法治武冈建设
    sibling_list: re.Pattern[str] | None  # 大方、黔西、织金


def _pick(cands: list[Place]) -> Place:
    """Of places sharing a written form, the most common level, lowest first."""
    levels = Counter(c.level for c in cands)
    best = max(levels, key=lambda lv: (levels[lv], -_LEVEL_ORDER[lv]))
    return next(c for c in cands if c.level == best)


@cache
def _tables() -> _Tables:
    try:
        from ingest import gazetteer
    except ImportError:
        return _Tables({}, None, {}, {}, None, None, None)
    full: dict[str, list[Place]] = {}
    two: dict[str, list[Place]] = {}
    short: dict[str, list[Place]] = {}
    for d in gazetteer.load_divisions():
        p = Place(d.name, d.name, d.level, d.parent, d.province)
        (full if len(d.name) >= 3 else two).setdefault(d.name, []).append(p)
        if d.short and len(d.short) >= 2:
            if d.level != "province":
                short.setdefault(d.short, []).append(p)
            # 屏边县 for 屏边苗族自治县, 红河州 for …自治州: the usual spoken form
            for tail, spoken in (("自治县", "县"), ("自治旗", "旗"), ("自治州", "州")):
                if d.name.endswith(tail):
                    form = d.short + spoken
                    full.setdefault(form, []).append(Place(form, d.name, d.level, d.parent, d.province))
    full_one = {k: _pick(v) for k, v in full.items()}
    shorts_re = trie_regex(sorted(short, key=len, reverse=True))
    return _Tables(
        full=full_one,
        full_re=re.compile(trie_regex(sorted(full_one, key=len, reverse=True))),
        two=two,
        short=short,
        short_re=re.compile(shorts_re),
        rule_of_law=re.compile(rf"法治({shorts_re})建设"),
        sibling_list=re.compile(rf"({shorts_re})(?:、(?:{shorts_re}))+"),
    )


def _masked(rep: Report, s_start: int, s_end: int, text: str) -> list[tuple[int, int]]:
    """Sentence-local spans not to look in: 《titles》 and 法律 mentions."""
    spans = [m.span() for m in _TITLE.finditer(text)]
    for m in rep.mentions:
        if m.type == "法律" and m.start < s_end and m.end > s_start:
            spans.append((m.start - s_start, m.end - s_start))
    return spans


def _hit(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(a < e and b > s for s, e in spans)


def division_mention(place: Place, written: str, start: int, end: int, sentence: int) -> Mention:
    m = Mention(type=DIVISION, text=written, label=place.label, start=start, end=end,
                sentence=sentence, subtype=place.level, source=SOURCE,
                attrs={"level": place.level, "nested": True})
    for form in (written, place.official):
        if form != place.label:
            m.aliases.add(form)
    return m


def township_mention(name: str, start: int, end: int, sentence: int, county: str | None) -> Mention:
    m = Mention(type=TOWNSHIP, text=name, label=name, start=start, end=end,
                sentence=sentence, source=SOURCE, attrs={"nested": True})
    if county:
        m.attrs["county"] = county
    return m


def is_township_name(name: str) -> bool:
    """Not 各乡镇, 全镇, 城镇…: a 2–4 character stem before 镇/乡/街道."""
    lex = lexicon("divisions-patterns.txt")
    if name in lex.get("generic_townships", ()) or name[0] in lex.get("generic_heads", ()):
        return False
    stem = re.sub(r"(镇|乡|街道)$", "", name)
    bad = "".join(lex.get("not_in_township", ()))
    return (2 <= len(stem) <= 4 and not any(c in bad for c in stem)
            and not any(g in name for g in lex.get("generic_townships", ())))


def reporting_unit(rep: Report) -> str | None:
    """The reporting unit's name, without a division written in front."""
    unit = rep.meta.unit
    if not unit:
        return None
    t = _tables()
    if t.full_re is not None:
        last = None
        for m in t.full_re.finditer(unit):
            last = m
        if last is not None and len(unit) - last.end() >= 2:
            unit = unit[last.end():]
    return unit


def find(doc: Doc, rep: Report) -> None:
    """Append 镇 and 行政区 mentions for every sentence of ``rep``."""
    t = _tables()
    lex = lexicon("divisions-patterns.txt")
    not_after = lex.get("not_after_division", ())
    ambiguous = set(lex.get("ambiguous_names", ()))
    seat = lex.get("seat_words", ())
    unit = reporting_unit(rep)
    out: list[Mention] = []
    for s in rep.sentences:
        text = s.text
        masked = _masked(rep, s.start, s.end, text)
        taken: list[tuple[int, int]] = []

        def add_division(place: Place, a: int, b: int) -> None:
            out.append(division_mention(place, text[a:b], s.start + a, s.start + b, s.index))
            taken.append((a, b))

        if t.full_re is not None:
            for m in t.full_re.finditer(text):
                a, b = m.span()
                if a == b or _hit(masked, a, b) or text.startswith(not_after, b):
                    continue
                place = t.full[m.group()]
                if m.group() in ambiguous and not (
                        text.startswith(seat, b) or text[:a].endswith((place.parent, place.province))):
                    continue
                add_division(place, a, b)
                # 安徽省和县: a one-character county right after its superior
                nxt = text[b:b + 2]
                for p in t.two.get(nxt, ()):
                    if place.level != "county" and place.official in (p.parent, p.province):
                        add_division(p, b, b + 2)
                        b += 2
                        break
                if place.level == "county":
                    tail = _TOWNSHIP_TAIL.match(text, b)
                    if tail and is_township_name(tail.group()) and not _hit(masked, *tail.span()):
                        out.append(township_mention(tail.group(), s.start + tail.start(),
                                                    s.start + tail.end(), s.index, place.label))
                        taken.append(tail.span())
        if t.rule_of_law is not None and "法治" in text:
            for m in t.rule_of_law.finditer(text):
                a, b = m.span(1)
                cands = t.short.get(m.group(1), [])
                names = {c.official for c in cands}
                if len(names) == 1 and not _hit(masked, a, b) and not _hit(taken, a, b):
                    add_division(cands[0], a, b)
        if t.sibling_list is not None and "、" in text:
            for m in t.sibling_list.finditer(text):
                if _hit(masked, *m.span()):
                    continue
                _sibling_counties(m, text, t, add_division, taken)
        if unit:
            i = text.find(unit)
            while i >= 0:
                j = i + len(unit)
                if not _hit(masked, i, j) and not _hit(taken, i, j):
                    out.append(township_mention(unit, s.start + i, s.start + j, s.index, None))
                i = text.find(unit, j)
    rep.mentions.extend(out)


def _sibling_counties(m: re.Match[str], text: str, t: _Tables, add, taken) -> None:
    """大方、黔西、织金: every item a county short of one prefecture."""
    items: list[tuple[int, int]] = []
    pos = m.start()
    for part in m.group().split("、"):
        items.append((pos, pos + len(part)))
        pos += len(part) + 1
    # the first item may have been read with letters before it: 处于大方
    parents: list[set[str]] = []
    for a, b in items:
        parents.append({c.parent for c in t.short.get(text[a:b], []) if c.level == "county"})
    common = set.intersection(*parents) if parents else set()
    if len(items) < 2 or not common:
        return
    parent = sorted(common)[0]
    for a, b in items:
        if _hit(taken, a, b):
            continue
        place = next(c for c in t.short[text[a:b]] if c.parent == parent and c.level == "county")
        add(place, a, b)
