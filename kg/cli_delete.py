"""``fazhi-kg delete``: take reports out of a store and out of its indexes.

A report is chosen by its file (the name ingest read, with or without its
suffix), by its report or graph IRI, or by township and year.  A file's
reports go together, as ingest writes and replaces them together: naming one
report of a file that held two removes both (the listing says so).

The order, so that stopping anywhere leaves nothing wrong that a reader
would trust:

1. everything is resolved first: a name that matches no report is an error
   (exit 2) and nothing is removed;
2. the prepared index is marked stale ("deleting …"): readers answer from
   SPARQL from now on;
3. the report graphs are dropped from the store, in one transaction;
4. the files' rows go from every table of the prepared index (one
   transaction, :meth:`kg.prepared.Prepared.remove`), then the stale mark
   goes: the index is used again;
5. the names no report left in the store gives go from the name index (a
   name left there by a stop before this step only costs the search a
   look-up: it drops hits the store no longer holds).

Stopped after 2 or 3, the index stays marked stale: run ``fazhi-kg delete``
again (it finds what is left) or ``fazhi-kg index``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from kg.cli_text import render_table
from kg.errors import FazhiError
from kg.names import FILE as NAMES_FILE
from kg.names import NameIndex
from kg.names import rows as name_rows
from kg.prepared import FILE as PREPARED_FILE
from kg.prepared import Prepared, stem_of
from kg.store import LocalStore, Store, default_location, open_store

#: every report of the store: its graph, IRI, file, township (IRI and label) and year
_REPORTS = """SELECT ?g ?r ?file ?t ?town ?year WHERE {
  GRAPH ?g { ?r a fz:Report
             OPTIONAL { ?r fz:sourceFile ?file } OPTIONAL { ?r fz:year ?year }
             OPTIONAL { ?r fz:township ?t OPTIONAL { ?t rdfs:label ?town } } }
}"""
#: the (entity, name) rows among ?e ?m that some graph of the store still gives
_STILL_NAMED = """SELECT DISTINCT ?e ?m WHERE {{
  VALUES (?e ?m) {{ {rows} }}
  GRAPH ?g {{ {{ ?e rdfs:label ?l }} UNION {{ ?e skos:altLabel ?l }} }}
  FILTER (STR(?l) = ?m)
}}"""


@dataclass(frozen=True)
class Report:
    graph: str
    iri: str
    file: str
    township: str
    township_label: str
    year: str

    @property
    def stem(self) -> str:
        return stem_of(self.graph)


def reports(store: Store) -> list[Report]:
    """Every report in the store (one row a report graph)."""
    out: dict[str, Report] = {}
    for row in store.query(_REPORTS, union=False).rows:
        g, r, file, t, town, year = (x.value if x is not None else "" for x in row)
        out.setdefault(g, Report(g, r, file, t, town, year))
    return sorted(out.values(), key=lambda r: (r.file, r.graph))


def choose(found: list[Report], names: tuple[str, ...], township: str | None,
           year: str | None) -> tuple[list[Report], list[str]]:
    """The reports to delete (every report of each file chosen) and the names
    that matched none."""
    unknown: list[str] = []
    stems: set[str] = set()
    for name in names:
        hit = {r.stem for r in found
               if name in (r.iri, r.graph, r.file, Path(r.file).stem, r.stem)}
        if not hit:
            unknown.append(name)
        stems |= hit
    if township is not None or year is not None:
        hit = {r.stem for r in found
               if (township is None or township in (r.township, r.township_label))
               and (year is None or r.year == year)}
        if not hit:
            unknown.append(" ".join(f"--{k} {v}" for k, v in
                                    (("township", township), ("year", year)) if v is not None))
        stems |= hit
    return [r for r in found if r.stem in stems], unknown


def _still_named(store: Store, candidates: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The candidates some graph of the store still gives."""
    kept: set[tuple[str, str]] = set()
    for start in range(0, len(candidates), 200):
        block = " ".join(f"(<{e}> {_literal(m)})" for e, m in candidates[start:start + 200])
        for row in store.query(_STILL_NAMED.format(rows=block), union=False).rows:
            kept.add((row[0].value, row[1].value))
    return kept


def _triples(store: Store, graphs: list[str]) -> int:
    """How many triples these graphs hold (counted in them: counting the
    whole store reads every quad of it)."""
    n = 0
    for start in range(0, len(graphs), 200):
        values = " ".join(f"<{g}>" for g in graphs[start:start + 200])
        n += int(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                             "GRAPH ?g { ?s ?p ?o } }", union=False).rows[0][0].value)
    return n


def _literal(text: str) -> str:
    """``text`` as a SPARQL string literal (names are matched by their text,
    as the name index keeps them, whatever their language)."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'


def delete_reports(store: Store, chosen: list[Report]) -> dict[str, int]:
    """Remove ``chosen`` from the store and its indexes, in the order of the
    module docstring; returns what went from each."""
    graphs = [r.graph for r in chosen]
    folder = store.path if isinstance(store, LocalStore) else None
    names_before: list[tuple[str, str]] = []
    if folder is not None and (folder / NAMES_FILE).exists():
        for g in graphs:
            text = store.dump("ntriples", graph=g)
            names_before += name_rows(text.decode() if text else "")
    prepared = (Prepared.beside(folder) if folder is not None and (folder / PREPARED_FILE).exists()
                else None)
    why = f"deleting {len(graphs)} report graphs (fazhi-kg delete)"
    try:
        if prepared is not None:
            prepared.mark_stale(why)
            if not prepared.stale():
                raise FazhiError(f"cannot mark the prepared index {prepared.path} stale; "
                                 "nothing was deleted")
        triples = _triples(store, graphs)
        store.drop(graphs)
        removed = 0
        if prepared is not None:
            removed = prepared.remove({r.stem for r in chosen})
            prepared.clear_stale(why)
    finally:
        if prepared is not None:
            prepared.close()
    names_removed = 0
    if names_before:
        candidates = sorted(set(names_before))
        gone = [c for c in candidates if c not in _still_named(store, candidates)]
        index = NameIndex.beside(folder)
        try:
            names_removed = index.remove(gone)
        finally:
            index.close()
    return {"graphs": len(graphs), "triples": triples, "prepared": removed,
            "names": names_removed}


@click.command()
@click.argument("names", nargs=-1, metavar="[FILE|REPORT_IRI]...")
@click.option("--store", "location", metavar="DIR|URL", default=None,
              help="Where the graph is: a folder (embedded Oxigraph) or http://host:port of a "
                   "SPARQL 1.1 store.  Default: $FAZHI_KG_STORE, else ./fazhi-kg-store.")
@click.option("--township", default=None, help="The reports of this township (its name in full, "
                                               "or its IRI); with --year, that year's only.")
@click.option("--year", default=None, help="The reports on this year (with --township, or alone: "
                                           "every township's).")
@click.option("--dry-run", "-n", is_flag=True, help="Only list what would be deleted.")
def delete(names: tuple[str, ...], location: str | None, township: str | None, year: str | None,
           dry_run: bool) -> None:
    """Delete reports from the store and from its indexes.

    Name each report by its file (as ingest read it, e.g. 2023年大集镇.docx, or
    without the suffix) or by its report or graph IRI, or choose them with
    --township and --year.  A file's reports go together.  A name that
    matches no report: one error line, exit code 2, and nothing is deleted.
    """
    if not names and township is None and year is None:
        raise click.UsageError("name the reports to delete (FILE or REPORT_IRI), or give "
                               "--township and/or --year")
    store = open_store(location or default_location(), create=False)
    try:
        found = reports(store)
        chosen, unknown = choose(found, names, township, year)
        if unknown:
            click.echo(f"error: no report in {store.location} matches {', '.join(unknown)}; "
                       "nothing was deleted", err=True)
            sys.exit(2)
        click.echo(render_table(["file", "township", "year", "report"],
                                [[r.file, r.township_label, r.year, r.iri] for r in chosen]))
        if dry_run:
            click.echo(f"would delete {len(chosen)} reports of "
                       f"{len({r.stem for r in chosen})} files (--dry-run: nothing deleted)")
            return
        done = delete_reports(store, chosen)
    finally:
        store.close()
    click.echo(f"deleted {done['graphs']} reports ({done['triples']} triples) from "
               f"{store.location}; {done['prepared']} reports from the prepared index, "
               f"{done['names']} names from the name index")
