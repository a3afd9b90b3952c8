"""Tests for ingest.read: formats decided from bytes, encodings, bad input."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import read
from kg.errors import InputError
from kg.model import Doc

REPORT = "江口镇2023年度法治政府建设情况报告\n一、主要举措和成效\n镇党委高度重视法治政府建设。\n"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def read_file(path: Path) -> Doc:
    doc = Doc(path=path)
    read.run(doc)
    return doc


# ---- plain text and encodings ----------------------------------------------

@pytest.mark.parametrize("prefix,encoding", [(b"", "utf-8"), (b"\xef\xbb\xbf", "utf-8-sig")])
def test_utf8_with_and_without_bom(tmp_path: Path, prefix: bytes, encoding: str) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes(prefix + REPORT.encode("utf-8"))
    doc = read_file(p)
    assert doc.fmt == "txt"
    assert doc.encoding == encoding
    assert doc.original == REPORT          # the BOM is not part of the text


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_detected_from_bytes(tmp_path: Path, codec: str) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes(REPORT.encode(codec))
    doc = read_file(p)
    assert doc.encoding == "gb18030"
    assert doc.original == REPORT


def test_other_encodings_fall_back_to_detection(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes((REPORT * 20).encode("utf-16"))      # with a BOM
    doc = read_file(p)
    assert doc.original.startswith("江口镇")


# ---- docx, pdf, html ---------------------------------------------------------

def make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("江口镇2023年度法治政府建设情况报告")
    d.add_paragraph("一、主要举措和成效")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "数量"
    table.cell(1, 0).text = "调处纠纷"
    table.cell(1, 1).text = "140起"
    d.add_paragraph("二、存在的不足和原因")
    d.save(str(path))


def test_docx_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    p = tmp_path / "r.docx"
    make_docx(p)
    doc = read_file(p)
    assert doc.fmt == "docx" and doc.encoding is None
    lines = doc.original.split("\n")
    assert lines == ["江口镇2023年度法治政府建设情况报告", "一、主要举措和成效",
                     "指标", "数量", "调处纠纷", "140起", "二、存在的不足和原因"]


def test_format_comes_from_bytes_not_extension(tmp_path: Path) -> None:
    p = tmp_path / "really-a-word-file.txt"
    make_docx(p)
    assert read_file(p).fmt == "docx"


def make_pdf(path: Path, lines: list[str] | None) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    if lines is None:
        c.rect(100, 100, 200, 200, fill=1)       # a page with only a drawing
    else:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("wqy", str(CJK_FONT), subfontIndex=0))
        c.setFont("wqy", 12)
        for i, line in enumerate(lines):
            c.drawString(72, 750 - 20 * i, line)
    c.showPage()
    c.save()


@pytest.mark.skipif(not CJK_FONT.exists(), reason="no CJK font to embed")
def test_pdf_with_text_layer(tmp_path: Path) -> None:
    p = tmp_path / "r.pdf"
    make_pdf(p, ["江口镇2023年度法治政府建设情况报告", "一、主要举措和成效"])
    doc = read_file(p)
    assert doc.fmt == "pdf"
    assert "江口镇2023年度法治政府建设情况报告" in doc.original
    assert "一、主要举措和成效" in doc.original


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    make_pdf(p, None)
    with pytest.raises(InputError, match="no text layer: run OCR first"):
        read_file(p)


def test_html_drops_scripts_and_keeps_blocks(tmp_path: Path) -> None:
    p = tmp_path / "r.html"
    p.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>页面</title>"
        "<style>p{color:red}</style></head><body>"
        "<div>江口镇2023年度法治政府建设情况报告</div><script>var x='镇';</script>"
        "<p>一、主要举措和成效</p><p>镇党委<b>高度</b>重视。<br>第二行。</p><!-- 注释 --></body></html>",
        encoding="utf-8")
    doc = read_file(p)
    assert doc.fmt == "html"
    assert doc.original.split("\n") == [
        "江口镇2023年度法治政府建设情况报告", "一、主要举措和成效", "镇党委高度重视。", "第二行。"]


def test_html_in_gbk_with_meta_charset(tmp_path: Path) -> None:
    p = tmp_path / "r.htm"
    p.write_bytes("<html><head><meta charset=\"gbk\"></head><body><p>江口镇法治政府建设</p></body></html>"
                  .encode("gbk"))
    assert read_file(p).original == "江口镇法治政府建设"


# ---- bad input ----------------------------------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"  \n")
    with pytest.raises(InputError, match="empty file"):
        read_file(p)


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match="binary file"):
        read_file(p)


def test_unknown_extension_with_binary_content(tmp_path: Path) -> None:
    p = tmp_path / "r.xyz"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    with pytest.raises(InputError, match="binary file"):
        read_file(p)


def test_legacy_formats_refused_with_a_reason(tmp_path: Path) -> None:
    p = tmp_path / "r.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(InputError, match="save it as .docx"):
        read_file(p)
    p = tmp_path / "r.rtf"
    p.write_bytes(b"{\\rtf1\\ansi 2023}")
    with pytest.raises(InputError, match="RTF"):
        read_file(p)


def test_pipeline_on_a_docx_report(tmp_path: Path) -> None:
    from ingest.pipeline import run

    p = tmp_path / "r.docx"
    make_docx(p)
    doc = run(p, until="sentences")
    rep = doc.reports[0]
    assert (rep.meta.unit, rep.meta.year) == ("江口镇", 2023)
    assert [s.covers for s in rep.sections if s.level == 1] == ["measures", "shortcomings"]
    for s in rep.sentences:      # offsets lead back into the extracted text
        a, b = doc.to_orig(s.start, s.end)
        assert doc.original[a:b] == s.text


def test_zip_that_is_not_word(tmp_path: Path) -> None:
    import zipfile

    p = tmp_path / "r.docx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("a.txt", "江口镇")
    with pytest.raises(InputError, match="unknown format"):
        read_file(p)


def test_undecodable_text(tmp_path: Path) -> None:
    # bytes no encoding makes Chinese of: either refused as undecodable or as text without Chinese
    p = tmp_path / "r.txt"
    p.write_bytes(b"\xff\xfe\xfd\xfc" * 3 + b"\x81\x30\xff\x20" * 50)
    with pytest.raises(InputError, match="cannot decode|no Chinese"):
        read_file(p)


def test_text_without_chinese(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_text("An annual report, in English only.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no Chinese"):
        read_file(p)


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "MAX_BYTES", 100)
    p = tmp_path / "big.txt"
    p.write_text(REPORT * 10, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit"):
        read_file(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        read_file(tmp_path / "nope.txt")


@pytest.mark.parametrize("charset", ["undefined", "idna", "punycode", "rot13", "no-such-codec"])
def test_html_meta_charset_naming_a_failing_codec(tmp_path: Path, charset: str) -> None:
    # found by tests/test_fuzz.py: <meta charset=undefined> raised a bare
    # UnicodeError (not UnicodeDecodeError) out of the read stage
    p = tmp_path / "r.html"
    p.write_bytes(f"<html><meta charset={charset}><body><p>xn--a-xn--a-</p><p>{REPORT}</p></body></html>"
                  .encode("utf-8"))
    doc = read_file(p)
    assert doc.fmt == "html" and "江口镇" in doc.original


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W_P = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"


def docx_with_body(path: Path, document_xml: str) -> None:
    """A .docx made by python-docx whose word/document.xml is replaced."""
    import io
    import zipfile

    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info.filename, document_xml.encode("utf-8") if info.filename == "word/document.xml"
                         else data)


@pytest.mark.parametrize("tc_pr", ['<w:vMerge w:val="continue"/>', '<w:gridSpan w:val="abc"/>',
                                   '<w:gridSpan w:val="0"/><w:vMerge/>'])
def test_docx_table_python_docx_cannot_lay_out(tmp_path: Path, tc_pr: str) -> None:
    # found by tests/test_fuzz.py: a vertical merge in the first row or a bad
    # gridSpan made python-docx raise ValueError out of the read stage
    p = tmp_path / "r.docx"
    cell = f"<w:tc><w:tcPr>{tc_pr}</w:tcPr>{W_P.format('聘请法律顾问')}</w:tc>"
    docx_with_body(p, f"<w:document {W_NS}><w:body>{W_P.format(REPORT.splitlines()[0])}"
                      f"<w:tbl><w:tr>{cell}<w:tc>{W_P.format('江口镇')}</w:tc></w:tr></w:tbl></w:body></w:document>")
    doc = read_file(p)
    assert doc.original.splitlines() == [REPORT.splitlines()[0], "聘请法律顾问", "江口镇"]


@pytest.mark.parametrize("xml", [f"<w:document {W_NS}/>", "<foo/>"])
def test_docx_without_a_body(tmp_path: Path, xml: str) -> None:
    p = tmp_path / "r.docx"
    docx_with_body(p, xml)
    with pytest.raises(InputError, match="damaged Word document|no text"):
        read_file(p)
