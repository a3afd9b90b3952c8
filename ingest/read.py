"""Stage ``read``: bytes → text, for plain text, Word (.docx), PDF and HTML.

The format is decided from the bytes (PDF magic, a zip holding
``word/document.xml``, an ``<html`` tag); the extension is only a hint, so a
report saved as ``.txt`` that is really a Word file is still read right.
Plain text is tried as strict UTF-8 (with or without BOM), then GB18030 (a
superset of GBK/GB2312, what most Chinese Windows tools write), then
whatever charset-normalizer recognises.

``doc.original`` is the decoded text (for docx/pdf/html: the extracted
text); every later offset maps back into it.  A file we cannot use raises
:class:`kg.errors.InputError` with a reason that says what to do.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from kg.errors import InputError
from kg.model import Doc

#: Largest file we accept; a township report is well under 1 MB of text.
MAX_BYTES = 20 * 1024 * 1024

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# C0 controls other than tab, newline, carriage return and form feed: text
# files do not contain them; binary files are full of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HTML_SNIFF = re.compile(rb"<\s*(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta\s|p[\s>]|div[\s>])", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def run(doc: Doc) -> None:
    """Fill ``doc.raw``, ``doc.fmt``, ``doc.encoding`` and ``doc.original``."""
    path = doc.path
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from exc
    if size > MAX_BYTES:
        raise InputError(name, f"file is {size / 1048576:.1f} MB, over the limit of "
                               f"{MAX_BYTES / 1048576:.0f} MB: split it into one file per report")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from exc
    if len(raw) > MAX_BYTES:   # the file grew between stat and read
        raise InputError(name, f"file is over the limit of {MAX_BYTES / 1048576:.0f} MB")
    if not raw.strip():
        raise InputError(name, "empty file: nothing to read")
    doc.raw = raw
    fmt = sniff(raw, path.suffix)
    text, encoding = _READERS[fmt](raw, name)
    if not text.strip():
        raise InputError(name, f"no text found in this {fmt} file")
    if not _CJK.search(text):
        raise InputError(name, "no Chinese text found: is this a 法治政府建设 report?")
    doc.fmt = fmt
    doc.encoding = encoding
    doc.original = text


def sniff(raw: bytes, suffix: str = "") -> str:
    """The format of ``raw``: ``txt``, ``docx``, ``pdf`` or ``html``
    (or ``ole``/``rtf``, which the readers refuse with a reason).

    Unknown binaries come back as ``txt`` and fail in decoding with a clear
    reason; a zip that is not a Word document is refused when read.
    """
    head = raw[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if raw.startswith(b"PK\x03\x04"):
        return "docx"          # checked for word/document.xml when read
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if raw.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if suffix.lower() in (".html", ".htm", ".xhtml") or _HTML_SNIFF.search(raw[:4096]):
        # an extension alone is not enough: the bytes must hold markup
        if b"<" in raw[:65536]:
            return "html"
    return "txt"


def decode_text(raw: bytes, name: str = "", prefer: str | None = None) -> tuple[str, str]:
    """Decode plain-text bytes; returns (text, encoding name)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if _looks_binary(raw):
        raise InputError(name, "binary file: not text, .docx, PDF or HTML")
    tried = []
    if prefer:
        tried.append(prefer)
    tried += ["utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8", "gb18030"]
    for enc in tried:
        try:
            text = raw.decode(enc)
        except (UnicodeError, LookupError):
            # UnicodeError, not only UnicodeDecodeError: a page's <meta charset>
            # may name a codec that fails otherwise (undefined, idna, punycode)
            continue
        return text, ("utf-8" if enc == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf") else enc)
    text, enc = _guess(raw)
    if text is None:
        raise InputError(name, "cannot decode the text: not UTF-8, GB18030 or another "
                               "encoding we recognise; save it as UTF-8")
    return text, enc


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    controls = len(_CONTROL.findall(sample.decode("latin-1")))
    return controls > max(4, len(sample) // 100)


def _guess(raw: bytes) -> tuple[str | None, str]:
    """charset-normalizer's best guess, refused when it is mostly junk."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None, ""
    best = from_bytes(raw).best()
    if best is None:
        return None, ""
    text = str(best)
    if _CONTROL.search(text):
        return None, ""
    return text, best.encoding


def _read_txt(raw: bytes, name: str) -> tuple[str, str | None]:
    return decode_text(raw, name)


def _read_ole(raw: bytes, name: str) -> tuple[str, str]:
    raise InputError(name, "legacy Word (.doc) or other OLE file: save it as .docx or .txt")


def _read_rtf(raw: bytes, name: str) -> tuple[str, str]:
    raise InputError(name, "RTF file: save it as .docx or .txt")


def _read_docx(raw: bytes, name: str) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile as exc:
        raise InputError(name, "damaged zip/Word file: open and save it again") from exc
    if "word/document.xml" not in names:
        raise InputError(name, "unknown format: a zip archive that is not a Word (.docx) document")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises several kinds on bad files
        raise InputError(name, f"damaged Word document ({type(exc).__name__}): open and save it again") from exc
    lines: list[str] = []
    body = getattr(document.element, "body", None)
    if body is None:
        raise InputError(name, "damaged Word document (no document body): open and save it again")
    try:
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag == "p":
                lines.append(Paragraph(child, document).text)
            elif tag == "tbl":
                _table_lines(Table(child, document), lines)
    except Exception as exc:  # python-docx on XML it does not expect
        raise InputError(name, f"damaged Word document ({type(exc).__name__}): open and save it again") from exc
    return "\n".join(lines), None


def _table_lines(table, lines: list[str]) -> None:
    """Cells in reading order; a merged cell is listed once."""
    from docx.table import _Cell

    try:
        cells = [cell for row in table.rows for cell in row.cells]
    except (ValueError, TypeError, IndexError, AttributeError):
        # a grid python-docx cannot lay out (a bad gridSpan, a vertical merge
        # with nothing above it): the cells as written, row by row
        cells = [_Cell(tc, table) for tc in table._tbl.xpath("./w:tr/w:tc")]
    seen: set = set()     # the cell elements themselves: ids of proxies get reused
    for cell in cells:
        if cell._tc in seen:
            continue
        seen.add(cell._tc)
        text = cell.text.strip()
        if text:
            lines.append(text)


def _read_pdf(raw: bytes, name: str) -> tuple[str, str]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(name, "encrypted PDF: remove the password first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:
        raise InputError(name, f"damaged PDF ({type(exc).__name__}): {exc}") from exc
    if not any(p.strip() for p in pages):
        raise InputError(name, "PDF has no text layer: run OCR first")
    # a form feed marks each page break; normalising turns it into a line break
    return "\n\f".join(pages), None


_DROP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "object", "iframe"}
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "tbody", "thead",
    "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "nav",
    "aside", "main", "blockquote", "pre", "hr", "title", "form", "figure", "figcaption",
    "address", "center",
}
_CELL_TAGS = {"td", "th"}
_WS = re.compile(r"[ \t\r\n\f\v]+")


def _read_html(raw: bytes, name: str) -> tuple[str, str]:
    m = _META_CHARSET.search(raw[:4096])
    prefer = m.group(1).decode("ascii", "ignore").lower() if m else None
    source, encoding = decode_text(raw, name, prefer=prefer)
    try:
        import lxml.html
        from lxml import etree

        # strip an XML declaration: lxml refuses str input that carries one
        source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source)
        root = lxml.html.document_fromstring(source)
    except Exception as exc:
        raise InputError(name, f"damaged HTML ({type(exc).__name__}): {exc}") from exc
    parts: list[str] = []
    skip_depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if event == "start":
            if skip_depth or tag in _DROP_TAGS or not isinstance(el.tag, str):
                skip_depth += 1
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            elif tag in _CELL_TAGS:
                parts.append("\t")
            if el.text:
                parts.append(_WS.sub(" ", el.text))
        else:
            if skip_depth:
                skip_depth -= 1
            elif tag in _BLOCK_TAGS:
                parts.append("\n")
            if skip_depth == 0 and el.tail and el is not root:
                parts.append(_WS.sub(" ", el.tail))
    text = "".join(parts)
    # tidy the layout: no blank runs, no spaces around line breaks
    text = re.sub(r"[ \t]*\n[ \t\n]*", "\n", text).strip()
    return text, encoding


_READERS: dict[str, Callable[[bytes, str], tuple[str, str | None]]] = {
    "txt": _read_txt, "docx": _read_docx, "pdf": _read_pdf, "html": _read_html, "ole": _read_ole, "rtf": _read_rtf,
}


def read_path(path: Path | str) -> Doc:
    """Read one file into a fresh Doc (convenience for tools and tests)."""
    doc = Doc(path=Path(path))
    run(doc)
    return doc
