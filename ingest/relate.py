"""Relations between the things a report names, one module per kind.

Each relator is ``find(doc, report)`` and appends :class:`kg.model.Relation`
objects.  ``township`` runs last: it links the reporting township to every
core entity the others did not already relate, typed by the verb in front
of the mention (set up, implements, conducts, studies, cites).
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from kg.model import ACTIVITY, LAW, ORGANIZATION, SYSTEM, Doc, Mention, Relation, Report

RELATORS: list[str] = [
    "ingest.relate_advisers:find",
    "ingest.relate:find_township_relations",
]

_LOADED: dict[str, Callable[[Doc, Report], None]] = {}


def _load(target: str) -> Callable[[Doc, Report], None] | None:
    if target not in _LOADED:
        module, _, func = target.partition(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            return None
        _LOADED[target] = getattr(mod, func)
    return _LOADED[target]


def run(doc: Doc) -> None:
    for rep in doc.reports:
        for target in RELATORS:
            fn = _load(target)
            if fn is not None:
                fn(doc, rep)


# Trigger verbs, nearest first: the verb closest before a mention in its
# clause decides the relation.  Defaults by type apply when none is found.
_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("establishes", re.compile(r"(成立|设立|组建|建立|新建|建成|挂牌|组织成立)")),
    ("studies", re.compile(r"(学习|宣传|宣讲|贯彻|解读|普及|学法)")),
    ("cites", re.compile(r"(按照|依据|根据|依照|遵照|对照|执行|落实|贯彻执行)")),
    ("implements", re.compile(r"(执行|落实|推行|实行|实施|健全|完善|建立健全|严格|推进|坚持)")),
    ("conducts", re.compile(r"(开展|举办|组织|召开|参加|举行|开设|组织开展)")),
]
_ALLOWED = {
    ORGANIZATION: ("establishes",),
    SYSTEM: ("implements", "establishes"),
    ACTIVITY: ("conducts",),
    LAW: ("studies", "cites"),
}
_DEFAULT = {ORGANIZATION: "relatedTo", SYSTEM: "implements", ACTIVITY: "conducts", LAW: "cites"}
_CLAUSE_START = re.compile(r"[，。；：！？,;:\n]")


def predicate_for(text: str, mention: Mention, sentence_start: int) -> str:
    """The township → entity relation the words before a mention imply."""
    allowed = _ALLOWED.get(mention.type, ())
    window = text[max(sentence_start, mention.start - 30):mention.start]
    cut = max((m.end() for m in _CLAUSE_START.finditer(window)), default=0)
    clause = window[cut:]
    best: tuple[int, str] | None = None
    for name, pattern in _TRIGGERS:
        if name not in allowed:
            continue
        for m in pattern.finditer(clause):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    return best[1] if best else _DEFAULT.get(mention.type, "relatedTo")


def find_township_relations(doc: Doc, rep: Report) -> None:
    """Link the reporting township to every core entity mentioned."""
    if not rep.meta.is_township:
        return
    done = {id(r.obj) for r in rep.relations if isinstance(r.obj, Mention)}
    for m in rep.mentions:
        if m.type not in _DEFAULT or id(m) in done:
            continue
        sent = rep.sentences[m.sentence] if m.sentence < len(rep.sentences) else None
        start = sent.start if sent else rep.start
        attrs = {k: m.attrs[k] for k in ("count", "date", "count_unit") if k in m.attrs}
        rep.relations.append(Relation(predicate_for(doc.text, m, start), None, m, m.sentence, attrs))
