"""Canned queries answered from the data prepared beside an embedded store.

A canned query whose ``#+`` header says ``index: <form>`` has a second way
to its answer: a function here (:data:`FORMS`), given the bound parameters,
that reads the indexes ingest writes beside the store (the name index,
:mod:`kg.names`) and looks up in the store only the rows it needs.  It
gives the same columns and the same rows as the query's SPARQL, which stays
the truth: ``tests/test_index_answers.py`` runs every such query both ways
and compares them.  :func:`kg.queries.run` takes this way when the store
has the index the form needs (:class:`Prepared`), and the SPARQL otherwise:
a remote store, a store without the index, ``fazhi-kg query --no-index``.

A form is registered with :func:`form`; a ``.rq`` naming an unknown form
fails when it is read (:func:`kg.queries.parse`).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kg.queries import CannedQuery, Table


@dataclass
class Prepared:
    """The data prepared beside an embedded store that the forms read."""

    names: Any = None          # kg.names.NameIndex, or None


Runner = Callable[..., Any]     # kg.workers.Engine.run, or the CLI's around kg.sparql.execute
FormFn = Callable[[CannedQuery, dict[str, str], Prepared, Runner], Table]


@dataclass(frozen=True)
class Form:
    name: str
    needs: str             # the attribute of Prepared it reads
    fn: FormFn


#: Every index form, by the name a ``.rq`` header gives it.
FORMS: dict[str, Form] = {}


def form(name: str, needs: str) -> Callable[[FormFn], FormFn]:
    def register(fn: FormFn) -> FormFn:
        FORMS[name] = Form(name, needs, fn)
        return fn
    return register


def answer(query: CannedQuery, subs: dict[str, Any], prepared: Prepared,
           runner: Runner) -> Table | None:
    """The query's answer from its index form, or None when the store lacks
    what the form reads (then the SPARQL answers)."""
    f = FORMS[query.index or ""]
    if getattr(prepared, f.needs, None) is None:
        return None
    values = {k: v.value for k, v in subs.items()}
    t0 = time.perf_counter()
    table = f.fn(query, values, prepared, runner)
    table.elapsed_ms = (time.perf_counter() - t0) * 1000
    table.source = "index"
    return table


def select(runner: Runner, text: str, subs: dict[str, Any] | None = None) -> dict[str, Any]:
    """A SELECT through the runner, as SPARQL JSON results."""
    from kg.sparql import Checked

    result = runner(Checked(text, "SELECT"), fmt="json", substitutions=subs or None)
    return json.loads(result.body)


# ----------------------------------------------------------------- search

#: Entities looked up in the store per query (a VALUES block of this many IRIs).
BATCH = 200
#: The first sub-SELECT of search.rq, which reads every label in the store.
_SEARCH_SCAN = "SELECT ?wantedName ?g ?entity ?matched WHERE {"


@form("search", needs="names")
def search(query: CannedQuery, values: dict[str, str], prepared: Prepared,
           runner: Runner) -> Table:
    """``search``: the entities whose names hold the words, from the name
    index; then search.rq itself, its label scan narrowed to those entities
    (a VALUES block), so the counts, samples and example sentence are the
    SPARQL's own, looked up entity by entity."""
    import pyoxigraph as ox

    wanted = values.get("name", "")
    entities = prepared.names.containing(wanted)
    text = query.text
    if text.count(_SEARCH_SCAN) != 1:
        raise RuntimeError(f"{query.path}: the index form of search needs its sub-SELECT "
                           f"'{_SEARCH_SCAN}' once")
    subs = {k: ox.Literal(v) for k, v in values.items()}
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    truncated = False
    for start in range(0, max(len(entities), 1), BATCH):     # no entity: one empty VALUES
        block = " ".join(f"<{e}>" for e in entities[start:start + BATCH])
        narrowed = text.replace(_SEARCH_SCAN, f"{_SEARCH_SCAN}\n      VALUES ?entity {{ {block} }}")
        doc = select(runner, narrowed, subs)
        columns = [v for v in doc["head"]["vars"] if v not in query.param_names]
        rows += doc["results"]["bindings"]
        truncated = truncated or bool(doc.get("truncated"))
    return Table(columns, _limited(query, columns, rows), truncated)


def _limited(query: CannedQuery, columns: list[str], rows: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """The rows the query's own ORDER BY … LIMIT keeps (its sort: repeats the ORDER BY)."""
    if query.limit is None or len(rows) <= query.limit:
        return rows
    from kg.queries import finished

    return finished(query, Table(columns, rows)).rows[:query.limit]
