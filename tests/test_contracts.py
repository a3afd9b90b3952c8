"""Typed contracts: the registry fails loudly, the order is checked, mentions are typed."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import pipeline
from ingest.recognize import settle
from ingest.registry import (
    RECOGNIZERS,
    RELATORS,
    Component,
    check_order,
    markdown_table,
)
from kg.cli import cli
from kg.errors import PipelineError
from kg.model import ACTIVITY, ORGANIZATION, SYSTEM, Mention

ROOT = Path(__file__).resolve().parent.parent


def with_parts(stage: str, parts: tuple[Component, ...]) -> list[Component]:
    """The default stages with the parts of ``stage`` replaced."""
    return [dataclasses.replace(s, parts=parts) if s.name == stage else s for s in pipeline.STAGES]


def respelt(components: tuple[Component, ...], name: str, target: str) -> tuple[Component, ...]:
    return tuple(dataclasses.replace(c, target=target) if c.name == name else c for c in components)


def test_default_pipeline_builds_with_every_part() -> None:
    steps = pipeline.build()
    assert [s.name for s in steps] == pipeline.stage_names()
    parts = {s.name: [p.name for p in s.parts] for s in steps if s.parts}
    assert parts == {"recognise": [c.name for c in RECOGNIZERS],
                     "relate": [c.name for c in RELATORS]}
    assert all(callable(p.fn) for s in steps for p in s.parts)


def test_misspelt_recogniser_module_fails_at_build_with_its_name() -> None:
    stages = with_parts("recognise", respelt(RECOGNIZERS, "activities",
                                             "ingest.recognize.activites:find"))
    with pytest.raises(PipelineError, match=r"component 'activities': cannot import "
                                            r"'ingest\.recognize\.activites'"):
        pipeline.build(stages)


def test_misspelt_recogniser_function_fails_at_build_with_its_name() -> None:
    stages = with_parts("recognise", respelt(RECOGNIZERS, "laws", "ingest.recognize.laws:fnd"))
    with pytest.raises(PipelineError, match=r"component 'laws': module 'ingest\.recognize\.laws' "
                                            r"has no function 'fnd'"):
        pipeline.build(stages)


def test_misspelt_relator_fails_before_any_text_is_read() -> None:
    stages = with_parts("relate", respelt(RELATORS, "advisers", "ingest.relate_adviser:find"))
    doc = pipeline.doc_from_text("青石镇开展法治讲座。")
    with pytest.raises(PipelineError, match="'advisers'"):
        pipeline.run_doc(doc, stages=[s for s in stages if s.name != "read"])
    assert doc.text == "" and doc.reports == []       # no stage ran


def test_misspelt_stage_fails_with_its_name() -> None:
    stages = [dataclasses.replace(s, target="ingest.segmnt:run") if s.name == "segment" else s
              for s in pipeline.STAGES]
    with pytest.raises(PipelineError, match=r"component 'segment': cannot import 'ingest\.segmnt'"):
        pipeline.build(stages)
    with pytest.raises(PipelineError, match="not 'module:function'"):
        pipeline.build([Component("odd", "ingest.segment.run")])


def test_a_requirement_assigned_later_fails_naming_both() -> None:
    by_name = {c.name: c for c in RECOGNIZERS}
    order = ("laws", "divisions", "activities", "orgs", "systems", "persons", "figures")
    stages = with_parts("recognise", tuple(by_name[n] for n in order))
    with pytest.raises(PipelineError, match=r"'activities' requires mentions\.机构, which 'orgs' "
                                            r"assigns only after it: put 'orgs' before 'activities'"):
        pipeline.build(stages)


def test_order_check_on_a_custom_list() -> None:
    a = Component("tagger", "x:y", requires=("sentence.tokens",), assigns=("sentence.tags",))
    b = Component("tokenizer", "x:y", assigns=("sentence.tokens",))
    check_order([b, a])
    with pytest.raises(PipelineError, match="'tagger' requires sentence.tokens, which 'tokenizer'"):
        check_order([a, b])
    with pytest.raises(PipelineError, match="'tagger' requires sentence.tokens, which no component"):
        check_order([a])
    check_order([a], provided=("sentence.tokens",))      # given with the input
    with pytest.raises(PipelineError, match="two components are named 'tagger'"):
        check_order([b, a, a])


def test_a_stage_runs_its_parts_between_its_requirements_and_assignments() -> None:
    part = Component("inner", "x:y", requires=("outer.in",), assigns=("inner.out",))
    outer = Component("outer", "x:y", requires=("doc.text",), assigns=("outer.done",), parts=(part,))
    with pytest.raises(PipelineError, match="'inner' requires outer.in, which no component"):
        check_order([Component("src", "x:y", assigns=("doc.text",)), outer])
    check_order([Component("src", "x:y", assigns=("doc.text", "outer.in")), outer,
                 Component("after", "x:y", requires=("inner.out", "outer.done"))])


def test_ingest_with_a_misspelt_recogniser_says_so_in_one_line(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "STAGES", with_parts(
        "recognise", respelt(RECOGNIZERS, "orgs", "ingest.recognize.orgz:find")))
    f = tmp_path / "青石镇2023年报告.txt"
    f.write_text("青石镇人民政府\n2023年法治政府建设情况报告\n一、主要举措和成效\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["ingest", "--store", str(tmp_path / "s"), str(f)])
    assert res.exit_code == 1
    assert "component 'orgs': cannot import 'ingest.recognize.orgz'" in res.output
    assert "Traceback" not in res.output


def test_nested_mention_survives_settle_and_a_plain_one_does_not() -> None:
    outer = Mention(type=ACTIVITY, text="宪法宣传周", label="宪法宣传周", start=10, end=15,
                    sentence=0, source="activities")
    kept = Mention(type=SYSTEM, text="宪法", label="宪法", start=10, end=12, sentence=0,
                   source="systems", nested=True)
    dropped = Mention(type=ORGANIZATION, text="宣传", label="宣传", start=12, end=14, sentence=0,
                      source="orgs")
    assert settle([dropped, kept, outer]) == [kept, outer]
    assert kept.nested is True and dropped.nested is False


def test_pipeline_fills_typed_fields() -> None:
    doc = pipeline.run_text("青石镇人民政府2023年法治政府建设工作报告\n一、主要举措和成效\n"
                            "在县委的领导下，镇司法所全年开展法治讲座5场。\n")
    rep = doc.reports[0]
    by_label = {m.label: m for m in rep.mentions}
    talk, county, office = by_label["法治讲座"], by_label["县委"], by_label["镇司法所"]
    assert (talk.count, talk.count_unit, talk.key) == (5, "场", "法治讲座")
    assert (county.scope, county.key) == ("county", "县委")
    assert (office.scope, office.key, office.nested) == ("local", "司法所", True)
    conducts = next(r for r in rep.relations if r.obj is talk)
    assert conducts.predicate == "conducts" and conducts.count == 5
    assert not any(hasattr(x, "attrs") for x in (*rep.mentions, *rep.relations, *rep.entities.values()))


def test_architecture_doc_lists_the_registry() -> None:
    """docs/architecture.md carries the table the registry makes (regenerate:
    ``python -c "from ingest import pipeline, registry; print(registry.markdown_table(pipeline.STAGES))"``)."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert markdown_table(pipeline.STAGES) in doc


def _guarded_imports(path: Path) -> list[tuple[int, str]]:
    """Modules imported inside a ``try`` whose handler catches ImportError."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Try):
            continue
        caught = set()
        for h in node.handlers:
            types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
            caught |= {t.id for t in types if isinstance(t, ast.Name)}
        if not caught & {"ImportError", "ModuleNotFoundError"}:
            continue
        for stmt in node.body:
            for n in ast.walk(stmt):
                if isinstance(n, ast.Import):
                    out += [(n.lineno, a.name) for a in n.names]
                elif isinstance(n, ast.ImportFrom) and n.module:
                    out.append((n.lineno, n.module))
    return out


def test_no_import_guard_hides_a_module_of_the_project() -> None:
    hidden = [f"{p.relative_to(ROOT)}:{line}: {mod}"
              for pkg in ("ingest", "kg") for p in sorted((ROOT / pkg).rglob("*.py"))
              for line, mod in _guarded_imports(p)
              if mod.split(".")[0] in ("ingest", "kg")]
    assert hidden == []


def test_recognise_and_relate_run_alone_with_the_registered_parts() -> None:
    from ingest import recognize, relate

    doc = pipeline.run_text("青石镇人民政府2023年法治政府建设工作报告\n一、主要举措和成效\n"
                            "镇政府聘请明远律师事务所为法律顾问。\n", until="segment")
    recognize.run(doc)
    relate.run(doc)
    rep = doc.reports[0]
    firm = next(m for m in rep.mentions if m.label == "明远律师事务所")
    assert firm.law_firm and firm.scope == "shared"
    assert [(r.predicate, r.advisor_kind, r.obj) for r in rep.relations
            if r.predicate == "legalAdvisor"] == [("legalAdvisor", "律师事务所", firm)]
