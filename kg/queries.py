"""Canned queries: ``queries/*.rq`` with a small ``#+`` YAML header (grlc style).

A file looks like::

    #+ title: {zh: 聘请律师事务所担任法律顾问的乡镇, en: Townships with law firms as legal advisers}
    #+ description: …
    #+ parameters:
    #+   county: {type: string, default: "", help: 县级行政区名称,
    #+            choices: "SELECT DISTINCT ?value WHERE { ?c a fz:County ; rdfs:label ?value }"}
    SELECT … ?county WHERE { … FILTER(COALESCE(STR(?county), "") = "" || ?countyLabel = ?county) }

Parameters are bound as values through SPARQL substitutions (SEP-0007):
the variable ``?county`` takes the given value; an empty value leaves it
unbound, so a query should accept that: ``COALESCE(STR(?county), "") = ""
|| …`` (not ``!BOUND(?county)``: Oxigraph replaces a substituted variable
by its value, and ``BOUND`` of it stays false).  A parameter must be a
variable the query SELECTs, and it does not reach into subqueries.  They
are never pasted into the text.

For speed on a national graph, a query that needs a parameter inside a
subquery writes ``BIND (COALESCE(STR(?name), "") AS ?wantedName)`` at the
top and passes ``?wantedName`` in through ``LATERAL { SELECT ?wantedName …
}``; LATERAL also makes Oxigraph look the details of each row up one by one
instead of joining whole tables (see township_profile.rq, compare_metric.rq).  Every file is read and parsed at start-up
(:func:`load_all`): a broken one fails at once, naming itself.

``LATERAL`` is Oxigraph's; other SPARQL 1.1 engines (Virtuoso, Fuseki)
refuse it.  A query that uses it has its plain SPARQL 1.1 form beside it,
``queries/sparql11/NAME.rq`` (the query alone, no header: the header of
``NAME.rq`` is the one truth for both), giving the same rows; a remote store
gets that form (:meth:`CannedQuery.text_for`), the embedded store the
LATERAL one, which is faster there.  Where LATERAL takes one row of several
(``LIMIT 1``: one sentence of those that attest a fact), the plain form
takes the least one (``MIN``), so every engine gives the same example.

The header also says how a person reads the answer (the JSON and CSV keep
the raw columns)::

    #+ columns:
    #+   townshipName: {zh: 乡镇, en: Township, link: township}
    #+   township: {zh: 乡镇 IRI, en: Township IRI}
    #+   countyLabel: {zh: 县级行政区, en: County, filter: county}
    #+ one_of: [township, county]        # at least one of these parameters
    #+ sort: [townshipName, yearReported] # the rows shown, sorted by these

A query over the entity types (search.rq) declares ``#+ entity_types:
{values: [class, typeName], parameter: type}``: its ``VALUES (?class
?typeName)`` block and the parameter's choices are filled from the table
of types (kg/types.py), so a new type is searched for with no edit here.

``link`` names the column holding the IRI the cell links to (an entity,
a report, or a sentence: its report at ``#s-N``); the page then shows the
labelled link once and not the IRI column.  ``filter`` names the parameter
a click on the cell sets, keeping the others.  ``parts`` gives the
separator of a list in one cell (a ``GROUP_CONCAT``, ordered as the engine
likes): its parts are shown sorted.  ``sort`` orders the rows
the store gave (a query with ``ORDER BY`` over a national graph would
read every report before the first row); ``-name`` sorts that column
largest first; missing values go last.  A query with ``ORDER BY`` repeats
its keys in ``sort:``.  After those keys every column breaks ties, so the
order is total: the pages of an answer (:class:`Page`) follow each other
without overlap, and an answer from the prepared index (``index:``, see
:mod:`kg.answers`) comes in the same order as its SPARQL one.

``index: <name>`` says the query has a form answered from the data
prepared beside an embedded store (a function of :mod:`kg.answers`,
looked up when the file is read: a misspelt name fails at load).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from kg import (
    answers_lists,  # noqa: F401  (registers the long lists' forms in FORMS)
    answers_search,  # noqa: F401  (and the search's)
    types,
)
from kg.answers import FORMS, answer
from kg.canned import CannedQuery, Column, Param, Table, finished
from kg.errors import FazhiError, QueryError
from kg.namespace import PREFIXES
from kg.paths import queries_dir
from kg.sparql import Checked
from kg.sparql_parse import decide

_TYPES = ("string", "integer", "year", "iri", "boolean")
#: URL and CLI parameters that choose a page of an answer; no canned query
#: may have a parameter of these names.
PAGING = ("page_size", "offset", "page", "_stream")
#: The largest page one request may ask for.
MAX_PAGE_SIZE = 1000


def _header(path: Path, text: str) -> tuple[dict[str, Any], str]:
    head, body = [], []
    for line in text.splitlines():
        if line.startswith("#+") and not body:
            head.append(line[2:].removeprefix(" "))
        else:
            body.append(line)
    try:
        meta = yaml.safe_load("\n".join(head)) or {}
    except yaml.YAMLError as exc:
        raise FazhiError(f"{path}: the #+ header is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise FazhiError(f"{path}: the #+ header must be a mapping (title:, description:, parameters:)")
    return meta, "\n".join(body).strip() + "\n"


def parse(path: Path) -> CannedQuery:
    """Read one .rq file; raise FazhiError naming it if anything is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FazhiError(f"{path}: cannot read canned query ({exc})") from None
    meta, body = _header(path, text)
    title = meta.get("title") or {}
    if isinstance(title, str):
        title = {"zh": title, "en": title}
    if not title.get("zh") or not title.get("en"):
        raise FazhiError(f"{path}: the #+ header needs title: {{zh: …, en: …}}")
    params = []
    for name, spec in (meta.get("parameters") or {}).items():
        spec = spec or {}
        ptype = spec.get("type", "string")
        if ptype not in _TYPES:
            raise FazhiError(f"{path}: parameter '{name}' has unknown type '{ptype}' "
                             f"(use {', '.join(_TYPES)})")
        choices = spec.get("choices")
        cq = None
        if isinstance(choices, str):
            cq, choices = choices, None
        elif choices is not None:
            choices = tuple(str(c) for c in choices)
        default = spec.get("default", "")
        params.append(Param(str(name), ptype, "" if default is None else default,
                            str(spec.get("help", "")), choices, cq, bool(spec.get("required"))))
    body, params = _entity_types(path, meta.get("entity_types"), body, params)
    columns = _columns(path, meta.get("columns"))
    one_of = tuple(str(n) for n in (meta.get("one_of") or ()))
    sort = tuple(str(n) for n in (meta.get("sort") or ()))
    names = {p.name for p in params}
    reserved = names & set(PAGING)
    if reserved:
        raise FazhiError(f"{path}: parameter '{min(reserved)}' is a paging parameter "
                         f"(reserved: {', '.join(PAGING)}); rename it")
    index = meta.get("index")
    if index is not None:
        if str(index) not in FORMS:
            raise FazhiError(f"{path}: index: '{index}' is not an index form "
                             f"(known: {', '.join(sorted(FORMS))})")
    if set(one_of) - names:
        raise FazhiError(f"{path}: one_of names {', '.join(sorted(set(one_of) - names))}, "
                         f"which are not parameters")
    try:
        # the same parse as a user's text gets (SERVICE, LOAD refused), then
        # Oxigraph's own with the parameters bound
        if decide(body).form != "SELECT":
            raise QueryError("a canned query must be a SELECT")
        for p in params:
            if p.choices_query and decide(p.choices_query).form != "SELECT":
                raise QueryError(f"the choices query of parameter '{p.name}' must be a SELECT")
        variables = _parse_only(body, params)
    except QueryError as exc:
        raise FazhiError(f"{path}: {exc}") from None
    _check_columns(path, columns, sort, variables, names)
    plain = _plain_form(path, params, variables, meta.get("entity_types"))
    m = _LIMIT.search(body)
    return CannedQuery(path.stem, path, title["zh"], title["en"], str(meta.get("description", "")).strip(),
                       body, tuple(params), bool(meta.get("evidence", True)), columns, one_of, sort,
                       int(m.group(1)) if m else None, plain,
                       str(index) if index is not None else None, tuple(variables))


def plain_path(path: Path) -> Path:
    """Where the plain SPARQL 1.1 form of the canned query ``path`` lives."""
    return path.parent / PLAIN_DIR / path.name


PLAIN_DIR = "sparql11"


def _plain_form(path: Path, params: list[Param], variables: list[str],
                entity_types: Any = None) -> str | None:
    """The SPARQL 1.1 form beside ``path``, checked as the query itself is
    and projecting the same variables in the same order, its classes filled
    as the query's (``entity_types``); None if there is none."""
    alt = plain_path(path)
    if not alt.exists():
        return None
    try:
        text = alt.read_text(encoding="utf-8").strip() + "\n"
    except (OSError, UnicodeDecodeError) as exc:
        raise FazhiError(f"{alt}: cannot read the SPARQL 1.1 form ({exc})") from None
    if re.search(r"\bLATERAL\b", re.sub(r"#[^\n]*", "", text)):
        raise FazhiError(f"{alt}: the SPARQL 1.1 form uses LATERAL, which only Oxigraph knows")
    text, _ = _entity_types(alt, entity_types, text, params)
    try:
        if decide(text).form != "SELECT":
            raise QueryError("a canned query must be a SELECT")
        alt_vars = _parse_only(text, params)
    except QueryError as exc:
        raise FazhiError(f"{alt}: {exc}") from None
    if alt_vars != variables:
        raise FazhiError(f"{alt}: selects {' '.join(alt_vars)}; {path.name} selects "
                         f"{' '.join(variables)} (the two forms must give the same columns)")
    return text


def _entity_types(path: Path, spec: Any, body: str, params: list[Param]) -> tuple[str, list[Param]]:
    """Fill a query's entity classes from the table of types (kg.types).

    ``#+ entity_types: {values: [class, typeName, rank], parameter: type}``
    says the body's ``VALUES (?class ?typeName ?rank) { … }`` block lists
    the searchable classes, their names and their places in the table
    ("01", "02" …: strings, so that ``MIN(CONCAT(?rank, …))`` picks an
    entity's first class as ``ORDER BY ?rank`` does); ``rank`` may be left
    out.  Its rows as written stay for tools that read the file alone
    (grlc), and are replaced here by the table's, which also gives the
    parameter its choices.  The plain SPARQL 1.1 form is filled the same way
    (:func:`_plain_form`).
    """
    if spec is None:
        return body, params
    names = spec.get("values") if isinstance(spec, dict) else None
    if not isinstance(names, list) or len(names) not in (2, 3) or \
            not all(isinstance(n, str) for n in names):
        raise FazhiError(f"{path}: entity_types needs {{values: [classVariable, nameVariable"
                         f"(, rankVariable)], parameter: name}}")
    head = r"\s+".join(rf"\?{re.escape(n)}" for n in names)
    block = re.compile(rf"VALUES\s*\(\s*{head}\s*\)\s*\{{[^}}]*\}}")
    if not block.search(body):
        raise FazhiError(f"{path}: entity_types: no VALUES ({' '.join('?' + n for n in names)}) "
                         "{ … } block to fill")
    classes = types.search_classes()
    width = len(str(len(classes)))
    rows = " ".join(f'(<{iri}> "{_literal(name)}"' + (f' "{i + 1:0{width}d}")' if len(names) == 3
                                                     else ")")
                    for i, (iri, name) in enumerate(classes))
    variables = " ".join("?" + n for n in names)
    body = block.sub(lambda _: f"VALUES ({variables}) {{ {rows} }}", body, count=1)
    wanted = spec.get("parameter")
    if wanted is not None:
        if wanted not in {p.name for p in params}:
            raise FazhiError(f"{path}: entity_types: '{wanted}' is not a parameter")
        params = [replace(p, choices=tuple(name for _, name in classes)) if p.name == wanted else p
                  for p in params]
    return body, params


def _literal(text: str) -> str:
    """A SPARQL string literal's content."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", re.IGNORECASE)


def relimited(text: str, limit: int) -> str:
    """``text`` with its own final ``LIMIT`` (and ``OFFSET``) replaced by
    ``LIMIT limit``, or that added: what an export of every row runs."""
    return _LIMIT.sub("", text.rstrip()).rstrip() + f"\nLIMIT {limit}\n"


def _columns(path: Path, spec: Any) -> tuple[Column, ...]:
    """The ``columns:`` header: name → {zh, en, link?, filter?, parts?}."""
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        raise FazhiError(f"{path}: columns: must map each column to {{zh: …, en: …}}")
    out = []
    for name, c in spec.items():
        if not isinstance(c, dict) or not c.get("zh") or not c.get("en"):
            raise FazhiError(f"{path}: column '{name}' needs {{zh: …, en: …}}")
        unknown = set(c) - {"zh", "en", "link", "filter", "parts"}
        if unknown:
            raise FazhiError(f"{path}: column '{name}' has unknown key(s) {', '.join(sorted(unknown))} "
                             f"(use zh, en, link, filter, parts)")
        out.append(Column(str(name), str(c["zh"]), str(c["en"]),
                          str(c["link"]) if c.get("link") else None,
                          str(c["filter"]) if c.get("filter") else None,
                          str(c["parts"]) if c.get("parts") else None))
    return tuple(out)


def _check_columns(path: Path, columns: tuple[Column, ...], sort: tuple[str, ...],
                   variables: list[str], params: set[str]) -> None:
    """Every named column, link and sort key is a column the query SELECTs; every filter a parameter."""
    have = set(variables)
    for c in columns:
        for what, name in (("column", c.name), ("link of " + c.name, c.link)):
            if name and name not in have:
                raise FazhiError(f"{path}: {what} '{name}' is not a variable the query SELECTs")
        if c.filter and c.filter not in params:
            raise FazhiError(f"{path}: filter of column '{c.name}' names '{c.filter}', not a parameter")
    for name in (n.removeprefix("-") for n in sort):
        if name not in have:
            raise FazhiError(f"{path}: sort names '{name}', not a variable the query SELECTs")


_SAMPLE = {"string": "x", "integer": "1", "year": "2023", "iri": "http://example.org/x",
           "boolean": "true"}


def _parse_only(text: str, params: list[Param] | tuple[Param, ...] = ()) -> list[str]:
    """Parse with Oxigraph's own parser (on an empty store: nothing to read).

    A canned query is the project's (or the admin's) file, read at start-up,
    so this runs in the server; users' texts never come here.

    With every parameter bound, too: Oxigraph only substitutes variables
    the query projects, so a parameter missing from the SELECT fails here.
    """
    subs = {}
    for p in params:
        term = Param(p.name, p.type).bind(_SAMPLE[p.type])
        subs[ox.Variable(p.name)] = term
    variables: list[str] = []
    try:
        for kwargs in ({}, {"substitutions": subs} if subs else None):
            if kwargs is None:
                continue
            result = ox.Store().query(text, prefixes=dict(PREFIXES), **kwargs)
            if not isinstance(result, (bool, ox.QueryBoolean)):
                variables = [v.value for v in result.variables]
                for _ in result:
                    break
    except SyntaxError as exc:
        raise QueryError(f"malformed query: {exc}") from None
    except RuntimeError as exc:
        raise QueryError(f"every parameter must be a variable the query SELECTs "
                         f"(and GROUPs BY, if it aggregates): {exc}") from None
    return variables


def load_all(folder: Path | None = None) -> dict[str, CannedQuery]:
    """Every canned query of a folder, by name, parsed (fails fast)."""
    folder = folder or queries_dir()
    out = {}
    for path in sorted(folder.glob("*.rq")):
        q = parse(path)
        out[q.name] = q
    return out


@cache
def bundled() -> dict[str, CannedQuery]:
    return load_all()


types.on_change(bundled.cache_clear)      # search.rq lists the types (_entity_types)


def names(folder: Path | None = None) -> list[str]:
    """The canned queries' names, without parsing them."""
    return sorted(p.stem for p in (folder or queries_dir()).glob("*.rq"))


def named(name: str, folder: Path | None = None) -> CannedQuery | None:
    """One canned query by name, parsed alone (parsing all of them costs
    seconds, which a command that runs one, or none, need not pay); None
    when ``name`` is not one (a SPARQL text, say)."""
    if name not in names(folder):
        return None
    return parse((folder or queries_dir()) / f"{name}.rq")


# ----------------------------------------------------------------- running

@dataclass(frozen=True)
class Page:
    """Which rows of an answer to give: ``size`` rows from ``offset`` (None: all)."""

    offset: int = 0
    size: int | None = 100

    def next(self, total: int) -> Page | None:
        if self.size is None or self.offset + self.size >= total:
            return None
        return Page(self.offset + self.size, self.size)

    def previous(self) -> Page | None:
        if self.size is None or self.offset == 0:
            return None
        return Page(max(0, self.offset - self.size), self.size)


def _whole(name: str, raw: str, low: int, high: int | None) -> int:
    try:
        n = int(str(raw).strip())
    except ValueError:
        n = None
    if n is None or n < low or (high is not None and n > high):
        bound = f"from {low} to {high}" if high is not None else f"of {low} or more"
        raise QueryError(f"parameter '{name}' must be a whole number {bound}, not {raw!r}")
    return n


def page_of(args: Mapping[str, str], default_size: int) -> Page:
    """The page asked for by ``page_size`` and ``offset`` (or ``page``,
    counted from 1); bad values fail naming the parameter."""
    size = default_size
    if str(args.get("page_size", "")).strip():
        size = _whole("page_size", args["page_size"], 1, MAX_PAGE_SIZE)
    has_offset = bool(str(args.get("offset", "")).strip())
    has_page = bool(str(args.get("page", "")).strip())
    if has_offset and has_page:
        raise QueryError("give parameter 'offset' or parameter 'page', not both")
    offset = 0
    if has_offset:
        offset = _whole("offset", args["offset"], 0, None)
    elif has_page:
        offset = (_whole("page", args["page"], 1, None) - 1) * size
    return Page(offset, size)


def paged(table: Table, page: Page) -> Table:
    """One page of a finished answer."""
    total = len(table.rows)
    end = total if page.size is None else page.offset + page.size
    return Table(table.columns, table.rows[page.offset:end], table.truncated, table.elapsed_ms,
                 page.offset, total, end < total, table.source)


def run(query: CannedQuery, given: dict[str, Any], runner, *, lateral: bool = True,
        index: Any = None) -> Table:
    """Run a canned query with parameters: the whole answer, finished (sorted).

    ``runner(checked, fmt=, substitutions=)`` is :meth:`kg.workers.Engine.run`
    or a function around :func:`kg.sparql.execute` (the CLI).  ``lateral``:
    whether the engine behind it knows LATERAL (see :meth:`CannedQuery.text_for`).
    ``index`` is the prepared data of an embedded store (:class:`kg.answers.Prepared`);
    with it, a query with an ``index:`` form is answered from it when it
    holds what the form needs, else (and always without it) by the SPARQL.
    """
    subs = query.bindings(given)
    if index is not None and query.index is not None:
        table = answer(query, subs, index, runner)
        if table is not None:
            return finished(query, table)
    result = runner(Checked(query.text_for(lateral), "SELECT"), fmt="json", substitutions=subs)
    doc = json.loads(result.body)
    hidden = query.param_names
    columns = [v for v in doc["head"]["vars"] if v not in hidden]
    return finished(query, Table(columns, doc["results"]["bindings"], bool(doc.get("truncated")),
                                 result.elapsed_ms))


def run_choices(runner_or_engine, param: Param) -> list[tuple[str, str]]:
    """(value, label) pairs from a parameter's choices query (?value, optional ?label)."""
    if not param.choices_query:
        return [(c, c) for c in param.choices or ()]
    runner = getattr(runner_or_engine, "run", runner_or_engine)
    result = runner(Checked(param.choices_query, "SELECT"), fmt="json")
    out = []
    for b in json.loads(result.body)["results"]["bindings"]:
        if "value" in b:
            v = b["value"]["value"]
            out.append((v, b.get("label", b["value"])["value"]))
    return out
