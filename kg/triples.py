"""Model → RDF: one named graph per report, as N-Triples text.

The shape (see ontology.ttl):

* the report and its metadata, the reporting unit and its divisions;
* sections (with their span) and sentences (text and where each starts in
  the *original* file);
* one node per entity, ``fz:mentions`` from the report, and ``fz:names``
  from every sentence that names it (highlighting looks the entity's
  labels up in the sentence);
* every fact as a plain triple (``township fz:conducts activity``), and its
  evidence as ``sentence fz:attests entity``: the sentence the fact about
  that entity was read from (its object, or its subject when the object is
  a literal, as with a person's post); the report is the graph's;
* a fact's qualifiers on its entity, in the report's graph: an activity's
  count and date, an adviser's kind and team size;
* figures as ``fz:Indicator`` nodes.

Nothing derivable is written, because at national scale every quad costs
about 30 µs of store time 40,000 × 1,100 times over (``docs/benchmarks.md``):

* a section's or sentence's report is the ``fz:Report`` in its
  named graph; an order is the number the node's IRI ends in
  (``…/sentence/12``);
* a sentence's section is the innermost section whose span holds its start;
* classes implied by a property's ``rdfs:domain`` are not stated: a sentence
  is what has ``fz:text``, a section what has ``fz:level``.

Facts are not reified (``rdf:subject``/``rdf:predicate``/``rdf:object`` and
the evidence on a statement node cost four quads a fact more: a fifth of the
graph, and 13 % of a 40,000-report ingest's time); ``fz:attests`` is one quad a
fact and exact except where one report relates its township to the same
entity in two ways read from two sentences (0.6 % of the facts of the seeds,
dev openings and generated reports), where both sentences back both facts.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from kg import types
from kg.model import DIVISION, Doc, Entity, Indicator, Mention, Relation, Report
from kg.namespace import DCTERMS, FZ, ORG, PROV, RDF, RDFS, SKOS, XSD, graph_iri, mint

# Terms are written straight as N-Triples text: building pyoxigraph objects
# and serialising them cost more than all recognisers together.


def _iri(value: str) -> str:
    return f"<{value}>"


_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _escaped(text: str) -> str:
    # most names and sentences hold none of the four: skip the table then
    # (str.translate with a table looks every character up: a fifth of this stage)
    text = str(text)
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        return text.translate(_ESC)
    return text


def _zh(text: str) -> str:
    return f'"{_escaped(text)}"@zh'


def _str(text: str) -> str:
    return f'"{_escaped(text)}"'


_INT = _iri(str(XSD.integer))
_TRUE = f'"true"^^{_iri(str(XSD.boolean))}'
_FALSE = f'"false"^^{_iri(str(XSD.boolean))}'
_DEC = _iri(str(XSD.decimal))


def _int(value: int) -> str:
    return f'"{int(value)}"^^{_INT}'


def _num(value: float) -> str:
    if float(value).is_integer():
        return f'"{int(value)}"^^{_INT}'
    return f'"{float(value)!r}"^^{_DEC}'


class _T:
    """Every term this module writes, as N-Triples text, looked up once."""

    def __getattr__(self, name: str) -> str:
        value = _iri(str(getattr(FZ, name)))
        setattr(self, name, value)
        return value


T = _T()
A = _iri(str(RDF.type))
LABEL, ALT = _iri(str(RDFS.label)), _iri(str(SKOS.altLabel))
TITLE, ISSUED = _iri(str(DCTERMS.title)), _iri(str(DCTERMS.issued))
DERIVED, MEMBER = _iri(str(PROV.wasDerivedFrom)), _iri(str(ORG.memberOf))
VALUE = _iri(str(RDF.value))

def entity_class(ent: Entity) -> str:
    """The class an entity is written with: its type's (a division's by its
    level), fz:Entity when its type has no row in kg.types."""
    row = types.get(ent.type)
    if row is None:
        return T.Entity
    return _class_iri(row.class_for(ent.level or ent.subtype))


def _class_iri(cls: types.EntityClass) -> str:
    iri = _CLASS_IRIS.get(cls.iri)
    if iri is None:
        iri = _CLASS_IRIS[cls.iri] = _iri(cls.iri)
    return iri


_CLASS_IRIS: dict[str, str] = {}


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str | None) -> None:
        if o is not None:
            self.lines.append(f"{s} {p} {o} .\n")


def report_lines(doc: Doc, rep: Report) -> list[str]:
    """Every triple of one report's named graph, as N-Triples lines."""
    w = _Writer()
    r = _iri(rep.key)
    meta = rep.meta
    w.add(r, A, T.Report)
    w.add(r, T.sourceFile, _str(doc.name))
    w.add(r, T.partIndex, _int(rep.index))
    if meta.title:
        w.add(r, TITLE, _zh(meta.title))
    if meta.year:
        w.add(r, T.year, f'"{int(meta.year)}"^^<{XSD.gYear}>')
    if meta.issued:
        w.add(r, ISSUED, f'"{meta.issued.isoformat()}"^^<{XSD.date}>')
    if meta.issuer:
        w.add(r, T.issuer, _zh(meta.issuer))
    if meta.addressee:
        w.add(r, T.addressee, _zh(meta.addressee))
    _divisions(w, rep)

    # structure and sentences
    sec_iri = [_iri(f"{rep.key}/section/{s.index}") for s in rep.sections]
    for s in rep.sections:
        node = sec_iri[s.index]
        o_start, o_end = doc.to_orig(s.start, s.end)
        w.add(node, LABEL, _zh(s.title))
        w.add(node, T.number, _str(s.number))
        w.add(node, T.level, _int(s.level))
        w.add(node, T.start, _int(o_start))
        w.add(node, T.end, _int(o_end))
        if s.parent is not None:
            w.add(node, T.section, sec_iri[s.parent])
        if s.covers:
            w.add(node, T.covers, _str(s.covers))
    sent_iri = [_iri(f"{rep.key}/sentence/{s.index}") for s in rep.sentences]
    for s in rep.sentences:
        w.add(sent_iri[s.index], T.text, _zh(s.text))
        w.add(sent_iri[s.index], T.start, _int(doc.to_orig(s.start, s.end)[0]))

    # entities, and which sentences name them (once per sentence and entity)
    for ent in rep.entities.values():
        _entity(w, ent)
        w.add(r, T.mentions, _iri(ent.key))
    for m in rep.mentions:
        if m.entity and m.sentence < len(sent_iri):
            w.add(sent_iri[m.sentence], T.names, _iri(m.entity))

    for rel in rep.relations:
        _relation(w, rep, rel, sent_iri)
    for i, ind in enumerate(rep.indicators):
        _indicator(w, rep, i, ind, sent_iri)
    return w.lines


def _divisions(w: _Writer, rep: Report) -> None:
    meta = rep.meta
    if not rep.township_key:
        return
    r, t = _iri(rep.key), _iri(rep.township_key)
    w.add(r, T.reportingUnit, t)
    # fz:township also for a county-level report: the unit whose report it
    # is (the scoring contract names it so); the node's class tells them apart
    w.add(r, T.township, t)
    w.add(t, A, T.Township if meta.is_township else T.County)
    w.add(t, LABEL, _zh(meta.unit))
    if meta.unit_name and meta.unit_name != meta.unit:
        w.add(t, ALT, _zh(meta.unit_name))      # the gazetteer's name (鹤龙街道 for 鹤龙街)
    w.add(t, T.kind, _zh(meta.kind or ""))
    if meta.in_gazetteer is False:
        w.add(t, T.inGazetteer, _FALSE)
    w.add(r, T.mentions, t)
    chain = [(meta.county, "county"), (meta.prefecture, "prefecture"), (meta.province, "province")]
    below = t if meta.is_township else None
    for name, level in chain:
        if not name:
            continue
        node = _iri(mint(level, name))
        w.add(node, A, _class_iri(types.ENTITY_TYPES[DIVISION].class_for(level)))
        w.add(node, LABEL, _zh(name))
        if below is not None:
            w.add(below, T.partOf, node)
        if level == "county" and meta.county_inferred:
            # read from the township gazetteer, not from the text: not a mention
            w.add(t, T.countyInferred, _TRUE)
        else:
            w.add(r, T.mentions, node)
        below = node
    if meta.is_township and meta.county:
        w.add(t, ALT, _zh(meta.county + meta.unit))


def _entity(w: _Writer, ent: Entity) -> None:
    e = _iri(ent.key)
    w.add(e, A, entity_class(ent))
    if ent.subtype == "律师事务所" or ent.law_firm:
        w.add(e, A, T.LawFirm)
    w.add(e, LABEL, _zh(ent.label))
    for alias in sorted(ent.aliases):
        w.add(e, ALT, _zh(alias))
    if ent.subtype:
        w.add(e, T.subtype, _zh(ent.subtype))
    if ent.scope:
        w.add(e, T.scope, _iri(ent.scope))
    if ent.post:
        w.add(e, T.holdsPost, _zh(ent.post))
    if ent.date:
        w.add(e, T.date, _zh(str(ent.date)))


def _relation(w: _Writer, rep: Report, rel: Relation, sent_iri: list[str]) -> None:
    subj = rep.township_key if rel.subject is None else rel.subject.entity
    if subj is None:
        return
    pred = getattr(T, rel.predicate)
    if isinstance(rel.obj, Mention):
        if not rel.obj.entity:
            return
        obj = _iri(rel.obj.entity)
    elif rel.obj is None:
        target = rel.target
        if not target:
            return
        obj = _iri(target)
    elif isinstance(rel.obj, (int, float)):
        obj = _num(rel.obj)
    else:
        obj = _zh(str(rel.obj))
    s = _iri(subj)
    w.add(s, pred, obj)
    # the entity the fact is about: its object, or (a post, a literal) its subject
    about = obj if obj.startswith("<") else s
    if rel.sentence is not None and 0 <= rel.sentence < len(sent_iri):
        w.add(sent_iri[rel.sentence], T.attests, about)
    if rel.advisor_kind:
        w.add(about, T.advisorKind, _zh(rel.advisor_kind))
    if rel.team_size:
        w.add(about, T.teamSize, _int(rel.team_size))
    if rel.count is not None:
        w.add(about, T.count, _num(rel.count))
    if rel.date:
        w.add(about, T.date, _zh(str(rel.date)))
    if rel.org_mention is not None and rel.org_mention.entity:
        w.add(s, MEMBER, _iri(rel.org_mention.entity))
    for extra in rel.extra_types:
        w.add(obj, A, _iri(str(extra)))
    if rel.label and obj.startswith("<"):
        w.add(obj, LABEL, _zh(rel.label))


def _indicator(w: _Writer, rep: Report, i: int, ind: Indicator, sent_iri: list[str]) -> None:
    node = _iri(f"{rep.key}/indicator/{i}")
    w.add(node, A, T.Indicator)
    w.add(node, T.report, _iri(rep.key))
    w.add(node, LABEL, _zh(ind.metric))
    w.add(node, VALUE, _num(ind.value))
    w.add(node, T.unit, _zh(ind.unit))
    if ind.approx:
        w.add(node, T.approx, _str(ind.approx))
    w.add(node, T.quote, _zh(ind.text))
    if rep.township_key:
        w.add(node, T.scope, _iri(ind.subject or rep.township_key))
    if 0 <= ind.sentence < len(sent_iri):
        w.add(node, DERIVED, sent_iri[ind.sentence])


def report_quads(doc: Doc, rep: Report) -> Iterator[ox.Quad]:
    """The report's graph as pyoxigraph quads (for callers that want objects)."""
    g = ox.NamedNode(graph_iri(doc.path.stem, rep.index))
    for t in ox.parse("".join(report_lines(doc, rep)).encode(), format=ox.RdfFormat.N_TRIPLES):
        yield ox.Quad(t.subject, t.predicate, t.object, g)


def run(doc: Doc) -> None:
    """Fill ``doc.graphs``: graph IRI → N-Triples text of that graph.

    Text, not objects: it crosses process boundaries cheaply (workers) and
    goes into a SPARQL ``INSERT DATA`` as it is (N-Triples is valid there).
    """
    doc.graphs = {}
    doc.triple_count = 0
    for rep in doc.reports:
        lines = list(dict.fromkeys(report_lines(doc, rep)))
        doc.graphs[graph_iri(doc.path.stem, rep.index)] = "".join(lines)
        doc.triple_count += len(lines)
