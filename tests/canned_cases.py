"""Cases for comparing the two forms of every canned query (LATERAL, and
plain SPARQL 1.1 in queries/sparql11/) and two engines: tests/test_sparql11.py
(embedded store) and tests/test_virtuoso.py (Virtuoso).

The store holds the bundled reports and the two-year reports of
tests/test_years.py (so ``changes`` has a township with two years).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from kg.store import Store

#: Each canned query with its defaults ({}) and with filters; at least one
#: case of each gives rows (asserted), so no comparison is of two empty sets.
CASES: dict[str, list[dict[str, str]]] = {
    "activities": [{}, {"county": "武冈市"}, {"activity": "普法", "year": "2023"}],
    "changes": [{"township": "大集镇", "from": "2022", "to": "2023"},
                {"county": "曹县", "from": "2023", "to": "2022"}],
    "compare_metric": [{}, {"metric": "合同"}, {"metric": "次", "year": "2023"}],
    "law_firm_advisers": [{}, {"county": "曹县"}, {"year": "2022"}],
    "laws_by_township": [{}, {"law": "宪法"}, {"township": "惠南镇", "year": "2023"}],
    "legal_advisers": [{}, {"kind": "律师事务所"}, {"county": "曹县"}],
    "most_cited_laws": [{}],
    "organisations_by_kind": [{}, {"kind": "委员会"}, {"kind": "领导小组", "county": "浦东新区"}],
    "report_completeness": [{}, {"lacking": "next_year"}, {"county": "曹县", "year": "2022"}],
    "search": [{"name": "法"}, {"name": "镇", "type": "乡镇"}],
    "systems": [{}, {"system": "顾问"}, {"township": "大集镇"}],
    "systems_matrix": [{}, {"county": "曹县", "year": "2022"}],
    "township_profile": [{"township": "惠南镇"}, {"township": "大集镇"},
                         {"township": "https://w3id.org/fazhi-kg/id/township/武冈市/稠树塘镇"}],
}

#: Columns where the LATERAL form shows one of several right values, as
#: Oxigraph's index order gives it (``LIMIT 1`` inside a LATERAL: one of the
#: sentences that attest a fact; one of a law's names), and the plain form
#: the least one (``MIN``).  Between the two forms these are compared by
#: whether they are bound, not by value; between two engines running the
#: same plain form, by value.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "activities": ("evidence", "sentence"),
    "changes": ("evidence", "sentence"),
    "law_firm_advisers": ("evidence", "sentence"),
    "laws_by_township": ("evidence", "sentence"),
    "legal_advisers": ("evidence", "sentence"),
    "most_cited_laws": ("lawName", "lawType", "exampleEvidence", "exampleFile", "exampleSentence",
                        "exampleReport"),
    "organisations_by_kind": ("evidence", "sentence"),
    "systems": ("evidence", "sentence"),
}


#: Columns made by GROUP_CONCAT, whose order SPARQL leaves to the engine:
#: compared as sets of their parts (column → separator).
UNORDERED: dict[str, dict[str, str]] = {"search": {"matchedNames": " / "}}


def cases() -> list[tuple[str, dict[str, str]]]:
    return [(name, given) for name, given_list in CASES.items() for given in given_list]


def rows(store: Store, name: str, text: str, subs: dict[str, Any], masked: tuple[str, ...] = ()
         ) -> Counter[tuple[str | None, ...]]:
    """The answer of canned query ``name``'s ``text`` as a multiset of rows of
    N-Triples terms (None: unbound); ``masked`` columns reduced to whether
    they are bound, :data:`UNORDERED` ones to their sorted parts."""
    answer = store.query(text, substitutions=subs)
    unordered = UNORDERED.get(name, {})

    def cell(v: str, t: Any) -> str | None:
        if t is None:
            return None
        if v in masked:
            return "(bound)"
        if v in unordered:
            return " | ".join(sorted(t.value.split(unordered[v])))
        return str(t)

    out: Counter[tuple[str | None, ...]] = Counter()
    for row in answer.rows:
        out[tuple(cell(v, t) for v, t in zip(answer.variables, row))] += 1
    return out


def year_reports(folder: Path) -> Path:
    """tests/test_years.py's reports as files in ``folder`` (for an ingest)."""
    from test_years import _reports

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _reports():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
