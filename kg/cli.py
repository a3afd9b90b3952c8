"""The ``fazhi-kg`` command.  (First cut: ingest and export.)"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import pyoxigraph as ox

from kg.errors import FazhiError
from kg.namespace import GRAPH_IRI
from kg.store import Store, default_location

_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


@click.group()
def cli() -> None:
    """Build and query a knowledge graph of 法治政府建设 reports."""


def _files(paths: tuple[str, ...]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        out += sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    return out


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--store", "store_path", default=default_location, show_default="FAZHI_KG_STORE or ./fazhi-kg-store")
def ingest(paths: tuple[str, ...], store_path: str) -> None:
    """Read report files (or folders of them) into the store."""
    from ingest import pipeline
    from kg.namespace import graph_iri

    store = Store(store_path)
    store.ensure_ontology()
    t0, failed, n = time.time(), 0, 0
    for f in _files(paths):
        try:
            doc = pipeline.run(f)
            store.replace(graph_iri(f.stem, 0)[:-1], doc.graphs)
            n += len(doc.reports)
        except FazhiError as exc:
            failed += 1
            click.echo(f"failed: {exc}", err=True)
    click.echo(f"{n} reports, {store.count()} triples, {time.time() - t0:.1f} s")
    sys.exit(1 if failed else 0)


@cli.command()
@click.option("--store", "store_path", default=default_location)
@click.option("--format", "fmt", type=click.Choice(sorted(_FORMATS)), default="nquads")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-")
def export(store_path: str, fmt: str, output: str) -> None:
    """Write the whole graph (with the ontology) in a standard RDF format."""
    data = Store(store_path).dump(_FORMATS[fmt])
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)


def main() -> None:
    cli()
