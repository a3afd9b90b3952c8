"""Report metadata: who reports on which year, as the text states it.

``fill(doc, rep)`` sets ``rep.meta`` (:class:`kg.model.ReportMeta`): the
reporting unit and its kind (镇/乡/街道, or 县/区/市/旗 for a county-level
report of the same genre), the county-level unit above a township when the
text names it, prefecture/province when stated, the year reported on, the
signature date, issuer, addressee and title.

Where we look, most trusted first: the title, the header lines above the
body (document heads, web-page fields such as ``发布机构``), the signature,
then the opening paragraph, and as a last resort the unit named most often.
A county counts only when it is a real county-level name (the division
gazetteer, or a 县/区/市/旗 name spelt out in full) standing where a
superior body stands: prefixed to the unit (云阳县江口镇), in the addressee
line, or as the body that leads (在启东市委、市政府的正确领导下).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from functools import lru_cache

from kg.errors import InputError
from kg.model import Doc, Report

_HAN = r"\u4e00-\u9fff"
_HAN_CHAR = re.compile(rf"[{_HAN}]")

# ---- township-level units ---------------------------------------------------
#: a unit suffix; 街 only where a 街道's own bodies follow (X街党工委)
_SUFFIX = re.compile(r"街道(?!级)|镇(?![压守静痛])|乡(?![村镇土亲贤风愁情里])|街(?=党工委|办事处|道办)")
#: characters that end a name going leftwards (function words, time words)
_STOP = set("的在将对我本各全该和与及了为由从向于是等即后以至之年度月日号个共把被让使给并或且其此每所")
#: stop characters that also end many names (太和镇, 共和乡, 新和乡)
_SOFT_STOP = set("和共向于全其安")
_VERB_PREFIX = re.compile(r"^(?:完成|开展|推进|加强|组织|指导|配合|深化|持续|积极|成立|建立|召开|举办|全面|深入|实现|推动"
                          r"|落实|创建|打造|获评|荣获|被评|评为|关于|根据|按照|围绕|结合|立足|聚焦"
                          r"|参加|参与|出席|列席|邀请|会同|联合|协同|陪同|接受|迎接|报请|提请|争取)")
#: last two characters of words that end like a unit but are not one
_NOT_UNIT = {"城乡", "城镇", "乡镇", "村镇", "集镇", "市镇", "小镇", "重镇", "古镇", "名镇", "强镇", "大镇",
             "家乡", "故乡", "下乡", "返乡", "老乡", "同乡", "回乡", "入乡", "坐镇", "制镇", "特色镇",
             "街街", "大街", "老街", "商业街", "步行街"}
_ORGAN_SPLIT = re.compile(r"人民政府|政府|委员会|中共|党委|党工委|办事处|人大")
#: longest name before the suffix (民族乡 names run long: 长潭河侗族乡)
_NAME_MAX = {"街道": 6, "镇": 6, "乡": 7, "街": 4}

# ---- county-level and higher ----------------------------------------------
_COUNTY_SUFFIX = re.compile(rf"[{_HAN}]{{2,5}}?(?:自治县|自治旗|新区|县|区|市|旗)")
#: what follows a county's name when it stands for the superior body
_SUPERIOR_AFTER = re.compile(r"委|人民政府|政府|依法治|法治政府建设|司法局|人大")
_BOOK = re.compile(r"《[^《》]*》")
_ORGAN_WORD = re.compile(r"委|政府|办公室|领导小组|局|人大|法院|检察院|办事处")

# ---- years and dates --------------------------------------------------------
_YEAR_TITLE = re.compile(r"(?<![\d\-—–~至])(20\d\d)(?![\d\-—–~])")
_YEAR_CN = re.compile(r"(二[〇○零Ｏ0O][〇○零Ｏ0O一二三四五六七八九]{2})年")
_YEAR_TEXT = re.compile(r"(?<![\d\-—–~至])(20\d\d)\s*年(?![\d\-—–~至])")
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGIT.update({"○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0})
_DATE_CN = re.compile(
    r"((?:20\d\d)|[二][〇○零Ｏ0O][〇○零Ｏ0O一二三四五六七八九]{2})\s*年\s*"
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
_DATE_FIELD = re.compile(r"(?:成文|生成|印发|签发)日期\s*[:：\]]?\s*\]?\s*(20\d\d)[-./年](\d{1,2})[-./月](\d{1,2})")
_PUBLISHER_FIELD = re.compile(rf"(?:发布机构|发文机关|发文机构|来源)\s*[:：|｜\]]?\s*[|｜]?\s*\]?\s*([{_HAN}]{{2,30}})")

_OPENING_CHARS = 400
#: how far into a report its header, title and addressee can be
_HEAD_CHARS = 5000


@lru_cache(maxsize=1)
def _divisions() -> dict[str, list]:
    """name/short → divisions, from the gazetteer (empty if it is missing)."""
    try:
        from ingest.gazetteer import division_index
    except ImportError:       # the gazetteer is optional: suffix rules still work
        return {}
    try:
        return division_index()
    except Exception:         # a broken gazetteer file must not stop ingesting
        return {}


@lru_cache(maxsize=1)
def _division_forms() -> dict[str, str]:
    """Every written form of a division → its level.

    Full names, plus the way autonomous counties are usually written
    (屏边苗族自治县 → 屏边县, …自治旗 → …旗).
    """
    forms: dict[str, str] = {}
    rank = {"county": 0, "prefecture": 1, "province": 2}
    for ds in _divisions().values():
        for d in ds:
            names = [d.name]
            if d.short and d.name.endswith(("自治县", "自治旗")) and len(d.short) >= 2:
                names.append(d.short + d.name[-1])
            for n in names:
                if len(n) >= 2 and (n not in forms or rank[d.level] < rank.get(forms[n], 9)):
                    forms[n] = d.level
    return forms


#: the last character of every division name
_DIV_END = re.compile(r"[县区市旗省州盟]")


def _division_hits(s: str) -> list[tuple[int, str]]:
    """Gazetteer division names in ``s``: (start, name), the longest at each end.

    A dictionary probe at each 县/区/市/… character: much faster than one
    regular expression with thousands of alternatives.  Names may overlap
    (a short one inside a longer one ending elsewhere); callers pick.
    """
    forms = _division_forms()
    if not forms:
        return []
    hits: list[tuple[int, str]] = []
    for m in _DIV_END.finditer(s):
        e = m.end()
        for n in range(min(10, e), 1, -1):
            if s[e - n:e] in forms:
                hits.append((e - n, s[e - n:e]))
                break
    return hits


def _level(name: str) -> str | None:
    """Gazetteer level of a written name (county/prefecture/province), else by suffix."""
    lv = _division_forms().get(name)
    if lv:
        return lv
    if name.endswith(("省", "自治区")):
        return "province"
    if name.endswith(("县", "区", "旗")):
        return "county"
    if name.endswith(("州", "盟", "地区")):
        return "prefecture"
    if name.endswith("市"):
        return "county"       # refined by position in a chain
    return None


# ---- public -----------------------------------------------------------------

def fill(doc: Doc, rep: Report) -> None:
    """Fill ``rep.meta`` from the report's title, header, opening and signature."""
    from ingest.structure import lines_of

    text = doc.text
    meta = rep.meta
    meta.title = rep.title
    lines = lines_of(text, rep.start, min(rep.end, rep.start + _HEAD_CHARS))
    header, body_at = _header(lines, rep)
    opening = text[body_at:min(rep.end, body_at + _OPENING_CHARS)]
    sig_lines = [ln.text for ln in lines_of(text, *rep.signature)] if rep.signature else []
    issuer_line = sig_lines[0] if len(sig_lines) > 1 else None
    addressee = _addressee(lines, rep, body_at)
    meta.addressee = addressee

    # the reporting unit, most trusted sources first
    sources = ([rep.title] if rep.title else []) + header + ([issuer_line] if issuer_line else [])
    found = None
    for s in sources:
        found = _township_in(s)
        if found:
            break
    # a county-level report names itself in its title; a county named only
    # in a web page's header is more likely the site than the reporting unit
    if not found and rep.title:
        found = _county_unit_in(rep.title)
    if not found:
        found = _township_in(_BOOK.sub("", opening), opening=True)
    if not found:
        for s in sources:
            found = _county_unit_in(s)
            if found:
                break
    if not found:
        found = _most_named(text[rep.start:rep.end])
    if not found:
        raise InputError(str(doc.path), "no reporting unit (镇/乡/街道 or county) found in the title or opening")
    unit, kind, chain = found
    meta.unit, meta.kind = unit, kind

    # divisions above it: the chain written before it, else a superior body
    _set_chain(meta, chain)
    if meta.is_township and not meta.county:
        where = [(s, False) for s in sources] + [(addressee or "", True)]
        where += [(_BOOK.sub("", opening), False)] + [(s, False) for s in sig_lines]
        meta.county = _superior_county(where, unit) or _slogan_county(_BOOK.sub("", opening))

    meta.issued = _issued(sig_lines, header)
    meta.year = _year(rep, opening, meta.issued)
    meta.issuer = _issuer(issuer_line, rep.title, header)


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
    from ingest.structure import _heading_at

    return _heading_at(s, 0) is not None


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


def _candidates(s: str) -> list[tuple[str, str, int]]:
    """Township-level names in ``s``: (name, kind, start offset)."""
    out = []
    for m in _SUFFIX.finditer(s):
        suf = m.group()
        kind = "街道" if suf in ("街道", "街") else suf
        a = m.start()
        left = s[max(0, a - 14):a]
        # cut at the last organ word or division name before the suffix
        cut = 0
        for o in _ORGAN_SPLIT.finditer(left):
            cut = max(cut, o.end())
        for at, dname in _division_hits(left):
            if at + len(dname) < len(left):
                cut = max(cut, at + len(dname))
        name = left[cut:]
        # walk left while the characters can belong to a name
        k = len(name)
        while k > 0 and _HAN_CHAR.match(name[k - 1]) and (
                name[k - 1] not in _STOP or (k == len(name) and name[k - 1] in _SOFT_STOP)):
            k -= 1          # 太和镇, 新和乡: a soft stop right before the suffix is part of the name
        if k > 0 and len(name) - k < 2 and name[k - 1] in _STOP and (k == 1 or not _HAN_CHAR.match(name[k - 2])):
            k -= 1          # 和平镇 at the start of a clause
        name = name[k:]
        name = _VERB_PREFIX.sub("", name) if len(name) >= 4 else name
        if not name:
            continue
        # a generic suffix division (某某县江口镇) that the gazetteer lacks
        g = re.match(rf"[{_HAN}]{{2,4}}?(?:县|区|旗|市)(?=[{_HAN}]{{2}})", name)
        if g and not _NOT_IN_NAME.search(g.group()[:-1]):
            name = name[g.end():]
        full = name + ("街道" if suf == "街道" else suf)
        if len(name) < 2 or len(name) > _NAME_MAX[suf] or full[-2:] in _NOT_UNIT or full[-3:] in _NOT_UNIT:
            continue
        out.append((full, kind, a - len(name)))
    return out


def _township_in(s: str, opening: bool = False) -> tuple[str, str, list[str]] | None:
    """The first township-level unit named in ``s`` and the divisions written before it."""
    for name, kind, at in _candidates(s):
        return name, kind, _chain_before(s[max(0, at - 20):at])
    return None


def _county_unit_in(s: str) -> tuple[str, str, list[str]] | None:
    """A county-level unit reporting itself (XX县人民政府…报告)."""
    chain = _divisions_in(s)
    for name in reversed(chain):
        if _level(name) == "county":
            kind = next((k for k in ("自治县", "自治旗", "县", "区", "市", "旗") if name.endswith(k)), None)
            kind = {"自治县": "县", "自治旗": "旗"}.get(kind, kind)
            return name, kind, chain[:chain.index(name)]
    return None


def _chain_before(s: str) -> list[str]:
    """Division names written right before a unit, outermost first.

    ``烟台市莱山区人民政府`` + 黄海路街道 → [烟台市, 莱山区]; walks back from
    the end of ``s`` over gazetteer names, and 县/区/市/旗 names the
    gazetteer lacks when they start a word (某某县白沙镇 → [某某县]).
    """
    forms = _division_forms()
    chain: list[str] = []
    end = len(s)
    while end > 0:
        organ = _TRAILING_ORGAN.search(s, 0, end)
        if organ:
            end = organ.start()
        hit = None
        for n in range(min(9, end), 1, -1):
            if s[end - n:end] in forms:
                hit = s[end - n:end]
                break
        if hit is None:
            m = _GENERIC_TAIL.search(s, 0, end)
            if m and _bounded(s, m.start()) and not _NOT_IN_NAME.search(m.group()[:-1]):
                hit = m.group()
        if hit is None:
            break
        chain.insert(0, hit)
        end -= len(hit)
    return chain


def _divisions_in(s: str) -> list[str]:
    """Division names anywhere in ``s`` (a county reporting itself)."""
    names = [name for _, name in _division_hits(s)]
    return names or [m.group() for m in _COUNTY_SUFFIX.finditer(s)
                     if _bounded(s, m.start()) and not _NOT_IN_NAME.search(m.group()[:-1])]


_TRAILING_ORGAN = re.compile(r"(?:人民政府|政府|中共)$")
_GENERIC_TAIL = re.compile(rf"[{_HAN}]{{2,4}}(?:自治县|自治旗|县|区|市|旗)$")


def _set_chain(meta, chain: list[str]) -> None:
    """County, prefecture, province from the names written before the unit."""
    below_county = meta.is_township
    levels = [_level(n) for n in chain]
    # with two 市 in a row the first is the prefecture (眉山市彭山区, 烟台市莱山区)
    for i, (name, lv) in enumerate(zip(chain, levels)):
        if lv == "county" and name.endswith("市") and i + 1 < len(chain):
            levels[i] = "prefecture"
    for name, lv in zip(chain, levels):
        if lv == "county" and below_county:
            meta.county = name
        elif lv == "prefecture":
            meta.prefecture = name
        elif lv == "province":
            meta.province = name


def _superior_county(where: list[tuple[str, bool]], unit: str | None = None) -> str | None:
    """A county-level name standing for the body above the township.

    ``where`` holds (text, is_addressee); in the addressee line any county
    named counts (the report goes to its county's bodies), elsewhere only a
    name followed by a body (县委, 人民政府, 依法治区办) or after 中共.
    """
    known = _division_forms()
    for s, is_addressee in where:
        if not s:
            continue
        hits = _division_hits(s)
        hits += [h for h in _generic_counties(s) if h[1] not in known]
        if unit and unit in s:
            # the divisions written right before the unit (某某县青山乡人民政府)
            at = s.index(unit)
            chain = _chain_before(s[:at])
            county = next((n for n in reversed(chain) if _level(n) == "county"), None)
            if county and not (len(county) < 3 and county.endswith("区")):
                return county
        for at, name in sorted(hits):
            if _level(name) != "county" or (len(name) < 3 and name.endswith("区")):
                continue
            if len(name) < 3 and not _bounded(s, at):
                continue      # 和县 inside 领导和县委
            end = at + len(name)
            superior = bool(_SUPERIOR_AFTER.match(s, end)) or s[max(0, at - 2):at] == "中共"
            if superior or (is_addressee and name in known):
                return name
    return None


_SLOGAN = re.compile(rf"法治([{_HAN}]{{2,3}}?)建设")
_BARE_BODY = re.compile(rf"(?<![{_HAN}])(县|区|市|旗)委|(?<=[和、，,在])(县|区|市|旗)委")


def _slogan_county(s: str) -> str | None:
    """法治白云建设 under a bare 区委: the county whose short name is 白云.

    Only when the text also speaks of the county's party committee without
    naming it (区委、区政府), so the slogan plainly names the county above.
    """
    bodies = {m.group(1) or m.group(2) for m in _BARE_BODY.finditer(s)}
    if not bodies:
        return None
    for m in _SLOGAN.finditer(s):
        names = {d.name for d in _divisions().get(m.group(1), [])
                 if d.level == "county" and d.short == m.group(1) and d.name[-1] in bodies}
        if len(names) == 1:
            return names.pop()
    return None


_GENERIC_COUNTY = re.compile(r"(?:自治县|自治旗|新区|县|区|市|旗)(?=委|人民政府|政府|依法治|司法局|人大)")


def _generic_counties(s: str) -> list[tuple[int, str]]:
    """County-level names the gazetteer lacks, spelt out before a body (XX县委)."""
    out = []
    for m in _GENERIC_COUNTY.finditer(s):
        k = m.start()
        while k > 0 and m.start() - k < 5 and _HAN_CHAR.match(s, k - 1) and s[k - 1] not in _STOP:
            k -= 1
        name = s[k:m.end()]
        bounded = k == 0 or not _HAN_CHAR.match(s, k - 1) or s[k - 1] in _STOP
        # X新区 is also X新 + 区: a one-character stem is enough before 新区
        low = 1 if m.group() == "新区" else 2
        if low <= m.start() - k <= 4 and bounded and not _NOT_IN_NAME.search(name[:-1]) \
                and not _VERB_PREFIX.match(name):
            out.append((k, name))     # not 参加县 in 参加县司法局组织的培训
    return out


#: what a county's own name does not contain (it would be a phrase)
_NOT_IN_NAME = re.compile(r"[委县区市旗省镇乡府]|依法|法治|政府|中共|人大|领导")


def _bounded(s: str, at: int) -> bool:
    """Does a name starting at ``at`` start a word (not the tail of one)?"""
    return at == 0 or not _HAN_CHAR.match(s, at - 1) or s[at - 1] in _STOP or s[max(0, at - 2):at] == "中共"


def _most_named(text: str) -> tuple[str, str, list[str]] | None:
    """The township-level unit named most often (a report without a title)."""
    counts: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    first: dict[str, int] = {}
    for name, kind, at in _candidates(text):
        counts[name] += 1
        kinds[name] = kind
        first.setdefault(name, at)
    if not counts:
        return None
    best = max(counts, key=lambda n: (counts[n], -first[n]))
    return best, kinds[best], []


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
        m = _YEAR_CN.search(rep.title)
        if m:
            return int("".join(str(_CN_DIGIT.get(c, 0)) for c in m.group(1)))
    from_sig = issued.year - (1 if issued.month <= 6 else 0) if issued else None
    if rep.index > 0 and from_sig:
        return from_sig
    m = _YEAR_TEXT.search(_BOOK.sub("", opening))
    if m:
        return int(m.group(1))
    return from_sig


def _cn_number(s: str) -> int:
    """12, 十二, 二十一, 三十 → int."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_DIGIT.get(a, 1) if a else 1) * 10 + (_CN_DIGIT.get(b, 0) if b else 0)
    return _CN_DIGIT.get(s, 0)


def parse_date(s: str) -> dt.date | None:
    """2023年12月4日 or 二〇二三年十二月四日 → date (None if not a valid date)."""
    m = _DATE_CN.search(s.replace(" ", ""))
    if not m:
        return None
    y = m.group(1)
    year = int(y) if y.isdigit() else int("".join(str(_CN_DIGIT.get(c, 0)) for c in y))
    try:
        return dt.date(year, _cn_number(m.group(2)), _cn_number(m.group(3)))
    except ValueError:
        return None


def _issued(sig_lines: list[str], header: list[str]) -> dt.date | None:
    for s in reversed(sig_lines):
        d = parse_date(s)
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
_TITLE_ISSUER = re.compile(rf"^(?:20\d\d年度?)?([{_HAN}]+?(?:人民政府|办事处))(?=关于|20\d\d|\d|法治)")


def _issuer(issuer_line: str | None, title: str | None, header: list[str]) -> str | None:
    if issuer_line:
        return issuer_line.strip()
    if title:
        m = _TITLE_ISSUER.match(title)
        if m:
            return m.group(1)
    from ingest.structure import _CLUTTER

    for s in header:
        t = s.strip()
        if len(t) <= 40 and _ISSUER_END.search(t) and not _CLUTTER.search(t):
            return t
    for s in header:
        m = _PUBLISHER_FIELD.search(s)
        if m and _ISSUER_END.search(m.group(1)):
            return m.group(1)
    return None
