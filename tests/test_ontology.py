"""kg/ontology.ttl and kg.namespace.FZ say the same thing, and carry the core vocabulary."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.namespace import FZ, FZ_IRI, ONTOLOGY_IRI
from kg.paths import package_dir

#: The scorer's core vocabulary (../shared/eval/CONTRACT.md), by local name.
CORE = ["Report", "sourceFile", "township", "year", "mentions", "Township", "County",
        "Prefecture", "Province", "partOf", "Organization", "LawFirm", "System", "Law",
        "Activity", "Person", "legalAdvisor", "Indicator", "report", "unit"]

CONTRACT = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "CONTRACT.md"


@pytest.fixture(scope="module")
def onto() -> Graph:
    g = Graph()
    g.parse(package_dir() / "ontology.ttl", format="turtle")
    return g


def fz_terms() -> list[str]:
    return sorted(FZ.__annotations__)


def labels(g: Graph, term: URIRef) -> dict[str, str]:
    return {o.language: str(o) for o in g.objects(term, RDFS.label) if isinstance(o, Literal)}


@pytest.mark.parametrize("name", fz_terms())
def test_every_fz_term_is_declared_with_zh_and_en_labels(onto: Graph, name: str) -> None:
    term = URIRef(FZ_IRI + name)
    kinds = set(onto.objects(term, RDF.type))
    assert kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}, f"fz:{name} undeclared"
    found = labels(onto, term)
    assert found.get("zh") and found.get("en"), f"fz:{name} lacks a zh or en label: {found}"
    assert re.search(r"[\u4e00-\u9fff]", found["zh"]), f"fz:{name}'s zh label is not Chinese"


def test_every_fz_term_of_the_ontology_is_in_FZ(onto: Graph) -> None:
    used = {str(t)[len(FZ_IRI):] for t in set(onto.subjects()) | set(onto.objects())
            if isinstance(t, URIRef) and str(t).startswith(FZ_IRI)}
    assert used - set(fz_terms()) == set()
    assert set(fz_terms()) - used == set()


def test_classes_are_classes_and_properties_properties(onto: Graph) -> None:
    for name in fz_terms():
        kinds = set(onto.objects(URIRef(FZ_IRI + name), RDF.type))
        if name[0].isupper():
            assert OWL.Class in kinds, name
        else:
            assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}, name


def test_core_vocabulary_is_present(onto: Graph) -> None:
    for name in CORE:
        assert (URIRef(FZ_IRI + name), RDF.type, None) in onto, name
    sub = lambda a, b: (URIRef(FZ_IRI + a), RDFS.subClassOf, URIRef(FZ_IRI + b)) in onto
    assert sub("LawFirm", "Organization")
    for cls in ("Township", "County", "Prefecture", "Province"):
        assert sub(cls, "Division")
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in onto


def test_contract_terms_when_the_contract_is_at_hand(onto: Graph) -> None:
    if not CONTRACT.exists():
        pytest.skip(f"{CONTRACT} not here (it lives outside the repository)")
    named = set(re.findall(r"`fz:(\w+)`", CONTRACT.read_text(encoding="utf-8")))
    assert named, "no fz: terms found in CONTRACT.md"
    assert named <= set(CORE) | set(fz_terms())
    for name in named:
        assert (URIRef(FZ_IRI + name), RDF.type, None) in onto, name


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_minted_iris_pass_a_strict_parser(text: str) -> None:
    """Whatever a name holds, its IRI is valid (the bulk loader loads leniently)."""
    import pyoxigraph as ox

    from kg.namespace import graph_iri, mint

    iri, graph = mint("org", "某县", text), graph_iri(text, 0)
    line = f"<{iri}> <{iri}> <{iri}> <{graph}> .\n"
    (quad,) = ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)
    assert quad.subject.value == iri


def test_iri_escaping_agrees_with_the_ucschar_definition() -> None:
    from kg.namespace import _IRI_SAFE, _iri_part, _ucschar

    points = list(range(0x20, 0x30000)) + [0xE0FFF, 0xE1000, 0xEFFFD, 0x10FFFD]
    for cp in points:
        c = chr(cp)
        if 0xD800 <= cp < 0xE000:
            continue   # surrogates: not in a Python str on their own
        keep = (c.isalnum() or c in _IRI_SAFE) if c.isascii() else _ucschar(c)
        assert (_iri_part("x" + c) == "x" + c) == keep, hex(cp)


# ---------------------------------------------------------------- the table of entity types

def test_every_class_of_the_type_table_is_declared_with_its_labels(onto: Graph) -> None:
    """kg/types.py names each class with the ontology's own labels."""
    from kg.types import ENTITY_TYPES

    entity = URIRef(FZ_IRI + "Entity")
    for row in ENTITY_TYPES.values():
        for cls in row.classes:
            term = URIRef(cls.iri)
            assert (term, RDF.type, OWL.Class) in onto, f"fz:{cls.name} ({row.key}) is not an owl:Class"
            assert labels(onto, term) == {"zh": cls.zh, "en": cls.en}, f"fz:{cls.name}"
            assert entity in set(onto.transitive_objects(term, RDFS.subClassOf)), \
                f"fz:{cls.name} is not an fz:Entity"


def test_every_entity_class_of_the_ontology_has_a_row(onto: Graph) -> None:
    from kg.types import CLASS_TYPES

    entity = URIRef(FZ_IRI + "Entity")
    below = set(onto.transitive_subjects(RDFS.subClassOf, entity)) - {entity}
    assert below, "no subclass of fz:Entity in the ontology"
    assert {str(c) for c in below} - set(CLASS_TYPES) == set()


def test_a_type_row_is_named_after_its_first_class(onto: Graph) -> None:
    """The type's key is the Chinese label of the class written for it (镇 is fz:Township's)."""
    from kg.types import ENTITY_TYPES

    for row in ENTITY_TYPES.values():
        written = row.class_for()
        assert written.written
        assert row.key in (written.zh, *(c.zh for c in row.classes)), row.key
