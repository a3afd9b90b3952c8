"""The in-memory model that the ingest pipeline fills, stage by stage.

One :class:`Doc` per input file.  Offsets are always into ``Doc.text`` (the
normalised text) unless a name says ``orig``; ``Doc.to_orig`` maps them
back to the original file's characters, which is what provenance stores.

Stages fill these fields in order:

====================  =====================================================
stage                 fills
====================  =====================================================
read                  ``original``, ``encoding``, ``fmt``
normalise             ``text``, ``offsets``
structure             ``reports`` (span, title, sections, signature)
sentences             ``Report.sentences``; metadata → ``Report.meta``
segment               ``Sentence.tokens``
recognise             ``Report.mentions``, ``Report.indicators``
relate                ``Report.relations``
resolve               ``Report.entities``; ``Mention.entity``
triples               ``Doc.graphs``
====================  =====================================================
"""
from __future__ import annotations

import datetime as dt
from array import array
from dataclasses import dataclass, field
from pathlib import Path

#: Entity types, as the gold keys and the pages name them.
TOWNSHIP = "镇"
DIVISION = "行政区"
ORGANIZATION = "机构"
SYSTEM = "制度"
LAW = "法律"
ACTIVITY = "活动"
PERSON = "人员"
#: ENTITY_TYPES, the table of types (classes, colours, identity, relations),
#: is in kg/types.py; these names are its keys.

#: The four parts every annual report must have (国务院《法治政府建设与责任
#: 落实督察工作规定》 asks for them); ``Section.covers`` holds these codes.
REQUIRED_PARTS = {
    "measures": "主要举措和成效",
    "first_responsibility": "党政主要负责人履行推进法治建设第一责任人职责情况",
    "shortcomings": "存在的不足和原因",
    "next_year": "下一年度工作安排",
}


@dataclass
class Section:
    """A heading and the text under it, up to the next heading of its level."""

    index: int
    level: int            # 1 = 一、  2 = （一）  3 = 1、/1.  4 = (1)  5 = 一是
    number: str           # the numbering as written: "一", "（二）", "3"
    title: str            # heading text without its number
    start: int            # offset of the heading
    end: int              # end of the section's content
    parent: int | None = None
    covers: str | None = None   # a REQUIRED_PARTS code, when it is one


@dataclass
class Sentence:
    index: int            # position within its report
    start: int
    end: int
    text: str
    section: int | None = None     # index into Report.sections (innermost)
    tokens: list[str] = field(default_factory=list)


@dataclass
class ReportMeta:
    """Who reports on what year, as the text states it."""

    unit: str | None = None         # 江口镇, as the report names it (鹤龙街)
    unit_name: str | None = None    # the gazetteer's name, for identity (鹤龙街道)
    kind: str | None = None         # 镇 / 乡 / 街道 / 县 / 区 / 市 / 旗
    county: str | None = None       # 云阳县 (county-level unit above a township)
    prefecture: str | None = None   # 邵阳市
    province: str | None = None     # 重庆市
    year: int | None = None
    issued: dt.date | None = None
    issuer: str | None = None
    addressee: str | None = None
    title: str | None = None
    # the county was not stated but inferred from the township gazetteer
    county_inferred: bool = False
    # the township is in the gazetteer (None: a county-level unit)
    in_gazetteer: bool | None = None
    unit_rule: str = ""             # the rule id that decided the unit

    @property
    def is_township(self) -> bool:
        return self.kind in ("镇", "乡", "街道", "苏木")

    def name_forms(self, *, stems: bool = True) -> tuple[str, ...]:
        """How a text may name the reporting unit, longest first.

        With its county in front (云阳县江口镇), as the report names it
        (江口镇, 鹤龙街), the gazetteer's name (鹤龙街道), and the stem
        without its kind (江口, 鹤龙).  The kind is ``kind``, not whatever
        a name happens to end with: 城区街道's stem is 城区, never 街道.  A
        stem of one character (唐镇 → 唐) is no form: alone it matches the
        first character of unrelated words.  ``stems=False`` leaves the
        stems out, for a caller that finds the stem through its own rules.
        """
        forms: list[str] = []
        for name in (self.unit, self.unit_name):
            if not name:
                continue
            if self.county and not name.startswith(self.county):
                forms.append(self.county + name)
            forms.append(name)
            if stems and self.kind and name.endswith(self.kind) and len(name) - len(self.kind) >= 2:
                forms.append(name[: -len(self.kind)])
        return tuple(sorted(dict.fromkeys(forms), key=len, reverse=True))

    def place_names(self, *, stems: bool = True) -> tuple[str, ...]:
        """Names a local label may start with, longest first (so 云阳县江口镇
        goes before 云阳县): the unit's :meth:`name_forms` and its county,
        prefecture and province."""
        outer = [p for p in (self.county, self.prefecture, self.province) if p]
        forms = [*self.name_forms(stems=stems), *outer]
        return tuple(sorted(dict.fromkeys(forms), key=len, reverse=True))


@dataclass
class Mention:
    """One surface occurrence of an entity in the text."""

    type: str             # one of ENTITY_TYPES
    text: str             # exactly as written (text[start:end])
    label: str            # the name to use (quotes dropped, typo mended, …)
    start: int
    end: int
    sentence: int         # Sentence.index within the report
    subtype: str | None = None
    source: str = ""      # the recogniser that found it
    # aliases: extra names (official full name, the typo as written)
    aliases: set[str] = field(default_factory=set)
    entity: str | None = None   # set by resolve: Entity.key
    # ids of the rules that made and trimmed it, in order (ingest.rules;
    # declared in data/lexicons/, scored by ``fazhi-kg eval --rules``)
    rules: list[str] = field(default_factory=list)
    # -- what a recogniser tells the later stages (None/False: not said) --
    # the name identity is minted from, when not the label: a law's official
    # full name, a system's or activity's canonical name, 党委 for 镇党委 (resolve)
    key: str | None = None
    # may stand inside a longer mention: settle keeps both (宪法 in 宪法宣传日)
    nested: bool = False
    # organisations: whose body it is — local (the township's), county (县委,
    # the county's) or shared (国务院, a law firm); resolve mints by it
    scope: str = "local"
    # the county a county-scope body or a named township belongs to (云阳县)
    county: str | None = None
    # divisions: county | prefecture | province (the division's class)
    level: str | None = None
    # organisations: a law firm (fz:LawFirm); also set by the adviser relator
    law_firm: bool = False
    # persons: the whole post chain as written (党委副书记、镇长), and the
    # label of the body it belongs to
    post: str | None = None
    org_label: str | None = None
    # activities: a date stated with it (12-04, 2023-03-15), and a count
    # (召开12次 → 12, "次"; "more" for 12余次)
    date: str | None = None
    count: int | float | None = None
    count_unit: str | None = None
    count_approx: str | None = None


@dataclass
class Indicator:
    """A reported figure: 调处矛盾纠纷 140 起."""

    metric: str
    value: float
    unit: str
    start: int
    end: int
    sentence: int
    text: str             # the shortest quote carrying the figure
    approx: str | None = None   # more / about / atleast
    raw: str = ""         # the number as written (十二, 1.2万)
    subject: str | None = None  # the entity key it is about, when not the township
    rules: list[str] = field(default_factory=list)   # as Mention.rules


@dataclass
class Relation:
    """A fact between two things, found in one sentence.

    ``subject``/``obj`` are mentions, or ``None`` for the reporting unit
    itself; ``obj`` may instead be a plain value (a post, a number).
    """

    predicate: str        # a term of kg.namespace.FZ: "legalAdvisor", "conducts", …
    subject: Mention | None
    obj: Mention | str | int | float | None
    sentence: int
    # legalAdvisor: 律师事务所 / 律师 / 公职律师 / 团队 / 未说明, and a team's size
    advisor_kind: str | None = None
    team_size: int | None = None
    # an object with no mention (an adviser the text does not name): its
    # IRI, label and classes beyond the one its predicate implies
    target: str | None = None
    label: str | None = None
    extra_types: tuple[str, ...] = ()
    # township → activity: the activity's count and date, on the fact
    count: int | float | None = None
    date: str | None = None
    # holdsPost: the organisation the post belongs to (None: not named)
    org_mention: Mention | None = None


@dataclass
class Entity:
    """One node of the graph, after resolution."""

    key: str              # the IRI it becomes
    type: str
    label: str
    aliases: set[str] = field(default_factory=set)
    subtype: str | None = None
    scope: str | None = None    # key of the township a local entity belongs to
    mentions: list[Mention] = field(default_factory=list)
    # from its mentions (the first that says): division class, law firm,
    # a person's post, an activity's date
    level: str | None = None
    law_firm: bool = False
    post: str | None = None
    date: str | None = None


@dataclass
class Report:
    """One township's report; a file may hold pages of several."""

    index: int            # position within the file
    start: int
    end: int
    title: str | None = None
    title_span: tuple[int, int] | None = None
    signature: tuple[int, int] | None = None
    meta: ReportMeta = field(default_factory=ReportMeta)
    sections: list[Section] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    key: str | None = None      # the report's IRI (set by resolve)
    township_key: str | None = None  # the reporting unit's IRI (set by resolve)

    def sentence_at(self, offset: int) -> Sentence | None:
        for s in self.sentences:
            if s.start <= offset < s.end:
                return s
        return None


@dataclass
class Doc:
    """One input file on its way through the pipeline."""

    path: Path
    raw: bytes = b""
    fmt: str = ""               # txt / docx / pdf / html
    encoding: str | None = None
    original: str = ""          # decoded text of the file, as it was
    text: str = ""              # normalised text
    # offsets[i] = index in `original` of text[i]; len(offsets) == len(text) + 1
    offsets: array = field(default_factory=lambda: array("l"))
    reports: list[Report] = field(default_factory=list)
    # graph IRI → N-Triples text of that graph (filled by the triples stage)
    graphs: dict[str, str] = field(default_factory=dict)
    triple_count: int = 0
    warnings: list[str] = field(default_factory=list)
    # the text was written in traditional characters and is read simplified
    simplified: bool = False

    @property
    def name(self) -> str:
        """The file's name, printable: bytes that are not UTF-8 become U+FFFD."""
        return self.path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def to_orig(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the original text."""
        if not self.offsets:
            return start, end
        last = len(self.offsets) - 1
        s = self.offsets[min(max(start, 0), last)]
        e = self.offsets[min(max(end - 1, 0), last)] + 1 if end > start else s
        return s, e
