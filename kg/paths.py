"""Where the bundled files live, in a source checkout and when installed.

In a checkout (or an editable install) ``queries/`` and ``data/`` sit next
to the ``kg`` package; a regular install puts them under
``<prefix>/share/fazhi-kg/`` (see ``[options.data_files]`` in setup.cfg).
"""
from __future__ import annotations

import sys
import sysconfig
from functools import cache
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _candidates(name: str) -> list[Path]:
    out = [_CHECKOUT / name]
    for prefix in {sys.prefix, sysconfig.get_path("data")}:
        out.append(Path(prefix) / "share" / "fazhi-kg" / name)
    return out


@cache
def resource_dir(name: str) -> Path:
    """The bundled folder ``name`` (``data`` or ``queries``)."""
    for path in _candidates(name):
        if path.is_dir():
            return path
    tried = ", ".join(str(p) for p in _candidates(name))
    raise FileNotFoundError(f"bundled folder '{name}' not found (looked in {tried}); reinstall fazhi-kg")


def data_dir() -> Path:
    return resource_dir("data")


def queries_dir() -> Path:
    return resource_dir("queries")


def package_dir() -> Path:
    """The ``kg`` package itself (ontology.ttl, web assets)."""
    return Path(__file__).resolve().parent
