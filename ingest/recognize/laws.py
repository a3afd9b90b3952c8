"""法律: laws, regulations, rules and named policy or working documents.

Four ways a report names one, tried sentence by sentence:

1. a title in book-title marks, 《…》 — nearly always a document; titles of
   certificates, newspapers, programmes and books (by their ending, see
   ``data/lexicons/laws-patterns.txt``) are not;
2. a known law without marks (宪法, 行政处罚法, 习近平法治思想), from the law
   gazetteer (``ingest.gazetteer``), longest form first;
3. a quoted working document, “2023年…工作要点”;
4. a year-led working document without marks, 2024年全面依法治市工作要点.

Known laws carry ``Mention.key`` = the gazetteer's official full name, so
宪法 and 中华人民共和国宪法 resolve to one shared node; the other form goes
into ``aliases``.  Unknown titles are keyed by their name with the version
spelled one way (``（2021-2025年）``), and an unversioned title takes the
key of the versioned one of the same name in the same report, so the two
spellings of one document in a report make one node.  The subtype comes
from the gazetteer, else from the name (:func:`classify`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from ingest import gazetteer
from ingest.hanzi import HAN
from ingest.lexicon import sections
from ingest.rules import rule, words
from kg.model import LAW, Doc, Mention, Report

SOURCE = "laws"
# the rules that make law mentions (data/lexicons/laws-patterns.txt)
TITLE = rule("laws.title")
QUOTED = rule("laws.quoted")
BARE = rule("laws.bare")
NAMED = rule("laws.named")
_PRC = "中华人民共和国"

# 《…》 within a sentence; nested 〈〉 are kept inside the title.
_TITLE = re.compile(words(TITLE)[0])
_QUOTED = re.compile(words(QUOTED)[0])
_YEARS = re.compile(r"[（(]?(\d{4})\s*[-—–―‒‐‑－~〜～至]\s*(\d{4})\s*年?[）)]?$")
_SPACES = re.compile(r"\s+")
_QUOTES = re.compile(r"[“”\"‘’'「」『』]")


def _section(name: str) -> tuple[str, ...]:
    return sections("laws-patterns.txt").get(name, ())


# after a bare "…法", these make the 法 part of 法治/法律/法规/法学
_LAW_WORD_TAIL = frozenset(_section("law_word_tail"))
# after a bare law name these make a commemorative day or week (宪法宣传日)
_DAY_WORDS = _section("day_words")
# a township-level name at the head of a title, or inside it
_TOWNSHIP_HEAD = re.compile(_section("township_head")[0])
_TOWNSHIP_INSIDE = re.compile(_section("township_inside")[0])
_GENERIC_TOWNSHIP = _section("generic_townships")
_NOT_BEFORE_TOWNSHIP = "".join(_section("not_before_township"))
# Bodies above the township at the head of a title: 国务院…, 中共…, 全县….
_SUPERIOR_HEAD = re.compile(r"^(?:\d{4}年度?)?(?:" + "|".join(_section("superior_heads")) + ")")


# ------------------------------------------------------------ lexicons

def lexicon(name: str) -> dict[str, tuple[str, ...]]:
    """A sectioned word list from data/lexicons/ (``[section]`` headers)."""
    return sections(name)


def trie_regex(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` as a prefix tree, longest first.

    ``re`` tries alternatives one by one; a flat alternation of a thousand
    names costs a thousand tries per position, a tree only a few.
    """
    trie: dict = {}
    for w in words:
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:   # a word may stop here, but the longer one is tried first
            body = "(?:" + body + ")?"
        return body

    return build(trie)


def _endswith_any(text: str, endings: Iterable[str]) -> bool:
    return any(text.endswith(e) for e in endings)


# ------------------------------------------------------------ gazetteer

@cache
def _gazetteer():
    """(index, bare-name regex, …) from the law gazetteer."""
    index = gazetteer.law_index()
    forms: set[str] = set()
    for entry in gazetteer.load_laws():
        for form in entry.surface_forms:
            for f in (form, _QUOTES.sub("", form)):
                if len(f) >= 2 and "（" not in f and "(" not in f:
                    forms.add(f)
    bare = re.compile(trie_regex(sorted(forms, key=len, reverse=True))) if forms else None
    return index, bare, gazetteer.normalize


def lookup(label: str):
    """The gazetteer entry a title names, or None."""
    index, _, normalize = _gazetteer()
    key = normalize(label)
    entry = index.get(key)
    if entry is None and key.startswith("中华人民共和国"):
        entry = index.get(key[len("中华人民共和国"):])
    if entry is not None:
        # a version must be the entry's own: 纲要（2015-2020年） is not the
        # 2021 edition whose unversioned alias it would otherwise reach
        wanted = _YEARS.search(key)
        if wanted:
            have = _YEARS.search(normalize(entry.name)) or _YEARS.search(normalize(entry.full_name))
            if have is None or have.groups() != wanted.groups():
                return None
    return entry


# ------------------------------------------------------------ names

def version_key(label: str) -> tuple[str, str | None]:
    """(name without version, version as ``（2021-2025年）`` or None)."""
    text = _SPACES.sub("", label)
    m = _YEARS.search(text)
    if not m or m.start() == 0:
        return text, None
    return text[: m.start()], f"（{m.group(1)}-{m.group(2)}年）"


def canonical(label: str) -> str:
    """The identity name of an unknown title: one spelling of the version."""
    stem, version = version_key(label)
    stem = stem.replace("(", "（").replace(")", "）")
    return stem + (version or "")


def is_law_title(title: str) -> bool:
    """False for 《行政执法证》, 《人民日报》, 《宪法读本》 and the like."""
    t = _SPACES.sub("", title)
    if len(t) < 2:
        return False
    return not _endswith_any(t, lexicon("laws-patterns.txt").get("not_law_endings", ()))


def is_local(label: str, rep: Report) -> bool:
    """A paper of the township itself: named with it, or with 我镇/本镇."""
    lex = lexicon("laws-patterns.txt")
    if any(m in label for m in lex.get("local_markers", ())):
        return True
    if any(u and u in label for u in rep.meta.name_forms()):
        return True
    head = _TOWNSHIP_HEAD.match(label)
    if head and not any(g in head.group() for g in _GENERIC_TOWNSHIP):
        return True
    for t in _TOWNSHIP_INSIDE.finditer(label):
        if not any(g in t.group() for g in _GENERIC_TOWNSHIP) and t.group()[1] not in _NOT_BEFORE_TOWNSHIP:
            return True
    return False


def _division_head(label: str) -> bool:
    """Does the title start with a province/prefecture/county name?"""
    index = gazetteer.division_index()
    for n in range(2, min(len(label), 9) + 1):
        if label[:n] in index:
            return True
    return False


def classify(label: str, rep: Report) -> str:
    """The subtype of a title the gazetteer does not know, from its name."""
    lex = lexicon("laws-patterns.txt")
    stem, _ = version_key(label)
    stem = re.sub(r"[（(][^（）()]*[）)]$", "", stem) or stem   # （试行）, （修正）
    if stem.startswith(lex.get("party_prefixes", ())) or _endswith_any(stem, lex.get("party_endings", ())):
        return "党内法规"
    if is_local(label, rep):
        return "本地文件"
    if _endswith_any(stem, lex.get("law_endings", ())) and not stem.endswith(lex.get("not_law_word_endings", ())):
        return "法律"
    local_place = _division_head(stem)
    if _endswith_any(stem, lex.get("regulation_endings", ())):
        return "地方性法规" if local_place else "行政法规"
    if _endswith_any(stem, lex.get("rule_endings", ())):
        return "规章"
    if (not local_place and not _SUPERIOR_HEAD.match(stem)
            and _endswith_any(stem, lex.get("own_paper_endings", ()))):
        return "本地文件"
    return "政策文件"


def _clean_title(inner: str) -> str:
    return _QUOTES.sub("", _SPACES.sub("", inner)).strip()


def make_mention(text: str, label: str, start: int, end: int, sentence: int,
                 rep: Report, rule_id: str, *, known_only: bool = False) -> Mention | None:
    """A 法律 mention for ``label`` made by rule ``rule_id``, keyed and typed (gazetteer first)."""
    entry = lookup(label)
    if entry is None and known_only:
        return None
    m = Mention(type=LAW, text=text, label=label, start=start, end=end,
                sentence=sentence, source=SOURCE, rules=[rule_id])
    if entry is not None:
        m.subtype = entry.subtype
        m.key = entry.full_name
        for form in (entry.name, entry.full_name):
            if form != label:
                m.aliases.add(form)
    else:
        m.subtype = classify(label, rep)
        if label.startswith(_PRC) and len(label) > len(_PRC) + 1:
            # 中华人民共和国某某法 and 某某法 are one law across reports
            m.aliases.add(label[len(_PRC):])
            m.key = canonical(label[len(_PRC):])
        elif m.subtype != "本地文件":
            m.key = canonical(label)
    written = _clean_title(text.strip("《》"))
    if written != label:
        m.aliases.add(written)
    return m


# ------------------------------------------------------------ patterns

@cache
def _named_doc() -> re.Pattern[str]:
    """A year-led working document without marks: 2024年…工作要点.

    Between the year and a general kind of paper something must say what it
    is about: 2025年工作计划 and 年度工作要点 are "the plan of that year", no
    particular document.  A kind that says it itself (学习计划, 培训计划,
    ``[named_doc_specific_endings]``) may follow the year directly.
    """
    lex = lexicon("laws-patterns.txt")
    ends = "|".join(map(re.escape, lex.get("named_doc_endings", ())))
    specific = "|".join(map(re.escape, lex.get("named_doc_specific_endings", ())))
    return re.compile(rf"(?:\d{{4}}年度?|(?<![\d年])年度)(?:(?!度)[{HAN}]{{1,18}}?(?:{ends})|(?:{specific}))")


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def find(doc: Doc, rep: Report) -> None:
    """Append the 法律 mentions of every sentence of ``rep``."""
    _, bare, _ = _gazetteer()
    ends = lexicon("laws-patterns.txt").get("named_doc_endings", ())
    named = _named_doc()
    found: list[Mention] = []
    for s in rep.sentences:
        text = s.text
        taken: list[tuple[int, int]] = []
        for t in _TITLE.finditer(text):
            taken.append(t.span())
            if _in_report_title(rep, s.start + t.start()):
                continue   # 《某某镇2024年法治政府建设工作报告》: the report itself
            label = _clean_title(t.group(1))
            if not is_law_title(label):
                continue
            m = make_mention(t.group(), label, s.start + t.start(), s.start + t.end(), s.index, rep, TITLE)
            if m is not None:
                # a title inside an activity (《民法典》专题讲座) still names the law
                m.nested = True
                found.append(m)
        for q in _QUOTED.finditer(text):
            label = _clean_title(q.group(1))
            if _inside(taken, *q.span()) or not _endswith_any(label, ends) or "、" in label:
                continue
            taken.append(q.span())
            m = make_mention(q.group(), label, s.start + q.start(), s.start + q.end(), s.index, rep, QUOTED)
            if m is not None:
                m.nested = True
                found.append(m)
        if bare is not None:
            for b in bare.finditer(text):
                if b.end() == b.start() or _inside(taken, *b.span()):
                    continue
                if b.group().endswith("法") and text[b.end():b.end() + 1] in _LAW_WORD_TAIL:
                    continue   # 教育法治, 农业法律: the word 法治/法律, not a law
                m = make_mention(b.group(), _clean_title(b.group()), s.start + b.start(), s.start + b.end(),
                                 s.index, rep, BARE, known_only=True)
                if m is not None:
                    # 民法典学习宣传 names the law; 宪法宣传日 names a day
                    if not text.startswith(_DAY_WORDS, b.end()):
                        m.nested = True
                    taken.append(b.span())
                    found.append(m)
        for n in (named.finditer(text) if "年" in text else ()):
            if any(not (n.end() <= a or n.start() >= b) for a, b in taken):
                continue
            m = make_mention(n.group(), n.group(), s.start + n.start(), s.start + n.end(), s.index, rep, NAMED)
            if m is not None:
                if m.subtype == "政策文件" and not n.group().endswith("要点") and not _SUPERIOR_HEAD.match(n.group()):
                    m.subtype = "本地文件"   # 年度学习计划: the township's own plan
                    m.key = None
                found.append(m)
    _merge_versions(found)
    rep.mentions.extend(found)


def _in_report_title(rep: Report, offset: int) -> bool:
    span = rep.title_span
    return span is not None and span[0] <= offset < span[1]


def _merge_versions(mentions: list[Mention]) -> None:
    """An unversioned title takes the key of the versioned one in the report.

    《法治政府建设实施纲要》 after 《法治政府建设实施纲要（2021-2025年）》 is
    the same document; a second node for it would be a duplicate.
    """
    versioned: dict[str, str] = {}
    for m in mentions:
        stem, version = version_key(m.label)
        if version:
            versioned.setdefault(canonical(stem), m.key or canonical(m.label))
    for m in mentions:
        stem, version = version_key(m.label)
        if version is None and canonical(stem) in versioned:
            key = versioned[canonical(stem)]
            if m.key != key:
                m.key = key
