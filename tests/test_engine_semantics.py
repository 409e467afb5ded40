"""What an engine answers otherwise, read from the parse (backends/engine_semantics).

Each construct Virtuoso evaluates otherwise than SPARQL 1.1 (measured by the differential
suite, tests/conformance) is found in the query rdflib parsed, and only there: the same
queries written portably are sent.
"""

from __future__ import annotations

import pytest

from achat_core.resources import QUERIES_DIR
from sparql_endpoint.backends.engine_semantics import EngineRefusal, engine_refusal
from sparql_endpoint.protocol.query_check import check_query

P = "PREFIX : <http://example.org/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "


def _codes(query: str) -> set[str]:
    return {c.code for c in check_query(P + query).constructs}


@pytest.mark.parametrize(("query", "code"), [
    ("SELECT (SUM(?o * 1.0e0) AS ?s) { ?s :p ?o }", "sum-avg-double"),
    ("SELECT (AVG(xsd:double(?o)) AS ?a) { ?s :p ?o } GROUP BY ?s", "sum-avg-double"),
    ("SELECT (AVG(?o) AS ?a) { ?s :p ?o }", "avg-no-group"),
    ("SELECT * { BIND(4 AS ?z) { ?s :p ?v FILTER(?v = ?z) } }", "filter-scope"),
    ("SELECT * { ?s :p ?o OPTIONAL { ?s :q ?o2 } } VALUES ?o2 { :b }", "values-optional"),
    ("SELECT (STRDT(?o, xsd:string) AS ?x) { ?s :p ?o }", "string-tagged"),
    ("SELECT (STRLANG(?o, 'en') AS ?x) { ?s :p ?o }", "string-tagged"),
    ("SELECT (REPLACE(?o, 'a', 'b') AS ?x) { ?s :p ?o }", "string-tagged"),
    ("SELECT (STRBEFORE(?o, 'a') AS ?x) { ?s :p ?o }", "string-tagged"),
    ("SELECT (STRAFTER(STR(?o), '') AS ?x) { ?s :p ?o }", "strafter-empty"),
    ("SELECT (SHA256(STR(?o)) AS ?x) { ?s :p ?o }", "hash"),
    ("ASK { BIND(UUID() AS ?a) BIND(UUID() AS ?b) FILTER(?a != ?b) }", "uuid"),
    ("SELECT * { ?a :p ?b MINUS { ?d :q ?e } }", "minus-unshared"),
    ("SELECT * { ?a :p ?b MINUS { ?a :q ?c OPTIONAL { ?c :r ?b } } }", "minus-unshared"),
    ("SELECT ((?x + ?y) AS ?sum) { ?s :p ?x ; :q ?y }", "arithmetic"),
    ("SELECT ((COUNT(?s) / COUNT(?o)) AS ?r) { ?s :p ?o }", "integer-division"),
    ("SELECT (DATATYPE(?o) AS ?d) { ?s :p ?o }", "datatype"),
    ("SELECT * { ?s :p ?o FILTER(?o = 2) }", "number-equality"),
    ("SELECT * { :a :p+ ?z }", "path-repeat"),
    ("SELECT * { :a (:p/:p)? ?z }", "path-repeat"),
    ("SELECT * { ?s a :T OPTIONAL { ?s :a|:b ?l } }", "path-alternative"),
    ("SELECT * { ?s :a|:b ?l }", "path-alternative"),
    ("SELECT * { ?s :p ?o FILTER(?o = true) }", "number-equality"),
    ("SELECT * { ?s :p ?o FILTER(?o = 'x'^^xsd:string) }", "typed-string"),
    ("SELECT * { ?s :p 'x'^^<http://www.w3.org/2001/XMLSchema#string> }", "typed-string"),
    ("SELECT * { ?s :p ?d FILTER(?d <= '2025-06-30'^^xsd:date) }", "date-upper-bound"),
    ("SELECT * { ?s :p ?d FILTER('2025-06-30'^^xsd:date >= ?d && BOUND(?s)) }",
     "date-upper-bound"),
    ("SELECT * { VALUES ?on { '2025-06-30'^^xsd:date } ?s :p ?d FILTER(?d <= ?on) }",
     "date-upper-bound"),
    ("SELECT (CONCAT(?a, ?b) AS ?c) { ?s :p ?a ; :q ?b }", "concat-tagged"),
    ("SELECT (GROUP_CONCAT(?o) AS ?c) { ?s :p ?o }", "group-concat-tagged"),
    # Inside EXISTS too: the parse tree is read, not only rdflib's algebra.
    ("SELECT * { ?s :p ?o FILTER EXISTS { ?s :q ?v FILTER(MD5(STR(?v)) = 'x') } }", "hash"),
])
def test_each_construct_virtuoso_answers_otherwise_is_found(query, code):
    assert code in _codes(query)
    refusal = engine_refusal(check_query(P + query).constructs, "virtuoso",
                             data_has_doubles=lambda: False)
    assert isinstance(refusal, EngineRefusal) and refusal.status == 422
    assert "Virtuoso" in refusal.text("en") and "Virtuoso" in refusal.text("fr")
    assert engine_refusal(check_query(P + query).constructs, "generic") is None
    assert engine_refusal(check_query(P + query).constructs, "virtuoso", lenient=True) is None


@pytest.mark.parametrize("query", [
    "SELECT ?s (SUM(?o) AS ?n) { ?s :p ?o } GROUP BY ?s",
    "SELECT * { ?a :p ?b MINUS { ?a :q ?b } }",
    "SELECT (STRAFTER(STR(?o), '/') AS ?x) { ?s :p ?o }",
    "SELECT (STRLANG(GROUP_CONCAT(STR(?o); separator=', '), 'fr') AS ?x) { ?s :p ?o }",
    "SELECT ((xsd:decimal(?x) / 3) AS ?third) { ?s :p ?x }",
    "SELECT * { ?s :p ?o FILTER(DATATYPE(?o) = xsd:decimal) }",
    "SELECT * { ?s :p ?o OPTIONAL { { ?s :a ?l } UNION { ?s :b ?l } } }",
    "SELECT * { ?s :p/:q ?o ; ^:r ?x }",
    "SELECT * { VALUES ?d { 1 } ?s :p ?o FILTER(?o >= ?d) }",
    "SELECT * { ?s :p ?o FILTER(?o) }",
    "SELECT * { ?s :p 'x' FILTER(?s != :a) }",
    # A lower bound, a strict bound, a negation and a disjunction are evaluated row by row.
    "SELECT * { ?s :p ?d FILTER(?d >= '2025-06-30'^^xsd:date) }",
    "SELECT * { ?s :p ?d FILTER(?d < '2025-06-30'^^xsd:date) }",
    "SELECT * { ?s :p ?d FILTER(!(?d > '2025-06-30'^^xsd:date)) }",
    "SELECT * { VALUES ?on { '2025-06-30'^^xsd:date } ?s :p ?d "
    "FILTER(!BOUND(?d) || ?d <= ?on) }",
])
def test_the_same_queries_written_portably_are_sent(query):
    assert engine_refusal(check_query(P + query).constructs, "virtuoso",
                          data_has_doubles=lambda: False) is None


def test_sum_and_avg_are_refused_only_over_data_holding_doubles():
    constructs = check_query(P + "SELECT (SUM(?o) AS ?n) { ?s :p ?o }").constructs
    assert engine_refusal(constructs, "virtuoso", data_has_doubles=lambda: False) is None
    refusal = engine_refusal(constructs, "virtuoso", data_has_doubles=lambda: True)
    assert refusal is not None and "SUM" in refusal.text("en")


def test_a_comparison_or_seconds_fixes_the_datatype_of_its_variable():
    info = check_query(P + "SELECT ?s (?o = 1 AS ?one) (SECONDS(?d) AS ?sec) "
                           "(IF(BOUND(?o), true, false) AS ?b) { ?s :p ?o ; :d ?d }")
    assert dict(info.result_types) == {"one": "boolean", "sec": "decimal", "b": "boolean"}
    bound = check_query(P + "SELECT ?x { { BIND(true AS ?x) } UNION { ?s :p ?x } }")
    assert bound.result_types == ()  # also bound from the data: its type is the data's


def test_our_example_queries_are_all_sent_to_virtuoso():
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        info = check_query(path.read_text(encoding="utf-8"), "https://example.org/sparql")
        assert engine_refusal(info.constructs, "virtuoso", data_has_doubles=lambda: False) \
            is None, path.name
