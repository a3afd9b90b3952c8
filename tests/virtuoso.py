"""A throw-away Virtuoso Open Source server for the tests (tests/conftest.py).

A fresh database in a temporary folder, with its own ``virtuoso.ini``: the
SQL port and the HTTP port on 127.0.0.1 only, free ports picked now.  The
server starts in the foreground as a child process; the fixture waits for
its SPARQL endpoint, then grants the anonymous SPARQL user (``SPARQL``, the
one the ``/sparql`` endpoint runs as) the right to update, through
``isql-vt`` as ``dba`` (the fresh database's default password).  Startup
takes about 4 s (a fresh database is created and checkpointed first).
"""
from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from netutil import free_port

BINARY = "virtuoso-t"
ISQL = ("isql-vt", "isql")

#: Only what differs from Virtuoso's defaults, and what the tests rely on.
#: ResultSetMaxRows above every query's own LIMIT (the default 10,000 would
#: cut township_profile's LIMIT 10000 + 1 rows silently); MaxSortedTopRows
#: above the report page's ORDER BY … LIMIT 20000 (the default 10,000 fails it).
INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
CaseMode           = 2
DirsAllowed        = .
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
ThreadsPerQuery    = 2
MaxSortedTopRows   = 100000

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {d}
ServerThreads      = 4
Charset            = UTF-8

[SPARQL]
ResultSetMaxRows      = 100000
MaxQueryExecutionTime = 120
"""


def missing() -> str | None:
    """Why a Virtuoso cannot be started here (None: it can)."""
    if shutil.which(BINARY) is None:
        return ("Virtuoso is not installed (virtuoso-t not on PATH; Debian: apt-get install "
                "virtuoso-opensource)")
    if _isql() is None:
        return "Virtuoso's isql-vt is not installed (Debian: apt-get install virtuoso-opensource)"
    return None


def _isql() -> str | None:
    return next((p for p in map(shutil.which, ISQL) if p), None)


@dataclass
class Virtuoso:
    """A running server: ``sparql`` is the endpoint URL to give ``--store``."""

    folder: Path
    sql_port: int
    http_port: int
    proc: subprocess.Popen[bytes]
    started_s: float = 0.0

    @property
    def sparql(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def isql(self, *statements: str) -> str:
        """Run SQL statements as dba; raises RuntimeError with the output if one fails."""
        isql = _isql()
        assert isql is not None
        out = subprocess.run([isql, f"127.0.0.1:{self.sql_port}", "dba", "dba",
                              "exec=" + " ".join(statements)],
                             check=False, capture_output=True, text=True, timeout=60)
        if out.returncode != 0 or "Error" in out.stdout + out.stderr:
            raise RuntimeError(f"isql failed: {out.stdout} {out.stderr}")
        return out.stdout

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(folder: Path, timeout_s: float = 90.0) -> Virtuoso:
    """Start a fresh server with its database in ``folder``; ready for updates.

    Raises RuntimeError (with the server's log) if it does not come up.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(d=folder, sql_port=sql_port, http_port=http_port))
    t0 = time.monotonic()
    out = (folder / "stdout.log").open("wb")
    proc = subprocess.Popen([BINARY, "+configfile", str(ini), "+foreground"],
                            cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    server = Virtuoso(folder, sql_port, http_port, proc)
    try:
        _wait(server, t0 + timeout_s)
        # the anonymous endpoint user may update; new graphs readable and
        # writable by it (7 = read, write, list: the default is read only)
        server.isql('GRANT SPARQL_UPDATE TO "SPARQL";',
                    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")
    except BaseException:
        server.stop()
        raise
    server.started_s = time.monotonic() - t0
    return server


def _wait(server: Virtuoso, deadline: float) -> None:
    url = server.sparql + "?query=ASK%7B%7D"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if server.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("virtuoso-t did not start: " + server.log()) from None
            time.sleep(0.1)
