"""Model → RDF: one named graph per report, as N-Triples text.

The shape (see ontology.ttl):

* the report and its metadata, the reporting unit and its divisions;
* sections and sentences, with offsets into the *original* file;
* one node per entity, ``fz:mentions`` from the report, a ``fz:Mention``
  per occurrence (for highlighting);
* every fact twice: as a plain triple (``township fz:conducts activity``)
  for simple queries, and as a ``fz:Statement`` carrying its evidence
  (``prov:wasDerivedFrom`` sentences) and qualifiers (count, date, kind);
* figures as ``fz:Indicator`` nodes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyoxigraph as ox

from kg.model import (DIVISION, ORGANIZATION, Doc, Entity, Indicator, Mention, Relation,
                      Report)
from kg.namespace import DCTERMS, FZ, ORG, PROV, RDF, RDFS, SKOS, XSD, graph_iri, mint

_CLASS = {
    "镇": FZ.Township,
    "机构": FZ.Organization,
    "制度": FZ.System,
    "法律": FZ.Law,
    "活动": FZ.Activity,
    "人员": FZ.Person,
}
_DIVISION_CLASS = {"county": FZ.County, "prefecture": FZ.Prefecture, "province": FZ.Province}


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=_n(XSD.integer))


def _str(text: str) -> ox.Literal:
    return ox.Literal(text)


def _num(value: float) -> ox.Literal:
    if float(value).is_integer():
        return ox.Literal(str(int(value)), datatype=_n(XSD.integer))
    return ox.Literal(repr(float(value)), datatype=_n(XSD.decimal))


A = _n(RDF.type)


def entity_class(ent: Entity) -> ox.NamedNode:
    if ent.type == DIVISION:
        return _n(_DIVISION_CLASS.get(ent.attrs.get("level") or ent.subtype or "county", FZ.County))
    return _n(_CLASS.get(ent.type, FZ.Entity))


class _Writer:
    def __init__(self, graph: str) -> None:
        self.g = _n(graph)
        self.quads: list[ox.Quad] = []

    def add(self, s, p, o) -> None:
        if o is None:
            return
        self.quads.append(ox.Quad(s if not isinstance(s, str) else _n(s),
                                  p if isinstance(p, ox.NamedNode) else _n(p),
                                  o if not isinstance(o, str) else _n(o), self.g))


def report_quads(doc: Doc, rep: Report) -> Iterator[ox.Quad]:
    """Every quad of one report's named graph."""
    w = _Writer(graph_iri(doc.path.stem, rep.index))
    r = _n(rep.key)
    meta = rep.meta
    w.add(r, A, _n(FZ.Report))
    w.add(r, FZ.sourceFile, _str(doc.name))
    w.add(r, FZ.partIndex, _int(rep.index))
    if meta.title:
        w.add(r, DCTERMS.title, _zh(meta.title))
    if meta.year:
        w.add(r, FZ.year, ox.Literal(str(meta.year), datatype=_n(XSD.gYear)))
    if meta.issued:
        w.add(r, DCTERMS.issued, ox.Literal(meta.issued.isoformat(), datatype=_n(XSD.date)))
    if meta.issuer:
        w.add(r, FZ.issuer, _zh(meta.issuer))
    if meta.addressee:
        w.add(r, FZ.addressee, _zh(meta.addressee))
    _divisions(w, rep)

    # structure and sentences
    sec_iri = [f"{rep.key}/section/{s.index}" for s in rep.sections]
    for s in rep.sections:
        node = _n(sec_iri[s.index])
        o_start, o_end = doc.to_orig(s.start, s.end)
        w.add(node, A, _n(FZ.Section))
        w.add(node, FZ.report, r)
        w.add(node, RDFS.label, _zh(s.title))
        w.add(node, FZ.number, _str(s.number))
        w.add(node, FZ.level, _int(s.level))
        w.add(node, FZ.order, _int(s.index))
        w.add(node, FZ.start, _int(o_start))
        w.add(node, FZ.end, _int(o_end))
        if s.parent is not None:
            w.add(node, FZ.section, _n(sec_iri[s.parent]))
        if s.covers:
            w.add(node, FZ.covers, _str(s.covers))
    sent_iri = [f"{rep.key}/sentence/{s.index}" for s in rep.sentences]
    for s in rep.sentences:
        node = _n(sent_iri[s.index])
        o_start, o_end = doc.to_orig(s.start, s.end)
        w.add(node, A, _n(FZ.Sentence))
        w.add(node, FZ.report, r)
        w.add(node, FZ.text, _zh(s.text))
        w.add(node, FZ.order, _int(s.index))
        w.add(node, FZ.start, _int(o_start))
        w.add(node, FZ.end, _int(o_end))
        if s.section is not None:
            w.add(node, FZ.section, _n(sec_iri[s.section]))

    # entities and their mentions
    for ent in rep.entities.values():
        _entity(w, ent)
        w.add(r, FZ.mentions, _n(ent.key))
    for i, m in enumerate(rep.mentions):
        if not m.entity:
            continue
        node = _n(f"{rep.key}/mention/{i}")
        o_start, o_end = doc.to_orig(m.start, m.end)
        w.add(node, A, _n(FZ.Mention))
        w.add(node, FZ.entity, _n(m.entity))
        w.add(node, FZ.surface, _zh(m.text))
        w.add(node, FZ.start, _int(o_start))
        w.add(node, FZ.end, _int(o_end))
        if m.sentence < len(sent_iri):
            w.add(node, FZ.sentence, _n(sent_iri[m.sentence]))
        w.add(node, FZ.report, r)

    for rel in rep.relations:
        _relation(w, rep, rel, sent_iri)
    for i, ind in enumerate(rep.indicators):
        _indicator(w, rep, i, ind, sent_iri)
    yield from w.quads


def _divisions(w: _Writer, rep: Report) -> None:
    meta = rep.meta
    if not rep.township_key:
        return
    r, t = _n(rep.key), _n(rep.township_key)
    w.add(r, FZ.reportingUnit, t)
    if meta.is_township:
        w.add(r, FZ.township, t)
        w.add(t, A, _n(FZ.Township))
    else:
        w.add(t, A, _n(FZ.County))
    w.add(t, RDFS.label, _zh(meta.unit))
    w.add(t, FZ.kind, _zh(meta.kind or ""))
    w.add(r, FZ.mentions, t)
    chain = [(meta.county, "county"), (meta.prefecture, "prefecture"), (meta.province, "province")]
    below = t if meta.is_township else None
    for name, level in chain:
        if not name:
            continue
        node = _n(mint(level, name))
        w.add(node, A, _n(_DIVISION_CLASS[level]))
        w.add(node, RDFS.label, _zh(name))
        if below is not None:
            w.add(below, FZ.partOf, node)
        w.add(r, FZ.mentions, node)
        below = node
    if meta.is_township and meta.county:
        w.add(t, SKOS.altLabel, _zh(meta.county + meta.unit))


def _entity(w: _Writer, ent: Entity) -> None:
    e = _n(ent.key)
    w.add(e, A, entity_class(ent))
    if ent.subtype == "律师事务所" or ent.attrs.get("law_firm"):
        w.add(e, A, _n(FZ.LawFirm))
    w.add(e, RDFS.label, _zh(ent.label))
    for alias in sorted(ent.aliases):
        w.add(e, SKOS.altLabel, _zh(alias))
    if ent.subtype:
        w.add(e, FZ.subtype, _zh(ent.subtype))
    if ent.scope:
        w.add(e, FZ.scope, _n(ent.scope))
    if ent.attrs.get("post"):
        w.add(e, FZ.holdsPost, _zh(ent.attrs["post"]))
    if ent.attrs.get("date"):
        w.add(e, FZ.date, _zh(str(ent.attrs["date"])))


def statement_iri(report: str, subject: str, predicate: str, obj: str) -> str:
    digest = hashlib.sha1("\x1f".join((subject, predicate, obj)).encode()).hexdigest()[:16]
    return f"{report}/statement/{digest}"


def _relation(w: _Writer, rep: Report, rel: Relation, sent_iri: list[str]) -> None:
    subj = rep.township_key if rel.subject is None else rel.subject.entity
    if subj is None:
        return
    pred = _n(getattr(FZ, rel.predicate))
    if isinstance(rel.obj, Mention):
        if not rel.obj.entity:
            return
        obj: ox.NamedNode | ox.Literal = _n(rel.obj.entity)
    elif rel.obj is None:
        target = rel.attrs.get("target")
        if not target:
            return
        obj = _n(target)
    elif isinstance(rel.obj, (int, float)):
        obj = _num(rel.obj)
    else:
        obj = _zh(str(rel.obj))
    s = _n(subj)
    w.add(s, pred, obj)
    st = _n(statement_iri(rep.key, subj, str(pred), obj.value))
    w.add(st, A, _n(FZ.Statement))
    w.add(st, RDF.subject, s)
    w.add(st, RDF.predicate, pred)
    w.add(st, RDF.object, obj)
    w.add(st, FZ.report, _n(rep.key))
    if rel.sentence is not None and 0 <= rel.sentence < len(sent_iri):
        w.add(st, PROV.wasDerivedFrom, _n(sent_iri[rel.sentence]))
    a = rel.attrs
    if a.get("advisor_kind"):
        w.add(st, FZ.advisorKind, _zh(a["advisor_kind"]))
    if a.get("team_size"):
        w.add(st, FZ.teamSize, _int(a["team_size"]))
    if a.get("count") is not None:
        w.add(st, FZ.count, _num(a["count"]))
    if a.get("date"):
        w.add(st, FZ.date, _zh(str(a["date"])))
    org = a.get("org")
    if isinstance(a.get("org_mention"), Mention) and a["org_mention"].entity:
        org = a["org_mention"].entity
    if org:
        w.add(s, _n(ORG.memberOf), _n(org))
        w.add(st, _n(ORG.memberOf), _n(org))
    for extra in a.get("extra_types", ()):
        w.add(obj, A, _n(extra))
    if a.get("label") and isinstance(obj, ox.NamedNode):
        w.add(obj, RDFS.label, _zh(a["label"]))


def _indicator(w: _Writer, rep: Report, i: int, ind: Indicator, sent_iri: list[str]) -> None:
    node = _n(f"{rep.key}/indicator/{i}")
    w.add(node, A, _n(FZ.Indicator))
    w.add(node, FZ.report, _n(rep.key))
    w.add(node, RDFS.label, _zh(ind.metric))
    w.add(node, RDF.value, _num(ind.value))
    w.add(node, FZ.unit, _zh(ind.unit))
    if ind.approx:
        w.add(node, FZ.approx, _str(ind.approx))
    w.add(node, FZ.quote, _zh(ind.text))
    if rep.township_key:
        w.add(node, FZ.scope, _n(ind.subject or rep.township_key))
    if 0 <= ind.sentence < len(sent_iri):
        w.add(node, FZ.sentence, _n(sent_iri[ind.sentence]))
        w.add(node, PROV.wasDerivedFrom, _n(sent_iri[ind.sentence]))


def run(doc: Doc) -> None:
    """Fill ``doc.graphs``: graph IRI → N-Triples text of that graph.

    Text, not objects: it crosses process boundaries cheaply (workers) and
    goes into a SPARQL ``INSERT DATA`` as it is (N-Triples is valid there).
    """
    doc.graphs = {}
    doc.triple_count = 0
    for rep in doc.reports:
        quads = list(dict.fromkeys(report_quads(doc, rep)))
        triples = [q.triple for q in quads]
        doc.graphs[graph_iri(doc.path.stem, rep.index)] = ox.serialize(
            triples, format=ox.RdfFormat.N_TRIPLES).decode()
        doc.triple_count += len(quads)
