"""Word segmentation with jieba and the domain lexicon in data/lexicons/.

jieba keeps one global tokenizer per process.  Its own parallel mode forks
workers that drop words added with ``add_word``, so fazhi-kg never uses it:
the workers of ``fazhi-kg ingest --workers N`` are forks of a process that
has already called :func:`setup` (see ingest.warm), so each holds the
dictionary *with* the domain lexicon; a worker started any other way loads
it itself on first use.

The tokenizer is jieba_fast when it is installed (a dependency): jieba with
its two inner loops (the word graph and the HMM's Viterbi) in C, the same
dictionary and the same tokens (tests/test_segment.py compares them), at
2–2.5 times the speed; jieba itself otherwise.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from kg.model import Doc
from kg.paths import data_dir

_LOCK = threading.Lock()
_LOADED = False   # a fork inherits the loaded tokenizer, user words included


def lexicon_files() -> list[Path]:
    """Every jieba user dictionary shipped in data/lexicons/ (``jieba-*.txt``)."""
    return sorted((data_dir() / "lexicons").glob("jieba-*.txt"))


def module():
    """The jieba module in use: jieba_fast if installed, else jieba."""
    try:
        import jieba_fast as jieba
    except ImportError:     # a C extension: missing where it could not be built
        import jieba
    return jieba


def word_tags() -> dict[str, str]:
    """Part-of-speech tag of every word of the main dictionary, as the
    tokenizer in use knows them.

    The domain lexicon's words are not in it: jieba's POS tokenizer adds
    them only when it first cuts, and nothing here cuts with it, so a word
    missing from this table is one jieba learnt from us or never knew.
    """
    import importlib

    return importlib.import_module(module().__name__ + ".posseg").dt.word_tag_tab


def tokenizer():
    """jieba's tokenizer with the domain lexicon, loaded once per process."""
    global _LOADED
    jieba = module()
    if not _LOADED:
        with _LOCK:
            if not _LOADED:
                load_lexicon(jieba)
                _LOADED = True
    return jieba.dt


def load_lexicon(jieba) -> None:
    """Initialise a jieba module (jieba or jieba_fast) and add the domain lexicon."""
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for path in lexicon_files():
        jieba.load_userdict(str(path))


def setup() -> None:
    """Load the lexicon now (worker initialiser)."""
    tokenizer()


def run(doc: Doc) -> None:
    """Fill ``Sentence.tokens``: jieba once per report, not once per sentence.

    The sentences are joined with newlines and cut in one call (jieba's
    per-call set-up cost more than the cutting itself on short sentences).
    jieba never joins characters across a newline, so the tokens are the
    ones each sentence would get alone.
    """
    tk = tokenizer()
    for rep in doc.reports:
        if rep.sentences:
            split_tokens(tk.lcut("\n".join(s.text for s in rep.sentences)), rep.sentences)


def split_tokens(tokens: list[str], sentences: list) -> None:
    """Hand the tokens of the newline-joined sentences back to each sentence."""
    it = iter(sentences)
    sent = next(it)
    out: list[str] = []
    left = len(sent.text)
    for tok in tokens:
        while tok:
            if left == 0:                 # at a boundary: the joining newline
                sent.tokens = out
                sent, out = next(it), []
                left = len(sent.text)
                if tok[0] == "\n":
                    tok = tok[1:]
                continue
            piece, tok = tok[:left], tok[left:]
            out.append(piece)
            left -= len(piece)
    sent.tokens = out
    for rest in it:                       # empty sentences at the end
        rest.tokens = []
