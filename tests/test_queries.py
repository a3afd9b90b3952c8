"""Canned queries (queries/*.rq): loading, parameters, answers with evidence.

Most tests run on a small synthetic store written here as N-Quads in the
project's RDF shape (kg/triples.py): made-up townships, sentences and
names.  One test runs the real ingest of data/reports and checks the
user's own example (a township employing a law firm as 法律顾问).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.errors import FazhiError, QueryError
from kg.namespace import FZ, graph_iri, mint
from kg.queries import bundled, load_all, parse, run
from tests.webutil import runner_on

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# (township, county, firm or None, adviser kind, team size)
TOWNSHIPS = [
    ("青山镇", "明水县", "明理律师事务所", "律师事务所", None),
    ("白石乡", "明水县", None, None, None),
    ("红岭街道", "东川区", "法律顾问团队", "团队", 5),
    ("长河镇", "东川区", None, None, None),
]
FIRM_SENTENCE = "聘请明理律师事务所担任镇政府法律顾问，全年审查合同十二份。"


def _lit(text: str, lang: str | None = "zh", dt: str | None = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"')
    if dt:
        return f'"{esc}"^^<{dt}>'
    return f'"{esc}"@{lang}' if lang else f'"{esc}"'


def synthetic_nquads(year: int = 2023) -> str:
    """One report graph per township, in the shape kg/triples.py writes."""
    out: list[str] = []
    for i, (town, county, adviser, kind, team) in enumerate(TOWNSHIPS):
        stem = f"test_{i:03d}"
        g = f"<{graph_iri(stem, 0)}>"
        rep = mint("report", stem, "0")
        t, c = mint("township", county, town), mint("county", county)

        def q(s: str, p: str, o: str) -> None:
            out.append(f"<{s}> <{p}> {o} {g} .")

        q(rep, RDF + "type", f"<{FZ.Report}>")
        q(rep, str(FZ.sourceFile), _lit(stem + ".txt", None))
        q(rep, str(FZ.year), _lit(str(year), dt=XSD + "gYear"))
        q(rep, str(FZ.township), f"<{t}>")
        q(rep, str(FZ.reportingUnit), f"<{t}>")
        q(t, RDF + "type", f"<{FZ.Township}>")
        q(t, RDFS + "label", _lit(town))
        q(t, SKOS + "altLabel", _lit(county + town))
        q(t, str(FZ.partOf), f"<{c}>")
        q(c, RDF + "type", f"<{FZ.County}>")
        q(c, RDFS + "label", _lit(county))
        q(rep, str(FZ.mentions), f"<{t}>")
        sentences = [
            FIRM_SENTENCE.replace("明理律师事务所", adviser or "专职律师") if adviser else
            "本镇落实行政执法公示制度，推行执法全过程记录制度。",
            "开展宪法宣传周活动三场，组织学习中华人民共和国民法典。",
            "成立人民调解室，全年调解矛盾纠纷四十件。",
        ]
        sent = [f"{rep}/sentence/{k}" for k in range(len(sentences))]
        for k, text in enumerate(sentences):
            q(sent[k], str(FZ.text), _lit(text))
            q(sent[k], str(FZ.start), _lit(str(100 * k), dt=XSD + "integer"))
        # sections: the first two reports have all four parts, the others lack two
        parts = ["measures", "first_responsibility", "shortcomings", "next_year"]
        for k, part in enumerate(parts if i < 2 else parts[:2]):
            sec = f"{rep}/section/{k}"
            q(sec, RDFS + "label", _lit(f"第{k + 1}部分"))
            q(sec, str(FZ.level), _lit("1", dt=XSD + "integer"))
            q(sec, str(FZ.covers), _lit(part, None))

        def fact(pred, obj: str, sentence: int, extra: dict[str, str] | None = None) -> None:
            """A township fact, the sentence that attests its object, qualifiers on the object."""
            q(t, str(pred), obj)
            q(sent[sentence], str(FZ.attests), obj)
            for p, o in (extra or {}).items():
                q(obj[1:-1], p, o)

        def entity(kind_: str, name: str, cls, subtype: str | None = None, scope: str | None = None,
                   mention_in: int = 0) -> str:
            e = mint(kind_, *( [county, town, name] if scope else [name]))
            q(e, RDF + "type", f"<{cls}>")
            q(e, RDFS + "label", _lit(name))
            if subtype:
                q(e, str(FZ.subtype), _lit(subtype))
            if scope:
                q(e, str(FZ.scope), f"<{scope}>")
            q(rep, str(FZ.mentions), f"<{e}>")
            q(sent[mention_in], str(FZ.names), f"<{e}>")
            return e

        if adviser:
            cls = FZ.LawFirm if kind == "律师事务所" else FZ.Organization
            a = entity("org", adviser, cls, subtype=kind)
            if cls == FZ.LawFirm:
                q(a, RDF + "type", f"<{FZ.Organization}>")
            extra = {str(FZ.advisorKind): _lit(kind)}
            if team:
                extra[str(FZ.teamSize)] = _lit(str(team), dt=XSD + "integer")
            fact(FZ.legalAdvisor, f"<{a}>", 0, extra)
        else:
            for name in ("行政执法公示制度", "执法全过程记录制度"):
                fact(FZ.implements, f"<{entity('system', name, FZ.System)}>", 0)
        act = entity("activity", "宪法宣传周活动", FZ.Activity, mention_in=1)
        fact(FZ.conducts, f"<{act}>", 1,
                  {str(FZ.count): _lit("3", dt=XSD + "integer"), str(FZ.date): _lit("12月4日")})
        law = entity("law", "中华人民共和国民法典", FZ.Law, subtype="法律", mention_in=1)
        fact(FZ.studies, f"<{law}>", 1)
        if i % 2 == 0:
            fact(FZ.cites, f"<{law}>", 1)
        room = entity("org", "人民调解室", FZ.Organization, subtype="调解室", scope=t, mention_in=2)
        fact(FZ.establishes, f"<{room}>", 2)
        ind = f"{rep}/indicator/0"
        q(ind, RDF + "type", f"<{FZ.Indicator}>")
        q(ind, str(FZ.report), f"<{rep}>")
        q(ind, RDFS + "label", _lit("调解矛盾纠纷"))
        q(ind, RDF + "value", _lit(str(40 + 10 * i), dt=XSD + "integer"))
        q(ind, str(FZ.unit), _lit("件"))
        q(ind, str(FZ.quote), _lit("调解矛盾纠纷四十件"))
        q(ind, PROV + "wasDerivedFrom", f"<{sent[2]}>")
    return "\n".join(out) + "\n"


def build_store(path: Path) -> Path:
    """Write the synthetic graph (and the ontology) into an on-disk store at ``path``."""
    from kg.namespace import ONTOLOGY_GRAPH
    from kg.paths import package_dir

    store = ox.Store(str(path))
    store.load(synthetic_nquads().encode(), format=ox.RdfFormat.N_QUADS)
    store.load((package_dir() / "ontology.ttl").read_bytes(), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    store.flush()
    del store
    return path


@pytest.fixture(scope="module")
def synth_store(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("synth") / "store")


@pytest.fixture(scope="module")
def runner(synth_store):
    return runner_on(ox.Store.read_only(str(synth_store)))


# ----------------------------------------------------------------- loading

def test_every_bundled_query_loads_with_titles_and_parameters():
    queries = load_all()
    assert len(queries) >= 10
    for q in queries.values():
        assert q.title_zh and q.title_en and q.description
        for p in q.params:
            assert p.help, f"{q.name}.{p.name} has no help"


def test_a_broken_file_fails_fast_naming_itself(tmp_path):
    (tmp_path / "good.rq").write_text("#+ title: {zh: 好, en: good}\nSELECT ?s WHERE { ?s ?p ?o }\n")
    (tmp_path / "broken.rq").write_text("#+ title: {zh: 坏, en: broken}\nSELECT ?s WHERE { ?s ?p }\n")
    with pytest.raises(FazhiError, match="broken.rq"):
        load_all(tmp_path)


def test_a_parameter_the_query_does_not_select_fails_at_load(tmp_path):
    path = tmp_path / "p.rq"
    path.write_text("#+ title: {zh: 参, en: p}\n#+ parameters:\n#+   x: {type: string, help: h}\n"
                    "SELECT ?s WHERE { ?s ?p ?o FILTER(STR(?o) = STR(?x)) }\n")
    with pytest.raises(FazhiError, match="p.rq"):
        parse(path)


def test_header_needs_titles_in_both_languages(tmp_path):
    path = tmp_path / "t.rq"
    path.write_text("#+ title: {zh: 只有中文}\nSELECT ?s WHERE { ?s ?p ?o }\n")
    with pytest.raises(FazhiError, match="title"):
        parse(path)


# ----------------------------------------------------------------- answers

def test_every_query_runs_with_its_defaults(runner):
    needs = {"search": {"name": "镇"}, "township_profile": {"township": "青山镇"},
             "changes": {"county": "明水县", "from": "2022", "to": "2023"}}
    for name, q in bundled().items():
        table = run(q, needs.get(name, {}), runner)
        assert table.columns, name
        assert not (set(table.columns) & q.param_names), f"{name} shows its parameters"


def test_law_firm_query_names_firm_with_evidence(runner):
    table = run(bundled()["law_firm_advisers"], {}, runner)
    rows = table.records()
    assert [(r["townshipName"], r["firmName"]) for r in rows] == [("青山镇", "明理律师事务所")]
    assert rows[0]["evidence"] == FIRM_SENTENCE
    assert rows[0]["countyName"] == "明水县" and rows[0]["reportYear"] == "2023"
    assert rows[0]["sourceFile"] == "test_000.txt"
    # a team is an adviser, but not a law firm
    assert "红岭街道" not in {r["townshipName"] for r in rows}


def test_legal_advisers_of_every_kind_with_team_size(runner):
    rows = run(bundled()["legal_advisers"], {}, runner).records()
    by_town = {r["townshipName"]: r for r in rows}
    assert by_town["青山镇"]["adviserKind"] == "律师事务所"
    assert by_town["红岭街道"]["adviserKind"] == "团队" and by_town["红岭街道"]["teamSize"] == 5
    only_teams = run(bundled()["legal_advisers"], {"kind": "团队"}, runner).records()
    assert [r["townshipName"] for r in only_teams] == ["红岭街道"]


def test_parameters_filter_and_are_bound_as_values(runner):
    q = bundled()["law_firm_advisers"]
    assert len(run(q, {"county": "明水"}, runner).rows) == 1
    assert run(q, {"county": "东川区"}, runner).rows == []
    assert len(run(q, {"year": "2023"}, runner).rows) == 1
    assert run(q, {"year": "2022"}, runner).rows == []
    # text that would break out of a pasted query is just a value that matches nothing
    assert run(q, {"county": '") } } DELETE WHERE { ?s ?p ?o } #'}, runner).rows == []
    with pytest.raises(QueryError, match="whole number"):
        run(q, {"year": "two thousand"}, runner)
    with pytest.raises(QueryError, match="no parameter"):
        run(q, {"colour": "red"}, runner)


def test_required_parameter(runner):
    with pytest.raises(QueryError, match="name"):
        run(bundled()["search"], {}, runner)


def test_compare_metric_orders_by_value_with_evidence(runner):
    rows = run(bundled()["compare_metric"], {"metric": "调解"}, runner).records()
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True) and len(values) == len(TOWNSHIPS)
    assert all(r["evidence"] and r["unit"] == "件" for r in rows)
    assert run(bundled()["compare_metric"], {"metric": "植树"}, runner).rows == []


def test_organisations_of_a_kind(runner):
    rows = run(bundled()["organisations_by_kind"], {"kind": "调解室"}, runner).records()
    assert {r["township"] for r in rows} == {t[0] for t in TOWNSHIPS}
    assert all(r["evidence"] for r in rows)


def test_search_matches_part_of_a_name_and_alt_labels(runner):
    rows = run(bundled()["search"], {"name": "明水县青"}, runner).records()
    assert [r["entityName"] for r in rows] == ["青山镇"]
    rows = run(bundled()["search"], {"name": "民法"}, runner).records()
    assert rows[0]["entityType"] == "法律" and rows[0]["reports"] == len(TOWNSHIPS)


def test_report_completeness(runner):
    rows = run(bundled()["report_completeness"], {}, runner).records()
    missing = {r["townshipName"]: r["missing"] for r in rows}
    assert missing["青山镇"] == ""
    assert "shortcomings" in missing["长河镇"] and "next_year" in missing["长河镇"]
    lacking = run(bundled()["report_completeness"], {"lacking": "next_year"}, runner).records()
    assert {r["townshipName"] for r in lacking} == {"红岭街道", "长河镇"}


def test_systems_laws_activities_and_profile(runner):
    matrix = {r["townshipName"]: r for r in run(bundled()["systems_matrix"], {}, runner).records()}
    assert matrix["白石乡"]["enforcementPublicity"] == "行政执法公示制度"
    assert matrix["白石乡"]["fullProcessRecording"] == "执法全过程记录制度"
    assert "青山镇" not in matrix
    acts = run(bundled()["activities"], {"township": "青山"}, runner).records()
    assert acts[0]["times"] == 3 and acts[0]["date"] == "12月4日" and acts[0]["evidence"]
    cited = run(bundled()["most_cited_laws"], {}, runner).records()
    assert cited[0]["lawName"] == "中华人民共和国民法典" and cited[0]["townships"] == len(TOWNSHIPS)
    per_town = run(bundled()["laws_by_township"], {"township": "长河"}, runner).records()
    assert {r["how"] for r in per_town} == {"学习宣传"}
    profile = run(bundled()["township_profile"], {"township": "青山镇"}, runner).records()
    facts = {r["fact"] for r in profile}
    assert {"法律顾问", "开展", "设立", "指标", "隶属于"} <= facts
    assert {r["townshipName"] for r in profile} == {"青山镇"}
    assert all(r["evidence"] for r in profile)
    by_iri = run(bundled()["township_profile"], {"township": mint("township", "明水县", "青山镇")},
                 runner).records()
    assert len(by_iri) == len(profile)


# ----------------------------------------------------------------- the CLI

def test_cli_query_runs_canned_queries_and_sparql(synth_store):
    from kg.cli_serve import query

    cli = CliRunner()
    res = cli.invoke(query, ["law_firm_advisers", "--store", str(synth_store), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["rows"][0]["firmName"] == "明理律师事务所"
    res = cli.invoke(query, ["compare_metric", "-p", "metric=调解", "--store", str(synth_store),
                             "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("townshipName,")
    res = cli.invoke(query, ["search", "-p", "name=青山", "--store", str(synth_store)])
    assert res.exit_code == 0 and "青山镇" in res.stdout
    res = cli.invoke(query, ["SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }",
                             "--store", str(synth_store), "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.split() == ["n", str(len(TOWNSHIPS))]
    res = cli.invoke(query, ["search", "--store", str(synth_store)])
    assert res.exit_code == 1 and "name" in res.output and "Traceback" not in res.output


# ----------------------------------------------------------------- the real reports

@pytest.fixture(scope="module")
def real_store(tmp_path_factory, seed_dir) -> Path:
    path = tmp_path_factory.mktemp("real") / "store"
    proc = subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", "ingest",
                           "--store", str(path), str(seed_dir)], capture_output=True, text=True)
    if not (path / "CURRENT").exists():
        pytest.fail(f"ingest failed: {proc.stderr[-2000:]}")
    return path


def _real_rows(real_store: Path, name: str, given=None) -> list[dict]:
    store = ox.Store.read_only(str(real_store))
    return run(bundled()[name], given or {},
               runner_on(store, 10000)).records()


def test_real_reports_never_name_townships_without_law_firms(real_store):
    towns = {r["townshipName"] for r in _real_rows(real_store, "law_firm_advisers")}
    for other in ("惠萍镇", "稠树塘镇", "乐平铺镇", "文坪镇"):
        assert not any(other in t for t in towns if t)


def test_real_reports_every_query_runs(real_store):
    store = ox.Store.read_only(str(real_store))
    needs = {"search": {"name": "镇"}, "township_profile": {"township": "江口镇"},
             "changes": {"township": "江口镇", "from": "2022", "to": "2023"}}
    for name, q in bundled().items():
        run(q, needs.get(name, {}), runner_on(store, 10000))


def test_real_reports_law_firm_of_jiangkou(real_store):
    rows = _real_rows(real_store, "law_firm_advisers")
    hits = [r for r in rows if "江口镇" in (r["townshipName"] or "")]
    assert hits and hits[0]["firmName"] == "龙脊律师事务所" and "龙脊律师事务所" in hits[0]["evidence"]


def test_search_rq_as_written_lists_the_type_table() -> None:
    """search.rq's VALUES rows, and its SPARQL 1.1 form's (what grlc or another
    tool reading a file alone runs), are the table's, in its order; fazhi-kg
    fills both blocks from kg/types.py anyway, ranks as strings ordered as
    the table is."""
    from kg.namespace import FZ_IRI
    from kg.queries import plain_path
    from kg.types import search_classes

    q = bundled()["search"]
    for path in (q.path, plain_path(q.path)):
        text = path.read_text(encoding="utf-8")
        block = re.search(r"VALUES \(\?class \?typeName \?rank\) \{([^}]*)\}", text).group(1)
        found = re.findall(r'\(fz:(\w+) "([^"]+)" "(\d+)"\)', block)
        written = [(FZ_IRI + c, n) for c, n, _ in found]
        assert written == search_classes(), path
        assert [int(r) for _, _, r in found] == list(range(1, len(found) + 1)), path
    for text in (q.text, q.plain):
        filled = re.findall(r'\(<([^>]+)> "([^"]+)" "(\d+)"\)', text)
        assert [(c, n) for c, n, _ in filled] == search_classes()
        ranks = [r for _, _, r in filled]
        assert ranks == sorted(ranks) and len(set(map(len, ranks))) == 1
    loaded = parse(q.path)
    assert {p.name: p.choices for p in loaded.params}["type"] == tuple(n for _, n in written)
