"""A canned query and its answer: the parameters, columns and text read from
a ``queries/*.rq`` file (:class:`CannedQuery`), and the rows it gives
(:class:`Table`), finished in the order pages show them (:func:`finished`).

Reading the files is :mod:`kg.queries`; answering a query from the prepared
index is :mod:`kg.answers`.  Both build on this module, which imports
neither, so that :mod:`kg.queries` can look up the index forms of
:mod:`kg.answers` when it reads a file and :mod:`kg.answers` can build the
tables of this module without an import cycle.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cmp_to_key
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespace import XSD


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"
    default: Any = ""
    help: str = ""
    choices: tuple[str, ...] | None = None      # fixed choices
    choices_query: str | None = None            # or a SELECT giving ?value (and ?label)
    required: bool = False                      # no default: the query is not run without it

    def bind(self, raw: Any):
        """The pyoxigraph term for a value given by a user, or None if empty."""
        if raw is None or str(raw).strip() == "":
            return None
        text = str(raw).strip()
        if self.choices is not None and text not in self.choices:
            raise QueryError(f"parameter '{self.name}' must be one of: {', '.join(self.choices)}")
        if self.type in ("integer", "year"):
            try:
                int(text)
            except ValueError:
                raise QueryError(f"parameter '{self.name}' must be a whole number, not {text!r}") from None
            dt = XSD.gYear if self.type == "year" else XSD.integer
            return ox.Literal(text, datatype=ox.NamedNode(str(dt)))
        if self.type == "iri":
            if not text.startswith(("http://", "https://", "urn:")):
                raise QueryError(f"parameter '{self.name}' must be an IRI (http://…), not {text!r}")
            return ox.NamedNode(text)
        if self.type == "boolean":
            return ox.Literal("true" if text.lower() in ("1", "true", "yes", "on") else "false",
                              datatype=ox.NamedNode(str(XSD.boolean)))
        return ox.Literal(text)


@dataclass(frozen=True)
class Column:
    """How a result column is shown: its labels, the IRI column it links to,
    the parameter a click on it sets, and for a list in one cell (a
    GROUP_CONCAT, whose order SPARQL leaves to the engine) the separator of
    its parts, which are then shown sorted."""
    name: str
    zh: str
    en: str
    link: str | None = None
    filter: str | None = None
    parts: str | None = None


@dataclass(frozen=True)
class CannedQuery:
    name: str
    path: Path
    title_zh: str
    title_en: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    evidence: bool = True
    columns: tuple[Column, ...] = field(default_factory=tuple)
    one_of: tuple[str, ...] = ()          # at least one of these parameters is needed
    sort: tuple[str, ...] = ()            # columns the shown rows are sorted by (-name: descending)
    limit: int | None = None              # the query's own final LIMIT
    plain: str | None = None              # its SPARQL 1.1 form, if the text needs LATERAL
    index: str | None = None              # its form answered from the prepared index (kg.answers)
    variables: tuple[str, ...] = ()       # what its SELECT projects, in order (parameters too)

    def text_for(self, lateral: bool) -> str:
        """The text to run on an engine that knows LATERAL (the embedded
        store) or not (a remote store: its plain SPARQL 1.1 form)."""
        return self.text if lateral or self.plain is None else self.plain

    def column(self, name: str) -> Column:
        """A column's labels (the variable name itself where none are given)."""
        for c in self.columns:
            if c.name == name:
                return c
        return Column(name, name, name)

    @property
    def link_targets(self) -> set[str]:
        """IRI columns a labelled column links to: the page shows them once, as that link."""
        return {c.link for c in self.columns if c.link}

    def bindings(self, given: dict[str, Any]) -> dict[str, Any]:
        """Values for the query's variables: given, else default; unknown names refused."""
        known = {p.name for p in self.params}
        unknown = set(given) - known
        if unknown:
            raise QueryError(f"query '{self.name}' has no parameter {', '.join(sorted(unknown))} "
                             f"(parameters: {', '.join(sorted(known)) or 'none'})")
        out = {}
        for p in self.params:
            term = p.bind(given.get(p.name, p.default))
            if term is not None:
                out[p.name] = term
            elif p.required:
                raise QueryError(f"query '{self.name}' needs the parameter '{p.name}' "
                                 f"({p.help or p.type})")
        if self.one_of and not any(n in out for n in self.one_of):
            raise QueryError(f"query '{self.name}' needs one of the parameters "
                             f"{', '.join(self.one_of)}")
        return out

    def missing(self, given: dict[str, Any]) -> list[Param]:
        """Required parameters with no value (given or default); all of
        ``one_of`` when none of them has one."""
        def empty(p: Param) -> bool:
            return not str(given.get(p.name, p.default) or "").strip()
        out = [p for p in self.params if p.required and empty(p)]
        group = [p for p in self.params if p.name in self.one_of]
        if group and all(empty(p) for p in group):
            out += group
        return out

    @property
    def param_names(self) -> set[str]:
        return {p.name for p in self.params}


@dataclass
class Table:
    """A canned query's answer: columns (parameters left out), rows of terms.

    ``truncated``: the whole answer was cut (by the row cap or the query's
    own LIMIT): narrow it with the parameters.  After :func:`paged`,
    ``rows`` are one page: ``offset`` is where it starts, ``total`` the
    rows of the whole answer and ``more`` whether a next page follows.
    ``source`` says what answered: ``sparql`` or ``index`` (kg.answers).
    """

    columns: list[str]
    rows: list[dict[str, dict[str, str]]]     # SPARQL JSON terms by column
    truncated: bool = False
    elapsed_ms: float = 0.0
    offset: int = 0
    total: int | None = None
    more: bool = False
    source: str = "sparql"

    def values(self) -> list[list[Any]]:
        """Rows as plain values (numbers as numbers, IRIs and text as str, None if unbound)."""
        return [[plain(row.get(c)) for c in self.columns] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, vals)) for vals in self.values()]

    def csv_lines(self) -> Iterator[str]:
        """The answer as CSV, a line at a time (a streamed export builds no whole text)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.columns)
        for row in self.rows:
            w.writerow(["" if v is None else v for v in (plain(row.get(c)) for c in self.columns)])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        if buf.getvalue():        # no rows: the header alone
            yield buf.getvalue()

    def to_csv(self) -> str:
        return "".join(self.csv_lines())


#: A SPARQL JSON term (None: unbound), as the index forms build them (kg.answers).
Term = dict[str, str] | None
_GYEAR, _INTEGER = str(XSD.gYear), str(XSD.integer)


def zh(v: str | None) -> Term:
    """A label or text as the store writes them (@zh, kg.triples); none or empty: unbound."""
    return {"type": "literal", "value": v, "xml:lang": "zh"} if v else None


def iri(v: str | None) -> Term:
    return {"type": "uri", "value": v} if v else None


def literal(v: str | None, datatype: str | None = None) -> Term:
    if v is None:
        return None
    return {"type": "literal", "value": v, **({"datatype": datatype} if datatype else {})}


def integer(n: int) -> Term:
    """A count (xsd:integer, as SPARQL's COUNT gives it)."""
    return literal(str(n), _INTEGER)


def gyear(v: str | None) -> Term:
    """A report's year (xsd:gYear, as kg.triples writes fz:year)."""
    return literal(v, _GYEAR) if v else None


_NUMERIC = {str(XSD.integer), str(XSD.int), str(XSD.long), str(XSD.nonNegativeInteger),
            str(XSD.positiveInteger)}
_DECIMAL = {str(XSD.decimal), str(XSD.double), str(XSD.float)}
_BOOLEAN = str(XSD.boolean)     # made once: str() of an rdflib term costs, per cell of a sort


def plain(term: dict[str, str] | None) -> Any:
    """A SPARQL JSON term as a Python value."""
    if term is None:
        return None
    value, dt = term.get("value"), term.get("datatype")
    try:
        if dt in _NUMERIC:
            return int(value)
        if dt in _DECIMAL:
            return float(value)
    except (TypeError, ValueError):
        return value
    if dt == _BOOLEAN:
        return value in ("true", "1")
    return value


def finished(query: CannedQuery, table: Table) -> Table:
    """A canned query's answer as shown: cut by the row cap or by the query's
    own LIMIT (as many rows as it allows), and sorted by its ``sort:``, then
    by every column, so that the order is the same on every run (pages)."""
    rows = _parts_sorted(query, table.rows)
    cut = table.truncated or (query.limit is not None and len(rows) >= query.limit)
    keys = [(name.removeprefix("-"), name.startswith("-")) for name in query.sort]
    keys += [(c, False) for c in table.columns]

    def compare(a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
        for (_, desc), x, y in zip(keys, a, b):
            if x == y:
                continue
            if x[0] == 2 or y[0] == 2:       # missing: last either way
                return 1 if x[0] == 2 else -1
            if x[0] != y[0]:                 # a number and a text: numbers first either way
                return -1 if x[0] < y[0] else 1
            return (1 if x < y else -1) if desc else (-1 if x < y else 1)
        return 0

    decorated = [(tuple(_sort_key(plain(row.get(c))) for c, _ in keys), row) for row in rows]
    if any(desc for _, desc in keys):
        decorated.sort(key=lambda pair: cmp_to_key(compare)(pair[0]))
    else:   # all ascending: compare() is the tuples' own order (missing last, numbers first)
        decorated.sort(key=lambda pair: pair[0])
    return Table(table.columns, [row for _, row in decorated], cut, table.elapsed_ms,
                 source=table.source)


def _parts_sorted(query: CannedQuery, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the parts of each list column (``parts:``) sorted, so
    that a cell reads the same whatever engine or form made it."""
    lists = [(c.name, c.parts) for c in query.columns if c.parts]
    if not lists:
        return rows
    out = []
    for row in rows:
        for name, sep in lists:
            cell = row.get(name)
            if cell is not None and sep in cell["value"]:
                ordered = sep.join(sorted(cell["value"].split(sep)))
                if ordered != cell["value"]:
                    row = {**row, name: {**cell, "value": ordered}}
        out.append(row)
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    # missing last; numbers before text so that a column of years sorts as numbers
    if value is None or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdecimal()):
        return (0, float(value))
    return (1, str(value))
