"""``fazhi-kg eval --rules``: how many gold entities each rule found, and how many extras it made.

Every mention (and figure) records the ids of the rules that made and
trimmed it (``Mention.rules``, declared in ``data/lexicons/``, see
:mod:`ingest.rules`).  The graph does not keep them: a quad per mention
for the sake of one diagnostic is not worth its weight.  So this command
reads the reports again, in this process, into an in-memory store, and
keeps beside it which rules stand behind every node of every file.

The graph is then scored exactly as ``fazhi-kg eval`` scores it
(:func:`kg.evaluate.evaluate`, the evaluation contract's matching), which
says of every found node whether it is a gold entity found (a *hit*), an
extra, or neither (an optional entity, a repeat).  Each rule behind a node
is credited with its fate: a node two rules made counts for both.  Nodes
no rule id stands behind are counted under ``(no id) <recogniser>``, and
nodes with no mention at all (the reporting township from the metadata)
under ``(no mention)``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import pipeline
from ingest.rules import registry
from ingest.runner import collect_files
from kg.errors import FazhiError
from kg.evaluate import EXTRA, HIT, Tally, evaluate
from kg.store import Store, open_store

NO_ID = "(no id) "
NO_MENTION = "(no mention)"


@dataclass
class Built:
    """A graph built in-process, with the rules behind each node."""

    store: Store
    # file name → node IRI → rule ids
    rules: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # file name → node IRI → a name of it (for the lists of extras)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


@dataclass
class RuleScore:
    rule: str
    kind: str = ""
    description: str = ""
    hits: int = 0
    extras: int = 0
    other: int = 0        # nodes neither right nor wrong (optional gold, repeats)
    parts: set[str] = field(default_factory=set)
    extra_names: list[str] = field(default_factory=list)   # "d03:name" of each extra

    @property
    def worse(self) -> bool:
        """More extras than hits: the issue's test for a rule to fix or remove."""
        return self.extras > self.hits

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "hits": self.hits, "extras": self.extras,
                "other": self.other, "types": sorted(self.parts), "description": self.description,
                "extra_names": self.extra_names}


def build(paths: list[str | Path], say: Callable[[str], None] = print) -> Built:
    """Run the pipeline on the report files and folders ``paths`` into ``memory:``."""
    files, problems = collect_files([str(p) for p in paths])
    if not files:
        raise FazhiError("no report files found in " + ", ".join(map(str, paths)))
    store = open_store("memory:")
    store.ensure_ontology()
    built = Built(store, failed=list(problems))
    for path in files:
        try:
            doc = pipeline.run(path)
        except FazhiError as exc:
            built.failed.append(str(exc))
            continue
        store.replace(path.stem, doc.graphs)
        nodes: dict[str, set[str]] = defaultdict(set)
        labels: dict[str, str] = {}
        for rep in doc.reports:
            for m in rep.mentions:
                if m.entity:
                    nodes[m.entity].update(m.rules or [NO_ID + (m.source or "?")])
                    labels.setdefault(m.entity, m.label)
            for i, ind in enumerate(rep.indicators):
                iri = f"{rep.key}/indicator/{i}"
                nodes[iri].update(ind.rules or [NO_ID + "figures"])
                labels[iri] = f"{ind.metric}={ind.raw or ind.value}{ind.unit}"
        built.rules[doc.path.name] = nodes
        built.labels[doc.path.name] = labels
    for line in built.failed:
        say(f"warning: {line}")
    return built


def score(built: Built, gold: list[str | Path]) -> tuple[dict[str, Tally], list[RuleScore]]:
    """The usual scores, and one :class:`RuleScore` per rule (declared rules that made nothing too)."""
    outcomes: dict[str, dict[str, dict[str, str]]] = {}
    parts = evaluate(built.store, gold, outcomes)
    table: dict[str, RuleScore] = {r.id: RuleScore(r.id, r.kind, r.description)
                                   for r in registry().values()}
    for name, by_part in outcomes.items():
        nodes = built.rules.get(name, {})
        labels = built.labels.get(name, {})
        for part, fates in by_part.items():
            for iri, fate in fates.items():
                for rid in nodes.get(iri) or (NO_MENTION,):
                    row = table.setdefault(rid, RuleScore(rid))
                    row.parts.add(part)
                    if fate == HIT:
                        row.hits += 1
                    elif fate == EXTRA:
                        row.extras += 1
                        row.extra_names.append(f"{Path(name).stem[:3]}:{labels.get(iri, iri)}")
                    else:
                        row.other += 1
    rows = sorted(table.values(), key=lambda r: (r.rule.startswith("("), r.rule))
    return parts, rows


def render(rows: list[RuleScore], *, details: bool = False) -> str:
    """The table, one rule a line, sorted by id; ``!`` marks more extras than hits.

    ``details``: under each rule with extras, the extras (file tag: name).
    """
    width = max([len(r.rule) for r in rows] + [4])
    lines = [f"  {'rule':<{width}}  {'kind':<6}{'hits':>6}{'extras':>8}{'other':>7}  types / what it does"]
    for r in rows:
        flag = "!" if r.worse else " "
        what = ",".join(sorted(r.parts)) or "-"
        if r.description:
            what += "  " + r.description
        lines.append(f"{flag} {r.rule:<{width}}  {r.kind:<6}{r.hits:>6}{r.extras:>8}{r.other:>7}  {what}")
        if details and r.extra_names:
            lines.append("     extras: " + " | ".join(sorted(r.extra_names)))
    worse = [r.rule for r in rows if r.worse]
    lines.append("")
    lines.append("hits: gold entities found; extras: nodes matching no gold entity; other: optional "
                 "or repeated.  A node made by two rules counts for both.")
    lines.append(f"! more extras than hits ({len(worse)}): " + (", ".join(worse) or "none"))
    return "\n".join(lines)
