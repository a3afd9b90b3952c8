"""``/export/graph.<format>``: the graph views of kg.export over HTTP.

``/export/graph.gexf?view=similarity&county=云阳县`` answers what
``fazhi-kg export --format gexf --view similarity --county 云阳县`` writes.
Options: ``view`` (entities, bipartite, similarity, neighbourhood), ``type``
(repeatable), ``township``, ``county``, ``year``, ``entity``, ``hops``,
``threshold`` (similarity).  An unfiltered export of a national graph takes
minutes: analysts filter by county or year here, and use the CLI for all.
On a remote store, what the views read is first copied a page at a time
into a temporary store on disk (:func:`kg.export.readable`).
"""
from __future__ import annotations

import io

import pyoxigraph as ox
from flask import Blueprint, Response, request

from kg.errors import QueryError
from kg.web import service

bp = Blueprint("exports", __name__)


@bp.route("/export/graph.<fmt>")
def graph_file(fmt: str) -> Response:
    # kg.export loads networkx (about 0.3 s): for a graph download only, not at server start
    from kg.export import MEDIA_TYPES, readable, write_graph

    if fmt not in MEDIA_TYPES:
        raise QueryError(f"unknown export format '{fmt}' (use {', '.join(MEDIA_TYPES)})", status=404)
    args = request.args
    try:
        year = int(args["year"]) if args.get("year") else None
        hops = int(args.get("hops", 1))
        threshold = float(args.get("threshold", 0) or 0)
    except ValueError:
        raise QueryError("parameters year and hops must be whole numbers, threshold a number "
                         "between 0 and 1") from None
    if not 0 <= threshold <= 1:
        raise QueryError("parameter threshold must be between 0 and 1")
    if hops not in (1, 2):
        raise QueryError("parameter hops must be 1 or 2")
    media, ext = MEDIA_TYPES[fmt]
    out = io.BytesIO()
    remote = getattr(service().engine, "store", None)     # kg.remote_engine.RemoteEngine
    store = remote if remote is not None else ox.Store.read_only(str(service().settings["store"]))
    try:
        with readable(store) as st:
            write_graph(st, fmt, out, view=args.get("view", "entities"),
                        types=args.getlist("type") or None, township=args.get("township") or None,
                        county=args.get("county") or None, year=year,
                        entity=args.get("entity") or None, hops=hops, threshold=threshold)
    finally:
        del store
    resp = Response(out.getvalue(), content_type=media)
    resp.headers["Content-Disposition"] = f'attachment; filename="fazhi-kg-{args.get("view", "entities")}.{ext}"'
    return resp
