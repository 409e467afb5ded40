"""Conformance: the seed page of ../shared/seeds imports into one reconciled resource."""

import pyoxigraph as ox
import pytest
from helpers import SHARED_DIR

from graph_builder.rdf.reconcile import import_pages
from graph_builder.rdf.web_addresses import to_iri
from graph_builder.sources.records import Record
from graph_builder.sources.wiki import read_wiki_dir

pytestmark = pytest.mark.conformance

SEEDS = SHARED_DIR / "seeds"
SEED_IRI = "http://wiki.lafabriquedesmobilites.fr/wiki/Repenser_l%27achat_public"
SEED_FIELDS = {
    "Image", "Description en une ligne", "Description", "Site web de la référence", "Tags",
    "Thème", "Organisations impliquées dans la ressource",
    "Défi auquel répond cette connaissance", "Communauté d\u2019intérêt", "Prochaine étape",
    "Autres informations",
}


@pytest.fixture(scope="module")
def pages():
    if not SEEDS.is_dir():
        pytest.skip(f"the seed pages are not there: {SEEDS} is missing (../shared absent)")
    return read_wiki_dir(SEEDS)


def curated() -> list[Record]:
    """The curated records the seed names, kept small and independent of data/."""
    source = ["http://www.la27eregion.fr/les-eclaireurs-a-lassaut-des-marches-publics/"]
    return [
        Record("organisation", "la-27e-region",
               {"label": {"fr": "La 27e Région", "en": "La 27e Région"},
                "aliases": ["27ème région"], "sources": source}),
        Record("theme", "urbanisme-et-ville",
               {"label": {"fr": "Urbanisme et ville", "en": "Urban planning and the city"},
                "sources": [SEED_IRI]}),
    ]


@pytest.fixture(scope="module")
def seed(pages):
    (page,) = [p for p in pages if p.source == SEED_IRI]
    return page


@pytest.fixture(scope="module")
def result(pages):
    return import_pages(pages, curated())


def test_seed_is_read_with_every_field(seed):
    assert seed.title == "Repenser l'achat public"
    assert {f.label for f in seed.fields} == SEED_FIELDS
    assert all(f.known is not None for f in seed.fields)  # no unknown field lost
    description = next(f.value for f in seed.fields if f.label == "Description")
    assert "avec un chaoitre sur le partenariat public-commun" in description  # prose, kept


def test_seed_becomes_one_resource_titled_repenser_l_achat_public(result):
    resources = [r for r in result.records if r.kind == "resource"
                 and r.fields.get("wiki_page") == SEED_IRI]
    assert [r.key for r in resources] == ["repenser-l-achat-public"]
    fields = resources[0].fields
    assert fields["title"] == {"fr": "Repenser l'achat public"}
    assert SEED_IRI in fields["sources"]
    assert "unmapped" not in fields
    for name in ("one_line", "description", "next_step"):
        assert fields[name]["fr"]


def test_seed_web_address_is_a_valid_iri(result):
    fields = next(r.fields for r in result.records if r.ref == "resource/repenser-l-achat-public")
    url = fields["url"]
    assert "%20" in url and " " not in url
    assert to_iri(url) == url
    assert ox.NamedNode(url).value == url
    assert url.endswith("LES-ECLAIREURS%20ACHAT-PUBLIC%20web.pdf")


def test_seed_links_are_reconciled_without_duplicates(result):
    refs = {r.ref: r for r in result.records}
    fields = refs["resource/repenser-l-achat-public"].fields
    assert fields["involves"] == ["la-27e-region"]
    assert [r.key for r in result.records if r.kind == "organisation"] == ["la-27e-region"]
    assert not any(line.startswith("organisation") for line in result.new_nodes)
    assert fields["themes"] == ["urbanisme-et-ville", "collectivite"]
    assert fields["tags"] == ["achat-public", "ugap", "marche"]
    assert len(fields["challenges"]) == 1
    assert len(fields["communities"]) == 1
    challenge = refs[f"challenge/{fields['challenges'][0]}"]
    assert challenge.fields["label"]["fr"].startswith("Accompagner une collectivité à ouvrir")
    community = refs[f"community/{fields['communities'][0]}"]
    assert community.fields["label"] == {"fr": "Communauté des Territoires et Collectivités"}
    for ref in [f"tag/{k}" for k in fields["tags"]] + ["theme/collectivite"]:
        assert refs[ref].imported and refs[ref].fields["sources"] == [SEED_IRI]
