"""Reading the word lists in data/lexicons/ (one entry a line, ``#`` comments).

Two shapes, one file format (``data/lexicons/README.md``):

* :func:`lines` — a flat list, every entry of the file;
* :func:`sections` — a list split by ``[section]`` headers (entries before
  the first header are under ``""``).

Lines starting with ``@`` are directives, not entries: ``@rule`` declares a
rule id (read by :mod:`ingest.rules`).  Both readers skip them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from kg.paths import data_dir

#: a section header: ``[name]`` of ASCII letters, digits, ``_``, ``-`` and
#: spaces (a regex entry such as ``[“"]…[”"]`` is no header)
HEADER = re.compile(r"\[([A-Za-z0-9_ -]*)\]")


#: the reporting unit's word lists (ingest/unit.py, ingest/county.py, and the
#: stages that tell its header and signature lines)
UNITS = "units-heuristics.txt"


def lexicon_dir() -> Path:
    return data_dir() / "lexicons"


def _raw(name: str) -> list[str]:
    return (lexicon_dir() / name).read_text(encoding="utf-8").splitlines()


@cache
def lines(name: str) -> tuple[str, ...]:
    """The entries of ``data/lexicons/<name>``: stripped, blank lines, comments and directives dropped."""
    out = []
    for line in _raw(name):
        line = line.strip()
        if line and not line.startswith(("#", "@")):
            out.append(line)
    return tuple(out)


@cache
def sections(name: str) -> dict[str, tuple[str, ...]]:
    """A sectioned word list (``[section]`` headers); ``#`` starts a comment anywhere on a line."""
    out: dict[str, list[str]] = {}
    current = out.setdefault("", [])
    for line in _raw(name):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("@"):
            continue
        header = HEADER.fullmatch(line)
        if header:
            current = out.setdefault(header.group(1).strip(), [])
        else:
            current.append(line)
    return {k: tuple(v) for k, v in out.items()}


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, escaped, each once, longest first
    (场次 before 场, 人民政府 before 政府: where two could match at one place,
    the longer is taken)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def section_words(name: str, *wanted: str) -> tuple[str, ...]:
    """The words of these sections of a sectioned list, in file order
    (a line may hold several, split at spaces)."""
    found = sections(name)
    return tuple(w for sec in wanted for line in found[sec] for w in line.split())
