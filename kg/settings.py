"""Settings of the service, as named values with defaults and help text.

Precedence: the defaults here, then the environment (``FAZHI_KG_<NAME>``,
e.g. ``FAZHI_KG_QUERY_TIME_LIMIT_MS=3000``), then the ``config`` mapping
given to :func:`server.create_app` (tests).  A bad value raises
:class:`kg.errors.SettingError` naming the setting and the variable.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kg.errors import SettingError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str

    @property
    def env(self) -> str:
        return "FAZHI_KG_" + self.name.upper()

    def parse(self, raw: Any, source: str) -> Any:
        if self.kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise SettingError(f"setting {self.name} ({source}) must be true or false, not {raw!r}")
        if self.kind is int:
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise SettingError(f"setting {self.name} ({source}) must be a whole number, "
                                   f"not {raw!r}") from None
            if value < 0:
                raise SettingError(f"setting {self.name} ({source}) must not be negative")
            return value
        return "" if raw is None else str(raw)


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "", "Where the graph is: a folder (embedded Oxigraph, the default "
            "./fazhi-kg-store) or http://host:port of a SPARQL 1.1 store."),
    Setting("query_time_limit_ms", 10_000, "Longest a SPARQL query may run, in milliseconds; "
            "a longer one is stopped and its worker restarted.", int),
    Setting("max_rows", 10_000, "Most rows (or triples) a query returns; more are cut and the "
            "answer says truncated.", int),
    Setting("allow_update", False, "Accept SPARQL updates on /sparql (also needs update_token).", bool),
    Setting("update_token", "", "Bearer token a client must send (Authorization: Bearer …) "
            "to run an update when allow_update is on."),
    Setting("allow_upload", False, "Accept report files uploaded on the /upload page (also "
            "needs upload_token).  The server is then the store's one writer: a CLI ingest "
            "into the same store is refused while it runs.", bool),
    Setting("upload_token", "", "Password a person types on the /upload page (sent as "
            "Authorization: Bearer …) to add reports when allow_upload is on."),
    Setting("upload_max_file_bytes", 20_000_000, "Largest report file accepted by /upload, "
            "in bytes (0: no limit).", int),
    Setting("upload_max_files", 20, "Most files one upload request may hold (the page sends "
            "them one at a time, so this limits scripts; 0: no limit).", int),
    Setting("cors_origins", "*", "Origins allowed to call the API and /sparql from a browser "
            "(comma-separated; * for any; empty for none)."),
    Setting("max_request_bytes", 1_000_000, "Largest request body accepted, in bytes.", int),
    Setting("query_workers", 2, "Worker processes answering users' SPARQL (/sparql) at once.",
            int),
    Setting("page_workers", 2, "Worker processes answering the pages, search and canned "
            "queries at once (a lane of their own: they never wait behind users' SPARQL).", int),
    Setting("query_long_ms", 2000, "A user's SPARQL query running longer than this (ms) is "
            "long; at most query_workers - 1 long ones run at once, so short ones keep a "
            "worker: a further one is stopped with 503 (0: no such limit).", int),
    Setting("query_nice", 10, "CPU priority (nice, 0-19) of the workers running users' SPARQL: "
            "higher leaves more of the CPU to pages when a query runs away.", int),
    Setting("query_queue_ms", 30_000, "Longest a query waits for a free worker when all are "
            "busy, in milliseconds; then the answer is 503 (busy).", int),
    Setting("query_memory_mb", 4096, "Most memory one query worker may use, in MiB (0: no "
            "limit); a query needing more is stopped.", int),
    Setting("max_query_chars", 100_000, "Longest SPARQL text accepted in a GET URL "
            "(?query=…), in characters; longer ones must be POSTed.", int),
    Setting("threads", 16, "Threads of the HTTP server (waitress) answering requests at once.",
            int),
    Setting("page_size", 100, "Rows on one page of a canned query's answer (HTML, .json) when "
            "the request gives no page_size (at most 1000); the .csv export and .json?_stream=on "
            "give every row.", int),
    Setting("canned_cache_entries", 32, "Canned-query answers kept whole, until the store "
            "changes (its generation marker), so that the next page, and an aggregate over the "
            "whole graph asked again, cost no second run (0: none kept).", int),
    Setting("max_neighbours", 25, "Neighbours shown per node on entity pages before "
            "'N more'.", int),
    # ---- ingest: what one report file may expand to (see ingest.limits)
    Setting("max_text_chars", 2_000_000, "Most characters of text one report file may give "
            "(ingest --max-chars); a file giving more is refused with a failed: line "
            "(a township report is well under 100,000).", int),
    Setting("max_docx_inflated_mb", 64, "Most a .docx may inflate to, all its parts together, "
            "in MiB; a larger one (a zip bomb) is refused before it is parsed.", int),
    Setting("ingest_memory_mb", 2048, "Most memory one ingest worker process may use, in MiB "
            "(0: no limit); a file needing more is refused with a failed: line.", int),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def load(config: Mapping[str, Any] | None = None, *,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then environment, then ``config``; returns name → value."""
    env = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    for s in SETTINGS:
        if s.env in env:
            values[s.name] = s.parse(env[s.env], f"environment variable {s.env}")
    for name, raw in (config or {}).items():
        key = name.lower()
        if key not in _BY_NAME:
            continue   # Flask's own keys (TESTING, …) pass through untouched
        values[key] = _BY_NAME[key].parse(raw, "config")
    if not values["store"]:
        from kg.store import default_location
        values["store"] = default_location()
    return values


def default(name: str) -> Any:
    """One setting's default."""
    return _BY_NAME[name].default


def value(name: str, *, environ: Mapping[str, str] | None = None) -> Any:
    """One setting: its default, or its environment variable when set."""
    s = _BY_NAME[name]
    env = os.environ if environ is None else environ
    return s.parse(env[s.env], f"environment variable {s.env}") if s.env in env else s.default


def describe() -> list[dict[str, Any]]:
    """The settings for /settings.json and the docs."""
    return [{"name": s.name, "default": s.default, "env": s.env, "help": s.help} for s in SETTINGS]
