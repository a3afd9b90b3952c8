"""Taking reports out of a store and out of its indexes (``fazhi-kg delete``,
``POST /upload/delete``).

A report is chosen by its file (the name ingest read, with or without its
suffix), by its report or graph IRI, or by township and year.  A file's
reports go together, as ingest writes and replaces them together: naming one
report of a file that held two removes both (the listing says so).

The order, so that stopping anywhere leaves nothing wrong that a reader
would trust:

1. everything is resolved first: a name that matches no report is an error
   (exit 2) and nothing is removed;
2. the prepared index is marked stale (:data:`STOPPED`): readers answer from
   SPARQL from now on;
3. the report graphs are dropped from the store, in one transaction;
4. the files' rows go from every table of the prepared index (one
   transaction, :meth:`kg.prepared.Prepared.remove`), then the stale mark
   goes: the index is used again;
5. the names no report left in the store gives go from the name index (a
   name left there by a stop before this step only costs the search a
   look-up: it drops hits the store no longer holds);
6. the originals the web's uploads kept of those files go from
   ``STORE/uploads`` (a rebuild from there would bring them back).

Stopped after 2 or 3, the index stays marked stale: run ``fazhi-kg delete``
again (it finds what is left) or ``fazhi-kg index``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.runner import REPORT_SUFFIXES
from kg.errors import FazhiError
from kg.names import FILE as NAMES_FILE
from kg.names import NameIndex
from kg.names import rows as name_rows
from kg.prepared import FILE as PREPARED_FILE
from kg.prepared import Prepared, state
from kg.prepared_rows import stem_key, stem_of
from kg.store import UPLOADS, LocalStore, Store

#: Why the prepared index is stale while a delete runs (and after one that stopped).
STOPPED = "a delete of reports did not finish: run it again, or `fazhi-kg index`"
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
    # an index already stale (a SPARQL update) stays so: its mark is not ours to
    # lift; one left by a delete that stopped is (this one finishes its work)
    ours = prepared is not None and (not prepared.stale() or state(folder) == f"stale: {STOPPED}")
    try:
        if prepared is not None and ours:
            prepared.mark_stale(STOPPED)
            if not prepared.stale():
                raise FazhiError(f"cannot mark the prepared index {prepared.path} stale; "
                                 "nothing was deleted")
        triples = _triples(store, graphs)
        store.drop(graphs)
        removed = 0
        if prepared is not None:
            removed = prepared.remove({r.stem for r in chosen})
            if ours:
                prepared.clear_stale(STOPPED)
    finally:
        if prepared is not None:
            prepared.close()
    names_removed = 0
    if names_before:
        candidates = sorted(set(names_before))
        kept = _still_named(store, candidates)
        gone = [c for c in candidates if c not in kept]
        index = NameIndex.beside(folder)
        try:
            names_removed = index.remove(gone)
        finally:
            index.close()
    uploads = _remove_uploaded(folder, {r.stem for r in chosen}) if folder is not None else 0
    return {"graphs": len(graphs), "triples": triples, "prepared": removed,
            "names": names_removed, "uploads": uploads}


def _remove_uploaded(folder: Path, stems: set[str]) -> int:
    """Delete the originals the web's uploads kept of these files (a rebuild
    from ``STORE/uploads`` would bring the reports back); returns how many."""
    n = 0
    for path in (folder / UPLOADS).glob("*"):
        if (path.is_file() and path.suffix.lower() in REPORT_SUFFIXES
                and stem_key(path.stem) in stems):
            path.unlink()
            n += 1
    return n
