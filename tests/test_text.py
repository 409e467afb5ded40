"""Tests for the text helpers: slugs, names for matching, IRIs from web addresses."""

import pyoxigraph as ox
import pytest

from achat_core.text import ascii_fold, fold
from graph_builder.text import normalise_name, slugify, to_iri


@pytest.mark.parametrize(("text", "slug"), [
    ("Repenser l'achat public", "repenser-l-achat-public"),
    ("Repenser l\u2019achat public", "repenser-l-achat-public"),
    ("La 27e Région", "la-27e-region"),
    ("  Cœur   d'été -- 2024 ! ", "coeur-d-ete-2024"),
    ("Communauté\u00a0des Territoires", "communaute-des-territoires"),
    ("UGAP", "ugap"),
])
def test_slugify_gives_lower_case_ascii_with_single_hyphens(text, slug):
    assert slugify(text) == slug


def test_slugify_of_text_without_letters_is_empty():
    assert slugify("!!! ???") == ""


def test_slugify_cuts_long_slugs_at_a_hyphen():
    slug = slugify("mot " * 40)
    assert len(slug) <= 80
    assert not slug.endswith("-")
    assert set(slug.split("-")) == {"mot"}


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


def test_to_iri_encodes_spaces_of_the_seed_address():
    url = ("http://www.la27eregion.fr/wp-content/uploads/sites/2/2019/04/"
           "LES-ECLAIREURS ACHAT-PUBLIC web.pdf")
    iri = to_iri(url)
    assert iri == (
        "http://www.la27eregion.fr/wp-content/uploads/sites/2/2019/04/"
        "LES-ECLAIREURS%20ACHAT-PUBLIC%20web.pdf"
    )
    assert ox.NamedNode(iri).value == iri


@pytest.mark.parametrize("url", [
    "https://exemple.org/guides/achat responsable/Guide été 2024.pdf",
    "https://exemple.org/a b?q=été à&x=1#section 2",
    "http://exemple.org/[crochets]/{accolades}/\"guillemets\"/<chevrons>|^`\\",
    "http://exemple.org/déjà%20encodé%2Fici/100%/%zz",
    "https://münchen.example/straße",
    "  https://exemple.org/espaces-autour  ",
    "http://user name@exemple.org:8080/p",
])
def test_to_iri_gives_valid_iris_and_is_stable(url):
    iri = to_iri(url)
    assert iri is not None
    assert iri.isascii()
    assert ox.NamedNode(iri).value == iri
    assert to_iri(iri) == iri


def test_to_iri_keeps_escapes_and_encodes_stray_percent_signs():
    assert to_iri("http://x.org/a%20b/100%/%zz") == "http://x.org/a%20b/100%25/%25zz"


def test_to_iri_encodes_accents_as_utf8():
    assert to_iri("https://exemple.org/été") == "https://exemple.org/%C3%A9t%C3%A9"
    assert to_iri("https://münchen.example/").startswith("https://xn--mnchen-3ya.example/")


@pytest.mark.parametrize("text", [
    "", "pas une adresse", "exemple.org/sans-schema", "ftp://exemple.org/f", "mailto:a@b.fr",
    "http://", "http://nom d'hôte avec espaces/", "http://exemple.org:port/", "http://[::1",
    "javascript:alert(1)",
])
def test_to_iri_refuses_what_is_not_an_absolute_http_address(text):
    assert to_iri(text) is None


@pytest.mark.parametrize("text, folded", [
    ("Cœur de l’ÉCOLE", "coeur de l ecole"),
    ("Ærø, Łódź, Đakovo, Straße", "aero lodz dakovo strasse"),
    ("ﬁnancement  N°12", "financement n 12"),
    ("plain ascii!", "plain ascii"),
])
def test_one_fold_serves_search_and_names(text, folded):
    assert fold(text) == folded
    assert all(c.isascii() for c in ascii_fold(text) if c.isalpha())  # letters spelt in ASCII
