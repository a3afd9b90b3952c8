"""The ``changes`` canned query answered from the prepared index's
``changes`` rows (:mod:`kg.prepared`), without a look-up in the store.

queries/changes.rq stays the truth: this gives its columns and its rows,
term for term (``tests/test_index_answers.py`` compares them on two
stores).  Its rules, as the query states them:

* the townships: by IRI or exact name, or those whose county's name holds
  the words, that have a report in both years;
* a relation of :data:`kg.prepared_rows.CHANGE_PREDICATES` the township states in
  one year's report and in no report of the other year: added (the later
  year has it) or dropped, with its count ("N次") in the year that has it;
* a figure name, one row a name: each year's value is that of the year's
  first figure of the name (the least IRI); the row's figure is the later
  year's where there is one;
* each row's sentence: the least IRI of those attesting it, else the one it
  was derived from, in the report of the year that has it;
* ordered as its ``ORDER BY`` and cut at its ``LIMIT``.

Where the two could part: a township with two labels in one report, or in
two counties, is one report row here (its least label, its least county's
label), where the SPARQL would try each; the extraction writes one of each.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from kg.prepared import Prepared
from kg.prepared_rows import INDICATOR

_GYEAR = "http://www.w3.org/2001/XMLSchema#gYear"
#: the query's kind labels, by predicate (its VALUES (?pred ?kind))
_FZ = "https://w3id.org/fazhi-kg/ontology#"
KINDS = {_FZ + "implements": "制度 system", _FZ + "legalAdvisor": "法律顾问 legal adviser",
         _FZ + "establishes": "机构 organisation", _FZ + "conducts": "活动 activity",
         _FZ + "cites": "依据的法律 law cited", _FZ + "studies": "学习宣传的法律 law studied"}
FIGURE = "指标 figure"
ADDED, DROPPED, SAME, CHANGED = "新增 added", "停止 dropped", "不变 same", "变化 changed"

Term = dict[str, str]
#: changes.rq's projection, in its order (its parameters aside)
COLUMNS = ("townshipName", "change", "kind", "object", "valueFrom", "valueTo", "evidence",
           "evidenceYear", "sourceFile", "t", "entity", "sentence", "report")


def _plain(v: str) -> Term:
    return {"type": "literal", "value": v}


def _iri(v: str) -> Term:
    return {"type": "uri", "value": v}


def rows(tables: Prepared, years: tuple[str, str], *, township: str = "", county: str = "",
         limit: int | None = None) -> list[dict[str, Term]]:
    """The query's rows (SPARQL JSON terms by column), in its ORDER BY, cut at ``limit``."""
    towns = tables.townships_of_years(years, township=township, county=county)
    found = tables.change_rows(sorted({t["township"] for t in towns}), years)
    by_town: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in found:
        by_town[r["township"]].append(r)
    # DISTINCT on the ORDER BY's columns: the others (the sentence's text, the
    # report's year and file) follow from the sentence and the report
    out: dict[tuple[str, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
    for town in towns:
        for row in (*_facts(by_town[town["township"]], years),
                    *_figures(by_town[town["township"]], years)):
            out.setdefault(_order(town, row), (town, row))
    kept = sorted(out)[:limit]
    return [_cells(*out[k]) for k in kept]


def _facts(found: list[dict[str, Any]], years: tuple[str, str]) -> list[dict[str, Any]]:
    """Each relation stated in one year's report and in no report of the other."""
    stated: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in found:
        if r["kind"] != INDICATOR:
            stated[r["year"]].add((r["kind"], r["entity"]))
    out = []
    for change, has, lacks in ((ADDED, years[1], years[0]), (DROPPED, years[0], years[1])):
        for r in found:
            if r["kind"] == INDICATOR or r["year"] != has or (r["kind"], r["entity"]) in stated[lacks]:
                continue
            times = f"{r['times']}次" if r["times"] is not None else ""
            out.append({**r, "change": change, "kind_label": KINDS[r["kind"]],
                        "object": r["label"] if r["label"] is not None else r["entity"],
                        "valueFrom": times if change == DROPPED else "",
                        "valueTo": times if change == ADDED else ""})
    return out


def _figures(found: list[dict[str, Any]], years: tuple[str, str]) -> list[dict[str, Any]]:
    """One row a figure name: each year's first figure of it (least IRI) side by side."""
    by_name: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in found:
        if r["kind"] == INDICATOR and r["label"] is not None and r["year"] in years:
            by_name[r["label"]][r["year"]].append(r)
    out = []
    for name, by_year in by_name.items():
        first = {y: min(by_year[y], key=lambda r: r["entity"])["entity"] if by_year.get(y) else None
                 for y in years}
        # every (value, unit) of each year's first figure: the query's OPTIONAL gives each
        values = {y: sorted({(r["times"], r["unit"]) for rs in by_name.values()
                             for r in rs.get(y, ()) if r["entity"] == first[y]}) or [(None, None)]
                  for y in years}
        own = first[years[1]] or first[years[0]]
        mine = [r for rs in by_name.values() for y in years for r in rs.get(y, ())
                if r["entity"] == own]
        for v1, u1 in values[years[0]]:
            for v2, u2 in values[years[1]]:
                before = "" if v1 is None else v1 + (u1 or "")
                after = "" if v2 is None else v2 + (u2 or "")
                change = (ADDED if v1 is None else DROPPED if v2 is None
                          else SAME if before == after else CHANGED)
                for r in {(r["report"]): r for r in mine}.values():
                    out.append({**r, "change": change, "kind_label": FIGURE, "object": name,
                                "valueFrom": before, "valueTo": after})
    return out


def _cells(town: dict[str, Any], r: dict[str, Any]) -> dict[str, Term]:
    cells = {"townshipName": _plain(town["label"]), "change": _plain(r["change"]),
             "kind": _plain(r["kind_label"]), "object": _plain(r["object"]),
             "valueFrom": _plain(r["valueFrom"]), "valueTo": _plain(r["valueTo"]),
             "t": _iri(town["township"]), "entity": _iri(r["entity"]), "report": _iri(r["report"])}
    if r["sentence"] is not None:
        cells["sentence"] = _iri(r["sentence"])
        cells["evidence"] = {"type": "literal", "value": r["evidence"], "xml:lang": "zh"}
    if r["year"] is not None:
        cells["evidenceYear"] = {"type": "literal", "value": r["year"], "datatype": _GYEAR}
    if r["file"] is not None:
        cells["sourceFile"] = _plain(r["file"])
    return cells


def _order(town: dict[str, Any], r: dict[str, Any]) -> tuple[str, ...]:
    """The query's ORDER BY: townshipName, STR(t), kind, change, object,
    STR(entity), STR(report), the sentence ("" for none), valueFrom, valueTo."""
    return (town["label"], town["township"], r["kind_label"], r["change"], r["object"],
            r["entity"], r["report"], r["sentence"] or "", r["valueFrom"], r["valueTo"])
