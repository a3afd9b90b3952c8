"""Who reports: the reporting unit.

Heuristics propose, the township gazetteer decides
(``data/gazetteers/townships.tsv``, :func:`ingest.gazetteer.townships`):

* :func:`proposals` reads every 镇/乡/街道/苏木 (and 万兴街 for 万兴街道) in a
  text and keeps the longest gazetteer name ending there (政务海滨街道 →
  海滨街道; 滑县万古镇 → 万古镇, although 古镇 alone is a word).
* :func:`decide` looks, most trusted first, in the title, the header lines
  (web fields such as 发布机构), the signature, the opening, and the body
  (the township whose own bodies, 某镇党委/某镇人民政府, it names most, then
  the one named most often).  A name the gazetteer lacks (newly created,
  renamed, merged away) is taken where the title, issuer, signature,
  发布机构 or first sentence presents it as the reporting unit, or where a
  text that says 我镇/本乡 names that township's bodies more than any
  gazetteer township's; the result says it was not found (``in_gazetteer``
  False).  A county-level report names itself in its title, or speaks for
  its county (我县, 全县) more than for a township.
* The longest name the text presents wins: a gazetteer name is the tail of
  a longer one the gazetteer lacks (枫湾塘乡 holds the real 湾塘乡) when
  the title, header, signature or first sentence writes it so, or every
  mention does; not when what stands in front is a short form of a
  division the gazetteer lists the name under (云阳江口镇), nor when the
  county the text states lists it (:func:`explained_by_county`).

The county above a township, stated or inferred, is :mod:`ingest.county`'s.

The word lists (stop characters, verbs before names, words that end like a
unit but are not one, how a report speaks of itself) are in
``data/lexicons/units-heuristics.txt``.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from ingest.county import (
    NOT_IN_NAME,
    bounded,
    chain_before,
    division_forms,
    division_hits,
    divisions_in,
    level,
    lex,
    not_unit,
    official,
    self_pattern,
    soft_stop,
    stop,
    townships,
    verb_prefix,
)
from ingest.hanzi import HAN, HAN_CHAR
from ingest.lexicon import sections
from ingest.rules import rule

GAZETTEER = rule("units.gazetteer")
PRESENTED = rule("units.presented")
COUNTY = rule("units.county")
NAMED = rule("units.named")


#: where a township-level name may end, for the gazetteer to check: built
#: from [not_a_suffix] (镇 not in 镇压 or 镇江市, 街 where 街道 may be meant)
@cache
def _propose() -> re.Pattern[str]:
    alts = [r"街道(?!级)", "苏木"]
    for entry in lex()["not_a_suffix"]:
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

#: a header line that is only the unit's organ (某某镇人民政府)
_ORGAN_LINE = re.compile(rf"^[{HAN}]{{2,20}}(?:人民政府|政府|办事处|党委|党工委)$")
#: a web page's publisher field (发布机构：某某镇人民政府); group 1 the body
PUBLISHER_FIELD = re.compile(rf"(?:发布机构|发文机关|发文机构|来源)\s*[:：|｜\]]?\s*[|｜]?\s*\]?\s*([{HAN}]{{2,30}})")


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
    gazetteer_tail: str = ""        # the gazetteer name a longer unseen name ends in (湾塘乡 of 枫湾塘乡)

    @property
    def label(self) -> str:
        """The unit as the report names it (the key's convention)."""
        return self.written or self.unit


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
        k = _stem_start(s, a)
        for i in range(k, a):
            stem = s[i:a]
            if " " in stem:
                if stem[0] == " ":
                    continue
                stem = stem.replace(" ", "")
            if len(stem) < 2 and not (presented and (i == k or _after_division(s, i))):
                break
            name = stem + suf
            hit = name if name in g else (name + "道" if suf == "街" and name + "道" in g else None)
            if hit:
                kind = g.lookup(hit)[0].kind
                out.append((hit, _KIND.get(kind, kind), i, e))
                break
    return out


def _stem_start(s: str, a: int) -> int:
    """Where a stem ending at ``a`` may start: over Chinese characters, and
    over one space between two of them (大 集镇: a name a space was typed
    into, which the line's normalising kept as a word gap)."""
    k, gap = a, False
    while k > 0 and a - k < _STEM_MAX:
        if HAN_CHAR.match(s, k - 1):
            k -= 1
        elif not gap and k < a and k >= 2 and s[k - 1] == " " and HAN_CHAR.match(s, k - 2):
            k, gap = k - 1, True
        else:
            break
    return k


def _after_division(s: str, i: int) -> bool:
    return any(s[max(0, i - n):i] in division_forms() for n in range(2, 10))


def candidates(s: str) -> list[tuple[str, str, int]]:
    """Township-level names in ``s`` by suffix alone: (name, kind, start).

    For units the gazetteer lacks: the name runs left from the suffix up to
    an organ word, a division name or a stop character; verbs in front are
    cut and words that merely end like a unit (城镇, 下乡) are dropped.
    """
    stops, soft = stop(), soft_stop()
    verbs, not_units = verb_prefix(), not_unit()
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
        while k > 0 and HAN_CHAR.match(name[k - 1]) and (
                name[k - 1] not in stops or (k == len(name) and name[k - 1] in soft)):
            k -= 1          # 太和镇: a soft stop right before the suffix is part of the name
        if k > 0 and len(name) - k < 2 and name[k - 1] in stops and (k == 1 or not HAN_CHAR.match(name[k - 2])):
            k -= 1          # 和平镇 at the start of a clause
        name = name[k:]
        while len(name) >= 4 and verbs.match(name):
            name = verbs.sub("", name, count=1)
        if not name:
            continue
        g = re.match(rf"[{HAN}]{{2,4}}?(?:县|区|旗|市)(?=[{HAN}]{{2}})", name)
        if g and not NOT_IN_NAME.search(g.group()[:-1]):
            name = name[g.end():]       # 某某县江口镇 with a county the gazetteer lacks
        full = name + ("街道" if suf == "街道" else suf)
        if len(name) < 2 or len(name) > _NAME_MAX[suf] or full[-2:] in not_units or full[-3:] in not_units:
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
    found = _unless_the_body_says_otherwise(_from_presented(presented, reject), body)
    if found is None and title:
        found = county_unit_in(title)
    if found is None:
        found = _from_text(opening, body, reject)
    for _, s in presented if found is None else ():
        found = county_unit_in(s)
        if found:
            break
    return found


def _from_presented(presented: list[tuple[str, str]], reject: frozenset[str]) -> Found | None:
    """A township the title, header or signature presents: a gazetteer name
    first (in any of them), else one the gazetteer lacks."""
    for where, s in presented:
        found = _gazetteer_unit(s, where, reject, presented=True)
        if found:
            return found
    for where, s in presented:
        found = _presented_unit(s, where)
        if found:
            return found
    return None


def _unless_the_body_says_otherwise(found: Found | None, body: str) -> Found | None:
    """A longer name the title presents (岭华溪镇 for 华溪镇), unless the body
    names the gazetteer's name alone more often than the longer one (the
    title's extra characters were then a word, not part of the name)."""
    tail = found.gazetteer_tail if found else ""
    if not tail:
        return found
    whole = body.count(found.unit)
    if body.count(tail) - whole <= whole:
        return found
    row = townships().lookup(tail)[0]
    return Found(tail, _KIND.get(row.kind, row.kind), [], True, GAZETTEER, found.where)


def _from_text(opening: str, body: str, reject: frozenset[str]) -> Found | None:
    """A unit the text names: in its opening, the county it speaks for, the
    township whose bodies it names (a gazetteer name unless one the gazetteer
    lacks has more of them)."""
    found = _opening_unit(opening, body, reject)
    if found is None:
        found = _opening_subject(opening)
        if found:
            return found
        if _speaks_for_county(body):
            found = _county_spoken_for(body)
            if found:
                return found
        found = _most_named(body)
    own = _named_as_own(body)
    if own and (found is None or own[1] > _seats(body, found.unit)):
        return own[0]
    return found


def _gazetteer_unit(s: str, where: str, reject: frozenset[str] = frozenset(),
                    presented: bool = False) -> Found | None:
    for name, kind, at, end in proposals(s, presented=presented):
        if name in reject:
            continue
        longer = _longer_name(s, name, at, end, where)
        if longer:
            return longer
        written = s[at:end].replace(" ", "")
        return Found(name, kind, chain_before(s[max(0, at - 20):at]), True, GAZETTEER, where,
                     written if written != name else "")
    return None


def _longer_name(s: str, name: str, at: int, end: int, where: str, start: int | None = None) -> Found | None:
    """A longer name the text presents, ending where gazetteer name ``name``
    ends (枫湾塘乡 holds the real 湾塘乡): a township the gazetteer lacks
    (new, renamed, merged), kept whole.  Not where what stands in front is
    the short form of a division the gazetteer lists ``name`` under
    (云阳江口镇).  ``start``: where the longer name must start (the subject
    of a first sentence), else anywhere."""
    for full, kind, fat in candidates(s[:end]):
        if fat >= at or fat + len(full) != end or (start is not None and fat != start):
            continue
        if _explained(s[fat:at], name) or not _name_chars(s[fat:at]):
            return None
        return Found(full, kind, chain_before(s[max(0, fat - 20):fat]), False, PRESENTED, where,
                     gazetteer_tail=name)
    return None


@cache
def _not_in_name() -> frozenset[str]:
    """Characters no township's name holds (局, 所, 委, 的, 在…): the
    division recogniser's list, one list for one job."""
    return frozenset("".join(sections("divisions-patterns.txt").get("not_in_township", ())))


def _name_chars(extra: str) -> bool:
    """Can ``extra`` be the front of a township's name (no 司法局, 所…)?"""
    return not any(c in _not_in_name() for c in extra)


def _explained(extra: str, name: str) -> bool:
    """Is ``extra``, written before township ``name``, a division above one
    of the gazetteer's townships of that name (its full name or a short form
    of two characters or more)?"""
    rows = townships().lookup(name) if townships() is not None else ()
    for t in rows:
        for div in (t.county, t.prefecture, t.province):
            if div and (extra == div or (len(extra) >= 2 and div.startswith(extra))):
                return True
    return False


def other_kind_in_county(found: Found, stated: str | None) -> Found:
    """The gazetteer's township of the same stem under the county the text
    states, where the name it writes is not in the gazetteer: a 乡 made a 镇
    or a 镇 made a 街道 since (大集乡 for 大集镇), or a 民族乡 written
    short (三仁乡 for 三仁畲族乡).  Kept as written, one township with the
    gazetteer's name."""
    g = townships()
    if found.in_gazetteer is not False or not stated or g is None:
        return found
    suffix = "街道" if found.unit.endswith("街道") else found.unit[-1:]
    stem = found.unit[:-len(suffix)]
    county = official(stated)
    names = [stem + k for k in ("镇", "乡", "街道") if k != suffix]
    names += [n for n in g.names_starting(stem) if n.endswith("族乡")] if suffix == "乡" else []
    rows = [r for n in names if (r := g.in_county(n, county)) is not None]
    if len(stem) < 2 or len(rows) != 1:
        return found
    return Found(rows[0].name, found.kind, found.chain, True, found.rule, found.where, found.label)


def explained_by_county(found: Found, stated: str | None) -> Found:
    """The gazetteer's township after all, where the county the text states
    lists the gazetteer name a longer name ends in (the longer one is then
    a slip or a local form, not another township)."""
    g = townships()
    tail = found.gazetteer_tail
    if not (tail and stated and g is not None):
        return found
    row = g.in_county(tail, official(stated))
    if row is None:
        return found
    return Found(tail, _KIND.get(row.kind, row.kind), found.chain, True, GAZETTEER, found.where)


def _opening_unit(opening: str, body: str, reject: frozenset[str]) -> Found | None:
    """The gazetteer township of the opening; where it names several (我镇与邻近的
    某某镇…), the one whose bodies the whole text names most (某镇党委), then
    the one it names most often, else the first."""
    found = [p for p in proposals(opening) if p[0] not in reject]
    if not found:
        return None
    names = list(dict.fromkeys(p[0] for p in found))
    if len(names) > 1:
        best = max(names, key=lambda n: (_seats(body, n), body.count(n), -names.index(n)))
        found = [p for p in found if p[0] == best]
    name, kind, at, end = found[0]
    lead = _OPENING_LEAD.match(opening)
    longer = _longer_name(opening, name, at, end, "first sentence", lead.end() if lead else 0)
    if longer is None and _longer_name(opening, name, at, end, "opening"):
        longer = _whole_name(body, name)
    if longer:
        return longer
    written = opening[at:end].replace(" ", "")
    return Found(name, kind, chain_before(opening[max(0, at - 20):at]), True, GAZETTEER, "opening",
                 written if written != name else "")


def _seats(body: str, name: str) -> int:
    """How often ``body`` names ``name`` with one of its own bodies after it (某镇党委)."""
    own = _own_bodies()
    n, i = 0, body.find(name)
    while i >= 0:
        j = i + len(name)
        n += body.startswith(own, j)
        i = body.find(name, j)
    return n


def _named_as_own(body: str) -> tuple[Found, int] | None:
    """A township the gazetteer lacks (new, renamed, merged away) that the
    text names with its own bodies (某镇党委, 某镇人民政府) and whose kind is
    the one it speaks of itself as (我镇, 本乡, 全街道): with how often its
    bodies are named.  The one named so most often; None without any."""
    kinds = {w[1:] for w in self_pattern("self_township").findall(body)}
    if not kinds:
        return None
    own = _own_bodies()
    counts: Counter[str] = Counter()
    seats: Counter[str] = Counter()
    kind_of: dict[str, str] = {}
    for full, kind, at in candidates(body):
        # a gazetteer name's longer forms are _whole_name's (利用某镇 is no township)
        if kind in kinds and bounded(body, at) and not proposals(full):
            counts[full] += 1
            seats[full] += body.startswith(own, at + len(full))
            kind_of[full] = kind
    named = [n for n in counts if seats[n] >= 2]     # once may be a phrase (召开镇党委会)
    if not named:
        return None
    best = max(named, key=lambda n: (seats[n], counts[n]))
    return Found(best, kind_of[best], [], False, NAMED, "body"), seats[best]


@cache
def _own_bodies() -> tuple[str, ...]:
    return tuple(sorted(lex()["own_bodies"], key=len, reverse=True))


def _whole_name(body: str, name: str) -> Found | None:
    """The longer name the gazetteer lacks that every mention of gazetteer
    name ``name`` in ``body`` is the tail of (岭华溪镇 for 华溪镇), if one."""
    longer: set[str] = set()
    i = body.find(name)
    while i >= 0:
        j = i + len(name)
        found = _longer_name(body, name, i, j, "body")
        if found is None:
            return None
        longer.add(found.unit)
        i = body.find(name, j)
    if len(longer) != 1:
        return None
    found.where, found.rule = "body", NAMED
    return found


#: how a first sentence starts before its subject: the year, or 今年/一年来 without one
_OPENING_LEAD = re.compile(r"^\s*(?:(?:20\d\d年度?|今年|一年|过去的?一年|近年)(?:以来|来)?\s*[,，、]?\s*)?")


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
        m = PUBLISHER_FIELD.search(s)
        if m:
            s = m.group(1)
        elif not _ORGAN_LINE.match(s.strip()):
            return None
    for name, kind, at in candidates(s):
        return Found(name, kind, chain_before(s[max(0, at - 20):at]), False, PRESENTED, where)
    return None


def county_unit_in(s: str) -> Found | None:
    """A county-level unit reporting itself (XX县人民政府…报告)."""
    chain = divisions_in(s)
    for name in reversed(chain):
        if level(name) == "county":
            return _county_found(name, chain[:chain.index(name)])
    return None


def _county_found(name: str, chain: list[str]) -> Found:
    kind = next((k for k in ("自治县", "自治旗", "县", "区", "市", "旗") if name.endswith(k)), "县")
    kind = {"自治县": "县", "自治旗": "旗"}.get(kind, kind)
    return Found(name, kind, chain, None, COUNTY, "title")


def _speaks_for_county(body: str) -> bool:
    """Does the text speak for a county (我县, 全区) and never for a township
    (我镇, 全镇)?  A township's report may say 全县 (在全县率先…); a county's
    report does not call itself a 镇."""
    return bool(self_pattern("self_county").search(body)) and not self_pattern("self_township").search(body)


def _county_spoken_for(body: str) -> Found | None:
    """The county-level division a report without a title speaks for: the one
    named most often whose kind (县/区/旗/市) is the one it says 我X/全X of."""
    kinds = Counter(w[-1] for w in self_pattern("self_county").findall(body))
    counts: Counter[str] = Counter(n for at, n in division_hits(body)
                                   if level(n) == "county" and n[-1] in kinds and bounded(body, at))
    if not counts:
        return None
    best = max(counts, key=lambda n: (counts[n], -body.find(n)))
    found = _county_found(best, [])
    found.where = "body"
    return found


def _most_named(body: str) -> Found | None:
    """The gazetteer township a report without a title names as its own: the
    one whose bodies it names most (某镇党委, 某镇人民政府: a report names its
    own government, a neighbour mostly by name alone), then the one named
    most often.  Where every mention is the tail of one longer name the
    gazetteer lacks (岭华溪镇 for 华溪镇), that name."""
    counts: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    first: dict[str, int] = {}
    for name, kind, at, _ in proposals(body):
        counts[name] += 1
        kinds[name] = kind
        first.setdefault(name, at)
    if not counts:
        return None
    best = max(counts, key=lambda n: (_seats(body, n), counts[n], -first[n]))
    return _whole_name(body, best) or Found(best, kinds[best], [], True, GAZETTEER, "body")


# ---- divisions written before a unit, superior bodies -------------------------
