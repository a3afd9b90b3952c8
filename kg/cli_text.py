"""What the command line prints: one-line errors, aligned tables, query answers.

Shared by the commands of :mod:`kg.cli` and :mod:`kg.cli_serve`.
"""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.namespace import PREFIXES
from kg.store import Answer


def one_line(text: str, limit: int = 400) -> str:
    """A message as one line (for ``error:`` and ``failed:`` lines), cut to ``limit``."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def read_query_text(arg: str) -> str:
    """The query itself, from an argument that is query text, a file or ``-``."""
    if arg == "-":
        return sys.stdin.read()
    if "\n" not in arg and len(arg) < 4096:
        try:
            is_file = Path(arg).is_file()
        except (OSError, ValueError):   # a query longer than a file name can be, or with NUL
            is_file = False
        if is_file:
            return Path(arg).read_text(encoding="utf-8")
    return arg


def render_answer(answer: Answer, fmt: str) -> str:
    """An answer as the ``query`` command prints it."""
    if fmt == "json":
        return answer.to_json().decode() + "\n"
    if fmt == "csv":
        return answer.to_csv()
    if answer.kind == "ask":
        return ("true" if answer.boolean else "false") + "\n"
    if answer.kind == "graph":
        return ox.serialize(answer.triples, format=ox.RdfFormat.TURTLE,
                            prefixes=dict(PREFIXES)).decode()
    rows = [[short_term(t) for t in row] for row in answer.rows]
    return render_table(answer.variables, rows) + f"({len(rows)} rows)\n"


def short_term(term: Any) -> str:
    """A term for human eyes: prefixed names, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` terminal columns, with … when cut."""
    if _width(text) <= limit:
        return text
    out, w = [], 0
    for c in text:
        w += _width(c)
        if w > limit - 1:
            break
        out.append(c)
    return "".join(out) + "…"


def render_table(columns: list[str], rows: list[list[str]], *, show_header: bool = True,
                 cell: int | None = None) -> str:
    """Rows in aligned columns (CJK-aware), under a header unless told not;
    cells cut to ``cell`` columns when given."""
    cells = [[c.replace("\n", " ") for c in r] for r in rows]
    if cell is not None:
        cells = [[clip(c, cell) for c in r] for r in cells]
    widths = [max([_width(h) if show_header else 0] + [_width(r[i]) for r in cells])
              for i, h in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = []
    if show_header:
        out.append(line(list(columns)))
        out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in cells]
    return "\n".join(out) + "\n"
