/* The SPARQL editor: sends the query to the protocol endpoint (/sparql) with
 * fetch, shows SELECT/ASK answers as a table and graph answers as text,
 * errors as the endpoint words them, and offers the answer as CSV or JSON.
 * Values are put into the page with textContent only. */
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form) return;
  var endpoint = form.getAttribute("data-endpoint");
  var text = document.getElementById("query");
  var out = document.getElementById("results");
  var errBox = document.getElementById("error");
  var status = document.getElementById("status");
  var examples = JSON.parse(document.getElementById("examples-data").textContent || "[]");
  var select = document.getElementById("example");
  // the prefixes the CLI and the editor know: every IRI in a result is shown
  // with them (subject, predicate or object alike), or whole in <…>
  var prefixEl = document.getElementById("prefixes-data");
  var prefixes = prefixEl ? JSON.parse(prefixEl.textContent || "{}") : {};
  var prefixList = Object.keys(prefixes).map(function (k) { return [k, prefixes[k]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });

  function shortIri(v) {
    for (var i = 0; i < prefixList.length; i++) {
      var ns = prefixList[i][1];
      if (v.indexOf(ns) === 0 && v.length > ns.length) return prefixList[i][0] + ":" + v.slice(ns.length);
    }
    return "<" + v + ">";
  }

  function post(accept) {
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
      body: new URLSearchParams({ query: text.value })
    });
  }

  function showError(msg) {
    errBox.hidden = false;
    errBox.textContent = msg;
  }

  function readError(r) {
    return r.text().then(function (body) {
      var msg = body;
      try { msg = JSON.parse(body).error || body; } catch (e) { /* plain text */ }
      throw new Error(msg.trim() || ("HTTP " + r.status));
    });
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    var v = term.value;
    var idp = "https://w3id.org/fazhi-kg/id/";
    if (term.type === "uri" && v.indexOf(idp) === 0) {
      var a = document.createElement("a");
      var rest = v.slice(idp.length);
      var sent = rest.match(/^(report\/.+)\/sentence\/(\d+)$/);
      var base = /^report\//.test(rest) ? "/report/" : "/entity/";
      var path = sent ? sent[1] : rest;
      a.href = base + path.split("/").map(encodeURIComponent).join("/") + (sent ? "#s-" + sent[2] : "");
      a.textContent = "fzid:" + rest;
      td.appendChild(a);
    } else if (term.type === "uri") {
      td.textContent = shortIri(v);
      td.title = v;
    } else if (term.type === "bnode") {
      td.textContent = "_:" + v;
    } else {
      td.textContent = v;
      if (term.type === "literal" && term.datatype && /#(integer|decimal|double|float)$/.test(term.datatype)) td.className = "num";
    }
    return td;
  }

  function table(doc) {
    out.textContent = "";
    if (typeof doc.boolean === "boolean") {
      var p = document.createElement("p");
      p.className = "answer";
      p.textContent = doc.boolean ? "是（true）" : "否（false）";
      out.appendChild(p);
      return 1;
    }
    var vars = doc.head.vars, rows = doc.results.bindings;
    var t = document.createElement("table");
    t.className = "data";
    var thead = document.createElement("thead"), tr = document.createElement("tr");
    vars.forEach(function (v) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = v; tr.appendChild(th);
    });
    thead.appendChild(tr); t.appendChild(thead);
    var tbody = document.createElement("tbody");
    rows.forEach(function (b) {
      var r = document.createElement("tr");
      vars.forEach(function (v) { r.appendChild(cell(b[v])); });
      tbody.appendChild(r);
    });
    t.appendChild(tbody);
    out.appendChild(t);
    return rows.length;
  }

  function run(ev) {
    if (ev) ev.preventDefault();
    errBox.hidden = true;
    status.textContent = "正在运行…";
    var t0 = performance.now();
    post("application/sparql-results+json, text/turtle;q=0.9").then(function (r) {
      if (!r.ok) return readError(r);
      var ct = r.headers.get("Content-Type") || "";
      var truncated = r.headers.get("X-Fazhi-Truncated") === "true";
      var ms = Math.round(performance.now() - t0);
      if (ct.indexOf("json") >= 0) {
        return r.json().then(function (doc) {
          var n = table(doc);
          status.textContent = n + " 行 · " + ms + " 毫秒" + (truncated || doc.truncated ? " · 结果已截断" : "");
        });
      }
      return r.text().then(function (body) {
        out.textContent = "";
        var pre = document.createElement("pre");
        pre.textContent = body;
        out.appendChild(pre);
        status.textContent = (r.headers.get("X-Fazhi-Rows") || "?") + " 条三元组 · " + ms + " 毫秒";
      });
    }).catch(function (e) {
      status.textContent = "";
      out.textContent = "";
      showError(e.message);
    });
  }

  function download(kind) {
    var accept = kind === "csv" ? "text/csv" : "application/sparql-results+json";
    errBox.hidden = true;
    post(accept).then(function (r) {
      if (!r.ok) return readError(r);
      return r.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = "query-results." + kind;
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      });
    }).catch(function (e) { showError(e.message); });
  }

  form.addEventListener("submit", run);
  text.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) run(ev);
  });
  document.querySelectorAll("[data-download]").forEach(function (b) {
    b.addEventListener("click", function () { download(b.getAttribute("data-download")); });
  });
  select.addEventListener("change", function () {
    var x = examples.find(function (e) { return e.name === select.value; });
    if (x) { text.value = x.text; text.focus(); }
  });
})();
