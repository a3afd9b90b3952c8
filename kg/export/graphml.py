"""GraphML, for Cytoscape, yEd, igraph and networkx.

networkx's GraphML writer is standard-conforming, so it is used as it is;
this module only adds the presentation attributes GraphML has no element
for — ``color`` ("#rrggbb", from :mod:`kg.style`) and ``size`` (by degree) —
as ordinary node data, which Cytoscape maps with a passthrough mapping.
"""
from __future__ import annotations

from typing import BinaryIO

import networkx as nx

from kg.export.gexf import node_size
from kg.style import type_color


def styled(g: nx.Graph) -> nx.Graph:
    """A copy of ``g`` whose nodes also carry ``color`` and ``size``."""
    h = g.copy()
    for v, d in h.nodes(data=True):
        d["color"] = type_color(d.get("type"))
        d["size"] = node_size(g.degree(v))
    return h


def write_graphml(g: nx.Graph, out: BinaryIO) -> None:
    """Write ``g`` as GraphML (UTF-8) to ``out``; edge ids are kept."""
    h = styled(g)
    # multigraph keys ("e12") become GraphML edge ids; simple graphs carry an id attribute
    nx.write_graphml_lxml(h, out, encoding="utf-8", prettyprint=False,
                          edge_id_from_attribute=None if h.is_multigraph() else "id")


__all__ = ["styled", "write_graphml"]
