"""The web service's plumbing: the shared state, blueprints, errors, CORS, headers.

:func:`install` is called by :func:`server.create_app`.  It registers this
project's blueprints — ``/sparql`` (:mod:`kg.web.sparql_endpoint`),
``/queries`` (:mod:`kg.web.canned`) — and then every module named in
:data:`EXTENSIONS` that exists: each must define ``bp`` (a Flask
Blueprint) and may define ``init_app(app)``.  That is the registration
point for the HTML pages and the ``/api/*`` JSON API.

Errors never show a traceback: every error handler answers with one
message, as JSON ``{"error": …, "status": …, "setting": …}`` when the
client prefers JSON, else as plain text; a part of the request quoted in
a message is percent-encoded where it could be markup (:func:`shown`).

Every answer carries :data:`SECURITY_HEADERS`: a strict Content-Security-
Policy (scripts, styles and everything else from this origin only, no
inline script or style, no framing), ``nosniff`` and a Referrer-Policy.
CORS: the configured origins (``*`` by default) may read answers, without
credentials; a preflight allows :data:`CORS_HEADERS` only, never
``Authorization`` (updates cannot be sent from another site's page).
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from kg.errors import FazhiError, QueryError, StoreError
from kg.names import NameIndex
from kg.prepared import Prepared
from kg.queries import CannedQuery
from kg.workers import Engine

log = logging.getLogger("fazhi_kg.web")

#: Optional modules with a blueprint ``bp``, registered when present.
EXTENSIONS: tuple[str, ...] = ("kg.web.api", "kg.web.pages", "kg.web.exports",
                                "kg.web.upload")

#: Headers a browser script may read from our answers.
EXPOSED_HEADERS = "X-Fazhi-Truncated, X-Fazhi-Rows, X-Fazhi-Elapsed-Ms, Content-Type"
#: Request headers another origin's script may send (a preflight's answer).
CORS_HEADERS = "Accept, Content-Type"
#: On every answer.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@dataclass
class Service:
    """What every request handler needs; ``current_app.extensions["fazhi_kg"]``."""

    settings: dict[str, Any]
    engine: Engine
    queries: dict[str, CannedQuery]
    #: set by the pages module to show an editor at GET /sparql to browsers
    sparql_html: Callable[[], Any] | None = None
    _choices: dict[tuple[str, str], tuple[float, str, list[tuple[str, str]]]] = \
        field(default_factory=dict)

    _names: NameIndex | None = None
    _names_failed: bool = False
    _prepared: Prepared | None = None
    _prepared_ino: int | None = None
    #: called by close(): what an extension holds (the upload writer's store)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()
        self.engine.close()
        if self._names is not None:
            self._names.close()
        if self._prepared is not None:
            self._prepared.close()

    def names(self) -> NameIndex | None:
        """The store's name index, once there is one (ingest writes it)."""
        if self._names is None and not self._names_failed:
            try:
                self._names = NameIndex.beside(self.engine.path, create=False)
            except StoreError as exc:       # unreadable here: search the store, say it once
                log.warning("name index not used: %s", exc)
                self._names_failed = True
        return self._names

    def indexes(self) -> Any:
        """What the canned queries' index forms read (kg.answers: the name
        index and the prepared tables), or None when the store has neither:
        they are then answered by their SPARQL."""
        from kg.answers import Prepared as Indexes

        names, tables = self.names(), self.prepared()
        return Indexes(names=names, tables=tables) if names or tables else None

    def prepared(self) -> Prepared | None:
        """The store's prepared index while it is usable (kg.prepared): None
        for a store without one (made by an older version) or one a SPARQL
        update made stale; the pages then answer from SPARQL.  Opened again
        when `fazhi-kg index` has put a new file in its place."""
        from kg.prepared import FILE, state

        path = self.engine.path
        if path is None:
            return None
        try:
            ino = (Path(path) / FILE).stat().st_ino
        except OSError:
            ino = None
        if self._prepared is not None and (ino != self._prepared_ino or self._prepared.stale()):
            self._prepared.close()
            self._prepared = None
        if self._prepared is None:
            if ino is None or state(path) != "ready":
                return None
            try:
                self._prepared = Prepared.beside(path, create=False)
            except StoreError as exc:
                log.warning("prepared index not used: %s", exc)
                return None
            self._prepared_ino = ino
        return self._prepared

    def choices(self, query: CannedQuery, param_name: str, ttl_s: float = 300.0
                ) -> list[tuple[str, str]]:
        """(value, label) pairs for a parameter whose choices come from a query.

        Cached for ``ttl_s`` while the store is unchanged (its generation
        marker, :func:`kg.store.read_generation`); a failing choices query gives no choices (the
        form then shows a free text field) rather than an error page.
        """
        from kg.queries import run_choices
        from kg.store import read_generation

        key = (query.name, param_name)
        generation = read_generation(self.engine.path)
        hit = self._choices.get(key)
        if hit and time.monotonic() - hit[0] < ttl_s and hit[1] == generation:
            return hit[2]
        param = next(p for p in query.params if p.name == param_name)
        try:
            values = run_choices(self.engine, param)
        except QueryError as exc:
            log.warning("choices of %s.%s failed: %s", query.name, param_name, exc)
            values = []
        self._choices[key] = (time.monotonic(), generation, values)
        return values


def service() -> Service:
    return current_app.extensions["fazhi_kg"]


def require_write(switch: str, token: str, what: str, verb: str) -> None:
    """403 unless the write route ``what`` is switched on (setting ``switch``)
    with a secret (setting ``token``): every write route is off by default,
    and on only with a secret to go with it."""
    s = service().settings
    if not s[switch]:
        raise QueryError(f"{what} are off on this server: the setting {switch} is false "
                         f"(set FAZHI_KG_{switch.upper()}=true and FAZHI_KG_{token.upper()} "
                         f"to allow them)", status=403, setting=switch)
    if not s[token]:
        raise QueryError(f"{what} need {verb}: {switch} is on but the setting {token} "
                         f"is empty", status=403, setting=token)


# ----------------------------------------------------------------- errors

_MARKUP = {c: f"%{ord(c):02X}" for c in "<>\"'&`"}


def shown(text: str, limit: int = 200) -> str:
    """A piece of the request for a message: markup characters and controls
    percent-encoded (an error body never carries the client's markup), cut."""
    out = "".join(_MARKUP.get(c) or (f"%{ord(c):02X}" if ord(c) < 32 or ord(c) == 127 else c)
                  for c in text[:limit])
    return out + ("…" if len(text) > limit else "")


def wants_json() -> bool:
    """Does the client prefer JSON to plain text (and HTML)?"""
    best = request.accept_mimetypes.best_match(
        ["text/plain", "application/json", "application/sparql-results+json", "text/html"])
    return best in ("application/json", "application/sparql-results+json")


def error_response(message: str, status: int, setting: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """One error as JSON or plain text, by the request's Accept.

    ``<`` and ``>`` are percent-encoded in every message: whatever part of
    the request a message quotes, the body holds no markup.
    """
    message = message.replace("<", "%3C").replace(">", "%3E")
    if wants_json():
        body = {"error": message, "status": status}
        if setting:
            body["setting"] = setting
        resp = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/json")
    else:
        resp = Response(message + "\n", status=status, mimetype="text/plain")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    message = exc.description or exc.name
    setting = None
    if code == 413 and request.endpoint == "upload.receive":
        s = service().settings
        message = (f"upload too large: at most upload_max_files={s['upload_max_files']} files "
                   f"of upload_max_file_bytes={s['upload_max_file_bytes']} bytes each")
        setting = "upload_max_file_bytes"
    elif code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message = (f"request too large: the limit is max_request_bytes={limit} bytes "
                   "(setting max_request_bytes)")
        setting = "max_request_bytes"
    elif code == 404:
        message = f"not found: {shown(request.path)}"
    elif code == 405:
        message = f"method {shown(request.method)} is not allowed on {shown(request.path)}"
    keep = {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "www-authenticate")}
    return error_response(message, code, setting, keep)


def _query_error(exc: QueryError) -> Response:
    return error_response(str(exc), exc.status, exc.setting)


def _fazhi_error(exc: FazhiError) -> Response:
    return error_response(str(exc), 400, getattr(exc, "setting", None))


def _internal_error(exc: Exception) -> Response:
    # the log gets the traceback; the client one line
    log.exception("internal error on %s %s", request.method, request.path)
    return error_response("internal server error; the server log has the details", 500)


# ----------------------------------------------------------------- CORS

def _cors_origins(setting: str) -> tuple[bool, set[str]]:
    items = {o.strip().rstrip("/") for o in setting.split(",") if o.strip()}
    return "*" in items, items - {"*"}


def _headers(resp: Response) -> Response:
    """The security headers, then CORS."""
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return _cors(resp)


def _cors(resp: Response) -> Response:
    """Allow the configured origins (no credentials); answer preflights (OPTIONS)."""
    origin = request.headers.get("Origin")
    if not origin:
        return resp
    any_origin, allowed = current_app.extensions["fazhi_kg_cors"]
    if not any_origin and origin.rstrip("/") not in allowed:
        return resp
    resp.headers["Access-Control-Allow-Origin"] = "*" if any_origin else origin
    if not any_origin:
        resp.headers.add("Vary", "Origin")
    resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        resp.headers["Access-Control-Max-Age"] = "600"
    return resp


# ----------------------------------------------------------------- install

def install(app: Flask, svc: Service) -> None:
    """Blueprints (ours, then any present extension), error handlers, CORS."""
    from kg.web import canned, sparql_endpoint

    app.extensions["fazhi_kg"] = svc
    app.extensions["fazhi_kg_cors"] = _cors_origins(svc.settings["cors_origins"])
    app.config["MAX_CONTENT_LENGTH"] = svc.settings["max_request_bytes"] or None
    app.register_blueprint(sparql_endpoint.bp)
    app.register_blueprint(canned.bp)
    for name in EXTENSIONS:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        if hasattr(module, "init_app"):
            module.init_app(app)
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(FazhiError, _fazhi_error)
    app.register_error_handler(Exception, _internal_error)
    app.after_request(_headers)
