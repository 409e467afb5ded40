"""Tests for importing wiki pages and reconciling the names they hold with curated records."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder.errors import WARNING
from graph_builder.rdf.reconcile import import_pages, normalise_name
from graph_builder.sources.records import Record
from graph_builder.sources.wiki import WIKI_BASE, parse_page, read_wiki_dir

FIXTURES = Path(__file__).parent / "fixtures" / "wiki"
GUIDE = WIKI_BASE + "Guide_de_l%E2%80%99achat_responsable_local"
CANTINE = WIKI_BASE + "Cantine_en_r%C3%A9gie"


def curated() -> list[Record]:
    """A small curated knowledge base, as the YAML reader gives it."""
    return [
        Record("organisation", "la-27e-region",
               {"label": {"fr": "La 27e Région", "en": "La 27e Région"},
                "aliases": ["27ème région", "La 27ème Région"], "sources": ["https://a.example/"]}),
        Record("organisation", "agence-achats-durables",
               {"label": {"fr": "Agence des achats durables", "en": "Sustainable Buying Agency"},
                "sources": ["https://a.example/"]}),
        Record("challenge", "nourrir-la-ville",
               {"label": {"fr": "Nourrir la ville, sans gaspiller", "en": "Feed the city"},
                "sources": ["https://a.example/"]}),
        Record("theme", "urbanisme-et-ville",
               {"label": {"fr": "Urbanisme et ville", "en": "Town planning"},
                "sources": ["https://a.example/"]}),
        Record("tag", "achat-public",
               {"label": {"fr": "achat public", "en": "public procurement"},
                "sources": ["https://a.example/"]}),
    ]


@pytest.fixture(scope="module")
def result():
    return import_pages(read_wiki_dir(FIXTURES), curated())


def by_ref(result):
    return {record.ref: record for record in result.records}


def test_each_page_becomes_one_french_resource_with_its_source(result):
    guide = by_ref(result)["resource/guide-de-l-achat-responsable-local"]
    assert guide.imported
    assert guide.fields["title"] == {"fr": "Guide de l\u2019achat responsable local"}
    assert guide.fields["wiki_page"] == GUIDE
    assert guide.fields["sources"] == [GUIDE]
    assert "license" not in guide.fields
    assert guide.file == "guide_achat_local.txt"


def test_text_fields_are_mapped(result):
    fields = by_ref(result)["resource/guide-de-l-achat-responsable-local"].fields
    assert fields["one_line"]["fr"].startswith("Un guide pratique pour acheter local")
    assert set(fields["description"]) == {"fr"}
    assert "avec une annexe sur les circuits courts" in fields["description"]["fr"]
    assert fields["next_step"] == {"fr": "publier une deuxième édition"}
    assert "other_information" not in fields  # the field is empty on the page
    assert "image" not in fields  # the placeholder is no image


def test_web_address_becomes_a_valid_iri(result):
    url = by_ref(result)["resource/guide-de-l-achat-responsable-local"].fields["url"]
    assert url == ("https://exemple.org/guides/achat%20responsable/"
                   "Guide%20%C3%A9t%C3%A9%202024.pdf")
    assert ox.NamedNode(url).value == url


def test_names_are_matched_by_normalised_labels_aliases_and_whole_values(result):
    fields = by_ref(result)["resource/guide-de-l-achat-responsable-local"].fields
    assert fields["used_by"] == ["la-27e-region"]  # "la 27eme region"
    assert fields["involves"] == ["ville-de-saint-exemple", "agence-achats-durables"]
    assert fields["challenges"] == ["nourrir-la-ville"]  # a name with a comma, matched whole
    assert fields["themes"] == ["alimentation", "urbanisme-et-ville"]
    assert fields["tags"] == ["circuits-courts", "achat-public", "clause-sociale",
                              "connaissance", "juridique"]
    assert fields["communities"] == ["communaute-des-achats-locaux"]


def test_pages_naming_each_other_are_linked(result):
    fields = by_ref(result)["resource/guide-de-l-achat-responsable-local"].fields
    assert fields["related"] == ["cantine-en-regie"]
    assert [line for line in result.new_nodes if line.startswith("resource")] == [
        "resource «Cantine en régie» (wiki page cantine_regie.txt, not in data/, "
        "created resource/cantine-en-regie)",
        "resource «Guide de l\u2019achat responsable local» (wiki page guide_achat_local.txt, "
        "not in data/, created resource/guide-de-l-achat-responsable-local)",
    ]


def test_related_common_not_imported_is_a_new_resource_with_its_wiki_address():
    result = import_pages([parse_page("T\n\nAutre commun proche : Vers un territoire Open Source\n",
                                      "t.txt")], [])
    created = by_ref(result)["resource/vers-un-territoire-open-source"]
    assert created.fields["wiki_page"] == WIKI_BASE + "Vers_un_territoire_Open_Source"
    assert created.fields["title"] == {"fr": "Vers un territoire Open Source"}
    assert created.fields["sources"] == [WIKI_BASE + "T"]


def test_one_node_per_thing_across_pages(result):
    refs = [record.ref for record in result.records]
    assert len(refs) == len(set(refs))
    communities = [r for r in result.records if r.kind == "community"]
    assert [r.key for r in communities] == ["communaute-des-achats-locaux"]
    shared = by_ref(result)["community/communaute-des-achats-locaux"]
    assert shared.fields["sources"] == [CANTINE, GUIDE]
    cantine = by_ref(result)["resource/cantine-en-regie"].fields
    assert cantine["communities"] == ["communaute-des-achats-locaux"]
    assert cantine["tags"] == ["circuits-courts"]
    organisations = [r.key for r in result.records if r.kind == "organisation"]
    assert organisations == ["la-27e-region", "agence-achats-durables", "ville-de-saint-exemple"]


def test_new_nodes_are_imported_french_records_listed_for_the_summary(result):
    created = by_ref(result)["organisation/ville-de-saint-exemple"]
    assert created.imported
    assert created.fields == {"label": {"fr": "Ville de Saint-Exemple"}, "sources": [GUIDE]}
    assert ("organisation «Ville de Saint-Exemple» (not in data/, "
            "created organisation/ville-de-saint-exemple)") in result.new_nodes
    assert not any("27" in line for line in result.new_nodes)
    assert sum(line.startswith("tag «circuits courts»") for line in result.new_nodes) == 1
    unmatched = [p for p in result.problems if "matches no record" in p.message]
    assert len(unmatched) == sum(not line.startswith("resource") for line in result.new_nodes)
    assert all(p.severity == WARNING for p in result.problems)


def test_curated_records_come_first_unchanged(result):
    assert [r.ref for r in result.records[:5]] == [r.ref for r in curated()]
    assert by_ref(result)["organisation/la-27e-region"].fields == curated()[0].fields
    imported = [r.ref for r in result.records[5:]]
    assert imported == sorted(imported)
    assert all(r.imported for r in result.records[5:])


def test_unknown_field_is_kept_and_reported(result):
    fields = by_ref(result)["resource/guide-de-l-achat-responsable-local"].fields
    assert {"label": "Humeur du jour", "value": "enthousiaste"} in fields["unmapped"]
    (problem,) = [p for p in result.problems if p.field == "Humeur du jour"]
    assert (problem.file, problem.line, problem.severity) == ("guide_achat_local.txt", 41,
                                                              WARNING)
    assert problem.record == "resource/guide-de-l-achat-responsable-local"


def test_people_are_kept_without_a_warning(result):
    fields = by_ref(result)["resource/guide-de-l-achat-responsable-local"].fields
    assert {"label": "Contributeur(s)", "value": "Camille Exemple"} in fields["unmapped"]
    assert not [p for p in result.problems if p.field == "Contributeur(s)"]


def test_bad_address_is_kept_and_reported_and_good_licence_mapped(result):
    fields = by_ref(result)["resource/cantine-en-regie"].fields
    assert "url" not in fields
    assert {"label": "Site web de la référence", "value": "pas encore en ligne"} in \
        fields["unmapped"]
    assert [p.line for p in result.problems if p.field == "Site web de la référence"] == [17]
    assert fields["license"] == "https://exemple.org/licence"


def test_image_file_name_becomes_the_wiki_file_address(result):
    image = by_ref(result)["resource/cantine-en-regie"].fields["image"]
    assert image == WIKI_BASE + "Special:FilePath/Cantine_scolaire.jpg"
    assert ox.NamedNode(image).value == image


def test_page_fills_a_curated_resource_which_wins_on_conflicts():
    resource = Record("resource", "cantine-en-regie", {
        "title": {"fr": "La cantine en régie", "en": "School meals in-house"},
        "description": {"en": "An English description."},
        "tags": ["achat-public"],
        "sources": ["https://a.example/cantine"],
    }, file="resources.yaml", line=3)
    page = parse_page("Cantine en régie\n\nDescription : Texte du wiki.\n\n"
                      "Description en une ligne : En une ligne.\n\nTags : achat public, bio\n",
                      "cantine.txt")
    result = import_pages([page], [*curated(), resource])
    merged = [r for r in result.records if r.kind == "resource"]
    assert len(merged) == 1
    (record,) = merged
    assert not record.imported
    assert (record.file, record.line) == ("resources.yaml", 3)
    assert record.fields["title"] == {"fr": "La cantine en régie", "en": "School meals in-house"}
    assert record.fields["description"] == {"en": "An English description.",
                                            "fr": "Texte du wiki."}
    assert record.fields["one_line"] == {"fr": "En une ligne."}
    assert record.fields["tags"] == ["achat-public", "bio"]
    assert record.fields["sources"] == ["https://a.example/cantine", CANTINE]
    assert record.fields["wiki_page"] == CANTINE
    assert not any(line.startswith("resource") for line in result.new_nodes)


def test_page_merges_into_the_curated_resource_with_its_wiki_address():
    resource = Record("resource", "cantine", {"title": {"fr": "Cantine"}, "wiki_page": CANTINE,
                                              "sources": ["https://a.example/"]})
    page = parse_page("Cantine en régie\n\nTags : bio\n", "cantine.txt")
    result = import_pages([page], [resource])
    assert [r.ref for r in result.records if r.kind == "resource"] == ["resource/cantine"]
    assert result.records[0].fields["tags"] == ["bio"]


def test_two_pages_with_one_title_give_one_resource_and_a_warning():
    pages = [parse_page("Même titre\n\nTags : a\n", "a.txt"),
             parse_page("Même  titre\n\nTags : b\n", "b.txt")]
    result = import_pages(pages, [])
    resources = [r for r in result.records if r.kind == "resource"]
    assert len(resources) == 1
    assert resources[0].fields["tags"] == ["a", "b"]
    assert [p.file for p in result.problems if "same title key" in p.message] == ["b.txt"]


def test_unmatched_list_value_is_split_at_commas():
    page = parse_page("T\n\nDéfi auquel répond cette connaissance : Nourrir, loger\n", "t.txt")
    result = import_pages([page], [])
    assert by_ref(result)["resource/t"].fields["challenges"] == ["nourrir", "loger"]


def test_ambiguous_name_links_to_the_first_key_and_warns():
    records = [Record("tag", "marche", {"label": {"fr": "marché"}}),
               Record("tag", "marche-public", {"label": {"fr": "Marché public"},
                                               "aliases": ["marché"]})]
    result = import_pages([parse_page("T\n\nTags : Marché\n", "t.txt")], records)
    assert by_ref(result)["resource/t"].fields["tags"] == ["marche"]
    (problem,) = result.problems
    assert "several records" in problem.message
    assert result.new_nodes == ["resource «T» (wiki page t.txt, not in data/, created resource/t)"]


def test_key_is_a_name_too():
    records = [Record("tag", "bio", {"label": {"fr": "Biologique"}})]
    result = import_pages([parse_page("T\n\nTags : Bio !\n", "t.txt")], records)
    assert by_ref(result)["resource/t"].fields["tags"] == ["bio"]
    assert len(result.records) == 2


def test_new_key_never_takes_the_key_of_another_record():
    records = [Record("tag", "mega", {"label": {"fr": "Méga"}})]
    result = import_pages([parse_page("T\n\nTags : \u03a9mega\n", "t.txt")], records)
    assert by_ref(result)["resource/t"].fields["tags"] == ["mega-2"]
    assert by_ref(result)["tag/mega-2"].fields["label"] == {"fr": "\u03a9mega"}


def test_input_records_are_not_changed():
    records = curated()
    before = [(r.ref, repr(r.fields)) for r in records]
    import_pages(read_wiki_dir(FIXTURES), records)
    assert [(r.ref, repr(r.fields)) for r in records] == before


def test_same_input_gives_same_output():
    first = import_pages(read_wiki_dir(FIXTURES), curated())
    second = import_pages(read_wiki_dir(FIXTURES), curated())
    assert [(r.ref, r.fields) for r in first.records] == [(r.ref, r.fields) for r in
                                                          second.records]
    assert first.new_nodes == second.new_nodes


def test_repeated_field_is_kept_and_reported_and_repeated_list_extends():
    page = parse_page("T\n\nProchaine étape : une\n\nProchaine étape : deux\n\n"
                      "Tags : a\n\nTags : b, a\n", "t.txt")
    result = import_pages([page], [])
    fields = by_ref(result)["resource/t"].fields
    assert fields["next_step"] == {"fr": "une"}
    assert fields["unmapped"] == [{"label": "Prochaine étape", "value": "deux"}]
    assert fields["tags"] == ["a", "b"]
    assert [(p.line, p.field) for p in result.problems if "repeated" in p.message] == [
        (5, "Prochaine étape")]


@pytest.mark.parametrize(("value", "image"), [
    ("Fichier:Plan de la ville.png", WIKI_BASE + "Special:FilePath/Plan_de_la_ville.png"),
    ("File:Plan.png", WIKI_BASE + "Special:FilePath/Plan.png"),
    ("https://exemple.org/images/vue été.png", "https://exemple.org/images/vue%20%C3%A9t%C3%A9.png"),
    ("No-image-yet.jpg", None),
    ("", None),
])
def test_image_values(value, image):
    result = import_pages([parse_page(f"T\n\nImage : {value}\n", "t.txt")], [])
    assert by_ref(result)["resource/t"].fields.get("image") == image
    assert not [p for p in result.problems if p.field == "Image"]


@pytest.mark.parametrize(("a", "b"), [
    ("La 27e Région", "27ème région"),
    ("La 27e Région", "27eme region"),
    ("La 27e Région", "la 27ᵉ région"),
    ("L\u2019UGAP", "UGAP"),
    ("l'UGAP", "ugap"),
    ("Les Communs", "communs"),
    ("Communauté\u00a0des Territoires", "communaute des territoires"),
    ("Urbanisme et ville", "urbanisme-et-ville"),
    ("1ère édition", "1 edition"),
    ("Achat   public !", "achat public"),
    ("Cœur", "coeur"),
])
def test_normalise_name_makes_names_of_one_thing_equal(a, b):
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(("a", "b"), [
    ("La 27e Région", "La 28e Région"),
    ("Région Bretagne", "Bretagne"),
    ("marché", "marchés publics"),
    ("Lenteur", "l'enteur"),  # "l" is an article only before an apostrophe or space
])
def test_normalise_name_keeps_different_names_apart(a, b):
    assert normalise_name(a) != normalise_name(b)


def test_normalise_name_drops_only_a_leading_article():
    assert normalise_name("Vers la ville") == "vers la ville"
    assert normalise_name("Le Havre") == "havre"
