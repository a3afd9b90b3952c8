"""The name index beside the embedded store (kg.names) and the search that reads it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.names import FILE, NameIndex, rows
from kg.namespace import FZ, RDF, RDFS, SKOS

REPO = Path(__file__).resolve().parent.parent
E = "https://w3id.org/fazhi-kg/id/"


def nt(s: str, p: str, o: str) -> str:
    return f"<{s}> <{p}> {o} .\n"


def test_rows_are_names_of_typed_entities_only() -> None:
    text = (nt(E + "org/a", str(RDF.type), f"<{FZ.Organization}>")
            + nt(E + "org/a", str(RDFS.label), '"镇\\"综治\\"中心"@zh')
            + nt(E + "org/a", str(SKOS.altLabel), '"综治\\u4E2D心"@zh')
            + nt(E + "report/r/0/section/1", str(RDFS.label), '"一、主要举措"@zh')
            + nt(E + "org/a", str(FZ.scope), '"local"'))
    assert sorted(rows(text)) == sorted([(E + "org/a", '镇"综治"中心'), (E + "org/a", "综治中心")])
    quads = "".join(line[:-2] + " <http://g/1> .\n" for line in text.splitlines())
    assert sorted(rows(quads, quads=True)) == sorted(rows(text))


def test_search_puts_names_that_start_with_the_words_first(tmp_path: Path) -> None:
    ix = NameIndex(tmp_path / FILE)
    ix.add([(E + "org/1", "镇综治中心"), (E + "org/2", "综治中心"), (E + "org/3", "综治中心调解室"),
            (E + "org/4", "100%_覆盖"), (E + "org/5", "ABC律所"), (E + "org/2", "综治中心")])
    assert ix.count() == 5                                     # one row per entity and name
    assert [n for _, n in ix.search("综治")] == ["综治中心", "综治中心调解室", "镇综治中心"]
    assert ix.search("%_") == [(E + "org/4", "100%_覆盖")]      # the words, not wildcards
    assert ix.search("abc") == [(E + "org/5", "ABC律所")]
    assert [n for _, n in ix.search("综治", limit=1)] == ["综治中心"]
    ix.close()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True,
                          text=True, cwd=REPO)


def _all(store: Path) -> set[tuple[str, str]]:
    ix = NameIndex.beside(store, create=False)
    assert ix is not None
    try:
        return set(ix.db.execute("SELECT entity, name FROM names"))
    finally:
        ix.close()


def test_ingest_writes_the_index_that_index_builds_from_the_store(tmp_path: Path) -> None:
    store = tmp_path / "s"
    assert _cli("ingest", "--store", str(store), str(REPO / "data" / "reports")).returncode == 0
    written = _all(store)
    assert (E + "org/龙脊律师事务所", "龙脊律师事务所") in written
    proc = _cli("index", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    assert f"{len(written)} names" in proc.stdout
    assert _all(store) == written
    assert not list(store.glob(FILE + ".new*"))


def test_shards_loaded_later_get_their_names(tmp_path: Path) -> None:
    shards, store = tmp_path / "shards", tmp_path / "s"
    assert _cli("ingest", "--shards", str(shards), "--no-load",
                str(REPO / "data" / "reports")).returncode == 0
    proc = _cli("load", str(shards), "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    names = _all(store)
    assert (E + "org/龙脊律师事务所", "龙脊律师事务所") in names
    assert _cli("index", "--store", str(store)).returncode == 0
    assert _all(store) == names


def test_index_needs_the_embedded_store(tmp_path: Path) -> None:
    proc = _cli("index", "--store", str(tmp_path / "none"))
    assert proc.returncode == 1 and "error:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def app_with_index(tmp_path_factory):
    from tests.e2e.conftest import build_store

    folder = tmp_path_factory.mktemp("names-web")
    store = build_store(folder)
    import server

    app = server.create_app({"store": str(store), "TESTING": True})
    yield app, store
    server.close_app(app)


def test_web_search_from_the_index_equals_the_search_of_the_store(app_with_index,
                                                                  monkeypatch) -> None:
    from kg.web import api, service

    app, store = app_with_index
    assert (store / FILE).exists()
    with app.app_context():
        assert service().names() is not None
        indexed = {q: api.search(q, limit=50) for q in ("镇", "司法所", "龙脊", "宪法", "X")}
        monkeypatch.setattr(type(service()), "names", lambda self: None)
        for q, hits in indexed.items():
            assert [h["id"] for h in hits] == [h["id"] for h in api.search(q, limit=50)], q
    assert indexed["龙脊"][0]["label"] == "龙脊律师事务所"


def test_web_search_drops_names_the_store_no_longer_holds(app_with_index) -> None:
    from kg.web import api, service

    app, _ = app_with_index
    with app.app_context():
        service().names().add([(E + "org/_/无此镇/综治中心", "无此镇综治中心")])
        assert api.search("无此镇") == []


def test_an_index_that_cannot_be_written_warns_once_and_the_ingest_goes_on(tmp_path: Path) -> None:
    from ingest.runner import Ingest
    from kg.errors import StoreError
    from kg.store import open_store

    class Full(NameIndex):
        def add(self, names):
            raise StoreError(f"cannot write the name index {self.path}: disk full; the store is "
                             "written; build the index again with `fazhi-kg index`")

    said: list[str] = []
    with open_store(tmp_path / "s") as store:
        run = Ingest(store, say=said.append)
        assert run.names is not None
        run.names.close()
        run.names = Full(tmp_path / "s" / FILE)
        reports = REPO / "data" / "reports"
        totals = run.run(sorted(reports.glob("*.txt"))[:2])
        assert totals.done == 2 and totals.failed == 0     # the store took both files
        assert len(said) == 1 and "fazhi-kg index" in said[0] and run.names is None
        assert len(store.graphs()) >= 2
