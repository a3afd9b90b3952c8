/* Report page: the sentence named in the URL (#s-12) is scrolled to and
 * highlighted (CSS :target does the colour; this adds a lasting class and
 * centres it, also when the hash changes later). */
(function () {
  "use strict";
  function mark() {
    var old = document.querySelectorAll(".sent.hl");
    old.forEach(function (el) { el.classList.remove("hl"); });
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!/^s-\d+$/.test(id)) return;
    var el = document.getElementById(id);
    if (!el) return;
    el.classList.add("hl");
    el.setAttribute("tabindex", "-1");
    el.scrollIntoView({ block: "center" });
    el.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", mark);
  mark();
})();
