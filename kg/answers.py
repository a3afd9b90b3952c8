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

A form is registered with :func:`form` (here, and in :mod:`kg.answers_lists`
and :mod:`kg.answers_search`, which :mod:`kg.queries` imports for that); a
``.rq`` naming an unknown form
fails when it is read (:func:`kg.queries.parse`).
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kg.canned import CannedQuery, Table, finished, gyear, iri, literal, zh
from kg.changes import COLUMNS as CHANGE_COLUMNS
from kg.changes import rows as change_rows
from kg.sparql import Checked


@dataclass
class Prepared:
    """The data prepared beside an embedded store that the forms read."""

    names: Any = None          # kg.names.NameIndex, or None
    tables: Any = None         # kg.prepared.Prepared (report and figure rows), or None

    def close(self) -> None:
        for held in (self.names, self.tables):
            if held is not None:
                held.close()


Runner = Callable[..., Any]     # kg.workers.Engine.run, or the CLI's around kg.sparql.execute
FormFn = Callable[[CannedQuery, dict[str, str], Prepared, Runner], 'Table | None']


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
    what the form reads, or the form cannot narrow this question (then the
    SPARQL answers)."""
    f = FORMS[query.index or ""]
    if getattr(prepared, f.needs, None) is None:
        return None
    values = {k: v.value for k, v in subs.items()}
    t0 = time.perf_counter()
    table = f.fn(query, values, prepared, runner)
    if table is None:
        return None
    table.elapsed_ms = (time.perf_counter() - t0) * 1000
    table.source = "index"
    return table


def select(runner: Runner, text: str, subs: dict[str, Any] | None = None) -> dict[str, Any]:
    """A SELECT through the runner, as SPARQL JSON results."""
    result = runner(Checked(text, "SELECT"), fmt="json", substitutions=subs or None)
    return json.loads(result.body)


#: IRIs looked up in the store per query (a VALUES block of this many).
BATCH = 200


def narrowed(query: CannedQuery, values: dict[str, str], runner: Runner, anchor: str,
             variable: str, iris: list[str]) -> Table:
    """The query's own SPARQL with ``VALUES ?variable { iris }`` written
    after the first ``anchor``: the index only says where to look, and the
    SPARQL, its filters included, still says what the rows are.  Looked up
    ``BATCH`` IRIs at a time."""
    text = query.text
    if anchor not in text:
        raise RuntimeError(f"{query.path}: its index form needs '{anchor}' in the query")
    subs = query.bindings(values)      # typed again as kg.queries binds them (a year: xsd:gYear)
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    truncated = False
    for start in range(0, max(len(iris), 1), BATCH):     # none: one empty VALUES
        block = " ".join(f"<{e}>" for e in iris[start:start + BATCH])
        doc = select(runner, text.replace(anchor, f"{anchor}\n  VALUES ?{variable} {{ {block} }}", 1),
                     subs)
        columns = [v for v in doc["head"]["vars"] if v not in query.param_names]
        rows += doc["results"]["bindings"]
        truncated = truncated or bool(doc.get("truncated"))
    return Table(columns, limited(query, columns, rows), truncated)


# ----------------------------------------------------------------- reports

#: Most report graphs a filter may leave for the ``reports`` form; a filter
#: keeping more (a year of the whole nation) is answered by the SPARQL.
MAX_GRAPHS = 2000
#: Where the report-level queries start: their first ``WHERE {``.
TOP = "WHERE {"


def few_reports(tables: Any, **place: str) -> list[dict[str, Any]] | None:
    """The prepared report rows a place filter (county, year, township)
    keeps, when one is given and it keeps at most :data:`MAX_GRAPHS`;
    else None (no filter, or too many reports to narrow by)."""
    if not any(place.values()):
        return None
    page = tables.reports(**place, limit=MAX_GRAPHS)
    return page.rows if page.next_offset is None else None


@form("reports", needs="tables")
def reports(query: CannedQuery, values: dict[str, str], prepared: Prepared,
            runner: Runner) -> Table | None:
    """A query of report-level rows with a ``county``, ``year`` or
    ``township`` filter: the report graphs the prepared report rows say
    match it, then the query's own SPARQL on those graphs only
    (:func:`narrowed`).  Without such a filter, or with one that keeps
    more than :data:`MAX_GRAPHS` reports or half the store's, None: the
    SPARQL answers."""
    few = few_reports(prepared.tables, **{k: values.get(k, "") for k in ("county", "year", "township")})
    if few is None:
        return None
    graphs = sorted({r["graph"] for r in few})
    # a filter keeping half the reports or more (a county's own store) narrows
    # nothing: the SPARQL's one pass, which stops at its LIMIT, costs less
    if prepared.tables.reports(limit=2 * len(graphs)).next_offset is None:
        return None
    return narrowed(query, values, runner, TOP, "g", graphs)


# ----------------------------------------------------------------- changes

#: Where changes.rq's own WHERE starts (after its projection).
_CHANGES_TOP = "\nWHERE {"
#: A graph no store holds: a dataset of no report graphs answers nothing.
_NO_GRAPH = "urn:fazhi-kg:no-graph"


@form("changes", needs="tables")
def changes(query: CannedQuery, values: dict[str, str], prepared: Prepared,
            runner: Runner) -> Table | None:
    """``changes``: from the prepared ``changes`` rows alone (:mod:`kg.changes`),
    where the index has them; in an index file older than that table, the
    query's own SPARQL over the report graphs of the wanted townships in the
    two years (a ``FROM NAMED`` dataset: every pattern of changes.rq is in a
    ``GRAPH``, so the dataset changes no row, it only spares the engine every
    other township's reports)."""
    wanted = {k: values.get(k, "") for k in ("county", "township")}
    years = (values.get("from", ""), values.get("to", ""))
    if not any(wanted.values()) or not all(years):
        return None
    tables = prepared.tables
    if "changes" in tables.ready:
        columns = [v for v in CHANGE_COLUMNS if v not in query.param_names]
        return Table(columns, change_rows(tables, years, limit=query.limit, **wanted), False)
    graphs: set[str] = set()
    for year in years:
        few = few_reports(tables, **wanted, year=year)
        if few is None:
            return None
        graphs.update(r["graph"] for r in few if r["graph"])
    if _CHANGES_TOP not in query.text:
        raise RuntimeError(f"{query.path}: its index form needs '{_CHANGES_TOP.strip()}' in the query")
    dataset = "\n".join(f"FROM NAMED <{g}>" for g in sorted(graphs) or [_NO_GRAPH])
    text = query.text.replace(_CHANGES_TOP, f"\n{dataset}{_CHANGES_TOP}", 1)
    doc = select(runner, text, query.bindings(values))
    columns = [v for v in doc["head"]["vars"] if v not in query.param_names]
    return Table(columns, limited(query, columns, doc["results"]["bindings"]),
                 bool(doc.get("truncated")))


# ----------------------------------------------------------------- compare_metric

#: The figures compare_metric.rq keeps: its sub-SELECT's ORDER BY DESC(?value) LIMIT n.
_TOP_FIGURES = re.compile(r"ORDER BY DESC\(\?value\)\s+LIMIT (\d+)")


@form("compare_metric", needs="tables")
def compare_metric(query: CannedQuery, values: dict[str, str], prepared: Prepared,
                   runner: Runner) -> Table:
    """``compare_metric``: the figure rows (kg.prepared) whose metric holds
    the words, largest first, each with the columns the SPARQL gives; no
    look-up in the store at all."""
    m = _TOP_FIGURES.search(query.text)
    if m is None:
        raise RuntimeError(f"{query.path}: its index form needs the figures' "
                           "'ORDER BY DESC(?value) LIMIT n'")
    page = prepared.tables.figures(metric=values.get("metric", ""), year=values.get("year", ""),
                                   order="value", limit=int(m.group(1)))
    columns = [c for c in _FIGURE_COLUMNS if c not in query.param_names]
    rows = [{k: v for k, v in _figure_row(r).items() if v is not None} for r in page.rows]
    return Table(columns, rows, False)


_FIGURE_COLUMNS = ("townshipName", "countyName", "reportYear", "metricName", "value", "unit",
                   "quote", "evidence", "sourceFile", "report", "i", "sentence", "t")


def _figure_row(r: dict[str, Any]) -> dict[str, dict[str, str] | None]:
    """A prepared figure row as compare_metric's SPARQL JSON terms.  What the
    SPARQL finds in one OPTIONAL group is bound together or not at all (a
    township without a name has no IRI there, a sentence without text none)."""
    named = bool(r["township_label"])
    said = r["evidence"] is not None
    return {
        "townshipName": zh(r["township_label"]), "t": iri(r["township"]) if named else None,
        "countyName": zh(r["county_label"]),
        "reportYear": gyear(r["year"]),
        "metricName": zh(r["metric"]),
        "value": literal(r["value"], r["datatype"]),
        "unit": zh(r["unit"]), "quote": zh(r["quote"]),
        "evidence": zh(r["evidence"]), "sentence": iri(r["sentence"]) if said else None,
        "sourceFile": literal(r["file"] or None),
        "report": iri(r["report"]), "i": iri(r["figure"]),
    }


# ----------------------------------------------------------------- most_cited

#: most_cited_laws.rq's counting sub-SELECT (a `{ SELECT ?lawEntity (COUNT …`
#: block ending with its ORDER BY … LIMIT n): the rows it keeps come from
#: the prepared citations instead.
_CITED = re.compile(r"\{\s*(?:#[^\n]*\n\s*)*SELECT \?lawEntity \(COUNT.*?"
                    r"ORDER BY DESC\(\?townships\) DESC\(\?reports\)\s+LIMIT (\d+)\s*\}", re.S)


@form("most_cited", needs="tables")
def most_cited(query: CannedQuery, values: dict[str, str], prepared: Prepared,
               runner: Runner) -> Table | None:
    """``most_cited_laws``: the laws most townships cite or study, counted
    in SQL over the prepared citations (one row per law, subject and
    report), then the query's own SPARQL with its counting sub-SELECT
    replaced by those rows (a VALUES block): its name, kind and example
    sentence are looked up for those laws only.  None (the SPARQL answers)
    when the index file was made before the citations table.  Laws tied at
    the query's LIMIT are taken in IRI order (the SPARQL takes any of them)."""
    m = _CITED.search(query.text)
    if m is None:
        raise RuntimeError(f"{query.path}: its index form needs the counting sub-SELECT "
                           "'{ SELECT ?lawEntity (COUNT … ORDER BY DESC(?townships) "
                           "DESC(?reports) LIMIT n }'")
    counted = prepared.tables.most_cited(int(m.group(1)))
    if counted is None:
        return None
    block = " ".join(f"(<{r['law']}> {r['townships']} {r['reports']})" for r in counted)
    text = (query.text[:m.start()] + f"VALUES (?lawEntity ?townships ?reports) {{ {block} }}"
            + query.text[m.end():])
    doc = select(runner, text, query.bindings(values))
    columns = [v for v in doc["head"]["vars"] if v not in query.param_names]
    return Table(columns, limited(query, columns, doc["results"]["bindings"]),
                 bool(doc.get("truncated")))


def limited(query: CannedQuery, columns: list[str], rows: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """The rows the query's own ORDER BY … LIMIT keeps (its sort: repeats the ORDER BY)."""
    if query.limit is None or len(rows) <= query.limit:
        return rows
    return finished(query, Table(columns, rows)).rows[:query.limit]
