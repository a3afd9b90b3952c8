"""Reports, titles, sections and sentences. (First cut: one report per file.)"""
from __future__ import annotations

import re

from kg.model import Doc, Report, Sentence

_SENT = re.compile(r"[^。！？；\n]+[。！？；]?")


def run(doc: Doc) -> None:
    doc.reports = [Report(index=0, start=0, end=len(doc.text))]


def run_sentences(doc: Doc) -> None:
    from ingest import metadata

    for rep in doc.reports:
        for m in _SENT.finditer(doc.text, rep.start, rep.end):
            if m.group().strip():
                rep.sentences.append(Sentence(len(rep.sentences), m.start(), m.end(), m.group()))
        metadata.fill(doc, rep)
