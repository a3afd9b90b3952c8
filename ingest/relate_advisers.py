"""Legal advisers: who serves the reporting township as its 法律顾问.

A statement of engagement is a trigger verb (聘请, 聘用, 签约, 购买, 配备 …)
followed, in the same clause, by what is engaged (a contract verb, 签订,
also looks back: 与A律师事务所签订…; and 由A担任法律顾问 states it without
a verb of engaging): a named law firm, a named
lawyer, a team (法律顾问团, 由5名律师组成), public-service lawyers
(公职律师) or just 法律顾问.  One relation per adviser and report:

* ``律师事务所`` — obj is the firm's Mention (marked ``law_firm``);
* ``律师`` — obj is a 人员 Mention when one is named there;
* ``团队`` (``team_size`` when stated), ``公职律师``, ``未说明`` — obj is
  None and ``target`` a minted adviser node typed ``fz:Advisor``.

``未说明`` is kept only when nothing more specific was found: a report that
names its firm once and says 聘请法律顾问 elsewhere has one adviser.  Village
advisers (村居法律顾问, 一村一法律顾问) are not the township's.
"""
from __future__ import annotations

import re

from kg.model import ORGANIZATION, PERSON, Doc, Relation, Report
from kg.namespace import FZ, mint

_TRIGGER = re.compile(r"聘请|聘用|聘任|选聘|外聘|续聘|特聘|签约|签订|购买|配备|引入|委托|常年聘")
#: Contract verbs whose other party comes first: 与A律师事务所签订法律顾问合同.
_CONTRACT = re.compile(r"签订|签约|签署")
#: Serving without an engaging verb: 由A担任（政府）法律顾问.
_SERVES = re.compile(r"由([^，。；！？,;]{1,40}?)担任[^，。；！？,;]{0,12}?顾问")
#: The end of what a trigger governs: a clause.
_CLAUSE_END = re.compile(r"[，。；！？,;]")
_ADVISER = re.compile(r"法律顾问|顾问团|律师事务所|律所|公职律师|律师")
_VILLAGE = re.compile(r"(?:村|社区|村居|村（社区）|村\(社区\))(?:级)?法律顾问|一村(?:（社区）|\(社区\))?一(?:法律)?顾问")
_TEAM = re.compile(r"顾问团|法律顾问队伍|律师团|律师组成|律师团队|专家团队")
_TEAM_NAME = re.compile(r"法律顾问团")
_COUNT = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(?:名|人|位|个)")
_CN_NUM = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 2 and text[0] == "十":
        return 10 + _CN_NUM.get(text[1], 0)
    if len(text) == 2 and text[1] == "十":
        return _CN_NUM.get(text[0], 0) * 10
    if len(text) == 3 and text[1] == "十":
        return _CN_NUM.get(text[0], 0) * 10 + _CN_NUM.get(text[2], 0)
    return _CN_NUM.get(text)


def _windows(text: str, start: int, end: int):
    """(start, end) of every clause that states an engagement: from a trigger
    verb to the clause's end, or the whole clause naming a 法律顾问团 (a team
    exists only by being engaged)."""
    for m in _TRIGGER.finditer(text, start, end):
        stop = _CLAUSE_END.search(text, m.end(), end)
        begin = m.start()
        if _CONTRACT.fullmatch(m.group()):
            ends = [e.end() for e in _CLAUSE_END.finditer(text, start, m.start())]
            begin = ends[-1] if ends else start
        yield begin, stop.start() if stop else end
    for m in _SERVES.finditer(text, start, end):
        stop = _CLAUSE_END.search(text, m.end(), end)
        yield m.start(), stop.start() if stop else end
    for m in _TEAM_NAME.finditer(text, start, end):
        ends = [e.end() for e in _CLAUSE_END.finditer(text, start, m.start())]
        stop = _CLAUSE_END.search(text, m.end(), end)
        yield (ends[-1] if ends else start), stop.start() if stop else end


def _kind(window: str) -> str | None:
    """What a clause engages, without the named parts (firm, person)."""
    if not _ADVISER.search(window):
        return None
    if _VILLAGE.search(window) and not re.search(r"(?<![村居区])法律顾问", _VILLAGE.sub("", window)):
        return None
    if _TEAM.search(window):
        return "团队"
    if "公职律师" in window:
        return "公职律师"
    if "法律顾问" in window or "顾问" in window:
        return "未说明"
    return None     # 律师/律所 alone: a lawyer's service, not an adviser


def find(doc: Doc, rep: Report) -> None:
    """Append legalAdvisor relations of the reporting township."""
    text = doc.text
    found: dict[tuple, Relation] = {}
    # grouped once: a scan of every mention per sentence made a long report
    # quadratic (200,000 characters: 19 s of 25 in this function)
    by_sentence: dict[int, list] = {}
    for m in rep.mentions:
        by_sentence.setdefault(m.sentence, []).append(m)
    for sent in rep.sentences:
        if not _ADVISER.search(sent.text):
            continue
        mentions = by_sentence.get(sent.index, [])
        for w_start, w_end in _windows(text, sent.start, sent.end):
            window = text[w_start:w_end]
            firms = [m for m in mentions if m.type == ORGANIZATION and m.subtype == "律师事务所"
                     and w_start <= m.start < w_end]
            named = False
            for firm in firms:
                firm.attrs["law_firm"] = True
                found.setdefault(("律师事务所", id(firm)), Relation(
                    "legalAdvisor", None, firm, sent.index, {"advisor_kind": "律师事务所"}))
                named = True
            for person in (m for m in mentions if m.type == PERSON and w_start <= m.start < w_end):
                if "律师" in text[max(w_start, person.start - 6):person.end + 4]:
                    found.setdefault(("律师", id(person)), Relation(
                        "legalAdvisor", None, person, sent.index, {"advisor_kind": "律师"}))
                    named = True
            kind = _kind(window)
            if kind is None or (named and kind == "未说明"):
                continue
            attrs = _unnamed(rep, kind)
            if kind == "团队":
                n = _COUNT.search(window)
                if n and _number(n.group(1)):
                    attrs["team_size"] = _number(n.group(1))
            found.setdefault((kind,), Relation("legalAdvisor", None, None, sent.index, attrs))
    rels = list(found.values())
    if any(r.attrs["advisor_kind"] != "未说明" for r in rels):
        rels = [r for r in rels if r.attrs["advisor_kind"] != "未说明"]
    rep.relations.extend(rels)


def _unnamed(rep: Report, kind: str) -> dict:
    """The attributes of an adviser the text does not name."""
    meta = rep.meta
    return {"advisor_kind": kind,
            "target": mint("advisor", meta.county or "_", meta.unit or "_", kind),
            "label": f"法律顾问（{kind}）",
            "extra_types": [FZ.Advisor]}

