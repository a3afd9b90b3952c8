"""The web service assembled: :func:`install` registers the blueprints, error handlers and headers.

:func:`server.create_app` calls it.  It registers this project's blueprints
— ``/sparql`` (:mod:`kg.web.sparql_endpoint`), ``/queries``
(:mod:`kg.web.canned`) — and then every module named in :data:`EXTENSIONS`
that exists: each must define ``bp`` (a Flask Blueprint) and may define
``init_app(app)``.  That is the registration point for the HTML pages and
the ``/api/*`` JSON API.

Errors never show a traceback: every error handler answers with one
message (:func:`kg.web.error_response`).  Every answer carries
:data:`SECURITY_HEADERS`: a strict Content-Security-Policy (scripts, styles
and everything else from this origin only, no inline script or style, no
framing), ``nosniff`` and a Referrer-Policy.  CORS: the configured origins
(``*`` by default) may read answers, without credentials; a preflight
allows :data:`CORS_HEADERS` only, never ``Authorization`` (updates cannot be
sent from another site's page).
"""
from __future__ import annotations

import importlib
import importlib.util
import logging

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from kg import settings as settings_mod
from kg.errors import FazhiError, QueryError
from kg.web import Service, canned, error_response, service, shown, sparql_endpoint

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


def _settings_json() -> Response:
    """Every setting with this server's value, default and help (a token: set or not)."""
    return jsonify(settings_mod.describe(service().settings))


# ----------------------------------------------------------------- errors

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
    app.extensions["fazhi_kg"] = svc
    app.extensions["fazhi_kg_cors"] = _cors_origins(svc.settings["cors_origins"])
    app.config["MAX_CONTENT_LENGTH"] = svc.settings["max_request_bytes"] or None
    app.register_blueprint(sparql_endpoint.bp)
    app.register_blueprint(canned.bp)
    app.add_url_rule("/settings.json", "settings", _settings_json)
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
