"""Reading the word lists in data/lexicons/ (one entry a line, ``#`` comments)."""
from __future__ import annotations

from functools import cache

from kg.paths import data_dir


@cache
def lines(name: str) -> tuple[str, ...]:
    """The entries of ``data/lexicons/<name>``: stripped, blank lines and comments dropped."""
    path = data_dir() / "lexicons" / name
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)
