"""The query page (``protocol/editor``): readable results, and syntax errors that say where."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from sparql_endpoint.protocol.editor import EXCERPT, error_place

YEARS = ("SELECT ?year ?contracts ?label WHERE { VALUES (?year ?contracts ?label) "
         "{ (2019 1234 \"un\"@fr) } }")


def cells(page: str) -> list[tuple[str, str]]:
    """Return each result cell's hover text and shown text, tags stripped."""
    table = page[page.index('<table class="results'):page.index("</table>")]
    return [(html_lib.unescape(title), html_lib.unescape(re.sub(r"<[^>]+>", "", shown)).strip())
            for title, shown in re.findall(r'<td[^>]* title="([^"]*)">(.*?)</td>', table)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_results_show_plain_values_and_keep_the_exact_term_on_hover(client, lang):
    page = client.get("/query", query_string={"query": YEARS, "lang": lang}).get_data(as_text=True)
    (year_raw, year), (count_raw, count), (label_raw, label) = cells(page)
    # A year keeps its four digits; a count is grouped the page's way.
    assert year == "2019"
    assert count in {"fr": ("1\u202f234", "1\u00a0234"), "en": ("1,234",)}[lang]
    assert year_raw == '"2019"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert count_raw == '"1234"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert label.startswith("un") and label_raw == '"un"@fr'
    assert "^^" not in re.sub(r'title="[^"]*"', "", page[page.index("<table"):])


@pytest.mark.parametrize(("lang", "words"), [("fr", "Ligne 2, colonne 3"),
                                             ("en", "Line 2, column 3")])
def test_a_syntax_error_is_a_400_page_in_the_reader_s_language_pointing_at_the_place(
        client, lang, words):
    query = "SELECT ?s WHERE {\n  ?s ?p }"
    response = client.get("/query", query_string={"query": query, "lang": lang})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert f'<html lang="{lang}">' in page and words in page
    # The faulty line, with the place the parser stopped at marked (the pattern's start).
    assert "<code>  <mark>?</mark>s ?p }</code>" in page
    # The parser's own message follows, marked as English.
    assert '<pre class="wrap" lang="en">Syntax error in the query' in page


def test_error_place_reads_the_parser_s_line_and_column():
    place = error_place("SELECT\n\t?x WHERE", "Expected '{' (at char 16), (line:2, col:12)")
    # The parser counts columns with tabs expanded to eight.
    assert place["line"] == 2 and place["before"] == "        ?x " and place["at"] == "W"


def test_error_place_cuts_a_long_line_around_the_place():
    line = "a" * 500 + "!" + "b" * 500
    place = error_place(line, "… (line:1, col:501)")
    assert place["at"] == "!" and place["before"] == "…" + "a" * EXCERPT
    assert place["after"] == "b" * EXCERPT + "…"


@pytest.mark.parametrize("message", ["the query is empty", "(line:9, col:1)", "(line:0, col:1)"])
def test_error_place_is_none_when_the_message_names_no_line_of_the_query(message):
    assert error_place("SELECT * {}", message) is None
