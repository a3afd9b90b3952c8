"""One SQL statement run over a long list of values, a chunk at a time.

SQLite caps the parameters of one statement (999 in older builds), so a
look-up of thousands of entities, reports or files is cut into chunks of
``IN (?, ?, …)``.  The prepared index's tables and the forms reading them
(:mod:`kg.prepared`, :mod:`kg.prepared_entities`, :mod:`kg.prepared_search`,
:mod:`kg.answers_lists`, :mod:`kg.answers_search`) all read this way.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

#: values a chunk (well under every SQLite's cap, with the other parameters)
CHUNK = 500


def rows_in(db: sqlite3.Connection, sql: str, values: Iterable[Any], args: Sequence[Any] = (),
            *, size: int = CHUNK) -> Iterator[Any]:
    """The rows of ``sql`` for every one of ``values``: ``{marks}`` in the
    text becomes a chunk's ``?, ?, …``, bound before ``args`` (so it must
    come before the statement's other parameters)."""
    todo = list(values)
    for start in range(0, len(todo), size):
        chunk = todo[start:start + size]
        yield from db.execute(sql.format(marks=",".join("?" * len(chunk))), [*chunk, *args])
