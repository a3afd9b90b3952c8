"""GEXF 1.3, the format Gephi and Gephi Lite read natively.

Written by hand, not with ``networkx.write_gexf``: networkx's output does not
validate against the published GEXF 1.3 schema (it adds ``name`` on
``<graph>`` and a malformed ``xsi:schemaLocation``, and puts viz elements
where the RELAX NG schema does not expect them).  This writer streams
strings — a national graph has a million nodes, and building an lxml tree
for it would need several times the memory — and escapes every value, so
the output validates against ``gexf.rng`` (tests check it).

Presentation follows :mod:`kg.style`: ``viz:color`` and ``viz:shape`` by
entity type (the rows of :mod:`kg.types`), ``viz:size`` by degree, and a
deterministic ``viz:position`` (from a hash of the id) because Gephi Lite and
sigma.js need coordinates to draw anything before a layout runs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Iterable
from typing import BinaryIO

import networkx as nx

from kg.export.views import EDGE_ATTRS, NODE_ATTRS
from kg.style import rgb, type_color, type_shape

GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"

# characters XML 1.0 forbids, even escaped
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                      "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def esc(value: object) -> str:
    """An attribute value, escaped (and stripped of characters XML forbids)."""
    return _BAD_XML.sub("", str(value)).translate(_ESC)


def _token(value: object) -> str:
    """A value of type xs:token (labels): no leading/trailing/double spaces."""
    return " ".join(str(value).split())


def _xml_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    return "string"


def attribute_schema(items: Iterable[dict], preferred: dict[str, str],
                     skip: set[str]) -> dict[str, str]:
    """Attribute name → type over all nodes (or edges): preferred ones first."""
    seen: dict[str, str] = {}
    for data in items:
        for k, v in data.items():
            if k not in seen and k not in skip:
                seen[k] = _xml_type(v)
    ordered = {k: seen[k] for k in preferred if k in seen}
    ordered.update((k, t) for k, t in seen.items() if k not in ordered)
    return ordered


def node_size(degree: int) -> float:
    """Size by degree, compressed so hubs do not hide everything else."""
    return round(4.0 + 4.0 * math.log2(1 + degree), 3)


def _position(node_id: str, spread: float) -> tuple[float, float]:
    h = hashlib.blake2b(node_id.encode(), digest_size=8).digest()
    return (round((int.from_bytes(h[:4]) / 2**32 - 0.5) * spread, 2),
            round((int.from_bytes(h[4:]) / 2**32 - 0.5) * spread, 2))


def edge_id(g: nx.Graph, u, v, k, data: dict, i: int) -> str:
    """The edge's id: its key in a multigraph, its ``id`` attribute, or e<i>."""
    if g.is_multigraph() and isinstance(k, str):
        return k
    return str(data.get("id", f"e{i}"))


def edges_with_ids(g: nx.Graph):
    """(id, source, target, data) for every edge, ids unique."""
    if g.is_multigraph():
        it = g.edges(keys=True, data=True)
    else:
        it = ((u, v, None, d) for u, v, d in g.edges(data=True))
    for i, (u, v, k, d) in enumerate(it):
        yield edge_id(g, u, v, k, d, i), u, v, d


def write_gexf(g: nx.Graph, out: BinaryIO, *, description: str = "",
               buffer_lines: int = 5000) -> None:
    """Write ``g`` (a view from :mod:`kg.export.views`) as GEXF 1.3 to ``out``."""
    node_attrs = attribute_schema((d for _, d in g.nodes(data=True)), NODE_ATTRS, {"label"})
    edge_attrs = attribute_schema((d for _, _, d in g.edges(data=True)), EDGE_ATTRS,
                                  {"weight", "id"})
    directed = g.is_directed()
    buf: list[str] = []

    def put(line: str) -> None:
        buf.append(line)
        if len(buf) >= buffer_lines:
            out.write("".join(buf).encode("utf-8"))
            buf.clear()

    put('<?xml version="1.0" encoding="UTF-8"?>\n')
    put(f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{VIZ_NS}" version="1.3">\n')
    put(f'  <meta lastmodifieddate="{dt.date.today().isoformat()}">\n'
        f'    <creator>fazhi-kg</creator>\n'
        f'    <description>{esc(description)}</description>\n  </meta>\n')
    put(f'  <graph defaultedgetype="{"directed" if directed else "undirected"}">\n')
    for cls, schema in (("node", node_attrs), ("edge", edge_attrs)):
        put(f'    <attributes class="{cls}">\n')
        for k, t in schema.items():
            put(f'      <attribute id="{esc(k)}" title="{esc(k)}" type="{t}"/>\n')
        put('    </attributes>\n')

    spread = 100.0 * math.sqrt(max(g.number_of_nodes(), 1))
    degree: Callable = g.degree
    put(f'    <nodes count="{g.number_of_nodes()}">\n')
    for v, d in g.nodes(data=True):
        sid = str(v)
        label = _token(d.get("label") or sid)
        r, gr, b = rgb(type_color(d.get("type")))
        x, y = _position(sid, spread)
        vals = "".join(f'<attvalue for="{esc(k)}" value="{esc(_fmt(d[k]))}"/>'
                       for k in node_attrs if k in d and d[k] != "")
        put(f'      <node id="{esc(sid)}" label="{esc(label)}"><attvalues>{vals}</attvalues>'
            f'<viz:color r="{r}" g="{gr}" b="{b}"/><viz:size value="{node_size(degree(v))}"/>'
            f'<viz:shape value="{type_shape(d.get("type"))}"/>'
            f'<viz:position x="{x}" y="{y}" z="0.0"/></node>\n')
    put('    </nodes>\n')
    put(f'    <edges count="{g.number_of_edges()}">\n')
    for eid, u, v, d in edges_with_ids(g):
        vals = "".join(f'<attvalue for="{esc(k)}" value="{esc(_fmt(d[k]))}"/>'
                       for k in edge_attrs if k in d and d[k] != "")
        label = f' label="{esc(_token(d["relation"]))}"' if d.get("relation") else ""
        put(f'      <edge id="{esc(eid)}" source="{esc(u)}" target="{esc(v)}"{label}'
            f' weight="{float(d.get("weight", 1.0))!r}"><attvalues>{vals}</attvalues></edge>\n')
    put('    </edges>\n  </graph>\n</gexf>\n')
    out.write("".join(buf).encode("utf-8"))


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["GEXF_NS", "VIZ_NS", "edges_with_ids", "node_size", "write_gexf"]
