"""The ``fazhi-kg`` command: one click group, one function per sub-command.

Every sub-command that touches the graph takes ``--store`` through
:func:`store_option` and opens it with :func:`open_cli_store`.  Errors the
user can act on (:class:`kg.errors.FazhiError`) print as one ``error:`` line
and exit 1, never as a traceback (set ``FAZHI_KG_DEBUG=1`` to see one).
New commands register on :data:`cli` with ``@cli.command()``.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from kg import __version__
from kg.errors import FazhiError, StageError
from kg.namespace import ONTOLOGY_GRAPH, PREFIXES
from kg.store import FORMATS, Answer, Store, default_location, open_store

#: what a folder walk picks up (files named explicitly are tried whatever they are)
REPORT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns FazhiError into one clear line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FazhiError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, traceback on request
            if os.environ.get("FAZHI_KG_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {_one_line(str(exc))} "
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


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# ------------------------------------------------------------------ ingest

@dataclass
class Outcome:
    """What processing one file gave (crosses the process boundary)."""

    path: str
    graphs: dict[str, str] = field(default_factory=dict)
    reports: int = 0
    triples: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def process_file(path: str) -> Outcome:
    """Run the pipeline on one file; never raises (errors become ``error``)."""
    from ingest import pipeline

    try:
        doc = pipeline.run(Path(path))
    except StageError as exc:
        if isinstance(exc.cause, FazhiError):
            msg = str(exc.cause)
            return Outcome(path, error=msg if path in msg else f"{path}: {msg}")
        return Outcome(path, error=f"internal error in stage {exc.stage} on {path}: "
                                   f"{type(exc.cause).__name__}: {exc.cause}")
    except FazhiError as exc:
        msg = str(exc)
        return Outcome(path, error=msg if path in msg else f"{path}: {msg}")
    except Exception as exc:  # outside any stage: still one line, still named
        return Outcome(path, error=f"internal error in stage pipeline on {path}: "
                                   f"{type(exc).__name__}: {exc}")
    return Outcome(path, graphs=doc.graphs, reports=len(doc.reports),
                   triples=doc.triple_count, warnings=list(doc.warnings))


def _init_worker() -> None:
    """Each worker loads jieba's user lexicon itself (see ingest.segment)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
    from ingest import segment

    segment.setup()


def collect_files(paths: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """Files to ingest, and one problem line per path that cannot be used.

    Folders are walked recursively for report files (hidden and Office
    lock files skipped); files named explicitly are kept whatever their
    extension.  Two files with one stem would share graph names: the
    second is refused, not silently overwritten.
    """
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES
                and not f.name.startswith((".", "~$")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(f"{raw}: no such file or folder")
    seen: dict[str, Path] = {}
    unique: list[Path] = []
    for f in files:
        first = seen.setdefault(f.stem, f)
        if first is f:
            unique.append(f)
        elif first.resolve() != f.resolve():
            problems.append(f"{f}: skipped: same name as {first} (graphs are named after the "
                            "file name; rename one of them)")
    return unique, problems


def _outcomes(files: list[Path], workers: int) -> Iterator[Outcome]:
    """Process files in this process or a pool, yielding as each finishes."""
    if workers <= 1:
        for f in files:
            yield process_file(str(f))
        return
    # forkserver: workers do not inherit the parent's open store or threads;
    # the server preloads ingest.warm, so each worker is a fork that already
    # holds jieba's dictionary, the lexicons and the gazetteers.
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["ingest.warm"])
    else:
        ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)
    try:
        todo = iter(files)
        pending: dict[Future[Outcome], Path] = {}

        def submit() -> None:
            nxt = next(todo, None)
            if nxt is not None:
                pending[pool.submit(process_file, str(nxt))] = nxt

        for _ in range(2 * workers):   # a bounded window: results wait in memory
            submit()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                path = pending.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool as exc:
                    raise FazhiError(f"a worker process died while reading {path} (out of "
                                     "memory?); the store holds every file stored so far; "
                                     "retry with fewer --workers") from exc
                submit()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True,
                disable=not sys.stderr.isatty() or total < 2)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@store_option
@click.option("--workers", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes for the pipeline (0: one per CPU core).  The store "
                   "is written by this process alone.")
@click.option("--verbose", "-v", is_flag=True, help="One line per file stored, and warnings.")
def ingest(paths: tuple[str, ...], location: str | None, workers: int, verbose: bool) -> None:
    """Read report files (or folders of them) into the store.

    A file read again replaces what it gave before, in one transaction.
    Files that fail are listed one per line; the others go on.  Exit code 1
    if any file failed.
    """
    t0 = time.perf_counter()
    files, problems = collect_files(paths)
    for line in problems:
        click.echo(f"failed: {line}", err=True)
    store = open_cli_store(location)
    failed, reports, triples, done = len(problems), 0, 0, 0
    try:
        store.ensure_ontology()
        workers = min(workers or os.cpu_count() or 1, max(len(files), 1))
        bar = _progress(len(files))

        def say(line: str) -> None:
            bar.write(line, file=sys.stderr)

        try:
            for out in _outcomes(files, workers):
                bar.update(1)
                if out.error is None:
                    try:
                        store.replace(Path(out.path).stem, out.graphs)
                    except FazhiError as exc:
                        out.error = f"{out.path}: {exc}"
                if out.error is not None:
                    failed += 1
                    say(f"failed: {_one_line(out.error)}")
                    continue
                done += 1
                reports += out.reports
                triples += out.triples
                if verbose:
                    say(f"stored {out.path}: {out.reports} reports, {out.triples} triples")
                    for w in out.warnings:
                        say(f"warning: {out.path}: {_one_line(w)}")
                elif out.reports == 0:
                    say(f"warning: {out.path}: no report found in it")
        finally:
            bar.close()
        total = store.count()
    finally:
        store.close()
    secs = time.perf_counter() - t0
    click.echo(f"{reports} reports from {done} files, {failed} files failed, "
               f"{triples} triples written ({total} in the store), {secs:.1f} s")
    if failed:
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
              help="Keep only entities of this type (镇 机构 制度 法律 活动 人员 行政区); repeatable.")
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
    from kg.export import write_graph

    ox_store = getattr(store, "ox", None)
    if ox_store is None:
        raise FazhiError("gexf, graphml and csv exports read an embedded store; export the "
                         "remote store as nquads and ingest it locally, or point --store at a folder")
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
             ("triples", info["triples"])]
    lines += [(f"  {name}", n) for name, n in info["entities"].items()]
    lines.insert(5, ("entities", ""))
    click.echo(render_table(["", ""], [[str(a), str(b)] for a, b in lines], show_header=False))


# ------------------------------------------------------------------ query

@cli.command()
@click.argument("sparql", metavar="SPARQL_TEXT_OR_FILE")
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="SELECT/ASK: a table, SPARQL JSON or CSV results; "
                                      "CONSTRUCT: Turtle, JSON-LD or N-Triples.")
def query(sparql: str, location: str | None, fmt: str) -> None:
    """Run a SPARQL query (text, a .rq file, or - for standard input).

    The default graph is the union of all report graphs and the ontology;
    the prefixes fz:, fzid:, rdf:, rdfs:, xsd:, skos:, dcterms:, prov: and
    org: are known without PREFIX lines.
    """
    text = read_query_text(sparql)
    store = open_cli_store(location, create=False, shared=True)
    try:
        answer = store.query(text)
    finally:
        store.close()
    click.echo(render_answer(answer, fmt), nl=False)


def read_query_text(arg: str) -> str:
    """The query itself, from an argument that is query text, a file or ``-``."""
    if arg == "-":
        return sys.stdin.read()
    if "\n" not in arg and len(arg) < 4096:
        path = Path(arg)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return arg


def render_answer(answer: Answer, fmt: str) -> str:
    """An answer as the ``query`` command prints it."""
    if fmt == "json":
        return answer.to_json().decode() + "\n"
    if fmt == "csv":
        return answer.to_csv()
    if answer.kind == "ask":
        return ("true" if answer.boolean else "false") + "\n"
    if answer.kind == "graph":
        import pyoxigraph as ox

        return ox.serialize(answer.triples, format=ox.RdfFormat.TURTLE,
                            prefixes=dict(PREFIXES)).decode()
    rows = [[short_term(t) for t in row] for row in answer.rows]
    return render_table(answer.variables, rows) + f"({len(rows)} rows)\n"


def short_term(term: Any) -> str:
    """A term for human eyes: prefixed names, literals as their text."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` terminal columns, with … when cut."""
    if _width(text) <= limit:
        return text
    out, w = [], 0
    for c in text:
        w += _width(c)
        if w > limit - 1:
            break
        out.append(c)
    return "".join(out) + "…"


def render_table(columns: list[str], rows: list[list[str]], *, show_header: bool = True,
                 cell: int | None = None) -> str:
    """Rows in aligned columns (CJK-aware), under a header unless told not;
    cells cut to ``cell`` columns when given."""
    cells = [[c.replace("\n", " ") for c in r] for r in rows]
    if cell is not None:
        cells = [[clip(c, cell) for c in r] for r in cells]
    widths = [max([_width(h) if show_header else 0] + [_width(r[i]) for r in cells])
              for i, h in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = []
    if show_header:
        out.append(line(list(columns)))
        out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in cells]
    return "\n".join(out) + "\n"


@cli.command("eval")
@click.argument("gold", nargs=-1, required=True, metavar="GOLD...")
@store_option
@click.option("--details", is_flag=True, help="List the misses and extras of every part.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the scores (with misses and extras) to this file.")
def eval_(gold: tuple[str, ...], location: str | None, details: bool, json_out: Path | None) -> None:
    """Score the graph against gold keys (JSON files or folders of them).

    Precision, recall and F1 per part (reports, each entity type, law-firm
    advisers, indicators), with the misses and extras, by the matching
    rules of the evaluation contract: annotate a few reports of your own in
    the gold format and measure the tool on them.
    """
    from kg.evaluate import PARTS, evaluate, render

    store = open_cli_store(location, create=False, shared=True)
    try:
        parts = evaluate(store, list(gold))
    finally:
        store.close()
    click.echo(render(parts, details=details))
    if json_out is not None:
        json_out.write_text(json.dumps({p: parts[p].to_dict() for p in PARTS},
                                       ensure_ascii=False, indent=2), encoding="utf-8")


def _register_service_commands() -> None:
    """``serve`` and the canned-query ``query`` (which also takes SPARQL text)."""
    from kg.cli_serve import query as canned_query
    from kg.cli_serve import serve

    cli.add_command(serve)
    cli.add_command(canned_query, "query")


_register_service_commands()


def main() -> None:
    """Entry point of the ``fazhi-kg`` console script."""
    cli(prog_name="fazhi-kg")


if __name__ == "__main__":
    main()
