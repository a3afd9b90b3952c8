"""ingest.pipeline: the stage list, the runner's order and its error messages."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from ingest import pipeline
from ingest.pipeline import Stage
from kg.errors import FazhiError, InputError, StageError
from kg.model import Doc


@dataclass(frozen=True)
class FnStage(Stage):
    """A stage whose function is given directly (no import path)."""

    fn: Callable[[Doc], None] | None = None

    def load(self):
        return self.fn


@pytest.fixture(autouse=True)
def private_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test changes a copy of the default list, never the real one."""
    monkeypatch.setattr(pipeline, "STAGES", list(pipeline.STAGES))


def recorder(log: list[str], name: str) -> FnStage:
    return FnStage(name, "", fn=lambda doc: log.append(name))


def test_default_stages_in_order() -> None:
    names = pipeline.stage_names()
    assert names[0] == "read" and names[-1] == "triples"
    expected = ["read", "normalise", "structure", "sentences", "segment", "recognise",
                "relate", "resolve", "triples"]
    assert [n for n in names if n in expected] == expected
    for stage in pipeline.STAGES:          # every target imports and is callable
        assert callable(stage.load()), stage.name


def test_stages_run_in_order_and_stop_at_until() -> None:
    log: list[str] = []
    stages = [recorder(log, n) for n in ("a", "b", "c", "d")]
    doc = pipeline.run_doc(Doc(path=Path("x.txt")), stages=stages)
    assert log == ["a", "b", "c", "d"] and isinstance(doc, Doc)
    log.clear()
    pipeline.run_doc(Doc(path=Path("x.txt")), stages=stages, until="b")
    assert log == ["a", "b"]
    with pytest.raises(ValueError, match="no stage named 'zz'"):
        pipeline.run_doc(Doc(path=Path("x.txt")), stages=stages, until="zz")


def test_register_before_after_and_at_the_end() -> None:
    pipeline.register(FnStage("first", "", fn=lambda d: None), before="read")
    pipeline.register(FnStage("check", "", fn=lambda d: None), after="recognise")
    pipeline.register(FnStage("last", "", fn=lambda d: None))
    names = pipeline.stage_names()
    assert names[0] == "first" and names[1] == "read" and names[-1] == "last"
    assert names[names.index("recognise") + 1] == "check"
    with pytest.raises(ValueError, match="already registered"):
        pipeline.register(FnStage("check", "", fn=lambda d: None))


def test_register_does_not_leak_between_tests() -> None:
    assert "first" not in pipeline.stage_names()


def test_failing_stage_names_stage_and_file() -> None:
    def boom(doc: Doc) -> None:
        raise ZeroDivisionError("division by zero")

    log: list[str] = []
    stages = [recorder(log, "a"), FnStage("explode", "", fn=boom), recorder(log, "c")]
    with pytest.raises(StageError) as err:
        pipeline.run_doc(Doc(path=Path("/in/乡镇报告.txt")), stages=stages)
    assert err.value.stage == "explode" and err.value.file == "乡镇报告.txt"
    assert "stage 'explode'" in str(err.value) and "乡镇报告.txt" in str(err.value)
    assert isinstance(err.value.cause, ZeroDivisionError)
    assert log == ["a"]                    # nothing after the failure ran


def test_failing_stage_in_the_default_list(tmp_path: Path) -> None:
    """A stage registered into (a copy of) the real list fails by name."""
    def boom(doc: Doc) -> None:
        raise FazhiError("the model is inconsistent")

    pipeline.register(FnStage("audit", "", fn=boom), after="read")
    f = tmp_path / "某镇2023年法治政府建设报告.txt"
    f.write_text("某镇人民政府\n2023年法治政府建设情况报告\n一、主要举措和成效\n", encoding="utf-8")
    with pytest.raises(StageError, match="某镇2023年法治政府建设报告.txt: stage 'audit' failed"):
        pipeline.run(f)


def test_input_errors_pass_through(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        pipeline.run(tmp_path / "missing.txt")
    assert "missing.txt" in str(err.value)
    assert not isinstance(err.value, StageError)


def test_run_text_skips_reading() -> None:
    log: list[str] = []
    pipeline.STAGES[:] = [FnStage("read", "", fn=lambda d: log.append("read")),
                          recorder(log, "next")]
    doc = pipeline.run_text("某镇开展普法宣传活动。")
    assert log == ["next"] and doc.original == "某镇开展普法宣传活动。"
