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

import hashlib
import importlib
import logging
import marshal
import os
import tempfile
import threading
from functools import cache
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
    # imported when first needed: jieba takes about 0.3 s to load, and of the
    # processes importing this module only those that cut text need it
    try:
        import jieba_fast as jieba  # slow to load (see above): for cutting text only
    except ImportError:     # a C extension: missing where it could not be built
        import jieba  # as slow, the pure-Python fallback
    return jieba


def word_tags() -> dict[str, str]:
    """Part-of-speech tag of every word of the main dictionary, as the
    tokenizer in use knows them.

    The domain lexicon's words are not in it: jieba's POS tokenizer adds
    them only when it first cuts, and nothing here cuts with it, so a word
    missing from this table is one jieba learnt from us or never knew.

    jieba builds this table by parsing its whole dictionary text (0.3 s
    of every ingest's start-up, where its word graph comes from a cache);
    the table is cached the same way, in the temporary folder, keyed by the
    dictionary file's path, size and time.
    """
    return _cached_tags()


def _tags_cache(jieba) -> Path | None:
    """Where the tag table of ``jieba``'s dictionary is cached (None: unknown file)."""
    name = jieba.dt.dictionary or getattr(jieba, "DEFAULT_DICT_NAME", "dict.txt")
    path = Path(jieba.__file__).parent / name if jieba.dt.dictionary is None else Path(name)
    try:
        st = path.stat()
    except OSError:
        return None
    key = f"{jieba.__name__}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"fazhi-kg-tags.{digest}.cache"


@cache
def _cached_tags() -> dict[str, str]:
    jieba = module()
    cache = _tags_cache(jieba)
    if cache is not None:
        try:
            tags = marshal.loads(cache.read_bytes())
            if isinstance(tags, dict):
                return tags
        except (OSError, EOFError, ValueError, TypeError):
            pass                      # absent or damaged: built again below
    tags = importlib.import_module(jieba.__name__ + ".posseg").dt.word_tag_tab
    if cache is not None:
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        try:                          # written whole, then renamed: readers never see half
            tmp.write_bytes(marshal.dumps(tags))
            os.replace(tmp, cache)
        except OSError:               # a read-only temporary folder: no cache, same table
            tmp.unlink(missing_ok=True)
    return tags


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
    _initialise(jieba)
    for path in lexicon_files():
        jieba.load_userdict(str(path))


def _initialise(jieba) -> None:
    """``jieba.initialize()``, with jieba's own dictionary cache read in one piece.

    jieba decodes that cache with ``marshal.load`` on the open file, which
    reads it a few bytes at a time: 0.5 s, half of every ingest's start-up
    (and of every worker's).  Read whole and decoded from bytes it takes
    0.15 s.  The rule for which cache is valid stays jieba's: for its
    default dictionary it is ``jieba.cache`` in the temporary folder
    whenever that file exists; for anything else (another dictionary or
    cache place, no cache yet, a damaged one) jieba loads as it always does.
    """
    tk = jieba.dt
    if tk.initialized:
        return
    if tk.dictionary is None and not tk.cache_file and not tk.tmp_dir:
        try:
            freq, total = marshal.loads((Path(tempfile.gettempdir()) / "jieba.cache").read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
        else:
            if isinstance(freq, dict) and isinstance(total, int):
                with tk.lock:
                    if not tk.initialized:
                        tk.FREQ, tk.total = freq, total
                        tk.initialized = True
                return
    jieba.initialize()


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
