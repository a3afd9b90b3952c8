"""Legal advisers: who serves the reporting unit as its own 法律顾问.

A sentence that names a firm and the word 法律顾问 gives the unit no adviser
by that alone: the firm may advise the villages, the county or an
enterprise, give a lecture, be planned for, or be only where some lawyers
come from.  So each clause is read for a *statement* of the role, and the
role's holder is found in the statement's structure:

* **engage**: [agent] [为 beneficiary] VERB object [为/作为/担任 holder 法律顾问]
  (聘请A律师事务所为镇政府法律顾问; 为各村聘请法律顾问);
* **contract**: [agent] 与 object VERB …法律顾问合同 (与A律师事务所签订…); when
  the other party is no lawyer (A律师事务所与镇商会签订…) it is the holder;
* **serve**: 由 object 担任 holder 法律顾问, holder 法律顾问由 object 担任, and
  holder 法律顾问为 object律师 (who the adviser is);
* **provide**: object 为 holder 提供…法律顾问服务;
* **team**: holder 法律顾问团 … (a team exists only by being engaged);
* **duty**: a clause that opens with holder 法律顾问 and goes on with what an
  adviser does (法律顾问全年审查合同30份) states that there is one.

A statement whose own clause does not name the role (与A律师事务所签订协议)
takes it from the next statement of the sentence (…，为全镇各村配备法律顾问).
The holder is the words in front of the role word (村法律顾问, 县政府法律顾问),
else the beneficiary (为各村), else the agent (县司法局聘请); it is the unit
unless [other] cues name someone else (in a county's report, its townships
are others).  A modal word before the verb (拟, 应当, 鼓励 …), a noun the role
word modifies (法律顾问制度, 法律顾问作用), or the report's parts on
shortcomings and next year's plans make no statement.  Cue words:
``data/lexicons/advisers-cues.txt``.

One relation per adviser and report:

* ``律师事务所`` — obj is the firm's Mention (marked ``law_firm``);
* ``律师`` — obj is a 人员 Mention when one is named, else an unnamed lawyer;
* ``团队`` (``team_size`` when stated), ``公职律师``, ``未说明``, and an
  unnamed ``律师`` — obj is None and ``target`` a minted adviser node typed
  ``fz:Advisor``.

``未说明`` is kept only when nothing more specific was found: a report that
names its firm once and says 聘请法律顾问 elsewhere has one adviser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest import numerals, segment
from ingest.hanzi import HAN
from ingest.lexicon import sections as lexicon
from kg.model import ORGANIZATION, PERSON, Doc, Mention, Relation, Report
from kg.namespace import FZ, mint

_CLAUSE_END = re.compile(r"[，。；！？,;：:]")
_PLACE = re.compile(rf"[{HAN}]{{1,8}}?(?:镇|乡|街道|苏木)")
_TOWNSHIP = re.compile(r"乡镇|镇|乡|街道|苏木")
_COUNTY_KINDS = ("县", "区", "市", "旗", "自治县", "自治旗")
#: Parts of a report that say what is lacking or planned, not what was done.
_NOT_DONE = frozenset({"shortcomings", "next_year"})
_SENT_END = re.compile(r"[。；！？;!?…]\s*$")
#: the Chinese numerals a team's size is written with (十二名律师)
_CN_COUNT = "零一二三四五六七八九十两"


@dataclass(frozen=True)
class _Cues:
    engage: frozenset[str]
    glued: frozenset[str]
    contract: frozenset[str]
    partner: frozenset[str]
    markers: frozenset[str]
    serve: frozenset[str]
    role: re.Pattern[str]
    team: re.Pattern[str]
    public: re.Pattern[str]
    modal: frozenset[str]
    modified: re.Pattern[str]
    source: re.Pattern[str]
    setup: re.Pattern[str]
    beneficiary: re.Pattern[str]
    provide: frozenset[str]
    for_words: frozenset[str]
    own: re.Pattern[str]
    both: re.Pattern[str]
    other: re.Pattern[str]
    duty: re.Pattern[str]
    modifiers: re.Pattern[str]
    any: re.Pattern[str]         # a sentence is read only when it holds one of these
    count: re.Pattern[str]       # a team's size: 5名, 三人
    lead: re.Pattern[str]        # words joining a clause to the one before (同时, 2023年)
    fillers: re.Pattern[str]     # what joins holders (的, 、, 两级)
    copula: re.Pattern[str]      # 法律顾问为/是 X
    invite: frozenset[str]       # 邀请 X 担任…: X starts after it
    composed: re.Pattern[str]    # a team made up of (组成) lawyers
    not_copula: re.Pattern[str]  # … unless X is served (为群众提供)


def _alt(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@cache
def _cues() -> _Cues:
    lex = lexicon("advisers-cues.txt")
    esc = lambda name: _alt(re.escape(w) for w in lex.get(name, ()))  # noqa: E731
    opens, ends = esc("setup_open"), esc("setup")
    return _Cues(
        engage=frozenset(lex["engage"]), glued=frozenset(lex["glued_objects"]), contract=frozenset(lex["contract"]),
        partner=frozenset(lex["partner"]), markers=frozenset(lex["role_markers"]),
        serve=frozenset(lex["serve"]),
        role=re.compile(_alt(lex["roles"])), team=re.compile(_alt(lex["team"])),
        public=re.compile(esc("public_lawyer")), modal=frozenset(lex["modal"]),
        modified=re.compile(f"(?:团|团队)?(?:{esc('modified')})"),
        source=re.compile(esc("source")),
        setup=re.compile(f"(?:{opens}).*?(?:{ends})"),
        beneficiary=re.compile(f"(?:{esc('beneficiary')})(.+)$"),
        provide=frozenset(lex["provide"]), for_words=frozenset(lex["provide_for"]),
        own=re.compile(_alt(lex["own"])), other=re.compile(_alt(lex["other"])),
        both=re.compile(_alt(lex["both"]) + rf"|(?:{_alt(lex['own'])})[^，。；]{{0,4}}?(?:{esc('holder_conjunctions')})"
                        rf"[^，。；]{{0,3}}?(?:{_alt(lex['other'])})"),
        duty=re.compile(f"^(?:{_alt(lex['duty_adverbs'])})*(?:{esc('duty')})"),
        modifiers=re.compile(esc("role_modifiers")),
        any=re.compile(_alt(lex["sentence_cues"])),
        count=re.compile(rf"(\d+|[{_CN_COUNT}]+)\s*(?:{esc('team_size_units')})"),
        lead=re.compile(f"^(?:{_alt(lex['clause_openers'])})"),
        fillers=re.compile(_alt(lex["holder_fillers"])),
        copula=re.compile(f"(?:{esc('copula')})"), not_copula=re.compile(esc("not_copula")),
        invite=frozenset(lex["invite"]), composed=re.compile(esc("composed")),
    )


@dataclass
class _Statement:
    """One clause's statement of the adviser role."""

    how: str                 # engage | contract | serve | provide | team | duty
    obj: tuple[int, int]     # what is engaged (absolute span; empty for team/duty)
    role: str | None         # the role words, holder in front (None: not in this clause)
    pre: str                 # agent (and beneficiary) before the verb
    modal: bool = False
    after: str = ""          # what follows a role marker that named no role (为江垭镇人民政府)


def _clauses(sent) -> list[tuple[int, list[tuple[int, str]]]]:
    """The sentence's clauses, each as (start, [(absolute offset, token)])."""
    out: list[tuple[int, list[tuple[int, str]]]] = []
    pos, cur = sent.start, []
    for tok in sent.tokens:
        if _CLAUSE_END.fullmatch(tok):
            if cur:
                out.append((cur[0][0], cur))
            cur = []
        elif tok.strip():
            cur.append((pos, tok))
        pos += len(tok)
    if cur:
        out.append((cur[0][0], cur))
    return out


def _role_words(text: str, cues: _Cues) -> re.Match[str] | None:
    """The role word of ``text`` that names an adviser, not a system or task
    (法律顾问制度, 法律顾问作用 name none)."""
    for m in cues.role.finditer(text):
        if not cues.modified.match(text, m.end()):
            return m
    return None


def _statement(text: str, toks: list[tuple[int, str]], cues: _Cues) -> _Statement | None:
    """The statement a clause makes about the adviser role, if any."""
    toks = _unglue(toks, cues)
    words = [t for _, t in toks]
    for i, w in enumerate(words):
        if w in cues.serve and not any(x in cues.engage for x in words[:i]):
            return _serve(text, toks, i, cues)
    for i, w in enumerate(words):
        if w in cues.contract and any(x in cues.partner for x in words[:i]):
            return _contract(text, toks, i, cues)
        if w in cues.engage:
            return _engage(text, toks, i, cues)
    return _bare(text, toks, cues)


def _serve(text: str, toks: list[tuple[int, str]], i: int, cues: _Cues) -> _Statement | None:
    """由X担任…法律顾问, …法律顾问由X担任, X担任…法律顾问."""
    words = [t for _, t in toks]
    start, end = toks[0][0], toks[-1][0] + len(toks[-1][1])
    by = max((j for j in range(i) if words[j] == "由"), default=None)
    after = text[toks[i][0] + len(words[i]):end]
    before_by = text[start:toks[by][0]] if by is not None else ""
    obj = (toks[by][0] + 1 if by is not None else _subject_start(toks, i, cues), toks[i][0])
    modal = _is_modal(words[:i], cues)
    if _role_words(after, cues):
        return _Statement("serve", obj, after, before_by, modal)
    if by is not None and _role_words(before_by, cues):
        return _Statement("serve", obj, before_by, "", modal)
    return None


def _contract(text: str, toks: list[tuple[int, str]], i: int, cues: _Cues) -> _Statement:
    """与X签订…法律顾问合同: X is engaged; the role follows the verb.  When X
    is no lawyer (A律师事务所与镇商会签订…), X is the client: it holds the
    role, and A is engaged."""
    words = [t for _, t in toks]
    start, end = toks[0][0], toks[-1][0] + len(toks[-1][1])
    p = max(j for j in range(i) if words[j] in cues.partner)
    role = text[toks[i][0]:end]
    obj, pre = (toks[p][0] + len(words[p]), toks[i][0]), text[start:toks[p][0]]
    if not cues.any.search(text, *obj):
        obj, pre = (start, toks[p][0]), text[obj[0]:obj[1]]
    return _Statement("contract", obj, role if _role_words(role, cues) else None, pre,
                      _is_modal(words[:i], cues))


def _engage(text: str, toks: list[tuple[int, str]], i: int, cues: _Cues) -> _Statement:
    """[agent] VERB object [为/作为/担任 holder 法律顾问]."""
    words = [t for _, t in toks]
    start, end = toks[0][0], toks[-1][0] + len(toks[-1][1])
    pre = text[start:toks[i][0]]
    k = next((j for j in range(i + 1, len(words)) if words[j] in cues.markers), None)
    obj_end = toks[k][0] if k is not None else end
    head = toks[i][0] + len(words[i])
    role = text[toks[k][0] + len(words[k]):end] if k is not None else None
    after = ""
    if role is None or not _role_words(role, cues):
        after = role or ""
        inner = _role_words(text[head:obj_end], cues)
        role = text[head:head + inner.end()] if inner else None
        if inner and text.startswith("的", head + inner.end()):
            pre = text[head + inner.end() + 1:obj_end]   # 聘请法律顾问的村: the villages engage
    return _Statement("engage", (head, obj_end), role, pre, _is_modal(words[:i], cues), after)


def _bare(text: str, toks: list[tuple[int, str]], cues: _Cues) -> _Statement | None:
    """A clause without a verb of engaging: a team, a service provided for a
    holder (A律师事务所为镇政府提供法律顾问服务) or an adviser at work."""
    words = [t for _, t in toks]
    start, end = toks[0][0], toks[-1][0] + len(toks[-1][1])
    clause = text[start:end]
    m = _role_words(clause, cues)
    if m is None:
        return None
    for j, w in enumerate(words):
        if w in cues.for_words and toks[j][0] < start + m.start():
            k = next((x for x in range(j + 1, len(words)) if words[x] in cues.provide), None)
            if k is not None and toks[k][0] < start + m.start():
                role = text[toks[j][0] + len(w):toks[k][0]] + text[toks[k][0] + len(words[k]):end]
                return _Statement("provide", (start, toks[j][0]), role, "", _is_modal(words[:j], cues))
    team = cues.team.search(clause, m.start())
    if team and team.start() <= m.end():
        if _has_verb_before(toks, start + m.start(), cues):
            return None
        return _Statement("team", (start + m.start(), end), clause[:m.end()], "")
    rest = clause[m.end():]
    if _has_verb_before(toks, start + m.start(), cues):
        return None
    if cues.duty.match(rest):
        return _Statement("duty", (start + m.start(), start + m.start()), clause[:m.end()], "")
    cop = cues.copula.match(rest)
    if cop and "律师" in rest and not cues.not_copula.search(rest):
        # 我镇法律顾问为A律师事务所律师: who the adviser is
        return _Statement("serve", (start + m.end() + cop.end(), end), clause[:m.end()], "")
    return None


def _unglue(toks: list[tuple[int, str]], cues: _Cues) -> list[tuple[int, str]]:
    """Split a verb from the object jieba glued to it: a known object (签订协议
    → 签订|协议), or the start of a name in a word jieba does not know or
    reads as a person's name (续聘华|信律师事务所)."""
    tags = segment.word_tags()
    out: list[tuple[int, str]] = []
    for pos, tok in toks:
        verb = next((tok[:n] for n in (3, 2) if len(tok) > n and (tok[:n] in cues.engage or tok[:n] in cues.contract)),
                    None)
        if verb and (tok[len(verb):] in cues.glued or tags.get(tok, "nr") == "nr"):
            out += [(pos, verb), (pos + len(verb), tok[len(verb):])]
        else:
            out.append((pos, tok))
    return out


def _subject_start(toks: list[tuple[int, str]], i: int, cues: _Cues) -> int:
    """Start of what stands before a serve verb with no 由 (A律师事务所律师担任…)."""
    j = i
    while j > 0 and toks[j - 1][1] not in cues.modal and toks[j - 1][1] not in cues.invite:
        j -= 1
    return toks[j][0] if j < len(toks) else toks[-1][0]


def _tokens_before(toks: list[tuple[int, str]], pos: int) -> list[str]:
    return [t for p, t in toks if p < pos]


def _has_verb_before(toks: list[tuple[int, str]], pos: int, cues: _Cues) -> bool:
    """Whether the clause has words before its role word other than its holder
    and joining words (督促法律顾问参与…, 邀请法律顾问…: no adviser stated)."""
    words = _tokens_before(toks, pos)
    if any(t in cues.modal or t == "由" for t in words):
        return True
    rest = cues.lead.sub("", "".join(words))
    rest = _PLACE.sub("", rest)      # 淮口镇法律顾问团: a place is a holder
    rest = cues.modifiers.sub("", cues.other.sub("", cues.own.sub("", rest)))
    return bool(cues.fillers.sub("", rest))


def _is_modal(words: list[str], cues: _Cues) -> bool:
    return any(w in cues.modal or (len(w) > 1 and w[0] in ("拟", "应", "须") and w[1:] in cues.engage)
               for w in words)


def _holder(st: _Statement, unit_names: list[str], kind: str, cues: _Cues) -> str:
    """``own`` or ``other``: who holds the role a statement gives."""
    if st.role is not None:
        m = _role_words(st.role, cues)
        named = _whose(st.role[:m.start()] if m else st.role, unit_names, kind, cues)
        if named:
            return named
    pre = st.pre
    last_setup = None
    for m in cues.setup.finditer(pre):
        last_setup = m
    if last_setup:
        pre = pre[last_setup.end():]     # 按照县司法局的部署: the rule, not the agent
    ben = cues.beneficiary.search(pre)
    if ben:
        named = _whose(ben.group(1), unit_names, kind, cues)
        if named:
            return named
        pre = pre[:ben.start()]
    return _whose(pre, unit_names, kind, cues) or "own"


def _whose(words: str, unit_names: list[str], kind: str, cues: _Cues) -> str | None:
    """Whose words these are: ``own`` (the unit), ``other``, or None (not said).

    Both named side by side (镇村两级, 镇、村（社区）, 镇政府及各村) is the
    unit's: it has one too; but 全镇各村, 全镇14个村 are the villages."""
    for name in unit_names:
        words = words.replace(name, "\0")
    if kind in _COUNTY_KINDS:
        # a county's report: townships are below it, its own bodies are its own
        words = _TOWNSHIP.sub("村", words)
        words = re.sub(rf"{kind}(?=委|级|政府|人民政府|的|$)", "\0", words)
    words = words.replace("\0", "镇")      # the unit's own name reads as the unit's kind
    if cues.both.search(words):
        return "own"
    if cues.other.search(words):
        return "other"
    if cues.own.search(words):
        return "own"
    return None


def find(doc: Doc, rep: Report) -> None:
    """Append legalAdvisor relations of the reporting unit."""
    cues = _cues()
    text = doc.text
    meta = rep.meta
    unit_names = list(meta.name_forms())
    kind = meta.kind or "镇"
    found: dict[tuple, Relation] = {}
    # grouped once: a scan of every mention per sentence made a long report
    # quadratic (200,000 characters: 19 s of 25 in this function)
    by_sentence: dict[int, list] = {}
    for m in rep.mentions:
        by_sentence.setdefault(m.sentence, []).append(m)
    for n, sent in enumerate(rep.sentences):
        if not cues.any.search(sent.text) or not sent.tokens or _in_parts(rep, sent, _NOT_DONE):
            continue
        mentions = by_sentence.get(sent.index, [])
        statements = [st for _, toks in _clauses(sent) if (st := _statement(text, toks, cues))]
        if statements and statements[-1].role is None and n + 1 < len(rep.sentences):
            _continue(statements[-1], sent, rep.sentences[n + 1], cues)
        for k, st in enumerate(statements):
            if st.modal:
                continue
            if st.role is None:
                # the role named by the next statement of the sentence (签订协议，为各村配备法律顾问)
                nxt = next((s for s in statements[k + 1:] if s.role is not None), None)
                if nxt is None or nxt.modal or _holder(nxt, unit_names, kind, cues) != "own":
                    continue
            elif _holder(st, unit_names, kind, cues) != "own":
                continue
            _relate(text, st, mentions, sent.index, rep, found, cues)
    rels = list(found.values())
    named = {r.sentence for r in rels if r.obj is not None}
    # 与A律师事务所签订协议，由该所律师担任…: the lawyer is the firm's
    rels = [r for r in rels if not (r.advisor_kind == "律师" and r.obj is None and r.sentence in named)]
    if any(r.advisor_kind != "未说明" for r in rels):
        rels = [r for r in rels if r.advisor_kind != "未说明"]
    rep.relations.extend(rels)


def _in_parts(rep: Report, sent, parts: frozenset[str]) -> bool:
    """Whether a sentence stands under a section covering one of ``parts``."""
    i = sent.section
    while i is not None and 0 <= i < len(rep.sections):
        sec = rep.sections[i]
        if sec.covers in parts:
            return True
        i = sec.parent
    return False


def _continue(st: _Statement, sent, nxt, cues: _Cues) -> None:
    """A sentence cut by a page break (聘请A律师事务所为江垭镇人民政府 | 法律顾问，…):
    the role the next line opens with completes the statement."""
    if _SENT_END.search(sent.text) or not nxt.text:
        return
    first = _CLAUSE_END.split(nxt.text, 1)[0]
    m = _role_words(first, cues)
    if m and m.start() == 0:
        st.role = st.after + first


def _relate(text: str, st: _Statement, mentions: list[Mention], index: int, rep: Report,
            found: dict[tuple, Relation], cues: _Cues) -> None:
    """The relations one statement of the unit's own adviser gives."""
    a, b = st.obj
    obj = text[a:b]
    named = False
    # a team made up of firms' lawyers (由A律师事务所等3家律所的律师组成): the
    # team is the adviser, the firms are where its members come from
    composed = cues.composed.search(text, a, b + 2) is not None
    for firm in (m for m in mentions if m.type == ORGANIZATION and m.subtype == "律师事务所"
                 and a <= m.start < b):
        if composed or cues.source.search(text, a, firm.start):
            continue                 # 来自A律师事务所的律师: where they come from
        firm.law_firm = True
        found.setdefault(("律师事务所", id(firm)), Relation(
            "legalAdvisor", None, firm, index, advisor_kind="律师事务所"))
        named = True
    for person in (m for m in mentions if m.type == PERSON and a <= m.start < b):
        if "律师" in text[max(a, person.start - 6):min(b, person.end + 4)]:
            found.setdefault(("律师", id(person)), Relation(
                "legalAdvisor", None, person, index, advisor_kind="律师"))
            named = True
    whole = obj + (st.role or "")
    if cues.team.search(whole):
        kind = "团队"
    elif cues.public.search(obj) or (st.how in ("team", "duty") and cues.public.search(whole)):
        kind = "公职律师"
    elif named:
        return
    elif "律师" in obj.replace("律师事务所", "") and st.how != "duty":
        kind = "律师"
    else:
        kind = "未说明"
    rel = _unnamed(rep, kind, index)
    if kind == "团队":
        n = cues.count.search(whole)
        if n and numerals.integer(n.group(1)):
            rel.team_size = numerals.integer(n.group(1))
    found.setdefault((kind,), rel)


def _unnamed(rep: Report, kind: str, index: int) -> Relation:
    """The relation to an adviser the text does not name."""
    meta = rep.meta
    return Relation("legalAdvisor", None, None, index, advisor_kind=kind,
                    target=mint("advisor", meta.county or "_", meta.unit or "_", kind),
                    label=f"法律顾问（{kind}）", extra_types=(FZ.Advisor,))
