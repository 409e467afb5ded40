"""Content negotiation with q-values over the format table."""

import pytest

from achat_core.formats import BY_NAME, of_kind
from sparql_endpoint.protocol.negotiation import describe, negotiate, parse_accept

RESULTS = of_kind("results")
RDF = of_kind("rdf")


def test_parse_accept_orders_by_q_then_specificity():
    assert parse_accept("text/*;q=0.5, text/csv, */*;q=0.1") == [
        ("text/csv", 1.0), ("text/*", 0.5), ("*/*", 0.1)]
    assert parse_accept(None) == [("*/*", 1.0)]


@pytest.mark.parametrize(("accept", "offered", "expected"), [
    (None, RESULTS, "json"),
    ("*/*", RDF, "turtle"),
    ("text/csv;q=0.9, application/sparql-results+xml", RESULTS, "xml"),
    ("application/json", RESULTS, "json"),
    ("text/*", RESULTS, "csv"),
    ("text/plain", RDF, "ntriples"),
    ("application/rdf+xml;q=0, */*", RDF, "turtle"),
    ("text/turtle;q=0, */*;q=0.5", RDF, "ntriples"),
    ("image/png", RESULTS, None),
    ("text/csv;q=bogus", RESULTS, None),
])
def test_negotiate(accept, offered, expected):
    chosen = negotiate(accept, offered)
    assert (chosen.name if chosen else None) == expected


def test_describe_lists_media_types():
    assert describe((BY_NAME["csv"], BY_NAME["tsv"])) == "text/csv, text/tab-separated-values"
