"""机构: organisations, bodies, units, teams and law firms.

A name ends in a kind word from ``data/lexicons/orgs-suffixes.txt`` (党委,
人民政府, 司法所, 领导小组, 律师事务所 …).  Its start is found on jieba's
tokens (``Sentence.tokens``), walking back from the kind word:

* *bodies* (党委, 政府, 人大, 法院 …) take only place names in front
  (云阳县江口镇人民政府, 县委, 中共…委员会): a body without a place is the
  quality of a government (法治政府), not a body — unless it shares the
  place of the body just before it (镇党委政府, 县委、县政府);
* *units* and *firms* take the longest run of name tokens: the walk stops
  at a verb or function word (``orgs-stop.txt``, and jieba's tags for
  prepositions, conjunctions, numerals, adverbs, pronouns; verbs unless
  ``orgs-nameverbs.txt`` lists them as name parts).

Each mention gets ``subtype`` from its kind word and the identity the
resolve stage reads: ``Mention.scope`` (local | county | shared) and
``Mention.key`` (the name variants of one body share: 镇党委, 中共江口镇
委员会 → 党委; 县政府, 云阳县人民政府 → 县人民政府).

Every rule that makes or trims a mention has an id (``orgs-rules.txt``,
recorded in ``Mention.rules``); the other word lists and patterns are in
``orgs-patterns.txt`` and ``orgs-firms.txt``.

This module decides what a name is and whose body it is (``find``,
``_body``, ``_unit``); where a name starts — the walk back over the tokens
and its trims — is :mod:`ingest.recognize.orgs_names`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from ingest.hanzi import HAN
from ingest.lexicon import alternation, sections
from ingest.recognize.orgs_names import (  # noqa: F401 (resolve, activities)
    ALL_HAN,
    BODY_KEY,
    BODY_SUBTYPES,
    CENTRE_AFTER,
    ESTABLISH,
    GLUED_AFTER,
    KIND_CHARS,
    NOT_ORG_TAIL,
    NOT_PLACE,
    OFFICE_LONG,
    OFFICE_SHORT,
    PATTERNS,
    PERSON_AFTER,
    PLACE_TAILS,
    POSTS_AFTER,
    STANDALONE,
    YIFAZHI,
    OrgLexicon,
    SentenceSpans,
    counted_firms,
    firm_place,
    firm_split,
    is_place_token,
    lead_place,
    org_lexicon,
    past_firm_stop,
    past_leading_verb,
    place_level,
    quoted_start,
    through_conj,
    trade_name,
    walk_back,
    word_set,
)
from ingest.rules import mark, rule, words
from kg.model import ORGANIZATION, Doc, Mention, Report, Sentence

FIXED = rule("orgs.fixed")
BODY = rule("orgs.body")
BODY_SHARED = rule("orgs.body-shared")
PARTY = rule("orgs.party-committee")
UNIT = rule("orgs.unit")
FIRM = rule("orgs.firm")
QUOTED_KIND = rule("orgs.quoted-kind")
SET_UP = rule("orgs.set-up")
IN_QUOTES = rule("orgs.in-quotes")
STATIONED = rule("orgs.stationed")
TRADE_NAME = rule("orgs.trade-name")
FIRM_ROLE = rule("orgs.firm-role")
FIRM_PLACE = rule("orgs.firm-place")
LEADING_VERB = rule("orgs.leading-verb")


class _Context:
    """Per-report facts the name walk and the identity rules need."""

    def __init__(self, doc: Doc, rep: Report) -> None:
        meta = rep.meta
        self.text = doc.text
        self.lex = org_lexicon()
        # no stems: the name walk finds 江口|镇 through its place rules, and a
        # stem here would take the township into the body's name (江口镇委党校)
        self.places = list(meta.place_names(stems=False))
        self.unit = meta.unit
        self.county = meta.county
        self.prefecture = meta.prefecture
        self.province = meta.province
        body = doc.text[rep.start:rep.end]
        # a report that names 县/区 bodies is under a 县/区: its 市 is the prefecture
        self.city_is_county = (meta.county or "").endswith("市") or (
            not meta.county and not re.search(r"[县区旗]委|[县区旗](?:人民)?政府", body))

    def scope_of(self, level: str, place: str) -> tuple[str, str | None]:
        """(scope, county name) for a name whose innermost place has ``level``."""
        named = re.sub(r"^中共", "", place)
        if level in ("县", "区", "旗", "州"):
            m = re.search(rf"([{HAN}]{{2,}}?(?:自治县|新区|县|区|旗))$", named)
            return "county", (m.group(1) if m and m.group(1) not in NOT_PLACE else None)
        if level == "市":
            if self.city_is_county and named in ("市", self.county or "市") or named == self.county:
                return "county", self.county
            return "county", named if len(named) > 1 else (self.prefecture or "_市")
        if level in ("省", "中央"):
            return "shared", None
        return "local", None


def _own(place: str, ctx: _Context) -> bool:
    """Whether a township-level place is the reporting township (or unnamed)."""
    bare = place.removeprefix("中共")
    if ctx.county:
        bare = bare.removeprefix(ctx.county)
    if bare in ("", "镇", "乡", "街道") or not ctx.unit:
        return True
    # 镇 name with or without its county in front, and 江口 for 江口镇
    return (bare == ctx.unit or ctx.unit.startswith(bare) or ctx.unit.endswith(bare)
            or bare.endswith(ctx.unit))


def _unit_key(core: str) -> str:
    m = YIFAZHI.match(core)
    if m:
        tail = "办" if m.group(2).endswith(("办公室", "办")) else "委"
        return f"依法治{m.group(1)}{tail}"
    core = re.sub(r"工作领导小组$", "领导小组", core)
    if core.startswith("基层") and core[2:] in STANDALONE:
        core = core[2:]        # 基层司法所 is the 司法所
    if core in ("调委会", "调解委员会", "人民调解委员会"):
        return "人民调解委员会"
    if len(core) > 5:
        core = OFFICE_LONG.sub(OFFICE_SHORT, core)   # 党政综合办公室 is the 党政办
    return core


#: Bodies known by one fixed name: name → (key, subtype).
_FIXED_KEY = {name: (key, subtype) for name, key, subtype in (line.split() for line in PATTERNS["fixed"])}
_FIXED = re.compile(rf"(?:{alternation(_FIXED_KEY)})(?!{alternation(word_set('fixed_not_before'))})")


@dataclass(frozen=True)
class _Candidate:
    """A kind word whose name is being read: what ``_body`` and ``_unit``
    decide from, once it passed the checks of :func:`_candidates`."""

    sent: SentenceSpans            # the sentence's tokens as absolute spans
    index: int             # Sentence.index
    b: int                 # where the kind word starts (absolute offset)
    e: int                 # where it ends: the name's end
    suffix: str            # the kind word (党委, 司法所, 律师事务所)
    subtype: str           # the subtype it gives (orgs-suffixes.txt)
    cls: str               # its class: body, unit, firm …
    ti: int                # the token the kind word starts in
    within: str            # that token's text before the kind word (莱山区|委 → 莱山区)

    @property
    def token_start(self) -> int:
        return self.sent.starts[self.ti]


def find(doc: Doc, rep: Report) -> None:
    """Append 机构 mentions for every sentence of the report."""
    ctx = _Context(doc, rep)
    first = len(rep.mentions)
    for s in rep.sentences:
        if not s.tokens:
            continue
        for m in _FIXED.finditer(s.text):
            key, subtype = _FIXED_KEY[m.group()]
            rep.mentions.append(Mention(type=ORGANIZATION, text=m.group(), label=m.group(),
                                        start=s.start + m.start(), end=s.start + m.end(), sentence=s.index,
                                        subtype=subtype, source="orgs", scope="shared", key=key,
                                        rules=[FIXED]))
        rep.mentions.extend(_quoted_kinds(s))
        last_body: tuple[int, str, str] | None = None   # (end, level, place)
        for c in _candidates(s, ctx):
            if c.cls == "body":
                made = _body(c, ctx, last_body)
                if made is not None:
                    mention, level, place = made
                    rep.mentions.append(mention)
                    last_body = (c.e, level, place)
                continue
            if c.within and not ALL_HAN.match(c.within):
                continue
            if c.within and len(c.suffix) <= 2 and c.e > c.token_start + len(c.sent.tokens[c.ti]):
                continue           # 集中|学: the kind word straddles two words
            start, fired = _unit_start(c, s.start, ctx)
            mention = _unit(c, start, ctx)
            if mention is not None:
                mark(mention, *fired)
                rep.mentions.append(mention)
    _share_county(rep)
    _own_settle(doc.text, rep, first)


def _candidates(s: Sentence, ctx: _Context) -> Iterator[_Candidate]:
    """The kind words of a sentence that may end a name: not inside a word
    (所有), not the tail of a verb (举办), not a word for people (人大代表)."""
    lex, text = ctx.lex, ctx.text
    kinds = list(lex.pattern.finditer(s.text))
    if not kinds:
        return
    sent = SentenceSpans(s.start, s.tokens)   # only for sentences with a kind word
    for m in kinds:
        b, e = s.start + m.start(), s.start + m.end()
        suffix = m.group()
        subtype, cls = lex.suffixes[suffix]
        if e not in sent.ends:
            rest_i = sent.containing(e)
            rest = sent.tokens[rest_i][e - sent.starts[rest_i]:] if rest_i >= 0 else ""
            chained = cls == "body" and (m2 := lex.pattern.match(text, e)) is not None \
                and lex.suffixes[m2.group()][1] == "body"
            posted = cls == "body" and rest in POSTS_AFTER and sent.starts[rest_i] == b
            if not chained and not posted and rest not in GLUED_AFTER:
                continue       # ends inside a word: 所有, 站所
        else:
            tok = sent.tokens[sent.by_end[e]]
            if len(tok) > len(suffix) and (lex.tags.get(tok) or "").startswith("v"):
                continue       # the tail of a verb: 举办, 承办, 督办 are not a 办
        if suffix == "中心" and CENTRE_AFTER.match(text, e) or suffix.endswith("站") and text[e:e + 1] == "所":
            continue           # 中心工作: the main task; 站所: units in general
        if PERSON_AFTER.match(text, e):
            continue           # 人大代表, 政协委员
        ti = sent.containing(b)
        if ti < 0:
            continue
        yield _Candidate(sent, s.index, b, e, suffix, subtype, cls, ti, text[sent.starts[ti]:b])


def _unit_start(c: _Candidate, sent_start: int, ctx: _Context) -> tuple[int, list[str]]:
    """Where a unit's or firm's name starts, and the ids of the rules that trimmed it."""
    text, sent, places, lex = ctx.text, c.sent, ctx.places, ctx.lex
    fired: list[str] = []
    start = walk_back(text, sent, c.token_start, places, lex, body=False, fired=fired)

    def trim(new: int, rule_id: str) -> int:
        if new != start:
            fired.append(rule_id)
        return new
    if c.cls != "firm":
        start = trim(past_leading_verb(sent, start, c.token_start, lex), LEADING_VERB)
    if c.cls == "firm" and c.b - lead_place(text, start, c.b, sent, places, lex) < 2:
        start = trim(trade_name(sent, c.token_start, lex), TRADE_NAME)
    elif c.cls == "firm":
        start = trim(past_firm_stop(sent, start, c.b), FIRM_ROLE)
    if c.cls == "firm":
        start = trim(firm_place(text, sent, start, places), FIRM_PLACE)
    start = trim(through_conj(text, sent, start, places, lex), SET_UP)
    start = trim(quoted_start(text, sent_start, start, c.e), IN_QUOTES)
    return start, fired


@cache
def _quoted_kind_pattern() -> re.Pattern[str]:
    kinds = "|".join(re.escape(w) for w in words(QUOTED_KIND))
    return re.compile(rf"“([^“”\s]{{1,16}}?)(?:”({kinds})|({kinds})”)")


@cache
def _honour_words() -> tuple[str, ...]:
    return sections("orgs-rules.txt")["honours"]


def _quoted_kinds(s) -> list[Mention]:
    """Units named only by a quoted name and a kind word of [quoted_kinds]:
    “办不成事”窗口, “清风政务窗口” (综合窗口 alone is a desk of any office)."""
    out = []
    honours = _honour_words()
    for m in _quoted_kind_pattern().finditer(s.text):
        name, kind = m.group(1), m.group(2) or m.group(3)
        if not ALL_HAN.match(name) or s.text.startswith(honours, m.end()):
            continue               # 获得“…政务窗口”称号: an honour, not a unit
        label = name + kind
        out.append(Mention(type=ORGANIZATION, text=m.group(), label=label, start=s.start + m.start(),
                           end=s.start + m.end(), sentence=s.index, subtype="其他", source="orgs",
                           scope="local", key=label, rules=[QUOTED_KIND]))
    return out


def _own_settle(text: str, rep: Report, first: int) -> None:
    """Drop this recogniser's mentions inside its own longer ones (派出所 in
    驻派出所调解室), and mark the rest nested so that an organisation named
    inside a system or activity (司法所 in 司法所长列席…制度) stays — but
    not one inside a document's title (《…人民政府关于…》)."""
    mine = [m for m in rep.mentions[first:] if m.source == "orgs"]
    spans = sorted(((m.start, m.end) for m in mine), key=lambda se: (se[0], -se[1]))
    drop = set()
    for m in mine:
        for s, e in spans:
            if s <= m.start and m.end <= e and (s, e) != (m.start, m.end):
                drop.add(id(m))
                break
        if id(m) not in drop:
            opened = text.rfind("《", max(0, m.start - 60), m.start)
            closed = text.rfind("》", max(0, m.start - 60), m.start)
            if opened <= closed:
                m.nested = True
    rep.mentions[first:] = [m for m in rep.mentions[first:] if id(m) not in drop]


def _share_county(rep: Report) -> None:
    """Give 县委 the county that 云阳县委 names, when the report names one only.

    Without it 县委 and 云阳县委 of a report whose county the metadata
    missed would become two nodes.
    """
    named: dict[str, set[str]] = {}
    mine = [m for m in rep.mentions if m.source == "orgs" and m.scope == "county"]
    for m in mine:
        c = m.county
        if c and not c.startswith("_"):
            named.setdefault(c[-1], set()).add(c)
    for m in mine:
        if m.county:
            continue
        kind = (m.key or "_")[0]
        if len(named.get(kind, ())) == 1 and (not rep.meta.county or rep.meta.county[-1] != kind):
            m.county = next(iter(named[kind]))


def _body(c: _Candidate, ctx: _Context,
          last_body: tuple[int, str, str] | None) -> tuple[Mention, str, str] | None:
    """A party or state body: its place names in front, or the shared place
    of the body just before (``last_body``: its end, level and place); with
    its own level and place, which a bare 政府 right after it shares."""
    text, sent, places, lex = ctx.text, c.sent, ctx.places, ctx.lex
    ti, b, e, suffix, subtype, within, idx = c.ti, c.b, c.e, c.suffix, c.subtype, c.within, c.index
    made_by = BODY
    if suffix[0] in "县区市旗州省" and suffix.endswith("委"):
        own_kind = suffix[0]
        if within and sent.starts[ti] + len(sent.tokens[ti]) == b + 1:
            # 莱山区|委: the token holding the kind character is the place
            start = walk_back(text, sent, sent.starts[ti], places, lex, body=True)
        elif within and not is_place_token(within, None, lex) and within not in ("中共",):
            return None
        else:
            start = walk_back(text, sent, b, places, lex, body=True, prev_place=True)
            if start == b and within:
                start = walk_back(text, sent, sent.starts[ti], places, lex, body=True, prev_place=True)
        place = text[start:b + 1]
        level = own_kind
    else:
        if within and within not in KIND_CHARS and within != "街道" and not within.endswith(PLACE_TAILS) \
                and not lex.pattern.fullmatch(within) and within != "中共":
            return None        # 法治政府, 基层政府
        if within in NOT_PLACE and within[-1] in "镇乡":
            return None        # 乡镇政府, 城镇党委: the bodies of townships in general
        inner = list(lex.pattern.finditer(within))
        if inner and inner[-1].end() < len(within):
            within = within[inner[-1].end():]     # 县委县|政府: the place after the first body
            ti_start = b - len(within)
        else:
            ti_start = sent.starts[ti]
        kind_before = bool(within) and (within[-1] in KIND_CHARS or within.endswith("街道"))
        start = walk_back(text, sent, b, places, lex, body=True, prev_place=kind_before)
        if start == b and within:
            start = ti_start if ti_start != sent.starts[ti] else walk_back(
                text, sent, sent.starts[ti], places, lex, body=True, prev_place=kind_before)
        place = text[start:b]
        if lex.pattern.fullmatch(within or "_"):
            place, start = "", b
        level = place_level(place)
        if not place:
            gap = text[last_body[0]:b] if last_body else None
            if last_body is None or gap not in ("", "、", "和", "及", "与"):
                return None    # a bare 政府/党委: no body named
            level, place = last_body[1], last_body[2]
            made_by = BODY_SHARED
    label = text[start:e]
    base = BODY_KEY.get(suffix, "委")
    county: str | None = None
    if level in ("镇", "乡", "街道", ""):
        scope = "local"
        key = label if not _own(place, ctx) else "党委" if base == "委" else base
    else:
        scope, county = ctx.scope_of(level, place)
        if scope == "shared":
            region = place.removeprefix("中共") if len(place.removeprefix("中共")) > 1 else (ctx.province or "")
            key = region + ("省委" if base == "委" and level == "省" else
                            "中共中央" if level == "中央" else base)
        else:
            key = level + base
    return Mention(type=ORGANIZATION, text=label, label=label, start=start, end=e, sentence=idx,
                   subtype=subtype, source="orgs", scope=scope, key=key, county=county or None,
                   rules=[made_by]), level, place


def _verb_and_generic(sent: SentenceSpans, start: int, end: int, suffix: str, lex: OrgLexicon) -> bool:
    """A generic word after a verb (统筹|职能科室): no name.  The kind word
    alone after a verb is a name (应急|办, 调解|室)."""
    j = sent.containing(start)
    if j < 0 or sent.starts[j] != start or not (lex.tags.get(sent.tokens[j]) or "").startswith("v"):
        return False
    rest = sent.text_between(start + len(sent.tokens[j]), end)
    return len(rest) > len(suffix) and rest in lex.not_org


def _unit(c: _Candidate, start: int, ctx: _Context) -> Mention | None:
    """A unit, group, office or firm named by the words from ``start`` to its kind word."""
    text, sent, places, lex = ctx.text, c.sent, ctx.places, ctx.lex
    e, suffix, subtype, cls, idx = c.e, c.suffix, c.subtype, c.cls, c.index
    # 驻|派出所|调解室: a room of one unit placed in another
    i = sent.by_end.get(start)
    trims = []
    if i is not None and sent.tokens[i] == "驻" and suffix.endswith(("室", "站", "点")):
        start -= 1
        trims.append(STATIONED)
    label = text[start:e]
    if label.startswith("中共") and suffix == "委员会":
        # 中共云阳县江口镇委员会: the party committee of the place before 委员会
        level = label[-4] if label[-5:-3] != "街道" else "街道"
        if label[-5:-3] == "街道":
            level = "街道"
        place = label[:-3]
        county: str | None = None
        if level in ("镇", "乡", "街道"):
            scope, key = "local", "党委" if _own(place, ctx) else label
        elif level in KIND_CHARS:
            scope, county = ctx.scope_of(level, place)
            key = level + "委" if scope != "shared" else label
        else:
            scope, key = "shared", "中共中央" if label.endswith("中央委员会") else label
        return Mention(type=ORGANIZATION, text=label, label=label, start=start, end=e, sentence=idx,
                       subtype="党委", source="orgs", scope=scope, key=key, county=county or None,
                       rules=[PARTY, *trims])
    lead = lead_place(text, start, e, sent, places, lex)
    place, core = text[start:lead], text[lead:e]
    if cls == "firm":
        place, core = firm_split(place, core, suffix)
    if core in lex.not_org or NOT_ORG_TAIL.search(core) or _verb_and_generic(sent, lead, e, suffix, lex):
        return None
    if suffix == "队伍":
        i = sent.by_end.get(start)
        if i is None or sent.tokens[i] not in ESTABLISH:
            return None        # 执法队伍 in general; a 队伍 that is set up is a unit
    if len(core) < 3 and core not in STANDALONE:
        return None
    if cls == "firm":
        if len(core) <= len(suffix) or counted_firms(text, start, core[:-len(suffix)]):
            return None        # 律师事务所 without a name (全县律师事务所, 两家知名律师事务所): not one firm
        return Mention(type=ORGANIZATION, text=label, label=label, start=start, end=e, sentence=idx,
                       subtype=subtype, source="orgs", scope="shared", key=core, law_firm=True,
                       rules=[FIRM, *trims])
    level = place_level(place)
    m = re.match(r"^([县区市省旗])委", core)
    if m and not level:
        level = m.group(1)
    yf = YIFAZHI.match(core)
    if yf and not level:
        level = {"国": "中央", "镇": "镇", "乡": "乡"}.get(yf.group(1), yf.group(1))
    county: str | None = None
    if level in ("镇", "乡", "街道", ""):
        scope, key = "local", _unit_key(core) if _own(place, ctx) else label
    else:
        scope, county = ctx.scope_of(level, place or level)
        key = _unit_key(re.sub(r"^[县区市省旗]委(?=.)", "", core))
        if scope == "shared":
            key = _unit_key(label)
    return Mention(type=ORGANIZATION, text=label, label=label, start=start, end=e, sentence=idx,
                   subtype=subtype, source="orgs", scope=scope, key=key, county=county or None,
                   rules=[UNIT, *trims])
