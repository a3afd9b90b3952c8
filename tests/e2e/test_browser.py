"""The web pages in a real headless Chromium, with every other host blocked.

Each step writes a screenshot to tests/screenshots/ (git-ignored).  No
entity counts are assumed: the extraction improves in parallel.
"""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SCRIPT_STEM

pytestmark = pytest.mark.browser


def node_count(page) -> int:
    return page.locator("#graph g.node").count()


def test_search_graph_evidence_report(live_server, offline):
    page = offline.page
    page.goto(live_server + "/")
    box = page.get_by_role("combobox")
    box.click()
    box.press_sequentially("龙脊", delay=60)
    option = page.get_by_role("option").filter(has_text="龙脊律师事务所").first
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    offline.shot("01-home-typeahead")

    # keyboard: arrow down to the suggestion, Enter opens it
    for _ in range(page.get_by_role("option").count()):
        box.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        if "龙脊律师事务所" in page.locator(f"#{active}").inner_text():
            break
    box.press("Enter")
    page.wait_for_url(re.compile(r"/entity/org/"))
    assert page.locator("h1").inner_text() == "龙脊律师事务所"

    # the graph: drawn as SVG, at least 3 nodes, edge labels in Chinese
    page.wait_for_function("() => document.querySelectorAll('#graph g.node').length >= 3")
    page.wait_for_selector("#graph[data-settled]", timeout=30_000)
    assert page.locator("#graph g.node.centre").count() == 1
    labels = page.locator("#graph .edge-label").all_text_contents()
    assert "法律顾问" in labels
    # the evidence sentence of the fact, with a link to its report
    evidence = page.locator("blockquote.evidence").filter(has_text="龙脊律师事务所").first
    assert evidence.is_visible()
    offline.shot("02-entity-graph")

    # click a neighbour that has neighbours not yet shown: the graph grows
    before = node_count(page)
    target = page.evaluate("""() => {
        const gs = [...document.querySelectorAll('#graph g.node')];
        const g = gs.find(g => g.dataset.expanded === 'false' && +g.dataset.degree > +g.dataset.shown);
        return g ? g.dataset.id : null; }""")
    assert target, "no expandable neighbour in the graph"
    # a click event on the node itself: with a force layout another node may
    # sit on top of it at that moment, which a user would simply move past
    page.locator(f'#graph g.node[data-id="{target}"] circle').dispatch_event("click")
    page.wait_for_function(f"() => document.querySelectorAll('#graph g.node').length > {before}")
    page.wait_for_selector("#graph[data-settled]", timeout=30_000)
    assert node_count(page) > before
    offline.shot("03-entity-graph-expanded")

    # follow the evidence link: the report opens at that sentence, highlighted
    link = evidence.locator("a.src")
    href = link.get_attribute("href")
    order = re.search(r"#s-(\d+)$", href).group(1)
    link.click()
    page.wait_for_url(re.compile(r"/report/.+#s-\d+$"))
    sent = page.locator(f"#s-{order}")
    sent.wait_for()
    assert "龙脊律师事务所" in sent.inner_text()
    assert "hl" in (sent.get_attribute("class") or "")
    bg = sent.evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    assert sent.is_visible()
    box_ = sent.bounding_box()
    assert 0 <= box_["y"] < page.viewport_size["height"]      # scrolled into view
    # entity mentions are links to their pages
    assert page.locator(".report-text a.m").count() > 0
    offline.shot("04-report-highlight")


def test_sparql_editor(live_server, offline):
    page = offline.page
    page.goto(live_server + "/sparql-editor")
    assert "PREFIX fz:" in page.locator("#query").input_value()
    page.locator("#run").click()
    page.wait_for_selector("#results table tbody tr")
    assert page.locator("#results table tbody tr").count() >= 1
    assert page.locator("#results table thead th").first.inner_text() == "township"
    offline.shot("05-sparql-rows")

    # an example from the canned queries, then an error as the endpoint words it
    page.locator("#example").select_option(index=1)
    assert "SELECT" in page.locator("#query").input_value()
    page.locator("#query").fill("SELECT ?x WHERE { ?x ?y }")
    page.locator("#run").click()
    err = page.locator("#error")
    err.wait_for()
    assert "malformed query" in err.inner_text()
    offline.shot("06-sparql-error")


def test_report_with_script_is_text(live_server, offline):
    page = offline.page
    page.goto(f"{live_server}/report/report/{SCRIPT_STEM}/0")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.locator(".report-text").inner_text()
    assert "<script>window.__pwned = 1</script>" in text
    assert page.locator(".report-text script").count() == 0
    offline.shot("07-report-script-as-text")
    # the township it names has a page, and its report is linked from there
    page.locator(".kind a").first.click()
    page.wait_for_url(re.compile(r"/entity/township/"))
    page.wait_for_function("() => document.querySelectorAll('#graph g.node').length >= 2")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    offline.shot("08-township")


def test_narrow_window_reflows(live_server, narrow):
    page = narrow.page
    for name, path in (("09-narrow-home", "/"),
                       ("10-narrow-entity", "/entity/org/龙脊律师事务所"),
                       ("11-narrow-report", f"/report/report/{SCRIPT_STEM}/0")):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        if "entity" in path:
            page.wait_for_function("() => document.querySelectorAll('#graph g.node').length >= 2")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 390px wide"
        narrow.shot(name)


def test_canned_query_form(live_server, offline):
    page = offline.page
    page.goto(live_server + "/queries/legal_advisers")
    page.locator("#p-kind").select_option("律师事务所")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"kind="))
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 1
    assert "龙脊律师事务所" in page.locator("table.data").inner_text()
    page.locator("details.sparql-text summary").click()
    assert page.locator("details.sparql-text pre").is_visible()
    offline.shot("12-canned-query")
