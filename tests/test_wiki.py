"""Tests for the wiki page reader, on pages written in the seed's form."""

from pathlib import Path

import pytest

from graph_builder.errors import InvalidData
from graph_builder.sources.wiki import (
    LABELS,
    WIKI_BASE,
    is_placeholder_image,
    label_key,
    page_iri,
    parse_page,
    read_wiki_dir,
    read_wiki_page,
)

FIXTURES = Path(__file__).parent / "fixtures" / "wiki"


@pytest.fixture(scope="module")
def guide():
    return read_wiki_page(FIXTURES / "guide_achat_local.txt")


def values(page):
    return {f.label: f.value for f in page.fields}


def test_title_source_and_file(guide):
    assert guide.title == "Guide de l\u2019achat responsable local"
    assert guide.key == "guide-de-l-achat-responsable-local"
    assert guide.source == WIKI_BASE + "Guide_de_l%E2%80%99achat_responsable_local"
    assert guide.file == "guide_achat_local.txt"
    assert guide.title_line == 1


def test_every_field_is_read_in_page_order_with_its_line(guide):
    labels = [(f.line, f.label) for f in guide.fields]
    assert labels == [
        (8, "Image"), (12, "Description en une ligne"), (14, "Description"),
        (21, "Site web de la référence"), (23, "Tags"), (25, "Thème"),
        (27, "Organisations impliquées dans la ressource"),
        (29, "Organisations utilisatrices ou intéressées pour utiliser la ressource"),
        (31, "Défi auquel répond cette connaissance"), (33, "Communauté d\u2019intérêt"),
        (35, "Contributeur(s)"), (37, "Catégories"), (39, "Autre commun proche"),
        (41, "Humeur du jour"), (43, "Prochaine étape"), (47, "Autres informations"),
    ]


def test_site_noise_is_dropped(guide):
    text = " ".join(f"{f.label} {f.value}" for f in guide.fields)
    assert "navigation" not in text
    assert "De Communauté de la Fabrique" not in text


def test_value_on_a_later_line_and_placeholder_image(guide):
    image = values(guide)["Image"]
    assert image == "No-image-yet.jpg"
    assert is_placeholder_image(image)
    assert not is_placeholder_image("Cantine scolaire.jpg")


def test_colon_inside_a_one_line_value_stays_in_the_value(guide):
    assert values(guide)["Description en une ligne"] == (
        "Un guide pratique pour acheter local sans enfreindre l\u2019égalité de traitement"
        "\u00a0: méthodes, clauses et retours d\u2019expérience."
    )


def test_multi_line_value_keeps_paragraphs_and_prose_with_a_colon(guide):
    description = values(guide)["Description"]
    paragraphs = description.split("\n\n")
    assert paragraphs[0] == ("Premier paragraphe du guide, sur l\u2019allotissement.\n"
                             "Suite du premier paragraphe sur une autre ligne.")
    assert paragraphs[1].startswith("avec une annexe sur les circuits courts\u00a0: ")
    assert paragraphs[2] == "Voir aussi http://exemple.org/annexe"
    assert len(paragraphs) == 3


def test_no_space_after_the_colon_and_empty_value(guide):
    assert values(guide)["Prochaine étape"] == "publier une deuxième édition"
    assert values(guide)["Autres informations"] == ""


def test_address_with_spaces_is_kept_as_written(guide):
    assert values(guide)["Site web de la référence"] == (
        "https://exemple.org/guides/achat responsable/Guide été 2024.pdf")


def test_known_and_unknown_labels(guide):
    known = {f.label: f.known for f in guide.fields}
    assert known["Communauté d\u2019intérêt"] == ("communities", "list")
    assert known["Thème"] == ("themes", "list")
    assert known["Contributeur(s)"] == ("unmapped", "kept")
    assert known["Humeur du jour"] is None


def test_crlf_page_with_plain_spaces_and_straight_apostrophes():
    page = read_wiki_page(FIXTURES / "cantine_regie.txt")
    assert page.title == "Cantine en régie"
    assert page.source == WIKI_BASE + "Cantine_en_r%C3%A9gie"
    got = values(page)
    assert got["Description en une ligne"] == "Reprendre la restauration scolaire en régie."
    assert got["Description"] == "Ligne un de la description.\nLigne deux de la description."
    assert got["Communauté d'intérêt"] == "Communauté des achats locaux"
    assert got["Autres informations"] == ""
    assert all("\r" not in f.value and "\r" not in f.label for f in page.fields)
    assert [f.line for f in page.fields][:2] == [6, 8]


def test_cr_only_line_ends():
    page = parse_page("Titre\r\rTags : a, b\rThème : c", "cr.txt")
    assert values(page) == {"Tags": "a, b", "Thème": "c"}
    assert [f.line for f in page.fields] == [3, 4]


def test_missing_title_is_invalid_data_naming_the_file():
    with pytest.raises(InvalidData) as error:
        read_wiki_page(FIXTURES / "invalid" / "no_title.txt")
    (problem,) = error.value.problems
    assert problem.file == "no_title.txt"
    assert problem.field == "title"
    assert "no title" in str(error.value)


def test_page_starting_with_a_field_has_no_title():
    with pytest.raises(InvalidData, match="no title"):
        parse_page("\n\nDescription : texte\n", "p.txt")


def test_title_without_letters_is_invalid():
    with pytest.raises(InvalidData, match="no letter or digit"):
        parse_page("???\n\nTags : a\n", "p.txt")


def test_text_between_title_and_first_field_is_reported():
    page = parse_page("Titre\n\nun texte égaré\n\nTags : a\n", "p.txt")
    (problem,) = page.problems
    assert (problem.file, problem.line, problem.severity) == ("p.txt", 3, "Warning")
    assert values(page) == {"Tags": "a"}


def test_label_like_line_starts_a_field_only_at_a_paragraph_start():
    page = parse_page("T\n\nDescription : un\nNote : suite\n\nRemarque : autre\n", "p.txt")
    assert values(page) == {"Description": "un\nNote : suite", "Remarque": "autre"}


@pytest.mark.parametrize("line", [
    "avec un chapitre : du texte",        # starts lower case
    "Pourquoi ? Voici : la suite",         # sentence punctuation
    "Le 12 mars : une réunion",            # digits
    "Voir http://exemple.org/page",        # colon of an address
    "Un deux trois quatre cinq six sept huit neuf : trop long",
])
def test_prose_is_not_a_field(line):
    page = parse_page(f"T\n\nDescription : début\n\n{line}\n", "p.txt")
    assert [f.label for f in page.fields] == ["Description"]
    assert page.fields[0].value.endswith(line)


def test_not_utf8_is_invalid_data(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Titre\n\nTags : marché\n".encode("latin-1"))
    with pytest.raises(InvalidData) as error:
        read_wiki_page(path)
    (problem,) = error.value.problems
    assert problem.file == "latin1.txt"
    assert problem.line == 3
    assert "UTF-8" in problem.message


@pytest.mark.parametrize("content", [b"", b"  \r\n\n \t\n"])
def test_empty_file_is_invalid_data(tmp_path, content):
    path = tmp_path / "vide.txt"
    path.write_bytes(content)
    with pytest.raises(InvalidData, match="vide.txt.*empty file"):
        read_wiki_page(path)


def test_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffTitre\n\nTags : a\n".encode())
    assert read_wiki_page(path).title == "Titre"


def test_read_wiki_dir_reads_pages_in_name_order():
    pages = read_wiki_dir(FIXTURES)
    assert [p.file for p in pages] == ["cantine_regie.txt", "guide_achat_local.txt"]


def test_read_wiki_dir_reports_every_bad_page(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_text("Titre\n\nTags : a\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Tags : a\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("", encoding="utf-8")
    with pytest.raises(InvalidData) as error:
        read_wiki_dir(tmp_path)
    assert [p.file for p in error.value.problems] == ["a.txt", "c.txt"]


def test_labels_table_is_in_lookup_form():
    assert all(label_key(label) == label for label in LABELS)
    assert label_key("Communauté\u00a0d\u2019intérêt ") == "communaute d'interet"


def test_page_iri_encodes_as_mediawiki():
    assert page_iri("Repenser l'achat public") == WIKI_BASE + "Repenser_l%27achat_public"
    assert page_iri("Vers un territoire Open Source") == (
        WIKI_BASE + "Vers_un_territoire_Open_Source")
    assert page_iri("A/B (C), D:E") == WIKI_BASE + "A/B_(C),_D:E"
