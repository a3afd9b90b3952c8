"""A name index beside an embedded store: every entity's names, for search.

Oxigraph has no text index, so "entities with a name containing 宪法" reads
every label of every report graph and decodes each one: 98 s at 40,000
reports, where the store holds 4.9 million label quads.  This index keeps
each entity's distinct names once, in SQLite in the store's folder
(:data:`FILE`); the web search scans those instead.

``fazhi-kg ingest`` adds the names of every file it stores (:meth:`add`);
``fazhi-kg index`` builds the index of a store made without one
(:func:`build`).  Rows are only ever added: a file read again that no longer
names an entity leaves its old names here, and the search drops every hit
the store no longer holds (it looks each one up in the store anyway).
Only the entities the search shows are indexed (:data:`CLASSES`): sections,
sentences and figures have labels too.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreError
from kg.namespace import RDF, RDFS, SKOS
from kg.types import CLASS_TYPES

#: The index's file, inside the store's folder (RocksDB leaves it alone).
FILE = "fazhi-kg-names.sqlite"
#: Classes whose entities are found by name: those the pages show as entities
#: (a live view of kg.types' table: a type added later is indexed too).
CLASSES = CLASS_TYPES.keys()
_LABEL, _ALT, _TYPE = str(RDFS.label), str(SKOS.altLabel), str(RDF.type)
_WANTED = (f"<{_LABEL}>", f"<{_ALT}>", f"<{_TYPE}>")

Row = tuple[str, str]     # entity IRI, one of its names


def rows(text: str, *, quads: bool = False) -> list[Row]:
    """The names of the searchable entities in N-Triples (or N-Quads) text.

    Only the label, other-name and type lines are parsed (by Oxigraph, so
    escapes are read as the format says).  An entity counts when a type
    line in the same text gives it one of :data:`CLASSES`.
    """
    lines = "\n".join(line for line in text.split("\n") if any(p in line for p in _WANTED))
    if not lines:
        return []
    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    typed: set[str] = set()
    names: list[Row] = []
    for t in ox.parse(lines.encode("utf-8"), format=fmt, lenient=True):
        p = t.predicate.value
        if p == _TYPE:
            if t.object.value in CLASSES:
                typed.add(t.subject.value)
        elif isinstance(t.object, ox.Literal) and isinstance(t.subject, ox.NamedNode):
            names.append((t.subject.value, t.object.value))
    return [r for r in names if r[0] in typed]


class NameIndex:
    """The names of one store's entities (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()     # ingest's writer and its bulk-load thread
        try:
            self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")   # the server reads while ingest writes
            # a cache of the store (`fazhi-kg index` builds it again): no sync per file
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS names (entity TEXT NOT NULL, "
                            "name TEXT NOT NULL, PRIMARY KEY (entity, name)) WITHOUT ROWID")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the name index {path}: {exc}; delete it and build "
                             "it again with `fazhi-kg index`") from exc

    @classmethod
    def beside(cls, store_path: str | Path, *, create: bool = True) -> NameIndex | None:
        """The index of the store at ``store_path``; None if it has none and
        ``create`` is false."""
        path = Path(store_path) / FILE
        if not create and not path.exists():
            return None
        return cls(path)

    def add(self, names: Iterable[Row]) -> None:
        """Add (entity, name) rows; those already there are kept once."""
        try:
            with self._lock, self.db:
                self.db.executemany("INSERT OR IGNORE INTO names VALUES (?, ?)", names)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the name index {self.path}: {exc}; the store is "
                             "written; build the index again with `fazhi-kg index`") from exc

    def add_shard(self, path: str | Path) -> None:
        """Add the names in an N-Quads shard (``fazhi-kg load``)."""
        self.add(rows(Path(path).read_text(encoding="utf-8"), quads=True))

    def remove(self, names: Iterable[Row]) -> int:
        """Delete these (entity, name) rows (those of deleted reports that no
        report left in the store still gives); returns how many there were."""
        try:
            with self._lock, self.db:
                before = self.db.total_changes
                self.db.executemany("DELETE FROM names WHERE entity = ? AND name = ?", names)
                return self.db.total_changes - before
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the name index {self.path}: {exc}; build it again "
                             "with `fazhi-kg index`") from exc

    def search(self, q: str, *, limit: int = 200) -> list[tuple[str, str]]:
        """(entity, name) whose name contains ``q``, ASCII case aside: names
        that start with it first, then shorter ones (as the SPARQL search)."""
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._lock:
            found = self.db.execute(
                "SELECT entity, name FROM names WHERE name LIKE ? ESCAPE '\\' "
                "ORDER BY lower(substr(name, 1, length(?))) != lower(?), length(name), name, "
                "entity LIMIT ?", (like, q, q, limit)).fetchall()
        return [(e, n) for e, n in found]

    def containing(self, q: str) -> list[str]:
        """Every entity with a name containing ``q`` exactly (case kept, as
        SPARQL's CONTAINS), sorted: the candidates of the canned search (kg.answers)."""
        return sorted(self.containing_first(q))

    def containing_first(self, q: str) -> dict[str, str]:
        """Entity → the smallest of all its names, for every entity with a name
        containing ``q`` (as :meth:`containing`): its label is one of those
        names, so no label of it sorts before this one (kg.answers' search
        picks its page in that order before looking in the store)."""
        with self._lock:
            found = self.db.execute(
                "SELECT m.entity, (SELECT MIN(n.name) FROM names n WHERE n.entity = m.entity) "
                "FROM (SELECT DISTINCT entity FROM names WHERE instr(name, ?) > 0) m", (q,)
            ).fetchall()
        return dict(found)

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM names").fetchone()[0]

    def close(self) -> None:
        self.db.close()


def _all_names() -> str:
    """The query for every searchable entity's names (made when run: kg.types may gain a type)."""
    return f"""SELECT DISTINCT ?e ?m WHERE {{
  GRAPH ?g {{ {{ ?e <{_LABEL}> ?m }} UNION {{ ?e <{_ALT}> ?m }} ?e a ?c }}
  VALUES ?c {{ {" ".join(f"<{c}>" for c in sorted(CLASSES))} }}
}}"""


def build(store: ox.Store, index: NameIndex, *, batch: int = 50_000) -> int:
    """Fill ``index`` with every searchable entity's names in ``store``;
    returns the rows read (one pass over the store's names)."""
    n, found = 0, []
    for s in store.query(_all_names()):
        found.append((s[0].value, s[1].value))
        if len(found) >= batch:
            index.add(found)
            n, found = n + len(found), []
    index.add(found)
    return n + len(found)
