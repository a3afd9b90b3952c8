"""What a user's SPARQL text is, decided from a real parse tree.

Runs in a query worker (:mod:`kg.sparql`), never in the web server: the
parser is pyparsing-based (rdflib's SPARQL 1.1 grammar) and a text can make
it slow or deep, so the worker's time limit and process boundary contain it.

* SPARQL's escape processing comes first (``\\uXXXX``, ``\\UXXXXXXXX`` are
  characters before the grammar sees the text, spec §19.2).  The expanded
  text is what is both parsed here and run by Oxigraph, so the two read the
  same characters (Oxigraph's own escape pass then finds nothing to do).
* The form (SELECT / ASK / CONSTRUCT / DESCRIBE) comes from the tree; a text
  the parser cannot read is refused (400), never run anywhere else.
* ``SERVICE`` anywhere in the tree, and ``LOAD`` in an update, are refused.
* Oxigraph's ``LATERAL`` (used by the canned queries, which a user may open
  in the editor) is added to the grammar so those texts parse too.
"""
from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from types import MethodType
from typing import Any

from kg.errors import QueryError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

#: Python frames the parser may use; about 33 per level of { } nesting, so
#: about 600 levels parse and deeper texts get a clear 400.  Oxigraph's own
#: parser overflows its stack somewhere past 2,000 levels: never reached.
PARSE_RECURSION = 20_000
#: stack of the parsing thread (it recurses that deep)
PARSE_STACK_BYTES = 256 * 2 ** 20

_REFUSE_SERVICE = ("SERVICE (federated query) is not allowed on this endpoint: it would make "
                   "the server send requests elsewhere")
_REFUSE_LOAD = ("LOAD is not allowed on this endpoint: it would make the server fetch "
                "documents from elsewhere")
_UPDATE = ("this is an update, not a query: send it as 'update=' (updates are off unless the "
           "setting allow_update is on)")
_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
          "DescribeQuery": "DESCRIBE"}


@dataclass(frozen=True)
class Decision:
    """A parsed user text: the text to run (escapes expanded), its form, FROM or not."""

    text: str
    form: str              # SELECT / ASK / CONSTRUCT / DESCRIBE / UPDATE
    dataset: bool = False  # has FROM / FROM NAMED


def expand_escapes(text: str) -> str:
    """SPARQL's escape processing: ``\\uXXXX`` and ``\\UXXXXXXXX`` become characters.

    A text whose expansion holds another escape (``\\u005C`` writing a
    backslash before ``u0041``) is refused: a second pass, by any parser,
    would read it differently from the first.
    """
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(f"malformed query: the escape {m.group(0)} is not a Unicode "
                             "character", status=400)
        return chr(code)

    out = _ESCAPE.sub(one, text)
    if _ESCAPE.search(out):
        raise QueryError("malformed query: an escape (\\u005C) writes another escape "
                         "sequence; write the character itself", status=400)
    return out


_GRAMMAR: Any = None


def grammar() -> Any:
    """rdflib's SPARQL grammar module, with Oxigraph's LATERAL added (once)."""
    global _GRAMMAR
    if _GRAMMAR is None:
        # rdflib's SPARQL grammar takes about 0.3 s to load: loaded by what parses a
        # text (query workers, canned queries), not by every importer of this module
        from pyparsing import Keyword
        from rdflib.plugins.sparql import parser as p  # the slow grammar (see above)
        from rdflib.plugins.sparql.parserutils import Comp, Param  # with the grammar

        # GraphPatternNotTriples ::= … | 'LATERAL' GroupGraphPattern  (Oxigraph)
        if not any(getattr(e, "name", None) == "LateralGraphPattern"
                   for e in p.GraphPatternNotTriples.exprs):
            lateral = Comp("LateralGraphPattern",
                           Keyword("LATERAL") + Param("graph", p.GroupGraphPattern))
            for comment in p.QueryUnit.ignoreExprs:      # comments, as everywhere else
                lateral.ignore(comment)
            p.GraphPatternNotTriples.append(lateral)
        # rdflib keeps SERVICE's source text by re-scanning the whole query
        # from its start, which fails after a '#' inside an IRI (and costs a
        # scan per SERVICE); the text is not needed to decide, so not kept
        p.ServiceGraphPattern.postParse = MethodType(_plain_post_parse, p.ServiceGraphPattern)
        _GRAMMAR = p
    return _GRAMMAR


def _plain_post_parse(self: Any, instring: str, loc: int, tokens: Any) -> Any:
    """rdflib's Comp.postParse without the source-text scan: a CompValue of the Params."""
    from rdflib.plugins.sparql.parserutils import CompValue, ParamValue  # with the grammar

    res = CompValue(self.name)
    for t in tokens:
        if isinstance(t, ParamValue):
            if t.isList:
                res.setdefault(t.name, []).append(t.tokenList)
            else:
                res[t.name] = t.tokenList
    return res


def _names(tree: Any) -> set[str]:
    """Every rule name (CompValue.name) in a parse tree; iterative (trees are deep)."""
    from rdflib.plugins.sparql.parserutils import CompValue  # loaded with the grammar

    seen: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            seen.add(node.name)
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
    return seen


def _deep(fn, *args: Any) -> Any:
    """``fn(*args)`` on a thread with a big stack and a high recursion limit."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn(*args)
        except BaseException as exc:    # handed to the caller's thread
            out["error"] = exc

    limit = sys.getrecursionlimit()
    old = threading.stack_size(PARSE_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="sparql-parse", daemon=True)
    finally:
        threading.stack_size(old)
    # the limit is the interpreter's, not the thread's: raised for this parse only
    sys.setrecursionlimit(max(limit, PARSE_RECURSION))
    try:
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
    if "error" in out:
        raise out["error"]
    return out["value"]


def _message(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
    return f"{msg} (error at {line}:{col})" if line is not None else msg


def decide(text: str, *, update: bool = False) -> Decision:
    """Parse a user's query (or update); refuse what must not run.  Raises QueryError."""
    from pyparsing import ParseBaseException  # the grammar's (see grammar())

    expanded = expand_escapes(text)
    p = grammar()
    rule = p.UpdateUnit if update else p.QueryUnit
    try:
        tree = _deep(rule.parse_string, expanded, True)
    except RecursionError:
        raise QueryError("query refused: it is nested too deeply to parse (about 600 levels of "
                         "{ } at most)", status=400) from None
    except ParseBaseException as exc:
        as_update = None if update else _as_update(expanded)
        if as_update is None:
            what = "update" if update else "query"
            raise QueryError(f"malformed {what} (SPARQL 1.1): {_message(exc)}",
                             status=400) from None
        _refuse(as_update)
        raise QueryError(_UPDATE, status=403, setting="allow_update") from None
    _refuse(tree)
    if update:
        return Decision(expanded, "UPDATE")
    query = tree[-1] if len(tree) else None
    form = _FORMS.get(getattr(query, "name", ""))
    if form is None:        # cannot happen with this grammar; refused if it ever does
        raise QueryError("query refused: its form (SELECT, ASK, CONSTRUCT or DESCRIBE) could "
                         "not be decided", status=400)
    return Decision(expanded, form, dataset="datasetClause" in query)


def _refuse(tree: Any) -> None:
    names = _names(tree)
    if "ServiceGraphPattern" in names:
        raise QueryError(_REFUSE_SERVICE, status=400)
    if "Load" in names:
        raise QueryError(_REFUSE_LOAD, status=400)


def _as_update(expanded: str) -> Any:
    """The parse tree of a text sent as a query that is an update; None if it is not one."""
    from pyparsing import ParseBaseException  # the grammar's (see grammar())

    try:
        return _deep(grammar().UpdateUnit.parse_string, expanded, True)
    except (ParseBaseException, RecursionError):
        return None


# ----------------------------------------------------------------- prologue

_IRI = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
_PROLOGUE = re.compile(rf"(?:\s+|#[^\n]*|BASE\s*{_IRI}|PREFIX\s*[^\s:<>#{{}}]*:\s*{_IRI})*", re.I)


def form_start(text: str, form: str = "SELECT") -> int | None:
    """Offset of the form keyword after the prologue (BASE/PREFIX, comments).

    Only for a text that has been parsed (or is trusted) and has no escapes
    left: its IRIs then hold no backslash, so a ``#`` after one is a
    comment.  None if the prologue is not followed by ``form``.
    """
    end = _PROLOGUE.match(text).end()
    word = text[end:end + len(form) + 1]
    if word[:len(form)].upper() != form or (len(word) > len(form) and
                                             (word[-1].isalnum() or word[-1] == "_")):
        return None
    return end


def warm() -> None:
    """Import and build the grammar now (a worker does it before its first query)."""
    decide("ASK {}")
