"""Reading queries with rdflib's parser: forms, updates, SERVICE, FROM and deep nesting."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparql_endpoint.protocol.query_check import QueryRefused, check_query


@pytest.mark.parametrize(("query", "form"), [
    ("SELECT * { ?s ?p ?o }", "SELECT"),
    ("prefix ex: <http://ex/> base <http://b/> ask { ex:a ?p ?o }", "ASK"),
    ("# a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://ex/a>", "DESCRIBE"),
])
def test_form_is_read_from_the_parse(query, form):
    assert check_query(query).form == form


@pytest.mark.parametrize("update", [
    "CLEAR ALL", "INSERT DATA { <a:b> <a:c> 1 }", "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/x>", "DROP GRAPH <a:b>",
])
def test_updates_are_refused_as_read_only(update):
    with pytest.raises(QueryRefused) as caught:
        check_query(update)
    assert caught.value.status == 403
    assert "read-only" in caught.value.message


#: SERVICE spellings, the bypasses of the old lexer included.
SERVICE_QUERIES = [
    "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:x { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://h/> {} } }",
    "PREFIX e: <http://e/> SELECT * { ?a ?b e:a\\# . SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { ?a ?b ?c FILTER(?a<2)SERVICE#>\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_service_is_refused_in_every_spelling(query):
    with pytest.raises(QueryRefused) as caught:
        check_query(query)
    assert caught.value.status == 400


@pytest.mark.parametrize("query", [
    "PREFIX bif: <bif:> SELECT * { ?s ?p ?o FILTER(bif:contains(?o, 'x')) }",
    "SELECT (<urn:nope>(1) AS ?x) {}",
    "SELECT * { ?s ?p ?o FILTER EXISTS { ?s ?p ?o FILTER(<urn:nope>(?o)) } }",
    "SELECT (<http://www.w3.org/2001/XMLSchema#int>('1') AS ?x) {}",
])
def test_unknown_functions_are_refused_naming_them(query):
    with pytest.raises(QueryRefused, match="unknown function <") as caught:
        check_query(query)
    assert caught.value.status == 400


def test_xsd_casts_are_functions_both_backends_know():
    check_query("PREFIX : <http://www.w3.org/2001/XMLSchema#> "
                "SELECT (:integer('1') AS ?i) (:dateTime('2024-01-01T00:00:00') AS ?d) {}")


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p 'a\\u0027b' }",  # rdflib decodes the escape first: a broken string
    "SELECT * { ?s ?p ?o ",
    "PREFIX SERVICEe: <http://e/> SELECT * { SERVICEe:x ?p ?o . SERVICE <http://h/> {} }",
    "SELECT * { ?s ?p ?o } LIMIT",
])
def test_what_the_parser_cannot_read_or_refuses_is_a_400(query):
    with pytest.raises(QueryRefused) as caught:
        check_query(query)
    assert caught.value.status == 400


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p '\\u0027' . SERVICE <http://h/> {} ?x ?y '\\u0027' }",
    "SELECT * { ?s ?p \"\\u0022\" }",
    "SELECT * { ?s ?p <http://h/\\u003E> }",
    "SELECT * { ?s ?p ?o } \\u0023 comment",
])
def test_escapes_of_delimiters_are_refused_as_parsers_disagree_on_them(query):
    with pytest.raises(QueryRefused, match="write the character itself"):
        check_query(query)


def test_escapes_of_other_characters_are_read():
    assert check_query("SELECT * { ?s ?p 'caf\\u00e9' }").form == "SELECT"


def test_service_and_from_in_strings_and_comments_are_not_clauses():
    info = check_query("SELECT * # SERVICE <http://h/> {}\n"
                       "{ ?s ?p 'SERVICE <http://h/> {}', \"FROM <urn:x>\" }")
    assert info.form == "SELECT" and info.default_graphs == ()


def test_from_graphs_are_resolved_against_prefixes_and_base():
    info = check_query("BASE <http://b/> PREFIX g: <http://g/> "
                       "SELECT * FROM g:one FROM NAMED <two> { ?s ?p ?o }")
    assert info.default_graphs == ("http://g/one",) and info.named_graphs == ("http://b/two",)


def test_empty_query_is_refused():
    with pytest.raises(QueryRefused, match="empty"):
        check_query("  \n")


def test_digest_is_short_and_stable():
    assert check_query("ASK {}").digest == check_query("ASK {}").digest
    assert len(check_query("ASK {}").digest) == 12


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 2_000 + "}" * 2_000,
    "SELECT * WHERE { FILTER" + "(" * 2_000 + "1" + ")" * 2_000 + " }",
    "SELECT * WHERE " + "{ ?s ?p ?o OPTIONAL " * 2_000 + "{}" + "}" * 2_000,
    "SELECT * WHERE " + "{" * 50_000,
])
def test_deep_nesting_is_a_400_not_a_crash(query):
    with pytest.raises(QueryRefused) as caught:
        check_query(query)
    assert caught.value.status == 400


_SPACE = st.sampled_from([" ", "\n", "\t", " # note\n", "#\n", "\r\n"])
_KEYWORD = st.sampled_from(["SERVICE", "service", "SeRvIcE", "\\u0053ERVICE",
                            "SERVIC\\u0045", "\\U00000053ERVICE"])
_SILENT = st.sampled_from(["", " SILENT", "\nsilent"])
_TARGET = st.sampled_from(["<http://127.0.0.1:9/>", "e:x", ":x", "?v", "<sparql>",
                           "<http://127.0.0.1:9/\\u0073>"])
_BEFORE = st.sampled_from(["", "?a ?b ?c .", "FILTER(?a<2)", "?a ?b e:a\\#.", "OPTIONAL {}",
                           "?a ?b 'x\\'y' .", "{} UNION {}", "BIND(1 AS ?z)"])


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(_BEFORE, _SPACE, _KEYWORD, _SILENT, _SPACE, _TARGET)
def test_generated_service_spellings_are_never_accepted(before, space, keyword, silent,
                                                        gap, target):
    query = (f"BASE <http://127.0.0.1:9/> PREFIX e: <http://127.0.0.1:9/> "
             f"PREFIX : <http://127.0.0.1:9/> SELECT * {{ {before}{space}{keyword}{silent}"
             f"{gap}{target} {{ ?s ?p ?o }} }}")
    with pytest.raises(QueryRefused) as caught:
        check_query(query)
    assert caught.value.status == 400
