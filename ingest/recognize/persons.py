"""人员: named persons, with the post (and organisation) the text gives.

A name is taken only where a post says a person stands there:

* right after a post or a chain of posts: 党委书记刘某某为组长, 党委副书记、
  镇长王某某及…, 某某律师事务所律师李某;
* right before a post of ``[posts_before]``: 习近平总书记.

The name is 2–3 characters (a double surname allows one more), starts with
a common surname (``data/lexicons/persons-surnames.txt``), holds no
character of ``[not_in_name]`` and is followed by punctuation or a word of
``[after_name]`` (为, 任, 及, 同志 …) — so 书记担任, 书记亲自 are not names.
Of the longer and shorter readings the longer one that ends on such a
boundary wins.

Each person gets ``Mention.post`` (the whole chain, 党委副书记、镇长) and, for
every post in the chain, a ``holdsPost`` relation whose ``Relation.org_mention``
is the organisation mention written right before the post (or containing
it), when the organisation recogniser found one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest.hanzi import HAN
from ingest.recognize.laws import lexicon, trie_regex
from ingest.rules import rule
from kg.model import ORGANIZATION, PERSON, Doc, Mention, Relation, Report

SOURCE = "persons"
# the rules that make person mentions (data/lexicons/persons-posts.txt)
AFTER_POST = rule("persons.after-post")
BEFORE_POST = rule("persons.before-post")

_ALL_HAN = re.compile(rf"[{HAN}]+")
_PUNCT = frozenset("，。、；：,.;:（）()《》“”\"‘’ 　\n！？!?—-")


@dataclass(frozen=True)
class _Lex:
    surnames: frozenset[str]
    double_surnames: frozenset[str]
    after: tuple[str, ...]
    not_names: tuple[str, ...]
    not_in_name: frozenset[str]
    takes_post: tuple[str, ...]  # 为, 任: 张某为组长、… (the post is 张某's)
    posts_before: tuple[str, ...]
    chain: re.Pattern[str]       # 党委副书记、镇长 — posts joined by 、
    before: re.Pattern[str]      # 习近平总书记 — three or two letters, then the post
    post_split: re.Pattern[str]


@cache
def _lex() -> _Lex:
    posts = lexicon("persons-posts.txt")
    names = lexicon("persons-surnames.txt")[""]
    post_re = trie_regex(sorted(posts.get("posts", ()), key=len, reverse=True))
    before_re = trie_regex(sorted(posts.get("posts_before", ()), key=len, reverse=True))
    return _Lex(
        surnames=frozenset(n for n in names if len(n) == 1),
        double_surnames=frozenset(n for n in names if len(n) == 2),
        after=tuple(sorted(posts.get("after_name", ()), key=len, reverse=True)),
        not_names=posts.get("not_names", ()),
        not_in_name=frozenset("".join(posts.get("not_in_name", ()))),
        takes_post=posts.get("takes_post", ()),
        posts_before=posts.get("posts_before", ()),
        chain=re.compile(rf"(?:{post_re})(?:、(?:{post_re}))*"),
        before=re.compile(rf"([{HAN}]{{2,4}})({before_re})"),
        post_split=re.compile("、"),
    )


def _name_ok(name: str, lex: _Lex) -> bool:
    """Starts with a surname, 1–2 given characters none of them a unit word."""
    if name[:2] in lex.double_surnames:
        given = name[2:]
    elif name[:1] in lex.surnames:
        given = name[1:]
    else:
        return False
    return 1 <= len(given) <= 2 and not any(c in lex.not_in_name for c in given)


def _boundary(text: str, i: int, lex: _Lex) -> bool:
    """Does a name end at ``i``: end, punctuation or a word like 为, 同志?"""
    return i >= len(text) or text[i] in _PUNCT or text.startswith(lex.after, i)


def name_after(text: str, i: int) -> str | None:
    """The name that starts at ``i`` (right after a post), or None."""
    lex = _lex()
    if text.startswith(lex.not_names, i):
        return None
    for n in (4, 3, 2):
        name = text[i:i + n]
        if len(name) < n or not _ALL_HAN.fullmatch(name):
            continue
        if n == 4 and name[:2] not in lex.double_surnames:
            continue
        if _name_ok(name, lex) and _boundary(text, i + n, lex):
            return name
    return None


def _org_for(orgs: list[Mention], start: int) -> Mention | None:
    """The organisation mention right before a post, or one containing it."""
    best = None
    for m in orgs:
        if m.end == start or (m.start <= start < m.end):
            if best is None or m.end - m.start > best.end - best.start:
                best = m
    return best


def _person(rep: Report, s_start: int, sent: int, name: str, a: int, post: str,
            org: Mention | None, rule_id: str) -> Mention:
    m = Mention(type=PERSON, text=name, label=name, start=s_start + a, end=s_start + a + len(name),
                sentence=sent, source=SOURCE, post=post, rules=[rule_id])
    if org is not None:
        m.org_label = org.label
    return m


def find(doc: Doc, rep: Report) -> None:
    """Append 人员 mentions and their holdsPost relations."""
    lex = _lex()
    people: list[Mention] = []
    relations: list[Relation] = []
    orgs: dict[int, list[Mention]] = {}
    for m in rep.mentions:
        if m.type == ORGANIZATION:
            orgs.setdefault(m.sentence, []).append(m)
    for s in rep.sentences:
        text = s.text
        seen: set[int] = set()
        for p in lex.chain.finditer(text):
            name = name_after(text, p.end())
            if name is None or p.end() in seen:
                continue
            seen.add(p.end())
            chain, c_start = p.group(), p.start()
            if "、" in chain and text[:c_start].endswith(lex.takes_post):
                # 张某为组长、党委副书记、镇长刘某: the first post is the one before
                cut = chain.index("、") + 1
                chain, c_start = chain[cut:], c_start + cut
            org = _org_for(orgs.get(s.index, []), s.start + c_start)
            person = _person(rep, s.start, s.index, name, p.end(), chain, org, AFTER_POST)
            people.append(person)
            for post in lex.post_split.split(chain):
                relations.append(Relation(predicate="holdsPost", subject=person, obj=post,
                                          sentence=s.index, org_mention=org))
        if any(p in text for p in lex.posts_before):
            for b in lex.before.finditer(text):
                letters, post = b.group(1), b.group(2)
                # the name is the last 3 (or 2) letters before the post
                for n in (3, 2):
                    name = letters[-n:]
                    a = b.start(2) - n
                    if len(name) == n and _name_ok(name, lex) and a not in seen:
                        seen.add(a)
                        person = _person(rep, s.start, s.index, name, a, post, None, BEFORE_POST)
                        people.append(person)
                        relations.append(Relation(predicate="holdsPost", subject=person, obj=post,
                                                  sentence=s.index, org_mention=None))
                        break
    rep.mentions.extend(people)
    rep.relations.extend(relations)
