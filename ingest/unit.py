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

The names themselves (proposals, names by suffix, a longer name around a
gazetteer name, :class:`Found`) are read by :mod:`ingest.unit_names`; the
county above a township, stated or inferred, is :mod:`ingest.county`'s.

The word lists (stop characters, verbs before names, words that end like a
unit but are not one, how a report speaks of itself) are in
``data/lexicons/units-heuristics.txt``.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cache

from ingest.county import (
    bounded,
    chain_before,
    division_hits,
    divisions_in,
    level,
    lex,
    self_pattern,
    townships,
)
from ingest.hanzi import HAN
from ingest.lexicon import UNITS, alternation, section_words
from ingest.unit_names import (
    COUNTY,
    GAZETTEER,
    KIND,
    NAMED,
    PRESENTED,
    Found,
    candidates,
    explained_by_county,
    longer_name,
    other_kind_in_county,
    proposals,
)

#: what ingest.metadata reads of the unit (the names layer is ingest.unit_names)
__all__ = ["Found", "PUBLISHER_FIELD", "decide", "explained_by_county", "other_kind_in_county",
           "proposals"]


#: a header line that is only the unit's organ (某某镇人民政府)
_ORGAN_LINE = re.compile(rf"^[{HAN}]{{2,20}}(?:{alternation(section_words(UNITS, 'issuers'))})$")
#: a web page's publisher field (发布机构：某某镇人民政府); group 1 the body
PUBLISHER_FIELD = re.compile(rf"(?:发布机构|发文机关|发文机构|来源)\s*[:：|｜\]]?\s*[|｜]?\s*\]?\s*([{HAN}]{{2,30}})")


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
    return Found(tail, KIND.get(row.kind, row.kind), [], True, GAZETTEER, found.where)


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
        longer = longer_name(s, name, at, end, where)
        if longer:
            return longer
        written = s[at:end].replace(" ", "")
        return Found(name, kind, chain_before(s[max(0, at - 20):at]), True, GAZETTEER, where,
                     written if written != name else "")
    return None


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
    longer = longer_name(opening, name, at, end, "first sentence", lead.end() if lead else 0)
    if longer is None and longer_name(opening, name, at, end, "opening"):
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
        found = longer_name(body, name, i, j, "body")
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
