"""Upload in the browser (issue 18, item 2): /upload is off by default (every
write route 403), needs the upload password, keeps each original under the
store folder, answers each file's township, year and counts or its one-line
error, and makes the server the store's one writer; what it stores is
searchable on the running server within seconds."""
from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from ingest.runner import Ingest
from kg.store import LocalStore
from server import close_app, create_app

TOKEN = "上传-password-1"
#: as the page sends it: percent-encoded (an HTTP header carries no Chinese)
AUTH = {"Authorization": f"Bearer {quote(TOKEN)}", "Accept": "application/json"}

#: a report of our own (no township of the bundled reports is named in it)
REPORT = """青石镇2024年法治政府建设工作情况报告

县人民政府：

2024年，青石镇认真贯彻落实上级部署，扎实推进法治政府建设。现将有关情况报告如下。

一、主要工作
（一）完善制度。全面落实重大行政决策程序制度，修订完善合法性审查制度。
（二）加强普法。开展“宪法宣传周”活动，组织干部学习《中华人民共和国行政处罚法》。
（三）聘请法律顾问。镇政府聘请青山律师事务所为常年法律顾问。

青石镇人民政府
2025年1月10日
"""


def docx_bytes(text: str) -> bytes:
    import docx

    doc = docx.Document()
    for para in text.split("\n"):
        doc.add_paragraph(para)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture
def store_path(tmp_path: Path, seed_dir: Path) -> Path:
    path = tmp_path / "s"
    with LocalStore(path) as store:
        store.ensure_ontology()
        Ingest(store, say=lambda _: None).run([sorted(seed_dir.glob("*.txt"))[0]])
    return path


@pytest.fixture
def app(store_path: Path) -> Iterator:
    app = create_app({"store": str(store_path), "allow_upload": True, "upload_token": TOKEN,
                      "upload_max_file_bytes": 200_000, "upload_max_files": 3,
                      "query_workers": 1, "page_workers": 1})
    try:
        yield app
    finally:
        close_app(app)


def post(client, files: list[tuple[bytes, str]], headers: dict | None = None):
    data = {"files": [(io.BytesIO(body), name) for body, name in files]}
    return client.post("/upload", data=data, headers=AUTH if headers is None else headers,
                       content_type="multipart/form-data")


def found(client, q: str) -> list[str]:
    return [r["label"] for r in client.get("/api/search", query_string={"q": q})
            .get_json()["results"]]


def test_every_write_route_is_403_without_the_setting(store_path: Path) -> None:
    for config in ({}, {"allow_upload": True}):      # off; on without a password
        app = create_app({"store": str(store_path), "query_workers": 1, "page_workers": 1,
                          **config})
        try:
            client = app.test_client()
            res = post(client, [(REPORT.encode(), "a.txt")])
            assert res.status_code == 403
            assert res.get_json()["setting"] in ("allow_upload", "upload_token")
            page = client.get("/upload")
            assert page.status_code == 403 and "allow_upload" in page.get_data(as_text=True)
            assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
            assert not (store_path / "uploads").exists()
        finally:
            close_app(app)


def test_upload_needs_the_password(app) -> None:
    client = app.test_client()
    for headers in ({"Accept": "application/json"},
                    {"Authorization": "Bearer wrong", "Accept": "application/json"}):
        res = post(client, [(REPORT.encode(), "a.txt")], headers)
        assert res.status_code == 401 and res.get_json()["setting"] == "upload_token"
    page = client.get("/upload")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "upload.js" in html and "<progress" in html
    assert "<script>" not in html and " style=" not in html      # the CSP holds


def test_an_uploaded_docx_is_kept_and_searchable_within_seconds(app, store_path: Path) -> None:
    client = app.test_client()
    assert "青石镇" not in found(client, "青石")
    t0 = time.monotonic()
    sent = docx_bytes(REPORT)
    res = post(client, [(sent, "青石镇2024年报告.docx")])
    assert res.status_code == 200, res.get_data(as_text=True)
    (result,) = res.get_json()["files"]
    assert result["ok"] and result["kept"] == "uploads/青石镇2024年报告.docx"
    (report,) = result["reports"]
    assert report["township"] == "青石镇" and report["year"] == "2024"
    assert report["township_url"].startswith("/entity/")
    assert report["counts"]["制度"] >= 2 and report["counts"]["机构"] >= 1
    assert (store_path / "uploads" / "青石镇2024年报告.docx").read_bytes() == sent
    while "青石镇" not in found(client, "青石"):
        assert time.monotonic() - t0 < 5, "the uploaded report was not searchable within 5 s"
        time.sleep(0.2)


def test_each_file_gets_its_result_or_one_line_error(app, store_path: Path) -> None:
    client = app.test_client()
    res = post(client, [(REPORT.encode("gbk"), "青石镇.txt"), (b"PK\x03\x04broken", "坏.docx"),
                        (b"x", "notes.exe")])
    assert res.status_code == 200
    ok, broken, wrong = res.get_json()["files"]
    assert ok["ok"] and ok["reports"][0]["township"] == "青石镇"
    for bad in (broken, wrong):
        assert not bad["ok"] and "\n" not in bad["error"] and bad["name"] in bad["error"]
    assert str(store_path) not in broken["error"]        # no server path shown
    kept = sorted(p.name for p in (store_path / "uploads").iterdir() if p.is_file())
    assert kept == ["青石镇.txt"]


def test_upload_limits(app) -> None:
    client = app.test_client()
    res = post(client, [(REPORT.encode(), f"{i}.txt") for i in range(4)])
    assert res.status_code == 400 and res.get_json()["setting"] == "upload_max_files"
    res = post(client, [(b"a" * 200_001, "big.txt")])
    (big,) = res.get_json()["files"]
    assert not big["ok"] and "upload_max_file_bytes=200000" in big["error"]
    # a request larger than all the files it may hold is refused before it is read
    res = post(client, [(b"a" * 200_000, f"{i}.txt") for i in range(3)] +
               [(b"a" * 100_000, "more.txt")])
    assert res.status_code == 413 and res.get_json()["setting"] == "upload_max_file_bytes"


def test_the_server_is_the_one_writer(app, store_path: Path, tmp_path: Path,
                                      cli_cmd: list[str]) -> None:
    src = tmp_path / "青石镇.txt"
    src.write_text(REPORT, encoding="utf-8")
    cli = subprocess.run(cli_cmd + ["ingest", "--store", str(store_path), str(src)],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode != 0 and "another fazhi-kg process holds" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_an_upload_while_a_cli_ingest_holds_the_store_is_refused(store_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from kg.store import LocalStore; "
         f"s = LocalStore({str(store_path)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        app = create_app({"store": str(store_path), "allow_upload": True,
                          "upload_token": TOKEN, "query_workers": 1, "page_workers": 1})
        try:
            res = post(app.test_client(), [(REPORT.encode(), "青石镇.txt")])
            assert res.status_code == 409
            assert "another fazhi-kg process holds" in res.get_json()["error"]
        finally:
            close_app(app)
    finally:
        holder.stdin.close()
        holder.wait(30)


def test_kept_uploads_rebuild_the_store(app, store_path: Path, tmp_path: Path,
                                        cli_cmd: list[str]) -> None:
    post(app.test_client(), [(docx_bytes(REPORT), "青石镇2024.docx")])
    close_app(app)
    fresh = tmp_path / "fresh"
    run = subprocess.run(cli_cmd + ["ingest", "--store", str(fresh), str(store_path / "uploads")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("1 reports from 1 files")


def test_sparql_updates_are_refused_clearly_while_uploads_hold_the_store(store_path: Path) -> None:
    app = create_app({"store": str(store_path), "allow_upload": True, "upload_token": TOKEN,
                      "allow_update": True, "update_token": "u", "query_workers": 1,
                      "page_workers": 1})
    try:
        res = app.test_client().post("/sparql", data={"update": "CLEAR ALL"},
                                     headers={"Authorization": "Bearer u",
                                              "Accept": "application/json"})
        assert res.status_code == 409 and res.get_json()["setting"] == "allow_upload"
    finally:
        close_app(app)


def test_delete_takes_an_upload_out_of_the_store_its_indexes_and_the_kept_files(
        app, store_path: Path) -> None:
    client = app.test_client()
    assert post(client, [(REPORT.encode(), "青石镇2024年报告.txt")]).status_code == 200
    t0 = time.monotonic()
    while "青石镇" not in found(client, "青石"):
        assert time.monotonic() - t0 < 5
        time.sleep(0.2)
    url = "/upload/delete"
    assert client.post(url, json={"reports": ["青石镇2024年报告.txt"]},
                       headers={"Accept": "application/json"}).status_code == 401
    res = client.post(url, json={"reports": ["没有这个.txt"]}, headers=AUTH)
    assert res.status_code == 404 and "nothing was deleted" in res.get_json()["error"]
    dry = client.post(url, json={"township": "青石镇", "dry_run": True}, headers=AUTH).get_json()
    assert [r["file"] for r in dry["reports"]] == ["青石镇2024年报告.txt"] and dry["deleted"] is None
    assert (store_path / "uploads" / "青石镇2024年报告.txt").exists()
    done = client.post(url, json={"reports": ["青石镇2024年报告.txt"]}, headers=AUTH).get_json()
    assert done["deleted"]["graphs"] == 1 and done["deleted"]["uploads"] == 1
    assert not (store_path / "uploads" / "青石镇2024年报告.txt").exists()
    while "青石镇" in found(client, "青石"):
        assert time.monotonic() - t0 < 10, "the deleted report was still found"
        time.sleep(0.2)
