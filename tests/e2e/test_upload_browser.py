"""The upload page in a real headless Chromium (issue 18, item 2): a .docx
chosen on the page is read in with a progress bar, its result (township,
year, counts) is listed, and the running server finds it by search within
5 s, with no restart.  A wrong password is one line on the page."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, Offline
from tests.test_upload import REPORT, docx_bytes

pytestmark = pytest.mark.browser
TOKEN = "页面-password"


@pytest.fixture
def upload_server(tmp_path: Path) -> Iterator[str]:
    import server
    from netutil import serve_app

    seed = sorted((REPO / "data" / "reports").glob("*.txt"))[:1]
    if not seed:
        pytest.skip("no bundled reports in data/reports")
    store = tmp_path / "store"
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store", str(store),
                           str(seed[0])], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    app = server.create_app({"store": str(store), "allow_upload": True, "upload_token": TOKEN,
                             "query_workers": 1, "page_workers": 1})
    try:
        with serve_app(app) as url:
            yield url
    finally:
        server.close_app(app)


def test_upload_a_docx_and_find_it(upload_server: str, browser, tmp_path: Path) -> None:
    o = Offline(browser)
    try:
        page = o.page
        report = tmp_path / "青石镇2024年法治政府建设报告.docx"
        report.write_bytes(docx_bytes(REPORT))
        page.goto(upload_server + "/")
        page.get_by_role("link", name="上传报告").click()
        page.wait_for_url(re.compile(r"/upload$"))

        # a wrong password: one line, nothing stored
        page.locator("#upload-token").fill("wrong")
        page.locator("#upload-files").set_input_files(str(report))
        page.get_by_role("button", name="上传并入库").click()
        failed = page.locator("[data-results] li.failed").first
        failed.wait_for()
        assert "upload_token" in failed.inner_text()

        page.locator("#upload-token").fill(TOKEN)
        page.get_by_role("button", name="上传并入库").click()
        assert page.locator("progress").is_visible()
        done = page.locator("[data-results] li.ok").first
        done.wait_for(timeout=60_000)
        t0 = time.monotonic()
        text = done.inner_text()
        assert "青石镇" in text and "2024 年" in text and "制度" in text
        assert page.locator("progress").get_attribute("value") == "100"
        o.shot("upload-01-done")

        # the running server finds it, without a restart
        box = page.get_by_role("combobox")
        box.click()
        box.press_sequentially("青石", delay=40)
        page.get_by_role("option").filter(has_text="青石镇").first.wait_for(timeout=5_000)
        assert time.monotonic() - t0 < 5
        o.shot("upload-02-searchable")
    finally:
        o.close()
    assert o.elsewhere == [] and o.errors == []
