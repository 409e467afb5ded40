"""The guide "Which instrument for my purchase?": a dated decision table, the rules as data.

Each case names the purchase, the date, and for some instruments the verdict and the
article of the rule that decides it (facts.md, sections 7 and 8).  ``/guide.json`` must
answer it, and the HTML page must show the same verdict for every instrument.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from achat_core.iris import DEFAULT_BASE
from achat_core.resources import DATA_DIR
from graph_builder.rdf.mapping import map_records
from graph_builder.rdf.vocabulary import load_shapes, load_vocabulary
from graph_builder.shacl.gate import validate_graph
from graph_builder.sources.curated import read_data_dir
from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

S, F, W = "services", "fournitures", "travaux"
A, C, N = "applies", "conditional", "does-not-apply"

#: (case, parameters, {instrument key: (verdict, article of the deciding rule)})
CASES = [
    ("r2122-8-supplies-before-april-2026", dict(nature=F, amount="50000", date="2026-03-15"),
     {"marche-sans-publicite": (N, "R2122-8")}),
    ("r2122-8-supplies-from-april-2026", dict(nature=F, amount="50000", date="2026-04-01"),
     {"marche-sans-publicite": (A, "R2122-8")}),
    ("r2122-8-services-last-day-of-40000", dict(nature=S, amount="39999", date="2026-03-31"),
     {"marche-sans-publicite": (A, "R2122-8")}),
    ("r2122-8-services-59999", dict(nature=S, amount="59999", date="2026-04-02"),
     {"marche-sans-publicite": (A, "R2122-8")}),
    ("r2122-8-services-at-60000", dict(nature=S, amount="60000", date="2026-04-02"),
     {"marche-sans-publicite": (N, "R2122-8")}),
    ("r2122-8-services-2025", dict(nature=S, amount="45000", date="2025-06-01"),
     {"marche-sans-publicite": (N, "R2122-8")}),
    ("r2122-8-works-2026", dict(nature=W, amount="99000", date="2026-02-01"),
     {"marche-sans-publicite": (A, "R2122-8")}),
    ("r2122-8-works-at-100000", dict(nature=W, amount="100000", date="2026-02-01"),
     {"marche-sans-publicite": (N, "R2122-8")}),
    ("works-2025-temporary-measure", dict(nature=W, amount="90000", date="2025-06-01"),
     {"marche-sans-publicite": (A, "6")}),
    ("r2122-9-1-innovative-services", dict(nature=S, amount="80000", innovative="yes",
                                           date="2026-06-01"),
     {"achat-innovant": (A, "R2122-9-1"), "marche-sans-publicite": (N, "R2122-8")}),
    ("r2122-9-1-not-innovative", dict(nature=S, amount="80000", date="2026-06-01"),
     {"achat-innovant": (N, "R2122-9-1")}),
    ("r2122-9-1-innovative-supplies-99999", dict(nature=F, amount="99999", innovative="yes",
                                                 date="2026-06-01"),
     {"achat-innovant": (A, "R2122-9-1")}),
    ("r2122-9-1-lots-supplies", dict(nature=F, amount="120000", innovative="yes",
                                     date="2026-06-01"),
     {"achat-innovant": (C, "R2122-9-1")}),
    ("r2122-9-1-lots-works", dict(nature=W, amount="150000", innovative="yes",
                                  date="2026-06-01"),
     {"achat-innovant": (C, "R2122-9-1")}),
    ("r2322-16-defence-innovative", dict(nature=F, amount="250000", innovative="yes",
                                         defence="yes", date="2026-06-01"),
     {"achat-innovant": (A, "R2322-16")}),
    ("r2322-16-first-day", dict(nature=S, amount="299999", innovative="yes", defence="yes",
                                date="2025-01-01"),
     {"achat-innovant": (A, "R2322-16")}),
    ("r2322-16-before-2025", dict(nature=S, amount="250000", innovative="yes", defence="yes",
                                  date="2024-12-31"),
     {"achat-innovant": (C, "R2122-9-1")}),
    ("r2322-16-needs-innovative", dict(nature=S, amount="150000", defence="yes",
                                       date="2026-06-01"),
     {"achat-innovant": (N, "R2322-16")}),
    ("eu-2026-local-authority-supplies", dict(nature=F, amount="215999", date="2026-02-01"),
     {"procedure-adaptee": (A, "R2123-1")}),
    ("eu-2026-local-authority-at-216000", dict(nature=F, amount="216000", date="2026-02-01"),
     {"procedure-adaptee": (N, "R2123-1")}),
    ("eu-2026-state-services", dict(nature=S, amount="139000", buyer="central-government-authority",
                                    date="2026-06-01"),
     {"procedure-adaptee": (A, "R2123-1")}),
    ("eu-2026-state-at-140000", dict(nature=S, amount="140000",
                                     buyer="central-government-authority", date="2026-06-01"),
     {"procedure-adaptee": (N, "R2123-1")}),
    ("eu-2026-utility", dict(nature=S, amount="431000", buyer="utility", date="2026-06-01"),
     {"procedure-adaptee": (A, "R2123-1")}),
    ("eu-2026-defence-supplies", dict(nature=F, amount="431000", defence="yes",
                                      date="2026-06-01"),
     {"procedure-adaptee": (A, "annexe 2")}),
    ("eu-2026-works", dict(nature=W, amount="5403999", date="2026-06-01"),
     {"procedure-adaptee": (A, "R2123-1")}),
    ("eu-2026-works-at-threshold", dict(nature=W, amount="5404000", date="2026-06-01"),
     {"procedure-adaptee": (N, "R2123-1"), "appel-offres-ouvert": (A, "L2124-2")}),
    ("eu-2025-local-authority", dict(nature=F, amount="220000", date="2025-06-01"),
     {"procedure-adaptee": (A, "R2123-1")}),
    ("eu-2026-same-amount-above", dict(nature=F, amount="220000", date="2026-06-01"),
     {"procedure-adaptee": (N, "R2123-1")}),
    ("rd-exclusion", dict(nature=S, amount="500000", rd="yes", date="2026-06-01"),
     {"marche-recherche-developpement": (C, "L2512-5"),
      "achats-avant-commercialisation": (C, "L2512-5")}),
    ("rd-exclusion-not-rd", dict(nature=S, amount="500000", date="2026-06-01"),
     {"marche-recherche-developpement": (N, "L2512-5")}),
    ("above-every-exemption", dict(nature=S, amount="1000000", date="2026-06-01"),
     {"marche-sans-publicite": (N, "R2122-8"), "achat-innovant": (N, "R2122-9-1"),
      "procedure-adaptee": (N, "R2123-1"), "appel-offres-ouvert": (A, "L2124-2"),
      "appel-offres-restreint": (A, "R2161-6 et suivants"),
      "partenariat-innovation": (N, "R2172-20 à R2172-32"),
      "dialogue-competitif": (C, "R2124-5"), "procedure-avec-negociation": (C, "R2124-3")}),
    ("above-every-exemption-innovative", dict(nature=S, amount="1000000", innovative="yes",
                                              date="2026-06-01"),
     {"marche-sans-publicite": (N, "R2122-8"), "procedure-adaptee": (N, "R2123-1"),
      "appel-offres-ouvert": (A, "L2124-2"), "dialogue-competitif": (A, "R2124-5"),
      "procedure-avec-negociation": (A, "R2124-3"),
      "partenariat-innovation": (C, "R2172-20 à R2172-32")}),
    ("sourcing-always", dict(nature=W, amount="10000", date="2026-06-01"),
     {"sourcage": (A, "R2111-1"), "marche-sans-publicite": (A, "R2122-8")}),
    ("commons-aim", dict(nature=S, amount="20000", aims="commons", date="2026-06-01"),
     {"pacte-collaboration": (C, None), "partenariat-public-communs": (C, None)}),
    ("no-commons-aim", dict(nature=S, amount="20000", date="2026-06-01"),
     {"pacte-collaboration": (N, None), "partenariat-public-communs": (N, None)}),
]


def _records(path: Path) -> list[dict]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _store(data_dir: Path) -> ox.Store:
    records = read_data_dir(data_dir)
    mapped = map_records(records, DEFAULT_BASE)
    vocabulary = load_vocabulary()
    report = validate_graph(mapped.graph, load_shapes(), vocabulary, mapped.origins)
    assert not report.violations, report
    graph = vocabulary + mapped.graph
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _client(store: ox.Store):
    return create_app({"BACKEND": OxigraphBackend(store), "QUERY_TIMEOUT": 30.0}).test_client()


@pytest.fixture(scope="module")
def client():
    return _client(_store(DATA_DIR))


def _answer(client, params: dict) -> dict[str, dict]:
    response = client.get("/guide.json", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {e["key"]: e for e in response.get_json()["instruments"]}


def _deciding_article(entry: dict) -> str | None:
    rule = next(r for r in entry["rules"] if r["verdict"] == entry["verdict"])
    return (rule["provision"] or {}).get("article")


def test_the_table_has_at_least_thirty_dated_cases():
    assert len(CASES) >= 30
    assert all(params.get("date") for _, params, _ in CASES)


@pytest.mark.parametrize("case,params,expected", CASES, ids=[c[0] for c in CASES])
def test_the_guide_answers_the_decision_table(client, case, params, expected):
    found = _answer(client, params)
    for key, (verdict, article) in expected.items():
        entry = found[key]
        assert entry["verdict"] == verdict, (case, key, entry["why"])
        assert entry["why"]
        if article is not None:
            assert _deciding_article(entry) == article, (case, key, entry["rules"])
    html = client.get("/guide", query_string={**params, "lang": "en"}).get_data(as_text=True)
    shown = dict(re.findall(r'data-key="([^"]+)" data-verdict="([^"]+)"', html))
    assert shown == {key: e["verdict"] for key, e in found.items()}


def test_every_instrument_is_listed_applicable_first_with_its_rules(client):
    found = list(_answer(client, dict(nature=S, amount="80000", innovative="yes",
                                      date="2026-06-01")).values())
    keys = {r["key"] for r in _records(DATA_DIR / "instruments.yaml")}
    assert {e["key"] for e in found} == keys
    order = ["applies", "conditional", "does-not-apply"]
    ranks = [order.index(e["verdict"]) for e in found]
    assert ranks == sorted(ranks)
    for entry in found:
        assert entry["iri"].endswith("/instrument/" + entry["key"]) and entry["rules"]
    innovative = next(e for e in found if e["key"] == "achat-innovant")
    assert innovative["provisions"][0]["url"].startswith("https://www.legifrance.gouv.fr/")
    assert "contracts" in innovative and "example_buyers" in innovative


def test_a_later_threshold_record_changes_the_answer_with_no_code_change(tmp_path):
    params = dict(nature=F, amount="70000", date="2027-06-01")
    before = _answer(_client(_store(DATA_DIR)), params)["marche-sans-publicite"]
    assert before["verdict"] == "does-not-apply"
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "instruments.yaml"
    records = _records(path)
    record = next(r for r in records if r["key"] == "marche-sans-publicite")
    record["thresholds"].append({  # a fictional later amount, for this test only
        "key": "test-r2122-8-fournitures-services-later", "amount": 90000, "currency": "EUR",
        "excluding_vat": True, "natures": ["contract-nature/supplies", "contract-nature/services"],
        "scope": {"fr": "Seuil fictif de test", "en": "A fictional test threshold"},
        "innovative_only": False, "defence_and_security": False, "applies_below": True,
        "lots_only": False, "provision": "ccp-r2122-8", "in_force_from": dt.date(2027, 1, 1),
        "sources": ["https://example.org/test-only"]})
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    after = _answer(_client(_store(data)), params)["marche-sans-publicite"]
    assert after["verdict"] == "applies"
    assert after["rules"][0]["threshold"]["in_force_from"] == "2027-01-01"


@pytest.mark.parametrize("lang,word", [("fr", "Donnez un montant"), ("en", "Give an amount")])
def test_a_wrong_amount_is_a_400_in_the_page_language(client, lang, word):
    response = client.get("/guide", query_string={"nature": S, "amount": "beaucoup",
                                                   "lang": lang})
    assert response.status_code == 400
    assert word in response.get_data(as_text=True)
    response = client.get("/guide.json", query_string={"nature": "jouets", "amount": "1",
                                                        "lang": lang})
    assert response.status_code == 400 and set(response.get_json()["errors"]) == {"nature"}


def test_the_form_works_without_a_purchase_and_shows_the_definition(client):
    response = client.get("/guide?lang=fr")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "L2172-3" in body and "<form" in body and "<script" not in body


def test_instrument_pages_link_to_the_guide_pre_filled_for_them(client):
    page = client.get("/doc/instrument/achat-innovant?lang=en").get_data(as_text=True)
    assert "/guide?instrument=achat-innovant" in page
    form = client.get("/guide?instrument=achat-innovant&lang=en").get_data(as_text=True)
    assert re.search(r'id="innovative-yes" name="innovative" value="yes" checked', form)
    form = client.get("/guide?instrument=pacte-collaboration&lang=en").get_data(as_text=True)
    assert re.search(r'id="aim-commons" name="aims" value="commons" checked', form)


def test_the_home_page_leads_with_the_guide(client):
    page = client.get("/?lang=fr").get_data(as_text=True)
    assert page.index("Quel instrument pour mon achat ?") < page.index('id="counts-h"')
