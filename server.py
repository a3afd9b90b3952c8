"""The fazhi-kg web service: ``create_app(config=None)``.

Settings (kg/settings.py) come from their defaults, then ``FAZHI_KG_*``
environment variables, then ``config`` (tests).  The app answers

* ``/sparql`` — the SPARQL 1.1 Protocol endpoint (kg/web/sparql_endpoint.py);
* ``/queries`` — the canned queries of ``queries/*.rq`` (kg/web/canned.py);
* whatever the optional modules of :data:`kg.web.app.EXTENSIONS` add (pages, ``/api``).

Run it with ``fazhi-kg serve`` (waitress), never Flask's development server.
"""
from __future__ import annotations

import atexit
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from kg import queries as queries_mod
from kg import settings as settings_mod
from kg.errors import FazhiError, SettingError, StoreError
from kg.paths import package_dir
from kg.web import Service
from kg.web.app import install
from kg.workers import Engine


def open_engine(values: Mapping[str, Any]):
    """The query engine on the configured store; SettingError naming ``store`` if it cannot."""
    location = str(values["store"])
    if location.startswith(("http://", "https://", "query=")):
        # a remote SPARQL store answers the queries itself (kg/remote_engine.py)
        from kg.remote_engine import RemoteEngine

        try:
            return RemoteEngine(location, time_limit_ms=values["query_time_limit_ms"] or 10_000,
                                max_rows=values["max_rows"] or 10_000)
        except StoreError as exc:
            raise SettingError(f"setting store (--store): {exc}") from None
    path = Path(location).expanduser()
    if not path.is_dir() or not (path / "CURRENT").exists():
        what = "is a file, not a store folder" if path.is_file() else \
            "is not a store" if path.is_dir() else "does not exist"
        raise SettingError(f"setting store (--store): {path} {what}; build one with "
                           f"`fazhi-kg ingest --store {path} REPORTS…` or point --store "
                           "(or FAZHI_KG_STORE) at one")
    try:
        return Engine(str(path), size=values["query_workers"] or 1,
                      page_size=values["page_workers"] or 1, nice=values["query_nice"],
                      long_ms=values["query_long_ms"],
                      time_limit_ms=values["query_time_limit_ms"] or 10_000,
                      max_rows=values["max_rows"] or 10_000,
                      memory_mb=values["query_memory_mb"],
                      queue_ms=values["query_queue_ms"] or None)
    except StoreError as exc:
        raise SettingError(f"setting store (--store): cannot open {path}: {exc}") from None


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings, query engine, canned queries, blueprints.

    Raises :class:`kg.errors.FazhiError` (one line, naming the setting) if
    the store cannot be opened or a canned query is broken.
    """
    values = settings_mod.load(config)
    folder = (config or {}).get("QUERIES_DIR")
    canned = queries_mod.load_all(Path(folder)) if folder else queries_mod.bundled()
    engine = open_engine(values)
    app = Flask("fazhi_kg", root_path=str(package_dir() / "web"),
                template_folder="templates", static_folder="static")
    for key, value in (config or {}).items():
        if key.isupper():
            app.config[key] = value                 # Flask's own (TESTING, …)
    app.config["FAZHI_KG"] = values
    app.json.ensure_ascii = False
    svc = Service(settings=values, engine=engine, queries=canned)
    try:
        install(app, svc)
    except Exception:
        engine.close()
        raise
    atexit.register(engine.close)
    return app


def close_app(app: Flask) -> None:
    """Stop the query workers of an app (tests; the process exit does it too)."""
    svc = app.extensions.get("fazhi_kg")
    if svc is not None:
        svc.close()


__all__ = ["create_app", "close_app", "open_engine", "FazhiError"]
