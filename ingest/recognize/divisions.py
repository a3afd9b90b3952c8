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
from dataclasses import dataclass, field
from functools import cache

from ingest import county, gazetteer, unit
from ingest.hanzi import HAN
from ingest.recognize.laws import lexicon, trie_regex
from ingest.rules import rule
from kg.model import DIVISION, LAW, TOWNSHIP, Doc, Mention, Report, Sentence

FULL = rule("divisions.full")
ONE_CHAR = rule("divisions.one_char")
SLOGAN = rule("divisions.slogan")
SIBLINGS = rule("divisions.siblings")
AFTER_COUNTY = rule("divisions.township_after_county")
LISTED = rule("divisions.township_listed")

SOURCE = "divisions"

_TITLE = re.compile(r"《[^《》\n]*》")
# A township standing alone: after a separator, 2–3 letters, 镇/乡/街道; kept
# when a seat word follows (白沙镇人民政府) or it is one of a list of them
# (白沙镇、长岭乡).
_TOWNSHIP_WORD = re.compile(rf"(?:(?<=[^{HAN}\d])|(?<=[的与和及同])|^)([{HAN}]{{2,3}}(?:镇|乡|街道))")
_TOWNSHIP_TAIL = re.compile(rf"([{HAN}]{{2,4}}?)(镇|乡|街道)")
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
    longest: int                      # the longest of them
    suffix_re: re.Pattern[str] | None # where a full name may end: 县, 区, 市 …
    two: dict[str, list[Place]]       # one-character stem + suffix: 和县
    short: dict[str, list[Place]]     # 武冈 → 武冈市 (county/prefecture only)
    rule_of_law: re.Pattern[str] | None   # 法治武冈建设


def _pick(cands: list[Place]) -> Place:
    """Of places sharing a written form, the most common level, lowest first."""
    levels = Counter(c.level for c in cands)
    best = max(levels, key=lambda lv: (levels[lv], -_LEVEL_ORDER[lv]))
    return next(c for c in cands if c.level == best)


@cache
def _tables() -> _Tables:
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
    # A name is found from its last character: the few suffix characters are
    # rare in running text, and a dict lookup per candidate length is cheap
    # (a regex alternation of 3000 names is tried branch by branch).
    ends = "".join(sorted({k[-1] for k in full_one}))
    shorts_re = trie_regex(sorted(short, key=len, reverse=True))
    return _Tables(
        full=full_one,
        longest=max(map(len, full_one)),
        suffix_re=re.compile(f"[{re.escape(ends)}]"),
        two=two,
        short=short,
        rule_of_law=re.compile(rf"法治({shorts_re})建设"),
    )


def full_names(text: str, t: _Tables) -> list[tuple[int, int]]:
    """Spans of full division names, left to right, longest at each end."""
    out: list[tuple[int, int]] = []
    last_end = 0
    for m in t.suffix_re.finditer(text):
        b = m.end()
        for n in range(min(t.longest, b - last_end), 2, -1):
            if text[b - n:b] in t.full:
                out.append((b - n, b))
                last_end = b
                break
    return out


def _masked(laws_here: list[Mention], s_start: int, text: str) -> list[tuple[int, int]]:
    """Sentence-local spans not to look in: 《titles》 and 法律 mentions."""
    spans = [m.span() for m in _TITLE.finditer(text)]
    spans.extend((m.start - s_start, m.end - s_start) for m in laws_here)
    return spans


def _hit(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(a < e and b > s for s, e in spans)


def division_mention(place: Place, written: str, start: int, end: int, sentence: int,
                     rule_id: str = FULL) -> Mention:
    m = Mention(type=DIVISION, text=written, label=place.label, start=start, end=end,
                sentence=sentence, subtype=place.level, source=SOURCE,
                level=place.level, nested=True, rules=[rule_id])
    for form in (written, place.official):
        if form != place.label:
            m.aliases.add(form)
    return m


def township_mention(name: str, start: int, end: int, sentence: int, county: str | None,
                     rule_id: str = LISTED) -> Mention:
    m = Mention(type=TOWNSHIP, text=name, label=name, start=start, end=end,
                sentence=sentence, source=SOURCE, nested=True, county=county or None,
                rules=[rule_id])
    return m


def is_township_name(name: str) -> bool:
    """A township's name: the township gazetteer decides (赵集镇 is one
    although 集镇 is a word).  Without the gazetteer: not 各乡镇, 全镇,
    城镇…, a 2–4 character stem before 镇/乡/街道."""
    g = county.townships()
    if g is not None:
        return len(name) >= 3 and name in g
    lex = lexicon("divisions-patterns.txt")
    if name in lex.get("generic_townships", ()) or name[0] in lex.get("generic_heads", ()):
        return False
    stem = re.sub(r"(镇|乡|街道)$", "", name)
    bad = "".join(lex.get("not_in_township", ()))
    return (2 <= len(stem) <= 4 and not any(c in bad for c in stem)
            and not any(g in name for g in lex.get("generic_townships", ())))


def other_townships(text: str, lex: dict[str, tuple[str, ...]]) -> list[tuple[int, int]]:
    """Townships named alone: before a seat word, or two or more in a list."""
    seats = lex.get("township_seat_words", ())
    if county.townships() is not None:    # the gazetteer's names, longest at each end
        cands = [(a, b) for _, _, a, b in unit.proposals(text)]
    else:
        cands = [m.span(1) for m in _TOWNSHIP_WORD.finditer(text) if is_township_name(m.group(1))]
    out: list[tuple[int, int]] = []
    for k, (a, b) in enumerate(cands):
        listed = any(0 <= (a - pb) <= 1 and text[pb:a] in ("、", "和", "与", "及")
                     for pa, pb in cands[max(0, k - 1):k])
        listed = listed or any(0 <= (na - b) <= 1 and text[b:na] in ("、", "和", "与", "及")
                               for na, nb in cands[k + 1:k + 2])
        if listed or text.startswith(seats, b):
            out.append((a, b))
    return out


def reporting_unit(rep: Report) -> str | None:
    """The reporting unit's name, without a division written in front."""
    unit = rep.meta.unit
    if not unit:
        return None
    t = _tables()
    spans = full_names(unit, t) if t.suffix_re is not None else []
    if spans and len(unit) - spans[-1][1] >= 2:
        unit = unit[spans[-1][1]:]
    return unit


def unit_forms(name: str | None, kind: str | None, official: str | None = None) -> list[str]:
    """How the text may write the reporting unit, longest first: as the
    report names it, the gazetteer's name, and 万兴街 for 万兴街道."""
    if not name:
        return []
    forms = [name] + ([official] if official and official != name else [])
    for f in list(forms):
        if kind == "街道" and f.endswith("街道") and len(f) >= 4:
            forms.append(f[:-1])
    return sorted(dict.fromkeys(forms), key=len, reverse=True)


def unit_mention(rep: Report, name: str, written: str, start: int, end: int, sentence: int) -> Mention:
    """The reporting unit named in the text: a 镇 for a township, a 行政区 for a county."""
    decided_by = rep.meta.unit_rule or unit.GAZETTEER
    if rep.meta.is_township:
        m = township_mention(name, start, end, sentence, None, decided_by)
    else:
        place = _tables().full.get(name) or Place(name, county.official(name), "county", "", "")
        m = division_mention(place, written, start, end, sentence, decided_by)
        m.label = name
    if written != name:
        m.aliases.add(written)
    return m


@dataclass
class _Scan:
    """One sentence being read: what it holds, where not to look, what is taken."""

    s: Sentence
    masked: list[tuple[int, int]]
    out: list[Mention]
    taken: list[tuple[int, int]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.s.text

    def free(self, a: int, b: int) -> bool:
        return not _hit(self.masked, a, b) and not _hit(self.taken, a, b)

    def add(self, m: Mention, a: int, b: int) -> None:
        self.out.append(m)
        self.taken.append((a, b))

    def add_division(self, place: Place, a: int, b: int, rule_id: str = FULL) -> None:
        s = self.s
        self.add(division_mention(place, s.text[a:b], s.start + a, s.start + b, s.index, rule_id), a, b)


def find(doc: Doc, rep: Report) -> None:
    """Append 镇 and 行政区 mentions for every sentence of ``rep``."""
    t = _tables()
    lex = lexicon("divisions-patterns.txt")
    unit_name = reporting_unit(rep)
    forms = unit_forms(unit_name, rep.meta.kind, rep.meta.unit_name)
    out: list[Mention] = []
    laws_by_sentence: dict[int, list[Mention]] = {}
    for m in rep.mentions:
        if m.type == LAW:
            laws_by_sentence.setdefault(m.sentence, []).append(m)
    for s in rep.sentences:
        scan = _Scan(s, _masked(laws_by_sentence.get(s.index, []), s.start, s.text), out)
        if t.suffix_re is not None:
            _full_divisions(scan, t, lex)
        if t.rule_of_law is not None and "法治" in s.text:
            _slogans(scan, t)
        if t.short and "、" in s.text:
            for a, b, place in sibling_counties(s.text, t):
                if scan.free(a, b):
                    scan.add_division(place, a, b, SIBLINGS)
        if "镇" in s.text or "乡" in s.text or "街道" in s.text:
            _listed_townships(scan, lex, forms)
        _unit_named(scan, rep, unit_name, forms)
    rep.mentions.extend(out)


def _full_divisions(scan: _Scan, t: _Tables, lex: dict[str, tuple[str, ...]]) -> None:
    """Full division names; a one-character county right after its superior
    (安徽省和县); a township right after its county (武冈市文坪镇)."""
    text = scan.text
    not_after = lex.get("not_after_division", ())
    ambiguous = set(lex.get("ambiguous_names", ()))
    seat = lex.get("seat_words", ())
    for a, b in full_names(text, t):
        if _hit(scan.masked, a, b) or text.startswith(not_after, b):
            continue
        name = text[a:b]
        place = t.full[name]
        if name in ambiguous and not (
                text.startswith(seat, b) or text[:a].endswith((place.parent, place.province))):
            continue
        scan.add_division(place, a, b)
        nxt = text[b:b + 2]
        for p in t.two.get(nxt, ()):
            if place.level != "county" and place.official in (p.parent, p.province):
                scan.add_division(p, b, b + 2, ONE_CHAR)
                b += 2
                break
        if place.level == "county":
            _township_after(scan, place, b)


def _township_after(scan: _Scan, place: Place, b: int) -> None:
    tail = _TOWNSHIP_TAIL.match(scan.text, b)
    if tail and is_township_name(tail.group()) and not _hit(scan.masked, *tail.span()):
        s = scan.s
        scan.add(township_mention(tail.group(), s.start + tail.start(), s.start + tail.end(), s.index,
                                  place.label, AFTER_COUNTY), *tail.span())


def _slogans(scan: _Scan, t: _Tables) -> None:
    """法治武冈建设: a short form only one division bears."""
    for m in t.rule_of_law.finditer(scan.text):
        a, b = m.span(1)
        cands = t.short.get(m.group(1), [])
        if len({c.official for c in cands}) == 1 and scan.free(a, b):
            scan.add_division(cands[0], a, b, SLOGAN)


def _listed_townships(scan: _Scan, lex: dict[str, tuple[str, ...]], forms: list[str]) -> None:
    """Other townships named alone, not the reporting unit, nor the tail of
    its name (华溪镇 inside 塔华溪镇, a unit the gazetteer lacks)."""
    text, s = scan.text, scan.s
    for a, b in other_townships(text, lex):
        if text[a:b] in forms or any(text.startswith(f, b - len(f)) for f in forms if len(f) > b - a):
            continue
        if scan.free(a, b):
            scan.add(township_mention(text[a:b], s.start + a, s.start + b, s.index, None), a, b)


def _unit_named(scan: _Scan, rep: Report, unit_name: str | None, forms: list[str]) -> None:
    """Every place the text names the reporting unit (in any of its forms)."""
    text, s = scan.text, scan.s
    for form in forms:
        i = text.find(form)
        while i >= 0:
            j = i + len(form)
            if scan.free(i, j) and not (j < len(text) and form.endswith("街") and text[j] == "道"):
                scan.add(unit_mention(rep, unit_name, form, s.start + i, s.start + j, s.index), i, j)
            i = text.find(form, j)


def _shorts_ending(text: str, i: int, t: _Tables) -> list[tuple[int, int]]:
    return [(i - n, i) for n in (4, 3, 2) if i - n >= 0 and text[i - n:i] in t.short]


def _shorts_starting(text: str, i: int, t: _Tables) -> list[tuple[int, int]]:
    return [(i, i + n) for n in (4, 3, 2) if text[i:i + n] in t.short]


def sibling_counties(text: str, t: _Tables) -> list[tuple[int, int, Place]]:
    """大方、黔西、织金: runs of county short forms of one prefecture.

    Items are read around each 、; a run of at least two whose counties
    share a parent is kept (the parent is what makes 和平、发展 no list).
    """
    runs: list[list[tuple[int, int]]] = []
    i = text.find("、")
    while i >= 0:
        left = _shorts_ending(text, i, t)
        right = _shorts_starting(text, i + 1, t)
        if left and right:
            before, after = left[0], right[0]
            if runs and runs[-1][-1] == before:
                runs[-1].append(after)
            else:
                runs.append([before, after])
        i = text.find("、", i + 1)
    out: list[tuple[int, int, Place]] = []
    for run in runs:
        parents = [{c.parent for c in t.short[text[a:b]] if c.level == "county"} for a, b in run]
        common = set.intersection(*parents)
        if common:
            parent = min(common)
            for a, b in run:
                place = next(c for c in t.short[text[a:b]] if c.level == "county" and c.parent == parent)
                out.append((a, b, place))
    return out
