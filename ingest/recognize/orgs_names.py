"""Where an organisation's name starts, for :mod:`ingest.recognize.orgs`.

The word lists of ``orgs-patterns.txt`` and the suffix lexicon, a sentence's
tokens as absolute spans (:class:`SentenceSpans`), and the walk back from a kind word
over jieba's tokens with the trims that follow it: a leading verb or adverb,
a firm's trade name, role or place, a conjunction, quotes.  Split from
``orgs.py`` (which decides what each name is and whose body it is); the
names stay package-private (leading underscore): only ``orgs`` uses them.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from ingest import segment
from ingest.hanzi import HAN
from ingest.lexicon import alternation, sections
from ingest.rules import rule
from kg.paths import data_dir

CONJ_COUNTY = rule("orgs.conj-county")

PATTERNS = sections("orgs-patterns.txt")


def word_set(name: str) -> frozenset[str]:
    """A ``words`` section of orgs-patterns.txt as a set."""
    return frozenset(w for line in PATTERNS[name] for w in line.split())


#: Characters that end a place name, and the two-character 街道.
KIND_CHARS = "".join(w for line in PATTERNS["place_kinds"] for w in line.split())
PLACE_TAILS = (*sorted(word_set("place_tails"), key=len, reverse=True), *KIND_CHARS)
#: Words ending like a place that are not one (城乡, 社区 …).
NOT_PLACE = word_set("not_place")
#: Prepositions, conjunctions, particles, pronouns, numerals, adverbs,
#: directions, times, punctuation: never inside a name.
_STOP_TAGS = word_set("stop_tags")
_VERB_TAGS = word_set("verb_tags")
#: Names that stand alone without modifiers (司法所 is a unit, 中心 is not).
STANDALONE = word_set("standalone")
NOT_ORG_TAIL = re.compile(rf"(?:(?:{alternation(word_set('service_not_office'))})办"
                          rf"|{alternation(word_set('not_org_tails'))})$")
#: Verbs that open the name of what they set up: 成立A和B专项整治领导小组.
ESTABLISH = word_set("establish")
_CONJ = word_set("conjunctions")
#: Conjunctions jieba glues to a place's kind character (和|县 read as 和县).
_CONJ_CHARS = "".join(sorted(word_set("conjunction_chars")))
#: Words jieba glues to a kind word (综合行政执法|局等) that end the name.
GLUED_AFTER = word_set("glued_after")
CENTRE_AFTER = re.compile(alternation(word_set("centre_after")))
#: What may follow a kind word that makes it part of a word for people.
PERSON_AFTER = re.compile("|".join(PATTERNS["person_after"]))
ALL_HAN = re.compile(rf"^[{HAN}]+$")
#: Prepositions jieba glues to an unknown name after them (与|兰青 → 与兰青).
_GLUED_PREP = word_set("glued_prep")
#: ... and those jieba glues to a bare kind character (由镇, 经县, 在区).
_GLUED_PREP_KIND = _GLUED_PREP | word_set("glued_prep_kind")
YIFAZHI = re.compile(PATTERNS["yifazhi"][0])
#: Subtypes of the bodies named by their place alone (镇党委, 县政府): their
#: own meetings carry their name (党委会议), and no unit's name ends in one.
BODY_SUBTYPES = word_set("body_subtypes")
BODY_KEY = dict(line.split() for line in PATTERNS["body_keys"])
_MAX_NAME = 32
#: An office's long name and its short one share a key (党政综合办公室, 党政办).
OFFICE_LONG, OFFICE_SHORT = re.compile(PATTERNS["office_short"][0]), PATTERNS["office_short"][1]
#: Posts jieba glues to a body's kind word (镇|党委书记): the body is named.
POSTS_AFTER = word_set("posts_after_body")
#: Adverbs jieba's dictionary tags as nouns (全面, 大力): never a name's start.
_ADVERBS = word_set("adverbs")
#: The session of a congress between its place and its name: 云阳县|第十六届|人大常委会.
_SESSION = re.compile(PATTERNS["session"][0])


@dataclass(frozen=True)
class OrgLexicon:
    suffixes: dict[str, tuple[str, str]]    # suffix → (subtype, class)
    pattern: re.Pattern[str]
    stop: frozenset[str]
    name_verbs: frozenset[str]
    not_org: frozenset[str]
    tags: dict[str, str]
    kinds: tuple[str, ...]                  # the suffixes, for str.endswith


def _words(name: str) -> frozenset[str]:
    out: set[str] = set()
    for line in (data_dir() / "lexicons" / name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            out.update(line.split())
    return frozenset(out)


@cache
def org_lexicon() -> OrgLexicon:
    """The lexicons and the suffix regex, loaded once per process."""
    suffixes: dict[str, tuple[str, str]] = {}
    for line in (data_dir() / "lexicons" / "orgs-suffixes.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            suffix, subtype, cls = line.split("\t")
            suffixes[suffix] = (subtype, cls)
    # longest first; a 委 suffix must not be the start of 委员(会)
    alts = [re.escape(s) + ("(?!员)" if s.endswith("委") else "")
            for s in sorted(suffixes, key=len, reverse=True)]
    return OrgLexicon(suffixes, re.compile("|".join(alts)), _words("orgs-stop.txt"),
                _words("orgs-nameverbs.txt"), _words("orgs-notorg.txt"),
                segment.word_tags(), tuple(suffixes))


class SentenceSpans:
    """One sentence's tokens as absolute spans, with lookups by edge."""

    def __init__(self, start: int, tokens: list[str]) -> None:
        self.tokens = tokens
        self.starts: list[int] = []
        pos = start
        for t in tokens:
            self.starts.append(pos)
            pos += len(t)
        self.by_end = {s + len(t): i for i, (s, t) in enumerate(zip(self.starts, tokens))}
        self.ends = set(self.by_end)
        self.start_set = set(self.starts)

    def text_between(self, start: int, end: int) -> str:
        """The tokens' text from ``start`` to ``end`` (absolute offsets)."""
        return "".join(t for s, t in zip(self.starts, self.tokens) if start <= s and s + len(t) <= end)

    def containing(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1


def is_place_token(tok: str, tag: str | None, lex: OrgLexicon) -> bool:
    if tok in NOT_PLACE or tok in lex.stop or tok[0] in "各全本我该":
        return False
    if tok in ("中央", "中共") or tag == "ns":
        return True
    return tok.endswith(PLACE_TAILS) and ALL_HAN.match(tok) is not None


def _is_name_token(tok: str, lex: OrgLexicon) -> bool:
    if tok in lex.name_verbs:
        return True
    if len(tok) == 2 and tok[0] in _CONJ_CHARS and tok[1] in KIND_CHARS:
        return False           # 和|县…: a conjunction glued to a place's kind
    if tok in lex.stop or not ALL_HAN.match(tok) or tok[0] in "各该我":
        return False
    tag = lex.tags.get(tok)
    if tag in _STOP_TAGS:
        return False
    if tag in _VERB_TAGS and tok not in lex.name_verbs:
        return False
    return True


def walk_back(text: str, sent: SentenceSpans, pos: int, places: list[str], lex: OrgLexicon,
               body: bool, prev_place: bool = False, fired: list[str] | None = None) -> int:
    """Where a name ending at ``pos`` (its modifiers) starts.

    ``prev_place``: what follows ``pos`` begins with a place's kind
    character, so a bare name part in front of it is a place name (江口|镇).
    """
    start = pos
    while start - pos <= _MAX_NAME:
        hit = next((p for p in places if text.startswith(p, pos - len(p)) and pos - len(p) in sent.start_set), None)
        if hit:
            pos -= len(hit)
            prev_place = True
            continue
        i = sent.by_end.get(pos)
        if i is None:
            break
        tok = sent.tokens[i]
        tag = lex.tags.get(tok)
        if body and _SESSION.fullmatch(tok) and start == pos:
            j = sent.by_end.get(pos - len(tok))
            if j is not None and (is_place_token(sent.tokens[j], lex.tags.get(sent.tokens[j]), lex)
                                  or sent.tokens[j] in places):
                pos -= len(tok)      # 云阳县|第十六届|人民代表大会常务委员会: the place comes next
                continue
            break
        if body:
            ok = is_place_token(tok, tag, lex)
            if not ok and prev_place and ALL_HAN.match(tok) and len(tok) <= 4 and tok not in lex.stop \
                    and tag not in _STOP_TAGS and tag not in _VERB_TAGS and not lex.pattern.search(tok):
                # 江口|镇, 稠树塘|镇: the name part in front of a kind word
                nxt = text[pos:pos + 2]
                ok = nxt[:1] in KIND_CHARS or nxt == "街道" or tag in ("ns", "nr", "nz", None)
                if ok and tag is None and len(tok) >= 3 and tok[-1] in _GLUED_PREP_KIND:
                    ok = False  # 周文博为|镇政府: a name and the preposition jieba glued to it
            if not ok and tok == "人民政府" and prev_place:
                ok = True       # 莱山区人民政府|黄海路街道办事处
        else:
            ok = _is_name_token(tok, lex)
        if ok and len(tok) >= 3 and tok[:2] in lex.stop and tok not in lex.name_verbs \
                and not lex.pattern.fullmatch(tok):
            ok = False         # 积极开展, 贯彻落实: a verb or adverb glued to the next word
        if not ok:
            if not body and len(tok) == 2 and tok[0] in _CONJ_CHARS and tok[1] in KIND_CHARS \
                    and tok not in places:
                pos -= 1       # …领导和县|司法局: the conjunction jieba read as a place (和县)
                if fired is not None:
                    fired.append(CONJ_COUNTY)
            break
        if _glued(tok, lex, body, prev_place):
            pos -= len(tok) - 1
            break
        if not body and (verb := _glued_verb(tok, lex)):
            pos -= len(tok) - verb
            break
        pos -= len(tok)
        prev_place = is_place_token(tok, tag, lex) or tok in KIND_CHARS or tok == "街道"
        if tok in ("中共", "中国共产党"):
            break
    return pos


def _is_adverb(tok: str, lex: OrgLexicon) -> bool:
    """An adverb of [adverbs], alone or with the verb jieba glued to it (全力支持)."""
    if tok in _ADVERBS:
        return True
    head = next((tok[:n] for n in (3, 2) if tok[:n] in _ADVERBS and len(tok) > n), None)
    return head is not None and (tok[len(head):] in lex.stop
                                 or (lex.tags.get(tok[len(head):]) or "").startswith("v"))


def past_leading_verb(sent: SentenceSpans, pos: int, end: int, lex: OrgLexicon) -> int:
    """Where a name really starts when the walk took the clause's adverb or
    verb: adverbs jieba tags as nouns (全面, 大力: orgs-patterns.txt
    [adverbs]) are never a name's start, and a verbal noun right after an
    adverb, numeral or stop word is the clause's verb (全方位|建设|一站式|工作站,
    全面|建设|法治宣传|教育|中心), when a modifier is left before the kind word
    (…|建设局 stays whole).  全面依法治县委员会 is a name."""
    j = sent.containing(pos)
    if j < 0 or sent.starts[j] != pos:
        return pos
    adverb = False
    while j + 1 < len(sent.tokens) and _is_adverb(sent.tokens[j], lex) and sent.starts[j + 1] < end:
        if YIFAZHI.match(sent.text_between(sent.starts[j], end + 16)[:32]) or \
                sent.tokens[j + 1].startswith("依法治"):
            return sent.starts[j]
        j += 1
        adverb = True
    pos = sent.starts[j]
    if lex.tags.get(sent.tokens[j]) != "vn":
        return pos
    i = sent.by_end.get(pos)
    before = sent.tokens[i] if i is not None else None
    if not adverb and before is not None and before not in lex.stop \
            and lex.tags.get(before) not in _STOP_TAGS:
        return pos
    rest = pos + len(sent.tokens[j])
    words = sum(1 for st in sent.starts if rest <= st < end)
    return rest if words >= 1 and lex.tags.get(sent.tokens[j + 1]) not in _VERB_TAGS else pos


def _glued_verb(tok: str, lex: OrgLexicon) -> int:
    """Length of a stop verb jieba glued to the start of an unknown word
    (续聘华|信律师事务所: 续聘; jieba's dictionary has 续聘华 as a person's
    name, one of its many odd ``nr`` entries), else 0."""
    if lex.tags.get(tok, "nr") != "nr":
        return 0
    n = next((n for n in (3, 2) if len(tok) > n and (tok[:n] in lex.stop or tok[:n] in _ADVERBS)), 0)
    if n and (tok[n:] in lex.stop or (lex.tags.get(tok[n:]) or "").startswith("v")):
        return len(tok)        # 全力支持: an adverb and a verb, nothing of a name
    return n


def _glued(tok: str, lex: OrgLexicon, body: bool = False, before_place: bool = False) -> bool:
    """A preposition glued to an unknown name, to a place's kind or to the
    first character of a place's name (jieba's 由镇, 经县 before 党政办,
    司法所; 由南|柳乡 before 司法所): only what follows it is the name's."""
    if tok in lex.tags:
        return False
    if len(tok) == 2:
        return tok[0] in _GLUED_PREP_KIND and (tok[1] in KIND_CHARS or before_place)
    return not body and len(tok) > 2 and tok[0] in _GLUED_PREP


#: Particles that never end a firm's trade name (…的律师事务所).
_PARTICLES = word_set("particles")
_MAX_TRADE_NAME = 12


def trade_name(sent: SentenceSpans, pos: int, lex: OrgLexicon) -> int:
    """Where a law firm's name ending at ``pos`` starts, when the tag-based
    walk found less than two characters of it.

    A firm's trade name (字号) is any word: jieba tags 大成, 启明, 远航 as
    verbs, 至诚 as an adverb, and cuts 和信 into 和|信.  So here only the
    stop lexicon ends the name (聘请, 与, 由 …), except that single
    characters of it are taken while the name is still under two
    characters long (和|信, 立|本); the walk goes on through places in
    front (北京市|大成).
    """
    start = pos
    while start - pos <= _MAX_TRADE_NAME:
        i = sent.by_end.get(pos)
        if i is None:
            break
        tok = sent.tokens[i]
        if not ALL_HAN.match(tok) or tok in _PARTICLES or lex.pattern.search(tok) or tok in _firm_stop():
            break
        if tok in lex.stop and not (len(tok) == 1 and start - pos < 2):
            break
        if _glued(tok, lex):
            return pos - len(tok) + 1
        if (verb := _glued_verb(tok, lex)):
            return pos - len(tok) + verb
        pos -= len(tok)
    if start - pos == 1 and sent.tokens[sent.by_end[start]] in _CONJ | _GLUED_PREP:
        return start           # 企业与|律师事务所, 司法所和|律师事务所: a conjunction, no name
    return pos


def lead_place(text: str, start: int, end: int, sent: SentenceSpans, places: list[str], lex: OrgLexicon) -> int:
    """End of the place names a name starts with (start when none)."""
    pos = start
    while pos < end:
        hit = next((p for p in places if text.startswith(p, pos) and pos + len(p) < end
                    and pos + len(p) in sent.start_set), None)
        if hit:
            pos += len(hit)
            continue
        i = sent.containing(pos)
        if i < 0 or sent.starts[i] != pos:
            break
        tok = sent.tokens[i]
        nxt = pos + len(tok)
        if nxt >= end:
            break
        if is_place_token(tok, lex.tags.get(tok), lex) or tok in KIND_CHARS or tok == "街道":
            pos = nxt
            continue
        if text[nxt:nxt + 1] in KIND_CHARS and nxt + 1 < end and text[nxt:nxt + 2] not in ("委员",):
            # 屏边|县…, 江口|镇…: a name part and its kind character
            j = sent.containing(nxt)
            if sent.tokens[j] in KIND_CHARS:
                pos = nxt + 1
                continue
        break
    return pos


@cache
def _firm_words() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(generic trade names, a count of firms, a numeral) from ``orgs-firms.txt``."""
    lex = sections("orgs-firms.txt")
    alt = lambda ws: "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))  # noqa: E731
    numeral = rf"(?:\d+|(?:{alt(lex['numerals'])})+)"
    return (re.compile(rf"^(?:{alt(lex['not_trade_name'])})[{KIND_CHARS}]?$"),
            re.compile(rf"{numeral}?(?:{alt(lex['measure_words'])})"), re.compile(numeral))


@cache
def _firm_stop() -> frozenset[str]:
    """Words that end a firm's trade-name walk (``orgs-firms.txt`` [trade_stop])."""
    return frozenset(sections("orgs-firms.txt")["trade_stop"])


def firm_place(text: str, sent: SentenceSpans, start: int, places: list[str]) -> int:
    """A firm named after the report's county or city without its kind
    (云阳县 → 云阳|明德律师事务所): the place stem is part of its name."""
    for p in places:
        tail = next((t for t in sorted(PLACE_TAILS, key=len, reverse=True) if p.endswith(t)), "")
        stem = p[:len(p) - len(tail)]
        if len(stem) < 2 or stem == p:
            continue
        for k in range(len(stem), 0, -1):     # before the name, or its start in the name (铺|溶明德)
            if text.startswith(stem, start - k) and start - k in sent.start_set:
                return start - k
    return start


def past_firm_stop(sent: SentenceSpans, start: int, b: int) -> int:
    """A firm's name starts after the last role word in front of it
    (法律顾问|松涛|律师事务所 is 松涛律师事务所)."""
    stop = _firm_stop()
    pos = start
    for s, tok in zip(sent.starts, sent.tokens):
        if start <= s < b and tok in stop:
            pos = s + len(tok)
    return pos


def counted_firms(text: str, start: int, trade: str) -> bool:
    """Whether a firm's "trade name" says which firms or how many, not which
    one: 各律师事务所, 本地律师事务所, 3|家|律师事务所, 两家|知名律师事务所 (a name
    cut right after a classifier is a fragment of a count)."""
    generic, counted, numeral = _firm_words()
    if generic.match(trade):
        return True
    before = text[max(0, start - 6):start]
    m = counted.match(trade)
    if m and (numeral.match(m.group()) or numeral.search(before + "|")):
        return True            # 两家知名…, 3|家|…: a count inside the name
    return any(c.end() == len(before) and numeral.match(c.group()) for c in counted.finditer(before))


def firm_split(place: str, core: str, suffix: str) -> tuple[str, str]:
    """Place and trade name of a firm's name, as :func:`lead_place` split it.

    A firm is known by its trade name wherever it sits (北京市|盈科律师事务所
    is 盈科律师事务所), so the place only leaves its key.  But a "place" that
    leaves nothing before the suffix and does not end in a kind of division
    is the trade name itself: jieba tags some trade names as places
    (衡平|律师事务所).  Units keep such a word as their place (江口|司法所 is
    江口's), which is why this is the firms' rule, not lead_place's.
    """
    if core == suffix and place and place[-1] not in KIND_CHARS \
            and not place.endswith(("街道", "中央")):
        return "", place + core
    return place, core


def through_conj(text: str, sent: SentenceSpans, start: int, places: list[str], lex: OrgLexicon) -> int:
    """Extend a name back to a set-up verb that opens it (成立A和B防火领导小组).

    Between 成立 and the kind word everything is the name, verbs (防火) and
    和/与/及 included, as long as no punctuation, number or stop word
    comes between.
    """
    pos = start
    while start - pos <= _MAX_NAME:
        i = sent.by_end.get(pos)
        if i is None:
            return start
        tok = sent.tokens[i]
        if tok in ESTABLISH:
            return pos
        if not ALL_HAN.match(tok) or (tok in lex.stop and tok not in _CONJ) \
                or (lex.tags.get(tok) in _STOP_TAGS and tok not in _CONJ):
            return start
        if tok in _CONJ and text.endswith(lex.kinds, 0, pos - len(tok)):
            return start       # 派出所调解工作室和|法庭调解工作室: two units, each whole
        pos -= len(tok)
    return start


def quoted_start(text: str, sent_start: int, start: int, end: int) -> int:
    """A name written in quotes (组建“…工作专班办公室”) is whole."""
    if text[end:end + 1] not in "”」』":
        return start
    q = max(text.rfind("“", sent_start, start), text.rfind("「", sent_start, start))
    if q >= 0 and ALL_HAN.match(text[q + 1:start] or "x") and end - q <= _MAX_NAME:
        return q + 1
    return start


def place_level(place: str) -> str:
    """The kind of the innermost place a name starts with ("" for none)."""
    place = _SESSION.sub("", place.removeprefix("中共"))
    if place.endswith("街道"):
        return "街道"
    if place.endswith("中央"):
        return "中央"
    return place[-1] if place and place[-1] in KIND_CHARS else ""
