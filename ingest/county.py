"""Divisions around a township: the gazetteers, the county a report states, the one it implies.

* :func:`townships`, :func:`division_forms`, :func:`division_hits`,
  :func:`level`: the township and division gazetteers as the unit and
  county rules read them.
* A county is *stated* when the text writes it where a superior body
  stands: before the unit (云阳县江口镇, :func:`chain_before`), as the body
  that leads (在启东市委的领导下) or in the addressee line
  (:func:`superior_county`), or in a slogan under a bare 区委
  (:func:`slogan_county`).
* :func:`infer_county` gives a township's county when the text does not
  state it: the one gazetteer township of that name in China, or the one
  within the divisions and superior bodies the text names (区委 → a 区).
  Several candidates and nothing to choose between them: no county.

The word lists are in ``data/lexicons/units-heuristics.txt``.
"""
from __future__ import annotations

import re
from functools import cache

from ingest import gazetteer
from ingest.hanzi import HAN, HAN_CHAR
from ingest.lexicon import UNITS, sections

_COUNTY_SUFFIX = re.compile(rf"[{HAN}]{{2,5}}?(?:自治县|自治旗|新区|县|区|市|旗)")
_SUPERIOR_AFTER = re.compile(r"委|人民政府|政府|依法治|法治政府建设|司法局|人大")
_TRAILING_ORGAN = re.compile(r"(?:人民政府|政府|中共)$")
_GENERIC_TAIL = re.compile(rf"[{HAN}]{{2,4}}(?:自治县|自治旗|县|区|市|旗)$")
_GENERIC_COUNTY = re.compile(r"(?:自治县|自治旗|新区|县|区|市|旗)(?=委|人民政府|政府|依法治|司法局|人大)")
#: what a county's own name does not contain (it would be a phrase)
NOT_IN_NAME = re.compile(r"[委县区市旗省镇乡府]|依法|法治|政府|中共|人大|领导")
_SLOGAN = re.compile(rf"法治([{HAN}]{{2,3}}?)建设")
_BARE_BODY = re.compile(rf"(?<![{HAN}])(县|区|市|旗)委|(?<=[和、，,在])(县|区|市|旗)委")
#: the last character of every division name
_DIV_END = re.compile(r"[县区市旗省州盟]")


# ---- word lists -------------------------------------------------------------

@cache
def lex() -> dict[str, tuple[str, ...]]:
    return sections(UNITS)


@cache
def stop() -> frozenset[str]:
    return frozenset("".join(lex()["stop"]))


@cache
def soft_stop() -> frozenset[str]:
    return frozenset("".join(lex()["soft_stop"]))


@cache
def verb_prefix() -> re.Pattern[str]:
    words = sorted(lex()["verb_prefix"], key=len, reverse=True)
    return re.compile("^(?:" + "|".join(map(re.escape, words)) + ")")


@cache
def not_unit() -> frozenset[str]:
    return frozenset(lex()["not_unit"])


@cache
def self_pattern(section: str) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(lex()[section], key=len, reverse=True))))


@cache
def _bare_superior() -> re.Pattern[str]:
    """区委, 县政府 … standing alone (not the tail of 宝坻区委)."""
    words = "|".join(map(re.escape, sorted(lex()["bare_superior"], key=len, reverse=True)))
    return re.compile(rf"(?:(?<![{HAN}])|(?<=[和、，,在]))(?:{words})")



# ---- gazetteers -------------------------------------------------------------

@cache
def townships():
    """The township gazetteer, or None when it cannot be read (suffix rules then decide)."""
    try:
        return gazetteer.townships()
    except (OSError, ValueError):   # the data file unreadable, not the code
        return None


@cache
def _divisions() -> dict[str, list]:
    """name/short → divisions, from the gazetteer (empty if it is missing)."""
    try:
        return gazetteer.division_index()
    except (OSError, ValueError):   # the data file unreadable, not the code
        return {}


@cache
def division_forms() -> dict[str, str]:
    """Every written form of a division → its level.

    Full names, plus the way autonomous counties are usually written
    (屏边苗族自治县 → 屏边县, …自治旗 → …旗).
    """
    forms: dict[str, str] = {}
    rank = {"county": 0, "prefecture": 1, "province": 2}
    for ds in _divisions().values():
        for d in ds:
            names = [d.name]
            if d.short and d.name.endswith(("自治县", "自治旗")) and len(d.short) >= 2:
                names += [d.short + d.name[-1], d.short + d.name[-3:]]   # 屏边县, 屏边自治县
            for n in names:
                if len(n) >= 2 and (n not in forms or rank[d.level] < rank.get(forms[n], 9)):
                    forms[n] = d.level
    return forms


@cache
def _official() -> dict[str, str]:
    """A written county form → the gazetteer's name (镇宁自治县 → 镇宁布依族苗族自治县)."""
    out: dict[str, str] = {}
    for ds in _divisions().values():
        for d in ds:
            if d.level == "county":
                out.setdefault(d.name, d.name)
                if d.short and d.name.endswith(("自治县", "自治旗")) and len(d.short) >= 2:
                    out.setdefault(d.short + d.name[-1], d.name)
                    out.setdefault(d.short + d.name[-3:], d.name)
    return out


def official(name: str) -> str:
    """The gazetteer's name of a written county form (镇宁自治县 → 镇宁布依族苗族自治县)."""
    return _official().get(name, name)


def division_hits(s: str) -> list[tuple[int, str]]:
    """Gazetteer division names in ``s``: (start, name), the longest at each end."""
    forms = division_forms()
    if not forms:
        return []
    hits: list[tuple[int, str]] = []
    for m in _DIV_END.finditer(s):
        e = m.end()
        for n in range(min(10, e), 1, -1):
            if s[e - n:e] in forms:
                hits.append((e - n, s[e - n:e]))
                break
    return hits


def level(name: str) -> str | None:
    """Gazetteer level of a written name (county/prefecture/province), else by suffix."""
    lv = division_forms().get(name)
    if lv:
        return lv
    if name.endswith(("省", "自治区")):
        return "province"
    if name.endswith(("县", "区", "旗")):
        return "county"
    if name.endswith(("州", "盟", "地区")):
        return "prefecture"
    if name.endswith("市"):
        return "county"       # refined by position in a chain
    return None



# ---- divisions written before a unit, superior bodies -------------------------

def chain_before(s: str) -> list[str]:
    """Division names written right before a unit, outermost first.

    ``烟台市莱山区人民政府`` + 黄海路街道 → [烟台市, 莱山区]; walks back from
    the end of ``s`` over gazetteer names, and 县/区/市/旗 names the
    gazetteer lacks when they start a word (某某县白沙镇 → [某某县]).
    """
    forms = division_forms()
    chain: list[str] = []
    end = len(s)
    while end > 0:
        while end > 0 and s[end - 1] in " \u3000":
            end -= 1          # 曹县 大集镇: a title spaced out
        organ = _TRAILING_ORGAN.search(s, 0, end)
        if organ:
            end = organ.start()
        end = _before_zone(s, end, forms)
        hit = None
        for n in range(min(9, end), 1, -1):
            if s[end - n:end] in forms:
                hit = s[end - n:end]
                break
        if hit is None:
            hit = _unlisted_tail(s, end, forms)
        if hit is None:
            break
        chain.insert(0, hit)
        end -= len(hit)
    return chain


def _before_zone(s: str, end: int, forms: dict[str, str]) -> int:
    """Where a functional zone (经济开发区) ending at ``end`` starts, when a
    gazetteer division stands right before it; else ``end``."""
    for z in lex()["zone"]:
        at = end - len(z)
        if at > 0 and s.startswith(z, at) and any(s[max(0, at - k):at] in forms for k in range(2, 10)):
            return at
    return end


def _unlisted_tail(s: str, end: int, forms: dict[str, str]) -> str | None:
    """A 县/区/市/旗 name the gazetteer lacks ending at ``end``: the shortest
    (3–5 characters) that starts a word or follows a gazetteer division
    (菏泽市 + a renamed 某某区: 撤县设区 newer than the gazetteer)."""
    for n in range(3, min(6, end + 1)):
        name = s[end - n:end]
        at = end - n
        if _GENERIC_TAIL.fullmatch(name) and not NOT_IN_NAME.search(name[:-1]) and not _is_zone(name) and (
                bounded(s, at) or any(s[max(0, at - k):at] in forms for k in range(2, 10))):
            return name
    return None


def _is_zone(name: str) -> bool:
    """A bare zone kind (经济开发区), or one with a one-character stem: no county."""
    return any(name == z or (name.endswith(z) and len(name) - len(z) < 2) for z in lex()["zone"])


def divisions_in(s: str) -> list[str]:
    """Division names anywhere in ``s`` (a county reporting itself)."""
    names = [name for _, name in division_hits(s)]
    return names or [m.group() for m in _COUNTY_SUFFIX.finditer(s)
                     if bounded(s, m.start()) and not NOT_IN_NAME.search(m.group()[:-1])]


def superior_county(where: list[tuple[str, bool]], unit: str | None = None) -> str | None:
    """A county-level name standing for the body above the township.

    ``where`` holds (text, is_addressee); in the addressee line any county
    named counts (the report goes to its county's bodies), elsewhere only a
    name followed by a body (县委, 人民政府, 依法治区办) or after 中共.
    """
    known = division_forms()
    verbs = verb_prefix()
    for s, is_addressee in where:
        if not s:
            continue
        hits = division_hits(s)
        hits += [h for h in _generic_counties(s, verbs) if h[1] not in known]
        if unit and unit in s:
            at = s.index(unit)
            chain = chain_before(s[:at])
            county = next((n for n in reversed(chain) if level(n) == "county"), None)
            if county and not (len(county) < 3 and county.endswith("区")):
                return county
        for at, name in sorted(hits):
            if level(name) != "county" or (len(name) < 3 and name.endswith("区")):
                continue
            if len(name) < 3 and not bounded(s, at):
                continue      # 和县 inside 领导和县委
            end = at + len(name)
            if s.startswith(name[-1], end):
                end += 1          # 曹县县委: the level said again before the body
            superior = bool(_SUPERIOR_AFTER.match(s, end)) or s[max(0, at - 2):at] == "中共"
            if superior or (is_addressee and name in known):
                return name
    return None


def slogan_county(s: str) -> str | None:
    """法治白云建设 under a bare 区委: the county whose short name is 白云.

    Only when the text also speaks of the county's party committee without
    naming it (区委、区政府), so the slogan plainly names the county above.
    """
    bodies = {m.group(1) or m.group(2) for m in _BARE_BODY.finditer(s)}
    if not bodies:
        return None
    for m in _SLOGAN.finditer(s):
        names = {d.name for d in _divisions().get(m.group(1), [])
                 if d.level == "county" and d.short == m.group(1) and d.name[-1] in bodies}
        if len(names) == 1:
            return names.pop()
    return None


def _generic_counties(s: str, verbs: re.Pattern[str]) -> list[tuple[int, str]]:
    """County-level names the gazetteer lacks, spelt out before a body (XX县委)."""
    stops = stop()
    out = []
    for m in _GENERIC_COUNTY.finditer(s):
        k = m.start()
        while k > 0 and m.start() - k < 5 and HAN_CHAR.match(s, k - 1) and s[k - 1] not in stops:
            k -= 1
        name = s[k:m.end()]
        is_bounded = k == 0 or not HAN_CHAR.match(s, k - 1) or s[k - 1] in stops
        low = 1 if m.group() == "新区" else 2     # X新区 is also X新 + 区
        if low <= m.start() - k <= 4 and is_bounded and not NOT_IN_NAME.search(name[:-1]) \
                and not verbs.match(name) and not _is_zone(name):
            out.append((k, name))     # not 参加县 in 参加县司法局组织的培训
    return out


def bounded(s: str, at: int) -> bool:
    """Does a name starting at ``at`` start a word (not the tail of one)?"""
    return at == 0 or not HAN_CHAR.match(s, at - 1) or s[at - 1] in stop() or s[max(0, at - 2):at] == "中共"


def gazetteer_counties(unit: str, county: str) -> list[str]:
    """The gazetteer's counties of township ``unit`` when none is the county
    ``county`` the text states (empty when they agree or the gazetteer
    lacks the township).  The stated county still wins: the text is what
    the report says (a county renamed, 撤县设区, or one the gazetteer lacks),
    the gazetteer only a list of names; the caller warns."""
    g = townships()
    if g is None:
        return []
    counties = sorted({t.county for t in g.lookup(unit) if t.county})
    return [] if official(county) in counties else counties


def contradicts(name: str, county: str) -> bool:
    """Does the gazetteer list township ``name``, but never under the
    gazetteer county ``county`` the text states?"""
    g = townships()
    official = _official().get(county)
    if g is None or not official:
        return False
    rows = g.lookup(name)
    return bool(rows) and all(t.county != official for t in rows)


# ---- the county a text does not state ----------------------------------------

def infer_county(unit: str, text: str) -> str | None:
    """The county of gazetteer township ``unit`` when exactly one fits.

    Everywhere in China first; else only the townships whose county,
    prefecture or province ``text`` names (as a gazetteer division), most
    specific level first; else those under a county of the kind its bare
    superior bodies name (在区委、区政府的领导下 → a 区).  None when several
    remain or none does: never a guess.
    """
    g = townships()
    if g is None:
        return None
    rows = [t for t in g.lookup(unit) if t.county]
    counties = {t.county for t in rows}
    if len(counties) == 1:
        return counties.pop()
    if not counties:
        return None
    named = {n for _, n in division_hits(text)}
    official = _official()
    named |= {official[n] for n in named if n in official}
    for attr in ("county", "prefecture", "province"):
        fits = {t.county for t in rows if getattr(t, attr) in named}
        if len(fits) == 1:
            return fits.pop()
        if len(fits) > 1:
            rows = [t for t in rows if t.county in fits]
            break
    bare = {w[0] for w in _bare_superior().findall(text)}
    if len(bare) == 1:
        fits = {t.county for t in rows if t.county.endswith(tuple(bare))}
        if len(fits) == 1:
            return fits.pop()
    return None

