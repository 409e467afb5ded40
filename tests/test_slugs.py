"""Tests for slugs, and the one fold they share with search."""

import pytest

from achat_core.text import ascii_fold, fold
from graph_builder.slugs import slugify


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


@pytest.mark.parametrize("text, folded", [
    ("Cœur de l’ÉCOLE", "coeur de l ecole"),
    ("Ærø, Łódź, Đakovo, Straße", "aero lodz dakovo strasse"),
    ("ﬁnancement  N°12", "financement n 12"),
    ("plain ascii!", "plain ascii"),
])
def test_one_fold_serves_search_and_names(text, folded):
    assert fold(text) == folded
    assert all(c.isascii() for c in ascii_fold(text) if c.isalpha())  # letters spelt in ASCII
