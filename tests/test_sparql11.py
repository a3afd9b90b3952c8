"""Every canned query that uses LATERAL has a plain SPARQL 1.1 form
(queries/sparql11/NAME.rq) giving the same rows on the embedded store, with
its defaults and with filters; remote stores are given that form."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from canned_cases import CASES, EXAMPLES, cases, rows, year_reports
from kg import queries as queries_mod
from kg.errors import FazhiError
from kg.namespace import ONTOLOGY_GRAPH
from kg.paths import data_dir
from kg.store import LocalStore, open_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    from ingest.pipeline import run

    folder = tmp_path_factory.mktemp("sparql11")
    s = LocalStore()
    for path in sorted((data_dir() / "reports").iterdir()) + \
            sorted(year_reports(folder / "years").iterdir()):
        doc = run(path)
        s.replace(doc.path.stem, doc.graphs)
    yield s


def test_every_lateral_query_has_a_plain_form_and_a_case() -> None:
    for name, q in queries_mod.bundled().items():
        assert name in CASES, f"{name}: add its cases to tests/canned_cases.py"
        if "LATERAL" in q.text:
            assert q.plain is not None, f"{name}: no queries/sparql11/{name}.rq"
            assert not re.search(r"\bLATERAL\b", re.sub(r"#[^\n]*", "", q.plain))
            assert q.text_for(lateral=False) == q.plain and q.text_for(lateral=True) == q.text


@pytest.mark.parametrize("name,given", cases(), ids=lambda v: v if isinstance(v, str) else
                         ",".join(f"{k}={x}" for k, x in v.items()) or "defaults")
def test_plain_form_gives_the_same_rows(store: LocalStore, name: str, given: dict[str, str]
                                        ) -> None:
    q = queries_mod.bundled()[name]
    if q.plain is None:
        pytest.skip(f"{name} needs no plain form")
    subs = q.bindings(given)
    masked = EXAMPLES.get(name, ())
    lateral = rows(store, name, q.text, subs, masked)
    plain = rows(store, name, q.plain, subs, masked)
    assert plain == lateral


def test_every_query_gives_rows_in_some_case(store: LocalStore) -> None:
    for name, given_list in CASES.items():
        q = queries_mod.bundled()[name]
        counts = [sum(rows(store, name, q.text, q.bindings(g)).values()) for g in given_list]
        assert max(counts) > 0, f"{name}: no case gives rows, so the comparison proves nothing"
        if given_list[0] == {} and len(given_list) > 1:   # the filters reach the query
            assert any(c != counts[0] for c in counts[1:]), f"{name}: no filter changes the rows"


def test_a_broken_plain_form_fails_naming_its_file(tmp_path: Path) -> None:
    src = queries_mod.bundled()["systems"]
    (tmp_path / "sparql11").mkdir()
    (tmp_path / "systems.rq").write_text(src.path.read_text(encoding="utf-8"), encoding="utf-8")
    alt = tmp_path / "sparql11" / "systems.rq"
    assert src.plain is not None
    alt.write_text(src.plain.replace("SELECT ?townshipName ?countyName", "SELECT ?countyName"),
                   encoding="utf-8")
    with pytest.raises(FazhiError, match=r"sparql11/systems.rq: selects countyName .*; "
                                         r"systems.rq selects townshipName countyName"):
        queries_mod.load_all(tmp_path)
    alt.write_text(src.plain.replace("WHERE {", "WHERE { LATERAL { } ", 1), encoding="utf-8")
    with pytest.raises(FazhiError, match="sparql11/systems.rq: the SPARQL 1.1 form uses LATERAL"):
        queries_mod.load_all(tmp_path)
    alt.unlink()
    assert queries_mod.load_all(tmp_path)["systems"].plain is None


def test_the_cli_runs_the_plain_form_on_a_remote_store() -> None:
    # the choice is the store's: the embedded one knows LATERAL, a remote one not
    assert open_store("memory:").lateral is True
    from kg.remote import RemoteStore

    assert RemoteStore.lateral is False


@pytest.mark.slow
def test_plain_forms_on_oxigraph_server(oxigraph_server: str, store: LocalStore) -> None:
    # a second engine for the plain forms (and the VALUES that carries the
    # parameters over HTTP): `oxigraph serve` gives the embedded store's rows
    remote = open_store(oxigraph_server)
    by_file: dict[str, dict[str, str]] = {}
    for graph in store.graphs():
        if graph != ONTOLOGY_GRAPH:
            stem = graph.split("/report/", 1)[1].rsplit("/", 1)[0]
            nt = store.dump("ntriples", graph=graph)
            assert nt is not None
            by_file.setdefault(stem, {})[graph] = nt.decode()
    for stem, graphs in by_file.items():
        remote.replace(stem, graphs)
    assert remote.count() == store.count() and remote.graphs() == store.graphs()
    for name, given in cases():
        q = queries_mod.bundled()[name]
        subs = q.bindings(given)
        text = q.text_for(remote.lateral)
        assert rows(remote, name, text, subs) == rows(store, name, text, subs), (name, given)



@pytest.fixture(scope="module")
def synth_county() -> LocalStore:
    """benchmarks/synth.py's townships of one county, a report a year each,
    their figures' names repeating within a year."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import synth

    s = LocalStore()
    synth.load_store(s.ox, synth.World(6, seed=3, counties=1), [2020, 2021, 2022])
    return s


def _synth_changes(s: LocalStore, figures: bool) -> Iterator[tuple[dict[str, str], Counter, Counter]]:
    q = queries_mod.bundled()["changes"]
    county = str(s.query("SELECT ?l WHERE { ?c a fz:County ; rdfs:label ?l } LIMIT 1").rows[0][0].value)
    town = str(s.query("SELECT ?l WHERE { ?r fz:township ?t . ?t rdfs:label ?l } "
                       "ORDER BY ?l LIMIT 1").rows[0][0].value)
    for given in ({"county": county, "from": "2020", "to": "2022"},
                  {"county": county, "from": "2022", "to": "2021"},
                  {"township": town, "from": "2021", "to": "2022"}):
        subs = q.bindings(given)
        both = []
        for text in (q.text, q.plain):
            got = rows(s, "changes", text, subs, EXAMPLES["changes"])
            both.append(Counter({r: n for r, n in got.items() if (r[2] == '"指标 figure"') == figures}))
        assert sum(both[0].values()) < 2000      # nothing cut at the LIMIT
        yield given, both[0], both[1]


def test_changes_forms_agree_on_facts_in_a_synthetic_county(synth_county: LocalStore) -> None:
    # by county and by township, forwards and backwards: the facts added and dropped
    for given, lateral, plain in _synth_changes(synth_county, figures=False):
        assert lateral and plain == lateral, given


def test_changes_forms_agree_on_figures_in_a_synthetic_county(synth_county: LocalStore) -> None:
    # a name a report gives twice: each year's first figure of it (the least IRI), in both forms
    twice = synth_county.query(
        "ASK { GRAPH ?g { ?a a fz:Indicator ; rdfs:label ?m . ?b a fz:Indicator ; rdfs:label ?m } "
        "FILTER (?a != ?b) }")
    assert twice.boolean, "the synthetic county gives no figure name twice in a report"
    for given, lateral, plain in _synth_changes(synth_county, figures=True):
        assert lateral and plain == lateral, given
