"""One palette and one set of Chinese display names for the whole project.

The exports (GEXF colours, CSV/GraphML attributes) and the web pages import
this module, so a 法律 node is the same colour in Gephi as in the browser and
a relation reads 开展 everywhere.

The types' colours, shapes and names are rows of :mod:`kg.types` (the one
table of entity types); this module adds the relations' names and the
helpers that read them.
"""
from __future__ import annotations

from kg.namespace import FZ, ORG, PROV, RDFS, SKOS

# The type tables are kg.types' (one row per type); they are named here too
# because the exports and pages have always read them from this module.
from kg.types import ADVISOR, CLASS_NAMES, CLASS_TYPES, TYPE_ALIASES, TYPE_COLORS, TYPE_SHAPES, TYPES

#: Colour of a node whose type is unknown.
OTHER_COLOR = "#999999"
#: Shape of a node whose type is unknown.
OTHER_SHAPE = "disc"

#: Predicate IRI → Chinese display name (the ontology's rdfs:label@zh).
RELATION_NAMES: dict[str, str] = {
    str(FZ.relatedTo): "相关",
    str(FZ.establishes): "设立",
    str(FZ.implements): "实行",
    str(FZ.conducts): "开展",
    str(FZ.studies): "学习宣传",
    str(FZ.cites): "依据",
    str(FZ.legalAdvisor): "法律顾问",
    str(FZ.partOf): "隶属于",
    str(FZ.scope): "所属乡镇",
    str(FZ.mentions): "提到",
    str(FZ.holdsPost): "职务",
    str(ORG.memberOf): "任职机构",
    str(RDFS.label): "名称",
    str(SKOS.altLabel): "别名",
    str(PROV.wasDerivedFrom): "证据",
}
#: The township → entity relations the extractor reads from sentences.
RELATIONS: tuple[str, ...] = tuple(str(p) for p in (
    FZ.relatedTo, FZ.establishes, FZ.implements, FZ.conducts, FZ.studies, FZ.cites,
    FZ.legalAdvisor))
#: Predicates drawn as edges between entities: the pages, the GEXF export and
#: the prepared index's neighbour counts.  Append only: the prepared index
#: keeps a predicate as its place here (kg.prepared_entities).
EDGE_PREDICATES: tuple[str, ...] = RELATIONS + (str(FZ.partOf), str(ORG.memberOf))
#: The relation of the township–township similarity network.
SIMILAR = "相似"


def type_color(type_: str | None) -> str:
    """The colour of an entity type (grey for an unknown one)."""
    return TYPE_COLORS.get(type_ or "", OTHER_COLOR)


def type_shape(type_: str | None) -> str:
    """The GEXF viz:shape of an entity type (a disc for an unknown one)."""
    return TYPE_SHAPES.get(type_ or "", OTHER_SHAPE)


def rgb(hex_color: str) -> tuple[int, int, int]:
    """"#rrggbb" → (r, g, b)."""
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def relation_name(predicate: str) -> str:
    """Chinese display name of a predicate IRI; its local name when unknown."""
    name = RELATION_NAMES.get(predicate)
    if name is not None:
        return name
    return predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def normalise_type(name: str) -> str:
    """A type as the user wrote it (镇, township, Township) → the Chinese type.

    Raises ``ValueError`` naming the known types when it is none of them.
    """
    n = name.strip()
    if n in TYPES:
        return n
    t = TYPE_ALIASES.get(n.lower())
    if t is None:
        raise ValueError(f"unknown entity type '{name}' (known: {', '.join(TYPES)}, "
                         f"or {', '.join(sorted(TYPE_ALIASES))})")
    return t


def palette() -> dict[str, dict[str, str]]:
    """Everything above as one JSON-ready dict, for the web pages' scripts."""
    return {"types": dict(TYPE_COLORS), "shapes": dict(TYPE_SHAPES),
            "other": {"color": OTHER_COLOR, "shape": OTHER_SHAPE},
            "classes": dict(CLASS_NAMES), "relations": dict(RELATION_NAMES)}


__all__ = ["ADVISOR", "CLASS_NAMES", "CLASS_TYPES", "OTHER_COLOR", "OTHER_SHAPE", "RELATION_NAMES",
           "SIMILAR", "TYPES", "TYPE_ALIASES", "TYPE_COLORS", "TYPE_SHAPES", "normalise_type", "palette",
           "relation_name", "rgb", "type_color", "type_shape"]
