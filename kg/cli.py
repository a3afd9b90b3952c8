"""The ``fazhi-kg`` command: one click group, one function per sub-command.

Every sub-command that touches the graph takes ``--store`` through
:func:`store_option` and opens it with :func:`open_cli_store`.  Errors the
user can act on (:class:`kg.errors.FazhiError`) print as one ``error:`` line
and exit 1, never as a traceback (set ``FAZHI_KG_DEBUG=1`` to see one).
New commands register on :data:`cli` with ``@cli.command()``.
"""
from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ingest.bulk import SHARD_QUADS, Loader, Shards
from ingest.runner import REPORT_SUFFIXES, Outcome, collect_files, process_file  # noqa: F401 (tests, scripts)
from kg import __version__
from kg import names as name_index
from kg import prepared as prepared_index
from kg import settings as settings_mod
from kg.cli_delete import delete
from kg.cli_ingest import IngestOptions, run_ingest
from kg.cli_serve import query, serve
from kg.cli_text import one_line, render_table
from kg.errors import FazhiError
from kg.names import NameIndex
from kg.namespace import ONTOLOGY_GRAPH
from kg.prepared import Prepared
from kg.store import FORMATS, LocalStore, Store, default_location, open_store
from kg.types import TYPES

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns FazhiError into one clear line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FazhiError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, traceback on request
            if os.environ.get("FAZHI_KG_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
                       "(set FAZHI_KG_DEBUG=1 for a traceback)", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="fazhi-kg")
def cli() -> None:
    """Build and query a knowledge graph of 法治政府建设 (rule-of-law government)
    annual reports of Chinese townships."""


def store_option(fn: F) -> F:
    """The ``--store`` option every graph command shares."""
    return click.option(
        "--store", "location", metavar="DIR|URL", default=None,
        help="Where the graph is: a folder (embedded Oxigraph), memory:, or http://host:port "
             "of a SPARQL 1.1 store (…/query and …/update).  "
             "Default: $FAZHI_KG_STORE, else ./fazhi-kg-store.")(fn)


def open_cli_store(location: str | None, *, create: bool = True, shared: bool = False) -> Store:
    """Open the store a command was pointed at (the default if none)."""
    return open_store(location or default_location(), create=create, shared=shared)


# ------------------------------------------------------------------ ingest

@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@store_option
@click.option("--workers", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes for the pipeline (0: one per CPU core).  The store "
                   "is written by this process alone.")
@click.option("--bulk", is_flag=True,
              help="For many new files: extract into N-Quads shards and bulk-load them while "
                   "the workers go on (several times faster than a transaction per file).  "
                   "The shards are kept in STORE.shards until the run completes, so running "
                   "the same command again after an interruption resumes it.")
@click.option("--shards", "shards_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Like --bulk, with the shards in this folder, kept after "
                                 "loading (they are plain N-Quads any triple store can load).")
@click.option("--no-load", is_flag=True,
              help="With --shards: only write the shards; do not touch the store (load them "
                   "later with `fazhi-kg load DIR`, or with another store's bulk loader).")
@click.option("--shard-quads", type=click.IntRange(min=1), default=SHARD_QUADS, show_default=True,
              help="With --bulk/--shards: quads per shard (closed at the next file boundary). "
                   "Larger shards load no faster and take more memory (~1.2 kB a quad).")
@click.option("--resume", is_flag=True,
              help="Skip files the store already holds (by file name) instead of reading "
                   "them again: to finish an interrupted run.")
@click.option("--verbose", "-v", is_flag=True, help="One line per file stored, and warnings.")
@click.option("--max-chars", type=click.IntRange(min=0), default=None,
              help="Most characters of text one file may give; a file giving more fails "
                   "(setting max_text_chars, default 2,000,000; 0: no limit).")
def ingest(paths: tuple[str, ...], location: str | None, workers: int, bulk: bool,
           shards_dir: Path | None, no_load: bool, shard_quads: int, resume: bool,
           verbose: bool, max_chars: int | None) -> None:
    """Read report files (or folders of them) into the store.

    A file read again replaces what it gave before, in one transaction.
    Files that fail are listed one per line; the others go on.  Exit code 1
    if any file failed.  What a file may expand to is limited by the
    settings max_text_chars, max_docx_inflated_mb and ingest_memory_mb.
    """
    options = IngestOptions(workers=workers, bulk=bulk, shards_dir=shards_dir, no_load=no_load,
                            shard_quads=shard_quads, resume=resume, verbose=verbose,
                            max_chars=max_chars)
    if run_ingest(paths, location, options):
        sys.exit(1)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@store_option
def load(folder: Path, location: str | None) -> None:
    """Bulk-load a shard folder written by `ingest --shards DIR --no-load`.

    Shards already loaded (the folder's manifest says which) are skipped, so
    an interrupted load resumes where it stopped.
    """
    t0 = time.perf_counter()
    shards = Shards(folder)
    todo = shards.pending()
    store = open_cli_store(location)
    try:
        if not isinstance(store, LocalStore):
            raise FazhiError("`fazhi-kg load` loads into the embedded store (a folder); for "
                             "another triple store use its own bulk loader on the .nq files")
        store.ensure_ontology()
        names = NameIndex.beside(store.path) if store.path is not None else None
        prepared = Prepared.beside(store.path) if store.path is not None else None
        loader = Loader(store, shards, say=lambda line: click.echo(line, err=True), names=names,
                        prepared=prepared)
        try:
            loader.start()
            loader.finish()
        finally:
            if names is not None:
                names.close()
            if prepared is not None:
                prepared.close()
        total = store.count()
    finally:
        store.close()
    click.echo(f"{len(todo)} shards loaded from {folder} ({len(shards.written) - len(todo)} "
               f"were already), {total} triples in the store, {time.perf_counter() - t0:.1f} s")
    if loader.failed:
        click.echo(f"{len(loader.failed)} files failed", err=True)
        sys.exit(1)


# ------------------------------------------------------------------ export

GRAPH_FORMATS = ("gexf", "graphml", "csv")


@cli.command()
@store_option
@click.option("--format", "fmt", type=click.Choice([*FORMATS, *GRAPH_FORMATS]), default="nquads",
              show_default=True, help="RDF: nquads and trig keep one named graph per report; "
                                      "turtle, ntriples and jsonld merge all graphs.  Graph tools: "
                                      "gexf (Gephi), graphml (Cytoscape, yEd), csv (a zip of "
                                      "nodes.csv and edges.csv).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--view", type=click.Choice(["entities", "bipartite", "similarity", "neighbourhood"]),
              default="entities", show_default=True,
              help="For gexf/graphml/csv: the whole entity graph, township–entity bipartite, "
                   "township–township similarity (Jaccard of laws, systems, activities), or one "
                   "entity's neighbourhood (--entity).")
@click.option("--type", "types", multiple=True, metavar="TYPE",
              help=f"Keep only entities of this type ({' '.join(TYPES)}); repeatable.")
@click.option("--township", default=None, help="Only this township's reports (name).")
@click.option("--county", default=None, help="Only reports of townships of this county (name).")
@click.option("--year", type=int, default=None, help="Only reports on this year.")
@click.option("--entity", default=None, metavar="IRI", help="The centre of --view neighbourhood.")
@click.option("--hops", type=click.IntRange(1, 2), default=1, show_default=True,
              help="Neighbourhood depth.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Similarity view: keep township pairs whose Jaccard overlap is above this.")
def export(location: str | None, fmt: str, output: Path | None, view: str, types: tuple[str, ...],
           township: str | None, county: str | None, year: int | None, entity: str | None,
           hops: int, threshold: float) -> None:
    """Write the graph: RDF with the ontology, or a view for graph tools (Gephi)."""
    store = open_cli_store(location, create=False, shared=True)
    try:
        if fmt in GRAPH_FORMATS:
            _export_view(store, fmt, output, view=view, types=list(types) or None,
                         township=township, county=county, year=year, entity=entity, hops=hops,
                         threshold=threshold)
            return
        if not getattr(store, "read_only", False):
            store.ensure_ontology()   # the installed version's ontology
        elif ONTOLOGY_GRAPH not in store.graphs():
            click.echo("warning: the store has no ontology graph yet and is busy; "
                       "the export lacks the ontology", err=True)
        if output is None:
            data = store.dump(fmt)
            assert data is not None
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        # Write beside the target and rename: a failed export leaves no half file.
        tmp = output.with_name(f".{output.name}.tmp{os.getpid()}")
        try:
            store.dump(fmt, output=tmp)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        store.close()


def _export_view(store: Store, fmt: str, output: Path | None, **options: Any) -> None:
    # kg.export loads networkx (about 0.3 s): only these formats need it
    from kg.export import readable, write_graph

    # a remote store: what the view reads is copied a page at a time into a
    # temporary store on disk, the view made here
    with readable(store) as ox_store:
        if output is None:
            write_graph(ox_store, fmt, sys.stdout.buffer, **options)
            sys.stdout.buffer.flush()
            return
        tmp = output.with_name(f".{output.name}.tmp{os.getpid()}")
        try:
            with tmp.open("wb") as fh:
                write_graph(ox_store, fmt, fh, **options)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------ index

@cli.command()
@store_option
def index(location: str | None) -> None:
    """Build the embedded store's indexes again, from the store.

    Ingest keeps them as it writes: the name index (every entity's names,
    for the web search) and the prepared index (report, figure and count
    rows for the home, entity and township pages and the canned queries).
    Build them here for a store made before there were any, after a SPARQL
    update changed the store, or after files were read again (the name
    index then forgets names no longer used).  Without them the pages
    answer from SPARQL, which is slow on a large store.
    """
    t0 = time.perf_counter()
    store = open_cli_store(location, create=False)
    try:
        if not isinstance(store, LocalStore) or store.path is None:
            raise FazhiError("the indexes are for the embedded store (a folder); use "
                             "--store with a store folder")
        n = _rebuild(store.path, name_index.FILE, NameIndex,
                     lambda index: name_index.build(store.ox, index))
        r = _rebuild(store.path, prepared_index.FILE, Prepared,
                     lambda index: prepared_index.build(store.ox, index))
    finally:
        store.close()
    click.echo(f"{n} names of entities indexed in {store.path / name_index.FILE}, {r} reports "
               f"prepared in {store.path / prepared_index.FILE}, {time.perf_counter() - t0:.1f} s")


def _rebuild(folder: Path, file: str, opener: Callable[[Path], Any],
             build: Callable[[Any], int]) -> int:
    """Build one SQLite index into a new file and put it in place whole (or
    the old one stays): ``opener(path)`` opens it, ``build(index)`` fills it."""
    fresh = folder / (file + ".new")
    for leftover in folder.glob(file + ".new*"):
        leftover.unlink()
    index = opener(fresh)
    try:
        result = build(index)
    finally:
        index.close()         # its WAL goes into the file before the file is moved
    fresh.replace(folder / file)
    for leftover in folder.glob(file + "-*"):
        leftover.unlink()                 # the old index's SQLite journal files
    return result


# ------------------------------------------------------------------ stats

@cli.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def stats(location: str | None, fmt: str) -> None:
    """How many reports, townships, entities by type and triples the store holds."""
    store = open_cli_store(location, create=False, shared=True)
    try:
        info = store.stats()
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    lines = [("store", info["location"]), ("reports", info["reports"]),
             ("report graphs", info["graphs"]), ("townships", info["townships"]),
             ("  not in the gazetteer", info["townships_not_in_gazetteer"]),
             ("  county inferred", info["townships_county_inferred"]),
             ("triples", info["triples"])]
    lines += [(f"  {name}", n) for name, n in info["entities"].items()]
    lines.insert(7, ("entities", ""))
    click.echo(render_table(["", ""], [[str(a), str(b)] for a, b in lines], show_header=False))


# ------------------------------------------------------------------ query

@cli.command("eval")
@click.argument("gold", nargs=-1, required=True, metavar="GOLD...")
@store_option
@click.option("--reports", "reports", multiple=True, metavar="PATH",
              help="Read these report files or folders in this process (into memory:) and "
                   "score that graph instead of a store; repeat for several sets.")
@click.option("--rules", "by_rule", is_flag=True,
              help="Also print, for each rule id, the gold entities it found and the extras it "
                   "made (needs --reports: the graph does not keep rule ids).")
@click.option("--details", is_flag=True, help="List the misses and extras of every part (and, "
              "with --rules, the extras of every rule).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the scores (with misses and extras; with --rules, the rule table "
                   "under \"rules\") to this file.")
def eval_(gold: tuple[str, ...], location: str | None, reports: tuple[str, ...], by_rule: bool,
          details: bool, json_out: Path | None) -> None:
    """Score the graph against gold keys (JSON files or folders of them).

    Precision, recall and F1 per part (reports, each entity type, law-firm
    advisers, indicators), with the misses and extras, by the matching
    rules of the evaluation contract: annotate a few reports of your own in
    the gold format and measure the tool on them.

    With --reports the reports are read afresh in this process; with
    --rules as well, a second table scores each extraction rule
    (data/lexicons/README.md): gold entities found, extras made, and ``!``
    where the extras outnumber the hits.
    """
    # the scoring and the pipeline's rule registry load for eval only (tens of ms)
    from kg import evaluate_rules
    from kg.evaluate import PARTS, evaluate, render  # for eval only, as above

    if by_rule and not reports:
        raise FazhiError("--rules needs the reports themselves (--reports DIR): rule ids are "
                         "kept on the pipeline's mentions, not in the graph")
    if reports and location is not None:
        raise FazhiError("give either --store (score a stored graph) or --reports (read the "
                         "reports now), not both")
    rows = None
    if reports:
        built = evaluate_rules.build(list(reports), say=lambda line: click.echo(line, err=True))
        try:
            parts, rows = evaluate_rules.score(built, list(gold))
        finally:
            built.store.close()
    else:
        store = open_cli_store(location, create=False, shared=True)
        try:
            parts = evaluate(store, list(gold))
        finally:
            store.close()
    click.echo(render(parts, details=details))
    if by_rule and rows is not None:
        click.echo("")
        click.echo(evaluate_rules.render(rows, details=details))
    if json_out is not None:
        out: dict = {p: parts[p].to_dict() for p in PARTS}
        if by_rule and rows is not None:
            out["rules"] = [r.to_dict() for r in rows]
        json_out.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")


# ------------------------------------------------------------------ settings

@cli.command("settings")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="text: each setting with its value, default and help; "
                                      "json: the same as /settings.json; markdown: the README's "
                                      "tables.")
@click.option("--readme", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Write the settings tables of this README again, between "
                                 "their markers (<!-- settings:PART begin … -->).")
def settings_(fmt: str, readme: Path | None) -> None:
    """Every setting: its value here (FAZHI_KG_<NAME> or the default), default and help.

    A token's value is never printed, only whether it is set.
    """
    if readme is not None:
        text = readme.read_text(encoding="utf-8")
        fresh = settings_mod.with_tables(text)
        if fresh != text:
            readme.write_text(fresh, encoding="utf-8")
        click.echo(f"{readme}: settings tables {'rewritten' if fresh != text else 'up to date'}",
                   err=True)
        return
    if fmt == "markdown":
        parts = sorted({s.part for s in settings_mod.SETTINGS})
        click.echo("\n".join(settings_mod.markdown(part) for part in parts), nl=False)
        return
    values = settings_mod.load()
    if fmt == "json":
        click.echo(json.dumps(settings_mod.describe(values), ensure_ascii=False, indent=1))
        return
    for s in settings_mod.SETTINGS:
        default = s.shown_default.strip("`") or s.show(s.default).strip("`")
        click.echo(f"{s.name} = {s.show(values[s.name]).strip('`')}  "
                   f"(default {default}; {s.env})")
        click.echo(textwrap.fill(s.help, width=88, initial_indent="    ",
                                 subsequent_indent="    "))


# ``query`` takes a canned query's name or SPARQL text (kg/cli_serve.py)
cli.add_command(serve)
cli.add_command(query)
cli.add_command(delete)


def main() -> None:
    """Entry point of the ``fazhi-kg`` console script."""
    cli(prog_name="fazhi-kg")


if __name__ == "__main__":
    main()
