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
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from charset_normalizer import from_bytes

from ingest.hanzi import HAN, HAN_CHAR
from ingest.limits import current as limits
from ingest.limits import setting_ref
from kg.errors import InputError
from kg.model import Doc

#: Largest file we accept; a township report is well under 1 MB of text.
MAX_BYTES = 20 * 1024 * 1024

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
    try:
        text, encoding = _READERS[fmt](raw, name)
    except InputError:
        _check_named_format(fmt, path.suffix, name)
        raise
    _check_length(text, name)
    if not text.strip() or not HAN_CHAR.search(text):
        _check_named_format(fmt, path.suffix, name)
    if not text.strip():
        raise InputError(name, f"no text found in this {fmt} file")
    if not HAN_CHAR.search(text):
        raise InputError(name, "no Chinese text found: is this a 法治政府建设 report?")
    doc.fmt = fmt
    doc.encoding = encoding
    doc.original = text


#: what a file named so should start with, when its bytes read as plain text
_NAMED_FORMATS = {".docx": ("Word (.docx)", "a .docx is a zip archive"),
                  ".pdf": ("PDF", "a PDF starts with %PDF-")}


def _check_named_format(fmt: str, suffix: str, name: str) -> None:
    """A .docx or .pdf whose bytes are not one, and give no Chinese text as
    plain text either, is a damaged file: say so, not "no Chinese text"."""
    named = _NAMED_FORMATS.get(suffix.lower())
    if fmt == "txt" and named:
        raise InputError(name, f"damaged {named[0]} file: {named[1]} and this one is not; "
                               "open it and save it again")


def _check_length(text: str, name: str) -> None:
    """Refuse text past ``max_text_chars`` before any later stage sees it."""
    cap = limits().max_text_chars
    if cap and len(text) > cap:
        raise InputError(name, f"gives {len(text):,} characters of text, over the limit of "
                               f"{cap:,} ({setting_ref('max_text_chars', '--max-chars')}): "
                               "split it into one file per report")


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
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return utf16
    if _looks_binary(raw):
        raise InputError(name, "binary file: not text, .docx, PDF or HTML")
    nul = raw.find(b"\x00")
    if nul >= 0:
        # past the sample _looks_binary reads: text with binary data inside
        raise InputError(name, f"binary data (a NUL byte) at byte {nul:,}: not a text file; "
                               "save it again as text, or remove what follows the text")
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


def _utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark, as (text, encoding).

    Its line breaks, digits and ASCII marks put a NUL in every other byte,
    so it would look binary.  The byte order is the one whose decoding is
    (almost all) Chinese, ASCII and full-width marks: the wrong order swaps
    each character's bytes, which lands about a third of Chinese characters
    and no ASCII in those ranges.  Binary data does not decode strictly, or
    decodes to neither.
    """
    if len(raw) % 2 or b"\x00" not in raw[:8192]:
        return None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        sample = text[:8192]
        if "\x00" in text or _CONTROL.search(sample):
            continue
        if len(_PLAUSIBLE.findall(sample)) >= 0.9 * len(sample):
            return text, enc
    return None


#: what a Chinese report is made of (for telling UTF-16's byte order)
_PLAUSIBLE = re.compile(rf"[{HAN}\u3000-\u303f\uff00-\uffef\t\n\r\x20-\x7e“”‘’—…·]")


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    controls = len(_CONTROL.findall(sample.decode("latin-1")))
    return controls > max(4, len(sample) // 100)


def _guess(raw: bytes) -> tuple[str | None, str]:
    """charset-normalizer's best guess, refused when it is mostly junk."""
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
            if "word/document.xml" not in names:
                raise InputError(name, "unknown format: a zip archive that is not a Word "
                                       "(.docx) document")
            _check_inflation(zf, name)
    except InputError:
        raise
    except Exception as exc:
        # BadZipFile, zlib.error or EOFError on a damaged stream, RuntimeError
        # on an encrypted part, NotImplementedError on an unknown compression
        _reraise_memory(exc)
        raise InputError(name, "damaged zip/Word file: open and save it again") from exc
    try:
        # each format's library is loaded when a file of that format comes:
        # python-docx and pypdf take about 0.2 s each to import
        import docx
        from docx.table import Table  # python-docx, as above: for a .docx only
        from docx.text.paragraph import Paragraph  # python-docx, as above

        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises several kinds on bad files
        _reraise_memory(exc)
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
        _reraise_memory(exc)
        raise InputError(name, f"damaged Word document ({type(exc).__name__}): open and save it again") from exc
    return "\n".join(lines), None


_INFLATE_CHUNK = 1 << 20


def _check_inflation(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip bomb before python-docx inflates and parses it.

    Every part is inflated once, a chunk at a time and thrown away, with a
    running total (``max_docx_inflated_mb``): the sizes the zip declares are
    checked first, but a zip can lie, so the count is of what comes out.
    The XML parts' start tags are counted on the way (bytes.count, no
    parse): python-docx builds a tree of every element, about 150 bytes
    and 10 µs each, so their number is held to ``max_text_chars``, one
    element per character of text a file may give.
    """
    lim = limits()
    budget = lim.max_docx_inflated_mb * 2 ** 20
    elements_cap = lim.max_text_chars

    def too_big(size: int) -> InputError:
        return InputError(name, f"the Word document inflates to {size / 2 ** 20:,.0f} MiB or more, "
                                f"over the limit of {lim.max_docx_inflated_mb} MiB "
                                f"({setting_ref('max_docx_inflated_mb')}): a zip bomb, or "
                                "too many embedded pictures")

    infos = zf.infolist()
    declared = sum(i.file_size for i in infos)
    if budget and declared > budget:
        raise too_big(declared)
    total = elements = 0
    for info in infos:
        xml = info.filename.lower().endswith((".xml", ".rels"))
        tail = b""
        with zf.open(info) as fh:
            while chunk := fh.read(_INFLATE_CHUNK):
                total += len(chunk)
                if budget and total > budget:
                    raise too_big(total)
                if xml:
                    # a tag cut by the chunk boundary is counted once, from the joined edge
                    both = tail + chunk
                    elements += both.count(b"<") - both.count(b"</") - tail.count(b"<") \
                        + tail.count(b"</")
                    tail = chunk[-1:]
                    if elements_cap and elements > elements_cap:
                        raise InputError(name, f"the Word document's XML has over "
                                               f"{elements_cap:,} elements, more than the "
                                               f"{elements_cap:,} characters a file may give "
                                               f"({setting_ref('max_text_chars', '--max-chars')}): "
                                               "a zip bomb, or split the document")


def _reraise_memory(exc: Exception) -> None:
    """A parser that ran out of memory is not a damaged file: libxml2 says
    so as a syntax error, which must not read as "damaged" (the runner
    names the memory limit instead)."""
    log = str(getattr(exc, "error_log", ""))
    if isinstance(exc, MemoryError) or "Memory allocation failed" in str(exc) \
            or "ERR_NO_MEMORY" in log:
        raise MemoryError(str(exc)) from exc


def _table_lines(table, lines: list[str]) -> None:
    """Cells in reading order; a merged cell is listed once."""
    from docx.table import _Cell  # python-docx: loaded by _read_docx, which calls this

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


class _Collect(logging.Handler):
    """Keeps pypdf's log lines, which would otherwise be printed on stderr
    (Python's last-resort handler) between our own ``failed:`` lines."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _pypdf_log() -> Iterator[_Collect]:
    log = logging.getLogger("pypdf")
    handler = _Collect()
    old = log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.propagate = old


def _read_pdf(raw: bytes, name: str) -> tuple[str, str]:
    cap = limits().max_text_chars
    with _pypdf_log() as log:
        try:
            from pypdf import PdfReader  # loaded for a PDF only (see _read_docx)

            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError(name, "encrypted PDF: remove the password first")
            pages: list[str] = []
            size = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                size += len(pages[-1]) + 2
                if cap and size > cap:
                    _check_length("\n\f".join(pages), name)   # stop reading: it is over
        except InputError:
            raise
        except Exception as exc:
            _reraise_memory(exc)
            # pypdf's own log says why, where its exception does not (EOF marker not found)
            said = "; ".join(dict.fromkeys(log.lines))
            raise InputError(name, f"damaged PDF ({type(exc).__name__}): {exc}"
                                   + (f" (pypdf: {said})" if said else "")) from exc
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
        import lxml.html  # loaded for an HTML file only (see _read_docx)
        from lxml import etree  # lxml, as above: for an HTML file only

        # strip an XML declaration: lxml refuses str input that carries one
        source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source)
        root = lxml.html.document_fromstring(source)
    except Exception as exc:
        _reraise_memory(exc)
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
