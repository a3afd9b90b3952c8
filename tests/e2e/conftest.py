"""A live fazhi-kg server on 127.0.0.1 and a headless Chromium cut off from
every other host, for the browser tests (``pytest -m browser``).

The store is built in a temporary folder from the bundled seed reports plus
one small report written here whose text contains a ``<script>`` element.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "tests" / "screenshots"

#: A report in the reports' style (not taken from any of them) that names a
#: township and carries markup in its text.
SCRIPT_REPORT = """青石县白沙镇2023年法治政府建设情况报告

2023年，白沙镇坚持依法行政，扎实推进法治政府建设，现将有关情况报告如下。

一、主要举措和成效
（一）加强法治宣传。白沙镇组织开展法治宣传活动6次，宣传标语写作<script>window.__pwned = 1</script>并张贴在各村。
（二）完善法律顾问制度。白沙镇聘请山河律师事务所担任镇政府法律顾问，审查合同12份。

二、存在的不足和原因
部分干部法治意识仍需加强。

三、下一年度工作安排
继续落实重大行政决策程序制度。

白沙镇人民政府
2023年12月1日
"""
SCRIPT_STEM = "900_script_test"


def build_store(folder: Path) -> Path:
    """A store in ``folder`` of the bundled reports plus the <script> report."""
    reports = sorted((REPO / "data" / "reports").glob("*.txt"))
    if not reports:
        pytest.skip("no bundled reports in data/reports")
    extra = folder / f"{SCRIPT_STEM}.txt"
    extra.write_text(SCRIPT_REPORT, encoding="utf-8")
    store = folder / "store"
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store", str(store),
                           *map(str, reports), str(extra)], capture_output=True, text=True,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return store


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def live_server(e2e_store: Path) -> Iterator[str]:
    """The app on a free 127.0.0.1 port (werkzeug's threaded server in a thread)."""
    import server
    from netutil import serve_app

    app = server.create_app({"store": str(e2e_store), "max_neighbours": 12})
    try:
        with serve_app(app) as url:
            yield url
    finally:
        server.close_app(app)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


class Offline:
    """A browser context where only 127.0.0.1 answers; other hosts are recorded."""

    def __init__(self, browser, width: int = 1280, height: int = 800) -> None:
        self.elsewhere: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           locale="zh-CN")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)   # generous: CI machines can be busy
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # the pages run under a strict CSP: anything it blocks is a console error
        self.page.on("console", self._console)

    def _console(self, msg) -> None:
        if msg.type == "error" and "Content Security Policy" in msg.text:
            self.errors.append(msg.text)

    def _route(self, route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()

    def shot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser) -> Iterator[Offline]:
    o = Offline(browser)
    yield o
    o.close()
    assert o.elsewhere == [], f"requests to other hosts were attempted: {o.elsewhere}"
    assert o.errors == [], f"JavaScript errors: {o.errors}"


@pytest.fixture
def narrow(browser) -> Iterator[Offline]:
    o = Offline(browser, width=390, height=800)
    yield o
    o.close()
    assert o.elsewhere == [], f"requests to other hosts were attempted: {o.elsewhere}"
    assert o.errors == [], f"JavaScript errors: {o.errors}"
