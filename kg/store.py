"""Where the graph lives.  (First cut: embedded Oxigraph and in-memory.)"""
from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreError
from kg.namespace import ONTOLOGY_GRAPH
from kg.paths import package_dir

DEFAULT_STORE = "fazhi-kg-store"


def default_location() -> str:
    return os.environ.get("FAZHI_KG_STORE", DEFAULT_STORE)


class Store:
    """An Oxigraph store, on disk (``path``) or in memory (``path=None``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        try:
            self.ox = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        self.path = path

    def replace(self, source_prefix: str, graphs: dict[str, str]) -> None:
        """Atomically drop a file's old report graphs and insert the new ones."""
        drops = [f"DROP SILENT GRAPH <{g.value}> ;" for g in self.ox.named_graphs()
                 if g.value.startswith(source_prefix)]
        inserts = [f"INSERT DATA {{ GRAPH <{g}> {{\n{nt}\n}} }} ;" for g, nt in graphs.items()]
        body = "\n".join(drops + inserts).rstrip(" ;")
        if body:
            self.ox.update(body)

    def ensure_ontology(self) -> None:
        ttl = (package_dir() / "ontology.ttl").read_bytes()
        self.ox.update(f"DROP SILENT GRAPH <{ONTOLOGY_GRAPH}>")
        self.ox.load(ttl, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        return self.ox.dump(format=fmt)

    def count(self) -> int:
        return len(self.ox)
