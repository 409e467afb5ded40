"""Tests for web addresses turned into IRIs."""

import pyoxigraph as ox
import pytest

from graph_builder.rdf.web_addresses import to_iri


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
