"""What a file may expand to (issue 15, items 5 and 9): zip bombs, huge
text, and the inputs the read stage got wrong (NUL bytes past the sniffed
sample, UTF-16 without a BOM, pypdf's stray log line)."""
from __future__ import annotations

import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import limits, read
from ingest.limits import Limits
from kg.errors import InputError
from kg.model import Doc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_bombs import TEXT_LINE as LINE  # noqa: E402
from bench_bombs import big_text, docx_bomb  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_limits():
    """Each test reads the settings anew (some set FAZHI_KG_* in the environment)."""
    limits.configure(None)
    yield
    limits.configure(None)


def read_file(path: Path) -> Doc:
    doc = Doc(path=path)
    read.run(doc)
    return doc


# ---- limits on what a file expands to ----------------------------------------

@pytest.mark.parametrize("xml_mb", [100, 400])
def test_docx_bomb_refused_before_parsing(tmp_path: Path, xml_mb: int) -> None:
    p = tmp_path / "bomb.docx"
    docx_bomb(p, xml_mb)
    assert p.stat().st_size < 2 * 2 ** 20          # small on disk, under the file limit
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"max_docx_inflated_mb.*zip bomb") as err:
        read_file(p)
    assert time.perf_counter() - t0 < 5           # refused unread (unpatched: minutes)
    assert "FAZHI_KG_MAX_DOCX_INFLATED_MB" in str(err.value)


def test_docx_that_declares_less_than_it_holds_refused(tmp_path: Path) -> None:
    # the declared sizes pass the limit; what comes out is counted, and a
    # part that inflates past its declared size is damaged
    p = tmp_path / "liar.docx"
    docx_bomb(p, 100)
    data = bytearray(p.read_bytes())
    name = b"word/document.xml"       # its size in the central directory → 1000
    pos = 0
    patched = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + n]) == name:
            size = struct.unpack_from("<I", data, pos + 24)[0]
            if size != 0xFFFFFFFF:
                struct.pack_into("<I", data, pos + 24, 1000)
                patched += 1
        pos += 4
    assert patched == 1
    p.write_bytes(bytes(data))
    with pytest.raises(InputError, match="damaged zip"):
        read_file(p)


def test_docx_with_too_many_elements_refused(tmp_path: Path) -> None:
    # 32 MiB of empty paragraphs: 5.6 million elements, no text, under the
    # size limit; python-docx took 84 s and 790 MB on it
    p = tmp_path / "empty.docx"
    docx_bomb(p, 32, "<w:p/>")
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"elements.*max_text_chars"):
        read_file(p)
    assert time.perf_counter() - t0 < 5


def test_docx_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "small.docx"
    docx_bomb(p, 2)
    monkeypatch.setenv("FAZHI_KG_MAX_DOCX_INFLATED_MB", "1")
    with pytest.raises(InputError, match="over the limit of 1 MiB"):
        read_file(p)


def test_large_text_refused_quickly(tmp_path: Path) -> None:
    # just under the 20 MB file limit: 6.8 million characters (unpatched: 77 s, 4.4 GB)
    p = tmp_path / "big.txt"
    big_text(p, 19)
    assert p.stat().st_size < read.MAX_BYTES
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"6,\d{3},\d{3} characters.*max_text_chars.*--max-chars"):
        read_file(p)
    assert time.perf_counter() - t0 < 5


def test_text_limit_follows_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "r.txt"
    p.write_text(LINE * 100, encoding="utf-8")
    assert read_file(p).original.startswith("白沙镇")
    limits.configure(Limits(max_text_chars=1000))
    with pytest.raises(InputError, match="over the limit of 1,000"):
        read_file(p)
    limits.configure(None)
    monkeypatch.setenv("FAZHI_KG_MAX_TEXT_CHARS", "0")     # 0: no limit
    assert len(read_file(p).original) == len(LINE) * 100


def test_limits_from_settings_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAZHI_KG_INGEST_MEMORY_MB", "512")
    got = Limits.from_settings(max_text_chars=10, max_docx_inflated_mb=None)
    assert got == Limits(max_text_chars=10, max_docx_inflated_mb=64, ingest_memory_mb=512)


# ---- item 9: inputs the read stage got wrong -------------------------------

def test_nul_bytes_after_the_sniffed_sample_refused(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    body = (LINE * 200).encode("utf-8")
    assert len(body) > 8192
    p.write_bytes(body + b"\x00" * 64 + LINE.encode("utf-8"))
    with pytest.raises(InputError, match=f"NUL byte\\) at byte {len(body):,}"):
        read_file(p)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(tmp_path: Path, codec: str) -> None:
    p = tmp_path / "r.txt"
    text = "白沙镇2023年法治政府建设情况报告\n一、主要举措\n" + LINE * 30
    p.write_bytes(text.encode(codec))
    doc = read_file(p)
    assert doc.encoding == codec
    assert doc.original == text


def test_binary_with_nul_bytes_still_binary(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError, match="binary file"):
        read_file(p)


def test_damaged_pdf_prints_nothing_of_pypdf(tmp_path: Path) -> None:
    # pypdf logs "EOF marker not found"; it belongs in the failed: line, not
    # loose on stderr among them
    p = tmp_path / "cut.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n")
    code = ("import sys; from ingest import read\n"
            "try:\n    read.read_path(sys.argv[1])\n"
            "except Exception as e:\n    print('ERR', e)\n")
    run = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True,
                         timeout=60)
    assert run.stderr == ""
    assert run.stdout.startswith("ERR ") and "damaged PDF" in run.stdout
    assert "EOF marker not found" in run.stdout


# ---- through the command -------------------------------------------------------

def test_a_batch_with_bombs_fails_each_alone(seed_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import cli

    src = tmp_path / "in"
    src.mkdir()
    good = sorted(seed_dir.glob("*.txt"))[:2]
    for f in good:
        (src / f.name).write_bytes(f.read_bytes())
    docx_bomb(src / "bomb.docx", 400)
    big_text(src / "big.txt", 19)
    (src / "nul.txt").write_bytes((LINE * 300).encode() + b"\x00\x00" + LINE.encode())
    (src / "short.txt").write_text(LINE * 200, encoding="utf-8")      # 6,600 characters
    t0 = time.perf_counter()
    res = CliRunner().invoke(cli, ["ingest", "--store", str(tmp_path / "s"), "--max-chars",
                                   "5000", str(src)], catch_exceptions=False)
    assert time.perf_counter() - t0 < 60
    assert res.exit_code == 1
    failed = sorted(x for x in res.output.splitlines() if x.startswith("failed:"))
    assert len(failed) == 4, res.output
    by_file = {Path(x.split(": ", 2)[1]).name: x for x in failed}
    assert "max_docx_inflated_mb" in by_file["bomb.docx"]
    assert "over the limit of 5,000" in by_file["big.txt"] and "--max-chars" in by_file["big.txt"]
    assert "NUL byte" in by_file["nul.txt"]
    assert "over the limit of 5,000" in by_file["short.txt"]
    assert f"from {len(good)} files, 4 files failed" in res.output
