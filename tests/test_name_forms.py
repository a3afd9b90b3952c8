"""ReportMeta.name_forms / place_names: the one place a township's name forms are made."""
from __future__ import annotations

from kg.model import ReportMeta


def test_township_forms_longest_first() -> None:
    meta = ReportMeta(unit="青石镇", kind="镇", county="梅川县")
    assert meta.name_forms() == ("梅川县青石镇", "青石镇", "青石")


def test_stem_is_cut_by_the_kind_not_by_any_division_character() -> None:
    # 城区街道 holds 区 inside its name: the stem is 城区, the unit stays whole
    meta = ReportMeta(unit="城区街道", kind="街道")
    assert meta.name_forms() == ("城区街道", "城区")
    assert "街道" not in meta.name_forms()


def test_one_character_stem_is_no_form() -> None:
    meta = ReportMeta(unit="柳镇", kind="镇", county="河西县")
    assert meta.name_forms() == ("河西县柳镇", "柳镇")


def test_gazetteer_name_beside_the_written_one() -> None:
    # the report writes 望江街, the gazetteer knows 望江街道
    meta = ReportMeta(unit="望江街", unit_name="望江街道", kind="街道")
    assert meta.name_forms() == ("望江街道", "望江街", "望江")


def test_county_not_doubled_when_the_unit_carries_it() -> None:
    meta = ReportMeta(unit="梅川县青石镇", kind="镇", county="梅川县")
    assert meta.name_forms()[0] == "梅川县青石镇"
    assert not any(f.startswith("梅川县梅川县") for f in meta.name_forms())


def test_without_stems() -> None:
    meta = ReportMeta(unit="青石镇", kind="镇", county="梅川县")
    assert meta.name_forms(stems=False) == ("梅川县青石镇", "青石镇")


def test_no_unit_no_forms() -> None:
    assert ReportMeta(county="梅川县").name_forms() == ()


def test_place_names_add_the_divisions_above() -> None:
    meta = ReportMeta(unit="青石镇", kind="镇", county="梅川县", prefecture="南岭市", province="东海省")
    assert meta.place_names() == ("梅川县青石镇", "青石镇", "梅川县", "南岭市", "东海省", "青石")
    assert "青石" not in meta.place_names(stems=False)


def test_county_report_stem() -> None:
    meta = ReportMeta(unit="梅川县", kind="县", prefecture="南岭市")
    assert meta.place_names() == ("梅川县", "南岭市", "梅川")
