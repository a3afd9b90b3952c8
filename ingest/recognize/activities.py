"""活动: activities, trainings, campaigns, meetings, commemorative days.

An activity is found from its head word by the same token walk as 制度 (see
:mod:`ingest.recognize.systems`): "开展法治讲座3场" → 法治讲座.  The heads
are data (activities-heads.txt), each with a kind — meetings, study forms,
trainings, exams, ceremonies, shows, attending trials, inspections,
campaigns, party days — and flags: ``self`` (专题会议, 集中学习 name an
activity alone), ``counted`` (学法, 学习 are verbs, an activity only when
counted) and ``event`` (held by a unit for others).  A meeting, study or
inspection counts only when its clause says it was held (activities-held.txt,
not as a plan: activities-planned.txt) or counts it.  A generic word alone
(培训, 宣传活动, 集中培训) is not an activity (activities-generic.txt); the
people a training is for are not its name (activities-audience.txt).  Some
activities are found by their whole name (activities-bare.txt):
commemorative days (宪法宣传日 with its date), 八五普法, 法律七进, 中心组学法.
Variants of one activity share a canonical identity (activities-canonical.txt).

A count stated right after the name ("法治宣讲100余场次") or right before
it ("召开12次党政联席会议") goes into ``Mention.count`` and
``Mention.count_unit``, a date stated before it in
its sentence ("2023年5月，举办…") into ``Mention.date``.  Every rule that
makes or trims a mention is recorded in ``Mention.rules`` (ids declared in
the activities-*.txt files).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache, lru_cache

from ingest import numerals
from ingest.dates import TEXT_DATE, partial_iso
from ingest.hanzi import HAN
from ingest.recognize.orgs import BODY_SUBTYPES
from ingest.recognize.systems import (
    _PAIR,
    CLOSE_QUOTES,
    MAX_QUOTED,
    WholeNames,
    _lines,
    inside,
    plain,
    quoted_label,
    stop_words,
    title_spans,
    token_starts,
    walk_back,
)
from ingest.rules import mark, rule
from ingest.segment import tokenizer
from kg.model import ACTIVITY, ORGANIZATION, Doc, Mention, Report, Sentence

SOURCE = "activities"

HEAD = rule("activities.head")
ALONE = rule("activities.alone")
COUNTED = rule("activities.counted")
SHARED = rule("activities.shared")
INTO_RUN = rule("activities.into-run")
BARE = rule("activities.bare")
THEME = rule("activities.theme")
COUNT_LEAD = rule("activities.count-lead")
ORGANISER = rule("activities.organiser")
BODY = rule("activities.body")
REFER_BACK = rule("activities.refer-back")
AUDIENCE = rule("activities.audience")
STOP_WORD = rule("activities.stop-word")


@cache
def _head_table() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(head pattern, kind, flags) of data/lexicons/activities-heads.txt, longest first."""
    rows = []
    for line in _lines("activities-heads.txt"):
        parts = line.split()
        rows.append((parts[0], parts[1] if len(parts) > 1 else "event", frozenset(parts[2:])))
    return tuple(sorted(rows, key=lambda r: -len(re.sub(r"\(\?[<!=]+[^)]*\)", "", r[0]))))


def _word(pattern: str) -> str:
    """A head pattern as plain text (its look-arounds dropped)."""
    return re.sub(r"\(\?[<!=]+[^)]*\)", "", pattern)


@cache
def _head() -> re.Pattern[str]:
    heads = "|".join(p for p, _, _ in _head_table())
    after = "|".join(_lines("activities-head-next.txt"))
    return re.compile(f"(?P<head>{heads})(?!{after})")


@cache
def _head_end() -> re.Pattern[str]:
    """A name ending with a head of its own (lists: "法治讲座、法治游园会" are two)."""
    return re.compile("(?:" + "|".join(_word(p) for p, _, _ in _head_table()) + "|会)$")


@cache
def _flagged(flag: str) -> frozenset[str]:
    return frozenset(_word(p) for p, _, flags in _head_table() if flag in flags)


@cache
def _kind() -> dict[str, str]:
    return {_word(p): kind for p, kind, _ in _head_table()}


@cache
def _after() -> re.Pattern[str]:
    """Words right after a name that make it part of something else (学习计划)."""
    return re.compile("|".join(_lines("activities-head-next.txt")))


@cache
def _held() -> re.Pattern[str]:
    return re.compile("|".join(_lines("activities-held.txt")))


_CLAUSE_END = re.compile(r"[，,。；;：:！!？?]")


@cache
def _planned() -> re.Pattern[str]:
    return re.compile("|".join(_lines("activities-planned.txt")))


def _held_in_clause(text: str, b: int) -> bool:
    """True when the clause before ``b`` says something was held (召开,
    参加…), and not as a plan (计划组织…)."""
    lo = max((m.end() for m in _CLAUSE_END.finditer(text, 0, b)), default=0)
    return bool(_held().search(text, lo, b)) and not _planned().search(text, lo, b)


_COUNT = re.compile(
    r"^\s*[（(]?\s*(?:共|累计|达|计|每[年月周季]度?)?\s*(?P<n>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*"
    r"(?P<more>余|多)?\s*(?P<unit>场次|人次|场|次|期|批|轮|班)")
#: A count written before the name: "召开一次专题会议".
_COUNT_BEFORE = re.compile(r"(?P<n>\d+|[一二两三四五六七八九十]+)\s*(?P<unit>次|场|期|个|轮)$")
_JOIN = re.compile(r"[、和及与]")
#: A date written before a commemorative day: 12·4, 12月4日.
_DATE_LEAD = re.compile(r"^(?:\d{1,2}[·•・.]\d{1,2}|\d{1,2}月\d{1,2}日)")
_COUNT_LEAD = re.compile(r"(?:\d+|[一二两三四五六七八九十]+)\s*(?:次|场|期|个|轮)")
#: "进机关、进农村、进社区活动": a run of 进X joined by 、 is one campaign.
_INTO_RUN = re.compile(rf"(?:[进下][{HAN}]{{1,3}}、){{2,}}[进下][{HAN}]{{1,3}}[”\"]?(?:主题)?活动")
#: A date stated before an activity in its sentence: 2023年5月10日, 5月10日, 5月.
_DATE = re.compile(TEXT_DATE + r"(?:[,，]|起|至今|期间)?")
#: How far before a name a stated date may be.
DATE_REACH = 24


@cache
def _stops() -> frozenset[str]:
    return stop_words() | frozenset(_lines("activities-stop.txt"))


@cache
def _generic() -> frozenset[str]:
    return frozenset(_lines("activities-generic.txt")) | {"、", "和", "及", "与"}


@cache
def _canonical() -> dict[str, tuple[str, tuple[str, ...], str | None]]:
    """variant → (canonical label, variants, date)."""
    out = {}
    for line in _lines("activities-canonical.txt"):
        parts = [p.strip() for p in line.split("|") if p.strip()]
        date = next((p[6:] for p in parts if p.startswith("@date=")), None)
        names = tuple(p for p in parts if not p.startswith("@"))
        for n in names:
            out[plain(n)] = (names[0], names, date)
    return out


@cache
def _bare() -> WholeNames:
    return WholeNames(_lines("activities-bare.txt"))


@lru_cache(maxsize=4096)
def _vague(name: str, head: str) -> bool:
    """True when the name is its head plus generic words only."""
    core = plain(name)
    if core.endswith(head):
        core = core[: -len(head)]
    if len(core) < 2:
        return True
    generic = _generic()
    if core in generic:
        return True
    if all(t in generic for t in tokenizer().lcut(core) if t.strip()):
        return True
    return _generic_parts(core, generic)


def _generic_parts(core: str, generic: frozenset[str]) -> bool:
    """True when ``core`` can be cut wholly into generic words, however
    jieba cut it (系列学习 is one jieba word: 系列 + 学习)."""
    ok = [True] + [False] * len(core)
    for i in range(1, len(core) + 1):
        ok[i] = any(ok[j] and core[j:i] in generic for j in range(max(0, i - 6), i))
    return ok[-1]


def _date_before(text: str, start: int) -> str | None:
    """The date a sentence states for the activity named at ``start``:
    "2023年5月10日，举办法治讲座" → 2023-05-10; "5月" → 05.  The last date
    before the name within ``DATE_REACH`` characters, not one across a
    full stop of the clause (；) or another stated date's range (至)."""
    lo = max(0, start - DATE_REACH)
    found = None
    for d in _DATE.finditer(text, lo, start):
        found = d
    if found is None or re.search(r"[；;。至到]", text[found.end():start]):
        return None
    return partial_iso(found)


def _make(sent: Sentence, start: int, end: int, label: str, written: str,
          rules: tuple[str, ...] = ()) -> Mention:
    label = plain(label)
    aliases = {plain(written)}
    key = date = count_unit = count_approx = None
    number: int | float | None = None
    canon = _canonical().get(label) or _canonical().get(_DATE_LEAD.sub("", label))
    if canon is not None:
        aliases.add(label)
        label = canon[0]
        aliases.update(canon[1])
        key = label
        if canon[2]:
            date = canon[2]
    aliases.discard(label)
    # the count after the name ("法治讲座3场"), else right before it ("召开一次专题会议")
    count = _COUNT.match(sent.text[end:]) or _COUNT_BEFORE.search(sent.text, 0, start)
    if count:
        v = numerals.value(count.group("n"))
        if v is not None:
            n = float(v)
            number = int(n) if n.is_integer() else n
            count_unit = count.group("unit")
            if "more" in count.re.groupindex and count.group("more"):
                count_approx = "more"
    if date is None:
        date = _date_before(sent.text, start) or None
    # 宪法 inside 宪法宣传日: the longer activity is the one to keep
    return Mention(type=ACTIVITY, text=sent.text[start:end], label=label,
                   start=sent.start + start, end=sent.start + end, sentence=sent.index,
                   source=SOURCE, key=key, date=date, count=number, count_unit=count_unit,
                   count_approx=count_approx, aliases=aliases, rules=list(rules))


def _quoted_theme(text: str, b: int) -> int | None:
    """Where a campaign named in quotes before 主题 starts, if one is:
    “美好生活·民法典相伴”主题宣传活动 (主题 alone stops a name: 以宪法为主题的…)."""
    if b < 4 or not text.endswith("主题", 0, b) or text[b - 3] not in CLOSE_QUOTES:
        return None
    q = text.rfind(_PAIR[text[b - 3]], max(0, b - 3 - MAX_QUOTED), b - 3)
    return q if q >= 0 else None


#: Kinds of activity that are one only when held or counted (see activities-heads.txt).
_HELD_KINDS = frozenset({"meeting", "study", "inspection"})
#: Kinds of activity held *for* people (trainings, tests, study, attending a trial).
_AUDIENCE_KINDS = frozenset({"training", "exam", "study", "trial"})


@cache
def _audience() -> tuple[str, ...]:
    return tuple(w.split()[0] for w in _lines("activities-audience.txt") if len(w.split()) == 1)


@cache
def _audience_more() -> tuple[str, ...]:
    return tuple(w.split()[0] for w in _lines("activities-audience.txt") if w.endswith(" more"))


def _without_audience(text: str, tokens: list[str], starts: list[int], b: int, hs: int,
                      head: str) -> int:
    """Where the name starts once the people it is for are left out:
    乡干部、村“两委”成员法治培训 → 法治培训, when what is left still names
    something (执法人员培训考试 stays whole: 培训考试 alone names nothing)."""
    if _kind().get(head) not in _AUDIENCE_KINDS:
        return b                  # 干部职工会议, 领导干部学法活动: the people are the name
    cut = None
    k = bisect_right(starts, b) - 1
    while k < len(tokens) and starts[k] < hs:
        tok = tokens[k]
        if starts[k] >= b and (tok.endswith(_audience()) or (
                tok.endswith(_audience_more()) and cut == starts[k])):
            cut = starts[k] + len(tok)   # 领导干部人员: 人员 goes on from 干部
        k += 1
    if cut is None or cut > hs or (cut < hs and text[cut] in CLOSE_QUOTES or _JOIN.match(text, cut)):
        return b                  # 村干部、网格员培训班: the list of people goes on
    rest = text[cut:hs] + head
    if cut == hs:
        return cut if head in _flagged("self") else b   # 干部职工集中学习 → 集中学习
    return cut if not _vague(rest, head) else b


def _shared_qualifier(text: str, hs: int, he: int, head: str,
                      out: list[Mention], sent_start: int) -> str | None:
    """"普法培训和考试": a head joined right after another activity shares
    its qualifier (普法考试).  The label, or None."""
    if hs < 2 or text[hs - 1] not in "和及与、" or not out:
        return None
    prev = out[-1]
    if prev.end - sent_start != hs - 1:
        return None
    other = _head_end().search(prev.text)
    if other is None or len(prev.text) <= len(other.group()):
        return None
    return quoted_label(prev.text[: -len(other.group())]) + head


def find_in_sentence(sent: Sentence) -> list[Mention]:
    """Every activity named in one sentence."""
    text = sent.text
    heads = list(_head().finditer(text))
    bare = _bare().matches(text)
    runs = list(_INTO_RUN.finditer(text)) if "、" in text else []
    if not heads and not bare:
        return []
    tokens = sent.tokens or [text]
    starts = token_starts(tokens)
    stops = _stops()
    titles = title_spans(text)
    self_heads = _flagged("self")
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []

    for m in runs:                   # 法治课堂进机关、进农村、进校园活动: one campaign
        b = walk_back(text, tokens, starts, m.start(), stops=stops, join=False)
        if b is not None and not inside(titles, b, m.end()):
            out.append(_make(sent, b, m.end(), quoted_label(text[b:m.end()]), text[b:m.end()],
                             (INTO_RUN,)))
            taken.append((b, m.end()))

    after = _after()
    for m in bare:
        if (inside(titles, *m.span()) or any(s <= m.start() and m.end() <= e for s, e in taken)
                or after.match(text, m.end())):
            continue                 # 中心组学习计划: a plan, not the study
        out.append(_make(sent, m.start(), m.end(), m.group(), m.group(), (BARE,)))
        taken.append(m.span())

    counted_only = _flagged("counted")
    for m in heads:
        hs, he = m.span()
        head = m.group("head")
        if inside(titles, hs, he) or any(s <= hs and he < e for s, e in taken):
            continue   # inside a name found whole (专题学习习近平法治思想)
        counted_after = bool(_COUNT.match(text[he:]))
        if head in counted_only and not counted_after:
            continue   # 学法, 学习 alone are verbs; "周例会学法11次" is an activity
        if re.search(r"等(各类|各项|系列|相关)?$", text[:hs]) and not (
                head in self_heads and counted_after):
            continue   # "A、B等活动": the members are named elsewhere if at all
        why: list[str] = [COUNTED if head in counted_only else HEAD]
        b = walk_back(text, tokens, starts, hs, stops=stops, head_end=_head_end(), titles=True,
                      why=why, stop_rule=STOP_WORD)
        themed = _quoted_theme(text, hs if b is None else b)
        if themed is not None:
            b = themed
            why.append(THEME)
        if b is None:
            shared = _shared_qualifier(text, hs, he, head, out, sent.start)
            if shared is not None:
                out.append(_make(sent, hs, he, shared, text[hs:he], (SHARED,)))
                continue
            if head not in self_heads:
                continue
            b = hs
            why = [ALONE]
            alone = True
        else:
            alone = False
        # joined conjuncts must be short words ("领导干部、执法人员培训班");
        # a long one means the walk ran into a clause: keep the last part
        parts = list(_JOIN.finditer(text, b, hs))
        if parts and any(len(seg) > 5 for seg in _JOIN.split(text[b:parts[-1].start()])):
            b = parts[-1].end()
        lead = _COUNT_LEAD.match(text, b, hs)
        counted_before = bool(lead) or bool(_COUNT_BEFORE.search(text[:b]))
        if lead:
            b = lead.end()   # "召开一次专题会议": the count is not part of the name
            why.append(COUNT_LEAD)
        if b > 0 and text[b - 1] in "和与及" and hs - b > 6:
            continue   # the walk stopped inside "A和B专项整治": the name is cut short
        if ((alone or _kind().get(head) in _HELD_KINDS) and not (counted_before or counted_after)
                and not _held_in_clause(text, b)):
            continue   # 学习…会议精神: a meeting not held; 纳入专题学习: not one held
        trimmed = _without_audience(text, tokens, starts, b, hs, head)
        if trimmed != b:
            b = trimmed
            why.append(AUDIENCE)
        name = text[b:he]
        last = _JOIN.split(name)[-1]
        if ((_vague(name, head) or _vague(last, head)) and plain(name) not in _canonical()
                and head not in self_heads and not counted_before and not counted_after):
            continue
        if (b, he) in taken:
            continue
        out.append(_make(sent, b, he, quoted_label(name), name, tuple(why)))
    return out


def _without_organiser(sent: Sentence, m: Mention, orgs: list[Mention]) -> Mention:
    """``m`` without the unit that holds it, when the name starts with one:
    参加县普法办集中普法考试 → 集中普法考试 (县普法办 stays an 机构).

    Only for events a unit holds for others (a test, a training: heads
    flagged ``event``); the meetings a body holds (党委会议, 党工委会议,
    主任办公会) keep the body in their name."""
    head = _head_end().search(m.label)
    if head is None or head.group() not in _flagged("event"):
        return m
    for o in orgs:
        if o.start != m.start or o.end >= m.end - len(head.group()) or o.subtype in BODY_SUBTYPES:
            continue
        b, e = o.end - sent.start, m.end - sent.start
        rest = sent.text[b:e]
        if len(rest) - len(head.group()) < 2 or rest[0] in "的之" or _vague(rest, head.group()):
            return m            # nothing named beyond the unit: keep the whole
        return _make(sent, b, e, quoted_label(rest), rest, (*m.rules, ORGANISER))
    return m


def _keep_bodies(sent: Sentence, found: list[Mention], orgs: list[Mention]) -> list[Mention]:
    """A meeting's name takes in the whole body that holds it (the walk may
    stop inside it: 镇党委全面依法治镇委员会会议), and a body named inside
    a meeting's name stays an organisation: it is marked nested, so the
    longer activity does not swallow it."""
    out = []
    for m in found:
        h = _head_end().search(m.label)
        body = next((o for o in orgs if o.start < m.start < o.end <= m.end - 2), None)
        if h and _kind().get(h.group()) == "meeting" and body is not None:
            b, e = body.start - sent.start, m.end - sent.start
            m = _make(sent, b, e, quoted_label(sent.text[b:e]), sent.text[b:e], (*m.rules, BODY))
        out.append(m)
    found = out
    for o in orgs:
        if any(m.start <= o.start and o.end <= m.end and (m.start, m.end) != (o.start, o.end)
               for m in found):
            o.nested = True
    return found


def _refer_back(found: list[Mention]) -> None:
    """A head written alone (召开专题会) names the one activity of the report
    with that head and a name (法治政府建设专题会), when there is exactly
    one: it takes that activity's key, so the two are one node."""
    by_head: dict[str, list[Mention]] = {}
    self_heads = _flagged("self")
    for m in found:
        h = _head_end().search(m.label)
        if h and m.label != h.group():
            by_head.setdefault(h.group(), []).append(m)
    for m in found:
        if m.label in self_heads and len({o.key or o.label for o in by_head.get(m.label, ())}) == 1:
            named = by_head[m.label][0]
            m.key = named.key or named.label
            named.aliases.add(m.label)
            mark(m, REFER_BACK)


def find(doc: Doc, rep: Report) -> None:
    """Append the 活动 mentions of a report."""
    orgs: dict[int, list[Mention]] = {}
    for o in rep.mentions:               # the organisations found before (see RECOGNIZERS)
        if o.type == ORGANIZATION:
            orgs.setdefault(o.sentence, []).append(o)
    mine: list[Mention] = []
    for sent in rep.sentences:
        found = find_in_sentence(sent)
        if sent.index in orgs:
            found = [_without_organiser(sent, m, orgs[sent.index]) for m in found]
            found = _keep_bodies(sent, found, orgs[sent.index])
        mine.extend(found)
    _refer_back(mine)
    rep.mentions.extend(mine)
