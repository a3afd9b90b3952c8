"""Entity resolution: a local organisation named short after its full name."""
from __future__ import annotations

from ingest.pipeline import run_text
from kg.model import ORGANIZATION

HEAD = "青石镇2023年法治政府建设工作报告\n"


def org_entities(body: str) -> dict[str, set[str]]:
    doc = run_text(HEAD + body, until="resolve")
    return {e.label: {e.label, *e.aliases} for e in doc.reports[0].entities.values()
            if e.type == ORGANIZATION}


def test_a_short_name_joins_the_one_full_name_it_ends():
    found = org_entities("设立派出所调解工作室，由民警和调解员共同值守。调解工作室全年受理纠纷30件。")
    assert "派出所调解工作室" in found
    assert "调解工作室" in found["派出所调解工作室"]
    assert "调解工作室" not in found


def test_a_short_name_two_full_names_end_with_stays_apart():
    found = org_entities("设立派出所调解工作室和法庭调解工作室。调解工作室全年受理纠纷30件。")
    assert {"派出所调解工作室", "法庭调解工作室", "调解工作室"} <= set(found)
