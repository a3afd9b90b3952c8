"""Normalising the text, keeping a map back to the original. (First cut.)"""
from __future__ import annotations

import re
from array import array

from kg.model import Doc

_ARTEFACT = re.compile(r"\[bookmark: [^\]]*\]")


def run(doc: Doc) -> None:
    src = doc.original
    out: list[str] = []
    offsets = array("l")
    pos = 0
    for m in _ARTEFACT.finditer(src):
        for i in range(pos, m.start()):
            out.append(src[i]); offsets.append(i)
        pos = m.end()
    for i in range(pos, len(src)):
        out.append(src[i]); offsets.append(i)
    offsets.append(len(src))
    doc.text = "".join(out)
    doc.offsets = offsets
