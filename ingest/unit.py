"""Who reports: the reporting unit, and the county above a township.

Heuristics propose, the township gazetteer decides
(``data/gazetteers/townships.tsv``, :func:`ingest.gazetteer.townships`):

* :func:`proposals` reads every 镇/乡/街道/苏木 (and 万兴街 for 万兴街道) in a
  text and keeps the longest gazetteer name ending there (政务海滨街道 →
  海滨街道; 滑县万古镇 → 万古镇, although 古镇 alone is a word).
* :func:`decide` looks, most trusted first, in the title, the header lines
  (web fields such as 发布机构), the signature, the opening, and the body
  (the township named most often).  A name the gazetteer lacks (newly
  created or renamed) is taken only where the title, issuer, signature or
  发布机构 presents it as the reporting unit; the result says it was not
  found (``in_gazetteer`` False).  A county-level report names itself in
  its title, or speaks for its county (我县, 全县) more than for a township.
* :func:`infer_county` gives a township's county when the text does not
  state it: the one gazetteer township of that name in China, or the one
  within the divisions and superior bodies the text names (区委 → a 区).
  Several candidates and nothing to choose between them: no county.

The word lists (stop characters, verbs before names, words that end like a
unit but are not one, how a report speaks of itself) are in
``data/lexicons/units-heuristics.txt``.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from ingest.lexicon import sections
from ingest.rules import rule

GAZETTEER = rule("units.gazetteer")
PRESENTED = rule("units.presented")
COUNTY = rule("units.county")

_HAN = r"\u4e00-\u9fff"
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_LEX = "units-heuristics.txt"

#: where a township-level name may end, for the gazetteer to check: built
#: from [not_a_suffix] (镇 not in 镇压 or 镇江市, 街 where 街道 may be meant)
@cache
def _propose() -> re.Pattern[str]:
    alts = [r"街道(?!级)", "苏木"]
    for entry in _lex()["not_a_suffix"]:
        suffix, _, after = entry.partition(" ")
        alts.append(f"{re.escape(suffix)}(?![{re.escape(after.strip())}])")
    return re.compile("|".join(alts))
#: the longest stem the gazetteer holds that reports write (a few run longer)
_STEM_MAX = 12
_KIND = {"民族乡": "乡"}

#: a unit suffix for names the gazetteer lacks; 街 only where its bodies follow
_SUFFIX = re.compile(r"街道(?!级)|镇(?![压守静痛])|乡(?![村镇土亲贤风愁情里])|街(?=党工委|办事处|道办)")
_ORGAN_SPLIT = re.compile(r"人民政府|政府|委员会|中共|党委|党工委|办事处|人大")
#: longest name before the suffix (民族乡 names run long: 长潭河侗族乡)
_NAME_MAX = {"街道": 6, "镇": 6, "乡": 7, "街": 4}

_COUNTY_SUFFIX = re.compile(rf"[{_HAN}]{{2,5}}?(?:自治县|自治旗|新区|县|区|市|旗)")
_SUPERIOR_AFTER = re.compile(r"委|人民政府|政府|依法治|法治政府建设|司法局|人大")
_TRAILING_ORGAN = re.compile(r"(?:人民政府|政府|中共)$")
_GENERIC_TAIL = re.compile(rf"[{_HAN}]{{2,4}}(?:自治县|自治旗|县|区|市|旗)$")
_GENERIC_COUNTY = re.compile(r"(?:自治县|自治旗|新区|县|区|市|旗)(?=委|人民政府|政府|依法治|司法局|人大)")
#: what a county's own name does not contain (it would be a phrase)
_NOT_IN_NAME = re.compile(r"[委县区市旗省镇乡府]|依法|法治|政府|中共|人大|领导")
_SLOGAN = re.compile(rf"法治([{_HAN}]{{2,3}}?)建设")
_BARE_BODY = re.compile(rf"(?<![{_HAN}])(县|区|市|旗)委|(?<=[和、，,在])(县|区|市|旗)委")
#: the last character of every division name
_DIV_END = re.compile(r"[县区市旗省州盟]")
#: a header line that is only the unit's organ (某某镇人民政府)
_ORGAN_LINE = re.compile(rf"^[{_HAN}]{{2,20}}(?:人民政府|政府|办事处|党委|党工委)$")
_PUBLISHER = re.compile(rf"(?:发布机构|发文机关|发文机构|来源|信息来源)\s*[:：|｜\]]?\s*[|｜]?\s*\]?\s*([{_HAN}]{{2,30}})")


@dataclass
class Found:
    """A reporting unit: its name, kind, the divisions written before it."""

    unit: str
    kind: str                       # 镇 乡 街道 苏木, or 县 区 市 旗
    chain: list[str] = field(default_factory=list)
    in_gazetteer: bool | None = None    # None: a county-level unit
    rule: str = GAZETTEER
    where: str = ""                 # title, header, signature, opening, body
    written: str = ""               # as the text names it (鹤龙街 for 鹤龙街道); '' = unit

    @property
    def label(self) -> str:
        """The unit as the report names it (the key's convention)."""
        return self.written or self.unit


@cache
def _lex() -> dict[str, tuple[str, ...]]:
    return sections(_LEX)


@cache
def _stop() -> frozenset[str]:
    return frozenset("".join(_lex()["stop"]))


@cache
def _soft_stop() -> frozenset[str]:
    return frozenset("".join(_lex()["soft_stop"]))


@cache
def _verb_prefix() -> re.Pattern[str]:
    words = sorted(_lex()["verb_prefix"], key=len, reverse=True)
    return re.compile("^(?:" + "|".join(map(re.escape, words)) + ")")


@cache
def _not_unit() -> frozenset[str]:
    return frozenset(_lex()["not_unit"])


@cache
def _self_pattern(section: str) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(_lex()[section], key=len, reverse=True))))


@cache
def _bare_superior() -> re.Pattern[str]:
    """区委, 县政府 … standing alone (not the tail of 宝坻区委)."""
    words = "|".join(map(re.escape, sorted(_lex()["bare_superior"], key=len, reverse=True)))
    return re.compile(rf"(?:(?<![{_HAN}])|(?<=[和、，,在]))(?:{words})")


# ---- gazetteers -------------------------------------------------------------

@cache
def townships():
    """The township gazetteer, or None when it cannot be read (suffix rules then decide)."""
    try:
        from ingest.gazetteer import townships as load
        return load()
    except (ImportError, OSError, ValueError):
        return None


@cache
def _divisions() -> dict[str, list]:
    """name/short → divisions, from the gazetteer (empty if it is missing)."""
    try:
        from ingest.gazetteer import division_index
        return division_index()
    except (ImportError, OSError, ValueError):
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


# ---- proposals --------------------------------------------------------------

def proposals(s: str, *, presented: bool = False) -> list[tuple[str, str, int, int]]:
    """Gazetteer townships named in ``s``: (name, kind, start, end), left to right.

    At each place a unit name may end, the longest gazetteer name ending
    there wins.  A one-character stem (唐镇) counts only in text that
    ``presented`` the unit (a title, an issuer line), and only where it
    starts a word or follows a division name.
    """
    g = townships()
    if g is None:
        return []
    out: list[tuple[str, str, int, int]] = []
    for m in _propose().finditer(s):
        suf, a, e = m.group(), m.start(), m.end()
        if suf in ("镇", "乡", "街") and s.startswith("街道", e):
            continue                    # 嘉定镇街道, 人民街街道: the 街道 is the unit
        k = a
        while k > 0 and a - k < _STEM_MAX and _HAN_CHAR.match(s, k - 1):
            k -= 1
        for i in range(k, a):
            stem = s[i:a]
            if len(stem) < 2 and not (presented and (i == k or _after_division(s, i))):
                break
            name = stem + suf
            hit = name if name in g else (name + "道" if suf == "街" and name + "道" in g else None)
            if hit:
                kind = g.lookup(hit)[0].kind
                out.append((hit, _KIND.get(kind, kind), i, e))
                break
    return out


def _after_division(s: str, i: int) -> bool:
    return any(s[max(0, i - n):i] in division_forms() for n in range(2, 10))


def candidates(s: str) -> list[tuple[str, str, int]]:
    """Township-level names in ``s`` by suffix alone: (name, kind, start).

    For units the gazetteer lacks: the name runs left from the suffix up to
    an organ word, a division name or a stop character; verbs in front are
    cut and words that merely end like a unit (城镇, 下乡) are dropped.
    """
    stop, soft = _stop(), _soft_stop()
    verbs, not_unit = _verb_prefix(), _not_unit()
    out = []
    for m in _SUFFIX.finditer(s):
        suf = m.group()
        kind = "街道" if suf in ("街道", "街") else suf
        a = m.start()
        left = s[max(0, a - 14):a]
        cut = 0
        for o in _ORGAN_SPLIT.finditer(left):
            cut = max(cut, o.end())
        for at, dname in division_hits(left):
            if at + len(dname) < len(left):
                cut = max(cut, at + len(dname))
        name = left[cut:]
        k = len(name)
        while k > 0 and _HAN_CHAR.match(name[k - 1]) and (
                name[k - 1] not in stop or (k == len(name) and name[k - 1] in soft)):
            k -= 1          # 太和镇: a soft stop right before the suffix is part of the name
        if k > 0 and len(name) - k < 2 and name[k - 1] in stop and (k == 1 or not _HAN_CHAR.match(name[k - 2])):
            k -= 1          # 和平镇 at the start of a clause
        name = name[k:]
        while len(name) >= 4 and verbs.match(name):
            name = verbs.sub("", name, count=1)
        if not name:
            continue
        g = re.match(rf"[{_HAN}]{{2,4}}?(?:县|区|旗|市)(?=[{_HAN}]{{2}})", name)
        if g and not _NOT_IN_NAME.search(g.group()[:-1]):
            name = name[g.end():]       # 某某县江口镇 with a county the gazetteer lacks
        full = name + ("街道" if suf == "街道" else suf)
        if len(name) < 2 or len(name) > _NAME_MAX[suf] or full[-2:] in not_unit or full[-3:] in not_unit:
            continue
        out.append((full, kind, a - len(name)))
    return out


# ---- the decision -----------------------------------------------------------

def decide(title: str | None, header: list[str], issuer_line: str | None,
           opening: str, body: str, reject: frozenset[str] = frozenset()) -> Found | None:
    """The reporting unit, most trusted source first (see the module doc).

    ``reject``: gazetteer names not to take (one the text contradicts).
    """
    presented: list[tuple[str, str]] = []
    if title:
        presented.append(("title", title))
    presented += [("header", h) for h in header]
    if issuer_line:
        presented.append(("signature", issuer_line))
    for where, s in presented:
        found = _gazetteer_unit(s, where, reject, presented=True)
        if found:
            return found
    for where, s in presented:
        found = _presented_unit(s, where)
        if found:
            return found
    if title:
        found = county_unit_in(title)
        if found:
            return found
    found = _opening_unit(opening, body, reject) or _opening_subject(opening)
    if found:
        return found
    if _speaks_for_county(body):
        found = _county_spoken_for(body)
        if found:
            return found
    found = _most_named(body)
    if found:
        return found
    for _, s in presented:
        found = county_unit_in(s)
        if found:
            return found
    return None


def _gazetteer_unit(s: str, where: str, reject: frozenset[str] = frozenset(),
                    presented: bool = False) -> Found | None:
    for name, kind, at, end in proposals(s, presented=presented):
        if name in reject:
            continue
        written = s[at:end]
        return Found(name, kind, chain_before(s[max(0, at - 20):at]), True, GAZETTEER, where,
                     written if written != name else "")
    return None


def _opening_unit(opening: str, body: str, reject: frozenset[str]) -> Found | None:
    """The gazetteer township of the opening; where it names several (我镇与邻近的
    某某镇…), the one the whole text names most often, else the first."""
    found = [p for p in proposals(opening) if p[0] not in reject]
    if not found:
        return None
    names = list(dict.fromkeys(p[0] for p in found))
    if len(names) > 1:
        best = max(names, key=lambda n: (body.count(n), -names.index(n)))
        found = [p for p in found if p[0] == best]
    name, kind, at, end = found[0]
    written = opening[at:end]
    return Found(name, kind, chain_before(opening[max(0, at - 20):at]), True, GAZETTEER, "opening",
                 written if written != name else "")


_OPENING_LEAD = re.compile(r"^\s*(?:20\d\d年度?(?:以来)?\s*[,，、]?\s*)?")


def _opening_subject(opening: str) -> Found | None:
    """A unit the gazetteer lacks that the first sentence presents as the
    one reporting: its subject, right after the year (2025年，某某街道坚持…)."""
    lead = _OPENING_LEAD.match(opening)
    at0 = lead.end() if lead else 0
    for name, kind, at in candidates(opening[:at0 + 16]):
        if at == at0:
            return Found(name, kind, [], False, PRESENTED, "first sentence")
    return None


def _presented_unit(s: str, where: str) -> Found | None:
    """A unit the gazetteer lacks, where this line presents the reporting unit."""
    if where == "header":
        m = _PUBLISHER.search(s)
        if m:
            s = m.group(1)
        elif not _ORGAN_LINE.match(s.strip()):
            return None
    for name, kind, at in candidates(s):
        return Found(name, kind, chain_before(s[max(0, at - 20):at]), False, PRESENTED, where)
    return None


def county_unit_in(s: str) -> Found | None:
    """A county-level unit reporting itself (XX县人民政府…报告)."""
    chain = _divisions_in(s)
    for name in reversed(chain):
        if level(name) == "county":
            return _county_found(name, chain[:chain.index(name)])
    return None


def _county_found(name: str, chain: list[str]) -> Found:
    kind = next((k for k in ("自治县", "自治旗", "县", "区", "市", "旗") if name.endswith(k)), "县")
    kind = {"自治县": "县", "自治旗": "旗"}.get(kind, kind)
    return Found(name, kind, chain, None, COUNTY, "title")


def _speaks_for_county(body: str) -> bool:
    """Does the text speak for a county (我县, 全区) more than for a township (我镇)?"""
    county = len(_self_pattern("self_county").findall(body))
    return county > 0 and county > len(_self_pattern("self_township").findall(body))


def _county_spoken_for(body: str) -> Found | None:
    """The county-level division a report without a title speaks for: the one
    named most often whose kind (县/区/旗/市) is the one it says 我X/全X of."""
    kinds = Counter(w[-1] for w in _self_pattern("self_county").findall(body))
    counts: Counter[str] = Counter(n for at, n in division_hits(body)
                                   if level(n) == "county" and n[-1] in kinds and bounded(body, at))
    if not counts:
        return None
    best = max(counts, key=lambda n: (counts[n], -body.find(n)))
    found = _county_found(best, [])
    found.where = "body"
    return found


def _most_named(body: str) -> Found | None:
    """The gazetteer township named most often (a report without a title)."""
    counts: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    first: dict[str, int] = {}
    for name, kind, at, _ in proposals(body):
        counts[name] += 1
        kinds[name] = kind
        first.setdefault(name, at)
    if not counts:
        return None
    best = max(counts, key=lambda n: (counts[n], -first[n]))
    return Found(best, kinds[best], [], True, GAZETTEER, "body")


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
        organ = _TRAILING_ORGAN.search(s, 0, end)
        if organ:
            end = organ.start()
        hit = None
        for n in range(min(9, end), 1, -1):
            if s[end - n:end] in forms:
                hit = s[end - n:end]
                break
        if hit is None:
            m = _GENERIC_TAIL.search(s, 0, end)
            if m and bounded(s, m.start()) and not _NOT_IN_NAME.search(m.group()[:-1]):
                hit = m.group()
        if hit is None:
            break
        chain.insert(0, hit)
        end -= len(hit)
    return chain


def _divisions_in(s: str) -> list[str]:
    """Division names anywhere in ``s`` (a county reporting itself)."""
    names = [name for _, name in division_hits(s)]
    return names or [m.group() for m in _COUNTY_SUFFIX.finditer(s)
                     if bounded(s, m.start()) and not _NOT_IN_NAME.search(m.group()[:-1])]


def superior_county(where: list[tuple[str, bool]], unit: str | None = None) -> str | None:
    """A county-level name standing for the body above the township.

    ``where`` holds (text, is_addressee); in the addressee line any county
    named counts (the report goes to its county's bodies), elsewhere only a
    name followed by a body (县委, 人民政府, 依法治区办) or after 中共.
    """
    known = division_forms()
    verbs = _verb_prefix()
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
    stop = _stop()
    out = []
    for m in _GENERIC_COUNTY.finditer(s):
        k = m.start()
        while k > 0 and m.start() - k < 5 and _HAN_CHAR.match(s, k - 1) and s[k - 1] not in stop:
            k -= 1
        name = s[k:m.end()]
        is_bounded = k == 0 or not _HAN_CHAR.match(s, k - 1) or s[k - 1] in stop
        low = 1 if m.group() == "新区" else 2     # X新区 is also X新 + 区
        if low <= m.start() - k <= 4 and is_bounded and not _NOT_IN_NAME.search(name[:-1]) \
                and not verbs.match(name):
            out.append((k, name))     # not 参加县 in 参加县司法局组织的培训
    return out


def bounded(s: str, at: int) -> bool:
    """Does a name starting at ``at`` start a word (not the tail of one)?"""
    return at == 0 or not _HAN_CHAR.match(s, at - 1) or s[at - 1] in _stop() or s[max(0, at - 2):at] == "中共"


def real_county(name: str, unit: str, in_gazetteer: bool | None, text: str) -> bool:
    """Is a county the text seems to state one we may record?

    A gazetteer division always, and a 县/区/市/旗 name the gazetteer lacks
    when it is written right before the unit (某某县青山乡); otherwise only
    when the township is not a gazetteer name either (a new county, a new
    township), or the gazetteer lists the township under that county.
    """
    if name in division_forms() or name + unit in text:
        return True
    g = townships()
    if in_gazetteer and g is not None:
        return g.in_county(unit, name) is not None
    return True


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
