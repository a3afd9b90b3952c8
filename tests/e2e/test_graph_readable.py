"""Issue 18: the neighbourhood graph a person can read, in a real Chromium.

No two visible labels overlap (node names and edge labels), the township's
legal adviser is drawn with its 法律顾问 edge label showing, and expanding
keeps the centre in view with its label.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

TOWNSHIP = "township/云阳县/江口镇"
FIRM = "org/龙脊律师事务所"

#: every visible label's box on screen, and the pairs of them that overlap
_BOXES = """() => {
  const out = [];
  for (const t of document.querySelectorAll('#graph .node-label, #graph .edge-label')) {
    const cs = getComputedStyle(t);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    out.push({text: t.textContent, kind: t.getAttribute('class'),
              x: r.left, y: r.top, w: r.width, h: r.height});
  }
  return out;
}"""


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > 0.5 and dy > 0.5:
                bad.append((a["text"], b["text"]))
    return bad


def open_entity(page, url: str, eid: str) -> None:
    page.goto(url + "/entity/" + "/".join(quote(p) for p in eid.split("/")))
    page.wait_for_function("() => document.querySelectorAll('#graph g.node').length >= 2")
    page.wait_for_selector("#graph[data-settled]", timeout=30_000)


def edge_label_shown(page, text: str) -> bool:
    return any(
        b["text"] == text and "edge-label" in b["kind"] for b in page.evaluate(_BOXES))


def test_township_labels_do_not_overlap_and_adviser_is_drawn(live_server, offline):
    page = offline.page
    open_entity(page, live_server, TOWNSHIP)
    boxes = page.evaluate(_BOXES)
    assert len(boxes) >= 5
    assert overlapping(boxes) == []
    # the legal adviser is a drawn node, its name and its 法律顾问 edge readable
    assert page.locator(f'#graph g.node[data-id="{FIRM}"]').count() == 1
    names = [b["text"] for b in boxes if "node-label" in b["kind"]]
    assert any(n.startswith("龙脊") for n in names)
    assert edge_label_shown(page, "法律顾问")
    # the listed neighbours are the drawn ones: the firm is in the list too
    assert page.locator("ul.neighbours").get_by_text("龙脊律师事务所").count() >= 1
    offline.shot("10-township-graph-labels")

    # a long name is shortened, and hovering shows it whole
    long_id = page.evaluate("""() => { for (const g of document.querySelectorAll('#graph g.node'))
        if (g.querySelector('.node-label').textContent.endsWith('…')) return g.dataset.id; return null; }""")
    if long_id:
        node = page.locator(f'#graph g.node[data-id="{long_id}"]')
        node.dispatch_event("pointerenter")
        full = node.locator(".node-label").text_content()
        assert not full.endswith("…") and full in node.locator("title").text_content()
        node.dispatch_event("pointerleave")

    # expanding: "还有 N 个" on the centre, then a neighbour; the centre stays
    # where it was, still labelled, and nothing overlaps
    centre = page.locator("#graph g.node.centre")
    before = centre.get_attribute("transform")
    for step in ("more", "neighbour"):
        n = page.locator("#graph g.node").count()
        target = '#graph g.more[data-more-of="%s"]' % TOWNSHIP
        if step == "neighbour":
            other = page.evaluate("""() => { const g = [...document.querySelectorAll('#graph g.node')].find(
                g => g.dataset.expanded === 'false' && +g.dataset.degree > +g.dataset.shown);
                return g ? g.dataset.id : null; }""")
            assert other, "no expandable neighbour"
            target = f'#graph g.node[data-id="{other}"] circle'
        page.locator(target).dispatch_event("click")
        page.wait_for_function(f"() => document.querySelectorAll('#graph g.node').length > {n}")
        page.wait_for_selector("#graph[data-settled]", timeout=30_000)
    assert page.locator("#graph g.node").count() > 13
    assert centre.get_attribute("transform") == before
    boxes = page.evaluate(_BOXES)
    assert overlapping(boxes) == []
    assert any(b["text"] == "江口镇" for b in boxes)
    # zoomed to fit: every node is inside the drawing area
    inside = page.evaluate("""() => { const s = document.querySelector('#graph svg').getBoundingClientRect();
        return [...document.querySelectorAll('#graph g.node circle')].every(c => {
          const r = c.getBoundingClientRect();
          return r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1; }); }""")
    assert inside
    offline.shot("11-township-graph-expanded")


def test_firm_page_keeps_its_adviser_edge(live_server, offline):
    """The firm has one neighbour, so the township is expanded for it: the
    firm's own 法律顾问 edge label still shows, and no labels overlap."""
    page = offline.page
    open_entity(page, live_server, FIRM)
    page.wait_for_function("() => document.querySelectorAll('#graph g.node').length > 2")
    page.wait_for_selector("#graph[data-settled]", timeout=30_000)
    assert edge_label_shown(page, "法律顾问")
    assert overlapping(page.evaluate(_BOXES)) == []
    offline.shot("12-firm-graph")


def test_enter_in_the_search_box_keeps_the_words(live_server, offline):
    """Enter with no suggestion chosen searches, and the box still holds the words."""
    page = offline.page
    page.goto(live_server + "/entity/" + "/".join(quote(p) for p in FIRM.split("/")))
    box = page.get_by_role("combobox")
    box.fill("司法所")
    page.get_by_role("option").first.wait_for()     # suggestions open, none chosen
    box.press("Enter")
    page.wait_for_url("**/?q=*")
    box = page.get_by_role("combobox")
    assert box.input_value() == "司法所", (page.url, page.content()[:3000])
    assert page.locator("ul.results li").count() >= 1


def test_sparql_results_write_every_iri_alike(live_server, offline):
    """Subjects, predicates and objects: all with the known prefixes."""
    page = offline.page
    page.goto(live_server + "/sparql-editor")
    page.locator("#query").fill("SELECT ?s ?p ?o WHERE { VALUES ?p { rdf:type fz:partOf } "
                                "?s a fz:Township ; ?p ?o } LIMIT 30")
    page.locator("#run").click()
    page.locator("#results table tbody tr").first.wait_for()
    cells = page.locator("#results table tbody td").all_text_contents()
    assert cells and not [c for c in cells if c.startswith("http")]
    preds = page.locator("#results table tbody tr td:nth-child(2)").all_text_contents()
    assert "rdf:type" in preds and any(p.startswith("fz:") for p in preds)
    objs = page.locator("#results table tbody tr td:nth-child(3)").all_text_contents()
    assert "fz:Township" in objs


def test_two_hops_keep_the_centre_readable(live_server, offline):
    page = offline.page
    open_entity(page, live_server, TOWNSHIP)
    one = page.locator("#graph g.node").count()
    page.locator('.hops [data-hops="2"]').click()
    page.wait_for_function(f"() => document.querySelectorAll('#graph g.node').length > {one}")
    page.wait_for_selector("#graph[data-settled]", timeout=30_000)
    boxes = page.evaluate(_BOXES)
    assert overlapping(boxes) == []
    assert any(b["text"] == "江口镇" for b in boxes)
    assert edge_label_shown(page, "法律顾问")
    offline.shot("13-township-two-hops")
