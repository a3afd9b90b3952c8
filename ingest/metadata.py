"""Reporting unit, kind, county, year, issue date. (First cut.)"""
from __future__ import annotations

import re

from kg.model import Doc, Report

_UNIT = re.compile(r"([\u4e00-\u9fff]{2,6}?(?:街道|镇|乡))")
_YEAR = re.compile(r"(20\d\d)\s*年")


def fill(doc: Doc, rep: Report) -> None:
    head = doc.text[rep.start:rep.start + 300]
    m = _UNIT.search(head)
    if m:
        rep.meta.unit = m.group(1)
        rep.meta.kind = "街道" if m.group(1).endswith("街道") else m.group(1)[-1]
    y = _YEAR.search(head)
    if y:
        rep.meta.year = int(y.group(1))
