/* Collision-aware label placement for the neighbourhood graph (graph.js).
 *
 * Greedy, in priority order: each label tries a few positions around its
 * anchor and takes the first whose box overlaps no box already placed (nor,
 * if it can, a node's circle).  A label with no free position is hidden; the
 * node's full name stays in its hover title, and hovering shows the label.
 *
 * Pure (no DOM), so tests can run it under Node:  GraphLabels.place(...).
 */
(function (global) {
  "use strict";

  var PAD = 1.5;   // gap kept between two boxes, in drawing units

  function overlaps(a, b) {
    return a.x < b.x + b.w + PAD && b.x < a.x + a.w + PAD &&
           a.y < b.y + b.h + PAD && b.y < a.y + a.h + PAD;
  }

  function free(box, placed) {
    for (var i = 0; i < placed.length; i++) if (overlaps(box, placed[i])) return false;
    return true;
  }

  /* Candidate top-left corners of a w×h box beside a node of radius r at (x, y):
   * right, left, below, above, then the four corners. */
  function nodeSpots(x, y, r, w, h) {
    var g = r + 3;
    return [
      { x: x + g, y: y - h / 2 }, { x: x - g - w, y: y - h / 2 },
      { x: x - w / 2, y: y + g }, { x: x - w / 2, y: y - g - h },
      { x: x + g * 0.7, y: y + g * 0.7 }, { x: x - g * 0.7 - w, y: y + g * 0.7 },
      { x: x + g * 0.7, y: y - g * 0.7 - h }, { x: x - g * 0.7 - w, y: y - g * 0.7 - h }
    ];
  }

  /* Along an edge from (x1, y1) to (x2, y2): the middle, then nearer each end. */
  function edgeSpots(x1, y1, x2, y2, w, h) {
    return [0.5, 0.35, 0.65, 0.25, 0.75].map(function (t) {
      return { x: x1 + (x2 - x1) * t - w / 2, y: y1 + (y2 - y1) * t - h / 2 };
    });
  }

  /* items: [{kind: "node", x, y, r, w, h} | {kind: "edge", x1, y1, x2, y2, w, h}]
   *   in priority order (most important first);
   * circles: [{x, y, r}] that labels avoid when they can;
   * fixed: boxes already taken (e.g. "N more" markers).
   * Returns one box {x, y, w, h} or null (hidden) per item. */
  function place(items, circles, fixed) {
    var placed = (fixed || []).slice();
    var discs = (circles || []).map(function (c) {
      return { x: c.x - c.r, y: c.y - c.r, w: 2 * c.r, h: 2 * c.r };
    });
    return items.map(function (it) {
      var spots = it.kind === "edge" ? edgeSpots(it.x1, it.y1, it.x2, it.y2, it.w, it.h)
                                     : nodeSpots(it.x, it.y, it.r, it.w, it.h);
      var boxes = spots.map(function (s) { return { x: s.x, y: s.y, w: it.w, h: it.h }; });
      var best = null, i;
      for (i = 0; i < boxes.length && !best; i++) {
        if (free(boxes[i], placed) && free(boxes[i], discs)) best = boxes[i];
      }
      for (i = 0; i < boxes.length && !best; i++) {
        if (free(boxes[i], placed)) best = boxes[i];   // over a circle rather than hidden
      }
      if (best) placed.push(best);
      return best;
    });
  }

  /* A label cut to max characters, with an ellipsis. */
  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  var api = { place: place, overlaps: overlaps, shorten: shorten };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else global.GraphLabels = api;
})(this);
