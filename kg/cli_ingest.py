"""Reading report files into a store from the command line: :func:`run_ingest`.

``fazhi-kg ingest`` runs it with the user's options, and ``fazhi-kg serve``
runs it on the bundled reports to build a store that does not exist yet:
one code path for both.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from ingest.bulk import SHARD_QUADS, Shards
from ingest.limits import Limits
from ingest.limits import configure as configure_limits
from ingest.runner import Ingest, collect_files
from kg.cli_text import one_line
from kg.errors import FazhiError
from kg.store import default_location, open_store


@dataclass(frozen=True)
class IngestOptions:
    """The options of ``fazhi-kg ingest`` (see its ``--help``)."""

    workers: int = 1
    bulk: bool = False
    shards_dir: Path | None = None
    no_load: bool = False
    shard_quads: int = SHARD_QUADS
    resume: bool = False
    verbose: bool = False
    max_chars: int | None = None


def _progress(total: int):
    from tqdm import tqdm  # the progress bar: loaded by ingest only (tens of ms)

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True,
                disable=not sys.stderr.isatty() or total < 2)


def _default_shards(location: str | None) -> Path:
    """Where a --bulk run keeps its shards: beside the store folder."""
    loc = location or default_location()
    if "://" in loc or loc == "memory:":
        raise FazhiError("--bulk loads into the embedded store (a folder); give --store a "
                         "folder, or write shards for another store with --shards DIR --no-load")
    return Path(loc.rstrip("/") + ".shards")


def run_ingest(paths: tuple[str, ...] | list[str], location: str | None,
               options: IngestOptions | None = None) -> int:
    """Ingest ``paths`` into the store at ``location`` (the default if None).

    Prints a ``failed:`` line per file that failed and the closing summary
    line; returns how many files failed.  Raises FazhiError for what stops
    the whole run (bad options, a store that cannot be opened).
    """
    options = options or IngestOptions()
    t0 = time.perf_counter()
    # read once for the run; the workers get the same values
    configure_limits(Limits.from_settings(max_text_chars=options.max_chars))
    if options.no_load and options.shards_dir is None:
        raise FazhiError("--no-load needs --shards DIR (where the shards go)")
    files, problems = collect_files(paths)
    for line in problems:
        click.echo(f"failed: {line}", err=True)
    shards = None
    temporary = options.bulk and options.shards_dir is None
    if options.bulk or options.shards_dir is not None:
        shards = Shards(options.shards_dir or _default_shards(location),
                        shard_quads=options.shard_quads)
        if shards.files:
            click.echo(f"resuming: {len(shards.files)} files already extracted in "
                       f"{shards.folder}", err=True)
    store = None if options.no_load else open_store(location or default_location())
    totals = None
    try:
        if store is not None:
            store.ensure_ontology()
        workers = min(options.workers or os.cpu_count() or 1, max(len(files), 1))
        bar = _progress(len(files))

        def say(line: str) -> None:
            bar.write(one_line(line), file=sys.stderr)

        try:
            run = Ingest(store, workers=workers, shards=shards, load=not options.no_load,
                         keep_shards=not temporary, resume=options.resume,
                         verbose=options.verbose, say=say, tick=lambda: bar.update(1))
            totals = run.run(files)
        finally:
            bar.close()
        total = store.count() if store is not None else None
    finally:
        if store is not None:
            store.close()
    if temporary and shards is not None and not shards.pending():
        shutil.rmtree(shards.folder, ignore_errors=True)
    secs = time.perf_counter() - t0
    failed = totals.failed + len(problems)
    skipped = f", {totals.skipped} already done" if totals.skipped else ""
    where = (f"({total} in the store)" if total is not None
             else f"(shards in {shards.folder})" if shards is not None else "")
    click.echo(f"{totals.reports} reports from {totals.done} files{skipped}, {failed} files "
               f"failed, {totals.triples} triples written {where}, {secs:.1f} s")
    return failed
