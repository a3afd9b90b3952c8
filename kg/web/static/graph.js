/* The neighbourhood graph on an entity page: our own small force-directed
 * layout drawn as SVG (no libraries, nothing fetched from elsewhere).
 *
 * Data: GET /api/graph/<id>?hops=1|2&offset=N → {nodes, edges, more}.
 * Click (or Enter on) a node to add its neighbours; a "还有 N 个" marker
 * loads the next page of a node's neighbours; double-click opens a node's
 * page.  Every label is set with textContent (never parsed as markup).
 *
 * Readability: labels are placed by GraphLabels (labels.js) so that no two
 * overlap, most important first (the centre, then its neighbours in the
 * server's order: legal adviser, partOf, systems before mentions); long
 * names are shortened, with the full name on hover.  Expanding a node fans
 * its new neighbours out around it, away from the centre, while the nodes
 * already drawn stay where they are; the view then zooms to fit.
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var root = document.getElementById("graph");
  if (!root) return;

  var api = root.getAttribute("data-api");
  var entityBase = root.getAttribute("data-entity");
  var centreId = root.getAttribute("data-id");
  var pageSize = parseInt(root.getAttribute("data-max"), 10) || 25;
  var statusEl = document.querySelector("[data-graph-status]");

  var nodes = new Map();     // id → node
  var edges = new Map();     // "a\u0000b" (sorted pair) → edge
  var more = new Map();      // id → hidden neighbour count
  var nextOffset = new Map();
  var svg, viewport, edgeLayer, labelLayer, nodeLayer;
  var alpha = 0, running = false, dragging = null, busy = false;

  function el(name, attrs) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function href(id) {
    return entityBase + id.split("/").map(encodeURIComponent).join("/");
  }

  function say(text) { if (statusEl) statusEl.textContent = text; }

  function message(text) {
    var p = root.querySelector(".graph-msg");
    if (!p) { p = document.createElement("p"); p.className = "graph-msg"; root.appendChild(p); }
    p.textContent = text;
    p.hidden = !text;
  }

  // ------------------------------------------------------------ data

  function fetchGraph(id, hops, offset) {
    var url = api + id.split("/").map(encodeURIComponent).join("/") +
      "?hops=" + hops + "&offset=" + (offset || 0);
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) throw new Error(d.error || ("HTTP " + r.status));
        return d;
      });
    });
  }

  /* Where the k-th of m new nodes starts: around the clicked node, in a fan
   * pointing away from the centre (a full ring around the centre itself). */
  function spot(origin, k, m, ring) {
    var c = nodes.get(centreId);
    var away = ring || !c ? null : Math.atan2(origin.y - c.y, origin.x - c.x);
    var ring = Math.floor(k / 14), i = k % 14, inRing = Math.min(14, m - ring * 14);
    var a = away === null ? (2 * Math.PI * i / inRing)
                          : away + (inRing > 1 ? (i / (inRing - 1) - 0.5) * 2 * 1.4 : 0);
    var r = 120 + ring * 70;
    return { x: origin.x + Math.cos(a) * r, y: origin.y + Math.sin(a) * r };
  }

  /* Which drawn (or about to be drawn) node each new node hangs from: the
   * node clicked; on a first load the centre, or for the second hop the
   * first-hop neighbour that brought it. */
  function parents(data, around, fresh) {
    var adj = new Map();
    data.edges.forEach(function (e) {
      [[e.source, e.target], [e.target, e.source]].forEach(function (p) {
        if (!adj.has(p[0])) adj.set(p[0], []);
        adj.get(p[0]).push(p[1]);
      });
    });
    var near = new Set(adj.get(centreId) || []);
    var out = new Map();
    fresh.forEach(function (n) {
      if (around) { out.set(n.id, around); return; }
      if (near.has(n.id)) { out.set(n.id, centreId); return; }
      var via = (adj.get(n.id) || []).filter(function (m) { return near.has(m); })[0];
      out.set(n.id, via || centreId);
    });
    return out;
  }

  function merge(data, around) {
    var added = 0;
    var fresh = data.nodes.filter(function (n) { return !nodes.has(n.id) && n.id !== centreId; });
    var parentOf = parents(data, around, fresh);
    var c = data.nodes.filter(function (n) { return n.id === centreId && !nodes.has(n.id); })[0];
    if (c) add(c, { x: 0, y: 0 });
    // the centre's own neighbours first: the second hop is placed around them
    var groups = new Map();
    fresh.forEach(function (n) {
      var p = parentOf.get(n.id);
      if (!groups.has(p)) groups.set(p, []);
      groups.get(p).push(n);
    });
    var order = Array.from(groups.keys()).sort(function (a, b) {
      return (a === centreId ? 0 : 1) - (b === centreId ? 0 : 1); });
    order.forEach(function (p) {
      var origin = nodes.get(p) || { x: 0, y: 0 };
      var list = groups.get(p);
      list.forEach(function (n, k) { add(n, spot(origin, k, list.length, p === centreId)); });
    });
    data.nodes.forEach(function (n) {
      var old = nodes.get(n.id);
      old.expanded = old.expanded || n.expanded;
      old.degree = n.degree;
    });

    function add(n, at) {
      nodes.set(n.id, {
        id: n.id, label: n.label, type: n.type, cls: n["class"], color: n.color,
        degree: n.degree, expanded: n.expanded, centre: n.id === centreId,
        x: at.x, y: at.y, vx: 0, vy: 0
      });
      added++;
    }
    data.edges.forEach(function (e) {
      var key = e.source < e.target ? e.source + "\u0000" + e.target : e.target + "\u0000" + e.source;
      var ed = edges.get(key);
      if (!ed) {
        ed = { source: e.source, target: e.target, relations: [] };
        edges.set(key, ed);
      }
      if (ed.relations.indexOf(e.relation) < 0) ed.relations.push(e.relation);
    });
    Object.keys(data.more || {}).forEach(function (id) { more.set(id, data.more[id]); });
    data.nodes.forEach(function (n) {
      if (n.expanded && !(n.id in (data.more || {}))) more.delete(n.id);
      if (n.expanded && !nextOffset.has(n.id)) nextOffset.set(n.id, pageSize);
    });
    return added;
  }

  function shownDegree(id) {
    var k = 0;
    edges.forEach(function (e) { if (e.source === id || e.target === id) k++; });
    return k;
  }

  // ------------------------------------------------------------ actions

  function load(hops) {
    nodes.clear(); edges.clear(); more.clear(); nextOffset.clear();
    placeLabels.bounds = [];
    message("正在读取关系图…");
    busy = true;
    return fetchGraph(centreId, hops, 0).then(function (d) {
      merge(d, null);
      var c = nodes.get(centreId);
      if (c) { c.x = 0; c.y = 0; c.fixed = true; }
      message("");
      draw(); kick(1);
      // A node with one or two neighbours: show their neighbours as well,
      // so the picture says something (as if they had been clicked).
      var others = d.nodes.filter(function (n) { return n.id !== centreId; });
      if (hops === 1 && others.length && others.length < 2) {
        busy = false;
        return others.reduce(function (p, n) {
          return p.then(function () { return expand(n.id, true); });
        }, Promise.resolve()).then(function () {
          say("邻居很少，已自动展开它们的邻居。点击节点继续展开，双击打开它的页面。");
        });
      }
      say(nodes.size + " 个节点。点击节点展开它的邻居，双击打开它的页面。");
    }).catch(function (err) {
      message("关系图读取失败：" + err.message);
    }).then(function () { busy = false; });
  }

  function expand(id, quiet) {
    var n = nodes.get(id);
    if (!n) return Promise.resolve();
    var offset = n.expanded ? (nextOffset.get(id) || 0) : 0;
    if (n.expanded && !more.get(id)) {
      say("“" + n.label + "”的邻居都已显示。双击打开它的页面。");
      return Promise.resolve();
    }
    var before = nodes.size;
    return fetchGraph(id, 1, offset).then(function (d) {
      // what is drawn stays put: only the new nodes find their places
      nodes.forEach(function (m) { m.still = true; });
      merge(d, id);
      n.expanded = true;
      nextOffset.set(id, offset + pageSize);
      draw(); kick(0.7);
      if (!quiet && n.g) n.g.focus({ preventScroll: true });   // keep keyboard users in place
      if (!quiet) say("展开“" + n.label + "”：新增 " + (nodes.size - before) + " 个节点，共 " + nodes.size + " 个。");
    }).catch(function (err) { say("展开失败：" + err.message); });
  }

  // ------------------------------------------------------------ drawing

  function setupSvg() {
    root.textContent = "";
    svg = el("svg", { "class": "graph-svg", role: "group", "aria-label": root.getAttribute("aria-label") || "关系图" });
    var defs = el("defs", {});
    var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", "class": "arrow" }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    viewport = el("g", {});
    edgeLayer = el("g", { "class": "edges" });
    labelLayer = el("g", { "class": "edge-labels" });
    nodeLayer = el("g", { "class": "nodes" });
    viewport.appendChild(edgeLayer); viewport.appendChild(labelLayer); viewport.appendChild(nodeLayer);
    svg.appendChild(viewport);
    root.appendChild(svg);
    svg.addEventListener("pointermove", onMove);
    svg.addEventListener("pointerup", onUp);
    svg.addEventListener("pointerleave", onUp);
  }

  function radius(n) {
    if (n.centre) return 14;
    return Math.min(13, 6 + Math.sqrt(n.degree || 1) * 1.2);
  }

  var short = window.GraphLabels.shorten;

  /* Size of a text element, and how far its baseline is below its top. */
  function measure(t) {
    var b = t.getBBox();
    return { w: b.width, h: b.height, asc: parseFloat(t.getAttribute("y") || "0") - b.y };
  }

  function draw() {
    if (!svg) setupSvg();
    edgeLayer.textContent = ""; labelLayer.textContent = ""; nodeLayer.textContent = "";
    var manyEdges = edges.size > 120;
    svg.classList.toggle("many", manyEdges);
    edges.forEach(function (e) {
      e.line = el("line", { "class": "edge", "marker-end": "url(#arrow)" });
      edgeLayer.appendChild(e.line);
      e.text = el("text", { "class": "edge-label" });
      e.text.textContent = short(e.relations.join("、"), 8);
      e.line.appendChild(el("title", {})).textContent = e.relations.join("、");
      labelLayer.appendChild(e.text);
      e.size = manyEdges ? null : measure(e.text);
    });
    // "N more" markers, linked to their node
    var markers = [];
    more.forEach(function (count, id) {
      var n = nodes.get(id);
      if (!n || !count) return;
      markers.push({ node: n, count: count });
    });
    nodes.forEach(function (n) {
      var g = el("g", { "class": "node" + (n.centre ? " centre" : "") + (n.expanded ? " expanded" : ""),
        tabindex: "0", role: "button", "data-id": n.id, "data-degree": String(n.degree || 0),
        "data-expanded": n.expanded ? "true" : "false", "data-shown": String(shownDegree(n.id)) });
      g.setAttribute("aria-label", n.label + "（" + (n.cls || n.type || "实体") + "），" +
        (n.degree || 0) + " 个邻居" + (n.expanded ? "，已展开" : "，回车展开"));
      var title = el("title", {});
      title.textContent = n.label + "（" + (n.cls || n.type || "实体") + "）· " + (n.degree || 0) + " 个邻居";
      g.appendChild(title);
      var c = el("circle", { r: String(radius(n)) });
      c.style.fill = n.color || "#999";
      g.appendChild(c);
      var t = el("text", { "class": "node-label", x: String(radius(n) + 3), y: "4" });
      t.textContent = short(n.label, n.centre ? 16 : 10);
      g.appendChild(t);
      n.text = t;
      // hovering shows the whole name, even where it had no room
      g.addEventListener("pointerenter", function () {
        t.textContent = n.label; t.classList.add("hover"); });
      g.addEventListener("pointerleave", function () {
        t.textContent = short(n.label, n.centre ? 16 : 10); t.classList.remove("hover"); });
      g.addEventListener("pointerdown", function (ev) { onDown(ev, n); });
      g.addEventListener("click", function () { if (!n.moved) expand(n.id); });
      g.addEventListener("dblclick", function () { window.location.href = href(n.id); });
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); expand(n.id); }
        else if (ev.key === "o" || ev.key === "O") { window.location.href = href(n.id); }
      });
      n.g = g;
      nodeLayer.appendChild(g);
    });
    markers.forEach(function (m) {
      var g = el("g", { "class": "more", tabindex: "0", role: "button", "data-more-of": m.node.id });
      g.setAttribute("aria-label", "“" + m.node.label + "”还有 " + m.count + " 个邻居未显示，回车显示更多");
      var rect = el("rect", { rx: "9", ry: "9", height: "18" });
      var t = el("text", { x: "8", y: "13" });
      t.textContent = "还有 " + m.count + " 个";
      rect.setAttribute("width", String(16 + t.textContent.length * 11));
      g.appendChild(rect); g.appendChild(t);
      var go = function () { expand(m.node.id); };
      g.addEventListener("click", go);
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); go(); }
      });
      m.g = g;
      m.w = 16 + t.textContent.length * 11;
      nodeLayer.appendChild(g);
    });
    draw.markers = markers;
    nodes.forEach(function (n) { n.size = measure(n.text); });
    draw.order = labelOrder();
    root.setAttribute("data-nodes", String(nodes.size));
    render();
  }

  function render() {
    edges.forEach(function (e) {
      var a = nodes.get(e.source), b = nodes.get(e.target);
      if (!a || !b) return;
      var dx = b.x - a.x, dy = b.y - a.y, d = Math.sqrt(dx * dx + dy * dy) || 1;
      var ra = radius(a), rb = radius(b) + 2;
      e.line.setAttribute("x1", (a.x + dx / d * ra).toFixed(1));
      e.line.setAttribute("y1", (a.y + dy / d * ra).toFixed(1));
      e.line.setAttribute("x2", (b.x - dx / d * rb).toFixed(1));
      e.line.setAttribute("y2", (b.y - dy / d * rb).toFixed(1));
      e.text.setAttribute("x", ((a.x + b.x) / 2).toFixed(1));
      e.text.setAttribute("y", ((a.y + b.y) / 2 - 3).toFixed(1));
    });
    nodes.forEach(function (n) {
      n.g.setAttribute("transform", "translate(" + n.x.toFixed(1) + "," + n.y.toFixed(1) + ")");
    });
    (draw.markers || []).forEach(function (m) {
      m.g.setAttribute("transform", "translate(" + (m.node.x - 20).toFixed(1) + "," +
        (m.node.y + radius(m.node) + 4).toFixed(1) + ")");
    });
    placeLabels();
    if (!dragging) fit();
  }

  /* Labels from most to least important: the centre; then each node in the
   * order it came (the server ranks neighbours), its name and the label of
   * the edge that brought it; edges between two non-centre nodes last. */
  function labelOrder() {
    var order = [], seen = new Set();
    var list = Array.from(nodes.values());
    list.sort(function (a, b) { return (b.centre ? 1 : 0) - (a.centre ? 1 : 0); });
    list.forEach(function (n) {
      order.push({ node: n });
      edges.forEach(function (e) {
        if (seen.has(e) || !e.size) return;
        var other = e.source === n.id ? e.target : e.target === n.id ? e.source : null;
        if (other === null) return;
        var o = nodes.get(other);
        if (o && (o.centre || n.centre || o.expanded)) { order.push({ edge: e }); seen.add(e); }
      });
    });
    edges.forEach(function (e) { if (!seen.has(e) && e.size) order.push({ edge: e }); });
    return order;
  }

  function placeLabels() {
    var order = draw.order || [];
    var items = order.map(function (o) {
      if (o.node) {
        var n = o.node;
        return { kind: "node", x: n.x, y: n.y, r: radius(n), w: n.size.w, h: n.size.h };
      }
      var a = nodes.get(o.edge.source), b = nodes.get(o.edge.target);
      return { kind: "edge", x1: a.x, y1: a.y, x2: b.x, y2: b.y, w: o.edge.size.w, h: o.edge.size.h };
    });
    var circles = Array.from(nodes.values()).map(function (n) { return { x: n.x, y: n.y, r: radius(n) }; });
    var fixed = (draw.markers || []).map(function (m) {
      return { x: m.node.x - 20, y: m.node.y + radius(m.node) + 4, w: m.w, h: 18 };
    });
    var boxes = window.GraphLabels.place(items, circles, fixed);
    var bounds = [];
    order.forEach(function (o, i) {
      var box = boxes[i];
      var t = o.node ? o.node.text : o.edge.text;
      t.setAttribute("visibility", box ? "visible" : "hidden");
      if (!box) return;
      bounds.push(box);
      var asc = (o.node ? o.node.size : o.edge.size).asc;
      var dx = o.node ? o.node.x : 0, dy = o.node ? o.node.y : 0;
      t.setAttribute("x", (box.x - dx).toFixed(1));
      t.setAttribute("y", (box.y - dy + asc).toFixed(1));
    });
    placeLabels.bounds = bounds.concat(fixed);
  }

  function fit() {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    nodes.forEach(function (n) {
      minX = Math.min(minX, n.x - 20); maxX = Math.max(maxX, n.x + 20);
      minY = Math.min(minY, n.y - 20); maxY = Math.max(maxY, n.y + 20);
    });
    (placeLabels.bounds || []).forEach(function (b) {    // the labels fit too
      minX = Math.min(minX, b.x - 4); maxX = Math.max(maxX, b.x + b.w + 4);
      minY = Math.min(minY, b.y - 4); maxY = Math.max(maxY, b.y + b.h + 4);
    });
    if (!isFinite(minX)) return;
    var w = Math.max(maxX - minX, 300), h = Math.max(maxY - minY, 200);
    svg.setAttribute("viewBox", [minX.toFixed(0), minY.toFixed(0), w.toFixed(0), h.toFixed(0)].join(" "));
  }

  // ------------------------------------------------------------ layout

  function kick(a) {
    alpha = Math.max(alpha, a);
    if (!running) { running = true; requestAnimationFrame(frame); }
  }

  function tick() {
    var list = Array.from(nodes.values());
    var n = list.length, i, j, a, b, dx, dy, d2, d, f;
    for (i = 0; i < n; i++) {
      a = list[i];
      for (j = i + 1; j < n; j++) {
        b = list[j];
        dx = b.x - a.x; dy = b.y - a.y;
        d2 = dx * dx + dy * dy;
        if (d2 < 0.01) { dx = Math.random() - 0.5; dy = Math.random() - 0.5; d2 = 0.5; }
        if (d2 > 250000) continue;                 // far apart: no push
        f = 4200 / d2;
        d = Math.sqrt(d2);
        a.vx -= dx / d * f; a.vy -= dy / d * f;
        b.vx += dx / d * f; b.vy += dy / d * f;
      }
    }
    edges.forEach(function (e) {
      var s = nodes.get(e.source), t = nodes.get(e.target);
      if (!s || !t) return;
      dx = t.x - s.x; dy = t.y - s.y;
      d = Math.sqrt(dx * dx + dy * dy) || 1;
      f = (d - 120) * 0.04;
      s.vx += dx / d * f; s.vy += dy / d * f;
      t.vx -= dx / d * f; t.vy -= dy / d * f;
    });
    list.forEach(function (p) {
      p.vx -= p.x * 0.004; p.vy -= p.y * 0.004;   // a weak pull to the middle
      if (p.fixed || p.still || p === dragging) { p.vx = 0; p.vy = 0; return; }
      p.x += Math.max(-30, Math.min(30, p.vx * alpha));
      p.y += Math.max(-30, Math.min(30, p.vy * alpha));
      p.vx *= 0.55; p.vy *= 0.55;
    });
    alpha *= 0.985;
  }

  function frame() {
    var steps = nodes.size > 300 ? 1 : 3;
    for (var k = 0; k < steps; k++) tick();
    render();
    if (alpha > 0.02) requestAnimationFrame(frame);
    else { running = false; root.setAttribute("data-settled", "true"); }
    if (alpha > 0.02) root.removeAttribute("data-settled");
  }

  // ------------------------------------------------------------ dragging

  function point(ev) {
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }

  function onDown(ev, n) {
    if (ev.button !== 0) return;
    dragging = n; n.moved = false;
    dragging.start = point(ev);
  }

  function onMove(ev) {
    if (!dragging) return;
    var p = point(ev);
    if (!dragging.moved && Math.abs(p.x - dragging.start.x) + Math.abs(p.y - dragging.start.y) < 4) return;
    dragging.moved = true;
    dragging.x = p.x; dragging.y = p.y;
    dragging.fixed = true;
    kick(0.3);
  }

  function onUp() {
    if (dragging) { var d = dragging; setTimeout(function () { d.moved = false; }, 0); }
    dragging = null;
  }

  // ------------------------------------------------------------ controls

  var hopButtons = document.querySelectorAll(".hops [data-hops]");
  hopButtons.forEach(function (b) {
    b.addEventListener("click", function () {
      var h = parseInt(b.getAttribute("data-hops"), 10);
      hopButtons.forEach(function (x) { x.setAttribute("aria-pressed", x === b ? "true" : "false"); });
      setHops(h);
      load(h);
    });
  });
  var reset = document.querySelector(".hops [data-reset]");
  if (reset) reset.addEventListener("click", function () {
    hopButtons.forEach(function (x) { x.setAttribute("aria-pressed", x.getAttribute("data-hops") === "1" ? "true" : "false"); });
    setHops(1);
    load(1);
  });

  function setHops(h) {
    document.querySelectorAll("[data-dl]").forEach(function (a) {
      var u = new URL(a.href, window.location.href);
      u.searchParams.set("hops", String(h));
      a.href = u.pathname + u.search;
    });
  }

  load(1);
})();
