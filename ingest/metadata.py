"""Report metadata: who reports on which year, as the text states it.

``fill(doc, rep)`` sets ``rep.meta`` (:class:`kg.model.ReportMeta`): the
reporting unit and its kind (镇/乡/街道, or 县/区/市/旗 for a county-level
report of the same genre), the county-level unit above a township when the
text names it, prefecture/province when stated, the year reported on, the
signature date, issuer, addressee and title.

Who reports is decided in :mod:`ingest.unit` (heuristics propose, the
township gazetteer decides), the county above it in :mod:`ingest.county`.  A county is *stated* when it is a real
county-level name (the division gazetteer, or a 县/区/市/旗 name spelt out
in full) standing where a superior body stands: prefixed to the unit
(云阳县江口镇), in the addressee line, or as the body that leads
(在启东市委、市政府的正确领导下).  Otherwise it is *inferred* from the
township gazetteer where exactly one county fits
(``meta.county_inferred``), and left empty where several do.
"""
from __future__ import annotations

import datetime as dt
import re

from ingest import county, dates, numerals, unit
from ingest.hanzi import HAN
from ingest.lexicon import UNITS, alternation, section_words
from ingest.lines import CLUTTER, heading_at, lines_of
from kg.errors import InputError
from kg.model import Doc, Report

_BOOK = re.compile(r"《[^《》]*》")
_ORGAN_WORD = re.compile(r"委|政府|办公室|领导小组|局|人大|法院|检察院|办事处")

# ---- years and dates --------------------------------------------------------
_YEAR_TITLE = re.compile(r"(?<![\d\-—–~至])(20\d\d)(?![\d\-—–~])")
_YEAR_TEXT = re.compile(r"(?<![\d\-—–~至])(20\d\d)\s*年(?![\d\-—–~至])")
_DATE_FIELD = re.compile(r"(?:成文|生成|印发|签发)日期\s*[:：\]]?\s*\]?\s*" + dates.NUMERIC_DATE)

_OPENING_CHARS = 400
#: how far into a report its header, title and addressee can be
_HEAD_CHARS = 5000


# ---- public -----------------------------------------------------------------

def fill(doc: Doc, rep: Report) -> None:
    """Fill ``rep.meta`` from the report's title, header, opening and signature."""
    text = doc.text
    meta = rep.meta
    meta.title = rep.title
    lines = lines_of(text, rep.start, min(rep.end, rep.start + _HEAD_CHARS))
    header, body_at = _header(lines, rep)
    opening = text[body_at:min(rep.end, body_at + _OPENING_CHARS)]
    sig_lines = [ln.text for ln in lines_of(text, *rep.signature)] if rep.signature else _signed_inline(text, rep)
    issuer_line = sig_lines[0] if len(sig_lines) > 1 else None
    addressee = _addressee(lines, rep, body_at)
    meta.addressee = addressee

    # the reporting unit: heuristics propose, the gazetteer decides (ingest.unit)
    body = _BOOK.sub("", text[body_at:rep.end])
    presented = [h for h in header if h.rstrip()[-1:] not in "：:"]   # not addressee lines
    opening = _BOOK.sub("", opening)
    found = unit.decide(rep.title, presented, issuer_line, opening, body)
    if not found:
        raise InputError(str(doc.path), "no reporting unit (镇/乡/街道 or county) found in the title, "
                                        "header, signature or text")
    # a web page's fields speak of the unit only where they name it (发布机构：
    # 某县某镇人民政府), not through the site they stand on (某县人民政府门户网站)
    fields = [h for h in header if not CLUTTER.search(h) or found.unit in h or found.label in h]
    sources = ([rep.title] if rep.title else []) + fields + ([issuer_line] if issuer_line else [])
    where = [(s, False) for s in sources] + [(addressee or "", True)]
    where += [(opening, False)] + [(s, False) for s in sig_lines]
    stated = _stated_county(found, where, opening)
    if found.in_gazetteer and stated and county.contradicts(found.unit, stated):
        # the gazetteer has this name, but not under the county the text
        # states: a longer name the gazetteer lacks (银杏大街街道 holds 大街街道)
        other = unit.decide(rep.title, presented, issuer_line, opening, body, frozenset({found.unit}))
        if other and other.in_gazetteer is False and other.unit.endswith(found.unit):
            found = other
            stated = _stated_county(found, where, opening)
    found = unit.other_kind_in_county(unit.explained_by_county(found, stated), stated)
    meta.unit, meta.kind = found.label, found.kind
    meta.unit_name = found.unit
    meta.in_gazetteer = found.in_gazetteer
    meta.unit_rule = found.rule
    if found.in_gazetteer is False:
        doc.warnings.append(f"{found.unit} is not in the township gazetteer: taken as the reporting "
                            f"unit because the {found.where} presents it (fz:inGazetteer false)")
    if meta.is_township:
        meta.county = stated
    _set_chain(meta, found.chain)
    if meta.is_township and meta.county and found.in_gazetteer:
        listed = county.gazetteer_counties(found.unit, meta.county)
        if listed:
            doc.warnings.append(f"{found.unit}: the text states the county {meta.county}, the township "
                                f"gazetteer lists it under {'、'.join(listed[:3])}; the text's county is kept")
    if meta.is_township and not meta.county and found.in_gazetteer:
        meta.county = county.infer_county(found.unit, text[rep.start:rep.end])
        meta.county_inferred = meta.county is not None

    meta.issued = _issued(sig_lines, header)
    meta.year = _year(rep, opening, meta.issued)
    meta.issuer = _issuer(issuer_line, rep.title, header)


#: a signature on one line: the issuing body, then the date (某镇人民政府 2024年1月5日)
_SIGNED_INLINE = re.compile(rf"^\s*((?:中共)?[{HAN}]{{2,30}}?(?:{alternation(section_words(UNITS, 'issuers'))}))\s*"
                            rf"({dates.FULL_DATE.pattern})\s*$")


def _signed_inline(text: str, rep: Report) -> list[str]:
    """The issuer and the date of a report signed on its last line, as two
    signature lines; none if its last line is no such signature."""
    last = lines_of(text, max(rep.start, rep.end - 80), rep.end)
    m = _SIGNED_INLINE.match(last[-1].text) if last else None
    return [m.group(1), m.group(2)] if m else []


def _stated_county(found: unit.Found, where: list[tuple[str, bool]], opening: str) -> str | None:
    """The county the text states above a township: written before it, else a superior body."""
    if found.in_gazetteer is None:
        return None
    written = next((n for n, lv in reversed(_chain_levels(found.chain)) if lv == "county"), None)
    return written or county.superior_county(where, found.label) or county.slogan_county(opening)


def _chain_levels(chain: list[str]) -> list[tuple[str, str | None]]:
    """The names written before a unit with their levels."""
    levels = [county.level(n) for n in chain]
    # with two 市 in a row the first is the prefecture (眉山市彭山区, 烟台市莱山区)
    for i, (name, lv) in enumerate(zip(chain, levels)):
        if lv == "county" and name.endswith("市") and i + 1 < len(chain):
            levels[i] = "prefecture"
    return list(zip(chain, levels))


def _set_chain(meta, chain: list[str]) -> None:
    """County, prefecture, province from the names written before the unit."""
    below_county = meta.is_township
    for name, lv in _chain_levels(chain):
        if lv == "county" and below_county:
            meta.county = name
        elif lv == "prefecture":
            meta.prefecture = name
        elif lv == "province":
            meta.province = name


# ---- pieces -------------------------------------------------------------------

def _header(lines, rep: Report) -> tuple[list[str], int]:
    """Lines above the body (title excluded) and the offset where the body starts."""
    out: list[str] = []
    body_at = rep.start
    for ln in lines[:25]:
        if rep.title_span and rep.title_span[0] <= ln.start < rep.title_span[1]:
            body_at = ln.end + 1
            continue
        if ln.clutter or (ln.title_like and not _is_heading(ln.text)):
            out.append(ln.text)
            body_at = ln.end + 1
            continue
        body_at = ln.start
        break
    return out, min(body_at, rep.end)


def _is_heading(s: str) -> bool:
    return heading_at(s, 0) is not None


def _addressee(lines, rep: Report, body_at: int) -> str | None:
    """A short line ending in a colon, right after the title, naming a body."""
    after = rep.title_span[1] if rep.title_span else rep.start
    seen = 0
    for ln in lines:
        if ln.start < after or ln.clutter:
            continue
        seen += 1
        t = ln.text.strip()
        if len(t) <= 50 and t[-1:] in "：:" and _ORGAN_WORD.search(t) and "如下" not in t:
            return t[:-1].strip()
        if seen >= 2 or ln.start > body_at:
            break
    return None


def _year(rep: Report, opening: str, issued: dt.date | None) -> int | None:
    """The year reported on: the title's, else the opening's, else the
    signature's (a report signed in the first half-year is about the year
    before).  A later part of a split file opens mid-text, where a year
    is more likely next year's plan than the year reported on, so there
    the signature comes first."""
    if rep.title:
        m = _YEAR_TITLE.search(rep.title)
        if m:
            return int(m.group(1))
        m = dates.YEAR_CN.search(rep.title)
        if m:
            return numerals.year(m.group(1))
    from_sig = issued.year - (1 if issued.month <= 6 else 0) if issued else None
    if rep.index > 0 and from_sig:
        return from_sig
    m = _YEAR_TEXT.search(_BOOK.sub("", opening))
    if m:
        return int(m.group(1))
    return from_sig


def _issued(sig_lines: list[str], header: list[str]) -> dt.date | None:
    for s in reversed(sig_lines):
        d = dates.parse(s)
        if d:
            return d
    for s in header:
        m = _DATE_FIELD.search(s)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


_ISSUER_END = re.compile(r"(?:人民政府|政府|办事处)$")
_TITLE_ISSUER = re.compile(rf"^(?:20\d\d年度?)?([{HAN}]+?(?:人民政府|办事处))(?=关于|20\d\d|\d|法治)")


def _issuer(issuer_line: str | None, title: str | None, header: list[str]) -> str | None:
    if issuer_line:
        return issuer_line.strip()
    if title:
        m = _TITLE_ISSUER.match(title)
        if m:
            return m.group(1)
    for s in header:
        t = s.strip()
        if len(t) <= 40 and _ISSUER_END.search(t) and not CLUTTER.search(t):
            return t
    for s in header:
        m = unit.PUBLISHER_FIELD.search(s)
        if m and _ISSUER_END.search(m.group(1)):
            return m.group(1)
    return None
