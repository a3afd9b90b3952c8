"""The entity types: one table, one row per type.

Everything the project says about a type is a field of its row here, and
the rest of the code reads it from this table:

* the ontology classes (the first one is the class written for the type;
  finer ones are picked by a division's level or counted apart, like
  fz:LawFirm) with their Chinese and English labels — ``tests/test_ontology.py``
  checks them against ``kg/ontology.ttl``, both ways;
* colour and shape (web pages, GEXF, GraphML, CSV), and the English names a
  user may type (``--type org``);
* identity (``ingest/resolve.py``): the IRI's path segment, and whether the
  thing is national (one node for every report naming it) or local to the
  reporting township;
* the township → entity relation (``ingest/relate.py``): the default, and
  the ones a trigger verb in front of the mention may choose;
* which types are gold-key parts (``fazhi-kg eval``) and core; the classes
  the web search finds (all) and ``queries/search.rq`` lists; what
  ``fazhi-kg stats`` and the home page count.

Adding a type is one :class:`EntityType` row (here, or :func:`register` at
run time) plus one recogniser (``ingest/recognize``) that makes mentions of
it; ``tests/test_entity_types.py`` does exactly that.  The derived tables
below (:data:`TYPES`, :data:`CLASS_TYPES` …) are filled in place, so a
module that imported one sees a type registered later.

Class IRIs are plain strings, not ``kg.namespace.FZ`` terms: a type added at
run time may name a class that namespace does not declare.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg.model import ACTIVITY, DIVISION, LAW, ORGANIZATION, PERSON, SYSTEM, TOWNSHIP
from kg.namespace import FZ_IRI

#: The node type of fz:Advisor: a legal adviser named only by its kind.
ADVISOR = "法律顾问"

#: Identity scopes (EntityType.scope).
NATIONAL = "national"      # one node wherever it is named: law/<name>
LOCAL = "local"            # one node per township: org/<county>/<township>/<name>
BY_MENTION = "mention"     # the recogniser says (Mention.scope): local, county or shared
COUNTY = "county"          # (a mention's) one node per county: org/<county>/<name>
TOWNSHIP_SCOPE = "township"  # the township gazetteer's identity (resolve.township_key)
DIVISION_SCOPE = "division"  # <level>/<name>: county/云阳县

_SCOPES = (NATIONAL, LOCAL, COUNTY, BY_MENTION, TOWNSHIP_SCOPE, DIVISION_SCOPE)
#: GEXF 1.3's node shapes (viz.rng), but ``image``, which needs a picture.
SHAPES = ("disc", "square", "triangle", "diamond")


@dataclass(frozen=True)
class EntityClass:
    """One ontology class of a type."""

    name: str                 # local name in the fz: namespace: "County"
    zh: str                   # its rdfs:label@zh, shown as the node's class
    en: str                   # its rdfs:label@en
    #: most specific first: an entity typed twice (LawFirm and Organization)
    #: takes the lower; exports read classes in this order
    rank: int = 50
    written: bool = True      # False: only a superclass (fz:Division), never written
    apart: bool = False       # counted on a line of its own (律师事务所), not in its type's
    level: str | None = None  # the division level (Entity.level) that picks it
    search: str | None = None  # its name in search.rq's type choices, when not zh

    @property
    def iri(self) -> str:
        return FZ_IRI + self.name


@dataclass(frozen=True)
class EntityType:
    """One entity type: a row of the table."""

    key: str                  # the Chinese name: Mention.type, gold keys, pages (机构)
    en: str                   # English name (also an alias)
    classes: tuple[EntityClass, ...]
    color: str                # "#rrggbb"
    shape: str = "disc"       # GEXF viz:shape (disc, square, triangle, diamond)
    aliases: tuple[str, ...] = ()   # more English names a user may type
    segment: str = "entity"   # the IRI path segment: id/<segment>/… (a division's is its level)
    scope: str = NATIONAL     # identity scope, one of the constants above
    #: subtypes that make a national thing local (a township's own documents)
    local_subtypes: frozenset[str] = frozenset()
    #: scopes in which the identity name drops the place in front
    #: (江口镇司法所 = 司法所); a person's name keeps everything
    strip_place: frozenset[str] = frozenset({NATIONAL, LOCAL, COUNTY})
    relation: str | None = None     # township → it when no trigger verb says (None: not linked)
    triggers: tuple[str, ...] = ()  # relations a trigger verb before it may choose
    gold: bool = True         # a part of the gold keys (fazhi-kg eval)
    #: a type queries/search.rq finds (every type the web search finds is;
    #: the canned query leaves out advisers named only by kind)
    canned_search: bool = True
    core: bool = False        # one of the core entity types of the scores

    def __post_init__(self) -> None:
        if self.scope not in _SCOPES:
            raise ValueError(f"entity type {self.key}: scope '{self.scope}' is none of {', '.join(_SCOPES)}")
        if self.shape not in SHAPES:
            raise ValueError(f"entity type {self.key}: shape '{self.shape}' is none of {', '.join(SHAPES)}")
        if not self.classes:
            raise ValueError(f"entity type {self.key}: no ontology class")

    @property
    def counted(self) -> tuple[EntityClass, ...]:
        """The classes an entity of this type is counted (and scored, searched) under."""
        return tuple(c for c in self.classes if c.written and not c.apart)

    def class_for(self, level: str | None = None) -> EntityClass:
        """The class written for an entity: for a type with levels (divisions)
        its level's, the county's when the level is unknown; else the first."""
        levelled = {c.level: c for c in self.classes if c.level}
        if levelled:
            return levelled.get(level or COUNTY) or levelled.get(COUNTY) or self.classes[0]
        return self.classes[0]


_C = EntityClass

#: The table, in display order (the legend's).  Colours are Okabe–Ito-like
#: hues chosen to stay distinguishable for the common forms of colour
#: blindness; 镇 is the darkest because townships are the hubs every other
#: node hangs from.
_ROWS: tuple[EntityType, ...] = (
    EntityType(TOWNSHIP, "township", (_C("Township", "镇", "township", rank=0, search="乡镇"),),
               "#1f3a93", segment="township", scope=TOWNSHIP_SCOPE),
    EntityType(DIVISION, "division",
               (_C("County", "县级行政区", "county", rank=1, level="county"),
                _C("Prefecture", "地级行政区", "prefecture", rank=2, level="prefecture"),
                _C("Province", "省级行政区", "province", rank=3, level="province"),
                _C("Division", "行政区", "administrative division", rank=91, written=False)),
               "#56b4e9", aliases=("county",), segment="county", scope=DIVISION_SCOPE),
    EntityType(ORGANIZATION, "organization",
               (_C("Organization", "机构", "organization", rank=90),
                _C("LawFirm", "律师事务所", "law firm", rank=4, apart=True)),
               "#e69f00", aliases=("organisation", "org"), segment="org", scope=BY_MENTION,
               strip_place=frozenset({LOCAL, COUNTY}),
               relation="relatedTo", triggers=("establishes",), core=True),
    EntityType(SYSTEM, "system", (_C("System", "制度", "system", rank=8),),
               "#009e73", segment="system", relation="implements",
               triggers=("implements", "establishes"), core=True),
    EntityType(LAW, "law", (_C("Law", "法律", "law", rank=7),),
               "#d55e00", segment="law", local_subtypes=frozenset({"本地文件"}),
               strip_place=frozenset({LOCAL}),
               relation="cites", triggers=("studies", "cites"), core=True),
    EntityType(ACTIVITY, "activity", (_C("Activity", "活动", "activity", rank=9),),
               "#cc79a7", segment="activity", relation="conducts", triggers=("conducts",), core=True),
    EntityType(PERSON, "person", (_C("Person", "人员", "person", rank=6),),
               "#8c564b", segment="person", scope=LOCAL, strip_place=frozenset()),
    EntityType(ADVISOR, "advisor", (_C("Advisor", "法律顾问", "legal adviser", rank=5),),
               "#f0e442", aliases=("adviser",), segment="advisor", gold=False, canned_search=False),
)

#: key → row, in display order (the table itself).
ENTITY_TYPES: dict[str, EntityType] = {}

# Derived tables, filled (in place) by _derive() whenever the table changes.
#: Type keys in display order.
TYPES: list[str] = []
#: Type → colour.
TYPE_COLORS: dict[str, str] = {}
#: Type → GEXF viz:shape.
TYPE_SHAPES: dict[str, str] = {}
#: Class IRI → type.
CLASS_TYPES: dict[str, str] = {}
#: Class IRI → the class's Chinese name (finer than the type).
CLASS_NAMES: dict[str, str] = {}
#: Class IRIs, most specific first.
CLASS_RANK: list[str] = []
#: English name → type.
TYPE_ALIASES: dict[str, str] = {}

_LISTENERS: list[Callable[[], None]] = []


def _derive() -> None:
    rows = list(ENTITY_TYPES.values())
    classes = [(c, t) for t in rows for c in t.classes]
    TYPES[:] = [t.key for t in rows]
    _refill(TYPE_COLORS, {t.key: t.color for t in rows})
    _refill(TYPE_SHAPES, {t.key: t.shape for t in rows})
    _refill(CLASS_TYPES, {c.iri: t.key for c, t in classes})
    _refill(CLASS_NAMES, {c.iri: c.zh for c, t in classes})
    CLASS_RANK[:] = [c.iri for c, _ in sorted(classes, key=lambda ct: ct[0].rank)]
    _refill(TYPE_ALIASES, {a: t.key for t in rows for a in (t.en, *t.aliases)})


def _refill(target: dict, values: dict) -> None:
    target.clear()
    target.update(values)


def on_change(fn: Callable[[], None]) -> None:
    """Call ``fn`` now and whenever a type is registered or removed (for
    tables a module derives itself, and caches)."""
    _LISTENERS.append(fn)
    fn()


def _changed() -> None:
    _derive()
    for fn in _LISTENERS:
        fn()


def register(row: EntityType) -> None:
    """Add a type (or replace the row of its key) and refresh every derived table."""
    taken = {c.iri: t.key for t in ENTITY_TYPES.values() if t.key != row.key for c in t.classes}
    for c in row.classes:
        if c.iri in taken:
            raise ValueError(f"entity type {row.key}: class fz:{c.name} is already {taken[c.iri]}'s")
    ENTITY_TYPES[row.key] = row
    _changed()


def unregister(key: str) -> None:
    """Remove a type registered with :func:`register` (tests put the table back)."""
    if ENTITY_TYPES.pop(key, None) is not None:
        _changed()


def get(key: str | None) -> EntityType | None:
    return ENTITY_TYPES.get(key or "")


def gold_types() -> dict[str, tuple[str, ...]]:
    """Gold-key type → local names of the classes it is scored under (kg.evaluate)."""
    return {t.key: tuple(c.name for c in t.counted) for t in ENTITY_TYPES.values() if t.gold}


def core_types() -> tuple[str, ...]:
    return tuple(t.key for t in ENTITY_TYPES.values() if t.gold and t.core)


def stat_classes() -> dict[str, tuple[str, ...]]:
    """Line of ``fazhi-kg stats`` → class IRIs counted on it: a type's classes,
    and after it a class counted apart (律师事务所)."""
    out: dict[str, tuple[str, ...]] = {}
    for t in ENTITY_TYPES.values():
        out[t.key] = tuple(c.iri for c in t.counted)
        for c in t.classes:
            if c.apart:
                out[c.zh] = (c.iri,)
    return out


def search_classes() -> list[tuple[str, str]]:
    """(class IRI, name) of the classes queries/search.rq finds, in table order."""
    return [(c.iri, c.search or c.zh) for t in ENTITY_TYPES.values() if t.canned_search
            for c in t.counted]


for _row in _ROWS:
    ENTITY_TYPES[_row.key] = _row
_derive()

__all__ = ["ADVISOR", "BY_MENTION", "CLASS_NAMES", "CLASS_RANK", "CLASS_TYPES", "COUNTY",
           "DIVISION_SCOPE", "ENTITY_TYPES", "EntityClass", "EntityType", "LOCAL", "NATIONAL", "SHAPES",
           "TOWNSHIP_SCOPE", "TYPES", "TYPE_ALIASES", "TYPE_COLORS", "TYPE_SHAPES", "core_types",
           "get", "gold_types", "on_change", "register", "search_classes",
           "stat_classes", "unregister"]
