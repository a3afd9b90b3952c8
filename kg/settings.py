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
from kg.store import default_location


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str
    #: "service" (``fazhi-kg serve``) or "ingest" (what one report file may expand to)
    part: str = "service"
    #: a password or token: its value is never shown (only whether it is set)
    secret: bool = False
    #: the default as the README shows it, when the value itself says less
    shown_default: str = ""

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

    def show(self, value: Any) -> str:
        """A value as the docs and ``fazhi-kg settings`` write it (a secret: set or not)."""
        if self.secret:
            return "(set)" if value else "(none)"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return f"`{value}`" if value else "(none)"


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "", "Where the graph is (--store): a store folder (embedded Oxigraph) or "
            "http://host:port of a SPARQL 1.1 store; the service answers from a folder.",
            shown_default="`./fazhi-kg-store`"),
    Setting("query_time_limit_ms", 10_000, "Longest a SPARQL query may run, in milliseconds; "
            "a longer one is stopped (its worker process is killed and replaced).", int),
    Setting("max_rows", 10_000, "Most rows (or triples) a query returns; a cut answer says "
            "truncated: true (JSON) or X-Fazhi-Truncated: true.", int),
    Setting("allow_update", False, "Accept SPARQL updates on /sparql (also needs update_token, "
            "sent as Authorization: Bearer …).", bool),
    Setting("update_token", "", "The token SPARQL updates must carry (Authorization: Bearer …) "
            "when allow_update is on.", secret=True),
    Setting("allow_upload", False, "Accept report files on the /upload page (also needs "
            "upload_token).  The server is then the store's one writer: a CLI ingest "
            "into the same store is refused while it runs.", bool),
    Setting("upload_token", "", "The password a person types on the /upload page (sent as "
            "Authorization: Bearer …, percent-encoded) to add reports when allow_upload is on.",
            secret=True),
    Setting("upload_max_file_bytes", 20_000_000, "Largest report file /upload accepts, "
            "in bytes (0: no limit).", int),
    Setting("upload_max_files", 20, "Most files one upload request may hold (the page sends "
            "them one at a time, so this limits scripts; 0: no limit).", int),
    Setting("cors_origins", "*", "Origins allowed to call the API and /sparql from a browser "
            "(comma-separated; * for any; empty for none); never with credentials, and a "
            "preflight allows Accept and Content-Type only."),
    Setting("max_request_bytes", 1_000_000, "Largest request body accepted, in bytes.", int),
    Setting("query_workers", 2, "Worker processes running users' SPARQL (/sparql).", int),
    Setting("page_workers", 2, "Worker processes running the pages', search's and canned "
            "queries' own queries: a lane of their own, never behind users' SPARQL.", int),
    Setting("query_long_ms", 2000, "A user's SPARQL query running longer than this (ms) is "
            "long; at most query_workers - 1 long ones run at once, so a worker stays free for "
            "short ones: a further one is stopped with 503 (0: no such limit).", int),
    Setting("query_nice", 10, "CPU priority (nice, 0-19) of the workers running users' SPARQL, "
            "so a runaway leaves the CPU to pages first.", int),
    Setting("query_queue_ms", 30_000, "Longest a request waits for a free worker when all are "
            "busy, in milliseconds; then the answer is 503 (busy).", int),
    Setting("query_memory_mb", 4096, "Most memory one query worker may use, in MiB (0: no "
            "limit); a query needing more is stopped.", int),
    Setting("max_query_chars", 100_000, "Longest SPARQL text accepted in a GET URL "
            "(?query=…), in characters; longer ones must be POSTed.", int),
    Setting("threads", 16, "Threads of the HTTP server (waitress) answering requests at once "
            "(serve --threads).", int),
    Setting("page_size", 100, "Rows on one page of a canned query's answer (HTML, .json) when "
            "the request gives no page_size (at most 1000); the .csv export and .json?_stream=on "
            "give every row.", int),
    Setting("export_max_rows", 1_000_000, "Most rows the .csv export and .json?_stream=on of a "
            "canned query give when its answer is longer than its pages' (they stream from "
            "the query worker a chunk at a time); a cut export ends with a truncated line.",
            int),
    Setting("export_time_limit_ms", 300_000, "Longest such an export may hold its query worker, "
            "in milliseconds, however slowly the client reads (the query's own time still "
            "counts against query_time_limit_ms); then it ends with an error line.", int),
    Setting("canned_cache_entries", 32, "Canned-query answers kept whole, until the store "
            "changes (its generation marker), so that the next page, and an aggregate over the "
            "whole graph asked again, cost no second run (0: none kept).", int),
    Setting("prepared_index", True, "Answer the pages and canned queries from the store's "
            "prepared index (fazhi-kg-prepared.sqlite) when it is ready; off: from SPARQL "
            "alone, as for a remote store (slow on a large store: for comparing engines and "
            "for tests).", bool),
    Setting("max_neighbours", 25, "Neighbours drawn per node on entity pages before "
            "'N more'.", int),
    # ---- ingest: what one report file may expand to (see ingest.limits)
    Setting("max_text_chars", 2_000_000, "Characters of text one report file may give "
            "(ingest --max-chars; 0: no limit); a township report is well under 100,000.  For "
            "a .docx, its XML may hold no more elements than this either.", int, part="ingest"),
    Setting("max_docx_inflated_mb", 64, "MiB a .docx may inflate to, all its parts together; "
            "counted while inflating, a chunk at a time, before anything is parsed, so a zip "
            "bomb (1.3 MB holding 400 MB of XML) is refused in well under a second.", int,
            part="ingest"),
    Setting("ingest_memory_mb", 2048, "MiB of heap one ingest worker process may use (with "
            "--workers 2 or more on two files or more; 0: no limit); a file needing more fails "
            "alone, as does one that kills its worker.  One process (-j 1) has no such cap: "
            "the two limits above keep it under 1 GB.", int, part="ingest"),
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


def describe(values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every setting: name, environment variable, default, help, and with
    ``values`` (from :func:`load`) its value — a secret's only as set or not."""
    out = []
    for s in SETTINGS:
        item: dict[str, Any] = {"name": s.name, "env": s.env, "default": s.default,
                                "help": s.help, "part": s.part}
        if values is not None:
            value = values[s.name]
            item["value"] = bool(value) if s.secret else value
        if s.secret:
            item["secret"] = True
        out.append(item)
    return out


# ----------------------------------------------------------------- the README

#: README.md holds one generated table per part, between these markers
BEGIN = "<!-- settings:{part} begin: generated by `fazhi-kg settings --readme README.md` -->"
END = "<!-- settings:{part} end -->"


def markdown(part: str) -> str:
    """The README's table of the settings of ``part`` ("service" or "ingest")."""
    lines = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        if s.part == part:
            default = s.shown_default or s.show(s.default)
            meaning = s.help.replace("|", "\\|").replace("*", "\\*")
            lines.append(f"| `{s.name}` | {default} | {meaning} |")
    return "\n".join(lines) + "\n"


def with_tables(text: str) -> str:
    """``text`` (README.md) with each part's table between its markers made
    anew; SettingError naming the marker that is missing."""
    for part in sorted({s.part for s in SETTINGS}):
        begin, end = BEGIN.format(part=part), END.format(part=part)
        start, stop = text.find(begin), text.find(end)
        if start < 0 or stop < start:
            raise SettingError(f"the README has no '{begin}' … '{end}' section for the "
                               f"{part} settings' table")
        text = text[:start + len(begin)] + "\n" + markdown(part) + text[stop:]
    return text
