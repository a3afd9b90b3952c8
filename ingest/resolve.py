"""Entity resolution: which mentions name the same thing, and its IRI.

Identity rules (the IRI is minted from them, so they hold across reports
and years):

* the reporting township: ``township/<county>/<name>`` with the
  gazetteer's name (鹤龙街道 however the report writes it) and the county
  stated or inferred (``_`` when unknown) — a township's reports of
  different years are one node whenever the county is known, and two
  江口镇 of different counties never merge;
* divisions: ``county/<name>``, ``prefecture/<name>``, ``province/<name>``;
* laws, systems, activities: shared national concepts, ``law/<name>`` …,
  except a township's own documents (subtype 本地文件), which are local;
* organisations: by ``Mention.scope`` — ``local`` (default; a
  township's own 司法所, 党委…), ``county`` (县委, 县法院: the county's), or
  ``shared`` (国务院, a law firm);
* persons: local to the township.

Local names are compared without the township's own name in front
(江口镇司法所 = 司法所).  A recogniser may set ``Mention.key`` to give the
identity name directly (镇人民政府 and 镇政府 → 政府).
"""
from __future__ import annotations

from ingest.names import clean, key, strip_place
from ingest.recognize.orgs import BODY_SUBTYPES
from kg import types
from kg.model import ORGANIZATION, Doc, Entity, Mention, Report
from kg.namespace import mint


def township_key(rep: Report) -> str | None:
    meta = rep.meta
    if not meta.unit:
        return None
    if meta.is_township:
        return mint("township", meta.county or "_", meta.unit_name or meta.unit)
    return division_key(meta.unit, "county")   # a county-level report


def division_key(name: str, level: str) -> str:
    return mint(level, name)


def report_key(doc: Doc, rep: Report) -> str:
    return mint("report", doc.path.stem, str(rep.index))


def places(rep: Report) -> list[str]:
    """Names a local label may start with: the township and its county."""
    return list(rep.meta.place_names())


def scope_of(m: Mention) -> str:
    """The identity scope of a mention: its type's (kg.types), or for a type
    whose recogniser decides, ``Mention.scope`` (local by default)."""
    row = types.get(m.type)
    scope = row.scope if row is not None else types.NATIONAL
    if scope == types.BY_MENTION:
        scope = m.scope or types.LOCAL
        return types.NATIONAL if scope == "shared" else scope
    return scope


def identity(m: Mention, rep: Report) -> str:
    """The IRI of the entity a mention names."""
    meta = rep.meta
    name = key(m.key or m.label)
    county = meta.county or "_"
    township = meta.unit or "_"
    row = types.get(m.type)
    scope = scope_of(m)
    if scope == types.TOWNSHIP_SCOPE:
        if meta.unit and key(strip_place(name, [meta.county or ""])) in (key(meta.unit),
                                                                         key(meta.unit_name or meta.unit)):
            return rep.township_key or mint("township", county, township)
        return mint("township", m.county or county, name)
    if scope == types.DIVISION_SCOPE:
        return division_key(name, m.level or m.subtype or "county")
    if row is not None and m.subtype in row.local_subtypes:
        scope = types.LOCAL
    segment = row.segment if row is not None else "entity"
    if row is None or scope in row.strip_place:
        name = strip_place(name, places(rep))
    if scope == types.LOCAL:
        return mint(segment, county, township, name)
    if scope == types.COUNTY:
        return mint(segment, m.county or county, name)
    return mint(segment, name)


def short_forms(rep: Report, ids: dict[int, str]) -> dict[str, str]:
    """Local organisations a report names short after naming them in full.

    调解工作室 in a report that also names 派出所调解工作室, and no other
    …调解工作室, is that one (its short form becomes an alias).  With two
    longer names ending alike (镇调解委员会, 村调解委员会) the short one stays
    apart: which one it means is not said.  ``ids`` maps ``id(mention)`` to
    its identity; the result maps identities to the ones they join.
    """
    local: dict[str, str] = {}           # name without the township → identity
    where = places(rep)
    for m in rep.mentions:
        if m.type == ORGANIZATION and m.scope == "local" \
                and m.subtype not in BODY_SUBTYPES:
            local.setdefault(strip_place(key(m.key or m.label), where), ids[id(m)])
    out: dict[str, str] = {}
    for short, k in local.items():
        if len(short) < 3:
            continue
        longer = {k2 for n2, k2 in local.items() if len(n2) > len(short) and n2.endswith(short)}
        if len(longer) == 1 and k not in longer:
            out[k] = longer.pop()
    return out


def run(doc: Doc) -> None:
    for rep in doc.reports:
        rep.key = report_key(doc, rep)
        rep.township_key = township_key(rep)
        entities: dict[str, Entity] = {}
        ids = {id(m): identity(m, rep) for m in rep.mentions}
        joins = short_forms(rep, ids)
        for m in rep.mentions:
            k = ids[id(m)]
            k = joins.get(k, k)
            m.entity = k
            ent = entities.get(k)
            if ent is None:
                ent = entities[k] = Entity(key=k, type=m.type, label=clean(m.label), subtype=m.subtype)
                if scope_of(m) == types.LOCAL and rep.township_key:
                    ent.scope = rep.township_key     # a thing of this township (not a local subtype)
            ent.mentions.append(m)
            written = _written(doc, m) if doc.simplified else None
            for alias in (m.label, m.text, *m.aliases, *((written,) if written else ())):
                alias = clean(alias)
                if alias:       # the label too: it may not stay the label (below)
                    ent.aliases.add(alias)
            if ent.subtype is None and m.subtype:
                ent.subtype = m.subtype
            _inherit(ent, m)
        for ent in entities.values():
            ent.label = _best_label(ent)
            ent.aliases.discard(ent.label)
        rep.entities = entities


def _inherit(ent: Entity, m: Mention) -> None:
    """What an entity takes from its mentions: the first that says it."""
    ent.law_firm = ent.law_firm or m.law_firm
    if ent.level is None:
        ent.level = m.level
    if ent.post is None:
        ent.post = m.post
    if ent.date is None:
        ent.date = m.date


def _written(doc: Doc, m: Mention) -> str | None:
    """A mention as the file writes it, when the text was read simplified (鎮 for 镇)."""
    a, b = doc.to_orig(m.start, m.end)
    form = doc.original[a:b]
    return form if form != m.text and len(form) == len(m.text) else None


def _best_label(ent: Entity) -> str:
    """The label most mentions use; on a tie the longest (most specific)."""
    counts: dict[str, int] = {}
    for m in ent.mentions:
        lab = clean(m.label)
        counts[lab] = counts.get(lab, 0) + 1
    if not counts:
        return ent.label
    return max(counts, key=lambda lab: (counts[lab], len(lab)))
