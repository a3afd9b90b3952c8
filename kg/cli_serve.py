"""``fazhi-kg serve`` and ``fazhi-kg query``: the service and canned queries from the shell.

Registered on the main group in kg/cli.py (``cli.add_command``).

``serve`` runs :func:`server.create_app` on waitress; a store that does not
exist yet is first built from the bundled reports (:func:`kg.cli_ingest.run_ingest`,
as ``fazhi-kg ingest`` does), so ``pip install . && fazhi-kg serve`` shows a
working service.  ``query`` runs a canned query by name (``queries/*.rq``)
or any SPARQL text or file, in this process, on the store read-only.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from kg import settings as settings_mod
from kg.cli_ingest import run_ingest
from kg.cli_text import read_query_text, render_answer
from kg.cli_text import render_table as text_table
from kg.errors import FazhiError
from kg.names import NameIndex
from kg.paths import data_dir
from kg.prepared import Prepared as Tables
from kg.prepared import state
from kg.store import default_location, open_store, term_json


def _fail(exc: BaseException) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def _store_missing(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def build_default_store(path: Path) -> None:
    """Build a store at ``path`` from the bundled reports, as ``fazhi-kg ingest`` does."""
    reports = data_dir() / "reports"
    click.echo(f"no store at {path}: building it from {reports} …", err=True)
    if run_ingest([str(reports)], str(path)) and _store_missing(path):
        # a file that fails leaves the others in; only no store at all stops serve
        raise FazhiError(f"could not build the store at {path} (setting store / --store)")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--store", "store_path", default=None,
              help="Store folder, or the URL of a remote SPARQL store (setting store; default "
                   "$FAZHI_KG_STORE or ./fazhi-kg-store).")
@click.option("--threads", default=None, type=int, help="HTTP threads (setting threads).")
def serve(host: str, port: int, store_path: str | None, threads: int | None) -> None:
    """Run the web service (SPARQL endpoint, canned queries, pages) on waitress."""
    # the web stack (flask, waitress: about 0.3 s to import) only for serve
    import waitress

    from server import create_app  # flask, for serve only (as waitress above)

    try:
        config: dict[str, Any] = {}
        if store_path:
            config["store"] = store_path
        values = settings_mod.load(config)
        path = Path(values["store"]).expanduser()
        remote = str(values["store"]).startswith(("http://", "https://", "query="))
        if not remote and _store_missing(path):
            build_default_store(path)
        app = create_app(config)
    except FazhiError as exc:
        _fail(exc)
        return
    click.echo(f"fazhi-kg: serving {values['store'] if remote else path} on http://{host}:{port}/ "
               f"(SPARQL at /sparql, canned queries at /queries)", err=True)
    if remote:
        click.echo("fazhi-kg: the remote store answers the queries (no query workers here); "
                   "SERVICE and LOAD are refused by the parser", err=True)
    else:
        click.echo(isolation_line(app.extensions["fazhi_kg"].engine.isolation), err=True)
        prepared_line = unprepared_line(app.extensions["fazhi_kg"].engine.path)
        if prepared_line:
            click.echo(prepared_line, err=True)
    accept_raw_utf8_uris()
    # lookahead: waitress then notices a client that hangs up while its
    # query runs (environ['waitress.client_disconnected']), and the worker is freed
    waitress.serve(app, host=host, port=port, threads=threads or values["threads"],
                   ident="fazhi-kg", clear_untrusted_proxy_headers=True,
                   channel_request_lookahead=1)


def unprepared_line(path: Path | None) -> str:
    """What serve says once when the embedded store has no usable prepared
    index ("" when it has one, or the store is remote)."""
    if path is None:
        return ""
    st = state(path)
    if st == "ready":
        return ""
    why = "it has none (made by an older version)" if st == "missing" else st
    return (f"fazhi-kg: the store's prepared index is not used: {why}; the home, entity and "
            f"township pages answer from SPARQL, slowly on a large store; run `fazhi-kg index "
            f"--store {path}` to prepare its tables")


def accept_raw_utf8_uris() -> None:
    """Let waitress take request lines with raw UTF-8 (``?q=律师事务所``).

    curl and many scripts send Chinese in a URL unencoded; waitress's
    ``split_uri`` splits the bytes as ASCII and answers 400 Bad URI.  Bytes
    above 0x7F are percent-encoded first, which is what a browser would have
    sent, so the application sees the same text either way.
    """
    from waitress import parser  # the web stack, only for serve (see serve)

    if getattr(parser.split_uri, "accepts_utf8", False):
        return
    plain = parser.split_uri

    def split_uri(uri: bytes):
        return plain(re.sub(rb"[\x80-\xff]", lambda m: b"%%%02X" % m[0][0], uri))

    split_uri.accepts_utf8 = True  # type: ignore[attr-defined]
    parser.split_uri = split_uri


def isolation_line(reason: str | None) -> str:
    """The one start-up line saying whether query workers can reach the network."""
    if reason is None:
        return "fazhi-kg: query workers have no network (a network namespace of their own)"
    return (f"fazhi-kg: warning: query workers CAN reach the network ({reason}); SERVICE and "
            "LOAD are refused by the parser only")


# ----------------------------------------------------------------- query

def _params(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise FazhiError(f"--param '{item}': write it as name=value")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def render_table(columns: list[str], rows: list[list[Any]], cell: int = 40) -> str:
    """An aligned text table (CJK counted double width), cells clipped to ``cell``."""
    # kg.web.canned loads flask (about 0.3 s): only a table on the terminal needs it
    from kg.web.canned import short

    texts = [[short(v) if v is not None else "" for v in row] for row in rows]
    return text_table(columns, texts, cell=cell).rstrip("\n")


def _runner(store: Any, max_rows: int):
    """A kg.queries runner on a kg.store store (embedded or remote): SPARQL
    JSON results of at most ``max_rows`` rows, as the web's engine gives."""

    def run(checked: Any, *, fmt: str = "json", substitutions: dict | None = None) -> Any:
        try:
            answer = store.query(checked.text, substitutions=substitutions or None)
        except SyntaxError as exc:
            raise FazhiError(f"malformed query: {exc}") from None
        rows = [{v: term_json(t) for v, t in zip(answer.variables, row) if t is not None}
                for row in answer.rows[:max_rows]]
        doc = {"head": {"vars": list(answer.variables)}, "results": {"bindings": rows},
               "truncated": len(answer.rows) > max_rows}
        return SimpleNamespace(body=json.dumps(doc), elapsed_ms=0.0)
    return run


def _prepared(location: str) -> Any:
    """The prepared data beside an embedded store's folder, or None."""
    # kg.answers brings the SPARQL layer (kg.sparql, kg.canned: about 25 ms),
    # which every command's start-up would load; only query and serve need it
    from kg.answers import Prepared

    if "://" in location or not Path(location).is_dir():
        return None
    names = NameIndex.beside(location, create=False)
    tables = Tables.beside(location, create=False)
    return Prepared(names=names, tables=tables) if names or tables else None


@click.command()
@click.argument("name_or_sparql", metavar="NAME|SPARQL_TEXT_OR_FILE")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of a canned query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Canned query: a table, JSON records or CSV.  SPARQL: "
              "as `fazhi-kg query` always did (SPARQL JSON/CSV results; Turtle, JSON-LD or "
              "N-Triples for CONSTRUCT).")
@click.option("--store", "location", metavar="DIR|URL", default=None,
              help="Where the graph is: a folder, memory:, or http://host:port of a SPARQL 1.1 "
                   "store.  Default: $FAZHI_KG_STORE, else ./fazhi-kg-store.")
@click.option("--max-rows", type=int, default=None, help="Most rows (setting max_rows).")
@click.option("--page-size", type=int, default=None,
              help="Canned query: only this many rows (1-1000) from --offset; default every row.")
@click.option("--offset", type=int, default=None, help="Canned query: the first row given "
              "(counted from 0; with --page-size).")
@click.option("--no-index", is_flag=True, help="Canned query: answer by its SPARQL even where "
              "the store's prepared index could (kg.answers).")
def query(name_or_sparql: str, params: tuple[str, ...], fmt: str, location: str | None,
          max_rows: int | None, page_size: int | None, offset: int | None,
          no_index: bool) -> None:
    """Run a canned query by NAME (queries/*.rq, listed at /queries), or SPARQL text,
    a .rq file, or - for standard input.

    \b
      fazhi-kg query law_firm_advisers --param county=云阳县
      fazhi-kg query compare_metric -p metric=调解 --format csv
      fazhi-kg query 'SELECT ?r WHERE { ?r a fz:Report }'
    """
    # the canned queries (and PyYAML, tens of ms) load for this command only,
    # not at every start of the command line
    from kg import queries as queries_mod

    try:
        canned = queries_mod.named(name_or_sparql)
        if canned is None:
            if params:
                raise FazhiError(f"'{name_or_sparql[:40]}' is not a canned query, so --param "
                                 "does not apply (canned queries: "
                                 f"{', '.join(queries_mod.names())})")
            text = read_query_text(name_or_sparql)
            with open_store(location or default_location(), create=False, shared=True) as store:
                answer = store.query(text)
            click.echo(render_answer(answer, fmt), nl=False)
            return
        limit = max_rows or settings_mod.load()["max_rows"]
        given = _params(params)
        page = queries_mod.Page(0, None)
        if page_size is not None or offset is not None:
            page = queries_mod.page_of({"page_size": "" if page_size is None else str(page_size),
                                        "offset": "" if offset is None else str(offset)},
                                       queries_mod.MAX_PAGE_SIZE)
        where = str(location or default_location())
        prepared = None if no_index else _prepared(where)
        try:
            with open_store(where, create=False, shared=True) as store:
                table = queries_mod.run(canned, given, _runner(store, limit),
                                        lateral=store.lateral, index=prepared)
        finally:
            if prepared is not None:
                prepared.close()
        table = queries_mod.paged(table, page)
    except FazhiError as exc:
        _fail(exc)
        return
    if fmt == "json":
        doc = {"query": canned.name, "columns": table.columns, "rows": table.records(),
               "truncated": table.truncated, "offset": table.offset, "total_rows": table.total,
               "more": table.more, "answered_from": table.source}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        sys.stdout.write(table.to_csv())
    else:
        click.echo(render_table(table.columns, table.values()))
        more = f", rows {table.offset + 1}-{table.offset + len(table.rows)} of {table.total}" \
            if table.more or table.offset else ""
        click.echo(f"({len(table.rows)} rows{more}{', truncated at max_rows' if table.truncated else ''}"
                   f"{', from the prepared index' if table.source == 'index' else ''})", err=True)
