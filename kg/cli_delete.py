"""``fazhi-kg delete``: the command around :mod:`kg.delete`."""
from __future__ import annotations

import sys

import click

from kg.cli_text import render_table
from kg.delete import choose, delete_reports, reports
from kg.store import default_location, open_store


@click.command()
@click.argument("names", nargs=-1, metavar="[FILE|REPORT_IRI]...")
@click.option("--store", "location", metavar="DIR|URL", default=None,
              help="Where the graph is: a folder (embedded Oxigraph) or http://host:port of a "
                   "SPARQL 1.1 store.  Default: $FAZHI_KG_STORE, else ./fazhi-kg-store.")
@click.option("--township", default=None, help="The reports of this township (its name in full, "
                                               "or its IRI); with --year, that year's only.")
@click.option("--year", default=None, help="The reports on this year (with --township, or alone: "
                                           "every township's).")
@click.option("--dry-run", "-n", is_flag=True, help="Only list what would be deleted.")
def delete(names: tuple[str, ...], location: str | None, township: str | None, year: str | None,
           dry_run: bool) -> None:
    """Delete reports from the store and from its indexes.

    Name each report by its file (as ingest read it, e.g. 2023年大集镇.docx, or
    without the suffix) or by its report or graph IRI, or choose them with
    --township and --year.  A file's reports go together.  A name that
    matches no report: one error line, exit code 2, and nothing is deleted.
    """
    if not names and township is None and year is None:
        raise click.UsageError("name the reports to delete (FILE or REPORT_IRI), or give "
                               "--township and/or --year")
    store = open_store(location or default_location(), create=False)
    try:
        found = reports(store)
        chosen, unknown = choose(found, names, township, year)
        if unknown:
            click.echo(f"error: no report in {store.location} matches {', '.join(unknown)}; "
                       "nothing was deleted", err=True)
            sys.exit(2)
        click.echo(render_table(["file", "township", "year", "report"],
                                [[r.file, r.township_label, r.year, r.iri] for r in chosen]))
        if dry_run:
            click.echo(f"would delete {len(chosen)} reports of "
                       f"{len({r.stem for r in chosen})} files (--dry-run: nothing deleted)")
            return
        done = delete_reports(store, chosen)
    finally:
        store.close()
    click.echo(f"deleted {done['graphs']} reports ({done['triples']} triples) from "
               f"{store.location}; {done['prepared']} reports from the prepared index, "
               f"{done['names']} names from the name index"
               + (f", {done['uploads']} kept uploads" if done["uploads"] else ""))
