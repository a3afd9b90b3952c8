"""One palette and one set of Chinese display names for the whole project.

The exports (GEXF colours, CSV/GraphML attributes) and the web pages import
this module, so a 法律 node is the same colour in Gephi as in the browser and
a relation reads 开展 everywhere.

Colours are Okabe–Ito-like hues chosen to stay distinguishable for the
common forms of colour blindness; 镇 is the darkest because townships are the
hubs every other node hangs from.
"""
from __future__ import annotations

from kg.model import (ACTIVITY, DIVISION, LAW, ORGANIZATION, PERSON, SYSTEM, TOWNSHIP)
from kg.namespace import FZ, ORG, PROV, RDFS, SKOS

#: The extra node type for fz:Advisor (a legal adviser named only by kind).
ADVISOR = "法律顾问"

#: Entity types in display order (the legend's order).
TYPES: tuple[str, ...] = (TOWNSHIP, DIVISION, ORGANIZATION, SYSTEM, LAW, ACTIVITY, PERSON, ADVISOR)

#: Entity type → colour, "#rrggbb".
TYPE_COLORS: dict[str, str] = {
    TOWNSHIP: "#1f3a93",      # deep blue
    DIVISION: "#56b4e9",      # sky blue
    ORGANIZATION: "#e69f00",  # orange
    SYSTEM: "#009e73",        # bluish green
    LAW: "#d55e00",           # vermilion
    ACTIVITY: "#cc79a7",      # reddish purple
    PERSON: "#8c564b",        # brown
    ADVISOR: "#f0e442",       # yellow
}
#: Colour of a node whose type is unknown.
OTHER_COLOR = "#999999"

#: Ontology class → entity type (most specific classes first where it matters).
CLASS_TYPES: dict[str, str] = {
    str(FZ.Township): TOWNSHIP,
    str(FZ.County): DIVISION,
    str(FZ.Prefecture): DIVISION,
    str(FZ.Province): DIVISION,
    str(FZ.Division): DIVISION,
    str(FZ.Organization): ORGANIZATION,
    str(FZ.LawFirm): ORGANIZATION,
    str(FZ.System): SYSTEM,
    str(FZ.Law): LAW,
    str(FZ.Activity): ACTIVITY,
    str(FZ.Person): PERSON,
    str(FZ.Advisor): ADVISOR,
}

#: Ontology class → Chinese name of the class (finer than the type).
CLASS_NAMES: dict[str, str] = {
    str(FZ.Township): "镇",
    str(FZ.County): "县级行政区",
    str(FZ.Prefecture): "地级行政区",
    str(FZ.Province): "省级行政区",
    str(FZ.Division): "行政区",
    str(FZ.Organization): "机构",
    str(FZ.LawFirm): "律师事务所",
    str(FZ.System): "制度",
    str(FZ.Law): "法律",
    str(FZ.Activity): "活动",
    str(FZ.Person): "人员",
    str(FZ.Advisor): "法律顾问",
}

#: English names people may type for a type (CLI options, URLs).
TYPE_ALIASES: dict[str, str] = {
    "township": TOWNSHIP, "division": DIVISION, "county": DIVISION,
    "organization": ORGANIZATION, "organisation": ORGANIZATION, "org": ORGANIZATION,
    "system": SYSTEM, "law": LAW, "activity": ACTIVITY, "person": PERSON,
    "advisor": ADVISOR, "adviser": ADVISOR,
}

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
#: The relation of the township–township similarity network.
SIMILAR = "相似"


def type_color(type_: str | None) -> str:
    """The colour of an entity type (grey for an unknown one)."""
    return TYPE_COLORS.get(type_ or "", OTHER_COLOR)


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
    return {"types": dict(TYPE_COLORS), "other": {"color": OTHER_COLOR},
            "classes": dict(CLASS_NAMES), "relations": dict(RELATION_NAMES)}


__all__ = ["ADVISOR", "CLASS_NAMES", "CLASS_TYPES", "OTHER_COLOR", "RELATION_NAMES", "SIMILAR",
           "TYPES", "TYPE_ALIASES", "TYPE_COLORS", "normalise_type", "palette", "relation_name", "rgb",
           "type_color"]
