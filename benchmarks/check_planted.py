"""Score a fazhi-kg graph against the facts benchmarks/corpus.py planted.

Usage::

    python benchmarks/check_planted.py DIR/planted.jsonl --store STORE [--json OUT] [--details N]
    python benchmarks/check_planted.py DIR/planted.jsonl --nquads graph.nq

``--store`` is an on-disk fazhi-kg store folder, opened read-only (another
process may hold it); ``--nquads`` an export (``fazhi-kg export``), loaded
into memory.  Only the reports whose files are in ``planted.jsonl`` count.

Scores:

* reports: planted reports found with the right (township, county, year),
  over all planted reports (recall; the goal is ≥ 0.99), and the same per
  field, plus files that yielded more than one report;
* legal advisers: precision, recall and F1 (goal ≥ 0.95).  A found adviser
  matches a planted one of the same file when the township it serves has
  the planted township's name, the kind is the same (律师事务所 / 律师 /
  团队 / 公职律师 / 未说明) and, for a 律师事务所, the firm's name is the
  same (after NFKC, without spaces and quotes, with or without a leading
  place name of the report: its county, the county's stem, its township).  Each planted adviser matches at most one found one: a
  second node for it is an extra.

The graph is read only through the core vocabulary (fz:Report,
fz:sourceFile, fz:township, fz:year, fz:partOf, rdfs:label, and the
fz:legalAdvisor triples, and fz:advisorKind / fz:teamSize on the adviser), with
one SELECT per kind of fact over all graphs, so a store of 40,000 reports
is read in a few passes.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

PREFIXES = """PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

REPORTS = PREFIXES + """
SELECT ?g ?r ?file ?year WHERE {
  GRAPH ?g { ?r a fz:Report ; fz:sourceFile ?file . OPTIONAL { ?r fz:year ?year } }
}"""

TOWNSHIPS = PREFIXES + """
SELECT ?g ?r ?town WHERE {
  GRAPH ?g { ?r fz:township ?t . ?t rdfs:label ?town }
}"""

COUNTIES = PREFIXES + """
SELECT ?g ?r ?county WHERE {
  GRAPH ?g { ?r fz:township ?t . ?t fz:partOf ?c . ?c a fz:County ; rdfs:label ?county }
}"""

ADVISERS = PREFIXES + """
SELECT ?g ?r ?t ?a ?town ?kind ?label ?team ?typed WHERE {
  GRAPH ?g {
    ?t fz:legalAdvisor ?a .
    OPTIONAL { ?t rdfs:label ?town }
    OPTIONAL { ?a fz:advisorKind ?kind }
    OPTIONAL { ?a fz:teamSize ?team }
    OPTIONAL { ?a rdfs:label ?label }
    OPTIONAL { ?a a ?typed FILTER (?typed = fz:LawFirm || ?typed = fz:Person) }
  }
  LATERAL { SELECT ?g ?r WHERE { GRAPH ?g { ?r a fz:Report } } LIMIT 1 }   # its graph's report
}"""

FZ = "https://w3id.org/fazhi-kg/ontology#"
_DROP = dict.fromkeys(map(ord, " \t\u3000\"'“”‘’「」《》〈〉"), None)


def norm(name: str | None) -> str:
    return unicodedata.normalize("NFKC", name or "").translate(_DROP)


def same_firm(found: str | None, planted: str | None, places: tuple[str, ...] = ()) -> bool:
    """Equal names, with or without a leading place name of the report (its
    county, the county's stem, its township): 清源正信律师事务所 = 正信律师事务所."""
    a, b = norm(found), norm(planted)
    if not a or not b:
        return False
    if a == b:
        return True
    for p in sorted(filter(None, places), key=len, reverse=True):
        a = a[len(p):] if a.startswith(p) and len(a) > len(p) + 5 else a
        b = b[len(p):] if b.startswith(p) and len(b) > len(p) + 5 else b
    return a == b


def open_graph(store: str | None, nquads: str | None) -> ox.Store:
    if store:
        if not Path(store).is_dir():
            raise SystemExit(f"error: no store folder {store}")
        return ox.Store.read_only(store)
    s = ox.Store()
    s.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    return s


def _value(term) -> str | None:
    return None if term is None else term.value


def _rows(store: ox.Store, sparql: str):
    for sol in store.query(sparql, use_default_graph_as_union=True):
        yield sol


def read_graph(store: ox.Store, files: set[str]) -> tuple[dict, dict]:
    """file name → list of reports found {township, county, year}; file → advisers."""
    reports: dict[str, dict] = {}            # report IRI → fields
    by_file: dict[str, list[str]] = defaultdict(list)
    for sol in _rows(store, REPORTS):
        file = sol["file"].value
        name = file.rsplit("/", 1)[-1]
        if name not in files:
            continue
        key = (sol["g"].value, sol["r"].value)
        if key not in reports:
            by_file[name].append(key)
            reports[key] = {"file": name, "township": None, "county": None, "year": None}
        y = _value(sol["year"])
        if y:
            reports[key]["year"] = int(y[:4]) if y[:4].isdigit() else None
    for sol in _rows(store, TOWNSHIPS):
        rep = reports.get((sol["g"].value, sol["r"].value))
        if rep is not None:
            rep["township"] = sol["town"].value
    for sol in _rows(store, COUNTIES):
        rep = reports.get((sol["g"].value, sol["r"].value))
        if rep is not None:
            rep["county"] = sol["county"].value
    advisers: dict[tuple, dict] = {}         # (graph, township, adviser) → fields
    for sol in _rows(store, ADVISERS):
        rep = reports.get((sol["g"].value, sol["r"].value))
        if rep is None:
            continue
        key = (sol["g"].value, sol["t"].value, sol["a"].value)
        a = advisers.setdefault(key, {"file": rep["file"], "report_township": rep["township"],
                                     "township": None, "kind": None, "name": None, "size": None,
                                     "types": set()})
        a["township"] = _value(sol["town"]) or a["township"]
        a["kind"] = _value(sol["kind"]) or a["kind"]
        a["name"] = _value(sol["label"]) or a["name"]
        team = _value(sol["team"])
        if team and team.isdigit():
            a["size"] = int(team)
        if sol["typed"] is not None:
            a["types"].add(sol["typed"].value)
    found_advisers: dict[str, list[dict]] = defaultdict(list)
    for a in advisers.values():
        if not a["kind"]:
            a["kind"] = ("律师事务所" if FZ + "LawFirm" in a["types"]
                         else "律师" if FZ + "Person" in a["types"] else "未说明")
        a.pop("types")
        found_advisers[a["file"]].append(a)
    found_reports = {f: [reports[k] for k in ks] for f, ks in by_file.items()}
    return found_reports, found_advisers


def score(planted: list[dict], found_reports: dict, found_advisers: dict, details: int = 20) -> dict:
    n = len(planted)
    ok = ok_town = ok_county = ok_year = found_any = several = 0
    report_misses = []
    tp = fp = fn = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])    # tp, fp, fn
    adviser_misses, adviser_extras = [], []
    team_sizes = [0, 0]
    for p in planted:
        name = p["file"].rsplit("/", 1)[-1]
        reps = found_reports.get(name, [])
        if reps:
            found_any += 1
        if len(reps) > 1:
            several += 1
        want = (p["township"], p["county"], p["year"])
        best = next((r for r in reps if (r["township"], r["county"], r["year"]) == want), None)
        if best:
            ok += 1
        elif len(report_misses) < details:
            report_misses.append({"file": p["file"], "planted": list(want),
                                  "found": [[r["township"], r["county"], r["year"]] for r in reps]})
        ok_town += any(r["township"] == p["township"] for r in reps)
        ok_county += any(r["county"] == p["county"] for r in reps)
        ok_year += any(r["year"] == p["year"] for r in reps)

        # advisers of this file
        todo = list(p["advisers"])
        for a in found_advisers.get(name, []):
            hit = None
            if a["township"] == p["township"]:
                for i, want_a in enumerate(todo):
                    if want_a["kind"] != a["kind"]:
                        continue
                    places = (p["county"], p["county"][:-1], p["township"])
                    if a["kind"] == "律师事务所" and not same_firm(a["name"], want_a.get("name"), places):
                        continue
                    hit = i
                    break
            if hit is None:
                fp += 1
                by_kind[a["kind"]][1] += 1
                if len(adviser_extras) < details:
                    adviser_extras.append({"file": p["file"], "found": {k: a[k] for k in ("township", "kind", "name", "size")},
                                           "planted": p["advisers"]})
                continue
            want_a = todo.pop(hit)
            tp += 1
            by_kind[a["kind"]][0] += 1
            if want_a["kind"] == "团队":
                team_sizes[0] += 1
                team_sizes[1] += a["size"] == want_a.get("size")
        for want_a in todo:
            fn += 1
            by_kind[want_a["kind"]][2] += 1
            if len(adviser_misses) < details:
                adviser_misses.append({"file": p["file"], "planted": want_a,
                                       "found": [{k: a[k] for k in ("township", "kind", "name")}
                                                 for a in found_advisers.get(name, [])]})

    def prf(t: int, f_p: int, f_n: int) -> dict:
        p_ = t / (t + f_p) if t + f_p else 1.0
        r_ = t / (t + f_n) if t + f_n else 1.0
        f1 = 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0
        return {"precision": round(p_, 4), "recall": round(r_, 4), "f1": round(f1, 4),
                "tp": t, "fp": f_p, "fn": f_n}

    return {
        "planted_reports": n,
        "reports": {"recall": round(ok / n, 4) if n else 1.0, "right": ok, "files_with_a_report": found_any,
                    "files_with_several_reports": several,
                    "township": round(ok_town / n, 4) if n else 1.0,
                    "county": round(ok_county / n, 4) if n else 1.0,
                    "year": round(ok_year / n, 4) if n else 1.0},
        "advisers": prf(tp, fp, fn) | {
            "by_kind": {k: prf(*v) for k, v in sorted(by_kind.items())},
            "team_size_right": f"{team_sizes[1]}/{team_sizes[0]}"},
        "report_misses": report_misses,
        "adviser_misses": adviser_misses,
        "adviser_extras": adviser_extras,
    }


def check(planted_path: str | Path, store: str | None = None, nquads: str | None = None,
          details: int = 20) -> dict:
    with open(planted_path, encoding="utf-8") as f:
        planted = [json.loads(line) for line in f if line.strip()]
    files = {p["file"].rsplit("/", 1)[-1] for p in planted}
    t0 = time.perf_counter()
    graph = open_graph(store, nquads)
    found_reports, found_advisers = read_graph(graph, files)
    result = score(planted, found_reports, found_advisers, details)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("planted", help="planted.jsonl written by benchmarks/corpus.py")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--store", help="an on-disk fazhi-kg store folder (opened read-only)")
    src.add_argument("--nquads", help="an N-Quads export")
    ap.add_argument("--json", help="also write the scores to this file")
    ap.add_argument("--details", type=int, default=10, help="misses and extras to list (default 10)")
    args = ap.parse_args(argv)
    res = check(args.planted, args.store, args.nquads, args.details)
    rep, adv = res["reports"], res["advisers"]
    print(f"reports: {rep['right']}/{res['planted_reports']} right (township, county, year): "
          f"recall {rep['recall']:.4f}  [township {rep['township']:.4f}, county {rep['county']:.4f}, "
          f"year {rep['year']:.4f}; files with several reports {rep['files_with_several_reports']}]")
    print(f"legal advisers: P {adv['precision']:.4f}  R {adv['recall']:.4f}  F1 {adv['f1']:.4f}  "
          f"(tp {adv['tp']}, fp {adv['fp']}, fn {adv['fn']}; team sizes right {adv['team_size_right']})")
    for kind, s in adv["by_kind"].items():
        print(f"  {kind}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} "
              f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
    for title, key in (("report misses", "report_misses"), ("adviser misses", "adviser_misses"),
                       ("adviser extras", "adviser_extras")):
        if res[key]:
            print(f"{title} (first {len(res[key])}):")
            for m in res[key]:
                print("  " + json.dumps(m, ensure_ascii=False))
    print(f"({res['seconds']} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
