"""Relations between the things a report names, one module per kind.

Each relator is ``find(doc, report)`` and appends :class:`kg.model.Relation`
objects; they are declared in :data:`ingest.registry.RELATORS`.
``township`` runs last: it links the reporting township to every
core entity the others did not already relate, typed by the verb in front
of the mention (set up, implements, conducts, studies, cites).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import pipeline
from ingest.lexicon import sections
from ingest.registry import Step
from kg import types
from kg.model import Doc, Mention, Relation, Report


def run(doc: Doc, parts: Sequence[Step] | None = None) -> None:
    """Run the relators (``parts``, built by the pipeline; by default those
    of its relate stage) on every report."""
    if parts is None:
        parts = pipeline.parts_of("relate")
    steps = parts
    for rep in doc.reports:
        for step in steps:
            step.fn(doc, rep)


# Trigger verbs (data/lexicons/relate-triggers.txt), nearest first: the verb
# closest before a mention in its clause decides the relation, among those its
# type's row in kg.types allows (EntityType.triggers); the row's default
# relation applies when none is found, and a type without one is not linked.
_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile("(" + "|".join(w for line in lines for w in line.split()) + ")"))
    for name, lines in sections("relate-triggers.txt").items() if name
]
_CLAUSE_START = re.compile(r"[，。；：！？,;:\n]")


def predicate_for(text: str, mention: Mention, sentence_start: int) -> str:
    """The township → entity relation the words before a mention imply."""
    row = types.get(mention.type)
    allowed = row.triggers if row is not None else ()
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
    return best[1] if best else (row.relation if row is not None and row.relation else "relatedTo")


def find_township_relations(doc: Doc, rep: Report) -> None:
    """Link the reporting township to every core entity mentioned."""
    if not rep.meta.is_township:
        return
    done = {id(r.obj) for r in rep.relations if isinstance(r.obj, Mention)}
    for m in rep.mentions:
        row = types.get(m.type)
        if row is None or row.relation is None or id(m) in done:
            continue
        sent = rep.sentences[m.sentence] if m.sentence < len(rep.sentences) else None
        start = sent.start if sent else rep.start
        rep.relations.append(Relation(predicate_for(doc.text, m, start), None, m, m.sentence,
                                      count=m.count, date=m.date))
