"""The ordered list of named stages and the runner.

Each stage is a function ``(Doc) -> None`` that does one job on the
:class:`kg.model.Doc` and is testable alone.  The runner calls them in
order and, when one fails, raises :class:`kg.errors.StageError` naming the
stage and the file (an :class:`kg.errors.InputError` — a file we cannot
read — passes through as it is, since it already says what is wrong).

Later work adds stages with :func:`register` (``before=``/``after=`` an
existing stage) without touching the runner.  Each stage declares what it
``requires`` and ``assigns`` (:mod:`ingest.registry`); :func:`build` imports
every stage, recogniser and relator and checks their order before a file is
read, raising :class:`kg.errors.PipelineError` with the names.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ingest.registry import RECOGNIZERS, RELATORS, Component, Step
from ingest.registry import build as build_steps
from kg.errors import FazhiError, InputError, StageError
from kg.model import Doc

#: A stage is a component whose function takes the Doc (and, when the stage
#: has ``parts``, their loaded steps too).
Stage = Component

#: The default pipeline, in order (see kg.model for what each fills).
STAGES: list[Stage] = [
    Stage("read", "ingest.read:run", "bytes → text (txt/docx/pdf/html, encoding detection)",
          assigns=("doc.original",)),
    Stage("normalise", "ingest.normalize:run", "artefacts, broken lines, page numbers; offset map",
          requires=("doc.original",), assigns=("doc.text",)),
    Stage("structure", "ingest.structure:run", "report split, title, sections, signature",
          requires=("doc.text",), assigns=("doc.reports", "report.sections")),
    Stage("sentences", "ingest.structure:run_sentences", "sentences, report metadata",
          requires=("doc.reports",), assigns=("report.sentences", "report.meta")),
    Stage("segment", "ingest.segment:run", "jieba with the domain lexicon",
          requires=("report.sentences",), assigns=("sentence.tokens",)),
    Stage("recognise", "ingest.recognize:run", "mentions of entities, figures",
          requires=("sentence.tokens", "report.meta"), assigns=("mentions",),
          parts=RECOGNIZERS),
    Stage("relate", "ingest.relate:run", "legal advisers, partOf, posts, township → entity",
          requires=("mentions",), assigns=("relations",), parts=RELATORS),
    Stage("resolve", "ingest.resolve:run", "identity, aliases, stable IRIs",
          requires=("mentions", "relations"), assigns=("report.entities", "mention.entity")),
    Stage("triples", "kg.triples:run", "model → RDF, one named graph per report",
          requires=("report.entities", "mention.entity", "report.indicators"),
          assigns=("doc.graphs",)),
]


def register(stage: Stage, *, before: str | None = None, after: str | None = None) -> None:
    """Insert a stage into the default pipeline (at the end by default)."""
    names = [s.name for s in STAGES]
    if stage.name in names:
        raise ValueError(f"a stage named '{stage.name}' is already registered")
    if before is not None:
        STAGES.insert(names.index(before), stage)
    elif after is not None:
        STAGES.insert(names.index(after) + 1, stage)
    else:
        STAGES.append(stage)


def add_part(stage: str, part: Component, *, before: str | None = None) -> None:
    """Add a recogniser or relator to a default stage's parts (at the end, or
    in front of the part named ``before``): how a new entity type's
    recogniser joins the pipeline.  The next :func:`build` checks it."""
    names = [s.name for s in STAGES]
    if stage not in names:
        raise ValueError(f"no stage named '{stage}' (stages: {', '.join(names)})")
    i = names.index(stage)
    parts = list(STAGES[i].parts)
    where = len(parts)
    if before is not None:
        where = next((k for k, p in enumerate(parts) if p.name == before), None)
        if where is None:
            raise ValueError(f"stage '{stage}' has no part named '{before}'")
    parts.insert(where, part)
    STAGES[i] = replace(STAGES[i], parts=tuple(parts))


def stage_names() -> list[str]:
    return [s.name for s in STAGES]


def build(stages: Iterable[Stage] | None = None, *, provided: Iterable[str] = ()) -> tuple[Step, ...]:
    """The stages (default: ``STAGES``) imported and checked; see :mod:`ingest.registry`.

    Raises :class:`kg.errors.PipelineError` naming a stage, recogniser or
    relator whose target does not import, or one that requires what only a
    later one assigns.  Cached: building the same list again costs nothing.
    """
    return build_steps(list(STAGES if stages is None else stages), provided)


def parts_of(stage: str) -> tuple[Step, ...]:
    """The built parts of a default stage (what ``recognize.run(doc)`` runs
    when called alone, checked in the whole pipeline's order)."""
    return next((s.parts for s in build() if s.name == stage), ())


def run(path: Path | str, *, until: str | None = None,
        stages: Iterable[Stage] | None = None) -> Doc:
    """Run the pipeline on one file; stop after stage ``until`` if given."""
    doc = Doc(path=Path(path))
    return run_doc(doc, until=until, stages=stages)


def run_doc(doc: Doc, *, until: str | None = None,
            stages: Iterable[Stage] | None = None) -> Doc:
    """Run stages on a prepared Doc (tests start from text this way)."""
    chosen = list(STAGES if stages is None else stages)
    if until is not None and until not in [s.name for s in chosen]:
        raise ValueError(f"no stage named '{until}' (stages: {', '.join(s.name for s in chosen)})")
    # a default stage left out (read, for a Doc made from text) is one whose
    # work the caller has done: what it assigns counts as given
    names = {s.name for s in chosen}
    skipped = tuple(a for s in STAGES if s.name not in names for a in s.assigns)
    steps = build(chosen, provided=skipped)
    for step in steps:
        stage = step.component
        try:
            if step.parts:
                step.fn(doc, step.parts)
            else:
                step.fn(doc)
        except InputError:
            raise
        except FazhiError as exc:
            raise StageError(stage.name, doc.name, exc) from exc
        except Exception as exc:  # a bug in a stage: name it, keep the cause
            raise StageError(stage.name, doc.name, exc) from exc
        if stage.name == until:
            break
    return doc


def doc_from_text(text: str, name: str = "inline.txt") -> Doc:
    """A Doc whose reading is already done (for tests and the API)."""
    doc = Doc(path=Path(name), fmt="txt", encoding="utf-8", original=text)
    doc.raw = text.encode("utf-8")
    doc.offsets = array("l")
    return doc


def run_text(text: str, name: str = "inline.txt", *, until: str | None = None) -> Doc:
    """Run every stage after ``read`` on text given directly."""
    doc = doc_from_text(text, name)
    return run_doc(doc, until=until, stages=[s for s in STAGES if s.name != "read"])
