"""The components of the pipeline, declared once, and the check that builds them.

A component is a named function given as ``"module:function"`` with what it
``requires`` (parts of the model some earlier component fills) and what it
``assigns`` (the parts it fills), as spaCy's components declare theirs.  The
names are short paths into :mod:`kg.model`: ``doc.text``,
``report.sentences``, ``mentions.机构`` (the 机构 mentions of a report),
``relations.legalAdvisor``.  A stage may run ``parts`` of its own (the
recognise stage runs the recognisers, the relate stage the relators): they run
inside it, after its requirements are met and before its assignments count.

:func:`build` imports every target and checks the order before anything
runs: a target that does not import, a function a module lacks, or a
component that requires what only a later one assigns raises
:class:`kg.errors.PipelineError` naming them.  A misspelt recogniser thus
stops the ingest at once instead of leaving every report without its kind of
entity.

Add a recogniser or a relator to the tuples below; add a stage with
:func:`ingest.pipeline.register`.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kg.errors import PipelineError


@dataclass(frozen=True)
class Component:
    """One named step: a stage ``(Doc)``, or a recogniser/relator ``(Doc, Report)``."""

    name: str
    target: str                          # "module:function", imported by build()
    doc: str = ""
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    parts: tuple[Component, ...] = ()    # run by this component, in order

    def load(self) -> Callable[..., None]:
        return load_target(self.name, self.target)


@dataclass(frozen=True)
class Step:
    """A component with its function imported (and its parts', in order)."""

    component: Component
    fn: Callable[..., None]
    parts: tuple[Step, ...] = ()

    @property
    def name(self) -> str:
        return self.component.name


def load_target(name: str, target: str) -> Callable[..., None]:
    """The function ``target`` names; :class:`PipelineError` naming ``name`` if there is none."""
    module, _, func = target.partition(":")
    if not module or not func:
        raise PipelineError(f"component '{name}': target '{target}' is not 'module:function'")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:   # a misspelt module, or one that fails to import
        raise PipelineError(f"component '{name}': cannot import '{module}' "
                            f"(target '{target}'): {exc}") from exc
    fn = getattr(mod, func, None)
    if not callable(fn):
        raise PipelineError(f"component '{name}': module '{module}' has no function "
                            f"'{func}' (target '{target}')")
    return fn


# Every mention type, for a component that reads all of them (figures,
# resolve).  Spelled out rather than a wildcard so the order check holds.
_ALL_MENTIONS = ("mentions.法律", "mentions.行政区", "mentions.镇", "mentions.机构",
                 "mentions.制度", "mentions.活动", "mentions.人员")

#: The recognisers, in priority order: on an exact tie of span the earlier one
#: wins (``ingest.recognize.settle``).  A name is the ``Mention.source`` its
#: mentions carry.
RECOGNIZERS: tuple[Component, ...] = (
    Component("laws", "ingest.recognize.laws:find", "laws, regulations, documents (gazetteer)",
              assigns=("mentions.法律",)),
    Component("divisions", "ingest.recognize.divisions:find",
              "provinces, prefectures, counties, townships named in the text",
              requires=("mentions.法律",),           # names inside a law's title are not places
              assigns=("mentions.行政区", "mentions.镇")),
    Component("orgs", "ingest.recognize.orgs:find", "organisations and law firms",
              assigns=("mentions.机构",)),
    Component("systems", "ingest.recognize.systems:find", "systems (制度)",
              assigns=("mentions.制度",)),
    Component("activities", "ingest.recognize.activities:find",
              "activities, with count and date",
              requires=("mentions.机构",),           # an organiser in front is not the activity
              assigns=("mentions.活动",)),
    Component("persons", "ingest.recognize.persons:find", "persons and the posts they hold",
              requires=("mentions.机构",),           # the body a post belongs to
              assigns=("mentions.人员", "relations.holdsPost")),
    Component("figures", "ingest.recognize.figures:find", "reported figures",
              requires=_ALL_MENTIONS,                # numbers inside a name are the name's
              assigns=("report.indicators",)),
)

#: The relators, in order: ``township`` last, as it relates whatever the
#: others left unrelated.
RELATORS: tuple[Component, ...] = (
    Component("advisers", "ingest.relate_advisers:find", "the unit's legal advisers",
              requires=("mentions.机构", "mentions.人员"),
              assigns=("relations.legalAdvisor",)),
    Component("township", "ingest.relate:find_township_relations",
              "township → every core entity not yet related",
              requires=("mentions", "relations.legalAdvisor", "relations.holdsPost"),
              assigns=("relations.township",)),
)


def walk(components: Iterable[Component]) -> Iterator[tuple[str, Component]]:
    """``("requires", c)`` and ``("assigns", c)`` in run order, parts in between."""
    for c in components:
        yield "requires", c
        yield from walk(c.parts)
        yield "assigns", c


def check_order(components: Sequence[Component], provided: Iterable[str] = ()) -> None:
    """Raise :class:`PipelineError` when a component requires what is not yet assigned.

    ``provided``: what the input already has (a Doc made from text has its
    ``doc.original`` without the read stage).
    """
    seen: dict[str, str] = {}
    first_assigner: dict[str, str] = {}
    for what, c in walk(components):
        if c.name in seen and what == "requires":
            raise PipelineError(f"two components are named '{c.name}' "
                                f"({seen[c.name]} and {c.target})")
        seen.setdefault(c.name, c.target)
        if what == "assigns":
            for a in c.assigns:
                first_assigner.setdefault(a, c.name)
    assigned = set(provided)
    for what, c in walk(components):
        if what == "assigns":
            assigned.update(c.assigns)
            continue
        for r in c.requires:
            if r in assigned:
                continue
            later = first_assigner.get(r)
            if later is not None:
                raise PipelineError(f"component '{c.name}' requires {r}, which '{later}' "
                                    f"assigns only after it: put '{later}' before '{c.name}'")
            raise PipelineError(f"component '{c.name}' requires {r}, which no component assigns")


def build(components: Sequence[Component], provided: Iterable[str] = ()) -> tuple[Step, ...]:
    """Import every component's function and check their order; see the module doc."""
    return _build(tuple(components), frozenset(provided))


@lru_cache(maxsize=64)
def _build(components: tuple[Component, ...], provided: frozenset[str]) -> tuple[Step, ...]:
    def load(c: Component) -> Step:
        return Step(c, c.load(), tuple(load(p) for p in c.parts))

    steps = tuple(load(c) for c in components)
    check_order(components, provided)
    return steps


def markdown_table(components: Sequence[Component]) -> str:
    """The components as a Markdown table (docs/architecture.md holds it)."""
    rows = ["| component | part of | target | requires | assigns |",
            "| --- | --- | --- | --- | --- |"]

    def cell(items: tuple[str, ...]) -> str:
        return ", ".join(f"`{i}`" for i in items) or "—"

    def add(c: Component, parent: str) -> None:
        rows.append(f"| {c.name} | {parent or '—'} | `{c.target}` | {cell(c.requires)} | "
                    f"{cell(c.assigns)} |")
        for p in c.parts:
            add(p, c.name)

    for c in components:
        add(c, "")
    return "\n".join(rows) + "\n"
