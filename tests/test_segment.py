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
