"""Shared fixtures: paths, stores, small graphs, the CLI as a process, an Oxigraph server.

Tests never need ``../shared``: they use the repository's own
``data/reports`` and build their own small graphs and sentences.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kg.namespace import FZ, graph_iri, mint
from kg.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    """The bundled seed reports (part of the repository)."""
    path = REPO / "data" / "reports"
    if not any(path.glob("*.txt")):
        pytest.skip(f"no bundled reports in {path}")
    return path


@pytest.fixture(scope="session")
def seeds_store(tmp_path_factory: pytest.TempPathFactory, seed_dir: Path) -> Path:
    """An embedded store of the bundled seed reports, ingested once a session:
    for tests that only read it (a test that writes makes its own)."""
    from click.testing import CliRunner  # the CLI's imports only where a test needs them

    from kg.cli import cli

    path = tmp_path_factory.mktemp("seeds") / "store"
    res = CliRunner().invoke(cli, ["ingest", "--store", str(path), str(seed_dir)])
    assert res.exit_code == 0, res.output
    return path


@pytest.fixture
def mem_store() -> Iterator[Store]:
    store = open_store("memory:")
    yield store
    store.close()


def small_graph(stem: str, index: int, *, entities: int = 3, township: str = "江口镇") -> str:
    """N-Triples of a tiny but well-formed report graph (one report, some systems)."""
    rep = mint("report", stem, str(index))
    town = mint("township", "某县", township)
    lines = [
        f'<{rep}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{FZ.Report}> .',
        f'<{rep}> <{FZ.sourceFile}> "{stem}.txt" .',
        f'<{rep}> <{FZ.township}> <{town}> .',
        f'<{town}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{FZ.Township}> .',
        f'<{town}> <http://www.w3.org/2000/01/rdf-schema#label> "{township}"@zh .',
    ]
    for i in range(entities):
        sys_iri = mint("system", f"制度{i}")
        lines += [
            f'<{sys_iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{FZ.System}> .',
            f'<{sys_iri}> <http://www.w3.org/2000/01/rdf-schema#label> "第{i}项制度"@zh .',
            f'<{rep}> <{FZ.mentions}> <{sys_iri}> .',
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_graphs() -> Callable[..., dict[str, str]]:
    """``make_graphs(stem, n)``: graphs for ``n`` reports of one source file."""
    def make(stem: str, n: int = 1, **kw) -> dict[str, str]:
        return {graph_iri(stem, i): small_graph(stem, i, **kw) for i in range(n)}
    return make


@pytest.fixture(scope="session")
def cli_cmd() -> list[str]:
    """The ``fazhi-kg`` command, run with this interpreter (venv or not)."""
    return [sys.executable, "-m", "kg.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    """A fresh ``oxigraph serve`` on 127.0.0.1; yields its base URL."""
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "oxigraph.log").open("wb")
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "oxstore"),
                             "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail("oxigraph serve did not start: "
                                + (tmp_path / "oxigraph.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield url
    finally:
        proc.kill()
        proc.wait()
        log.close()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh Virtuoso Open Source server on 127.0.0.1 (tests/virtuoso.py),
    one for the session; skipped with the reason when it is not installed."""
    import virtuoso as vt

    reason = vt.missing()
    if reason is not None:
        pytest.skip(reason)
    try:
        server = vt.start(tmp_path_factory.mktemp("virtuoso"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


# ---- hypothesis profiles (tests/test_fuzz.py) ------------------------------
# "ci" (the default): the fuzz tests share out 250 examples between them.
# "fuzz": the long run, FAZHI_KG_FUZZ examples in total (10000 if set empty),
#   e.g. ``FAZHI_KG_FUZZ=10000 python -m pytest tests/test_fuzz.py -q``;
#   ``--hypothesis-profile fuzz`` picks it too.
import os as _os

from hypothesis import HealthCheck as _HC
from hypothesis import settings as _hsettings

_FUZZ_HEALTH = [_HC.too_slow, _HC.function_scoped_fixture, _HC.data_too_large, _HC.large_base_example]
_hsettings.register_profile("ci", max_examples=250, deadline=None, suppress_health_check=_FUZZ_HEALTH)
_hsettings.register_profile("fuzz", max_examples=int(_os.environ.get("FAZHI_KG_FUZZ") or 10000),
                            deadline=None, suppress_health_check=_FUZZ_HEALTH, print_blob=True)
_hsettings.load_profile("fuzz" if "FAZHI_KG_FUZZ" in _os.environ else "ci")
