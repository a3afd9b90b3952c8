"""Who reports: the township gazetteer, the unit decision, county stated or
inferred, identity across years, traditional characters (ingest.unit,
ingest.metadata, ingest.gazetteer.townships, ingest.hanzi).

The texts are written for these tests; the township names are real ones
from the gazetteer (data/gazetteers/townships.tsv), except the made-up
ones that check what happens to a name the gazetteer lacks.
"""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from ingest import hanzi, unit
from ingest.gazetteer import TOWNSHIP_KINDS, Townships, townships
from ingest.pipeline import run_text
from kg.errors import InputError
from kg.model import ReportMeta

ROOT = Path(__file__).resolve().parent.parent
BODY = ("一、主要举措和成效\n（一）强化组织领导。党委会专题研究法治建设4次，落实党政主要负责人"
        "履行推进法治建设第一责任人职责。\n二、存在的不足\n普法形式还比较单一。\n")


def doc_of(text: str, name: str = "r.txt"):
    return run_text(text, name)


def meta(text: str) -> ReportMeta:
    doc = run_text(text, "r.txt", until="sentences")
    assert len(doc.reports) == 1
    return doc.reports[0].meta


def _made_up(name: str) -> str:
    """A township name the gazetteer lacks, nor any tail of it."""
    g = townships()
    suf = "街道" if name.endswith("街道") else name[-1]
    stem = name[:-len(suf)]
    assert all(stem[i:] + suf not in g for i in range(len(stem))), name
    return name


# ---- the gazetteer --------------------------------------------------------------

def _builder():
    path = ROOT / "data" / "gazetteers" / "build_townships.py"
    spec = importlib.util.spec_from_file_location("build_townships", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_townships"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_build_keeps_townships_reconciles_counties_and_drops_villages() -> None:
    b = _builder()
    tree = "\n".join([
        "某省\t990000\t某",
        "\t甲市\t990100\t甲",
        "\t\t乙丁县\t990101\t乙丁",        # divisions.tsv calls it 乙丁市 now
        "\t\t\t丙镇",
        "\t\t\t\t丙村",                  # a village: not kept
        "\t\t\t丁街道办事处",             # the office's name: the unit is 丁街道
        "\t\t\t戊瑶族乡",
        "\t\t\t某某农场",                 # a farm: not a township
        "\t\t丙县\t990102\t丙",
        "\t\t\t丙县己苏木",               # the county's name in front: dropped
    ])
    by_parent = {"甲市": [{"name": "乙丁市", "level": "county", "parent": "甲市"},
                         {"name": "丙县", "level": "county", "parent": "甲市"}]}
    rows, notes = b.build(tree, by_parent)
    got = {(t.name, t.kind, t.county, t.code) for t in rows}
    assert got == {("丙镇", "镇", "乙丁市", "990101"), ("丁街道", "街道", "乙丁市", "990101"),
                   ("戊瑶族乡", "民族乡", "乙丁市", "990101"), ("己苏木", "苏木", "丙县", "990102")}
    assert notes == ["renamed: 乙丁县 → 乙丁市"]
    assert [t.name for t in rows] == sorted(t.name for t in rows)   # the loader relies on it


def test_shipped_gazetteer_loads_cheaply_and_is_national() -> None:
    path = ROOT / "data" / "gazetteers" / "townships.tsv"
    assert path.stat().st_size < 4_000_000           # small enough to ship
    text = path.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    g = Townships(text, path)
    took = time.perf_counter() - t0
    assert len(g) > 30_000 and took < 0.5            # ~30 ms idle; generous under load
    rows = g.lookup("赵集镇")
    assert {t.county for t in rows} >= {"阜南县", "淮滨县", "邓州市"}
    assert all(t.kind in TOWNSHIP_KINDS for t in rows)
    assert g.lookup("某某镇") == () and "某某镇" not in g
    assert g.in_county("万古镇", "滑县") is not None


def test_a_malformed_row_names_the_file_and_line(tmp_path: Path) -> None:
    text = "name\tkind\tcounty\tprefecture\tprovince\tcode\n甲镇\t镇\t乙县\t丙市\n"
    g = Townships(text, tmp_path / "t.tsv")
    with pytest.raises(ValueError, match=r"t\.tsv:2: expected 6 fields"):
        g.lookup("甲镇")
    with pytest.raises(ValueError, match=r":1: expected header"):
        Townships("name\tkind\n", "x.tsv")


# ---- who reports ----------------------------------------------------------------

def test_no_title_unit_in_the_first_sentence() -> None:
    m = meta("2023年，大集镇坚持以习近平法治思想为指导，扎实推进法治政府建设。现将有关情况报告如下：\n" + BODY)
    assert (m.unit, m.kind, m.year, m.in_gazetteer) == ("大集镇", "镇", 2023, True)


def test_no_title_a_neighbour_named_first_in_the_opening() -> None:
    m = meta("2023年，在县委、县政府的领导下，我镇与邻近的黄集镇共建调解联席会议，大集镇坚持依法行政。\n"
             + BODY + "三、下一步打算\n大集镇将继续完善矛盾纠纷多元化解机制，大集镇司法所加强普法。\n")
    assert m.unit == "大集镇"


def test_no_title_unit_named_only_further_on() -> None:
    m = meta("2023年，我镇坚持依法行政，推进法治政府建设，现将有关情况报告如下：\n" + BODY
             + "三、下一步打算\n大集镇将继续完善矛盾纠纷多元化解机制，大集镇司法所加强普法。\n")
    assert m.unit == "大集镇"


def test_addressee_line_before_the_body() -> None:
    m = meta("县委全面依法治县委员会：\n2023年，大集镇在县委、县政府的正确领导下，全面推进依法行政。\n" + BODY)
    assert m.unit == "大集镇"
    assert m.addressee == "县委全面依法治县委员会"


def test_web_clutter_index_table_and_document_number_before_the_title() -> None:
    m = meta("索引号：11372900/2024-00031\n发布机构：大集镇人民政府\n发布时间：2024-02-18 浏览次数：356\n"
             "字号：大 中 小\n大集政发〔2024〕5号\n关于2023年度法治政府建设情况的报告\n"
             "2023年，全镇上下认真贯彻落实上级决策部署。\n" + BODY)
    assert (m.unit, m.year) == ("大集镇", 2023)


def test_county_level_report_without_a_title() -> None:
    m = meta("2022年，区政府坚持以习近平法治思想为指导，全区法治政府建设取得新成效。\n"
             "一、主要举措和成效\n我区制定重大行政决策目录，璧山区司法局开展合法性审查120件，"
             "璧山区全面推行行政执法三项制度。全区各镇街普法宣传200余场。\n")
    assert (m.unit, m.kind, m.year) == ("璧山区", "区", 2022)
    assert m.in_gazetteer is None and not m.is_township


def test_a_township_report_that_says_whole_county_is_still_a_townships() -> None:
    m = meta("2023年，我镇坚持依法行政，在全县率先完成任务，获曹县全县第一，全县通报表扬。\n" + BODY
             + "大集镇司法所开展普法宣传。\n")
    assert (m.unit, m.kind) == ("大集镇", "镇")


def test_street_names_with_road_and_street_characters() -> None:
    m = meta("解放路街道2023年法治政府建设情况报告\n2023年，解放路街道党工委扎实推进法治建设。\n" + BODY)
    assert (m.unit, m.kind) == ("解放路街道", "街道")
    m = meta("花园街街道办事处关于2023年度法治政府建设工作的报告\n2023年，花园街街道深化依法行政。\n" + BODY)
    assert (m.unit, m.kind, m.county, m.county_inferred) == ("花园街街道", "街道", "桥东区", True)


def test_names_that_contain_a_word_of_the_stop_list() -> None:
    # 集镇 and 古镇 are words (推进集镇建设, 保护古镇风貌); 赵集镇 and 万古镇 are townships
    m = meta("信阳市淮滨县赵集镇人民政府\n2023年度法治政府建设工作报告\n"
             "2023年，赵集镇推进集镇建设与依法行政同步。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred) == ("赵集镇", "淮滨县", False)
    m = meta("滑县万古镇2024年度法治政府建设情况\n2024年，万古镇注重保护古镇风貌，依法推进各项工作。\n" + BODY)
    assert (m.unit, m.kind, m.county) == ("万古镇", "镇", "滑县")


def test_a_unit_the_gazetteer_lacks_presented_in_the_title_is_taken_and_flagged() -> None:
    name = _made_up("云栖湾镇")
    doc = doc_of(f"{name}2023年法治政府建设情况报告\n2023年，{name}新设以来依法开展各项工作。\n" + BODY)
    rep = doc.reports[0]
    assert (rep.meta.unit, rep.meta.in_gazetteer, rep.meta.county) == (name, False, None)
    assert any(name in w and "not in the township gazetteer" in w for w in doc.warnings)
    graph = "".join(doc.graphs.values())
    assert '<https://w3id.org/fazhi-kg/ontology#inGazetteer> "false"' in graph


def test_a_unit_the_gazetteer_lacks_as_the_first_sentence_subject_is_taken_and_flagged() -> None:
    name = _made_up("云栖湾街道")
    m = meta(f"2024年，{name}办事处坚持依法行政，推进法治政府建设。\n" + BODY)
    assert (m.unit, m.kind, m.in_gazetteer) == (name, "街道", False)


def test_a_unit_the_gazetteer_lacks_not_presented_is_not_the_unit() -> None:
    name = _made_up("云栖湾镇")
    with pytest.raises(InputError, match="no reporting unit"):
        meta(f"2023年，我们坚持依法行政。\n一、主要举措\n与{name}交流调解经验，{name}代表参加。\n")
    # with a gazetteer township in the text, that one reports
    m = meta(f"2023年，大集镇坚持依法行政。\n一、主要举措\n与{name}交流调解经验，{name}代表参加。\n")
    assert m.unit == "大集镇"


def test_candidates_are_cut_to_the_gazetteer_name() -> None:
    found = unit.proposals("部署安排全镇工作，政务花园街街道办事处，开展镇村联动")
    assert [f[0] for f in found] == ["花园街街道"]


# ---- county: stated, inferred, ambiguous ---------------------------------------------

def test_county_stated() -> None:
    m = meta("郓城县黄集镇2023年法治政府建设报告\n2023年，黄集镇坚持依法行政。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred) == ("黄集镇", "郓城县", False)


def test_county_inferred_when_one_township_of_that_name_exists() -> None:
    m = meta("大集镇2023年法治政府建设报告\n2023年，大集镇坚持依法行政。\n" + BODY)
    assert (m.county, m.county_inferred) == ("曹县", True)


def test_county_inferred_within_the_prefecture_the_text_names() -> None:
    m = meta("赵集镇2023年法治政府建设报告\n2023年，赵集镇在信阳市司法局指导下推进依法行政。\n" + BODY)
    assert (m.county, m.county_inferred) == ("淮滨县", True)


def test_a_phrase_ending_in_a_county_suffix_is_no_county() -> None:
    # 组织县 is no county: the gazetteer's county of 大集镇 is inferred instead
    m = meta("大集镇2023年法治政府建设报告\n2023年，大集镇通过组织县委宣讲团进村宣讲，推进依法行政。\n" + BODY)
    assert (m.county, m.county_inferred) == ("曹县", True)


def test_county_ambiguous_stays_empty() -> None:
    # three 赵集镇; 河南省 still holds two of them: never guess
    m = meta("赵集镇2023年法治政府建设报告\n2023年，赵集镇按照河南省的部署推进依法行政。\n" + BODY)
    assert (m.unit, m.county, m.county_inferred) == ("赵集镇", None, False)


def test_inferred_county_is_marked_and_not_a_mention() -> None:
    doc = doc_of("大集镇2023年法治政府建设报告\n2023年，大集镇坚持依法行政。\n" + BODY)
    graph = "".join(doc.graphs.values())
    assert "<https://w3id.org/fazhi-kg/ontology#countyInferred>" in graph
    assert "fz:mentions" not in graph
    county = "<https://w3id.org/fazhi-kg/id/county/曹县>"
    assert f"<https://w3id.org/fazhi-kg/ontology#partOf> {county}" in graph
    assert f"<https://w3id.org/fazhi-kg/ontology#mentions> {county}" not in graph


# ---- identity across years --------------------------------------------------------

def test_reports_of_different_years_are_one_township_when_the_county_is_known() -> None:
    stated = doc_of("曹县大集镇2022年法治政府建设报告\n2022年，大集镇坚持依法行政。\n" + BODY, "a.txt")
    inferred = doc_of("大集镇2023年法治政府建设报告\n2023年，大集镇坚持依法行政。\n" + BODY, "b.txt")
    a, b = stated.reports[0], inferred.reports[0]
    assert (a.meta.year, b.meta.year) == (2022, 2023)
    assert a.township_key == b.township_key and a.township_key.endswith("township/曹县/大集镇")


def test_written_short_form_is_one_township_with_the_gazetteer_name() -> None:
    a = doc_of("盘龙区青云街2022年法治政府建设报告\n2022年，青云街坚持依法行政。\n" + BODY, "a.txt").reports[0]
    b = doc_of("盘龙区青云街道2023年法治政府建设报告\n2023年，青云街道坚持依法行政。\n" + BODY, "b.txt").reports[0]
    assert (a.meta.unit, b.meta.unit) == ("青云街", "青云街道")      # each as its report names it
    assert a.meta.unit_name == b.meta.unit_name == "青云街道"
    assert a.township_key == b.township_key


# ---- traditional characters -------------------------------------------------------

def test_traditional_text_is_read_simplified_and_keeps_the_written_form() -> None:
    text = ("鄆城縣黃集鎮人民政府關於2023年度法治政府建設情況的報告\n"
            "2023年，黃集鎮堅持以習近平法治思想為指導，紮實推進依法行政，開展普法宣傳活動12場。\n"
            "一、主要舉措和成效\n鎮黨委會專題研究法治建設4次。\n")
    assert hanzi.is_traditional(text) and not hanzi.is_traditional(BODY * 3)
    doc = doc_of(text)
    m = doc.reports[0].meta
    assert (m.unit, m.county, m.year) == ("黄集镇", "郓城县", 2023)
    assert doc.simplified
    ent = doc.reports[0].entities[doc.reports[0].township_key]
    assert "黃集鎮" in ent.aliases
    assert len(doc.text) == len(hanzi.simplify(doc.text))   # one character for one


# ---- a township's reports by year (township_profile) ---------------------------------

def test_township_profile_lists_one_townships_reports_by_year() -> None:
    from kg.queries import bundled, run
    from kg.store import LocalStore
    from tests.webutil import runner_on

    store = LocalStore(None)
    for name, year, head in (("a.txt", 2022, "曹县大集镇"), ("b.txt", 2023, "大集镇")):
        doc = doc_of(f"{head}{year}年法治政府建设报告\n{year}年，大集镇坚持依法行政。\n" + BODY, name)
        store.replace(doc.path.stem, doc.graphs)

    runner = runner_on(store.ox)

    rows = run(bundled()["township_profile"], {"township": "大集镇"}, runner).records()
    reports = sorted((int(r["reportYear"]), r["object"]) for r in rows if r["fact"] == "报告")
    assert reports == [(2022, "曹县大集镇2022年法治政府建设报告"), (2023, "大集镇2023年法治政府建设报告")]
    county = {(int(r["reportYear"]), r["object"], r["detail"]) for r in rows if r["fact"] == "隶属于"}
    # stated in 2022; in 2023 read from the gazetteer, and marked so
    assert (2022, "曹县", "") in county
    assert any(y == 2023 and c == "曹县" and "inferred" in d for y, c, d in county)


def test_township_page_marks_an_inferred_county_and_a_unit_missing_from_the_gazetteer(tmp_path) -> None:
    import server
    from kg.store import LocalStore
    from kg.web import api

    store = LocalStore(tmp_path / "store")
    name = _made_up("云栖湾镇")
    for fname, text in (("a.txt", "大集镇2023年法治政府建设报告\n2023年，大集镇坚持依法行政。\n" + BODY),
                        ("b.txt", f"{name}2023年法治政府建设报告\n2023年，{name}依法行政。\n" + BODY),
                        ("c.txt", "郓城县黄集镇2023年法治政府建设报告\n2023年，黄集镇坚持依法行政。\n" + BODY)):
        doc = doc_of(text, fname)
        store.replace(doc.path.stem, doc.graphs)
    towns = {r[1].value: r[0].value for r in store.query(
        "SELECT ?t ?l WHERE { ?r fz:township ?t . ?t rdfs:label ?l }").rows}
    store.close()
    app = server.create_app({"store": str(tmp_path / "store"), "TESTING": True})
    try:
        with app.app_context():
            pages = {label: api.entity(iri)["township"] for label, iri in towns.items()}
    finally:
        server.close_app(app)
    assert pages["大集镇"]["county_inferred"] and not pages["大集镇"]["not_in_gazetteer"]
    assert pages[name]["not_in_gazetteer"] and not pages[name]["county_inferred"]
    assert not pages["黄集镇"]["county_inferred"]          # stated
