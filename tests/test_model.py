"""The record model is declared once: the reader, the mapping, the gate and the docs follow it."""

from helpers import ROOT
from rdflib import URIRef

from graph_builder.namespaces import APG
from graph_builder.rdf.mapping import map_records
from graph_builder.shacl.gate import FIELD_NAMES
from graph_builder.sources.curated import read_data_dir
from graph_builder.sources.model import ENTRIES, KINDS, LIST_TYPES, markdown

_START, _END = "<!-- fields: start -->\n", "<!-- fields: end -->"


def test_docs_show_the_model_as_declared():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    shown = text[text.index(_START) + len(_START):text.index(_END)]
    assert shown == markdown(), ("run: python -m graph_builder.sources.model, and paste it "
                                 "in docs/model.md")


def test_every_field_is_typed_and_bilingual():
    for fields in (*KINDS.values(), *ENTRIES.values()):
        for name, spec in fields.items():
            assert spec.fr and spec.en, name
            item = LIST_TYPES.get(spec.type, spec.type)
            assert (item == "ref") == bool(spec.refs), name
            assert (item == "code") == bool(spec.scheme) or spec.custom, name
            assert all(kind in KINDS for kind in spec.refs), name


def test_the_gate_names_fields_from_the_model():
    assert FIELD_NAMES[str(APG.legalBasis)] == ("legal_basis",)
    assert set(FIELD_NAMES[str(APG.inForceFrom)]) == {"in_force_from"}
    assert "part_of" in FIELD_NAMES[str(APG.partOfLegalText)]


def test_each_mapped_field_of_the_curated_data_makes_its_property():
    records = read_data_dir(ROOT / "data")
    graph = map_records(records, "https://example.org/").graph
    made = {str(p) for p in graph.predicates()}
    used = {(record.kind, name) for record in records for name in record.fields}
    for kind, name in sorted(used):
        spec = KINDS[kind][name]
        if spec.prop is not None:
            assert str(spec.prop) in made, (kind, name)
    assert str(URIRef(APG.unmappedField)) not in made  # every curated field is in the model
