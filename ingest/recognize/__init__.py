"""Recognisers: one module per kind of thing, each ``find(doc, report)``.

Each recogniser appends :class:`kg.model.Mention` objects (or, for figures,
:class:`kg.model.Indicator`) to the report.  After all have run,
:func:`settle` removes mentions that overlap a better one, so recognisers
may be generous.  Add a recogniser by appending to ``RECOGNIZERS``.
"""
from __future__ import annotations

import bisect
import importlib
from collections.abc import Callable

from kg.model import Doc, Mention, Report

#: "module:function" in priority order: on an exact tie of span, the
#: earlier recogniser wins.
RECOGNIZERS: list[str] = [
    "ingest.recognize.laws:find",
    "ingest.recognize.divisions:find",
    "ingest.recognize.orgs:find",
    "ingest.recognize.systems:find",
    "ingest.recognize.activities:find",
    "ingest.recognize.persons:find",
    "ingest.recognize.figures:find",
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
            return None   # a recogniser not written yet
        _LOADED[target] = getattr(mod, func)
    return _LOADED[target]


def run(doc: Doc) -> None:
    for rep in doc.reports:
        for target in RECOGNIZERS:
            fn = _load(target)
            if fn is not None:
                fn(doc, rep)
        rep.mentions = settle(rep.mentions, [t.split(":")[0].rsplit(".", 1)[-1] for t in RECOGNIZERS])


def settle(mentions: list[Mention], priority: list[str] | None = None) -> list[Mention]:
    """Drop mentions that lie inside or across a longer one.

    A mention wholly inside a longer mention is dropped unless it sets
    ``attrs["nested"] = True`` (the recogniser says both are real, as
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
            if inside and m.attrs.get("nested") and (m.start, m.end) != (k.start, k.end):
                continue
            ok = False
            break
        if ok:
            i = bisect.bisect_right(starts, m.start)
            starts.insert(i, m.start)
            kept.insert(i, m)
    kept.sort(key=lambda m: (m.start, m.end))
    return kept
