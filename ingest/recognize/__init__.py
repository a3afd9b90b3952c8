"""Recognisers: one module per kind of thing, each ``find(doc, report)``.

Each recogniser appends :class:`kg.model.Mention` objects (or, for figures,
:class:`kg.model.Indicator`) to the report.  After all have run,
:func:`settle` removes mentions that overlap a better one, so recognisers
may be generous.  The recognisers, their order and what each requires and
assigns are declared in :data:`ingest.registry.RECOGNIZERS`.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence

from ingest import pipeline
from ingest.registry import Step
from kg.model import Doc, Mention


def run(doc: Doc, parts: Sequence[Step] | None = None) -> None:
    """Run the recognisers (``parts``, built by the pipeline; by default
    those of its recognise stage) on every report, then settle overlaps."""
    if parts is None:
        parts = pipeline.parts_of("recognise")
    steps = parts
    priority = [step.name for step in steps]
    for rep in doc.reports:
        for step in steps:
            step.fn(doc, rep)
        rep.mentions = settle(rep.mentions, priority)


def settle(mentions: list[Mention], priority: list[str] | None = None) -> list[Mention]:
    """Drop mentions that lie inside or across a longer one.

    A mention wholly inside a longer mention is dropped unless it sets
    ``nested`` (the recogniser says both are real, as
    with 宪法 inside 宪法宣传日).  Of two partly overlapping mentions the
    longer stays.  Exact duplicates keep the one of the higher-priority
    recogniser.
    """
    rank = {name: i for i, name in enumerate(priority or [])}

    def key(m: Mention):
        return (-(m.end - m.start), rank.get(m.source, len(rank)), m.start)

    # Longest first, so every kept mention is at least as long as the one
    # being placed: any kept one that overlaps it starts within ``longest``
    # before it, and a bisection over the kept starts finds those few (a
    # scan of all kept mentions made a 1 MB file take minutes).
    starts: list[int] = []
    kept: list[Mention] = []
    longest = 0
    for m in sorted(mentions, key=key):
        longest = longest or m.end - m.start
        lo = bisect.bisect_left(starts, m.start - longest + 1)
        hi = bisect.bisect_left(starts, m.end)
        ok = True
        for k in kept[lo:hi]:
            if m.end <= k.start or m.start >= k.end:
                continue
            inside = k.start <= m.start and m.end <= k.end
            if inside and m.nested and (m.start, m.end) != (k.start, k.end):
                continue
            ok = False
            break
        if ok:
            i = bisect.bisect_right(starts, m.start)
            starts.insert(i, m.start)
            kept.insert(i, m)
    kept.sort(key=lambda m: (m.start, m.end))
    return kept
