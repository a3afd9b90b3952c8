"""The long lists answered from the prepared index: law firms as advisers,
organisations of a kind, and the matrix of systems per report.

Their SPARQL reads every report graph and stops at its ``LIMIT 1000`` in
store order; on a store of tens of thousands of reports the first request
took one to three seconds (``docs/benchmarks.md``).  Here the rows come
from tables written at ingest (``advisers``, ``organisations``, and the
``changes`` rows of what a township implements: :mod:`kg.prepared_rows`),
filtered, ordered and cut in SQL, so the rows kept when the list is cut are
the first of the order the page shows (by name), not the store's first.

Each form gives the columns and terms its SPARQL gives; a file made before
a table it reads (:data:`kg.prepared.ANSWER_TABLES`) is answered by the
``reports`` form instead.  ``tests/test_index_answers.py`` compares every
form with the SPARQL.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from typing import Any

from kg.answers import TOP, Prepared, Runner, few_reports, form, limited, narrowed, reports
from kg.canned import CannedQuery, Table, Term, gyear, integer, iri, literal, zh
from kg.prepared import place_filter

#: The outer SELECT's projection (its first line(s) up to WHERE).
_PROJECTION = re.compile(r"^SELECT((?:\s+\?\w+)+)\s*\nWHERE", re.M)


def _columns(query: CannedQuery, known: set[str]) -> list[str]:
    """The query's shown columns, in its projection's order; a column the
    form cannot give fails loudly (the .rq was changed without its form)."""
    m = _PROJECTION.search(query.text)
    if m is None:
        raise RuntimeError(f"{query.path}: its index form needs 'SELECT ?a ?b … WHERE'")
    names = [v.lstrip("?") for v in m.group(1).split()]
    shown = [v for v in names if v not in query.param_names]
    unknown = [v for v in shown if v not in known]
    if unknown:
        raise RuntimeError(f"{query.path}: its index form does not give {', '.join(unknown)}")
    return shown


def _table(query: CannedQuery, known: set[str], rows: list[dict[str, Term]]) -> Table:
    """The form's rows (every ``known`` column a term or None) as the query's
    answer: its shown columns, unbound cells left out (as SPARQL JSON)."""
    columns = _columns(query, known)
    return Table(columns, [{c: t for c in columns if (t := r.get(c)) is not None} for r in rows],
                 False)


def _ordered(*columns: str) -> str:
    """SQL ORDER BY keys with missing values last (as kg.canned.finished)."""
    return ", ".join(f"{c} IS NULL, {c}" for c in columns)


def _limit(query: CannedQuery) -> int:
    return query.limit if query.limit is not None else -1      # SQLite: -1 is no limit


# ----------------------------------------------------------------- law firms

#: law_firm_advisers.rq's adviser kind for a law firm not typed fz:LawFirm.
_FIRM_KIND = re.compile(r'STR\(\?kind\) = "([^"]+)"')


@form("law_firms", needs="tables")
def law_firms(query: CannedQuery, values: dict[str, str], prepared: Prepared,
              runner: Runner) -> Table | None:
    """``law_firm_advisers``: the ``advisers`` rows of a law firm (typed so,
    or of the query's adviser kind), by township name: one table, no join."""
    tables = prepared.tables
    if "advisers" not in tables.ready:
        return reports(query, values, prepared, runner)
    m = _FIRM_KIND.search(query.text)
    if m is None:
        raise RuntimeError(f"{query.path}: its index form needs 'STR(?kind) = \"…\"'")
    # the table's county_label is the subject's (the query's countyName), year the report's
    where, args = place_filter(county=values.get("county", ""), year=values.get("year", ""),
                               township="")
    where, args = [*where, "(law_firm = 1 OR kind = ?)"], [*args, m.group(1)]
    found = tables.select(
        f"""SELECT * FROM advisers WHERE {' AND '.join(where)}
            ORDER BY {_ordered('subject_label', 'county_label', 'year', 'label', 'evidence',
                               'file')}, report, subject, adviser, sentence
            LIMIT ?""", [*args, _limit(query)])
    return _table(query, _FIRM_COLUMNS, [{
        "townshipName": zh(r["subject_label"]), "countyName": zh(r["county_label"]),
        "reportYear": gyear(r["year"]), "firmName": zh(r["label"]), "evidence": zh(r["evidence"]),
        "sourceFile": literal(r["file"]), "report": iri(r["report"]),
        "township": iri(r["subject"]), "firm": iri(r["adviser"]), "sentence": iri(r["sentence"]),
    } for r in found])


_FIRM_COLUMNS = {"townshipName", "countyName", "reportYear", "firmName", "evidence", "sourceFile",
                 "report", "township", "firm", "sentence"}


# ----------------------------------------------------------------- organisations

@form("organisations", needs="tables")
def organisations(query: CannedQuery, values: dict[str, str], prepared: Prepared,
                  runner: Runner) -> Table | None:
    """``organisations_by_kind``: the ``organisations`` rows whose kind is the
    words or whose name ends with them (a range of the reversed names'
    index), by name.  With a county (or a year) keeping at most
    :data:`~kg.answers.MAX_GRAPHS` reports, only those reports' rows are read."""
    tables = prepared.tables
    if "organisations" not in tables.ready:
        return reports(query, values, prepared, runner)
    kind = values.get("kind", "")
    match = "(o.kind = ? OR (o.rname >= ? AND o.rname < ?))"
    matched = [kind, kind[::-1], kind[::-1] + "\U0010ffff"]     # a range: the names so ending
    place = {k: values.get(k, "") for k in ("county", "year")}
    where, args = place_filter(**place, township="", alias="r.")
    few = few_reports(tables, **place)
    if few is not None:
        # a county's reports: their rows, found by file, not every row of the kind
        stems = sorted({r["stem"] for r in few}) or [""]
        where.append(f"o.stem IN ({','.join('?' * len(stems))})")
        args += stems
    elif query.limit is not None:
        # the rows kept have a name no later than the limit-th distinct name,
        # found on the two indexes alone; only those are read (with a place
        # filter keeping most reports, the page is then checked to be full)
        last = tables.select(
            """SELECT name FROM (SELECT name FROM organisations o WHERE o.kind = ?
                 UNION SELECT name FROM organisations o WHERE o.rname >= ? AND o.rname < ?)
               ORDER BY name LIMIT 1 OFFSET ?""", [*matched, query.limit - 1])
        if last:
            bounded = _organisation_rows(tables, match, [*where, "o.name <= ?"],
                                         [*matched, *args, last[0]["name"]], query)
            if len(bounded) == query.limit or not any(place.values()):
                return _organisation_table(query, bounded)
    return _organisation_table(query, _organisation_rows(tables, match, where,
                                                         [*matched, *args], query))


def _organisation_rows(tables: Any, match: str, where: list[str], args: list[Any],
                       query: CannedQuery) -> list[dict[str, Any]]:
    """The organisations rows (with their reports' columns) of ``match`` and
    ``where``, in the page's order, cut at the query's LIMIT."""
    return tables.select(
        f"""SELECT o.*, r.township, r.township_label, r.county_label, r.year, r.file
            FROM organisations o JOIN reports r ON r.report = o.report
            WHERE {match} AND {' AND '.join(where)}
            ORDER BY o.name, o.kind = '', o.kind,
                     {_ordered('r.township_label', 'r.county_label', 'r.year', 'o.evidence',
                               'r.file')}, o.report, o.organisation, o.sentence
            LIMIT ?""", [*args, _limit(query)])


def _organisation_table(query: CannedQuery, found: list[dict[str, Any]]) -> Table:
    return _table(query, _ORGANISATION_COLUMNS, [{
        "organisationName": zh(r["name"]), "organisationKind": zh(r["kind"]),
        "township": zh(r["township_label"]), "countyLabel": zh(r["county_label"]),
        "yearReported": gyear(r["year"]), "evidence": zh(r["evidence"]),
        "file": literal(r["file"]), "report": iri(r["report"]),
        "organisation": iri(r["organisation"]),
        "t": iri(r["township"]) if r["township_label"] else None,
        "sentence": iri(r["sentence"]),
    } for r in found])


_ORGANISATION_COLUMNS = {"organisationName", "organisationKind", "township", "countyLabel",
                         "yearReported", "evidence", "file", "report", "organisation", "t",
                         "sentence"}


# ----------------------------------------------------------------- systems matrix

#: A cell of systems_matrix.rq: ``(MAX(IF(<test>, ?n, "")) AS ?column)``.
_CELL = re.compile(r'\(MAX\(IF\((.+?), \?n, ""\)\) AS \?(\w+)\)')
_WORD = re.compile(r'CONTAINS\(\?n, "([^"]*)"\)')
_COUNT = "(COUNT(DISTINCT ?system) AS ?systems)"


Cells = tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


def matrix_cells(query: CannedQuery) -> Cells:
    """The matrix's cells as the query writes them: (column, alternatives of
    words all contained), read from its text so that the .rq stays the one
    place they are written (once per text, not per request)."""
    return _cells_of(query.text, str(query.path))


@cache
def _cells_of(text: str, path: str) -> Cells:
    cells = []
    for test, column in _CELL.findall(text):
        alternatives = []
        for alt in test.split("||"):
            atoms = [a.strip() for a in alt.split("&&")]
            words = [m.group(1) for a in atoms if (m := _WORD.fullmatch(a))]
            if len(words) != len(atoms):
                raise RuntimeError(f"{path}: its index form reads only "
                                   f"CONTAINS(?n, \"…\") joined by && and ||, not {alt.strip()!r}")
            alternatives.append(tuple(words))
        cells.append((column, tuple(alternatives)))
    if not cells or _COUNT not in text:
        raise RuntimeError(f"{path}: its index form needs its MAX(IF(…)) cells and {_COUNT}")
    return tuple(cells)


def _implemented(tables: Any, stems: list[str]) -> dict[str, dict[str, set[str]]]:
    """Report → each named system its township implements → the system's
    names, from the ``implemented`` rows of these files."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in tables.select_in("SELECT report, system, label FROM implemented WHERE stem IN ({marks})",
                              stems):
        out[c["report"]][c["system"]].add(c["label"])
    return out


def _cells(names: set[str], cells: Cells,
           memo: dict[str, list[bool]]) -> dict[str, str]:
    """The cells of one report: MAX(IF(test, ?n, "")) over its system names.
    Which tests a name passes is worked out once per name (``memo``): the
    same names recur in report after report."""
    out = {column: "" for column, _ in cells}
    for n in names:
        passed = memo.get(n)
        if passed is None:
            passed = memo[n] = [any(all(w in n for w in alt) for alt in alts) for _, alts in cells]
        for (column, _), ok in zip(cells, passed):
            if ok and n > out[column]:
                out[column] = n
    return out


@form("systems_matrix", needs="tables")
def systems_matrix(query: CannedQuery, values: dict[str, str], prepared: Prepared,
                   runner: Runner) -> Table | None:
    """``systems_matrix``: the reports (in the page's order: township name,
    year) whose township implements a named system, and their cells from the
    ``changes`` rows of fz:implements.  A report whose township has no name
    (the SPARQL then reads any subject's systems) is left to its SPARQL."""
    tables = prepared.tables
    if "implemented" not in tables.ready:
        return reports(query, values, prepared, runner)
    cells = matrix_cells(query)
    where, args = place_filter(county=values.get("county", ""), year=values.get("year", ""),
                               township=values.get("township", ""), alias="r.")
    systems: dict[str, dict[str, set[str]]] = {}       # report → system → its names
    found: list[dict[str, Any]] = []
    want = query.limit
    batch, offset = (want or 1000) + 100, 0
    # a county or a township: found on the index that holds both names (only
    # its reports' rows are read); else walked in the page's order
    walk = "INDEXED BY reports_town" if values.get("county") or values.get("township") else ""
    while want is None or len(found) < want:
        # reports in the page's order, a batch at a time: most have systems, so
        # one batch usually fills the page, and only its reports' rows are read
        page = tables.select(
            f"""SELECT r.report, r.stem, r.township, r.township_label, r.county_label, r.year,
                 r.file FROM reports r {walk} WHERE {' AND '.join(where)} AND r.township_label IS NOT NULL
                ORDER BY r.township_label, {_ordered('r.year', 'r.county_label', 'r.file')},
                         r.report LIMIT ? OFFSET ?""", [*args, batch, offset])
        systems.update(_implemented(tables, sorted({r["stem"] for r in page})))
        found += [r for r in page if systems.get(r["report"])]
        if len(page) < batch:
            break
        offset += batch
    found = found[:want]
    rows: list[dict[str, Term]] = []
    memo: dict[str, list[bool]] = {}
    for r in found:
        held = systems[r["report"]]
        names = {n for labels in held.values() for n in labels}
        rows.append({"townshipName": zh(r["township_label"]), "countyLabel": zh(r["county_label"]),
                     "yearReported": gyear(r["year"]),
                     **{c: literal(v) for c, v in _cells(names, cells, memo).items()},
                     "systems": integer(len(held)),
                     "file": literal(r["file"]), "report": iri(r["report"]),
                     "t": iri(r["township"])})
    unnamed = tables.select(
        f"SELECT DISTINCT r.graph FROM reports r WHERE {' AND '.join(where)} "
        "AND r.township_label IS NULL", args)
    known = {"townshipName", "countyLabel", "yearReported", "systems", "file", "report", "t",
             *(column for column, _ in cells)}
    table = _table(query, known, rows)
    if unnamed:     # rare: their own SPARQL, then the cut over both
        more = narrowed(query, values, runner, TOP, "g", sorted(u["graph"] for u in unnamed))
        table = Table(more.columns, limited(query, more.columns, table.rows + more.rows),
                      more.truncated)
    return table
