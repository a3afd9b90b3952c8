"""The web service's shared parts: its state (:class:`Service`), the write gate, errors.

The blueprints (``/sparql``, ``/queries``, the pages, ``/api``) import what
they share from here; :mod:`kg.web.app` assembles them into the app
(:func:`kg.web.app.install`, called by :func:`server.create_app`).

Errors never show a traceback: every error answers with one message, as
JSON ``{"error": …, "status": …, "setting": …}`` when the client prefers
JSON, else as plain text (:func:`error_response`); a part of the request
quoted in a message is percent-encoded where it could be markup
(:func:`shown`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Response, current_app, json, request

from kg.answers import Prepared as Indexes
from kg.errors import QueryError, StoreError
from kg.names import NameIndex
from kg.prepared import FILE, Prepared, state
from kg.queries import CannedQuery, run_choices
from kg.store import read_generation
from kg.workers import Engine

log = logging.getLogger("fazhi_kg.web")


@dataclass
class Service:
    """What every request handler needs; ``current_app.extensions["fazhi_kg"]``."""

    settings: dict[str, Any]
    engine: Engine          # or kg.remote_engine.RemoteEngine, on a remote store
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
        names, tables = self.names(), self.prepared()
        return Indexes(names=names, tables=tables) if names or tables else None

    def prepared(self) -> Prepared | None:
        """The store's prepared index while it is usable (kg.prepared): None
        for a store without one (made by an older version) or one a SPARQL
        update made stale; the pages then answer from SPARQL.  Opened again
        when `fazhi-kg index` has put a new file in its place."""
        path = self.engine.path
        if path is None or not self.settings["prepared_index"]:
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


