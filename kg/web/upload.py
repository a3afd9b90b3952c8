"""Adding reports from the browser: ``/upload`` (off unless ``allow_upload``).

* ``GET /upload``: a page to drop report files on (``static/upload.js``
  sends them one at a time, with a progress bar, and lists each file's
  result: its township and year and the counts of what was found, or its
  one-line error).
* ``POST /upload`` (multipart, field ``files``; ``Authorization: Bearer
  <upload_token>``): reads the files into the store as ``fazhi-kg ingest``
  does (the same :class:`ingest.runner.Ingest`, the pipeline in a worker
  process with the ingest limits) and answers JSON, one entry per file.
* ``POST /upload/delete`` (JSON; the same password): deletes reports as
  ``fazhi-kg delete`` does (:mod:`kg.delete`).

With ``allow_upload`` on, the server is the store's one writer
(:class:`Writer` holds it from start-up), so a CLI ingest into the same
store is refused with "another fazhi-kg process holds …", and an upload
while a CLI ingest holds the store is refused (409) the same way.  Every
file stored is kept, as sent, in ``STORE/uploads/`` (:data:`UPLOADS`): a
re-ingest (``fazhi-kg ingest --store STORE STORE/uploads``) rebuilds from it.
Without the setting every write route here answers 403.
"""
from __future__ import annotations

import atexit
import hmac
import logging
import re
import shutil
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from ingest.runner import REPORT_SUFFIXES, Ingest
from kg.delete import choose, delete_reports
from kg.delete import reports as stored_reports
from kg.errors import QueryError, StoreError
from kg.store import UPLOADS, LocalStore, graph_prefix
from kg.style import CLASS_TYPES
from kg.web import error_response, require_write, service
from kg.web.pages import iri_link

log = logging.getLogger("fazhi_kg.upload")

bp = Blueprint("upload", __name__)

#: Files being read, before they join UPLOADS (a failed one never does).
_INCOMING = ".incoming"
#: Characters a kept file name may not hold (paths, controls, Windows' reserved).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_STEM = 120


class Writer:
    """The store held for writing by the server, and the lock uploads share."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.store: LocalStore | None = None
        self.error = ""

    def take(self) -> LocalStore:
        """The store, opened for writing now if it is not yet (QueryError 409 if
        another process holds it)."""
        if self.store is None:
            try:
                self.store = LocalStore(self.folder, create=False)
            except StoreError as exc:
                self.error = str(exc)
                raise QueryError(f"cannot add reports now: {exc} (a `fazhi-kg ingest` "
                                 "running? try again when it has finished)", status=409) from None
            self.error = ""
        return self.store

    def close(self) -> None:
        with self.lock:
            if self.store is not None:
                try:
                    self.store.close()
                finally:
                    self.store = None


def init_app(app: Flask) -> None:
    """With allow_upload on: take the store for writing now, so a CLI ingest
    started later is refused rather than the uploads."""
    svc = app.extensions.get("fazhi_kg")
    app.jinja_env.globals["upload_on"] = bool(svc is not None and svc.settings["allow_upload"]
                                              and svc.settings["upload_token"])
    if svc is None or not svc.settings["allow_upload"]:
        return
    writer = Writer(Path(svc.engine.path))
    app.extensions["fazhi_kg_upload"] = writer
    svc.closers.append(writer.close)
    atexit.register(writer.close)       # flushed and unlocked when the server stops
    try:
        writer.take()
    except QueryError as exc:
        log.warning("uploads wait for the store: %s", exc)


def _writer() -> Writer | None:
    return current_app.extensions.get("fazhi_kg_upload")


def _limits() -> dict[str, int]:
    s = service().settings
    return {"max_file_bytes": s["upload_max_file_bytes"], "max_files": s["upload_max_files"]}


@bp.get("/upload")
def page() -> Any:
    s = service().settings
    on = bool(s["allow_upload"] and s["upload_token"])
    html = render_template("upload.html", title="上传报告", on=on, limits=_limits(),
                           suffixes=",".join(REPORT_SUFFIXES), allow_upload=s["allow_upload"])
    return html, (200 if on else 403)


def _check_allowed() -> None:
    """403 when uploads are off or have no password."""
    require_write("allow_upload", "upload_token", "uploads", "a password")


def _authorised() -> bool:
    """The password as sent, or percent-encoded (an HTTP header carries no
    Chinese: the page sends ``encodeURIComponent(password)``)."""
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer "):
        return False
    sent = given.removeprefix("Bearer ").encode("latin-1", "replace")
    token = service().settings["upload_token"].encode()
    decoded = unquote_to_bytes(sent)
    return hmac.compare_digest(sent, token) | hmac.compare_digest(decoded, token)


@bp.before_request
def _room_for_files() -> None:
    """The upload route takes files up to its own limits, not max_request_bytes."""
    if request.endpoint == "upload.receive" and service().settings["allow_upload"]:
        lim = _limits()
        # 0 means no limit, as for the other settings
        request.max_content_length = (lim["max_file_bytes"] * lim["max_files"] + 65_536
                                      if lim["max_file_bytes"] and lim["max_files"] else None)
        request.max_form_memory_size = 65_536


@bp.post("/upload")
def receive() -> Response:
    _check_allowed()
    if not _authorised():
        return error_response("adding reports needs the upload password (the setting "
                              "upload_token), sent as 'Authorization: Bearer PASSWORD'", 401,
                              "upload_token", {"WWW-Authenticate": 'Bearer realm="fazhi-kg"'})
    files = [f for f in request.files.getlist("files") if f.filename]
    lim = _limits()
    if not files:
        raise QueryError("no file in the upload: send report files in the form field 'files'",
                         status=400)
    if lim["max_files"] and len(files) > lim["max_files"]:
        raise QueryError(f"{len(files)} files in one upload; at most upload_max_files="
                         f"{lim['max_files']}", status=400, setting="upload_max_files")
    writer = _writer()
    assert writer is not None           # allow_upload on: init_app made it
    with writer.lock:
        store = writer.take()
        results = [_one(store, f, lim["max_file_bytes"]) for f in files]
        store.ox.flush()                # on disk before the readers are told
    resp = jsonify({"files": results})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/upload/delete")
def remove() -> Response:
    """Delete reports, as ``fazhi-kg delete`` does (:mod:`kg.delete`): a JSON
    body ``{"reports": [FILE or REPORT_IRI, …], "township": …, "year": …,
    "dry_run": false}``, behind the upload switch and password.  A name that
    matches no report: 404 and nothing deleted."""
    _check_allowed()
    if not _authorised():
        return error_response("deleting reports needs the upload password (the setting "
                              "upload_token), sent as 'Authorization: Bearer PASSWORD'", 401,
                              "upload_token", {"WWW-Authenticate": 'Bearer realm="fazhi-kg"'})
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise QueryError("send a JSON object: {\"reports\": [FILE or REPORT_IRI, …]} and/or "
                         "\"township\", \"year\"", status=400)
    names = body.get("reports") or []
    township, year = body.get("township"), body.get("year")
    if (not isinstance(names, list) or not all(isinstance(n, str) for n in names)
            or not all(v is None or isinstance(v, str) for v in (township, year))):
        raise QueryError("'reports' is a list of strings; 'township' and 'year' are strings",
                         status=400)
    if not names and township is None and year is None:
        raise QueryError("name the reports to delete ('reports'), or give 'township' and/or "
                         "'year'", status=400)
    writer = _writer()
    assert writer is not None           # allow_upload on: init_app made it
    with writer.lock:
        store = writer.take()
        chosen, unknown = choose(stored_reports(store), tuple(names), township, year)
        if unknown:
            raise QueryError(f"no report matches {', '.join(unknown)}; nothing was deleted",
                             status=404)
        listed = [{"file": r.file, "township": r.township_label, "year": r.year,
                   "report": r.iri} for r in chosen]
        done = None
        if not body.get("dry_run"):
            done = delete_reports(store, chosen)
            store.ox.flush()            # on disk before the readers are told
    resp = jsonify({"reports": listed, "deleted": done})
    resp.headers["Cache-Control"] = "no-store"
    return resp


def safe_name(filename: str) -> str:
    """The name a file is kept under: its base name without path or control
    characters (Chinese kept: the stem names the report's graph).  ValueError
    if nothing usable is left or the kind is not a report's."""
    base = re.split(r"[/\\]", filename)[-1]
    base = _UNSAFE.sub("", base).strip().lstrip(".")
    path = Path(base)
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(f"'{filename}' is not a report file: use {', '.join(REPORT_SUFFIXES)}")
    stem = path.stem.strip()[:_MAX_STEM]
    if not stem:
        raise ValueError(f"'{filename}' has no usable name")
    return stem + suffix


def _one(store: LocalStore, upload: Any, max_bytes: int) -> dict[str, Any]:
    """Read one uploaded file into the store; its result for the page."""
    shown_name = upload.filename
    try:
        name = safe_name(upload.filename)
    except ValueError as exc:
        return {"name": shown_name, "ok": False, "error": str(exc)}
    folder = Path(store.location) / UPLOADS
    incoming = folder / _INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / name
    try:
        if not _save(upload.stream, path, max_bytes):
            return {"name": shown_name, "ok": False,
                    "error": f"'{shown_name}' is larger than upload_max_file_bytes={max_bytes}"}
        lines: list[str] = []
        totals = Ingest(store, workers=2, say=lines.append).run([path])
        if totals.failed or not totals.done:
            failed = next((ln for ln in lines if ln.startswith("failed: ")), "failed: unknown")
            error = failed.removeprefix("failed: ").replace(str(path), shown_name)
            return {"name": shown_name, "ok": False, "error": error}
        # kept: one original per report stem (another kind of the same name goes)
        for old in folder.glob(f"{glob_escape(path.stem)}.*"):
            if old.is_file() and old.suffix.lower() in REPORT_SUFFIXES:
                old.unlink()
        shutil.move(str(path), folder / name)
        warnings = [ln.removeprefix("warning: ").replace(str(path), shown_name)
                    for ln in lines if ln.startswith("warning: ")]
        return {"name": shown_name, "ok": True, "kept": f"{UPLOADS}/{name}",
                "reports": _reports(store, path.stem), "triples": totals.triples,
                "warnings": warnings}
    finally:
        path.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _save(stream: Any, path: Path, max_bytes: int) -> bool:
    """Copy the upload to ``path``; False (and nothing kept) past ``max_bytes``."""
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(1 << 16):
            size += len(chunk)
            if max_bytes and size > max_bytes:
                break
            out.write(chunk)
    if max_bytes and size > max_bytes:
        path.unlink(missing_ok=True)
        return False
    return True


def _reports(store: LocalStore, stem: str) -> list[dict[str, Any]]:
    """Each report of a stored file: township, year, entity counts by type."""
    out = []
    for g in store._graphs_of(graph_prefix(stem)):
        head = store.query(
            f"SELECT ?unit ?name ?year WHERE {{ GRAPH <{g}> {{ ?r a fz:Report . "
            "OPTIONAL { ?r fz:reportingUnit|fz:township ?unit OPTIONAL { ?unit rdfs:label ?name } } "
            "OPTIONAL { ?r fz:year ?year } } } LIMIT 1", union=False).records()
        counts: dict[str, int] = {}
        for row in store.query(
                f"SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{ GRAPH <{g}> {{ "
                "?r a fz:Report ; fz:mentions ?e . ?e a ?c } } GROUP BY ?c", union=False).rows:
            kind = CLASS_TYPES.get(row[0].value)
            if kind:
                counts[kind] = counts.get(kind, 0) + int(row[1].value)
        first = head[0] if head else {}
        unit = first.get("unit")
        link = iri_link(unit.value) if unit is not None else None
        out.append({"township": first["name"].value if "name" in first else None,
                    "township_url": link[0] if link else None,
                    "year": first["year"].value if "year" in first else None,
                    "counts": counts})
    return out
