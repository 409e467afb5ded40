"""``/contribute`` and ``achat-graph check-record``: the build's own check, nothing stored."""

from __future__ import annotations

import re
import shutil

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner

from achat_core.iris import DEFAULT_BASE
from achat_core.resources import DATA_DIR
from achat_graph.cli import main
from graph_builder.rdf.mapping import map_records
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
from graph_builder.shacl.gate import validate_graph
from graph_builder.sources.curated import read_data_dir
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

VALID = {"title": "Catàleg de dades obertes", "title_lang": "ca",
         "url": "https://example.org/cataleg", "publisher_name": "Commune d'essai",
         "publisher_siren": "123456789", "date": "2026-11-01", "type": "web-page",
         "instruments": ["achat-innovant", "sourcage"], "languages": "ca, fr",
         "licence": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
         "description_fr": "Les données ouvertes de la commune.",
         "description_en": "The town's open data."}


@pytest.fixture(scope="module")
def client():
    graph = load_vocabulary() + map_records(read_data_dir(DATA_DIR), DEFAULT_BASE).graph
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return create_app({"BACKEND": OxigraphBackend(store), "QUERY_TIMEOUT": 30.0}).test_client()


def _files(html: str) -> dict[str, str]:
    import html as entities
    return {name: entities.unescape(body) for name, body in re.findall(
        r'<pre class="yaml" data-file="([^"]+)"><code>(.*?)</code></pre>', html, re.S)}


def test_the_form_works_without_javascript(client):
    page = client.get("/contribute?lang=fr").get_data(as_text=True)
    assert '<form class="contribute"' in page and 'method="post"' in page
    assert "<script" not in page and 'value="achat-innovant"' in page


def test_a_valid_entry_becomes_records_the_build_accepts_unchanged(client, tmp_path):
    response = client.post("/contribute?lang=en", data=VALID)
    assert response.status_code == 200, response.get_data(as_text=True)
    files = _files(response.get_data(as_text=True))
    assert set(files) == {"resources.yaml", "organisations.yaml"}
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    for name, text in files.items():
        path = data / name
        path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    records = read_data_dir(data)
    mapped = map_records(records, DEFAULT_BASE)
    assert not validate_graph(mapped.graph, load_shapes(), load_vocabulary(),
                              mapped.origins).violations
    added = next(r for r in records if r.key == "cataleg-de-dades-obertes")
    assert added.fields["title"] == {"ca": "Catàleg de dades obertes"}
    assert added.fields["mentions"] == ["achat-innovant", "sourcage"]


@pytest.mark.parametrize("lang,word", [("fr", "requis"), ("en", "required")])
def test_an_invalid_entry_names_its_fields_in_the_page_language(client, lang, word):
    response = client.post(f"/contribute?lang={lang}",
                           data={**VALID, "title": "", "publisher_siren": "12"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#f-title"' in body and 'href="#f-publisher_siren"' in body and word in body


def test_the_builders_check_speaks_through_the_form(client):
    response = client.post("/contribute?lang=en", data={**VALID, "languages": "Catalan"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#f-languages"' in body and "a code such as fr" in body


def test_inputs_are_bounded(client):
    response = client.post("/contribute?lang=en", data={**VALID, "title": "x" * 400})
    assert response.status_code == 400 and "300" in response.get_data(as_text=True)
    response = client.post("/contribute?lang=fr", data={"description_fr": "x" * 40_000})
    assert response.status_code == 413


def test_check_record_on_the_command_line(tmp_path):
    path = tmp_path / "resources.yaml"
    record = {"key": "note-ouverte", "title": {"fr": "Note ouverte"},
              "url": "https://example.org/note", "publisher": ["ugap"],
              "sources": ["https://example.org/note"]}
    path.write_text(yaml.safe_dump([record], allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-record", str(path)])
    assert result.exit_code == 0, result.output
    assert "add to data/resources.yaml" in result.output
    record["publisher"] = ["personne"]
    path.write_text(yaml.safe_dump([record], allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-record", "--json", str(path)])
    assert result.exit_code == 1
    assert '"field": "publisher[1]"' in result.output and "personne" in result.output
