"""Township names in a text, for :mod:`ingest.unit` to decide among.

* :func:`proposals`: the gazetteer's townships a text names, the longest
  gazetteer name ending at each place a unit name may end;
* :func:`candidates`: township-level names by their suffix alone, for
  units the gazetteer lacks;
* :func:`longer_name`: a longer name the text presents around a gazetteer
  name (枫湾塘乡 around 湾塘乡), unless a division explains the front;
* :func:`other_kind_in_county`, :func:`explained_by_county`: the
  gazetteer's township after all, given the county the text states;
* :class:`Found`: what the decision returns.

The word lists are in ``data/lexicons/units-heuristics.txt``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from ingest.county import (
    NOT_IN_NAME,
    chain_before,
    division_forms,
    division_hits,
    lex,
    not_unit,
    official,
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
#: the kind a gazetteer row's kind is reported as (a 民族乡 is a 乡)
KIND = {"民族乡": "乡"}

#: a unit suffix for names the gazetteer lacks; 街 only where its bodies follow
_SUFFIX = re.compile(r"街道(?!级)|镇(?![压守静痛])|乡(?![村镇土亲贤风愁情里])|街(?=党工委|办事处|道办)")
_ORGAN_SPLIT = re.compile(r"人民政府|政府|委员会|中共|党委|党工委|办事处|人大")
#: longest name before the suffix (民族乡 names run long: 长潭河侗族乡)
_NAME_MAX = {"街道": 6, "镇": 6, "乡": 7, "街": 4}

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
                out.append((hit, KIND.get(kind, kind), i, e))
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


def longer_name(s: str, name: str, at: int, end: int, where: str, start: int | None = None) -> Found | None:
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
    return Found(tail, KIND.get(row.kind, row.kind), found.chain, True, GAZETTEER, found.where)
