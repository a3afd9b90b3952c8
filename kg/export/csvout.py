"""CSV: nodes.csv and edges.csv in one zip, for pandas and Gephi's spreadsheet import.

Both files are UTF-8 *with a byte-order mark* so that Excel opens Chinese
text correctly (without it Excel guesses the ANSI code page and shows
mojibake); pandas reads them with ``encoding="utf-8-sig"`` (plain
``"utf-8"`` keeps the BOM in the first column name).  Column names follow
Gephi's import wizard: nodes ``Id, Label, …``; edges ``Source, Target,
Type, Id, Label, Weight, …``.
"""
from __future__ import annotations

import csv
import io
import zipfile
from typing import BinaryIO

import networkx as nx

from kg.export.gexf import attribute_schema, edges_with_ids, node_size
from kg.export.views import EDGE_ATTRS, NODE_ATTRS
from kg.style import type_color


def _table(rows_header: list[str], rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(rows_header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def nodes_csv(g: nx.Graph) -> bytes:
    """The nodes table (UTF-8 with BOM)."""
    cols = list(attribute_schema((d for _, d in g.nodes(data=True)), NODE_ATTRS, {"label"}))
    rows = ([v, d.get("label", v), *(d.get(c, "") for c in cols),
             type_color(d.get("type")), node_size(g.degree(v))]
            for v, d in g.nodes(data=True))
    return _table(["Id", "Label", *cols, "color", "size"], rows)


def edges_csv(g: nx.Graph) -> bytes:
    """The edges table (UTF-8 with BOM)."""
    cols = list(attribute_schema((d for _, _, d in g.edges(data=True)), EDGE_ATTRS,
                                 {"weight", "id", "relation"}))
    kind = "Directed" if g.is_directed() else "Undirected"
    rows = ([u, v, kind, eid, d.get("relation", ""), d.get("weight", 1.0),
             *(d.get(c, "") for c in cols)]
            for eid, u, v, d in edges_with_ids(g))
    return _table(["Source", "Target", "Type", "Id", "Label", "Weight", *cols], rows)


def write_csv_zip(g: nx.Graph, out: BinaryIO) -> None:
    """A zip holding nodes.csv and edges.csv, both UTF-8 with BOM (Excel-safe)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("nodes.csv", nodes_csv(g))
        z.writestr("edges.csv", edges_csv(g))


__all__ = ["edges_csv", "nodes_csv", "write_csv_zip"]
