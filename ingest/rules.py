"""Rule ids: every rule that creates or trims a mention is named in data.

A rule is declared by one line in a word list of ``data/lexicons/``::

    @rule laws.title create  a title in book-title marks 《…》 names a document

``@rule``, the id, the kind (``create``: the rule makes a mention;
``trim``: it shortens or relabels one another rule made), then a
description for people (what ``fazhi-kg eval --rules`` prints).  The id
starts with the file's prefix (``laws`` for ``laws-patterns.txt``) and a
dot.  Inside a ``[section]`` the declaration also names that section as
the rule's vocabulary (:func:`words`).  The schema and a how-to are in
``data/lexicons/README.md``.

The code names a rule by its id, once, at import (``TITLE = rule("laws.title")``),
and records it on what the rule makes (:func:`mark`); ``Mention.rules``
then says which rules made and trimmed every mention, and
``fazhi-kg eval --rules`` scores each rule.  Every check is loud: a
duplicate id or a malformed line fails with the file and line, an id the
code asks for that no file declares fails with the caller's file and line.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from ingest.lexicon import HEADER, lexicon_dir, sections
from kg.errors import FazhiError

KINDS = ("create", "trim")
_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9][a-z0-9_-]*)+")


class RuleError(FazhiError):
    """A rule declaration or a rule id that is wrong; names the file and line."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str             # create / trim
    description: str
    file: str             # data/lexicons/<file>
    line: int
    section: str | None   # the [section] it stands in (its vocabulary), if any


class HasRules(Protocol):
    rules: list[str]


def _parse(path: Path) -> list[Rule]:
    out: list[Rule] = []
    section: str | None = None
    prefix = re.split(r"[-.]", path.name, maxsplit=1)[0]
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        header = HEADER.fullmatch(line.split("#", 1)[0].strip())
        if header:
            section = header.group(1).strip()
            continue
        if not line.startswith("@"):
            continue
        where = f"data/lexicons/{path.name}:{n}"
        parts = line.split(None, 3)
        if parts[0] != "@rule":
            raise RuleError(f"{where}: unknown directive '{parts[0]}' (the only one is '@rule ID KIND DESCRIPTION')")
        if len(parts) < 4:
            raise RuleError(f"{where}: a rule needs an id, a kind ({' or '.join(KINDS)}) and a description: "
                            f"'@rule ID KIND DESCRIPTION'")
        _, rid, kind, text = parts
        if not _ID.fullmatch(rid):
            raise RuleError(f"{where}: '{rid}' is not a rule id (lower-case words joined by dots, "
                            f"such as {prefix}.title)")
        if rid.split(".", 1)[0] != prefix:
            raise RuleError(f"{where}: rule id '{rid}' must start with '{prefix}.', the prefix of its file")
        if kind not in KINDS:
            raise RuleError(f"{where}: rule '{rid}' has kind '{kind}'; the kinds are {', '.join(KINDS)}")
        out.append(Rule(rid, kind, text.strip(), path.name, n, section))
    return out


@cache
def registry() -> dict[str, Rule]:
    """Every declared rule, by id, from all of ``data/lexicons/*.txt``."""
    found: dict[str, Rule] = {}
    for path in sorted(lexicon_dir().glob("*.txt")):
        for r in _parse(path):
            if r.id in found:
                first = found[r.id]
                raise RuleError(f"data/lexicons/{r.file}:{r.line}: rule id '{r.id}' is declared twice "
                                f"(first at data/lexicons/{first.file}:{first.line})")
            found[r.id] = r
    return found


def rule(rule_id: str) -> str:
    """``rule_id``, checked to be declared; call it once per rule, at import."""
    if rule_id not in registry():
        caller = sys._getframe(1)
        raise RuleError(f"{caller.f_code.co_filename}:{caller.f_lineno}: unknown rule id '{rule_id}': "
                        f"declare it with '@rule {rule_id} KIND DESCRIPTION' in a file of "
                        f"data/lexicons/ (see data/lexicons/README.md)")
    return rule_id


def get(rule_id: str) -> Rule:
    """The declaration of a rule (its kind, description and place)."""
    try:
        return registry()[rule_id]
    except KeyError:
        raise RuleError(f"unknown rule id '{rule_id}'") from None


def words(rule_id: str) -> tuple[str, ...]:
    """The entries of the section the rule is declared in (its vocabulary)."""
    r = get(rule_id)
    return sections(r.file).get(r.section or "", ()) if r.section is not None else ()


def mark(thing: HasRules, *rule_ids: str) -> HasRules:
    """Record that ``rule_ids`` made or trimmed ``thing`` (a Mention or Indicator); returns it."""
    for rid in rule_ids:
        if rid not in thing.rules:
            thing.rules.append(rid)
    return thing
