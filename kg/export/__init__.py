"""Exports of the entity graph for graph tools: GEXF (Gephi), GraphML, CSV.

The one entry point the CLI and the web service call::

    export_graph(store, "gexf", view="entities", county="云阳县", year=2023) -> bytes

``write_graph`` does the same into a binary file object (the CLI writing a
national graph to disk should use it: the bytes are not held twice).
Both read an embedded store; ``with readable(store) as st`` gives one for a
remote store too (what the views read, copied a page at a time to disk).

Formats: ``gexf`` (GEXF 1.3; Gephi, Gephi Lite, graphology), ``graphml``
(Cytoscape, yEd, igraph), ``csv`` (a zip of nodes.csv + edges.csv, UTF-8
with BOM so Excel shows Chinese; Gephi's spreadsheet import, pandas).
Views and filters: see :mod:`kg.export.views` and :mod:`kg.export.graph`.
"""
from __future__ import annotations

import io
from typing import BinaryIO

import networkx as nx

from kg.errors import SettingError
from kg.export.csvout import write_csv_zip
from kg.export.gexf import write_gexf
from kg.export.graph import KGraph, read_store, readable
from kg.export.graphml import write_graphml
from kg.export.similarity import MAX_PAIRS
from kg.export.views import VIEWS, build_view

FORMATS = ("gexf", "graphml", "csv")
#: Format → (media type, file extension), for HTTP responses and file names.
MEDIA_TYPES = {
    "gexf": ("application/gexf+xml", "gexf"),
    "graphml": ("application/graphml+xml", "graphml"),
    "csv": ("application/zip", "zip"),
}


def graph_view(store, *, view: str = "entities", types=None, township=None, county=None,
               year=None, entity: str | None = None, hops: int = 1, threshold: float = 0.0,
               max_pairs: int = MAX_PAIRS) -> nx.Graph:
    """The chosen view of the store's entity graph, as a networkx graph."""
    if view not in VIEWS and view != "neighborhood":
        raise SettingError(f"unknown view '{view}' (views: {', '.join(VIEWS)})")
    kg: KGraph = read_store(store, township=township, county=county, year=year)
    return build_view(kg, view, types=types, entity=entity, hops=hops, threshold=threshold,
                      max_pairs=max_pairs)


def write_graph(store, fmt: str, out: BinaryIO, **options) -> nx.Graph:
    """Export into ``out``; returns the networkx view that was written."""
    if fmt not in FORMATS:
        raise SettingError(f"unknown export format '{fmt}' (formats: {', '.join(FORMATS)})")
    g = graph_view(store, **options)
    if fmt == "gexf":
        desc = "fazhi-kg " + ", ".join(f"{k}={v}" for k, v in options.items() if v is not None)
        write_gexf(g, out, description=desc)
    elif fmt == "graphml":
        write_graphml(g, out)
    else:
        write_csv_zip(g, out)
    return g


def export_graph(store, fmt: str, *, view: str = "entities", types=None, township=None,
                 county=None, year=None, entity: str | None = None, hops: int = 1,
                 threshold: float = 0.0, max_pairs: int = MAX_PAIRS) -> bytes:
    """The store's entity graph as a file for graph tools, in memory.

    ``store``: a ``pyoxigraph.Store`` (or ``kg.store.Store``).
    ``fmt``: ``gexf`` | ``graphml`` | ``csv`` (a zip of nodes.csv and
    edges.csv, UTF-8 with BOM so Excel opens Chinese correctly).
    ``view``: ``entities`` | ``bipartite`` | ``similarity`` | ``neighbourhood``.
    ``types``: entity types to keep (镇, 机构, … or township, org, …; a list
    or a comma-separated string); for ``similarity`` the types the overlap
    is measured over (default 法律, 制度, 活动).
    ``township``/``county``: IRI or label (or several); ``year``: int(s) —
    keep what those reports state.  ``entity``/``hops`` (1 or 2): the centre
    of ``neighbourhood``.  ``threshold``: similarity edges need Jaccard >
    threshold; ``max_pairs`` caps their number (SettingError beyond it).

    Raises :class:`kg.errors.SettingError` for a bad option and
    :class:`kg.errors.QueryError` (status 404) for an unknown place or entity.
    """
    out = io.BytesIO()
    write_graph(store, fmt, out, view=view, types=types, township=township, county=county,
                year=year, entity=entity, hops=hops, threshold=threshold, max_pairs=max_pairs)
    return out.getvalue()


__all__ = ["FORMATS", "MEDIA_TYPES", "VIEWS", "export_graph", "graph_view", "readable",
           "write_graph"]
