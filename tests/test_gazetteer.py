"""Tests for ingest.gazetteer: the shipped laws and divisions gazetteers."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import gazetteer as gz
from ingest.gazetteer import Division, LawEntry


# --- laws -------------------------------------------------------------------

def test_laws_load_with_valid_subtypes() -> None:
    laws = gz.load_laws()
    assert len(laws) >= 250
    assert all(isinstance(e, LawEntry) for e in laws)
    assert {e.subtype for e in laws} <= gz.LAW_SUBTYPES
    names = [e.name for e in laws]
    assert len(names) == len(set(names)), "duplicate law names"


def test_constitution() -> None:
    e = gz.law_index()[gz.normalize("宪法")]
    assert e.full_name == "中华人民共和国宪法"
    assert e.subtype == "法律"
    assert gz.law_index()[gz.normalize("《中华人民共和国宪法》")] is e


def test_regulations_and_party_rules() -> None:
    idx = gz.law_index()
    assert idx["重大行政决策程序暂行条例"].subtype == "行政法规"
    assert idx["政府信息公开条例"].full_name == "中华人民共和国政府信息公开条例"
    assert idx["中华人民共和国政府信息公开条例"].name == "政府信息公开条例"
    assert idx["中国共产党章程"].subtype == "党内法规"
    assert idx["信访工作条例"].subtype == "党内法规"
    assert idx["中国共产党纪律处分条例"].subtype == "党内法规"


def test_law_index_surface_forms() -> None:
    idx = gz.law_index()
    # full name with 中华人民共和国 stripped, and a common alternate short form
    assert idx["安全生产法"].full_name == "中华人民共和国安全生产法"
    assert idx[gz.normalize("保密法")].name == "保守国家秘密法"
    assert idx[gz.normalize("乡村振兴法")].name == "乡村振兴促进法"
    # year ranges however they are written
    for form in ("法治政府建设实施纲要（2021－2025年）", "法治政府建设实施纲要(2021—2025年)",
                 "法治政府建设实施纲要2021-2025", "法治政府建设实施纲要"):
        assert idx[gz.normalize(form)].name == "法治政府建设实施纲要（2021-2025年）", form
    assert idx[gz.normalize("法治政府建设实施纲要(2015-2020年)")].subtype == "政策文件"


def test_no_alias_names_two_entries() -> None:
    owners: dict[str, set[str]] = {}
    for e in gz.load_laws():
        for form in e.surface_forms:
            owners.setdefault(gz.normalize(form), set()).add(e.name)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes


def test_laws_use_prc_full_names() -> None:
    for e in gz.load_laws():
        if e.subtype == "法律" and e.name != "反分裂国家法":
            assert e.full_name == "中华人民共和国" + e.name, e
        if e.full_name != e.name:
            assert e.full_name in e.aliases, e


# --- divisions ----------------------------------------------------------------

def test_divisions_load() -> None:
    divs = gz.load_divisions()
    assert all(isinstance(d, Division) for d in divs)
    by_level: dict[str, int] = {}
    for d in divs:
        by_level[d.level] = by_level.get(d.level, 0) + 1
    assert by_level["province"] == 31
    assert 330 <= by_level["prefecture"] <= 340
    assert 2800 <= by_level["county"] <= 2900
    provinces = {d.name for d in divs if d.level == "province"}
    assert {d.province for d in divs} == provinces
    parents = provinces | {d.name for d in divs if d.level == "prefecture"}
    assert all(d.parent in parents for d in divs if d.level != "province")


def _one(name: str, level: str = "county") -> Division:
    found = [d for d in gz.division_index()[name] if d.name == name and d.level == level]
    assert len(found) == 1, found
    return found[0]


def test_yunyang_is_a_chongqing_county() -> None:
    d = _one("云阳县")
    assert d.province == "重庆市"
    assert d.parent == "重庆市"
    assert d.short == "云阳"
    assert d in gz.division_index()["云阳"]


def test_pudong_parent_is_shanghai() -> None:
    d = _one("浦东新区")
    assert d.parent == "上海市"
    assert d.province == "上海市"
    assert d.short == "浦东"


def test_county_level_cities_and_short_forms() -> None:
    assert _one("启东市").parent == "南通市"
    assert _one("武冈市").parent == "邵阳市"
    assert _one("仙桃市").parent == "湖北省"  # administered directly by the province
    assert _one("萧县").short == ""  # a one-character short form is too ambiguous
    assert _one("黔南布依族苗族自治州", "prefecture").short == "黔南"
    assert _one("新疆维吾尔自治区", "province").short == "新疆"


def test_chaoyang_is_ambiguous() -> None:
    divs = gz.division_index()["朝阳区"]
    assert len(divs) >= 2
    assert {d.province for d in divs} >= {"北京市", "吉林省"}


# --- malformed files ------------------------------------------------------------

def test_malformed_law_row_names_line(tmp_path: Path) -> None:
    p = tmp_path / "laws.tsv"
    p.write_text(
        "name\tfull_name\tsubtype\taliases\n"
        "宪法\t中华人民共和国宪法\t法律\t中华人民共和国宪法\n"
        "民法典\t中华人民共和国民法典\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"laws\.tsv:3\b"):
        gz.load_laws(p)


def test_bad_subtype_and_level_rejected(tmp_path: Path) -> None:
    laws = tmp_path / "laws.tsv"
    laws.write_text("name\tfull_name\tsubtype\taliases\n宪法\t中华人民共和国宪法\t法规\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"laws\.tsv:2: subtype"):
        gz.load_laws(laws)
    divs = tmp_path / "divisions.tsv"
    divs.write_text(
        "name\tlevel\tparent\tprovince\tshort\n"
        "重庆市\tprovince\t\t重庆市\t重庆\n"
        "\n"
        "云阳县\ttown\t重庆市\t重庆市\t云阳\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"divisions\.tsv:4: level"):
        gz.load_divisions(divs)


def test_wrong_header_rejected(tmp_path: Path) -> None:
    p = tmp_path / "divisions.tsv"
    p.write_text("name\tlevel\n重庆市\tprovince\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"divisions\.tsv:1: expected header"):
        gz.load_divisions(p)


def test_custom_files_and_indexes(tmp_path: Path) -> None:
    p = tmp_path / "divisions.tsv"
    p.write_text(
        "name\tlevel\tparent\tprovince\tshort\n"
        "北京市\tprovince\t\t北京市\t北京\n"
        "朝阳区\tcounty\t北京市\t北京市\t朝阳\n",
        encoding="utf-8",
    )
    divs = gz.load_divisions(p)
    assert divs[1] == Division("朝阳区", "county", "北京市", "北京市", "朝阳")
    idx = gz.division_index(divs)
    assert idx["朝阳"] == [divs[1]]
    law = LawEntry("行政处罚法", "中华人民共和国行政处罚法", "法律", ("中华人民共和国行政处罚法",))
    assert gz.law_index([law])["行政处罚法"] is law
