"""The canned search (queries/search.rq) answered from the name index and
the prepared tables.

Oxigraph has no text index: the SPARQL reads every label of every report
graph.  Here the name index (:mod:`kg.names`) gives the entities with a
name holding the words, and only those are looked at.  Looked up in the
store, an entity most reports name (宪法宣传周, in every report of a
national year) still cost a read of every graph naming it: 15 s at 40,000
reports.  From the prepared tables (:mod:`kg.prepared_search`) its count
is a sum over its few kinds of names, and its example one row; the store
is read only for the texts of the page's example sentences.

Every row is the SPARQL's own: search.rq takes the least label and type a
report gives, and as its example the least IRI of the sentences naming the
entity with that report's file, so the answer is the same from the tables,
from the LATERAL form and from the SPARQL 1.1 form
(``tests/test_search_answers.py``, ``tests/test_index_answers.py``).  The
names matched are listed sorted (the column's ``parts:``).
"""
from __future__ import annotations

from typing import Any

from kg import types
from kg.answers import BATCH, Prepared, Runner, form, narrowed, select
from kg.canned import CannedQuery, Table, finished, integer, iri, literal, zh
from kg.namespace import FZ
from kg.prepared_entities import iri_of
from kg.prepared_search import KIND, NAME_JOIN

#: The first sub-SELECT of search.rq, which reads every label in the store.
_SEARCH_SCAN = "SELECT ?wantedName ?g ?entity ?matched WHERE {"
#: search.rq's separator of the names matched (its GROUP_CONCAT).
NAMES_SEPARATOR = " / "


@form("search", needs="names")
def search(query: CannedQuery, values: dict[str, str], prepared: Prepared,
           runner: Runner) -> Table:
    """``search``: from the prepared tables' counts of each kind of names
    when the file holds them whole (:func:`_from_tables`); else the
    entities whose names hold the words, from the name index, and
    search.rq itself with its label scan narrowed to them (a VALUES block):
    with the prepared tables, only the entities the page can hold
    (:func:`_page`), without them every one."""
    words = values.get("name", "")
    wanted = values.get("type", "")
    classes = [c for c, name in types.search_classes() if wanted in ("", name)]
    if prepared.tables is None:
        return narrowed(query, values, runner, _SEARCH_SCAN, "entity",
                        prepared.names.containing(words))
    if "entity_names" in prepared.tables.ready:
        return _with_evidence(_from_tables(query, words, classes, prepared), runner)
    first_names = prepared.names.containing_first(words)
    # an entity of no counted report has no row: only report graphs give an
    # entity a class (kg.model), and a SPARQL update, which could add another
    # graph, makes the index stale (not read); so a name the name index keeps
    # from a file read again, or of another type, is not looked up
    counts = prepared.tables.report_counts(first_names, classes)
    return _page(query, values, runner, counts, first_names)


def _page(query: CannedQuery, values: dict[str, str], runner: Runner,
          counts: dict[str, int], first_names: dict[str, str]) -> Table:
    """search.rq's answer, looking up in the store (search.rq narrowed to
    them) only the entities of its page (its LIMIT), however many names hold
    the words.

    Each candidate has a bound no row of it can sort before: its reports
    (``counts``: the entity page's type rows, the graphs giving it a
    searchable class of the wanted type, summed over the classes, at least
    as many as the graphs that also hold a matching name) and the smallest
    of its names (its label is one of them).  Candidates are looked up in
    the order of their bounds, ``BATCH`` at a time, until the answer holds
    the query's LIMIT of rows and the last of them sorts before the next
    candidate's bound: no candidate left can change the page.  On the usual
    store the counts are exact and one look-up does."""
    order = sorted(counts, key=lambda e: (-counts[e], first_names[e], e))
    keep = query.limit or len(order)
    done = 0
    table = Table([], [])
    while True:
        todo = order[done:done + max(keep - len(table.rows), BATCH)] if done else order[:keep]
        found = narrowed(query, values, runner, _SEARCH_SCAN, "entity", todo)
        done += len(todo)
        rows = finished(query, Table(found.columns, table.rows + found.rows)).rows[:keep]
        table = Table(found.columns, rows, table.truncated or found.truncated)
        if done >= len(order) or (len(table.rows) >= keep and _sorts_before(
                query, table, table.rows[keep - 1], order[done], counts, first_names)):
            return table


def _sorts_before(query: CannedQuery, table: Table, row: dict[str, Any], entity: str,
                  counts: dict[str, int], first_names: dict[str, str]) -> bool:
    """Whether the answer's ``row`` sorts before every row ``entity`` could
    give (its bound: its counted reports, its smallest name), in the order
    the answer is shown (kg.canned.finished)."""
    bound = {"reports": {"type": "literal", "value": str(counts[entity])},
             "entityName": {"type": "literal", "value": first_names[entity]},
             "entity": {"type": "uri", "value": entity}}
    return finished(query, Table(table.columns, [bound, row])).rows[0] is row


def _from_tables(query: CannedQuery, words: str, classes: list[str], prepared: Prepared
                 ) -> Table:
    """search.rq's answer from the prepared tables (:mod:`kg.prepared_search`).

    In one pass over the counts of each kind of names, every entity with a
    name holding the words (and a wanted class), its graphs summed, its
    least label.  The page is the first LIMIT of them in the query's order
    (reports, most first; name; IRI), and only for those are the rest read:
    the names that matched, the least type name, and the example, the first
    row of their kinds (the least report naming the entity in a sentence,
    else the least report) with that report's file.
    The example's text is read from the store afterwards (:func:`_with_evidence`)."""
    columns = [c for c in query.variables if c not in query.param_names]
    if NAME_JOIN in words:             # no name holds a line break (kg.prepared_search)
        return Table(columns, [], False)
    tables = prepared.tables
    # picked in the SPARQL's order (its ORDER BY … LIMIT: names as text, IRIs
    # by key, which is their order for the ids fazhi-kg mints), then shown in
    # the page's (kg.canned.finished)
    page = tables.name_counts(words, classes, query.limit)
    type_name = dict(types.search_classes())
    acc: dict[str, dict[str, Any]] = {e: {"reports": n, "label": label, "matched": set(),
                                          "types": set(), "kinds": []} for e, n, label in page}
    for kind in tables.name_kinds(list(acc), words, classes):
        entity, labels, alts, cls, _ = kind
        row = acc[entity]
        row["matched"] |= {m for m in labels.split(NAME_JOIN) + alts.split(NAME_JOIN)
                           if m and words in m}
        row["types"].add(type_name[cls])
        row["kinds"].append(kind[KIND])
    kinds = [k for r in acc.values() for k in r["kinds"]]
    first: dict[str, tuple] = {}
    for kind, ex in zip(kinds, tables.name_examples(kinds)):
        if ex is not None and (kind[0] not in first or ex[:2] < first[kind[0]][:2]):
            first[kind[0]] = ex
    files = {r["report"]: r["file"] for r in tables.select_in(
        "SELECT report, file FROM reports WHERE report IN ({marks})",
        sorted({iri_of(ex[1]) for ex in first.values()}))}
    rows = []
    for e, r in acc.items():
        _, report, sentence = first.get(e, (1, None, None))
        rows.append({"entityName": zh(r["label"]), "entityType": literal(min(r["types"])),
                     "matchedNames": literal(NAMES_SEPARATOR.join(sorted(r["matched"]))),
                     "reports": integer(r["reports"]),
                     "exampleSentence": iri(sentence and iri_of(sentence)),
                     "exampleFile": literal(files.get(iri_of(report)) if report else None),
                     "entity": iri(iri_of(e))})
    return finished(query, Table(columns, [{c: t for c, t in r.items() if t is not None}
                                           for r in rows], False))


def _with_evidence(table: Table, runner: Runner) -> Table:
    """The page's rows with the texts of their example sentences, read from
    the store in one query (the least text, were a sentence to have two)."""
    sentences = sorted({r["exampleSentence"]["value"] for r in table.rows
                        if "exampleSentence" in r})
    texts: dict[str, str] = {}
    for start in range(0, len(sentences), BATCH):
        block = " ".join(f"<{s}>" for s in sentences[start:start + BATCH])
        doc = select(runner, f"SELECT ?s (MIN(STR(?text)) AS ?t) WHERE {{ VALUES ?s {{ {block} }} "
                             f"GRAPH ?g {{ ?s <{FZ.text}> ?text }} }} GROUP BY ?s")
        texts.update((b["s"]["value"], b["t"]["value"]) for b in doc["results"]["bindings"]
                     if "t" in b)
    for r in table.rows:
        said = texts.get(r.get("exampleSentence", {}).get("value", ""))
        if said is not None:
            r["exampleEvidence"] = literal(said)
    return table
