"""``fazhi-kg delete``: reports leave the store, the prepared index and the
name index together, and what is left is what ingesting the other files
alone would have made."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import prepared as prepared_mod
from kg.cli import cli
from kg.delete import STOPPED
from kg.names import NameIndex
from kg.prepared import Prepared
from kg.prepared_rows import TABLES
from kg.store import open_store


def _fazhi(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def built(seed_dir: Path, tmp_path_factory) -> dict[str, Path]:
    """The seed reports ingested whole, and all but the first ingested alone."""
    files = sorted(seed_dir.glob("*.txt"))
    assert len(files) >= 3
    root = tmp_path_factory.mktemp("delete")
    whole, rest = root / "whole", root / "rest"
    assert _fazhi("ingest", "--store", str(whole), *map(str, files))[0] == 0
    assert _fazhi("ingest", "--store", str(rest), *map(str, files[1:]))[0] == 0
    return {"whole": whole, "rest": rest, "first": files[0], "second": files[1]}


@pytest.fixture
def store(built: dict[str, Path], tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(built["whole"], path)
    return path


def _tables(path: Path) -> dict[str, list[tuple]]:
    index = Prepared.beside(path, create=False)
    assert index is not None
    try:
        return {t: index.table(t) for t in TABLES}
    finally:
        index.close()


def _names(path: Path) -> set[tuple[str, str]]:
    index = NameIndex.beside(path, create=False)
    assert index is not None
    try:
        return set(index.db.execute("SELECT entity, name FROM names").fetchall())
    finally:
        index.close()


def _graphs(path: Path) -> list[str]:
    s = open_store(path, create=False)
    try:
        return s.graphs()
    finally:
        s.close()


def test_deleting_a_file_leaves_what_ingesting_the_others_makes(built, store):
    code, out, err = _fazhi("delete", "--store", str(store), built["first"].name)
    assert code == 0, err
    assert "deleted 1 reports" in out and built["first"].name in out
    assert _graphs(store) == _graphs(built["rest"])
    # every table of the prepared index, and the name index, as if the file had never been read
    assert _tables(store) == _tables(built["rest"])
    assert _names(store) == _names(built["rest"])
    assert prepared_mod.state(store) == "ready"


def test_a_report_is_named_by_its_iri_or_its_file_without_suffix(built, store):
    s = open_store(store, create=False)
    try:
        iri = str(s.query("SELECT ?r WHERE { ?r a fz:Report ; fz:sourceFile ?f } ORDER BY ?f "
                          "LIMIT 1").rows[0][0].value)
    finally:
        s.close()
    assert _fazhi("delete", "--store", str(store), iri)[0] == 0
    code, _, err = _fazhi("delete", "--store", str(store), built["second"].stem)
    assert code == 0, err
    assert len(_graphs(store)) == len(_graphs(built["whole"])) - 2


def test_an_unknown_report_is_one_error_line_and_nothing_goes(built, store):
    before = _tables(store)
    code, out, err = _fazhi("delete", "--store", str(store), built["first"].name, "没有这个报告.txt")
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: no report in {store} matches 没有这个报告.txt; nothing was deleted"]
    assert _graphs(store) == _graphs(built["whole"]) and _tables(store) == before


def test_dry_run_lists_and_keeps(built, store):
    before = _tables(store)
    code, out, _ = _fazhi("delete", "--store", str(store), "--dry-run", built["first"].name)
    assert code == 0 and built["first"].name in out and "would delete 1 reports" in out
    assert _graphs(store) == _graphs(built["whole"]) and _tables(store) == before


def test_township_and_year_choose_the_reports(store):
    rows = _tables(store)["reports"]
    # (report, graph, stem, file, title, township, township_label, county, county_label, year, …)
    town, year = rows[0][6], rows[0][9]
    code, out, err = _fazhi("delete", "--store", str(store), "--township", town, "--year", year)
    assert code == 0, err
    left = _tables(store)["reports"]
    assert not any(r[6] == town and r[9] == year for r in left)
    assert len(left) == len(rows) - sum(r[6] == town and r[9] == year for r in rows)
    code, _, err = _fazhi("delete", "--store", str(store), "--township", town, "--year", year)
    assert code == 2 and "matches --township" in err


def test_stopped_after_marking_the_index_is_stale_until_run_again(built, store, monkeypatch):
    from kg.store import LocalStore

    def broken(self, graphs):
        raise OSError("the disk went away")

    monkeypatch.setattr(LocalStore, "drop", broken)
    code, _, _ = _fazhi("delete", "--store", str(store), built["first"].name)
    assert code != 0
    # the store still holds the report, and readers no longer trust the index
    assert _graphs(store) == _graphs(built["whole"])
    assert prepared_mod.state(store) == f"stale: {STOPPED}"
    monkeypatch.undo()
    assert _fazhi("delete", "--store", str(store), built["first"].name)[0] == 0
    assert prepared_mod.state(store) == "ready"
    assert _tables(store) == _tables(built["rest"])


def test_no_names_or_options_is_a_usage_error(store):
    code, _, err = _fazhi("delete", "--store", str(store))
    assert code == 2 and "name the reports to delete" in err


def test_a_remote_store_drops_the_graphs(built, oxigraph_server):
    # a remote store has no indexes beside it: DROP GRAPH, in one update
    first = built["first"]
    assert _fazhi("ingest", "--store", oxigraph_server, str(first), str(built["second"]))[0] == 0
    before = _graphs(oxigraph_server)
    code, out, err = _fazhi("delete", "--store", oxigraph_server, first.name)
    assert code == 0, err
    assert "0 reports from the prepared index" in out
    left = _graphs(oxigraph_server)
    assert len(left) == len(before) - 1 and not any(f"/{first.stem}/" in g for g in left)


def test_an_index_a_sparql_update_made_stale_stays_stale(built, store):
    index = Prepared.beside(store)
    index.mark_stale("a SPARQL update")
    index.close()
    assert _fazhi("delete", "--store", str(store), built["first"].name)[0] == 0
    # its rows of the deleted file are gone, but what the update changed is not known here
    assert prepared_mod.state(store) == "stale: a SPARQL update"
    index = Prepared(store / prepared_mod.FILE)      # read as it is, stale or not
    try:
        assert index.table("reports") == _tables(built["rest"])["reports"]
    finally:
        index.close()
