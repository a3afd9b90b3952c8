"""The canned search's block of the prepared index: which report graphs give
an entity which names, and one example of each kind.

Part of the prepared index (:mod:`kg.prepared` owns the file and its
transactions).  The search counts, for each entity whose names hold the
words, the report graphs where one of its names there holds them; an
entity most reports name (宪法宣传周: every report of a national year) has
tens of thousands of such graphs, and reading them all for every search
took seconds.  So the rows are kept per graph and counted per kind:

* ``entity_names`` — (entity, labels, alts, class, unnamed, report): one row
  per entity of a searchable class with a label in a report graph: its
  labels and other names there (sorted, one a line), its first class in
  the table of types' order, whether no sentence with text names it there,
  and the least such sentence.  Its key puts first, for each kind, the
  report the search's example comes from (named in a sentence, then the
  least report IRI), so that example is one look-up;
* ``entity_name_counts`` — (entity, labels, alts, class) → how many report
  graphs give it that kind: moved up and down as files are written and
  deleted (:func:`replace`), as the entity page's totals are.

Entities, reports and sentences are kept by their keys
(:func:`kg.prepared_entities.key`: the IRI less the id prefix), in the
order of their IRIs.  The rows come from :func:`kg.prepared_rows.rows_of_graph`;
:mod:`kg.answers_search` reads them.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from kg.prepared_entities import key, move
from kg.sql_in import rows_in

SCHEMA = """
CREATE TABLE IF NOT EXISTS entity_names (
  entity TEXT NOT NULL, labels TEXT NOT NULL, alts TEXT NOT NULL, class TEXT NOT NULL,
  unnamed INTEGER NOT NULL, report TEXT NOT NULL, stem TEXT NOT NULL, sentence TEXT,
  PRIMARY KEY (entity, labels, alts, class, unnamed, report)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_names_stem ON entity_names (stem);
CREATE TABLE IF NOT EXISTS entity_name_counts (
  entity TEXT NOT NULL, labels TEXT NOT NULL, alts TEXT NOT NULL, class TEXT NOT NULL,
  n INTEGER NOT NULL, PRIMARY KEY (entity, labels, alts, class)) WITHOUT ROWID;
"""
#: the totals (not rows of a file; ``Prepared.table`` lists them for the tests)
TABLES = ("entity_name_counts",)
#: joins an entity's names in one cell (a name is from one line of text)
NAME_JOIN = "\n"
#: the group of an ``entity_names`` row: its first four columns
KIND = slice(0, 4)


def row(entity: str, report: str, stem: str, labels: Sequence[str], alts: Sequence[str],
        cls: str, sentence: str | None) -> tuple:
    """One ``entity_names`` row (names sorted; sentence None: none names it)."""
    return (key(entity), NAME_JOIN.join(sorted(labels)), NAME_JOIN.join(sorted(alts)), cls,
            int(sentence is None), key(report), stem, None if sentence is None else key(sentence))


def replace(db: sqlite3.Connection, stems: Sequence[str], new: Sequence[tuple]) -> None:
    """Move the counts by what the files ``stems`` gave before (their rows
    still in ``entity_names``) and what they give now (``new``): inside the
    caller's transaction, before it deletes their old rows."""
    delta: Counter[tuple] = Counter(r[KIND] for r in new)
    for old in rows_in(db, "SELECT entity, labels, alts, class FROM entity_names "
                           "WHERE stem IN ({marks})", stems):
        delta[tuple(old)] -= 1
    move(db, "entity_name_counts", ("entity", "labels", "alts", "class"), "n",
         {k: d for k, d in delta.items() if d})


def _holding(words: str, classes: Sequence[str]) -> tuple[str, list[str]]:
    """The condition of a kind with a name holding ``words`` and one of
    ``classes`` (names are joined by a line break, which no name and so no
    wanted words hold: the caller asks for none), and its parameters."""
    return (f"(instr(labels, ?) > 0 OR instr(alts, ?) > 0) "
            f"AND class IN ({','.join('?' * len(classes))})", [words, words, *classes])


def entities_holding(db: sqlite3.Connection, words: str, classes: Sequence[str],
                     limit: int | None) -> list[tuple[str, int, str]]:
    """(entity key, graphs, least label) of the first ``limit`` entities
    with a kind of names holding ``words`` and one of ``classes``, their
    graphs summed over those kinds, in search.rq's order (graphs, most
    first; the least label; the entity): one pass over the counts.

    A kind's labels are sorted and joined by a line break, below every
    character a name holds, so the least of the joined labels starts with
    the least label."""
    if not classes:
        return []
    where, args = _holding(words, classes)
    least = "substr(MIN(labels), 1, instr(MIN(labels) || char(10), char(10)) - 1)"
    return db.execute(f"SELECT entity, SUM(n) AS graphs, {least} AS label FROM entity_name_counts "
                      f"WHERE {where} GROUP BY entity ORDER BY graphs DESC, label, entity "
                      f"LIMIT ?", [*args, -1 if limit is None else limit]).fetchall()


def kinds_holding(db: sqlite3.Connection, entities: Sequence[str], words: str,
                  classes: Sequence[str]) -> list[tuple[Any, ...]]:
    """(entity key, labels, alts, class, graphs) of these entities' kinds
    with a name holding ``words`` and one of ``classes``."""
    if not classes:
        return []
    where, args = _holding(words, classes)
    return list(rows_in(db, "SELECT entity, labels, alts, class, n FROM entity_name_counts "
                            "WHERE entity IN ({marks}) AND " + where, entities, args))


def example(db: sqlite3.Connection, kind: Sequence[str]) -> tuple[int, str, str | None]:
    """(unnamed, report key, sentence key) of a kind's first row: the least
    report naming the entity in a sentence, with its least such sentence
    (else the least report)."""
    return db.execute("SELECT unnamed, report, sentence FROM entity_names WHERE entity = ? "
                      "AND labels = ? AND alts = ? AND class = ? ORDER BY unnamed, report LIMIT 1",
                      tuple(kind)).fetchone()
