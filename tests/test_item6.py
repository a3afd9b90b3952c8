"""Issue 18, item 6: the smaller defects outside the web pages, each with a
test that failed before its fix (sentences written for these tests)."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import pipeline
from ingest.normalize import normalize_text
from kg.cli import cli

#: a report laid out as a PDF converts it: fixed-width lines, and one line
#: that starts with a comma because the page wrapped just before it
PDF_TEXT = ("青石县白沙镇2023年法治政府建设情况报告\n"
            "一、主要举措和成效\n"
            "白沙镇坚持依法行政，扎实推进法治政府建设，按照县委县政府的部署要求推进工作\n"
            "。白沙镇聘请山河律师事务所担任镇政府法律顾问\n"
            "，全年审查合同十二份，提出法律意见五条。\n"
            "白沙镇人民政府\n")


def test_line_starting_with_a_comma_goes_on_with_the_line_before() -> None:
    text, _ = normalize_text(PDF_TEXT, "pdf")
    assert "法律顾问，全年审查合同" in text
    assert "推进工作。白沙镇聘请" in text
    assert "\n，" not in text and "\n。" not in text


def test_evidence_sentence_of_a_pdf_is_whole() -> None:
    doc = pipeline.doc_from_text(PDF_TEXT, "wrapped.pdf")
    doc.fmt = "pdf"
    doc = pipeline.run_doc(doc, stages=[s for s in pipeline.STAGES if s.name != "read"])
    rep = doc.reports[0]
    adviser = [r for r in rep.relations if r.predicate == "legalAdvisor"]
    assert adviser, [r.predicate for r in rep.relations]
    sentence = rep.sentences[adviser[0].sentence].text
    assert "山河律师事务所" in sentence and "审查合同" in sentence


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from tests.e2e.conftest import build_store

    return build_store(tmp_path_factory.mktemp("item6"))


def test_query_longer_than_a_file_name_runs(built: Path) -> None:
    """A one-line SELECT over 255 bytes is query text, not a file name."""
    q = ("SELECT ?township ?label WHERE { ?township a fz:Township ; rdfs:label ?label . "
         "OPTIONAL { ?township fz:partOf ?county } FILTER(CONTAINS(STR(?label), \"镇\") "
         "|| CONTAINS(STR(?label), \"乡\") || CONTAINS(STR(?label), \"街道\") "
         "|| CONTAINS(STR(?label), \"村\")) } ORDER BY ?label LIMIT 5")
    assert len(q.encode()) > 255 and "\n" not in q
    res = CliRunner().invoke(cli, ["query", "--store", str(built), q], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert res.output.rstrip().endswith("rows)") and "江口镇" in res.output


def test_raw_utf8_in_a_url_is_understood(built: Path) -> None:
    """curl sends ?q=律师事务所 unencoded: the real server (waitress) answers it."""
    import json
    import socket
    from urllib.parse import urlsplit

    from tests.netutil import serve_process

    with serve_process(str(built)) as (base, _proc):
        u = urlsplit(base)
        with socket.create_connection((u.hostname, u.port), timeout=30) as sock:
            sock.sendall("GET /api/search?q=律师事务所 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Connection: close\r\n\r\n".encode("utf-8"))
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), raw[:300]
    data = json.loads(body)
    assert data["q"] == "律师事务所"
    assert any(h["label"] == "龙脊律师事务所" for h in data["results"])


def test_home_page_and_stats_count_the_same_things(built: Path) -> None:
    import json
    import re

    import server

    res = CliRunner().invoke(cli, ["stats", "--store", str(built), "--format", "json"],
                             catch_exceptions=False)
    stats = {k: v for k, v in json.loads(res.output)["entities"].items() if v}
    assert stats.get("法律顾问") and stats.get("律师事务所") and stats.get("指标")
    app = server.create_app({"store": str(built), "TESTING": True})
    try:
        client = app.test_client()
        counts = {c["type"]: c["count"] for c in client.get("/api/overview").get_json()["counts"]}
        html = client.get("/").get_data(as_text=True)
    finally:
        server.close_app(app)
    assert counts == stats
    shown = dict(re.findall(r'<span class="name">([^<]+)</span>\s*<span class="num">(\d+)</span>', html))
    assert {k: int(v) for k, v in shown.items()} == stats


@pytest.mark.parametrize("name, data, says", [
    ("truncated.docx", b"this Word file lost its first bytes" * 20, "damaged Word (.docx) file"),
    ("noise.pdf", bytes(range(1, 256)) * 4, "damaged PDF file"),
])
def test_a_damaged_docx_or_pdf_is_called_damaged(tmp_path: Path, name: str, data: bytes,
                                                 says: str) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    res = CliRunner().invoke(cli, ["ingest", "--store", str(tmp_path / "s"), str(f)])
    assert res.exit_code == 1
    line = [x for x in res.stderr.splitlines() if x.startswith("failed:")]
    assert len(line) == 1 and says in line[0] and "no Chinese text" not in line[0], res.stderr


def test_a_text_file_named_docx_is_still_read(tmp_path: Path) -> None:
    f = tmp_path / "renamed.docx"
    f.write_text("青石县白沙镇2023年法治政府建设情况报告\n白沙镇组织开展法治宣传活动3次。\n",
                 encoding="utf-8")
    res = CliRunner().invoke(cli, ["ingest", "--store", str(tmp_path / "s"), str(f)])
    assert res.exit_code == 0, res.stderr


def test_readme_command_table_lists_every_export_format() -> None:
    import re

    from kg.cli import export

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `fazhi-kg export "))
    listed = set(re.search(r"--format ([^\]]+)\]", row).group(1).replace("\\", "").split("|"))
    choice = next(p for p in export.params if p.name == "fmt").type.choices
    assert listed == set(choice)
