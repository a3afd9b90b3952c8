"""``fazhi-kg eval``: measure the graph against hand-made gold keys.

The gold format and the matching rules are those of the project's
evaluation contract (a user who annotates a few reports of their own in the
same JSON format can measure the tool on them):

* reports: the gold township found for the file, with year and county right;
* entities, per type: names compared after NFKC, with spaces, quotes and
  book-title marks dropped, and with or without a leading place name,
  镇/乡/本镇/我镇, 中华人民共和国 or a trailing （…） part; one found node per
  gold entity and file (a second is an extra); optional gold entities cost
  nothing either way;
* law-firm advisers: the set of townships said to engage a law firm;
* indicators: value (in base units: 万元 → 元), unit, and every gold keyword
  inside the metric's name.

Scores are precision, recall and F1 per part, with the misses and extras.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg import types
from kg.errors import FazhiError

#: Gold-key entity type → local names of the classes it is scored under
#: (with their subclasses), and the core types: from the table kg.types.
TYPE_CLASSES: dict[str, tuple[str, ...]] = {}
CORE: tuple[str, ...] = ()
PARTS: tuple[str, ...] = ()


def _parts() -> None:
    global CORE, PARTS
    TYPE_CLASSES.clear()
    TYPE_CLASSES.update(types.gold_types())
    CORE = types.core_types()
    PARTS = ("reports", *TYPE_CLASSES, "core entities", "law-firm advisers", "indicators")


types.on_change(_parts)

_NOISE = re.compile(r"[\s《》〈〉<>“”\"‘’'「」『』·•・、，,。.;；:：!！?？]")
_TAIL = re.compile(r"[（(][^（）()]*[）)]$")
_GENERIC_PREFIXES = ("中华人民共和国", "本镇", "我镇", "全镇", "镇", "乡", "街道")
_UNIT_ALIASES = {"百分比": "%", "percent": "%", "场次": "场", "名": "人", "位": "人",
                 "余人": "人", "余件": "件"}


def norm(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def forms(label: str, places: list[str]) -> set[str]:
    """The normalised forms a name may match under."""
    first = norm(label)
    out = {first}
    bare = _TAIL.sub("", first)
    if bare:
        out.add(bare)
    prefixes = [norm(p) for p in places if p] + list(_GENERIC_PREFIXES)
    for _ in range(2):   # 云阳县江口镇人民政府 → 江口镇人民政府 → 人民政府
        for f in list(out):
            for p in prefixes:
                if f.startswith(p) and len(f) > len(p) + 1:
                    out.add(f[len(p):])
    return out


def base_unit(unit: str) -> tuple[str, float]:
    u = norm(unit)
    scale = 1.0
    if len(u) > 1 and u[0] == "万":
        u, scale = u[1:], 1e4
    elif len(u) > 1 and u[0] == "亿":
        u, scale = u[1:], 1e8
    return _UNIT_ALIASES.get(u, u), scale


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    def merge(self, other: Tally, tag: str = "") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.misses += [tag + m for m in other.misses]
        self.extras += [tag + e for e in other.extras]

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else (0.0 if self.fn else 1.0)
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def to_dict(self) -> dict[str, Any]:
        p, r, f = self.prf()
        return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": self.tp,
                "fp": self.fp, "fn": self.fn, "misses": self.misses, "extras": self.extras}


# ------------------------------------------------------------- the graph side

def _rows(store, text: str) -> list[dict[str, str]]:
    answer = store.query(text)
    return [{k: v.value for k, v in rec.items()} for rec in answer.records()]


@dataclass
class GraphView:
    """What the graph says, per source file."""

    reports: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    entities: dict[str, dict[str, dict[str, set[str]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(set))))
    firms: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # (label, value, unit, node IRI)
    indicators: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, store) -> GraphView:
        view = cls()
        for r in _rows(store, """
            SELECT ?f ?tl ?cl ?y WHERE {
              ?r a fz:Report ; fz:sourceFile ?f .
              OPTIONAL { ?r fz:township ?t . ?t rdfs:label ?tl .
                         OPTIONAL { ?t fz:partOf ?c . ?c a fz:County ; rdfs:label ?cl } }
              OPTIONAL { ?r fz:year ?y } }"""):
            view.reports[Path(r["f"]).name].append(r)
        for kind, classes in TYPE_CLASSES.items():
            values = " ".join(f"fz:{c}" for c in classes)
            for r in _rows(store, f"""
                SELECT DISTINCT ?f ?e ?l WHERE {{
                  VALUES ?top {{ {values} }}
                  ?r a fz:Report ; fz:sourceFile ?f ; fz:mentions ?e .
                  ?e a ?cls . ?cls rdfs:subClassOf* ?top .
                  {{ ?e rdfs:label ?l }} UNION {{ ?e skos:altLabel ?l }} }}"""):
                view.entities[Path(r["f"]).name][kind][r["e"]].add(r["l"])
        for r in _rows(store, """
            SELECT DISTINCT ?f ?tl WHERE {
              ?r a fz:Report ; fz:sourceFile ?f ; fz:township ?t .
              ?t rdfs:label ?tl ; fz:legalAdvisor ?a . ?a a fz:LawFirm }"""):
            view.firms[Path(r["f"]).name].add(norm(r["tl"]))
        for r in _rows(store, """
            SELECT ?f ?i ?l ?v ?u WHERE {
              ?i a fz:Indicator ; fz:report ?r ; rdf:value ?v .
              ?r fz:sourceFile ?f .
              OPTIONAL { ?i rdfs:label ?l } OPTIONAL { ?i fz:unit ?u } }"""):
            view.indicators[Path(r["f"]).name].append((r.get("l", ""), r["v"], r.get("u", ""), r["i"]))
        return view


# ------------------------------------------------------------- matching

#: What became of one found node: a gold entity found, an extra, or neither
#: (a second node of an optional entity, the same name twice in a file).
HIT, EXTRA, NEUTRAL = "hit", "extra", "neutral"


def _entities(gold: list[dict], found: dict[str, set[str]], places: list[str],
              outcome: dict[str, str] | None = None) -> Tally:
    """Match found nodes (IRI → labels) to gold; ``outcome`` gets each IRI's fate."""
    t = Tally()
    fate: dict[str, str] = {} if outcome is None else outcome
    keys: list[tuple[dict, set[str], set[str]]] = []
    room: list[int] = []
    seen: dict[str, int] = {}
    for g in gold:
        n = norm(g["name"])
        if n in seen:              # same name in two reports of one file: one thing to find
            room[seen[n]] += 1
            continue
        seen[n] = len(keys)
        room.append(1)
        exact = {norm(x) for x in (g["name"], *g.get("aliases", []))}
        keys.append((g, exact, set().union(*(forms(x, places) for x in exact))))
    nodes = []
    iris = list(found)
    for labels in found.values():
        exact = {norm(x) for x in labels}
        nodes.append((min(labels, key=len), exact, set().union(*(forms(x, places) for x in labels))))
    pairs = sorted((0 if fe & ge else 1, fi, gi)
                   for fi, (_, fe, fl) in enumerate(nodes)
                   for gi, (_, ge, gl) in enumerate(keys) if fe & ge or fl & gl)
    to_gold: dict[int, int] = {}
    taken: dict[int, list[int]] = defaultdict(list)
    for _, fi, gi in pairs:
        if fi not in to_gold and len(taken[gi]) < room[gi]:
            to_gold[fi] = gi
            taken[gi].append(fi)
    for fi, (name, _, _) in enumerate(nodes):
        fate[iris[fi]] = NEUTRAL
        if fi in to_gold:
            gi = to_gold[fi]
            if not keys[gi][0].get("optional") and taken[gi][0] == fi:
                t.tp += 1
                fate[iris[fi]] = HIT
            continue
        hits = {gi for _, f, gi in pairs if f == fi}
        if hits and all(keys[gi][0].get("optional") for gi in hits):
            continue
        t.fp += 1
        fate[iris[fi]] = EXTRA
        t.extras.append(name + (" (duplicate)" if hits else ""))
    for gi, (g, _, _) in enumerate(keys):
        if not g.get("optional") and gi not in taken:
            t.fn += 1
            t.misses.append(g["name"])
    return t


def _reports(gold: list[dict], found: list[dict[str, str]]) -> Tally:
    t = Tally()
    names = {norm(g["township"]) for g in gold}
    for g in gold:
        hits = [b for b in found if norm(b.get("tl", "")) == norm(g["township"])]
        ok = bool(hits)
        if ok and g.get("year"):
            ok = any(str(b.get("y", ""))[:4] == str(g["year"]) for b in hits)
        if ok and g.get("county"):
            ok = any(norm(b.get("cl", "")) == norm(g["county"]) for b in hits)
        if ok:
            t.tp += 1
        else:
            t.fn += 1
            t.misses.append(" ".join(str(x) for x in (g["township"], g.get("county") or "",
                                                        g.get("year") or "")).strip())
    for b in found:
        if norm(b.get("tl", "")) not in names:
            t.fp += 1
            t.extras.append(b.get("tl", "(no township)"))
    return t


def _firms(gold: list[dict], said: set[str]) -> Tally:
    required, allowed = set(), set()
    for rep in gold:
        for rel in rep.get("relations", []):
            if rel.get("p") == "legalAdvisor" and rel.get("advisor_kind") == "律师事务所":
                allowed.add(norm(rep["township"]))
                if not rel.get("optional"):
                    required.add(norm(rep["township"]))
    return Tally(len(required & said), len(said - allowed), len(required - said),
                 sorted(required - said), sorted(said - allowed))


def _indicators(gold: list[dict], found: list[tuple[str, str, str, str]],
                outcome: dict[str, str] | None = None) -> Tally:
    t = Tally()
    fate: dict[str, str] = {} if outcome is None else outcome
    used: set[int] = set()
    for label, value, unit, iri in found:
        try:
            v = float(value)
        except ValueError:
            v = None
        u, scale = base_unit(unit)
        hit = None
        for i, g in enumerate(gold):
            gu, gscale = base_unit(g.get("unit", ""))
            try:
                gv = float(g.get("value"))
            except (TypeError, ValueError):
                continue
            if v is None or gu != u or abs(v * scale - gv * gscale) > 1e-6:
                continue
            if all(norm(k) in norm(label) for k in g.get("keywords", [])) and (
                    i not in used or g.get("optional")):
                hit = i
                break
        if hit is None:
            t.fp += 1
            t.extras.append(f"{label}={value}{unit}")
            fate[iri] = EXTRA
        elif not gold[hit].get("optional"):
            t.tp += 1
            used.add(hit)
            fate[iri] = HIT
        else:
            fate[iri] = NEUTRAL
    for i, g in enumerate(gold):
        if not g.get("optional") and i not in used:
            t.fn += 1
            t.misses.append(f'{g.get("metric", "")}={g.get("value")}{g.get("unit", "")}')
    return t


def gold_files(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(p.glob("*.json"))
        elif p.is_file():
            out.append(p)
        else:
            raise FazhiError(f"{p}: no such gold file or folder")
    if not out:
        raise FazhiError("no gold keys (*.json) found in " + ", ".join(map(str, paths)))
    return out


def evaluate(store, paths: list[str | Path],
             outcomes: dict[str, dict[str, dict[str, str]]] | None = None) -> dict[str, Tally]:
    """Score the graph in ``store`` against gold keys (files or folders).

    ``outcomes``, when given, is filled with what became of every found
    node: file name → part (an entity type, ``indicators``) → IRI → HIT,
    EXTRA or NEUTRAL (``kg.evaluate_rules`` credits the rules with it).
    """
    fates = {} if outcomes is None else outcomes
    view = GraphView.read(store)
    parts: dict[str, Tally] = {p: Tally() for p in PARTS}
    for path in gold_files(paths):
        try:
            key = json.loads(path.read_text(encoding="utf-8"))
            name, reports = key["file"], key["reports"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise FazhiError(f"{path}: not a gold key ({exc}); see the gold GUIDELINES for the format") from None
        tag = f"{Path(name).stem[:3]}:"
        places = [r["township"] for r in reports] + [r["county"] for r in reports if r.get("county")]
        found = view.entities.get(name, {})
        fate = fates.setdefault(name, {})
        for kind in TYPE_CLASSES:
            gold = [e for r in reports for e in r.get("entities", []) if e.get("type") == kind]
            parts[kind].merge(_entities(gold, found.get(kind, {}), places, fate.setdefault(kind, {})), tag)
        parts["reports"].merge(_reports(reports, view.reports.get(name, [])), tag)
        parts["law-firm advisers"].merge(_firms(reports, view.firms.get(name, set())), tag)
        gold_ind = [i for r in reports for i in r.get("indicators", [])]
        parts["indicators"].merge(_indicators(gold_ind, view.indicators.get(name, []),
                                              fate.setdefault("indicators", {})), tag)
    for kind in CORE:
        parts["core entities"].merge(parts[kind])
    return parts


def render(parts: dict[str, Tally], *, details: bool = False) -> str:
    lines = [f"{'part':<20}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for name in PARTS:
        t = parts[name]
        p, r, f = t.prf()
        lines.append(f"{name:<20}{p:7.3f}{r:7.3f}{f:7.3f}{t.tp:6d}{t.fp:6d}{t.fn:6d}")
        if details and (t.misses or t.extras):
            lines.append("   missed: " + " | ".join(t.misses))
            lines.append("   extra:  " + " | ".join(t.extras))
    return "\n".join(lines)
