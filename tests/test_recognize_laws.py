"""法律 recogniser: titles, gazetteer names, named working documents."""
from __future__ import annotations

import pytest

from ingest.pipeline import run_text
from ingest.recognize import laws
from kg.model import LAW


#: a report opening, so that the metadata stage finds a reporting unit
HEAD = "石桥镇人民政府关于2024年度法治政府建设情况的报告\n"


def _laws(text: str, unit: str | None = None):
    """Run up to segmentation, then the laws recogniser alone."""
    doc = run_text(HEAD + text, until="segment")
    rep = doc.reports[0]
    if unit is not None:
        rep.meta.unit, rep.meta.kind = unit, unit[-1]
    rep.mentions = []
    laws.find(doc, rep)
    return doc, [m for m in rep.mentions if m.type == LAW]


def _by_label(mentions):
    return {m.label: m for m in mentions}


def test_title_of_known_law_gets_full_name_alias_and_key():
    doc, found = _laws("今年组织干部集中学习《宪法》和《中华人民共和国民法典》。")
    got = _by_label(found)
    assert set(got) == {"宪法", "中华人民共和国民法典"}
    assert got["宪法"].subtype == "法律"
    assert got["宪法"].aliases == {"中华人民共和国宪法"}
    assert got["宪法"].key == "中华人民共和国宪法"
    assert got["中华人民共和国民法典"].aliases == {"民法典"}
    assert got["中华人民共和国民法典"].key == "中华人民共和国民法典"
    m = got["宪法"]
    assert doc.text[m.start:m.end] == "《宪法》"


def test_both_spellings_of_one_law_share_a_key():
    _, found = _laws("学习《宪法》。开展中华人民共和国宪法宣传。")
    keys = {m.key for m in found}
    assert keys == {"中华人民共和国宪法"}


def test_version_kept_in_label_and_spellings_merge():
    _, found = _laws("对照《法治政府建设实施纲要（2021—2025年）》逐项落实，"
                     "并把《法治政府建设实施纲要(2021-2025年)》列入学习。")
    labels = {m.label for m in found}
    assert "法治政府建设实施纲要（2021—2025年）" in labels
    assert len({m.key for m in found}) == 1
    assert all(m.subtype == "政策文件" for m in found)


def test_unversioned_title_takes_versioned_key_in_same_report():
    _, found = _laws("贯彻《全面深化改革示范纲要（2023-2027年）》。按照《全面深化改革示范纲要》要求推进。")
    assert len(found) == 2
    assert found[0].key == found[1].key == "全面深化改革示范纲要（2023-2027年）"


@pytest.mark.parametrize("title, subtype", [
    ("江苏省物业服务条例", "地方性法规"),
    ("重庆市城市管理条例", "地方性法规"),
    ("基层矛盾化解条例", "行政法规"),
    ("中国共产党基层组织选举工作条例", "党内法规"),
    ("上海市行政执法证件管理办法", "规章"),
    ("关于加强基层法治建设的意见", "政策文件"),
    ("社区矫正促进法", "法律"),
    ("我镇法治宣传教育实施方案", "本地文件"),
    ("石桥镇2024年普法工作计划", "本地文件"),
    ("领导干部年度述法工作总结", "本地文件"),
])
def test_subtype_from_name(title, subtype):
    _, found = _laws(f"制定并印发《{title}》。", unit="石桥镇")
    assert [(m.label, m.subtype) for m in found] == [(title, subtype)]


def test_local_document_has_no_shared_key():
    _, found = _laws("印发《石桥镇2024年普法工作计划》。", unit="石桥镇")
    assert found[0].subtype == "本地文件"
    assert found[0].key is None


@pytest.mark.parametrize("title", ["行政执法证", "执法证", "法治日报", "宪法读本", "法治在身边栏目"])
def test_titles_that_are_not_documents_are_rejected(title):
    _, found = _laws(f"全镇干部均持有《{title}》。")
    assert found == []


def test_bare_known_laws_and_generic_words():
    _, found = _laws("组织学习行政处罚法和民法典，宣传法律法规，推进教育法治建设，落实习近平法治思想。")
    got = _by_label(found)
    assert set(got) == {"行政处罚法", "民法典", "习近平法治思想"}
    assert got["行政处罚法"].aliases == {"中华人民共和国行政处罚法"}
    assert got["习近平法治思想"].subtype == "政策文件"


def test_bare_name_inside_title_is_not_counted_twice():
    _, found = _laws("印发《行政处罚法实施问答汇编》。")
    assert [m.label for m in found] == ["行政处罚法实施问答汇编"]


def test_year_led_and_quoted_working_documents():
    _, found = _laws("围绕县2025年全面依法治县工作要点，落实“2025年法治乡村建设工作要点”任务，完善年度学习计划。")
    got = _by_label(found)
    assert "2025年全面依法治县工作要点" in got
    assert "2025年法治乡村建设工作要点" in got
    assert got["年度学习计划"].subtype == "本地文件"


def test_report_titles_are_not_working_documents():
    _, found = _laws("现将2024年法治政府建设工作情况报告如下。")
    assert found == []


def test_offsets_point_into_text_and_sentence_index():
    doc, found = _laws("第一句话。第二句学习《民法典》。")
    m = found[0]
    assert doc.text[m.start:m.end] == "《民法典》"
    rep = doc.reports[0]
    s = rep.sentences[m.sentence]
    assert s.start <= m.start < m.end <= s.end


def test_full_pipeline_keeps_laws():
    doc = run_text(HEAD + "今年认真学习《宪法》《行政复议法》。\n",
                   until="recognise")
    labels = {m.label for m in doc.reports[0].mentions if m.type == LAW}
    assert {"宪法", "行政复议法"} <= labels


def test_large_text_is_processed():
    para = "镇党委组织学习《宪法》《民法典》和行政处罚法，制定《某某镇普法工作方案》，落实2024年依法治县工作要点。\n"
    text = para * (100_000 // len(para) + 1)
    doc, found = _laws(text)
    assert len(text) >= 100_000
    assert len(found) >= 5 * (100_000 // len(para))


def test_unknown_law_with_state_name_keyed_without_it():
    _, found = _laws("学习《中华人民共和国基层治理促进法》。")
    m = found[0]
    assert m.label == "中华人民共和国基层治理促进法" and m.subtype == "法律"
    assert m.key == "基层治理促进法" and "基层治理促进法" in m.aliases


def test_title_inside_an_activity_stays_after_settle():
    doc = run_text(HEAD + "组织开展《民法典》专题讲座2次。\n", until="recognise")
    labels = {m.label for m in doc.reports[0].mentions if m.type == LAW}
    assert "民法典" in labels


def test_a_year_and_a_general_kind_of_paper_alone_name_no_document():
    _, found = _laws("镇里制定2025年工作计划和年度工作要点，印发2025年度普法工作要点，完善年度培训计划。")
    got = _by_label(found)
    assert "2025年工作计划" not in got and "年度工作要点" not in got
    assert "2025年度普法工作要点" in got
    assert got["年度培训计划"].rules == ["laws.named"]
