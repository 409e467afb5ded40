"""The curated YAML reader: good records keep their lines; each kind of bad input is named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from achat_core.resources import DATA_DIR
from graph_builder.errors import InvalidData, Problem
from graph_builder.rdf.mapping import map_records
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
from graph_builder.shacl.gate import validate_graph
from graph_builder.sources.curated import FILE_KINDS, read_data_dir
from graph_builder.sources.model import KINDS

ORGANISATIONS = """\
# a comment line
- key: la-27e-region
  label: {fr: "La 27e Région", en: "La 27e Région"}
  aliases: ["27ème région"]
  roles: [innovation-lab]
  sources: [http://example.org/a]

- key: ugap
  label:
    fr: UGAP
    en: UGAP
  roles: [central-purchasing-body]
  siren: "776056467"
  sources: [http://example.org/b]
"""

INSTRUMENT = """\
- key: achat-innovant
  label: {fr: Achat innovant, en: Innovative purchase}
  definition: {fr: Dispense, en: Exemption}
  instrument_kind: exemption
  legal_basis_note: {fr: Aucune, en: None}
  in_force_from: 2021-12-13
  thresholds:
    - {amount: 100000.50, currency: EUR, excluding_vat: true, scope: {fr: Total, en: Total}}
  sources: [http://example.org/c]
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(InvalidData) as caught:
        read_data_dir(folder)
    return caught.value.problems


def only(problems: list[Problem], **where) -> Problem:
    """Return the single problem matching every attribute given."""
    found = [p for p in problems if all(getattr(p, k) == v for k, v in where.items())]
    assert len(found) == 1, (where, [str(p) for p in problems])
    return found[0]


def test_good_records_keep_kind_fields_and_lines(tmp_path):
    write(tmp_path, "organisations.yaml", ORGANISATIONS)
    write(tmp_path, "instruments.yaml", INSTRUMENT)
    records = read_data_dir(tmp_path)
    by_ref = {r.ref: r for r in records}
    assert sorted(by_ref) == ["instrument/achat-innovant", "organisation/la-27e-region",
                              "organisation/ugap"]
    ugap = by_ref["organisation/ugap"]
    assert ugap.line == 8 and ugap.file == str(tmp_path / "organisations.yaml")
    assert ugap.field_lines["label"] == 9 and ugap.field_lines["siren"] == 13
    assert ugap.fields["label"] == {"fr": "UGAP", "en": "UGAP"}
    assert ugap.fields["siren"] == "776056467"
    assert "key" not in ugap.fields
    instrument = by_ref["instrument/achat-innovant"]
    assert instrument.fields["in_force_from"] == dt.date(2021, 12, 13)
    threshold = instrument.fields["thresholds"][0]
    assert threshold["amount"] == Decimal("100000.50") and isinstance(threshold["amount"], Decimal)
    assert threshold["excluding_vat"] is True
    assert not instrument.imported


def test_every_data_file_name_has_a_schema():
    assert set(FILE_KINDS.values()) == set(KINDS)


def test_malformed_yaml_gives_line_and_column(tmp_path):
    write(tmp_path, "tags.yaml", "- key: a\n  label: {fr: x, en: y\n  sources: [http://e.org]\n")
    problem = problems_of(tmp_path)[0]
    assert problem.file == str(tmp_path / "tags.yaml")
    assert problem.line == 3
    assert "malformed YAML, column" in problem.message
    assert "YAML mal formé" in problem.message_fr


def test_file_that_is_not_utf8_names_the_byte_offset(tmp_path):
    data = b"- key: collectivite\n  label: {fr: Collectivit" + b"\xe9" + b", en: x}\n"
    write(tmp_path, "themes.yaml", data)
    problem = only(problems_of(tmp_path), file=str(tmp_path / "themes.yaml"))
    offset = data.index(b"\xe9")
    assert f"byte offset {offset}" in problem.message
    assert "0xe9" in problem.message
    assert problem.line == 2
    assert "UTF-8" in problem.message_fr


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    write(tmp_path, "tags.yaml", text)
    problem = only(problems_of(tmp_path), file=str(tmp_path / "tags.yaml"))
    assert "empty" in problem.message and "vide" in problem.message_fr


def test_top_level_must_be_a_list(tmp_path):
    write(tmp_path, "tags.yaml", "key: achat-public\nlabel: {fr: a, en: b}\n")
    problem = only(problems_of(tmp_path))
    assert "not a list" in problem.message and problem.line == 1


def test_record_without_key(tmp_path):
    write(tmp_path, "tags.yaml", "- label: {fr: a, en: b}\n  sources: [http://e.org]\n")
    problem = only(problems_of(tmp_path), field="key")
    assert problem.line == 1 and "without a 'key'" in problem.message
    assert problem.record == "(line 1)"


@pytest.mark.parametrize("key", ["Achat-Public", "achat public", "achat_public", "é", "-a"])
def test_key_must_be_a_lower_case_ascii_slug(tmp_path, key):
    write(tmp_path, "tags.yaml", f'- key: "{key}"\n  label: {{fr: a, en: b}}\n'
                                 "  sources: [http://e.org]\n")
    problem = only(problems_of(tmp_path), field="key")
    assert problem.record == key and "slug" in problem.message
    assert "minuscules" in problem.message_fr


def test_duplicate_key_within_a_kind(tmp_path):
    record = "- key: marche\n  label: {fr: a, en: b}\n  sources: [http://e.org]\n"
    write(tmp_path, "tags.yaml", record + record)
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("marche", "key", 4)
    assert "duplicate key" in problem.message and "line 1" in problem.message


def test_same_key_in_two_kinds_is_allowed(tmp_path):
    write(tmp_path, "tags.yaml", "- key: ugap\n  label: {fr: a, en: b}\n  sources: [http://e]\n")
    write(tmp_path, "organisations.yaml", ORGANISATIONS)
    assert {r.ref for r in read_data_dir(tmp_path)} >= {"tag/ugap", "organisation/ugap"}


def test_duplicate_field_inside_a_record(tmp_path):
    write(tmp_path, "tags.yaml", "- key: marche\n  label: {fr: a, en: b}\n"
                                 "  sources: [http://e.org]\n  label: {fr: c, en: d}\n")
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("marche", "label", 4)
    assert "appears twice" in problem.message and "line 2" in problem.message


def test_unknown_field_lists_the_allowed_ones(tmp_path):
    write(tmp_path, "tags.yaml", "- key: marche\n  label: {fr: a, en: b}\n"
                                 "  sources: [http://e.org]\n  colour: red\n")
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("marche", "colour", 4)
    assert ("allowed fields: aliases, description, key, label, sources, synonyms, url"
            in problem.message)


@pytest.mark.parametrize(("line", "field", "expected"), [
    ("  description: just a string", "description", "text map"),
    ("  aliases: marché", "aliases", "list of character strings"),
    ("  url: [http://a.org]", "url", "web address"),
    ("  description: {de: Markt}", "description", "not a language"),
])
def test_wrong_type(tmp_path, line, field, expected):
    write(tmp_path, "tags.yaml", "- key: marche\n  label: {fr: a, en: b}\n"
                                 f"  sources: [http://e.org]\n{line}\n")
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("marche", field, 4)
    assert expected in problem.message and problem.message_fr.startswith("attendu")


def test_wrong_type_inside_a_threshold(tmp_path):
    write(tmp_path, "instruments.yaml", INSTRUMENT.replace("amount: 100000.50", "amount: lots"))
    problem = only(problems_of(tmp_path))
    assert problem.field == "thresholds[1].amount" and problem.line == 8
    assert "expected a number" in problem.message


def test_unquoted_siren_is_rejected(tmp_path):
    write(tmp_path, "organisations.yaml", ORGANISATIONS.replace('"776056467"', "776056467"))
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("ugap", "siren", 13)
    assert "9 digits, quoted" in problem.message


@pytest.mark.parametrize("value", ["2021-02-30", "2021-13-01"])
def test_invalid_date(tmp_path, value):
    write(tmp_path, "instruments.yaml", INSTRUMENT.replace("2021-12-13", value))
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("achat-innovant", "in_force_from", 6)
    assert f"invalid date {value!r}" in problem.message and "date invalide" in problem.message_fr


def test_missing_required_field(tmp_path):
    write(tmp_path, "instruments.yaml", INSTRUMENT.replace("  instrument_kind: exemption\n", ""))
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("achat-innovant", "instrument_kind", 1)
    assert "required field" in problem.message and "obligatoire" in problem.message_fr


def test_label_needs_both_languages(tmp_path):
    write(tmp_path, "tags.yaml", "- key: marche\n  label: {fr: Marché}\n  sources: [http://e]\n")
    problem = only(problems_of(tmp_path))
    assert (problem.field, problem.line) == ("label", 2) and "'en'" in problem.message


def test_instrument_needs_legal_basis_or_note_which_the_shapes_say(tmp_path):
    write(tmp_path, "instruments.yaml", INSTRUMENT.replace(
        "  legal_basis_note: {fr: Aucune, en: None}\n", ""))
    records = read_data_dir(tmp_path)  # a rule across fields: the gate's, not the reader's
    mapped = map_records(records, "https://example.org/")
    report = validate_graph(mapped.graph, load_shapes(), load_vocabulary(), mapped.origins)
    problem = only(report.violations, record="instrument/achat-innovant")
    assert "apg:legalBasis" in problem.message and "apg:legalBasisNote" in problem.message
    assert problem.file == str(tmp_path / "instruments.yaml")


def test_reference_to_a_missing_record_lists_close_keys(tmp_path):
    write(tmp_path, "organisations.yaml", ORGANISATIONS)
    write(tmp_path, "resources.yaml", "- key: repenser-l-achat-public\n"
                                      "  title: {fr: Repenser l'achat public}\n"
                                      "  involves: [ugap, la-27-region]\n"
                                      "  sources: [http://e.org]\n")
    problem = only(problems_of(tmp_path))
    assert problem.file == str(tmp_path / "resources.yaml")
    assert (problem.record, problem.field, problem.line) == (
        "repenser-l-achat-public", "involves[2]", 3)
    assert "'la-27-region'" in problem.message and "organisation" in problem.message
    assert "close keys: la-27e-region" in problem.message
    assert "clés proches : la-27e-region" in problem.message_fr


def test_unknown_file_name(tmp_path):
    write(tmp_path, "instrument.yaml", INSTRUMENT)
    problem = only(problems_of(tmp_path))
    assert problem.file == str(tmp_path / "instrument.yaml")
    assert "instruments.yaml" in problem.message


def test_every_problem_is_collected_not_just_the_first(tmp_path):
    write(tmp_path, "tags.yaml", "- key: a\n  label: {fr: x, en: y}\n  sources: [http://e]\n"
                                 "  colour: red\n- key: B\n")
    write(tmp_path, "themes.yaml", "")
    problems = problems_of(tmp_path)
    assert {(Path(p.file).name, p.field) for p in problems} >= {
        ("tags.yaml", "colour"), ("tags.yaml", "key"), ("themes.yaml", None)}
    assert all(p.message_fr for p in problems)


def test_missing_folder_is_an_io_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_data_dir(tmp_path / "absent")


def test_eu_concepts_must_be_written_table_slash_code(tmp_path):
    write(tmp_path, "instruments.yaml", INSTRUMENT.replace(
        "  in_force_from: 2021-12-13\n",
        "  in_force_from: 2021-12-13\n  exact_match: [procurement-procedure-type/open, open]\n"))
    problem = only(problems_of(tmp_path))
    assert (problem.field, problem.line) == ("exact_match[2]", 7)
    assert "table/code" in problem.message and "table/code" in problem.message_fr


def test_an_unsafe_yaml_tag_is_a_clear_error_not_a_crash(tmp_path):
    write(tmp_path, "tags.yaml", "- key: marche\n  label: {fr: a, en: b}\n"
                                 "  sources: [!!python/object:os.system echo]\n")
    problem = only(problems_of(tmp_path))
    assert (problem.record, problem.field, problem.line) == ("marche", "sources[1]", 3)


def test_a_siren_shared_by_two_organisations_names_both_records(tmp_path):
    write(tmp_path, "organisations.yaml", ORGANISATIONS + """\

- key: ugap-bis
  label: {fr: UGAP bis, en: UGAP bis}
  roles: [central-purchasing-body]
  siren: "776056467"
  sources: [http://example.org/d]
""")
    problem = only(problems_of(tmp_path), record="ugap-bis", field="siren")
    assert problem.file == str(tmp_path / "organisations.yaml") and problem.line == 19
    assert "'ugap'" in problem.message and "organisations.yaml:13" in problem.message
    assert "'ugap'" in problem.message_fr


def test_a_siret_shared_by_two_organisations_is_rejected(tmp_path):
    siret = '  siret: "77605646700587"\n'
    text = ORGANISATIONS.replace("  sources: [http://example.org/a]\n",
                                 siret + "  sources: [http://example.org/a]\n")
    text = text.replace("  sources: [http://example.org/b]\n",
                        siret + "  sources: [http://example.org/b]\n")
    write(tmp_path, "organisations.yaml", text)
    problem = only(problems_of(tmp_path), field="siret")
    assert problem.record == "ugap" and "'la-27e-region'" in problem.message


def test_distinct_sirets_of_one_siren_are_allowed(tmp_path):
    text = ORGANISATIONS.replace("  sources: [http://example.org/a]\n",
                                 '  siret: "77605646700587"\n  sources: [http://example.org/a]\n')
    write(tmp_path, "organisations.yaml", text)
    assert len(read_data_dir(tmp_path)) == 2


def test_a_folder_without_yaml_files_is_a_usage_error(tmp_path):
    write(tmp_path, "README.md", "notes")
    with pytest.raises(FileNotFoundError, match="no curated data found"):
        read_data_dir(tmp_path)


def test_yml_files_are_named_with_a_rename_hint(tmp_path):
    write(tmp_path, "organisations.yml", ORGANISATIONS)
    with pytest.raises(FileNotFoundError, match=r"rename to \.yaml: organisations\.yml"):
        read_data_dir(tmp_path)
    write(tmp_path, "instruments.yaml", INSTRUMENT)
    problem = only(problems_of(tmp_path))
    assert problem.file == str(tmp_path / "organisations.yml") and "rename" in problem.message


@pytest.mark.parametrize("path", sorted(DATA_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_data_file_reads_the_same_with_both_yaml_parsers(path):
    """libyaml accepts ``[https://x/?p=1]`` where the pure-Python parser (and other tools)
    refuse it: the curated files stay in the YAML both read alike."""
    text = path.read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    if yaml.__with_libyaml__:
        assert yaml.load(text, Loader=yaml.CSafeLoader) == pure
