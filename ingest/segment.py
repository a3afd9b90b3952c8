"""Word segmentation with jieba and the domain lexicon in data/lexicons/.

jieba keeps one global tokenizer per process.  Its own parallel mode forks
workers that drop words added with ``add_word``, so fazhi-kg never uses it:
each worker process of ``fazhi-kg ingest --workers N`` calls :func:`setup`
(through :func:`tokenizer`) and loads the lexicon itself.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from kg.model import Doc
from kg.paths import data_dir

_LOCK = threading.Lock()
_LOADED_IN: int | None = None   # pid that loaded the lexicon


def lexicon_files() -> list[Path]:
    """Every jieba user dictionary shipped in data/lexicons/ (``jieba-*.txt``)."""
    return sorted((data_dir() / "lexicons").glob("jieba-*.txt"))


def tokenizer():
    """jieba's tokenizer with the domain lexicon, loaded once per process."""
    global _LOADED_IN
    import jieba

    if _LOADED_IN != os.getpid():
        with _LOCK:
            if _LOADED_IN != os.getpid():
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for path in lexicon_files():
                    jieba.load_userdict(str(path))
                _LOADED_IN = os.getpid()
    return jieba.dt


def setup() -> None:
    """Load the lexicon now (worker initialiser)."""
    tokenizer()


def run(doc: Doc) -> None:
    tk = tokenizer()
    for rep in doc.reports:
        for sent in rep.sentences:
            sent.tokens = tk.lcut(sent.text)
