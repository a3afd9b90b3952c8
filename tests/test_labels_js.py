"""kg/web/static/labels.js (the graph's label placement) under Node.js:
whatever it is given, no two labels it places overlap, and the most
important label is always placed.  Skipped, saying why, without Node."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

LABELS = Path(__file__).resolve().parent.parent / "kg" / "web" / "static" / "labels.js"

SCRIPT = r"""
const L = require(process.argv[1]);
let seed = 7;
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647; }
const out = [];
for (let round = 0; round < 30; round++) {
  const n = 5 + Math.floor(rnd() * 60), items = [], circles = [];
  for (let i = 0; i < n; i++) {
    const x = rnd() * 400, y = rnd() * 300;
    circles.push({x, y, r: 8});
    items.push({kind: "node", x, y, r: 8, w: 20 + rnd() * 100, h: 14});
    if (i) items.push({kind: "edge", x1: circles[0].x, y1: circles[0].y, x2: x, y2: y,
                       w: 24, h: 11});
  }
  const boxes = L.place(items, circles, [{x: 0, y: 0, w: 40, h: 18}]);
  out.push({boxes, first: boxes[0] !== null});
}
console.log(JSON.stringify(out));
"""


def overlap(a: dict, b: dict) -> bool:
    dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return dx > 0 and dy > 0


def test_placed_labels_never_overlap() -> None:
    node = shutil.which("node")
    if not node:
        pytest.skip("Node.js is not installed")
    proc = subprocess.run([node, "-e", SCRIPT, str(LABELS)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    rounds = json.loads(proc.stdout)
    hidden = shown = 0
    for r in rounds:
        assert r["first"]
        boxes = [b for b in r["boxes"] if b]
        shown += len(boxes)
        hidden += len(r["boxes"]) - len(boxes)
        fixed = {"x": 0, "y": 0, "w": 40, "h": 18}
        for i, a in enumerate(boxes):
            assert not overlap(a, fixed), a
            for b in boxes[i + 1:]:
                assert not overlap(a, b), (a, b)
    assert shown > hidden      # crowded, yet most labels find a place
