"""The ontology's terms as Python names, and the prefixes used everywhere.

``FZ`` is an rdflib ``DefinedNamespace``: a misspelt term (``FZ.Townsihp``)
raises ``AttributeError`` instead of minting a new IRI silently.  Every term
here is declared, with labels in Chinese and English, in ``ontology.ttl``
(a test keeps the two in step).
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

ONTOLOGY_IRI = "https://w3id.org/fazhi-kg/ontology"
FZ_IRI = ONTOLOGY_IRI + "#"
ID_IRI = "https://w3id.org/fazhi-kg/id/"
GRAPH_IRI = "https://w3id.org/fazhi-kg/graph/"
ORG = Namespace("http://www.w3.org/ns/org#")


class FZ(DefinedNamespace):
    """fazhi-kg ontology terms (prefix ``fz:``)."""

    _NS = Namespace(FZ_IRI)
    _fail = True

    # -- classes: documents and provenance
    Report: URIRef
    Section: URIRef
    Sentence: URIRef
    # -- classes: things the reports speak of
    Entity: URIRef
    Division: URIRef
    Township: URIRef
    County: URIRef
    Prefecture: URIRef
    Province: URIRef
    Organization: URIRef
    LawFirm: URIRef
    System: URIRef
    Law: URIRef
    Activity: URIRef
    Person: URIRef
    Advisor: URIRef
    Indicator: URIRef

    # -- report metadata (the scorer's core vocabulary first)
    sourceFile: URIRef
    township: URIRef
    reportingUnit: URIRef
    inGazetteer: URIRef
    countyInferred: URIRef
    year: URIRef
    mentions: URIRef
    names: URIRef
    attests: URIRef
    issuer: URIRef
    addressee: URIRef
    partIndex: URIRef
    # -- structure and provenance
    section: URIRef
    text: URIRef
    order: URIRef
    level: URIRef
    number: URIRef
    start: URIRef
    end: URIRef
    covers: URIRef
    report: URIRef
    # -- entities
    kind: URIRef
    subtype: URIRef
    partOf: URIRef
    scope: URIRef
    # -- township → entity relations
    relatedTo: URIRef
    establishes: URIRef
    implements: URIRef
    conducts: URIRef
    studies: URIRef
    cites: URIRef
    legalAdvisor: URIRef
    # -- qualifiers of advisers, persons, activities, figures
    advisorKind: URIRef
    teamSize: URIRef
    holdsPost: URIRef
    count: URIRef
    date: URIRef
    unit: URIRef
    approx: URIRef
    quote: URIRef


#: prefix → namespace, for SPARQL text, Turtle output and the web editor.
PREFIXES: dict[str, str] = {
    "fz": FZ_IRI,
    "fzid": ID_IRI,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
}


def sparql_prefixes() -> str:
    """The PREFIX lines every canned query and the editor start with."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def mint(kind: str, *parts: str) -> str:
    """A deterministic IRI: ``id/<kind>/<part>/<part>…``.

    Parts are the names as written (Chinese stays readable: IRIs allow it);
    characters that would break an IRI are percent-encoded.  The same
    parts always give the same IRI, across runs, reports and machines.
    """
    return f"{ID_IRI}{kind}" + "".join("/" + _iri_part(p) for p in parts)


_IRI_SAFE = frozenset("-_.~!$&'()*+,;=:@")


def _ucschar(c: str) -> bool:
    """A non-ASCII character an IRI may hold as it is (RFC 3987 ``ucschar``).

    The definition; :data:`_IRI_ESCAPE` is its fast form (a test checks
    that they agree on every character)."""
    o = ord(c)
    if o < 0xA0 or 0xD800 <= o <= 0xF8FF or 0xFDD0 <= o <= 0xFDEF or 0xFFF0 <= o <= 0xFFFF:
        return False
    if 0xE0000 <= o <= 0xE0FFF or o >= 0xF0000 or (o & 0xFFFF) >= 0xFFFE:
        return False
    return not c.isspace()


#: What an IRI path segment cannot hold as it is (ASCII outside the safe
#: set, and non-ASCII outside RFC 3987's ucschar or a space).
_IRI_ESCAPE = re.compile(
    "[^A-Za-z0-9\\-_.~!$&'()*+,;=:@\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U000dffff\U000e1000-\U000efffd]|[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    "|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
    "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
    "\U000dfffe\U000dffff]")


#: Entries per name cache (here and in ingest.names): the names that recur
#: in every report (laws, systems, national bodies) fit; a township's own
#: names would only fill memory that grows with the corpus (3,000 reports
#: filled 51,000 entries of a larger cache: 6 MB more in each worker).
NAME_CACHE_SIZE = 8192


@lru_cache(maxsize=NAME_CACHE_SIZE)
def _iri_part(text: str) -> str:
    """Percent-encode what an IRI path segment cannot hold, keep Chinese.

    Strictly what RFC 3987 allows stays, so every IRI we mint passes a
    strict parser; the bulk loader relies on it (it loads leniently).
    """
    text = text.strip() or "_"
    # surrogateescape: a file name that is not UTF-8 (os.fsdecode's lone
    # surrogates) is percent-encoded as the bytes it was
    return _IRI_ESCAPE.sub(lambda m: quote(m.group().encode("utf-8", "surrogateescape"), safe=""),
                           text)


def graph_iri(source_stem: str, index: int) -> str:
    """The named graph that holds one report of one file."""
    return f"{GRAPH_IRI}report/{_iri_part(source_stem)}/{index}"


ONTOLOGY_GRAPH = GRAPH_IRI + "ontology"

__all__ = [
    "DCTERMS", "FZ", "ORG", "PROV", "RDF", "RDFS", "SKOS", "XSD",
    "PREFIXES", "ONTOLOGY_GRAPH", "graph_iri", "mint", "sparql_prefixes",
]
