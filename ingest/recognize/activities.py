"""活动: activities, trainings, campaigns, meetings, commemorative days.

An activity is found from its head word (活动, 培训, 讲座, 专项行动, 评查,
演练, 听证会, 考试, 宣传日 …) by the same token walk as 制度 (see
:mod:`ingest.recognize.systems`): "开展法治讲座3场" → 法治讲座.  A generic
word alone (培训, 宣传活动, 集中培训) is not an activity; the words that make a
name generic are in data/lexicons/activities-generic.txt.  Some activities
are found by their whole name (activities-bare.txt): commemorative days
(宪法宣传日 with its date), 八五普法, 法律七进, 中心组学法.  Variants of one
activity share a canonical identity (activities-canonical.txt).

A count stated right after the name ("法治宣讲100余场次") goes into
``attrs["count"]`` and ``attrs["count_unit"]``.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

from kg.model import ACTIVITY, ORGANIZATION, Doc, Mention, Report, Sentence
from ingest.recognize.orgs import BODY_SUBTYPES
from ingest.recognize.systems import (CLOSE_QUOTES, MAX_QUOTED, _lines, _PAIR, inside, plain,
                                      quoted_label, stop_words, title_spans, token_starts,
                                      walk_back)

SOURCE = "activities"

_HEADS = (
    r"专项行动|专项整治|专项斗争|专项监督|专项治理|培训班|培训会|培训|讲座|讲堂|课堂|宣讲"
    r"|评查|自查|演练|听证会|研讨会|辅导会|对接会|游园会|专题会议|专题会|专题研究会|专题党委会"
    r"|班子会议|考试|测试|竞赛|沙龙|暑托班|情景剧|启动仪式|中期检查|年终考核|授课|活动"
    r"|专题研讨(?!会)|专题学习|满意度调查|满意度测评|示范创建"
    r"|(?<=[”\"])工程")
_HEAD = re.compile(
    r"(?P<head>" + _HEADS + r")"
    r"(?!室|基地|员|团|队|体系|工作领导小组|领导小组|工作专班|办公室"
    r"|中心|经费|资料|机制|制度|方案|计划|内容|场所|载体|教材|课件)")

_COUNT = re.compile(
    r"^\s*[（(]?\s*(?:共|累计|达|计)?\s*(?P<n>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*"
    r"(?P<more>余|多)?\s*(?P<unit>场次|人次|场|次|期|批|轮|班)")
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HEAD_END = re.compile(r"(?:" + _HEADS + r"|会议|会)$")
#: Heads that are names by themselves (开展专项监督, 进行专题研讨).
_SELF = {"专项监督", "专项整治", "专题研讨"}
#: A count written before the name: "召开一次专题会议".
_COUNT_BEFORE = re.compile(r"(?:\d+|[一二两三四五六七八九十]+)\s*(?:次|场|期|个|轮)$")
_JOIN = re.compile(r"[、和及与]")
#: Cheap test before the slower whole-name patterns of activities-bare.txt.
_TRIGGER = re.compile(r"宪法|教育日|宣传月|权益|禁毒|普法|[六七八]进|[进下](?:乡|村|社区|校园|企业|农村|机关|单位|家庭|寺庙|网络|工地|园区|学校)"
                      r"|中心组|习近平法治思想|述法|宣传")
#: A date written before a commemorative day: 12·4, 12月4日.
_DATE_LEAD = re.compile(r"^(?:\d{1,2}[·•・.]\d{1,2}|\d{1,2}月\d{1,2}日)")
_COUNT_LEAD = re.compile(r"(?:\d+|[一二两三四五六七八九十]+)\s*(?:次|场|期|个|轮)")
# a counted 学法/学习 is an activity ("组织干部职工学法4次")
_COUNTED = re.compile(r"(?P<head>学法|学习|集中学习|专题学习)(?=\s*\d+\s*次)")


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
def _bare() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in _lines("activities-bare.txt")))


def _number(raw: str) -> float | None:
    if raw.replace(".", "", 1).isdigit():
        return float(raw)
    total, cur = 0, 0
    for ch in raw:
        if ch in _CN:
            cur = _CN[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return float(total + cur)


@lru_cache(maxsize=4096)
def _vague(name: str, head: str) -> bool:
    """True when the name is its head plus generic words only."""
    from ingest.segment import tokenizer

    core = plain(name)
    if core.endswith(head):
        core = core[: -len(head)]
    if len(core) < 2:
        return True
    generic = _generic()
    if core in generic:
        return True
    return all(t in generic for t in tokenizer().lcut(core) if t.strip())


def _make(sent: Sentence, start: int, end: int, label: str, written: str) -> Mention:
    label = plain(label)
    aliases = {plain(written)}
    attrs: dict = {}
    canon = _canonical().get(label) or _canonical().get(_DATE_LEAD.sub("", label))
    if canon is not None:
        aliases.add(label)
        label = canon[0]
        aliases.update(canon[1])
        attrs["key"] = label
        if canon[2]:
            attrs["date"] = canon[2]
    aliases.discard(label)
    count = _COUNT.match(sent.text[end:])
    if count:
        n = _number(count.group("n"))
        if n is not None:
            attrs["count"] = int(n) if n.is_integer() else n
            attrs["count_unit"] = count.group("unit")
            if count.group("more"):
                attrs["count_approx"] = "more"
    # 宪法 inside 宪法宣传日: the longer activity is the one to keep
    return Mention(type=ACTIVITY, text=sent.text[start:end], label=label,
                   start=sent.start + start, end=sent.start + end, sentence=sent.index,
                   source=SOURCE, attrs=attrs, aliases=aliases)


def _quoted_theme(text: str, b: int) -> int | None:
    """Where a campaign named in quotes before 主题 starts, if one is:
    “美好生活·民法典相伴”主题宣传活动 (主题 alone stops a name: 以宪法为主题的…)."""
    if b < 4 or not text.endswith("主题", 0, b) or text[b - 3] not in CLOSE_QUOTES:
        return None
    q = text.rfind(_PAIR[text[b - 3]], max(0, b - 3 - MAX_QUOTED), b - 3)
    return q if q >= 0 else None


def find_in_sentence(sent: Sentence) -> list[Mention]:
    """Every activity named in one sentence."""
    text = sent.text
    heads = list(_HEAD.finditer(text))
    bare = list(_bare().finditer(text)) if _TRIGGER.search(text) else []
    counted = list(_COUNTED.finditer(text))
    if not heads and not bare and not counted:
        return []
    tokens = sent.tokens or [text]
    starts = token_starts(tokens)
    stops = _stops()
    titles = title_spans(text)
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []

    for m in bare:
        if not inside(titles, *m.span()):
            out.append(_make(sent, m.start(), m.end(), m.group(), m.group()))
            taken.append(m.span())

    for m in heads + counted:
        hs, he = m.span()
        head = m.group("head")
        if inside(titles, hs, he) or any(s <= hs and he < e for s, e in taken):
            continue   # inside a name found whole (专题学习习近平法治思想)
        if re.search(r"等(各类|各项|系列|相关)?$", text[:hs]):
            continue   # "A、B等活动": the members are named elsewhere if at all
        b = walk_back(text, tokens, starts, hs, stops=stops, head_end=_HEAD_END, titles=True)
        themed = _quoted_theme(text, hs if b is None else b)
        if themed is not None:
            b = themed
        if b is None:
            if head not in _SELF:
                continue
            b = hs
        # joined conjuncts must be short words ("领导干部、执法人员培训班");
        # a long one means the walk ran into a clause: keep the last part
        parts = list(_JOIN.finditer(text, b, hs))
        if parts and any(len(seg) > 5 for seg in _JOIN.split(text[b:parts[-1].start()])):
            b = parts[-1].end()
        lead = _COUNT_LEAD.match(text, b, hs)
        counted_before = bool(lead) or bool(_COUNT_BEFORE.search(text[:b]))
        if lead:
            b = lead.end()   # "召开一次专题会议": the count is not part of the name
        if b > 0 and text[b - 1] in "和与及" and hs - b > 6:
            continue   # the walk stopped inside "A和B专项整治": the name is cut short
        name = text[b:he]
        last = _JOIN.split(name)[-1]
        if ((_vague(name, head) or _vague(last, head)) and plain(name) not in _canonical()
                and head not in _SELF and not counted_before
                and not _COUNT.match(text[he:])):
            continue
        if (b, he) in taken:
            continue
        out.append(_make(sent, b, he, quoted_label(name), name))
    return out


#: Heads of events a unit holds for others (a test, a training), as against
#: the meetings a body holds (党委会议, 党工委会议, 主任办公会), whose body
#: is part of the meeting's name.
_EVENT_HEAD = re.compile(r"(?:考试|测试|竞赛|培训班|培训会|培训|讲座|讲堂|课堂|宣讲|授课|演练|活动)$")


def _without_organiser(sent: Sentence, m: Mention, orgs: list[Mention]) -> Mention:
    """``m`` without the unit that holds it, when the name starts with one:
    参加县普法办集中普法考试 → 集中普法考试 (县普法办 stays an 机构)."""
    head = _EVENT_HEAD.search(m.label)
    if head is None:
        return m
    for o in orgs:
        if o.start != m.start or o.end >= m.end - len(head.group()) or o.subtype in BODY_SUBTYPES:
            continue
        b, e = o.end - sent.start, m.end - sent.start
        rest = sent.text[b:e]
        if len(rest) - len(head.group()) < 2 or rest[0] in "的之" or _vague(rest, head.group()):
            return m            # nothing named beyond the unit: keep the whole
        return _make(sent, b, e, quoted_label(rest), rest)
    return m


def find(doc: Doc, rep: Report) -> None:
    """Append the 活动 mentions of a report."""
    orgs: dict[int, list[Mention]] = {}
    for o in rep.mentions:               # the organisations found before (see RECOGNIZERS)
        if o.type == ORGANIZATION:
            orgs.setdefault(o.sentence, []).append(o)
    for sent in rep.sentences:
        found = find_in_sentence(sent)
        if sent.index in orgs:
            found = [_without_organiser(sent, m, orgs[sent.index]) for m in found]
        rep.mentions.extend(found)
