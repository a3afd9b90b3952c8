"""Gazetteers: national laws and policy documents, China's divisions and townships.

Three UTF-8 TSV files under ``data/gazetteers`` (see its README for where they
come from):

* ``laws.tsv`` — ``name  full_name  subtype  aliases`` (aliases joined by
  ``|``): laws, administrative regulations, party regulations and national
  policy documents as township reports cite them.
* ``divisions.tsv`` — ``name  level  parent  province  short``: every
  province-, prefecture- and county-level division of mainland China.
* ``townships.tsv`` — ``name  kind  county  prefecture  province  code``:
  the mainland's ~40,000 township-level units (镇, 乡, 民族乡, 苏木, 街道),
  sorted by name.  Read through :func:`townships` (a compact index built on
  first use: one string per row, parsed only when a name is looked up).

The loaders return frozen dataclasses; the default files are read once
(``functools.cache``).  :func:`law_index` and :func:`division_index` map every
normalised surface form (see :func:`normalize`) to its entries.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.paths import data_dir

__all__ = [
    "LAW_SUBTYPES",
    "DIVISION_LEVELS",
    "LawEntry",
    "Division",
    "normalize",
    "load_laws",
    "load_divisions",
    "law_index",
    "division_index",
    "TOWNSHIP_KINDS",
    "TownshipEntry",
    "Townships",
    "townships",
]

LAW_SUBTYPES = frozenset({"法律", "行政法规", "地方性法规", "规章", "党内法规", "政策文件"})
DIVISION_LEVELS = frozenset({"province", "prefecture", "county"})

LAWS_HEADER = ("name", "full_name", "subtype", "aliases")
DIVISIONS_HEADER = ("name", "level", "parent", "province", "short")
TOWNSHIPS_HEADER = ("name", "kind", "county", "prefecture", "province", "code")
TOWNSHIP_KINDS = frozenset({"镇", "乡", "民族乡", "苏木", "街道"})

PRC = "中华人民共和国"
_TAB = "\t"

# Marks that never change which document or place is meant.
_DROP = re.compile(r"[\s《》〈〉“”\"‘’'「」『』]")
_DASHES = str.maketrans({c: "-" for c in "—–―‒‐‑－~〜～"})
# A trailing year range: （2021-2025年）, (2021-2025), 2021-2025
_YEARS = re.compile(r"[（(]?(\d{4}-\d{4})年?[）)]?$")


@dataclass(frozen=True)
class LawEntry:
    """One law, regulation or policy document.

    ``name`` is the short form reports use (``宪法``), ``full_name`` the
    official title (``中华人民共和国宪法``), ``subtype`` one of
    :data:`LAW_SUBTYPES`, and ``aliases`` other surface forms.
    """

    name: str
    full_name: str
    subtype: str
    aliases: tuple[str, ...] = ()

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Name, full name, aliases and the full name without 中华人民共和国."""
        forms = [self.name, self.full_name, *self.aliases]
        if self.full_name.startswith(PRC) and len(self.full_name) > len(PRC) + 1:
            forms.append(self.full_name[len(PRC):])
        seen: dict[str, None] = {}
        for f in forms:
            if f:
                seen.setdefault(f, None)
        return tuple(seen)


@dataclass(frozen=True)
class Division:
    """One administrative division.

    ``level`` is ``province``, ``prefecture`` or ``county``; ``parent`` is the
    prefecture (or, for municipalities' districts and directly administered
    county-level units, the province-level unit) of a county, the province of
    a prefecture, and '' for a province; ``short`` is the common short form
    (``云阳县`` → ``云阳``) or '' where it would be a single character.
    """

    name: str
    level: str
    parent: str
    province: str
    short: str


def normalize(text: str) -> str:
    """The lookup key of a surface form.

    NFKC (full-width letters and digits become ASCII), brackets made
    Chinese (``（）``), all dashes made ``-``, whitespace, book-title marks and
    quotation marks dropped: ``《中华人民共和国 宪法》`` → ``中华人民共和国宪法``,
    ``法治政府建设实施纲要(2021—2025年)`` → ``法治政府建设实施纲要（2021-2025年）``.
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = text.replace("(", "（").replace(")", "）")
    return _DROP.sub("", text)


def _year_variants(key: str) -> list[str]:
    """Other spellings of a trailing year range in a normalised key.

    ``纲要（2021-2025年）`` → ``纲要（2021-2025）``, ``纲要2021-2025``.
    """
    m = _YEARS.search(key)
    if not m or m.start() == 0:
        return []
    stem, years = key[: m.start()], m.group(1)
    return [v for v in (f"{stem}（{years}年）", f"{stem}（{years}）", f"{stem}{years}") if v != key]


def _data_dir() -> Path:
    """The project's data directory (``kg.paths.data_dir()``)."""
    return Path(data_dir())


def _default_path(filename: str) -> Path:
    return _data_dir() / "gazetteers" / filename


def _read_tsv(path: Path, header: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    """Rows of a TSV file with their 1-based line numbers; checks the header.

    Blank lines and lines starting with ``#`` are skipped.  Raises
    :class:`ValueError` naming the file and line on a wrong header or a row
    with the wrong number of fields.
    """
    rows: list[tuple[int, list[str]]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        seen_header = False
        for fields in reader:
            lineno = reader.line_num
            if not fields or not "".join(fields).strip() or fields[0].startswith("#"):
                continue
            fields = [f.strip() for f in fields]
            if not seen_header:
                if tuple(fields) != header:
                    raise ValueError(
                        f"{path}:{lineno}: expected header {_TAB.join(header)!r}, got {_TAB.join(fields)!r}"
                    )
                seen_header = True
                continue
            if len(fields) != len(header):
                raise ValueError(
                    f"{path}:{lineno}: expected {len(header)} tab-separated fields, got {len(fields)}"
                )
            rows.append((lineno, fields))
    if not seen_header:
        raise ValueError(f"{path}:1: empty file, expected header {_TAB.join(header)!r}")
    return rows


def _parse_laws(path: Path) -> list[LawEntry]:
    entries: list[LawEntry] = []
    for lineno, (name, full_name, subtype, aliases) in _read_tsv(path, LAWS_HEADER):
        if not name or not full_name:
            raise ValueError(f"{path}:{lineno}: name and full_name must not be empty")
        if subtype not in LAW_SUBTYPES:
            raise ValueError(
                f"{path}:{lineno}: subtype {subtype!r} is not one of {sorted(LAW_SUBTYPES)}"
            )
        alias_tuple = tuple(a.strip() for a in aliases.split("|") if a.strip())
        entries.append(LawEntry(name, full_name, subtype, alias_tuple))
    return entries


def _parse_divisions(path: Path) -> list[Division]:
    divisions: list[Division] = []
    for lineno, (name, level, parent, province, short) in _read_tsv(path, DIVISIONS_HEADER):
        if not name or not province:
            raise ValueError(f"{path}:{lineno}: name and province must not be empty")
        if level not in DIVISION_LEVELS:
            raise ValueError(
                f"{path}:{lineno}: level {level!r} is not one of {sorted(DIVISION_LEVELS)}"
            )
        if (level == "province") != (parent == ""):
            raise ValueError(f"{path}:{lineno}: a province has no parent; other levels need one")
        divisions.append(Division(name, level, parent, province, short))
    return divisions


@cache
def _default_laws() -> tuple[LawEntry, ...]:
    return tuple(_parse_laws(_default_path("laws.tsv")))


@cache
def _default_divisions() -> tuple[Division, ...]:
    return tuple(_parse_divisions(_default_path("divisions.tsv")))


def load_laws(path: Path | None = None) -> list[LawEntry]:
    """The entries of ``laws.tsv`` (the project's own unless ``path`` is given)."""
    if path is None:
        return list(_default_laws())
    return _parse_laws(Path(path))


def load_divisions(path: Path | None = None) -> list[Division]:
    """The rows of ``divisions.tsv`` (the project's own unless ``path`` is given)."""
    if path is None:
        return list(_default_divisions())
    return _parse_divisions(Path(path))


def _build_law_index(entries: list[LawEntry] | tuple[LawEntry, ...]) -> dict[str, LawEntry]:
    # Names win over other forms, then earlier rows over later ones, so an
    # alias never takes a key that is another entry's name.
    index: dict[str, LawEntry] = {}
    for e in entries:
        index.setdefault(normalize(e.name), e)
    for e in entries:
        for form in e.surface_forms:
            key = normalize(form)
            index.setdefault(key, e)
            for variant in _year_variants(key):
                index.setdefault(variant, e)
    return index


@cache
def _default_law_index() -> dict[str, LawEntry]:
    return _build_law_index(_default_laws())


def law_index(entries: list[LawEntry] | None = None) -> dict[str, LawEntry]:
    """Every normalised surface form → its entry.

    Keys are :func:`normalize`-d names, full names, aliases, full names
    without ``中华人民共和国`` and year-range spellings (``（2021-2025年）``,
    ``（2021-2025）``, ``2021-2025``).  Look a mention up with
    ``law_index().get(normalize(text))``.  Without ``entries`` the default
    gazetteer is used (cached; do not mutate the result).
    """
    if entries is None:
        return _default_law_index()
    return _build_law_index(entries)


def _build_division_index(divisions: list[Division] | tuple[Division, ...]) -> dict[str, list[Division]]:
    index: dict[str, list[Division]] = {}
    for d in divisions:
        for form in dict.fromkeys((d.name, d.short)):
            if form:
                bucket = index.setdefault(normalize(form), [])
                if d not in bucket:
                    bucket.append(d)
    return index


@cache
def _default_division_index() -> dict[str, list[Division]]:
    return _build_division_index(_default_divisions())


def division_index(divisions: list[Division] | None = None) -> dict[str, list[Division]]:
    """Name and short form → the divisions that bear it.

    A list, because names repeat (``朝阳区`` is in 北京市 and in 长春市;
    ``朝阳`` is also 朝阳市 and 朝阳县).  Without ``divisions`` the default
    gazetteer is used (cached; do not mutate the result).
    """
    if divisions is None:
        return _default_division_index()
    return _build_division_index(divisions)


# ---- townships --------------------------------------------------------------

@dataclass(frozen=True)
class TownshipEntry:
    """One township-level unit of ``townships.tsv``.

    ``kind`` is one of :data:`TOWNSHIP_KINDS`; ``county`` the county-level
    unit above it under ``divisions.tsv``'s name ('' for the towns of a
    prefecture without counties, such as 东莞市's); ``code`` the county's
    6-digit code where the source has one.
    """

    name: str
    kind: str
    county: str
    prefecture: str
    province: str
    code: str


class Townships:
    """The township gazetteer: name → its rows, built cheaply.

    Loading keeps the file's lines and a name → first-line map (the file is
    sorted by name, so a name's rows are one run of lines); a row is split
    into fields only when its name is looked up.  About 30 ms for 40,000
    rows, against ~150 ms for building every entry up front.
    """

    def __init__(self, text: str, path: Path | str = "townships.tsv") -> None:
        self.path = str(path)
        lines = text.split("\n")
        if not lines or tuple(lines[0].rstrip("\r").split("\t")) != TOWNSHIPS_HEADER:
            raise ValueError(f"{self.path}:1: expected header {_TAB.join(TOWNSHIPS_HEADER)!r}")
        self._lines = lines
        names = [ln[:ln.find("\t")] for ln in lines]
        names[0] = ""
        n = len(names)
        # reversed, so the first line of each name is the one kept
        self._first = dict(zip(reversed(names), range(n - 1, -1, -1)))
        self._first.pop("", None)
        self._cache: dict[str, tuple[TownshipEntry, ...]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._first

    def __len__(self) -> int:
        return len(self._first)

    def lookup(self, name: str) -> tuple[TownshipEntry, ...]:
        """Every township of that exact name (empty if none)."""
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        i = self._first.get(name)
        rows: list[TownshipEntry] = []
        while i is not None and i < len(self._lines):
            line = self._lines[i].rstrip("\r")
            if not line.startswith(name + "\t"):
                break
            fields = line.split("\t")
            if len(fields) != len(TOWNSHIPS_HEADER) or fields[1] not in TOWNSHIP_KINDS:
                raise ValueError(f"{self.path}:{i + 1}: expected {len(TOWNSHIPS_HEADER)} fields "
                                 f"with a kind in {sorted(TOWNSHIP_KINDS)}")
            rows.append(TownshipEntry(*fields))
            i += 1
        result = self._cache[name] = tuple(rows)
        return result

    def in_county(self, name: str, county: str) -> TownshipEntry | None:
        """The township of that name under that county, if the gazetteer has it."""
        return next((t for t in self.lookup(name) if t.county == county), None)

    def names_starting(self, prefix: str) -> list[str]:
        """The names that start with ``prefix`` (the file is sorted by name)."""
        out: list[str] = []
        i = bisect_left(self._lines, prefix, 1)
        while i < len(self._lines) and self._lines[i].startswith(prefix):
            name = self._lines[i][:self._lines[i].find("\t")]
            if not out or out[-1] != name:
                out.append(name)
            i += 1
        return out


@cache
def _default_townships() -> Townships:
    path = _default_path("townships.tsv")
    return Townships(path.read_text(encoding="utf-8"), path)


def townships(path: Path | None = None) -> Townships:
    """The township gazetteer (the project's own, read once, unless ``path`` is given)."""
    if path is None:
        return _default_townships()
    return Townships(Path(path).read_text(encoding="utf-8"), path)
