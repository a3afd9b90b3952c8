"""Tests for ingest.normalize: cleaning that never loses the original."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.normalize import normalize_text, run
from kg.model import Doc

#: characters normalising may put in place of others (NBSP → space, CR/FF → newline)
REPLACED = {" ", "\n"}


def check_offsets(original: str, text: str, offsets) -> None:
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(original)
    assert list(offsets[:-1]) == sorted(offsets[:-1]), "offsets must keep the order"
    for i, ch in enumerate(text):
        if ch not in REPLACED:
            assert original[offsets[i]] == ch, (i, ch, original[offsets[i]])


def norm(s: str, fmt: str = "txt") -> str:
    text, offsets = normalize_text(s, fmt)
    check_offsets(s, text, offsets)
    return text


def test_run_fills_doc() -> None:
    doc = Doc(path=Path("x.txt"), fmt="txt", original="镇政府\r\n开展普法。\r\n")
    run(doc)
    assert doc.text == "镇政府\n开展普法。"
    check_offsets(doc.original, doc.text, doc.offsets)


def test_conversion_artefacts_go() -> None:
    s = "[bookmark: _GoBack]一是抓住关键\u200b学习点。[bookmark: _Toc123]二是\u00a0铺开。\f三是完善。"
    assert norm(s) == "一是抓住关键学习点。二是 铺开。\n三是完善。"


def test_sentence_broken_over_blank_lines_is_joined() -> None:
    s = ("坚持把公众参与、专家论证、风险评估、合法性审查、集体讨论\n\n"
         "决定，确定为法定程序。\n\n"
         "成立了以党委书记为组长，镇长及其\n\n他班子成员为副组长的领导小组。\n")
    assert norm(s) == ("坚持把公众参与、专家论证、风险评估、合法性审查、集体讨论决定，确定为法定程序。\n"
                       "成立了以党委书记为组长，镇长及其他班子成员为副组长的领导小组。")


def test_paragraphs_headings_titles_and_signatures_stay() -> None:
    s = ("某某镇\n\n2023年度法治政府建设情况报告\n\n"
         "一、主要举措和成效\n\n（一）强化组织领导，压实工作责任\n\n"
         "镇党委高度重视，定期研究法治工作\n\n"
         "二是完善制度。\n\n"
         "某某镇人民政府\n\n2023年12月4日\n")
    assert norm(s).split("\n") == [
        "某某镇", "2023年度法治政府建设情况报告", "一、主要举措和成效",
        "（一）强化组织领导，压实工作责任", "镇党委高度重视，定期研究法治工作",
        "二是完善制度。", "某某镇人民政府", "2023年12月4日"]


@pytest.mark.parametrize("page", ["- 3 -", "—3—", "－ 12 －", "第3页", "第 3 页 共 10 页", "3/10", "7"])
def test_page_numbers_dropped(page: str) -> None:
    s = f"开展普法宣传活动6次，\n\n{page}\n\n发放资料800份。\n"
    assert norm(s) == "开展普法宣传活动6次，发放资料800份。"


def test_lone_number_kept_in_docx_tables() -> None:
    assert norm("调处纠纷\n140\n调解成功\n", fmt="docx") == "调处纠纷\n140\n调解成功"


def test_spaces_between_chinese_and_digits_collapse() -> None:
    assert norm("2023 年，共调处纠纷 140 起，涉及金额 350 万元。") == "2023年，共调处纠纷140起，涉及金额350万元。"
    assert norm("稠树塘镇 2023 年法治政府建设年度报告") == "稠树塘镇2023年法治政府建设年度报告"
    assert norm("一、主要做法 ：") == "一、主要做法："


def test_gap_between_heading_and_text_kept_as_one_space() -> None:
    assert norm("1. 落实第一责任人职责  镇党委高度重视。") == "1.落实第一责任人职责 镇党委高度重视。"


def test_letter_spaced_title() -> None:
    assert norm("法 治 政 府 建 设\n报  告\n") == "法治政府建设\n报告"


def test_english_words_broken_over_lines_keep_a_space() -> None:
    assert norm("通过广播、显示屏等方式，利用LED\nscreen滚动播放。") == "通过广播、显示屏等方式，利用LED screen滚动播放。"


def test_pdf_layout_lines_joined_even_without_punctuation() -> None:
    # a fixed-width layout: full lines continue on the next line
    width = 30
    body = "镇党委政府高度重视法治政府建设工作始终把依法行政放在突出位置认真落实各项要求" * 6
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    s = "\n".join(lines) + "。\n"
    assert norm(s) == body + "。"


def test_empty_and_whitespace() -> None:
    assert norm("") == ""
    assert norm(" \n\n ") == ""


def test_offsets_on_a_larger_mixed_text() -> None:
    s = ("\ufeff  惠萍镇\r\n\r\n2023 年度法治政府建设情况报告\r\n"
         "一、主要举措\u3000和成效\r\n[bookmark: _GoBack]内容继续\r\n\r\n- 2 -\r\n写完。\r\n") * 30
    text, offsets = normalize_text(s)
    check_offsets(s, text, offsets)
    assert "\r" not in text and "bookmark" not in text and "- 2 -" not in text


def test_long_line_of_spaced_words_is_linear() -> None:
    # found by tests/test_fuzz.py: every gap between two Chinese words rescanned
    # its whole line (is it a short 报  告 line?), so a 120 KB line took 20 s
    import time

    line = "法治 政府 " * 60000          # 360 000 characters, 120 000 gaps
    t0 = time.perf_counter()
    text, offs = normalize_text(line)
    assert time.perf_counter() - t0 < 5
    assert text == line.strip() and len(offs) == len(text) + 1
    assert normalize_text("报  告\n法治 政府 建设")[0] == "报告\n法治 政府 建设"


def test_numbered_paragraph_wrapped_after_its_first_sentence_is_joined() -> None:
    text = ("5.加强法律顾问工作，提升依法行政水平。深入推进政府法律顾问制度，聘请明\n"
            "镜律师事务所律师担任政府法律顾问。\n"
            "6.加强执法监督\n"
            "全年办理案件5件。\n")
    out, _ = normalize_text(text)
    assert "聘请明镜律师事务所" in out
    assert "6.加强执法监督\n" in out          # a numbered heading keeps its line
