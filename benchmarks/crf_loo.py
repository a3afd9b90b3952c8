"""A learned recogniser against the rules: leave-one-report-out over all keys.

    python benchmarks/crf_loo.py [--shared ../shared] [--json OUT]

A linear-chain CRF (python-crfsuite, CPU) tags every character of a
report's sentences B-/I-<type>/O for the four core types (机构, 制度, 法律,
活动).  Its features: the character and its neighbours (±2, bigrams),
jieba's word around it (position B/M/E/S, part of speech, the word itself
when short), and the rules' own output there (the type and position of the
mention the rules made, after ``settle``) — "trained on the gold keys plus
the rules' output".  Training labels come from the gold keys: each gold
name (or alias) is marked where it occurs in the text, longest first.

For each of the files with a key (seeds, dev, dev2), the CRF is trained
on all the others and tags that one.  Three systems are scored on the
held-out file, each by ``kg.evaluate``'s matching (the evaluation
contract's):

* ``rules``: the graph the pipeline builds (what ``fazhi-kg eval`` scores);
* ``rules-names``: the rules' mention names, one node per distinct name
  (scored the way the CRF's output has to be: it has no resolution step);
* ``crf``: the CRF's names, one node per distinct name;
* ``rules+crf≥T``: the rules' names and the CRF's names whose every tag
  has a marginal probability of at least T (the rules kept, the CRF
  adding only what it is sure of).

Nothing here is part of the package: it is an experiment whose numbers go
into docs/extraction.md.  python-crfsuite must be installed to run it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import pipeline, segment  # noqa: E402
from kg.evaluate import CORE, Tally, _entities, evaluate, norm  # noqa: E402
from kg.evaluate_rules import build  # noqa: E402

SETS = (("reports", "gold"), ("dev/reports", "dev/gold"), ("dev2/reports", "dev2/gold"))
_STRIP = "《》“”\"‘’「」『』〈〉 "


def _spans_of(text: str, names: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Where gold names occur: (start, end, type), longest names first, no overlaps."""
    taken = [False] * len(text)
    out = []
    for name, kind in sorted(names, key=lambda x: -len(x[0])):
        if len(name) < 2:
            continue
        i = text.find(name)
        while i >= 0:
            j = i + len(name)
            if not any(taken[i:j]):
                out.append((i, j, kind))
                for k in range(i, j):
                    taken[k] = True
            i = text.find(name, j)
    return out


def _bio(n: int, spans: list[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * n
    for a, b, kind in spans:
        if a >= n:
            continue
        tags[a] = "B-" + kind
        for k in range(a + 1, min(b, n)):
            tags[k] = "I-" + kind
    return tags


def _features(text: str, words: list[str], rule_tags: list[str], pos: dict[str, str]) -> list[list[str]]:
    wpos, wtag, wform = [], [], []
    for w in words:
        tag = pos.get(w, "x")
        for k in range(len(w)):
            wpos.append("S" if len(w) == 1 else "B" if k == 0 else "E" if k == len(w) - 1 else "M")
            wtag.append(tag)
            wform.append(w if len(w) <= 4 else "")
    n = len(text)
    wpos += ["S"] * (n - len(wpos))
    wtag += ["x"] * (n - len(wtag))
    wform += [""] * (n - len(wform))
    pad = "^^" + text + "$$"
    out = []
    for i in range(n):
        c = i + 2
        f = [f"c={pad[c]}", f"c-1={pad[c-1]}", f"c+1={pad[c+1]}", f"c-2={pad[c-2]}", f"c+2={pad[c+2]}",
             f"b-={pad[c-1:c+1]}", f"b+={pad[c:c+2]}", f"wp={wpos[i]}", f"wt={wtag[i]}",
             f"wt.wp={wtag[i]}.{wpos[i]}", f"r={rule_tags[i]}",
             f"r-1={rule_tags[i-1] if i else '^'}", f"r+1={rule_tags[i+1] if i + 1 < n else '$'}"]
        if wform[i]:
            f.append(f"w={wform[i]}")
        if pad[c].isdigit():
            f.append("digit")
        out.append(f)
    return out


def _load(shared: Path):
    """Per file: sentences (features, gold tags), the gold key, and the rules' names."""
    pos = segment.word_tags()
    tk = segment.tokenizer()
    files = []
    for reports, gold in SETS:
        for key_path in sorted((shared / gold).glob("*.json")):
            key = json.loads(key_path.read_text(encoding="utf-8"))
            path = shared / reports / key["file"]
            try:
                doc = pipeline.run(path)
            except Exception:   # a refused file: the CRF sees its text all the same
                doc = None
            names = [(x, e["type"]) for r in key["reports"] for e in r.get("entities", [])
                     if e.get("type") in CORE for x in (e["name"], *e.get("aliases", []))]
            sents = []
            rule_names: dict[str, set[str]] = defaultdict(set)
            if doc is not None:
                for rep in doc.reports:
                    for m in rep.mentions:
                        if m.type in CORE:
                            rule_names[m.type].add(m.label)
                    marks = [(m.start, m.end, m.type) for m in rep.mentions if m.type in CORE]
                    for s in rep.sentences:
                        text = s.text
                        local = [(a - s.start, b - s.start, t) for a, b, t in marks if s.start <= a < s.end]
                        rtags = _bio(len(text), local)
                        words = list(tk.cut(text, HMM=True))
                        sents.append((text, _features(text, words, rtags, pos),
                                      _bio(len(text), _spans_of(text, names))))
            files.append({"key": key, "path": path, "sents": sents, "rule_names": rule_names})
    return files


def _decode(text: str, tags: list[str], sure: list[float] | None = None) -> list[tuple[str, str, float]]:
    """Spans of one type: (name, type, the least marginal of its tags)."""
    out, start, kind = [], None, None
    for i, t in enumerate(tags + ["O"]):
        if start is not None and not (t.startswith("I-") and t[2:] == kind):
            name = text[start:i].strip(_STRIP)
            if len(name) >= 2:
                out.append((name, kind, min(sure[start:i]) if sure else 1.0))
            start = kind = None
        if t.startswith("B-") or (t.startswith("I-") and start is None):
            start, kind = i, t[2:]
    return out


def _score_names(key: dict, names: dict[str, set[str]]) -> dict[str, Tally]:
    reports = key["reports"]
    places = [r["township"] for r in reports] + [r["county"] for r in reports if r.get("county")]
    out = {}
    for kind in CORE:
        gold = [e for r in reports for e in r.get("entities", []) if e.get("type") == kind]
        found: dict[str, set[str]] = {}
        for n in names.get(kind, ()):
            found.setdefault(norm(n), {n})
        out[kind] = _entities(gold, found, places)
    return out


def main(argv=None) -> int:
    import pycrfsuite

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--iterations", type=int, default=80)
    args = ap.parse_args(argv)
    t0 = time.time()
    files = _load(args.shared)
    # the rules, as eval scores the graph
    built = build([args.shared / r for r, _ in SETS], say=lambda line: None)
    graph = evaluate(built.store, [args.shared / g for _, g in SETS])
    built.store.close()
    thresholds = (0.8, 0.9, 0.95)
    systems = ("rules-names", "crf", *(f"rules+crf≥{t}" for t in thresholds))
    totals = {s: {k: Tally() for k in CORE} for s in systems}
    tmp = Path("/tmp") / f"crf-loo-{int(t0)}.model"
    for i, held in enumerate(files):
        trainer = pycrfsuite.Trainer(verbose=False)
        for j, f in enumerate(files):
            if j != i:
                for _, feats, tags in f["sents"]:
                    trainer.append(feats, tags)
        trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": args.iterations,
                            "feature.possible_transitions": True})
        trainer.train(str(tmp))
        tagger = pycrfsuite.Tagger()
        tagger.open(str(tmp))
        found: dict[str, set[str]] = defaultdict(set)
        sure: dict[float, dict[str, set[str]]] = {t: defaultdict(set) for t in thresholds}
        for text, feats, _ in held["sents"]:
            tags = tagger.tag(feats)
            margins = [tagger.marginal(t, k) for k, t in enumerate(tags)]
            for name, kind, least in _decode(text, tags, margins):
                found[kind].add(name)
                for t in thresholds:
                    if least >= t:
                        sure[t][kind].add(name)
        tagger.close()
        for kind, t in _score_names(held["key"], found).items():
            totals["crf"][kind].merge(t)
        for thr, names in sure.items():
            union = {k: held["rule_names"].get(k, set()) | names.get(k, set()) for k in CORE}
            for kind, t in _score_names(held["key"], union).items():
                totals[f"rules+crf≥{thr}"][kind].merge(t)
        for kind, t in _score_names(held["key"], held["rule_names"]).items():
            totals["rules-names"][kind].merge(t)
        print(f"{i + 1}/{len(files)} {held['key']['file']} ({time.time() - t0:.0f}s)", file=sys.stderr)
    tmp.unlink(missing_ok=True)
    result = {"rules": {k: graph[k].to_dict() for k in (*CORE, "core entities")}}
    for system, parts in totals.items():
        core = Tally()
        for k in CORE:
            core.merge(parts[k])
        result[system] = {k: parts[k].to_dict() for k in CORE} | {"core entities": core.to_dict()}
    print(f"{'system':<16}" + "".join(f"{k:>16}" for k in (*CORE, "core entities")))
    for system, parts in result.items():
        print(f"{system:<16}" + "".join(f"{parts[k]['f1']:>16.3f}" for k in (*CORE, "core entities")))
    print(f"({len(files)} files, {time.time() - t0:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
