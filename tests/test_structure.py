"""Tests for ingest.structure: report split, title, sections, signature, sentences."""
from __future__ import annotations

from ingest.pipeline import run_text
from kg.model import REQUIRED_PARTS, Doc

FIRST = """某某县人民政府文件

青山镇2023年法治政府建设年度报告

2023年，在县委、县政府的正确领导下，青山镇扎实推进法治政府建设，现将有关情况报告如下：

一、主要举措和成效

（一）强化组织领导

一是调整领导小组。成立以党委书记为组长的法治政府建设工作领导小组。二是压实责任。将法治建设纳入年度考核。

（二）规范行政执法

1、落实三项制度。全面推行行政执法公示制度。

2、加强执法培训。组织执法人员培训4次。

二、党政主要负责人履行推进法治建设第一责任人职责情况

镇党委书记切实履行第一责任人职责，带头学习《中华人民共和国宪法》。

三、存在的不足和原因

法治宣传形式较为单一。

四、2024年工作安排

继续开展“法律进乡村”活动；完善矛盾纠纷化解机制！

青山镇人民政府

2023年12月4日
"""

SECOND_PAGES = """农村群众法治意识还不够强，参与普法活动的积极性有待提高，基层治理法治化水平有待提升。

四、下一年度工作计划

明年，我镇将继续深化法治宣传教育，持续推进依法行政，不断提升基层依法治理能力和水平。

某某县白沙镇人民政府

2023年11月30日
"""


def sentences_doc(text: str) -> Doc:
    return run_text(text, "r.txt", until="sentences")


def test_one_report_title_signature_and_sections() -> None:
    doc = sentences_doc(FIRST)
    assert len(doc.reports) == 1
    rep = doc.reports[0]
    assert rep.title == "青山镇2023年法治政府建设年度报告"
    a, b = rep.title_span
    assert doc.text[a:b] == rep.title
    s, e = rep.signature
    assert doc.text[s:e] == "青山镇人民政府\n2023年12月4日"

    by_title = {sec.title: sec for sec in rep.sections}
    top = [sec for sec in rep.sections if sec.level == 1]
    assert [sec.number for sec in top] == ["一", "二", "三", "四"]
    assert [sec.covers for sec in top] == ["measures", "first_responsibility", "shortcomings", "next_year"]
    assert {sec.covers for sec in top} == set(REQUIRED_PARTS)

    leader = by_title["强化组织领导"]
    assert leader.level == 2 and rep.sections[leader.parent].number == "一"
    point = by_title["调整领导小组"]
    assert point.level == 5 and point.parent == leader.index
    second_point = by_title["压实责任"]
    assert second_point.parent == leader.index and point.end <= second_point.start
    item = by_title["落实三项制度"]
    assert item.level == 3 and rep.sections[item.parent].title == "规范行政执法"
    # a section ends where the next one of its level (or higher) starts
    assert leader.end == by_title["规范行政执法"].start
    assert top[-1].end <= rep.signature[0]


def test_sentences_split_and_know_their_section() -> None:
    doc = sentences_doc(FIRST)
    rep = doc.reports[0]
    texts = [s.text for s in rep.sentences]
    assert "一、主要举措和成效" in texts                # a heading is its own sentence
    assert "（一）强化组织领导" in texts
    assert "继续开展“法律进乡村”活动；" in texts       # split on ；
    assert "完善矛盾纠纷化解机制！" in texts
    for s in rep.sentences:
        assert doc.text[s.start:s.end] == s.text
        assert "\n" not in s.text
    sent = next(s for s in rep.sentences if s.text.startswith("成立以党委书记"))
    assert rep.sections[sent.section].title == "调整领导小组"
    opening = rep.sentences[2]
    assert opening.text.startswith("2023年") and opening.section is None


def test_never_split_inside_quotes_or_book_titles() -> None:
    text = ("青山镇2023年法治政府建设年度报告\n"
            "组织学习《关于推进法治建设的意见。试行》等文件，开展“送法下乡。进村入户”活动。随后总结。\n")
    rep = sentences_doc(text).reports[0]
    texts = [s.text for s in rep.sentences]
    assert "组织学习《关于推进法治建设的意见。试行》等文件，开展“送法下乡。进村入户”活动。" in texts
    assert "随后总结。" in texts


def test_heading_running_into_its_paragraph_is_its_own_sentence() -> None:
    text = "青山镇2023年法治政府建设年度报告\n一、主要做法\n1. 落实第一责任人职责  镇党委高度重视法治工作。\n"
    rep = sentences_doc(text).reports[0]
    texts = [s.text for s in rep.sentences]
    assert "1.落实第一责任人职责" in texts
    assert "镇党委高度重视法治工作。" in texts


def test_signature_followed_by_more_pages_splits_the_file() -> None:
    doc = sentences_doc(FIRST + "\n" + SECOND_PAGES)
    assert len(doc.reports) == 2
    first, second = doc.reports
    assert first.meta.unit == "青山镇" and second.meta.unit == "白沙镇"
    assert first.end <= second.start
    assert doc.text[first.signature[0]:first.signature[1]].endswith("2023年12月4日")
    assert doc.text[second.start:].startswith("农村群众法治意识")
    assert second.title is None
    assert [s.covers for s in second.sections if s.level == 1] == ["next_year"]
    assert second.meta.year == 2023          # from its signature, not next year's plan
    assert all(second.start <= s.start < second.end for s in second.sentences)


def test_second_title_splits_the_file() -> None:
    other = ("白沙镇2023年法治政府建设情况报告\n"
             "2023年，白沙镇坚持依法行政，全面推进法治政府建设，现将有关情况报告如下：\n"
             "一、主要举措和成效\n白沙镇健全依法决策机制，严格落实重大行政决策程序。\n")
    doc = sentences_doc(FIRST.replace("青山镇人民政府\n\n2023年12月4日\n", "") + other)
    assert [r.meta.unit for r in doc.reports] == ["青山镇", "白沙镇"]
    assert doc.reports[1].title == "白沙镇2023年法治政府建设情况报告"


def test_repeated_title_does_not_split() -> None:
    text = ("青山镇2023年法治政府建设工作报告\n青山镇2023年法治政府建设工作报告\n"
            "2023年，青山镇扎实推进法治政府建设。\n一、工作开展情况\n全面推进依法行政。\n")
    doc = sentences_doc(text)
    assert len(doc.reports) == 1


def test_attachment_after_signature_does_not_split() -> None:
    text = FIRST + "附件：2023年度法治政府建设工作台账及相关证明材料清单，共计二十项，另附说明材料一份。\n"
    assert len(sentences_doc(text).reports) == 1


def test_second_part_without_a_unit_folds_back() -> None:
    tail = "另外还有一些补充说明的内容写在这里，用来说明今年工作中的其他方面情况和具体做法。\n"
    doc = sentences_doc(FIRST + tail)
    assert len(doc.reports) == 1
    assert doc.reports[0].end == len(doc.text)


def test_parenthesised_and_ascii_numbering() -> None:
    text = ("青山镇2023年法治政府建设年度报告\n一、主要举措和成效\n(一)规范执法\n(1)严格公示。\n"
            "①全面公开。\n二、存在问题\n")
    rep = sentences_doc(text).reports[0]
    levels = [(s.level, s.title) for s in rep.sections]
    assert levels == [(1, "主要举措和成效"), (2, "规范执法"), (4, "严格公示"), (4, "全面公开"), (1, "存在问题")]
    assert rep.sections[2].parent == 1 and rep.sections[4].parent is None


def test_date_under_a_header_is_not_a_split() -> None:
    text = ("青山镇人民政府\n2024年1月15日\n青山镇2023年法治政府建设年度报告\n"
            "2023年，青山镇扎实推进法治政府建设，全面落实依法行政各项要求，取得了较好成效，现将有关情况报告如下。\n"
            + BODY_LINES)
    doc = sentences_doc(text)
    assert len(doc.reports) == 1


BODY_LINES = "一、主要举措和成效\n" + "镇党委高度重视法治政府建设，定期研究部署法治工作，推动各项任务落地见效。\n" * 5


def test_many_signed_parts_without_a_unit_fold_in_linear_time() -> None:
    # found by tests/test_fuzz.py: each part that names no unit is folded into
    # the report before it, and its sections were redone over the whole grown
    # report at every fold (200 KB of such parts took 4.5 s, 1 MB minutes)
    import time

    part = "某某委员会\n2023年12月4日\n" + "开展法治宣传活动，共计一百次。" * 15 + "\n"
    text = ("惠萍镇2023年法治政府建设工作报告\n一、主要举措和成效\n" + "惠萍镇开展法治宣传活动，共计一百次。" * 15
            + "\n" + part * 800)
    t0 = time.perf_counter()
    doc = run_text(text, until="sentences")
    assert time.perf_counter() - t0 < 5
    assert len(doc.reports) == 1
    rep = doc.reports[0]
    assert rep.meta.unit == "惠萍镇" and rep.end == len(doc.text)
    assert rep.sections[0].title == "主要举措和成效" and rep.sections[0].end == rep.signature[0]
