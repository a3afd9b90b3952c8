"""settle(): which of overlapping mentions stay — against the plain definition."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.recognize import settle
from kg.model import Mention

PRIORITY = ["laws", "orgs", "systems"]


def by_definition(mentions: list[Mention]) -> list[Mention]:
    """Longest first (then priority, then start); keep what overlaps nothing kept,
    or lies strictly inside a kept one when marked nested."""
    rank = {n: i for i, n in enumerate(PRIORITY)}
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.start - m.end, rank[m.source], m.start)):
        if all(m.end <= k.start or m.start >= k.end
               or (m.nested and k.start <= m.start and m.end <= k.end
                   and (m.start, m.end) != (k.start, k.end)) for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


spans = st.tuples(st.integers(0, 80), st.integers(1, 15), st.sampled_from(PRIORITY), st.booleans())


@given(st.lists(spans, max_size=40))
@settings(max_examples=300, deadline=None)
def test_settle_keeps_what_the_definition_keeps(raw) -> None:
    mentions = [Mention(type="机构", text="x" * n, label="x", start=s, end=s + n, sentence=0,
                        source=src, nested=nested)
                for s, n, src, nested in raw]
    assert [id(m) for m in settle(mentions, PRIORITY)] == [id(m) for m in by_definition(mentions)]

