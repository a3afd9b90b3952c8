/* Type-ahead search over entity labels and aliases (ARIA 1.2 combobox).
 * Our own code; no libraries.  Suggestions are built with textContent, so a
 * label is always text, never markup. */
(function () {
  "use strict";

  function entityHref(base, id) {
    return base + id.split("/").map(encodeURIComponent).join("/");
  }

  function setup(form) {
    var input = form.querySelector("input[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-status]");
    var api = form.getAttribute("data-api");
    var base = form.getAttribute("data-entity");
    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var opts = list.querySelectorAll("[role=option]");
      opts.forEach(function (o, k) { o.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(i) {
      if (items[i]) window.location.href = entityHref(base, items[i].id);
    }

    function render(results, q) {
      items = results;
      list.textContent = "";
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-id", r.id);
        var dot = document.createElement("span");
        dot.className = "dot";
        dot.style.background = r.color;
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = r.label;
        var kind = document.createElement("small");
        kind.textContent = (r["class"] || r.type || "") + (r.context ? " · " + r.context : "") +
          (r.matched ? " · 别名：" + r.matched : "");
        li.appendChild(dot); li.appendChild(name); li.appendChild(kind);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(i); });
        list.appendChild(li);
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "没有找到“" + q + "”";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      if (status) status.textContent = results.length ? results.length + " 条建议，用上下方向键选择，回车打开" : "没有建议";
    }

    function lookup() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++seq;
      fetch(api + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (d) { if (mine === seq && input.value.trim() === q) render(d.results || [], q); })
        .catch(function () { /* offline or server gone: keep what is shown */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
    input.addEventListener("keydown", function (ev) {
      var n = items.length;
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (list.hidden) { lookup(); return; }
        if (n) highlight((active + 1) % n);
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        if (n) highlight(active <= 0 ? n - 1 : active - 1);
      } else if (ev.key === "Enter") {
        if (!list.hidden && active >= 0) { ev.preventDefault(); go(active); }
      } else if (ev.key === "Escape") {
        if (!list.hidden) { ev.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("form[data-search]").forEach(setup);
})();
