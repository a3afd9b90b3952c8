"""Small network helpers for tests (a module of its own: tests/e2e has its own conftest)."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(app) -> Iterator[str]:
    """A WSGI app on a free 127.0.0.1 port (werkzeug, threaded); yields its base URL."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()


@contextmanager
def counting_listener() -> Iterator[tuple[int, list[float]]]:
    """A TCP listener on 127.0.0.1 counting the connections it accepts.

    Yields (port, accepts): one entry (the time) per accepted connection,
    which is closed at once.  A query that made the service reach this port
    shows up here whatever it sent.
    """
    import time

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.05)
    accepts: list[float] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepts.append(time.monotonic())
            conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1], accepts
    finally:
        stop.set()
        thread.join(2)
        srv.close()


@contextmanager
def serve_process(store: str, env: dict[str, str] | None = None,
                  timeout: float = 120) -> Iterator[tuple[str, object]]:
    """``fazhi-kg serve`` (waitress) as a process on a free 127.0.0.1 port.

    Yields (base URL, the Popen); stopped at the end.  Its output goes to a
    temporary file (a pipe nobody reads would fill and stall it), whose path
    is ``proc.log_path``.
    """
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import urllib.request

    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="fazhi-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", store,
                             "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, **(env or {})}, stdout=log, stderr=log, text=True)
    proc.log_path = log.name
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited with {proc.returncode}: "
                                   f"{Path(log.name).read_text()}")
            try:
                with urllib.request.urlopen(base + "/queries.json", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        Path(log.name).unlink(missing_ok=True)
