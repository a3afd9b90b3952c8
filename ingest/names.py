"""Small helpers for names: normalising and stripping place prefixes."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kg.namespace import NAME_CACHE_SIZE as _CACHE

_QUOTES = re.compile(r"[\s《》〈〉“”\"‘’'「」『』]")


@lru_cache(maxsize=_CACHE)   # the same names recur in every report
def clean(label: str) -> str:
    """A label as shown: NFKC for ASCII-ish forms, quotes and marks dropped."""
    label = unicodedata.normalize("NFKC", label)
    # NFKC turns full-width brackets into ASCII ones; keep the Chinese ones
    label = label.replace("(", "（").replace(")", "）")
    return _QUOTES.sub("", label).strip()


@lru_cache(maxsize=_CACHE)
def key(label: str) -> str:
    """The form two labels must share to name the same thing."""
    return clean(label).lower()


LOCAL_PREFIXES = ("本镇", "我镇", "全镇", "本乡", "我乡", "全乡", "本街道", "我街道", "镇", "乡", "街道")


def strip_place(label: str, places: list[str]) -> str:
    """``江口镇司法所`` → ``司法所``, ``云阳县江口镇人民政府`` → ``人民政府``."""
    changed = True
    while changed:
        changed = False
        for p in [*places, *LOCAL_PREFIXES]:
            if p and label.startswith(p) and len(label) > len(p) + 1:
                label = label[len(p):]
                changed = True
    return label
