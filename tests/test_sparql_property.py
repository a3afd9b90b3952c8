"""Property: no mix of escapes, comments, ``\\#``, BASE, PREFIX and nesting gets SERVICE or LOAD past the parser.

Hypothesis writes texts around a SERVICE (or, as an update, a LOAD) aimed at
a listener of the test's own on 127.0.0.1: the keyword and IRIs partly
written as ``\\uXXXX`` / ``\\UXXXXXXXX``, ``#`` inside IRIs and after ``\\#``
in local names, comments that an escaped newline ends, strings that an
escaped quote closes, nesting.  Each text goes to
:func:`kg.sparql_parse.decide`; what it accepts is then run by Oxigraph *in
this process*, with no network namespace to catch a mistake.  The listener
must see 0 connections, and a SERVICE written as a real pattern must be
refused.

Examples: the ``ci`` profile of tests/conftest.py (250); the long run is
``FAZHI_KG_FUZZ=1000 python -m pytest tests/test_sparql_property.py``.
"""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kg.errors import QueryError
from kg.sparql_parse import decide
from netutil import counting_listener


def _escape(text: str, which: list[bool]) -> str:
    """Write some characters of ``text`` as SPARQL escapes (4 or 8 hex digits)."""
    out = []
    for i, ch in enumerate(text):
        pick = which[i % len(which)] if which else False
        if pick:
            out.append(f"\\u{ord(ch):04X}" if i % 2 else f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
    return "".join(out)


flags = st.lists(st.booleans(), min_size=1, max_size=6)
case = st.sampled_from([str.upper, str.lower, str.title])


@st.composite
def iri_tail(draw) -> str:
    """The end of an IRI: plain, with '#', or with an escaped character before '#'."""
    return draw(st.sampled_from(["x", "x#", "\\u0041#", "a#b", "\\u0023", "\\U00000041#", ""]))


@st.composite
def prologue(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["base", "prefix", "comment"]))
        if kind == "base":
            parts.append(f"BASE <http://x/{draw(iri_tail())}>")
        elif kind == "prefix":
            parts.append(f"PREFIX e: <http://x/{draw(iri_tail())}>")
        else:
            parts.append(draw(comment()))
    parts.append("PREFIX e: <http://x/>")
    return "\n".join(parts) + "\n"


@st.composite
def comment(draw) -> str:
    """A comment that may end early: an escaped newline is a newline."""
    inner = draw(st.sampled_from(["", " SERVICE <http://127.0.0.1:{port}/c> { ?s ?p ?o }",
                                  " \\u000A SERVICE <http://127.0.0.1:{port}/n> { ?s ?p ?o }",
                                  " } SERVICE", " \\U0000000A"]))
    return "#" + inner + "\n"


@st.composite
def service(draw, tag: str) -> str:
    keyword = draw(case)("service")
    keyword = _escape(keyword, draw(flags))
    # the port is filled in by the test (the listener's): not escaped
    iri = _escape("http://127.0.0.1:", draw(flags)) + "{port}" + _escape(f"/{tag}", draw(flags))
    silent = draw(st.sampled_from(["", " SILENT"]))
    return f"{keyword}{silent} <{iri}> {{ ?s ?p ?o }}"


@st.composite
def filler(draw) -> str:
    return draw(st.sampled_from([
        "?s ?p ?o .",
        "BIND(e:a\\# AS ?x)",
        "BIND(e:a\\#b AS ?y)",
        'FILTER(?o != "# SERVICE <x> {")',
        'FILTER(?o != "\\u0022 # ")',
        "FILTER(?o != 'a\\u0027 SERVICE')",
        "?s <http://x/\\u0041#> ?o .",
        "?s e:p\\#q ?o .",
        "OPTIONAL { ?s ?p ?o }",
    ]))


@st.composite
def body(draw) -> tuple[str, bool]:
    """(group pattern, whether a real SERVICE pattern is in it)."""
    items: list[str] = []
    real = False
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["filler", "filler", "service", "comment"]))
        if kind == "service":
            items.append(draw(service("q")))
            real = True
        elif kind == "comment":
            items.append(draw(comment()))
        else:
            items.append(draw(filler()))
    text = " ".join(items)
    for _ in range(draw(st.integers(0, 6))):
        wrap = draw(st.sampled_from(["{ %s }", "OPTIONAL { %s }", "{ %s } UNION { ?s ?p ?o }",
                                     "FILTER EXISTS { %s }", "{ SELECT * WHERE { %s } }"]))
        text = wrap % text
    return "{ " + text + " }", real


@st.composite
def query(draw) -> tuple[str, bool]:
    """(a text, whether it holds a real SERVICE or LOAD)."""
    if draw(st.integers(0, 5)) == 0:       # an update sent as a query: LOAD or SERVICE inside
        load = _escape(draw(case)("load"), draw(flags)) + draw(st.sampled_from(["", " SILENT"]))
        return draw(prologue()) + f"{load} <http://127.0.0.1:{{port}}/l>", True
    group, real = draw(body())
    form = draw(st.sampled_from(["SELECT *", "ASK", "CONSTRUCT { ?s ?p ?o }", "SELECT ?s"]))
    where = "" if form == "ASK" else " WHERE"
    return f"{draw(prologue())}{form}{where} {group}", real


@pytest.fixture(scope="module")
def listener():
    with counting_listener() as (port, accepts):
        yield port, accepts


@pytest.fixture(scope="module")
def one_triple() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o")))
    return store


def _run_unguarded(store: ox.Store, text: str) -> None:
    """What the worker would run, here, with the network reachable."""
    try:
        answer = store.query(text, use_default_graph_as_union=True)
        if not isinstance(answer, (bool, ox.QueryBoolean)):
            for _ in answer:
                pass
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass


@given(query())
def test_no_text_gets_service_or_load_past_the_parser(listener, one_triple, generated):
    port, accepts = listener
    template, real = generated
    text = template.replace("{port}", str(port))
    try:
        decision = decide(text)
    except QueryError as exc:
        decision = None
        event(f"refused ({'real' if real else 'decoy'}): {str(exc).split(':')[0][:40]}")
    if decision is not None:
        event("accepted and run")
        assert not real, f"a real SERVICE/LOAD was accepted: {text!r}"
        _run_unguarded(one_triple, decision.text)
    assert accepts == [], f"a connection after: {text!r}"


def test_the_generator_does_reach_the_listener_unguarded(listener, one_triple):
    """The control: a plain SERVICE run without the parser does connect."""
    import time

    port, accepts = listener
    _run_unguarded(one_triple, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> "
                               "{ ?s ?p ?o } }")
    time.sleep(0.3)
    assert len(accepts) >= 1
    accepts.clear()
