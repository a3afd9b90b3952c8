"""What one report file may expand to, and what an ingest worker may use.

A file's size is capped in :mod:`ingest.read` (``MAX_BYTES``), but a small
file can expand: a .docx is a zip (a 1 MB one can hold 400 MB of XML), and
20 MB of text is hundreds of times what a township report holds, which the
later stages turn into gigabytes of objects.  So three more limits, each a
setting (:mod:`kg.settings`) named in the ``failed:`` line of a file that
passes it:

* ``max_text_chars``: the characters of text a file gives (checked before
  the text is normalised, and for a .docx before python-docx parses it);
* ``max_docx_inflated_mb``: what a .docx inflates to, all parts together
  (streamed with a running count, so a lying zip header does not help);
* ``ingest_memory_mb``: the heap of an ingest worker process (RLIMIT_DATA),
  the backstop for whatever the first two do not foresee.

The values are read once per run (:func:`configure` in the CLI and in each
worker's initializer) rather than per file.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kg import settings


@dataclass(frozen=True)
class Limits:
    """The three limits; a field left out takes the setting's default."""

    max_text_chars: int = settings.default("max_text_chars")
    max_docx_inflated_mb: int = settings.default("max_docx_inflated_mb")
    ingest_memory_mb: int = settings.default("ingest_memory_mb")

    @classmethod
    def from_settings(cls, **overrides: Any) -> Limits:
        """The settings (defaults, then ``FAZHI_KG_*``), then ``overrides`` not None."""
        base = cls(**{name: settings.value(name) for name in cls.__dataclass_fields__})
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def setting_ref(name: str, option: str | None = None) -> str:
    """How a failed: line names a setting: ``setting NAME (FAZHI_KG_NAME[, --opt])``."""
    env = "FAZHI_KG_" + name.upper()
    return f"setting {name} ({env}{', ' + option if option else ''})"


_current: Limits | None = None


def configure(limits: Limits | None) -> None:
    """Use these limits in this process (None: read the settings again)."""
    global _current
    _current = limits


def current() -> Limits:
    global _current
    if _current is None:
        _current = Limits.from_settings()
    return _current


def cap_memory(mb: int) -> None:
    """Cap this process's heap at ``mb`` MiB (RLIMIT_DATA; 0: leave it).

    RLIMIT_DATA rather than RLIMIT_AS: it counts what a parse allocates
    (brk and private anonymous maps) but not the shared libraries and
    read-only maps a forked worker already has, so the figure means what it
    says.  A failed allocation then raises MemoryError in the worker, or at
    worst kills it, and the runner reports that file alone.
    """
    if not mb:
        return
    try:
        import resource  # Unix only: elsewhere no cap is set
    except ImportError:   # pragma: no cover - not on Windows
        return
    limit = mb * 2 ** 20
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError):
        pass
