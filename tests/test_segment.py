"""Segmentation: one jieba call per report gives each sentence its own tokens."""
from __future__ import annotations

import pytest

from ingest import segment
from kg.model import Sentence


def sentences(*texts: str) -> list[Sentence]:
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Sentence(index=i, start=pos, end=pos + len(t), text=t))
        pos += len(t) + 1
    return out


@pytest.mark.parametrize("texts", [
    ("我镇聘请龙脊律师事务所律师担任政府法律顾问。", "全年调处矛盾纠纷56件。"),
    ("一、主要举措", "", "严格执行重大行政决策程序 ", "\r", "（一）加强组织领导\t。"),
    ("abc 123", "中华人民共和国宪法", ""),
])
def test_tokens_are_those_of_each_sentence_alone(texts: tuple[str, ...]) -> None:
    tk = segment.tokenizer()
    sents = sentences(*texts)
    segment.split_tokens(tk.lcut("\n".join(texts)), sents)
    for s in sents:
        assert s.tokens == tk.lcut(s.text)
        assert "".join(s.tokens) == s.text


def test_seed_reports_segment_as_sentence_by_sentence(seed_dir) -> None:
    from ingest import pipeline

    tk = segment.tokenizer()
    for path in sorted(seed_dir.glob("*.txt")):
        doc = pipeline.run(path, until="segment")
        for rep in doc.reports:
            for s in rep.sentences:
                assert s.tokens == tk.lcut(s.text), (path.name, s.index)


def test_jieba_fast_gives_jiebas_tokens_and_tags(seed_dir) -> None:
    """jieba_fast (the tokenizer in use when installed) cuts every seed
    report exactly as jieba does, with the same domain lexicon, and tags
    words alike (organisations read the tag table)."""
    pytest.importorskip("jieba_fast")
    import logging

    import jieba
    import jieba.posseg

    assert segment.module().__name__ == "jieba_fast"
    fast = segment.tokenizer()
    plain = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)
    for path in segment.lexicon_files():
        plain.load_userdict(str(path))
    texts = [p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("*.txt"))]
    assert texts
    for text in texts:
        assert fast.lcut(text) == plain.lcut(text)
        assert fast.lcut(text, HMM=False) == plain.lcut(text, HMM=False)
    tags = jieba.posseg.POSTokenizer(plain).word_tag_tab
    fast_tags = segment.word_tags()
    assert {w: tags.get(w) for w in fast_tags} == fast_tags


def _stub_jieba(**dt_attrs):
    """A stand-in for the jieba module: a fresh tokenizer, and an
    ``initialize`` that records being called (jieba's own way of loading)."""
    import types

    jieba = segment.module()
    tk = jieba.Tokenizer()
    for k, v in dt_attrs.items():
        setattr(tk, k, v)
    calls: list[bool] = []
    stub = types.SimpleNamespace(dt=tk, initialize=lambda: calls.append(True) or tk.initialize())
    return stub, calls


def test_dictionary_cache_read_whole_is_jiebas_dictionary() -> None:
    """Reading jieba's cache in one piece gives the tokenizer exactly the
    dictionary jieba's own loading gives it."""
    jieba = segment.module()
    own = jieba.Tokenizer()
    own.initialize()                    # jieba's way; writes its cache if missing
    stub, calls = _stub_jieba()
    segment._initialise(stub)
    assert not calls, "jieba's cache was not read directly"
    assert stub.dt.initialized
    assert stub.dt.total == own.total and stub.dt.FREQ == own.FREQ
    assert stub.dt.lcut("我镇聘请律师担任政府法律顾问") == own.lcut("我镇聘请律师担任政府法律顾问")


def test_damaged_or_foreign_dictionary_cache_is_left_to_jieba(tmp_path, monkeypatch) -> None:
    import tempfile

    cache = tmp_path / "jieba.cache"
    cache.write_bytes(b"\x00not marshal")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    stub, calls = _stub_jieba()
    segment._initialise(stub)           # damaged: jieba builds it (and the cache) again
    assert calls and stub.dt.initialized and stub.dt.total > 0
    assert cache.stat().st_size > 1000
    stub, calls = _stub_jieba(tmp_dir=str(tmp_path))
    segment._initialise(stub)           # a cache place of its own: jieba's rules
    assert calls and stub.dt.initialized


def test_tag_table_is_cached_and_rebuilt_when_damaged(tmp_path, monkeypatch) -> None:
    import importlib
    import tempfile

    fresh = dict(importlib.import_module(segment.module().__name__ + ".posseg").dt.word_tag_tab)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    segment._cached_tags.cache_clear()
    assert segment.word_tags() == fresh
    cache, = tmp_path.glob("fazhi-kg-tags.*.cache")
    segment._cached_tags.cache_clear()
    assert segment.word_tags() == fresh                 # read back from the cache
    cache.write_bytes(cache.read_bytes()[:1000])         # cut short
    segment._cached_tags.cache_clear()
    assert segment.word_tags() == fresh
    assert len(cache.read_bytes()) > 1000                # written whole again
