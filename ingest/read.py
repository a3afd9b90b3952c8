"""bytes → text.  (First cut: UTF-8 and GB18030 plain text.)"""
from __future__ import annotations

from kg.errors import InputError
from kg.model import Doc


def run(doc: Doc) -> None:
    try:
        doc.raw = doc.path.read_bytes()
    except OSError as exc:
        raise InputError(str(doc.path), f"cannot be read ({exc.strerror})") from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            doc.original = doc.raw.decode(enc)
            doc.encoding = enc
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(str(doc.path), "text is neither UTF-8 nor GB18030")
    doc.fmt = "txt"
