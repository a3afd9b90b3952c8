"""制度: named systems, mechanisms, procedures, responsibility systems, lists.

A system is found from its head word (制度, 机制, 责任制, 清单, 决策程序,
指标体系, X长制, and the X制 of service rules: 首问负责制, 限时办结制,
一次性告知制, 服务承诺制, 责任追究制) by walking left over jieba tokens until a verb or function
word (data/lexicons/systems-stop.txt), a word jieba tags as a preposition,
particle or conjunction (systems-stop-tags.txt), a heading's number or an
indefinite quantity (systems-boundaries.txt) ends the name:
"严格执行日排查制度" → 日排查制度.  Lists that share one head ("调查取证、告知、集体讨论决定等制度")
yield one system per member.  Names made only of generic words
(systems-generic.txt: 工作制度, 依法行政制度) are left out.

Well-known national systems (systems-canonical.txt) get a canonical identity
(``Mention.key``) and their variant names as aliases, so that 执法全过程记录
and 行政执法全过程记录制度 become one node; a few of them are also found
without a head word (systems-bare.txt); one of them inside a longer name
(三重一大 in 三重一大集体决策制度) is that name, not a second system.  Near-miss heads (治度, 制渡,
责任治) are mended, and the text as written is kept as an alias.

The token walk (:func:`walk_back`) is shared with the 活动 recogniser.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache, lru_cache

from ingest.hanzi import HAN
from ingest.lexicon import lines as _lines
from ingest.rules import mark, rule, words
from ingest.segment import tokenizer, word_tags
from kg.model import SYSTEM, Doc, Mention, Report, Sentence

try:
    import re._constants as sre
    import re._parser as sre_parse
except ImportError:            # Python before 3.11
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

SOURCE = "systems"

HEAD = rule("systems.head")
LIST = rule("systems.list")
PARALLEL = rule("systems.parallel")
BARE = rule("systems.bare")
ABSORB = rule("systems.absorb")
MEND = rule("systems.mend")
STOP_WORD = rule("systems.stop-word")
STOP_TAG = rule("systems.stop-tag")
HEADING = rule("systems.heading")
QUANTITY = rule("systems.quantity")
DEIXIS = rule("systems.deixis")

#: Characters that open and close a quoted name.
OPEN_QUOTES = "“\"‘「『"
CLOSE_QUOTES = "”\"’」』"
_PAIR = {"”": "“", "’": "‘", "」": "「", "』": "『", '"': '"'}
#: How far back a closing quote's opening one is looked for.
MAX_QUOTED = 24
#: Marks that never end a name (“学法+考试+旁听”, 镇-社区-村居, 惠·说法).
_VERB_END = re.compile(r"(开展|推进|落实|举办|召开|执行|完善|健全|建立|推行|加强)$")
_INNER = set("+＋-－—·•・")
_PUNCT = re.compile(r"[^\w+＋\-－—·•・“”\"‘’「」『』（）()]|[\d０-９]")
_ORDINAL = re.compile(r"^[一二三四五六七八九十]是$")
#: A heading's enumerator right before a name (（二）依法行政制度): not part of it.
_ENUMERATOR = re.compile(words(HEADING)[0])
#: An indefinite quantity (多项, 几次, 若干, 一系列): it counts names, it does not name one.
_INDEFINITE = re.compile(words(QUANTITY)[0])
#: A place named by a pronoun (我县, 本镇): where the clause happens, not a name's start.
_DEIXIS = re.compile(words(DEIXIS)[0])
_TITLE = re.compile(r"《[^《》]{0,80}》")
_QUOTE_CHARS = re.compile(r"[“”\"‘’「」『』\s]")
#: Separators between members of a list of names.
JOINERS = {"、", "和", "及", "与", "以及"}
MAX_NAME = 26


# ---------------------------------------------------------------- lexicons



@cache
def stop_words() -> frozenset[str]:
    """Tokens that end a name (shared with activities)."""
    return frozenset(_lines("systems-stop.txt"))


@cache
def _generic() -> frozenset[str]:
    return frozenset(_lines("systems-generic.txt"))


@cache
def _stop_tags() -> frozenset[str]:
    """jieba part-of-speech tags whose words end a name (prepositions,
    particles, conjunctions): data/lexicons/systems-stop-tags.txt."""
    return frozenset(t.split()[0] for t in _lines("systems-stop-tags.txt"))


@cache
def _tags() -> dict[str, str]:
    return word_tags()


def plain(name: str) -> str:
    """A name without quotes and spaces, for lexicon look-ups."""
    return _QUOTE_CHARS.sub("", name)


@cache
def _canonical() -> dict[str, tuple[str, tuple[str, ...]]]:
    """variant → (canonical label, all variants)."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in _lines("systems-canonical.txt"):
        names = tuple(n.strip() for n in line.split("|") if n.strip())
        for n in names:
            out[plain(n)] = (names[0], names)
    return out


class WholeNames:
    """Whole-name patterns (systems-bare.txt, activities-bare.txt), each
    searched only in sentences holding one of the words its every match
    contains (:func:`required_words`; a pattern without such words is
    always searched): most sentences are passed over with a few substring
    tests instead of a scan by every pattern."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = [re.compile(p) for p in patterns]
        self.always: list[int] = []
        self.by_word: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            need = required_words(p)
            if not need:
                self.always.append(i)
            for w in need:
                self.by_word.setdefault(w, []).append(i)

    def matches(self, text: str) -> list[re.Match[str]]:
        """Matches in ``text``, by start, the longest first."""
        todo = set(self.always)
        for w, idx in self.by_word.items():
            if w in text:
                todo.update(idx)
        if not todo:
            return []
        found = [m for i in sorted(todo) for m in self.patterns[i].finditer(text)]
        return sorted(found, key=lambda m: (m.start(), -m.end()))


@cache
def _bare() -> WholeNames:
    return WholeNames(_lines("systems-bare.txt"))


def required_words(pattern: str) -> set[str]:
    """Words one of which every match of ``pattern`` contains: for each of its
    alternatives, the longest run of plain characters it always has, or else
    the runs of the alternatives of its first group (送法|普法…).  Empty when
    some alternative has neither."""
    try:
        tree = list(sre_parse.parse(pattern))
    except re.error:
        return set()
    return _needed(tree, sre)


def _needed(seq: list, sre) -> set[str]:
    if len(seq) == 1 and seq[0][0] is sre.BRANCH:
        out: set[str] = set()
        for alt in seq[0][1][1]:
            words = _needed(list(alt), sre)
            if not words:
                return set()
            out |= words
        return out
    runs, cur, groups = [], "", []
    for op, av in seq:
        if op is sre.LITERAL:
            cur += chr(av)
            continue
        runs.append(cur)
        cur = ""
        if op is sre.SUBPATTERN:      # a group that must match (not one with ? after it)
            groups.append(list(av[-1]))
        elif op is sre.BRANCH:        # (?:A|B) is written inline by the parser
            groups.append([(op, av)])
    runs.append(cur)
    best = max(runs, key=len)
    if best:
        return {best}
    for g in groups:
        words = _needed(g, sre)
        if words:
            return words
    return set()


def _word(pattern: str) -> str:
    """A head pattern as plain text (its look-arounds dropped)."""
    return re.sub(r"\(\?<?[=!][^)]*\)", "", pattern)


@cache
def _head_table() -> tuple[tuple[str, frozenset[str]], ...]:
    """(pattern, flags) of data/lexicons/systems-heads.txt, longest first."""
    rows = [(line.split()[0], frozenset(line.split()[1:])) for line in _lines("systems-heads.txt")]
    return tuple(sorted(rows, key=lambda r: -len(_word(r[0]))))


@cache
def _head() -> re.Pattern[str]:
    heads = "|".join(p for p, _ in _head_table())
    after = "|".join(_lines("systems-head-next.txt"))
    return re.compile(f"(?P<head>{heads})(?!{after})")


@cache
def _head_end() -> re.Pattern[str]:
    """A name ending with a head of its own (flag ``ends``)."""
    return re.compile("(?:" + "|".join(_word(p) for p, f in _head_table() if "ends" in f) + ")$")


@cache
def _naming() -> frozenset[str]:
    """Heads that name a kind of system themselves: a generic word before
    them still makes a name (岗位责任制, 河长制, 服务承诺制, 责任追究制)."""
    return frozenset(_word(p) for p, f in _head_table() if "naming" in f)


@cache
def _mend() -> dict[str, str]:
    """Typing slips in a head and the head meant (治度 → 制度)."""
    return {_word(p): fl[5:] for p, f in _head_table() for fl in f if fl.startswith("mend=")}


#: Members of a list of 制度 that are activities (法治讲座、定期法治培训等学法制度).
_ACTIVITY_END = re.compile(r"(讲座|培训|宣讲|讲堂|活动|考试|演练)$")
#: Procedures that are systems whatever they govern (合法性审查前置程序).
_SYSTEM_PROCEDURE = re.compile(r"(?:前置|必经)程序$")
#: A model (模式) is a system when the text names it: a quoted name and a
#: word of its own before 模式 (“全员办案”工作模式, “A+B”双轮驱动模式).
_NAMED_MODEL = re.compile(rf"[”\"’」』]\s*[{HAN}]{{2,}}模式$")


# ---------------------------------------------------------------- the walk

def token_starts(tokens: list[str]) -> list[int]:
    """Offset of each token in its sentence (tokens tile the sentence)."""
    out, pos = [], 0
    for t in tokens:
        out.append(pos)
        pos += len(t)
    return out


def stop_reason(tok: str, stops: frozenset[str]) -> str | None:
    """Why a token ends a name: the id of the rule (a stop word, a
    preposition, particle or conjunction by jieba's tag, an indefinite
    quantity), "" for punctuation, a number or a space; None when it does not."""
    if tok in stops:
        return STOP_WORD
    if _INDEFINITE.match(tok):
        return QUANTITY
    if len(tok) > 1 and _tags().get(tok) in _stop_tags():
        return STOP_TAG
    if len(tok) >= 3 and (_VERB_END.search(tok) or (tok[-2:] in stops and tok[:-2] in stops)):
        return STOP_WORD   # 大力开展, 逐步形成: jieba keeps adverb and verb together
    if _ORDINAL.match(tok) or tok.strip() == "":
        return ""
    if len(tok) == 1 and tok in _INNER:
        return None
    return "" if _PUNCT.search(tok) else None


def is_stop(tok: str, stops: frozenset[str]) -> bool:
    """A token that ends a name (see :func:`stop_reason`)."""
    return stop_reason(tok, stops) is not None


def walk_back(text: str, tokens: list[str], starts: list[int], pos: int, *,
              stops: frozenset[str], join: bool = True, max_len: int = MAX_NAME,
              head_end: re.Pattern[str] | None = None, titles: bool = False,
              why: list[str] | None = None, stop_rule: str = STOP_WORD) -> int | None:
    """Where a name ending at ``pos`` begins, walking left over tokens.

    The part of a token left of ``pos`` always belongs to the name (the head
    may sit inside a jieba word: 管理制度).  A quoted stretch is taken whole.
    With ``join``, short conjuncts tie into one name (聘请、履职和考核机制):
    a separator is crossed when the conjunct right of it is at most four
    characters and the conjunct left of it does not end with a head of its
    own (``head_end``; "法治讲座、法治游园会" are two names).  Returns None
    when the name would grow past ``max_len``.  With ``titles`` a 《…》
    right before is taken in whole (《民法典》专题讲座).  The id of the
    rule that ended the name, if one did, is appended to ``why``; a stop
    word of the caller's own list (not systems-stop.txt) as ``stop_rule``.
    """
    head_end = head_end or _head_end()
    if pos <= 0:
        return None
    k = bisect_right(starts, pos - 1) - 1
    begin = pos
    conj_end = pos           # right end of the conjunct being collected
    joins = 0
    while k >= 0:
        seg = text[starts[k]:begin] if begin < starts[k] + len(tokens[k]) else tokens[k]
        seg_start = starts[k]
        if seg and (seg[-1] in CLOSE_QUOTES or (titles and seg[-1] == "》")) and seg == tokens[k]:
            opener = _PAIR.get(seg[-1], "《" if seg[-1] == "》" else "“")
            q = text.rfind(opener, max(0, seg_start - MAX_QUOTED), seg_start)
            if q < 0:
                break
            begin = q
            k = bisect_right(starts, q) - 1
            k -= 1 if starts[k] == q else 0
            continue
        if seg and all(c in OPEN_QUOTES for c in seg):
            begin = seg_start
            k -= 1
            continue
        if seg in "）)、" and _ENUMERATOR.search(text, 0, seg_start + 1):
            if why is not None:
                why.append(HEADING)
            break     # a heading's number: （二）依法行政制度
        if join and seg in JOINERS:
            right = text[begin:conj_end]
            left = text[max(0, seg_start - 4):seg_start]
            if (0 < len(plain(right)) <= 4 and k > 0 and not is_stop(tokens[k - 1], stops)
                    and not head_end.search(left)):
                joins += 1
                if joins > 2:
                    return None   # a long run of 、: a sentence, not a name
                conj_end = seg_start
                begin = seg_start
                k -= 1
                continue
            break
        if _DEIXIS.match(seg) or (k > 0 and _DEIXIS.match(tokens[k - 1] + seg)):
            if why is not None:
                why.append(DEIXIS)
            break     # 调整我县|告知承诺制: the place belongs to the clause
        reason = stop_reason(seg, stops)
        if reason is not None:
            if reason and why is not None:   # a word of the caller's own stop list: its rule
                own = reason == STOP_WORD and seg in stops and seg not in stop_words()
                why.append(stop_rule if own else reason)
            break
        if k > 0 and tokens[k - 1].isdigit() and (seg in ("年", "年度") or len(seg) <= 2):
            break   # 2023年度…, 3张…: a year or a counted measure word ends the name
        begin = seg_start
        k -= 1
        if pos - begin > max_len:
            return None
    if begin < len(text) and text[begin] in JOINERS:
        begin += 1
    return begin if begin < pos else None


def quoted_label(name: str) -> str:
    """The label of a name with a quoted part: from the first opening quote
    (重点企业“服务包”制度 → 服务包制度), quotes dropped."""
    for i, c in enumerate(name):
        if c in OPEN_QUOTES and i > 0:
            return plain(name[i:])
    return plain(name)


def title_spans(text: str) -> list[tuple[int, int]]:
    """Spans of 《…》 titles: names inside a document title are not systems."""
    return [m.span() for m in _TITLE.finditer(text)]


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


# ---------------------------------------------------------------- recogniser

def _core_tokens(name: str, head: str) -> list[str]:
    """The name without its head, cut into words the way jieba would."""
    core = plain(name)[: -len(head)] if head else plain(name)
    return [t for t in tokenizer().lcut(core) if t.strip()] if core else []


@lru_cache(maxsize=4096)
def _vague(name: str, head: str) -> bool:
    """True for 工作制度, 依法行政制度, 考核机制: only generic words."""
    core = plain(name)[: -len(head)] if head and plain(name).endswith(head) else plain(name)
    if len(core) < 2:
        return True
    generic = _generic() | JOINERS
    if core in generic:
        return True
    return all(t in generic for t in _core_tokens(name, head))


def _make(sent: Sentence, start: int, end: int, label: str, *, written: str | None = None,
          extra: tuple[str, ...] = (), rules: tuple[str, ...] = ()) -> Mention:
    """A mention at sentence offsets, with its canonical identity if known."""
    text = sent.text[start:end]
    label = plain(label)
    aliases = set(extra)
    if written and plain(written) != label:
        aliases.add(plain(written))
    # nested: a system named inside an activity (法治建设责任制中期检查) is
    # still mentioned; titles of documents are skipped before this point
    key: str | None = None
    canon = _canonical().get(label)
    if canon is None:
        # 工作机制 and 制度 name the same institution: X工作机制 = X制度
        alt = re.sub(r"(工作)?(机制|制度)$", "制度", label)
        canon = _canonical().get(alt)
        key = alt
    if canon is not None:
        aliases.add(label)
        label = canon[0]
        aliases.update(canon[1])
        key = canon[0]
    aliases.discard(label)
    return Mention(type=SYSTEM, text=text, label=label, start=sent.start + start,
                   end=sent.start + end, sentence=sent.index, source=SOURCE,
                   key=key, nested=True, aliases=aliases, rules=list(rules))


def _members(text: str, tokens: list[str], starts: list[int], pos: int,
             stops: frozenset[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Members of a list ending at ``pos`` (just before 等), right to left:
    (start, end, ids of the rules that ended each)."""
    out = []
    while pos > 0:
        why: list[str] = []
        b = walk_back(text, tokens, starts, pos, stops=stops, join=False, why=why)
        if b is None:
            break
        out.append((b, pos, tuple(why)))
        if b > 0 and text[b - 1] in "、和及与":
            pos = b - 1
            continue
        break
    return out


def find_in_sentence(sent: Sentence) -> list[Mention]:
    """Every system named in one sentence."""
    text = sent.text
    heads = list(_head().finditer(text))
    bare = _bare().matches(text)
    if not heads and not bare:
        return []
    tokens = sent.tokens or [text]
    starts = token_starts(tokens)
    stops = stop_words()
    titles = title_spans(text)
    out: list[Mention] = []

    bare_found = [_make(sent, m.start(), m.end(), m.group(), rules=(BARE,)) for m in bare
                  if not inside(titles, *m.span())]

    for m in heads:
        hs, he = m.span()
        if inside(titles, hs, he):
            continue
        head = _mend().get(m.group("head"), m.group("head"))
        mended = (MEND,) if head != m.group("head") else ()
        # a list sharing the head: "A、B、C等制度", "A、B等学法制度"
        before = text[:hs]
        lst = re.search(r"等(各项|各类|学法|相关|工作)?$", before)
        if lst:
            if head != "制度":
                continue
            for b, e, why in _members(text, tokens, starts, lst.start(), stops):
                member = text[b:e]
                if _head().search(member) or _vague(member, "") or _ACTIVITY_END.search(member):
                    continue   # found by itself: a system with its own head, an activity
                out.append(_make(sent, b, e, quoted_label(member) + head,
                                 written=member + head, extra=(plain(member),),
                                 rules=(LIST, *mended, *why)))
            continue
        why: list[str] = []
        b = walk_back(text, tokens, starts, hs, stops=stops, why=why)
        if b is None:
            continue
        name = text[b:hs] + head
        if head.endswith("程序") and not _SYSTEM_PROCEDURE.search(name) and (
                "决策" not in name or plain(name) in ("决策程序", "依法决策程序")):
            continue   # 法定程序, 执法程序, 简易程序: procedure words, not systems
        if head == "模式" and not _NAMED_MODEL.search(name):
            continue   # “全员办案”工作模式 names a model; “一条龙服务”模式 says how
        if head == "长制" and hs - b != 1:
            continue   # 河长制, 林长制: one character before 长制
        if head == "清单" and he < len(text) and text[he] in "之":
            continue
        if "第一责任" in name:
            continue   # the first-responsible-person duty is a duty, not a system
        if (head not in _naming() and _vague(name, head)
                and plain(name) not in _canonical()):
            continue
        out.append(_make(sent, b, he, quoted_label(name), written=text[b:he],
                         rules=(HEAD, *mended, *why)))
        # parallel quoted names sharing the head: 镇级“五包一”、村级“四包一”工作机制
        q = name.find("”")
        if q > 0 and b > 0 and text[b - 1] == "、":
            suffix = plain(name[q + 1:])
            for mb, me, why in _members(text, tokens, starts, b - 1, stops):
                member = text[mb:me]
                if "“" in member or '"' in member:
                    out.append(_make(sent, mb, me, quoted_label(member) + suffix,
                                     written=plain(member) + suffix, rules=(PARALLEL, *why)))
    return _absorb(bare_found, out) + out


def _absorb(bare: list[Mention], named: list[Mention]) -> list[Mention]:
    """The bare names not inside a longer name found from a head.

    A national system written inside a longer name (三重一大 in
    三重一大集体决策制度) is that name, not a second system: the longer
    mention takes its canonical key and variants, so one node carries both.
    """
    kept = []
    for b in bare:
        outer = next((m for m in named if m.start <= b.start and b.end <= m.end
                      and (m.start, m.end) != (b.start, b.end)), None)
        if outer is None:
            kept.append(b)
            continue
        outer.aliases |= {b.label, *b.aliases} - {outer.label}
        mark(outer, ABSORB)
        if b.key is not None and outer.label not in _canonical():
            outer.key = b.key
    return kept


_KEY_HEAD = re.compile(r"(工作)?(制度|机制)$")
MERGE_TAIL = 6


def merge_variants(mentions: list[Mention]) -> None:
    """Give one key to names of one report that differ only at the front.

    司法所负责人列席镇长办公会议机制 and 司法所长列席镇长办公会议制度 name
    one system in two wordings: names (without the head) that share their
    last ``MERGE_TAIL`` characters or more, both being longer than that, take
    the key of the longer one.
    """
    cores: dict[str, str] = {}
    for m in mentions:
        k = m.key or m.label
        cores.setdefault(k, _KEY_HEAD.sub("", k))
    keys = sorted(cores, key=len, reverse=True)
    alias: dict[str, str] = {}
    for i, a in enumerate(keys):
        if a in alias:
            continue
        for b in keys[i + 1:]:
            ca, cb = cores[a], cores[b]
            if b in alias or len(cb) <= MERGE_TAIL or _canonical().get(b):
                continue
            n = 0
            while n < min(len(ca), len(cb)) and ca[-1 - n] == cb[-1 - n]:
                n += 1
            if n >= MERGE_TAIL:
                alias[b] = a
    for m in mentions:
        k = m.key or m.label
        if k in alias:
            m.key = alias[k]


def find(doc: Doc, rep: Report) -> None:
    """Append the 制度 mentions of a report."""
    found: list[Mention] = []
    for sent in rep.sentences:
        found.extend(find_in_sentence(sent))
    merge_variants(found)
    rep.mentions.extend(found)
