"""The example queries: bilingual headers, rows on the real curated data, and the plain form."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder.namespaces import PREFIXES
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend
from sparql_endpoint.protocol.editor import YASGUI_DIR
from sparql_endpoint.protocol.examples import QUERIES_DIR, find, load_examples, parse_example

#: Examples about the curated graph (the ``decp-*`` ones need contract data).
CURATED = [e for e in load_examples() if not e.name.startswith("decp-")]
#: DECP records with the quirks real files have, for the ``decp-*`` examples.
DECP_FIXTURE = Path(__file__).parent / "fixtures" / "decp" / "quirks.json"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Build the real curated graph (data/ + ontology/) into a pyoxigraph store."""
    from achat_core.iris import DEFAULT_BASE
    from achat_core.resources import DATA_DIR
    from graph_builder.errors import InvalidData
    from graph_builder.rdf.mapping import map_records
    from graph_builder.rdf.vocabulary import load_vocabulary
    from graph_builder.sources.curated import read_data_dir

    try:
        records = read_data_dir(DATA_DIR)
    except InvalidData as error:
        pytest.fail(f"the curated data in {DATA_DIR} does not read:\n{error}")
    graph = load_vocabulary()
    graph += map_records(records, DEFAULT_BASE).graph
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.fixture(scope="module")
def client(store):
    app = create_app({"BACKEND": OxigraphBackend(store), "QUERY_TIMEOUT": 20.0})
    return app.test_client()


def test_at_least_eight_examples_with_bilingual_headers():
    assert len(CURATED) >= 8
    for example in load_examples():
        assert example.title["fr"] and example.title["en"] and example.description["fr"]
        assert example.title["fr"] != example.title["en"]


def test_a_file_without_headers_is_named_in_the_error(tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("# title-en: Only English\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(ValueError, match=r"bad\.rq.*title-fr"):
        parse_example(bad)


@pytest.mark.parametrize("example", CURATED, ids=lambda e: e.name)
def test_example_returns_rows_on_the_curated_data(store, example):
    solutions = store.query(example.query)
    rows = list(solutions)
    assert rows, f"{example.name} returned no rows"
    assert all(any(row[v] is not None for v in solutions.variables) for row in rows)


@pytest.fixture(scope="module")
def contract_store(store, tmp_path_factory) -> ox.Store:
    """The curated graph plus the contracts of the DECP fixture with its quirks, mapped."""
    from achat_core.iris import DEFAULT_BASE
    from graph_builder.pipeline.contracts import build_contracts
    from graph_builder.rdf.indicators import compute_indicators

    result = build_contracts([DECP_FIXTURE], tmp_path_factory.mktemp("decp") / "contracts.nt",
                             DEFAULT_BASE, {})
    assert result.contracts_mapped > 0
    combined = ox.Store()
    combined.bulk_extend(store)
    combined.load(path=str(result.out_path), format=ox.RdfFormat.N_TRIPLES)
    # The contract questions read the indicators the builder computes, as a build publishes.
    combined.extend(ox.Quad(t.subject, t.predicate, t.object)
                    for t in compute_indicators(combined, DEFAULT_BASE))
    return combined


@pytest.mark.parametrize("example", [e for e in load_examples() if e not in CURATED],
                         ids=lambda e: e.name)
def test_contract_example_returns_rows_on_mapped_contracts(contract_store, example):
    solutions = contract_store.query(example.query)
    rows = list(solutions)
    assert rows, f"{example.name} returned no rows on {DECP_FIXTURE.name}"
    assert all(any(row[v] is not None for v in solutions.variables) for row in rows)


def test_form_runs_an_example_and_renders_a_table(client):
    example = CURATED[0]
    response = client.get("/query", query_string={"query": example.query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<table class=\"results cards\">" in html and "<td data-label=" in html
    assert "/query.csv?query=" in html and "format=json" in html
    assert "/doc/instrument/" in html          # IRIs link to their pages


def test_form_ask_and_construct(client):
    ask = client.get("/query", query_string={"query": "ASK { ?s a ?o }"}).get_data(as_text=True)
    assert '<p class="boolean">true</p>' in ask
    graph = client.get("/query", query_string={
        "query": "CONSTRUCT { ?s a ?o } WHERE { ?s a ?o } LIMIT 3"}).get_data(as_text=True)
    assert "?subject" in graph and "?object" in graph


def test_form_shows_bad_query_and_update_errors(client):
    bad = client.get("/query", query_string={"query": "SELECT ?x WHERE {"})
    assert bad.status_code == 400
    assert "role=\"alert\"" in bad.get_data(as_text=True)
    update = client.get("/query", query_string={"query": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert update.status_code >= 400
    assert "read-only" in update.get_data(as_text=True)


def test_editor_page_without_query_lists_examples_and_uses_only_our_host(client):
    html = client.get("/query?example=" + CURATED[1].name).get_data(as_text=True)
    assert CURATED[1].title["fr"] in html
    assert "<textarea" in html and "SELECT" in html
    # Canonical and hreflang links name this page's own public address; nothing is fetched.
    head = "\n".join(line for line in html.split("<footer")[0].split("<main")[0].splitlines()
                     if 'rel="canonical"' not in line and "hreflang=" not in line)
    for attribute in ("src=\"http", "href=\"http://", "//cdn", "fonts.googleapis"):
        assert attribute not in head
    if (YASGUI_DIR / "yasgui.min.js").is_file():
        assert "/editor/yasgui/yasgui.min.js" in html and "/static/editor.js" in html


def test_editor_assets_and_prefixes(client):
    assert client.get("/editor/prefixes.json").get_json() == PREFIXES
    examples = client.get("/editor/examples.json?lang=en").get_json()
    assert [e["name"] for e in examples] == [e.name for e in load_examples()]
    assert examples[0]["title"] == load_examples()[0].title["en"]
    assert client.get("/editor/yasgui/package.json").status_code == 404
    if not (YASGUI_DIR / "yasgui.min.js").is_file():
        pytest.skip("node_modules/@zazuko/yasgui is not installed (npm ci)")
    js = client.get("/editor/yasgui/yasgui.min.js")
    assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")
    js.close()


def test_editor_and_error_views_are_registered(client):
    extensions = client.application.extensions
    assert callable(extensions["editor_view"]) and callable(extensions["error_page"])
    with client.application.test_request_context("/x", headers={"Accept": "text/html"}):
        page = extensions["error_page"](404, "nothing here")
        assert "nothing here" in page.get_data(as_text=True)


def test_queries_folder_is_the_packaged_one():
    assert QUERIES_DIR.name == "queries" and any(QUERIES_DIR.glob("*.rq"))


def test_a_chosen_example_runs_and_its_results_come_before_the_code(client):
    example = find("07-legal-basis")
    html = client.get("/query", query_string={"example": example.name, "lang": "en"}
                      ).get_data(as_text=True)
    assert f"<h1>{example.title['en']}</h1>" in html
    assert html.index('<table class="results cards">') < html.index("<textarea")
    textarea = html[html.index("<textarea"):html.index("</textarea>")]
    assert "legalBasis" in textarea                     # the editor opens on that example
    assert 'aria-current="page"' in html


def test_the_query_page_runs_the_first_example_and_groups_the_examples(client):
    html = client.get("/query?lang=en").get_data(as_text=True)
    assert '<table class="results cards">' in html
    assert "<h3 id=\"ex-law\">Which instrument, on what basis?</h3>" in html
    assert html.count('<ul class="questions"') == 3
    assert client.get("/query?example=nope").status_code == 404
