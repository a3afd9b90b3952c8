"""The prepared index: what the pages and canned queries need, written at ingest.

THE READ API other modules call (``kg.web.read``, the canned queries) is the
:class:`Prepared` class below: open it with :meth:`Prepared.beside` (None
when the store has none, or one made by an older version, or one a SPARQL
update has made stale — then answer from SPARQL), then

* :meth:`Prepared.townships` — one row per township (county, years, reports);
* :meth:`Prepared.reports` — report rows, filtered by county/year/township;
* :meth:`Prepared.figures` — figure rows by metric words, year, county,
  ordered, paged;
* :meth:`Prepared.entity_counts` — an entity's facts and mentions counted by
  township or by year; :meth:`Prepared.entity_reports` — its reports, paged;
* :meth:`Prepared.type_counts` — distinct entities by class (the home page);
* :meth:`Prepared.townships_of_years`, :meth:`Prepared.change_rows` — the
  ``changes`` canned query's townships and rows (:mod:`kg.changes`), in a
  file that holds the ``changes`` table whole (:data:`ANSWER_TABLES`).

Writers: :meth:`Prepared.replace` (a file read again), :meth:`Prepared.remove`
(a file deleted: its rows go from every table of :data:`TABLES`).

Every paged reader takes ``limit``/``offset`` and returns a :class:`Page`
(``rows``, ``next_offset`` or None when there is no more).

Why SQLite beside the store and not a summary graph per report: the pages
need global counts and groupings (every township with its years, an
entity's reports by year), which a SQL table with an index answers by
reading its rows in order, where SPARQL over summary graphs still joins
row by row in Oxigraph; measured in ``docs/benchmarks.md``.

The rows come from the same N-Triples text the store is written from
(:func:`rows_of_graphs`, :func:`rows_of_nquads`), so they say what the
report graph says; ``fazhi-kg index`` builds them again from the store
(:func:`build`).  A file read again replaces its rows (:meth:`Prepared.replace`,
keyed by the file's stem, as :meth:`kg.store.Store.replace` keys graphs).
The schema is in ``docs/architecture.md``.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import prepared_entities as page_tables
from kg import prepared_search as search_tables
from kg.errors import StoreError
from kg.prepared_rows import (
    ENTITY_ROWS,
    PREDICATES,
    REPORT,
    STEM_COLUMN,
    TABLES,
    Rows,
    rows_of_graph,
    rows_of_nquads,
    stem_key,
    stem_of,
)
from kg.sql_in import rows_in

#: The index's file, inside the store's folder (beside kg.names.FILE).
FILE = "fazhi-kg-prepared.sqlite"
#: Bumped when the tables change; an index of another version is not read.
VERSION = "2"   # 2: the entity page's tables (kg.prepared_entities)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
  report TEXT PRIMARY KEY, graph TEXT NOT NULL, stem TEXT NOT NULL, file TEXT, title TEXT,
  township TEXT, township_label TEXT, county TEXT, county_label TEXT, year TEXT,
  adviser_kinds TEXT NOT NULL, systems TEXT NOT NULL, parts TEXT NOT NULL, missing TEXT NOT NULL,
  figures INTEGER NOT NULL, entities INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS reports_stem ON reports (stem);
CREATE INDEX IF NOT EXISTS reports_town ON reports (county_label, township_label, township, year);
CREATE INDEX IF NOT EXISTS reports_township ON reports (township, year);
CREATE INDEX IF NOT EXISTS reports_name ON reports (township_label, year);
CREATE TABLE IF NOT EXISTS parts (
  report TEXT NOT NULL, part TEXT NOT NULL, heading TEXT NOT NULL, stem TEXT NOT NULL,
  PRIMARY KEY (report, part, heading));
CREATE INDEX IF NOT EXISTS parts_stem ON parts (stem);
CREATE TABLE IF NOT EXISTS figures (
  figure TEXT PRIMARY KEY, report TEXT NOT NULL, stem TEXT NOT NULL,
  township TEXT, township_label TEXT, county TEXT, county_label TEXT, year TEXT, file TEXT,
  metric TEXT NOT NULL, value TEXT NOT NULL, datatype TEXT NOT NULL, num REAL,
  unit TEXT, approx TEXT, quote TEXT, sentence TEXT, sentence_order INTEGER, evidence TEXT);
CREATE INDEX IF NOT EXISTS figures_stem ON figures (stem);
CREATE INDEX IF NOT EXISTS figures_metric ON figures (metric, num DESC);
CREATE INDEX IF NOT EXISTS figures_num ON figures (num DESC, township_label);
CREATE TABLE IF NOT EXISTS entity_counts (
  entity TEXT NOT NULL, report TEXT NOT NULL, stem TEXT NOT NULL, township TEXT,
  year TEXT, classes TEXT NOT NULL, facts INTEGER NOT NULL, mentions INTEGER NOT NULL,
  listed INTEGER NOT NULL, PRIMARY KEY (entity, report)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_counts_stem ON entity_counts (stem);
CREATE TABLE IF NOT EXISTS entity_types (
  class TEXT NOT NULL, entity TEXT NOT NULL, report TEXT NOT NULL, stem TEXT NOT NULL,
  PRIMARY KEY (class, entity, report)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_types_stem ON entity_types (stem);
CREATE TABLE IF NOT EXISTS changes (
  report TEXT NOT NULL, stem TEXT NOT NULL, township TEXT NOT NULL, year TEXT,
  kind TEXT NOT NULL, entity TEXT NOT NULL, label TEXT, times TEXT, unit TEXT,
  sentence TEXT, evidence TEXT);
CREATE INDEX IF NOT EXISTS changes_township ON changes (township, year);
CREATE INDEX IF NOT EXISTS changes_stem ON changes (stem);
"""
#: The tables the canned queries' index forms read beyond the first ones
#: (kg.answers), and their version.  A file holds every row of one when its
#: ``meta`` has ``answers:<table>`` = this version: set when the file is made
#: (`fazhi-kg index` makes a new one), or for a table derived from the others
#: by :meth:`Prepared.fill_answers`.  In a file made before them (the
#: tables are created empty when it is opened) the forms read the base tables
#: or leave the answer to the SPARQL.
ANSWERS_VERSION = "1"
ANSWER_TABLES = ("metric_names", "citations", "changes", "advisers", "organisations",
                 "implemented", "entity_names")
#: Those derived by SQL from the base tables (no pass over the store).
DERIVED_TABLES = ("metric_names",)
#: How many of the most-cited laws are counted ahead and kept (most_cited_laws.rq shows 200).
KEPT_LAWS = 1000
ANSWERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS metric_names (metric TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS citations (
  law TEXT NOT NULL, subject TEXT NOT NULL, report TEXT NOT NULL, stem TEXT NOT NULL,
  PRIMARY KEY (law, subject, report)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS citations_stem ON citations (stem);
CREATE TABLE IF NOT EXISTS advisers (
  report TEXT NOT NULL, stem TEXT NOT NULL, year TEXT, file TEXT, subject TEXT NOT NULL,
  subject_label TEXT, county_label TEXT, adviser TEXT NOT NULL, label TEXT NOT NULL, kind TEXT,
  law_firm INTEGER NOT NULL, sentence TEXT, evidence TEXT);
CREATE INDEX IF NOT EXISTS advisers_stem ON advisers (stem);
CREATE TABLE IF NOT EXISTS organisations (
  report TEXT NOT NULL, stem TEXT NOT NULL, organisation TEXT NOT NULL, name TEXT NOT NULL,
  rname TEXT NOT NULL, kind TEXT NOT NULL, sentence TEXT NOT NULL, evidence TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS organisations_stem ON organisations (stem);
CREATE INDEX IF NOT EXISTS organisations_kind ON organisations (kind, name);
CREATE INDEX IF NOT EXISTS organisations_ending ON organisations (rname, name);
CREATE TABLE IF NOT EXISTS implemented (
  report TEXT NOT NULL, stem TEXT NOT NULL, system TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS implemented_stem ON implemented (stem);
""" + search_tables.SCHEMA
log = logging.getLogger(__name__)

@dataclass
class Page:
    """A page of rows and where the next one starts (None: this was the last)."""

    rows: list[dict[str, Any]]
    next_offset: int | None


# ------------------------------------------------------------------ the index

class Prepared:
    """The prepared tables of one store (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()     # ingest's writer and its bulk-load thread
        self._memo: dict[str, tuple[str, Any]] = {}
        try:
            self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")   # the server reads while ingest writes
            self.db.execute("PRAGMA synchronous=NORMAL")  # a cache: `fazhi-kg index` rebuilds it
            fresh = not self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reports'").fetchone()
            with self.db:
                self.db.executescript(SCHEMA + ANSWERS_SCHEMA + page_tables.SCHEMA)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('version', ?)", (VERSION,))
                if fresh:       # every row it will hold goes into the answer tables too
                    self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                                        [(f"answers:{t}", ANSWERS_VERSION) for t in ANSWER_TABLES])
            self.ready = self._answers_ready()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the prepared index {path}: {exc}; delete it and "
                             "build it again with `fazhi-kg index`") from exc

    @classmethod
    def beside(cls, store_path: str | Path, *, create: bool = True) -> Prepared | None:
        """The index of the store at ``store_path``.  Without ``create``:
        None if it has none, or it is of another version, or it is stale
        (the pages then answer from SPARQL; :func:`state` says why)."""
        path = Path(store_path) / FILE
        if not create and state(store_path) != "ready":
            return None
        return cls(path)

    # -------------------------------------------------------------- writing

    def replace(self, source_stem: str, rows: Rows) -> None:
        """The rows of one file, replacing any it had (one SQLite transaction).

        Rows are keyed by the stem as the file's graph IRIs spell it
        (:func:`stem_key`), so a file name that is not UTF-8 or holds a space
        is one key whether the rows came from the ingest or from the store.
        """
        self.replace_many([stem_key(source_stem)], rows)

    def replace_many(self, stems: Iterable[str], rows: Rows) -> None:
        try:
            with self._lock, self.db:
                stems = list(dict.fromkeys(stems))
                search_tables.replace(self.db, stems, rows.entity_names)
                self._delete(stems)
                self._insert(rows)
                page_tables.replace(self.db, stems, rows.entity_desc, rows.entity_edges)
                self._written()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the prepared index {self.path}: {exc}; the store "
                             "is written; build the index again with `fazhi-kg index`") from exc

    def remove(self, stems: Iterable[str]) -> int:
        """Delete every row of these files (stems as :func:`stem_key` spells
        them) from every table, in one transaction; returns the reports
        removed.  A new table only needs a field of :class:`Rows` (:data:`TABLES`)."""
        try:
            with self._lock, self.db:
                stems = list(dict.fromkeys(stems))
                n = sum(self.db.execute("SELECT COUNT(*) FROM reports WHERE stem = ?",
                                        (s,)).fetchone()[0] for s in stems)
                search_tables.replace(self.db, stems, [])
                self._delete(stems)
                # the entity page's totals: take back what these files gave
                page_tables.replace(self.db, stems, [], [])
                self._written()
                return n
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the prepared index {self.path}: {exc}; build it "
                             "again with `fazhi-kg index`") from exc

    def _delete(self, stems: Iterable[str]) -> None:
        keys = [(s,) for s in dict.fromkeys(stems)]
        for t in TABLES:
            self.db.executemany(f"DELETE FROM {t} WHERE stem = ?", keys)

    def _written(self) -> None:
        """A new serial: readers' caches (:meth:`_cached`) are stale."""
        self.db.execute("INSERT INTO meta VALUES ('serial', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def _insert(self, rows: Rows) -> None:
        for t in TABLES:
            batch = getattr(rows, t)
            if batch:
                marks = ",".join("?" * len(batch[0]))
                self.db.executemany(f"INSERT OR REPLACE INTO {t} VALUES ({marks})", batch)
        self._insert_answers(rows)

    def add_shard(self, path: str | Path, *, skip: set[str] | None = None) -> None:
        """The rows of an N-Quads shard (``fazhi-kg load``), replacing its files'
        rows; ``skip``: stems of files that failed to load (no rows for them)."""
        rows = rows_of_nquads(Path(path).read_text(encoding="utf-8"))
        if skip:
            for t in (*TABLES, *ENTITY_ROWS):
                setattr(rows, t, [r for r in getattr(rows, t) if r[STEM_COLUMN[t]] not in skip])
        self.replace_many((r[2] for r in rows.reports), rows)

    def mark_stale(self, why: str) -> None:
        """Say the store changed behind the index's back (a SPARQL update):
        readers stop using it until ``fazhi-kg index`` builds it again."""
        try:
            with self._lock, self.db:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('stale', ?)", (why,))
        except sqlite3.Error:
            pass        # an index that cannot even take this is read as unusable anyway

    def clear_stale(self, why: str) -> None:
        """Undo :meth:`mark_stale` with this ``why`` (a delete that finished);
        a mark made for another reason (a SPARQL update) stays."""
        try:
            with self._lock, self.db:
                self.db.execute("DELETE FROM meta WHERE key = 'stale' AND value = ?", (why,))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the prepared index {self.path}: {exc}; build it "
                             "again with `fazhi-kg index`") from exc

    def close(self) -> None:
        self.db.close()

    # -------------------------------------------------------------- reading

    def select(self, sql: str, args: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a SELECT on these tables, as dicts (the forms of :mod:`kg.answers_lists`)."""
        return self._rows(sql, args)

    def select_in(self, sql: str, values: Iterable[Any], args: Sequence[Any] = ()
                  ) -> list[dict[str, Any]]:
        """Rows of a SELECT over many values, as dicts: its ``{marks}`` is a
        chunk of them (:func:`kg.sql_in.rows_in`)."""
        with self._lock:
            return [dict(r) for r in rows_in(self.db, sql, values, args)]

    def _rows(self, sql: str, args: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.db.execute(sql, tuple(args)).fetchall()]

    @staticmethod
    def _page(rows: list[dict[str, Any]], limit: int, offset: int) -> Page:
        more = len(rows) > limit
        return Page(rows[:limit], offset + limit if more else None)

    def stale(self) -> bool:
        """Has a SPARQL update (or a failed write) made this index stale?"""
        try:
            return bool(self._rows("SELECT 1 FROM meta WHERE key = 'stale'"))
        except sqlite3.Error:
            return True

    def serial(self) -> str:
        """Changes with every write: a reader's cache key."""
        r = self._rows("SELECT value FROM meta WHERE key = 'serial'")
        return r[0]["value"] if r else "0"

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept in this process until the index is written again
        (its serial): what reads every row (the list of townships, the counts
        by type) is computed once per change, not once per page."""
        serial = self.serial()
        hit = self._memo.get(key)
        if hit is not None and hit[0] == serial:
            return hit[1]
        value = compute()
        self._memo[key] = (serial, value)
        return value

    def _all_townships(self) -> list[dict[str, Any]]:
        rows = self._rows(
            """SELECT township, MIN(township_label) AS label, MIN(county) AS county,
                 MIN(county_label) AS county_label, GROUP_CONCAT(DISTINCT year) AS years,
                 COUNT(*) AS reports
               FROM reports WHERE township IS NOT NULL GROUP BY township
               ORDER BY county_label, label, township""")
        for r in rows:
            r["years"] = sorted(y for y in (r["years"] or "").split(",") if y)
        return rows

    def townships(self, *, limit: int = 100, offset: int = 0) -> Page:
        """One row per township: id, label, county, county_label, years (sorted
        list), reports; ordered by county label (none first, as SPARQL's ORDER
        BY), township label, IRI."""
        rows = self._cached("townships", self._all_townships)
        return self._page(rows[offset:offset + limit + 1], limit, offset)

    def township_count(self) -> int:
        return len(self._cached("townships", self._all_townships))

    def reports(self, *, county: str = "", year: str = "", township: str = "",
                limit: int = 100, offset: int = 0) -> Page:
        """Report rows (every column of ``reports``; ``systems`` a list);
        ``county`` and ``township`` match within the label (as the canned
        queries' CONTAINS), ``township`` also the IRI; ``year`` exactly."""
        where, args = place_filter(county=county, year=year, township=township)
        rows = self._rows(f"SELECT * FROM reports WHERE {' AND '.join(where)} ORDER BY "
                          "county_label, township_label, year, report LIMIT ? OFFSET ?",
                          [*args, limit + 1, offset])
        for r in rows:
            r["systems"] = [s for s in r["systems"].split("\n") if s]
        return self._page(rows, limit, offset)

    def reports_of_township(self, township: str) -> list[dict[str, Any]]:
        """A township's reports, by year."""
        return self._rows("SELECT report, title, year, file, township_label FROM reports "
                          "WHERE township = ? ORDER BY year, report", (township,))

    def townships_of_years(self, years: tuple[str, str], *, township: str = "",
                           county: str = "") -> list[dict[str, Any]]:
        """(township, label) of the townships with a report in both years: by
        IRI or exact label, or with ``county`` within their county's label (as
        the ``changes`` query picks them, by the earlier year's report)."""
        where, args = ["a.year = ?", "a.township_label IS NOT NULL"], [years[0]]
        if township:
            where.append("(a.township = ? OR a.township_label = ?)")
            args += [township, township]
        if county:
            where.append("instr(a.county_label, ?) > 0")
            args.append(county)
        return self._rows(
            f"""SELECT DISTINCT a.township, a.township_label AS label FROM reports a
               WHERE {' AND '.join(where)} AND EXISTS (SELECT 1 FROM reports b
                 WHERE b.township = a.township AND b.year = ?)
               ORDER BY a.township_label, a.township""", [*args, years[1]])

    def change_rows(self, townships: list[str], years: tuple[str, str]) -> list[dict[str, Any]]:
        """The ``changes`` rows of these townships in these years, each with its
        report's file."""
        return self.select_in(
            """SELECT c.*, r.file FROM changes c JOIN reports r ON r.report = c.report
               WHERE c.township IN ({marks}) AND c.year IN (?, ?)""", townships, years)

    def report_parts(self, report: str) -> list[dict[str, Any]]:
        """(part, heading) of the sections a report's outline says it covers."""
        return self._rows("SELECT part, heading FROM parts WHERE report = ? ORDER BY part, heading",
                          (report,))

    def metrics(self, words: str) -> list[str]:
        """Distinct metric labels that contain ``words`` (case as given)."""
        return [r["metric"] for r in self._rows(
            "SELECT DISTINCT metric FROM figures WHERE instr(metric, ?) > 0", (words,))]

    def figures(self, *, metric: str = "", year: str = "", county: str = "",
                township: str = "", order: str = "value", limit: int = 100,
                offset: int = 0) -> Page:
        """Figure rows whose metric label contains ``metric``; ``year`` exact,
        ``county``/``township`` within the label.  ``order``: "value" (largest
        first, then township label, as compare_metric) or "report" (year,
        report, sentence)."""
        where, args = place_filter(county=county, year=year, township=township)
        if metric:
            found = self.metric_names(metric)
            if not found:
                return Page([], None)
            where.append(f"metric IN ({','.join('?' * len(found))})")
            args += found
        by = {"value": "num DESC, township_label, figure",
              "report": "year, report, sentence_order, figure"}.get(order)
        if by is None:
            raise ValueError(f"order must be 'value' or 'report', not {order!r}")
        if order == "value":
            where, args = self._above_the_page(where, args, limit + offset)
        rows = self._rows(f"SELECT * FROM figures WHERE {' AND '.join(where)} ORDER BY {by} "
                          "LIMIT ? OFFSET ?", [*args, limit + 1, offset])
        return self._page(rows, limit, offset)

    def _above_the_page(self, where: list[str], args: list[Any], last: int
                        ) -> tuple[list[str], list[Any]]:
        """``where`` narrowed to figures whose number is at least that of the
        ``last``-th figure by number (found on the index of metric and number
        alone), so ordering and paging then read those rows, not every
        figure of the metric (the ties on the number are all kept)."""
        found = self._rows(f"SELECT num FROM figures WHERE {' AND '.join(where)} "
                           "ORDER BY num DESC LIMIT 1 OFFSET ?", [*args, last])
        if not found or found[0]["num"] is None:      # the page reaches figures without one
            return where, args
        return [*where, "num >= ?"], [*args, found[0]["num"]]

    def entity_counts(self, entity: str, *, by: str = "township",
                      limit: int | None = None) -> list[dict[str, Any]]:
        """An entity's reports (whose graph holds it), facts and mentions
        counted by ``by``: "township" (``township`` IRI and ``label``, most
        reports first) or "year"; ``limit``: only the first rows (a township's
        label is looked up for those only)."""
        if by == "township":
            rows = self._rows(
                """SELECT township, COUNT(*) AS reports, SUM(facts) AS facts,
                     SUM(mentions) AS mentions FROM entity_counts WHERE entity = ?
                   GROUP BY township ORDER BY reports DESC, township""", (entity,))[:limit]
            towns = [r["township"] for r in rows if r["township"]]
            labels = {r["township"]: r["label"] for r in self.select_in(
                "SELECT township, MIN(township_label) AS label FROM reports WHERE township "
                "IN ({marks}) GROUP BY township", towns)}
            for r in rows:
                r["label"] = labels.get(r["township"])
            return rows
        if by == "year":
            return self._rows(
                """SELECT year, COUNT(*) AS reports, SUM(facts) AS facts, SUM(mentions) AS mentions
                   FROM entity_counts WHERE entity = ? GROUP BY year ORDER BY year""",
                (entity,))[:limit]
        raise ValueError(f"by must be 'township' or 'year', not {by!r}")

    def entity_total(self, entity: str) -> dict[str, int]:
        """An entity's reports, townships, facts and mentions in all."""
        r = self._rows("SELECT COUNT(*) AS reports, COUNT(DISTINCT township) AS townships, "
                       "COALESCE(SUM(facts), 0) AS facts, COALESCE(SUM(mentions), 0) AS mentions "
                       "FROM entity_counts WHERE entity = ?", (entity,))
        return r[0]

    def entity_reports(self, entity: str, *, limit: int = 100, offset: int = 0,
                       with_facts: bool = False) -> Page:
        """The reports that name an entity (fz:mentions) or are its own (a
        township's), or with ``with_facts`` those that state a fact of it; by
        year then report, with its counts there and the report's graph."""
        rows = self._rows(
            f"""SELECT c.report, r.graph, c.year, c.township, c.facts, c.mentions, r.title, r.file,
                 r.township_label FROM entity_counts c LEFT JOIN reports r ON r.report = c.report
               WHERE c.entity = ? AND {"c.facts > 0" if with_facts else "c.listed"}
               ORDER BY c.year, c.report LIMIT ? OFFSET ?""",
            (entity, limit + 1, offset))
        return self._page(rows, limit, offset)

    def type_counts(self) -> dict[str, int]:
        """Class IRI → distinct entities of it (figures under fz:Indicator).

        Counting reads the whole ``entity_types`` table (seconds at 40,000
        reports), so the answer is kept in ``meta`` with the serial it is for
        (`fazhi-kg index` leaves it there; the first reader after a write
        counts again) and in this process."""
        return self._cached("type_counts", lambda: self._kept("type_counts", lambda: {
            r["class"]: r["n"] for r in self._rows(
                "SELECT class, COUNT(DISTINCT entity) AS n FROM entity_types GROUP BY class")}))

    def _kept(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` (JSON), kept in ``meta`` under ``key`` with the serial
        it is for: an answer that reads a whole table is computed once per
        change of the index, by `fazhi-kg index` or the first reader after a
        write, not once per process."""
        serial = self.serial()
        kept = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        if kept:
            doc = json.loads(kept[0]["value"])
            if doc.get("serial") == serial and "value" in doc:    # (older files: "counts")
                return doc["value"]
        value = compute()
        try:      # best effort, never waiting on a writer: the next reader counts again
            db = sqlite3.connect(self.path, timeout=0.2)
            try:
                with db:
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               (key, json.dumps({"serial": serial, "value": value})))
            finally:
                db.close()
        except sqlite3.Error:
            pass
        return value

    # ------------------------------------------- the entity page (kg.prepared_entities)

    def describe(self, iris: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """IRI → field (type, label, altLabel, kind, scope, partOf…) → values."""
        with self._lock:
            return page_tables.describe(self.db, iris)

    def degrees(self, iris: Iterable[str]) -> dict[str, int]:
        """IRI → its distinct neighbours."""
        with self._lock:
            return page_tables.degrees(self.db, iris)

    def neighbours(self, iri: str, groups: list[list[str]], *, limit: int,
                   offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """One page of an entity's neighbours (see
        :func:`kg.prepared_entities.neighbour_page`)."""
        with self._lock:
            return page_tables.neighbour_page(self.db, iri, groups, limit=limit, offset=offset)

    def table(self, name: str) -> list[tuple]:
        """Every row of one table, sorted (tests compare two builds with it)."""
        if name not in TABLES + page_tables.TABLES + search_tables.TABLES:
            raise ValueError(name)
        with self._lock:
            return sorted(tuple(r) for r in self.db.execute(f"SELECT * FROM {name}"))

    # ---------------------------------------------- the answer tables (kg.answers)

    def _answers_ready(self) -> frozenset[str]:
        """The answer tables this file holds whole (see :data:`ANSWERS_VERSION`);
        the others said once in the log."""
        meta = dict(self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'answers:%'"))
        ready = frozenset(t for t in ANSWER_TABLES if meta.get(f"answers:{t}") == ANSWERS_VERSION)
        if len(ready) < len(ANSWER_TABLES):
            log.warning("%s: made before its tables %s (version %s); the canned queries read "
                        "its other tables or the store instead; `fazhi-kg index` builds them",
                        self.path, ", ".join(t for t in ANSWER_TABLES if t not in ready),
                        ANSWERS_VERSION)
        return ready

    def _insert_answers(self, rows: Rows) -> None:
        """The answer tables' part of one write (in its transaction).  A
        metric name stays when its last figure goes: the list is where to
        look (figures are then matched by name), so a name too many costs an
        empty look-up, never a wrong row."""
        if rows.figures:
            self.db.executemany("INSERT OR IGNORE INTO metric_names VALUES (?)",
                                [(m,) for m in {r[9] for r in rows.figures}])

    def fill_answers(self) -> None:
        """Derive the answer tables that come from the base tables
        (:data:`DERIVED_TABLES`, SQL only, no pass over the store) in a file
        made before them (benchmarks/bench_first.py does, on a copy)."""
        with self._lock, self.db:
            self.db.execute("DELETE FROM metric_names")
            self.db.execute("INSERT INTO metric_names SELECT DISTINCT metric FROM figures")
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [(f"answers:{t}", ANSWERS_VERSION) for t in DERIVED_TABLES])
        self.ready = self.ready | set(DERIVED_TABLES)

    def metric_names(self, words: str) -> list[str]:
        """Metric labels containing ``words`` (as SPARQL's CONTAINS): from the
        short list of names when it is complete, else from every figure row;
        it may hold names no figure has now (see :meth:`_insert_answers`)."""
        if "metric_names" not in self.ready:
            return self.metrics(words)
        return [r["metric"] for r in self._rows(
            "SELECT metric FROM metric_names WHERE instr(metric, ?) > 0", (words,))]

    def name_counts(self, words: str, classes: Sequence[str], limit: int | None) -> list[tuple]:
        """The canned search's first entities whose names hold ``words``, with
        their reports and least label (:func:`kg.prepared_search.entities_holding`)."""
        with self._lock:
            return search_tables.entities_holding(self.db, words, classes, limit)

    def name_kinds(self, entities: Sequence[str], words: str, classes: Sequence[str]
                   ) -> list[tuple]:
        """These entities' kinds of names holding ``words``
        (:func:`kg.prepared_search.kinds_holding`)."""
        with self._lock:
            return search_tables.kinds_holding(self.db, entities, words, classes)

    def name_examples(self, kinds: Sequence[Sequence[str]]) -> list[tuple]:
        """The first row of each kind (:func:`kg.prepared_search.example`)."""
        with self._lock:
            return [search_tables.example(self.db, k) for k in kinds]

    def report_counts(self, entities: Iterable[str], classes: Iterable[str]) -> dict[str, int]:
        """Entity → the reports whose graph gives it one of ``classes``, summed
        over the classes (entities of none are left out): at least as many as
        the reports any query finds it of those classes in, exactly as many
        where no graph gives it two of them (the entity page's type rows,
        :func:`kg.prepared_entities.type_reports`)."""
        with self._lock:
            return page_tables.type_reports(self.db, entities, classes)

    def most_cited(self, limit: int) -> list[dict[str, Any]] | None:
        """The ``limit`` laws cited or studied by the most subjects (townships),
        then in the most reports, then by IRI: law, townships, reports; None
        when this file's ``citations`` are not whole.  The first
        :data:`KEPT_LAWS` are counted once per change of the index and kept
        (:meth:`_kept`: counting reads every citation, seconds at 40,000
        reports)."""
        if "citations" not in self.ready:
            return None
        if limit > KEPT_LAWS:
            return self._most_cited(limit)
        rows = self._cached("most_cited", lambda: self._kept(
            "most_cited", lambda: self._most_cited(KEPT_LAWS)))
        return rows[:limit]

    def _most_cited(self, limit: int) -> list[dict[str, Any]]:
        return self._rows("SELECT law, COUNT(DISTINCT subject) AS townships, "
                          "COUNT(DISTINCT report) AS reports FROM citations GROUP BY law "
                          "ORDER BY townships DESC, reports DESC, law LIMIT ?", (limit,))


def state(store_path: str | Path) -> str:
    """"ready", "missing" (no index, or one of an older version) or
    "stale: <why>" for the store at ``store_path``; never raises."""
    path = Path(store_path) / FILE
    if not path.exists():
        return "missing"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        finally:
            db.close()
    except sqlite3.Error:
        return "missing"
    if meta.get("version") != VERSION:
        return "missing"
    if "stale" in meta:
        return "stale: " + meta["stale"]
    return "ready"


_GRAPHS = f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?r a <{REPORT}> }} }}"""


def place_filter(*, county: str, year: str, township: str, alias: str = ""
                 ) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their values) of the canned queries' place filters:
    ``county``/``township`` within the label (as their CONTAINS), ``township``
    also the IRI, ``year`` exactly; on a table with those columns (``alias``:
    its name in a join, e.g. ``r.``)."""
    a = alias
    where: list[str] = ["1"]
    args: list[Any] = []
    if county:
        where.append(f"instr({a}county_label, ?) > 0")
        args.append(county)
    if year:
        where.append(f"{a}year = ?")
        args.append(year)
    if township:
        where.append(f"({a}township = ? OR instr({a}township_label, ?) > 0)")
        args += [township, township]
    return where, args


def build(store: ox.Store, index: Prepared, *, batch: int = 200) -> int:
    """Fill ``index`` from every report graph of ``store``; returns the reports."""
    graphs = sorted(s[0].value for s in store.query(_GRAPHS))
    n = 0
    for part in _batches(graphs, batch):
        rows = Rows()
        for g in part:
            node = ox.NamedNode(g)
            rows.extend(rows_of_graph(g, ((q.subject, q.predicate.value, q.object) for q in
                                          _graph_quads(store, node))))
        index.replace_many((stem_of(g) for g in part), rows)
        n += len(rows.reports)
    index.type_counts()       # counted once now, kept in meta for the server
    index.most_cited(1)
    return n


def _batches(graphs: list[str], size: int) -> Iterator[list[str]]:
    """Sorted report graphs in batches of about ``size``, never splitting a
    file's graphs (adjacent when sorted): a batch replaces its files' rows,
    so a file cut in two kept only its second half's."""
    part: list[str] = []
    for g in graphs:
        if len(part) >= size and stem_of(g) != stem_of(part[-1]):
            yield part
            part = []
        part.append(g)
    if part:
        yield part


def _graph_quads(store: ox.Store, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    for q in store.quads_for_pattern(None, None, None, graph):
        if q.predicate.value in PREDICATES:
            yield q
