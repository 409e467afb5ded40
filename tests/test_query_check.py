"""The query check: forms, updates and SERVICE, including escaped spellings."""

import pytest

from sparql_endpoint.query_check import MAX_NESTING, QueryRefused, check_query, tokens, unescape


@pytest.mark.parametrize(("query", "form"), [
    ("SELECT * { ?s ?p ?o }", "SELECT"),
    ("prefix ex: <http://ex/> base <http://b/> ask { ex:a ?p ?o }", "ASK"),
    ("# a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://ex/a>", "DESCRIBE"),
])
def test_form_is_read_after_the_prologue(query, form):
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


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://h/> {} } }",
])
def test_service_is_refused_in_every_spelling(query):
    with pytest.raises(QueryRefused) as caught:
        check_query(query)
    assert caught.value.status == 400
    assert "SERVICE" in caught.value.message


def test_service_on_the_allow_list_passes():
    info = check_query("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
                       ["https://query.wikidata.org/sparql"])
    assert info.services == ("https://query.wikidata.org/sparql",)


def test_service_word_inside_strings_iris_and_comments_is_not_a_call():
    query = ('SELECT * { ?s ?p "SERVICE <http://h/> {}" . ?s ?q <http://h/SERVICE> } '
             "# SERVICE <http://h/> {}")
    assert check_query(query).services == ()


def test_unterminated_string_is_refused_with_its_line():
    with pytest.raises(QueryRefused, match="line 2"):
        check_query('SELECT * {\n ?s ?p "oops }')


def test_unescape_and_tokens():
    assert unescape("\\u0041\\U00000042") == "AB"
    kinds = [kind for kind, _ in tokens('SELECT ?x { <a:b> ex:p "s" }')]
    assert kinds == ["name", "var", "other", "iri", "name", "string", "other"]


def test_empty_query_is_refused():
    with pytest.raises(QueryRefused, match="empty"):
        check_query("  \n")


def test_digest_is_stable_and_short():
    assert check_query("ASK {}").digest == check_query("ASK {}").digest
    assert len(check_query("ASK {}").digest) == 12


def _nested(depth: int) -> str:
    return "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth


def test_nesting_up_to_the_limit_is_accepted():
    assert check_query(_nested(MAX_NESTING)).form == "SELECT"


@pytest.mark.parametrize("query", [
    _nested(MAX_NESTING + 1),
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 200 + "1" + ")" * 201 + " }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 150 + "1" + " ]" * 150 + " }",
], ids=["braces", "parentheses", "brackets"])
def test_deeper_nesting_is_refused_saying_why(query):
    with pytest.raises(QueryRefused) as caught:
        check_query(query)
    assert caught.value.status == 400
    assert f"more than {MAX_NESTING} levels" in caught.value.message


def test_braces_in_strings_and_iris_do_not_count():
    query = 'SELECT * WHERE { ?s ?p "' + "{" * 500 + '" }'
    assert check_query(query).form == "SELECT"
