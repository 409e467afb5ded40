"""What search engines read: heads, schema.org JSON-LD (checked by Google's Dataset rules),
sitemaps and robots.txt."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from helpers import DC, PI, SAMPLE_NT, UGAP, write_dist

from graph_builder.output.catalog import DatasetPart, FileInfo, catalog_graph
from graph_builder.output.dumps import canonical_triples, turtle_bytes
from sparql_endpoint import create_app
from sparql_endpoint.catalogue import discovery

PUBLIC = "https://graph.example.org/"
FILES = (FileInfo("graph.ttl", 1234, "ab" * 32, "text/turtle", 10),
         FileInfo("graph.nt.gz", 321, "cd" * 32, "application/n-triples", 10, compressed=True))
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: Every kind of page, in both languages.
PAGES = ["/", "/catalog", "/ontology", "/ontology/Instrument", "/schemes", "/dumps/",
         "/search?q=innovation", "/query", "/doc/instrument/partenariat-innovation",
         "/doc/organisation/ugap", "/doc/instrument/nothing-here"]


class Head(HTMLParser):
    """Collect a page's links, metas and JSON-LD scripts with the standard HTML parser."""

    def __init__(self):
        super().__init__()
        self.links, self.metas, self.scripts, self._in_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta":
            self.metas.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    dist = write_dist(tmp_path_factory.mktemp("discovery") / "dist", SAMPLE_NT)
    catalog = catalog_graph("https://w3id.org/achat-public/",
                            [DatasetPart("knowledge", FILES, ("2014-01-01", "2023-12-31"))],
                            "2026-01-01")
    (dist / "catalog.ttl").write_bytes(turtle_bytes(canonical_triples(catalog)))
    return create_app({"DIST": dist, "TESTING": True, "PUBLIC_URL": PUBLIC}).test_client()


def _head(client, path: str, lang: str) -> Head:
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}lang={lang}", headers={"Accept": "text/html"})
    assert response.mimetype == "text/html", path
    head = Head()
    head.feed(response.get_data(as_text=True))
    return head


def google_dataset_problems(data: dict) -> list[str]:
    """Check a schema.org Dataset by the rules of Google's Dataset documentation."""
    problems = []
    if data.get("@type") != "Dataset":
        problems.append("@type is not Dataset")
    if not data.get("name"):
        problems.append("name is required")
    if not 50 <= len(data.get("description", "")) <= 5000:
        problems.append("description is required, 50 to 5000 characters")
    if not str(data.get("license", "")).startswith("http"):
        problems.append("license should be a URL")
    creator = data.get("creator", {})
    if creator.get("@type") not in ("Person", "Organization") or not creator.get("name"):
        problems.append("creator should be a Person or Organization with a name")
    for item in data.get("distribution", []) or [{}]:
        if item.get("@type") != "DataDownload" or not item.get("contentUrl", "").startswith(
                "http") or not item.get("encodingFormat"):
            problems.append("each distribution is a DataDownload with contentUrl and "
                            "encodingFormat")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}", data.get("temporalCoverage", "")):
        problems.append("temporalCoverage should be an ISO 8601 interval")
    if not data.get("spatialCoverage"):
        problems.append("spatialCoverage is recommended")
    if not str(data.get("url", "")).startswith("http"):
        problems.append("url should be the page's address")
    return problems


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_canonical_hreflang_alternates_and_a_description(client, path, lang):
    head = _head(client, path, lang)
    canonical = [a["href"] for a in head.links if a.get("rel") == "canonical"]
    assert len(canonical) == 1 and canonical[0].startswith(PUBLIC)
    assert f"lang={lang}" in canonical[0]
    alternates = {a["hreflang"]: a["href"] for a in head.links if a.get("hreflang")}
    assert set(alternates) == {"fr", "en", "x-default"}
    assert all(href.startswith(PUBLIC) for href in alternates.values())
    assert alternates[lang] == canonical[0]
    description = [m["content"] for m in head.metas if m.get("name") == "description"]
    assert len(description) == 1 and len(description[0]) >= 50


@pytest.mark.parametrize("path", ["/", "/catalog"])
def test_home_and_catalogue_describe_the_dataset_by_googles_rules(client, path):
    for lang in ("fr", "en"):
        scripts = [json.loads(s) for s in _head(client, path, lang).scripts]
        datasets = [s for s in scripts if s.get("@type") == "Dataset"]
        assert len(datasets) == 1
        assert google_dataset_problems(datasets[0]) == []
        assert datasets[0]["inLanguage"] == ["fr", "en"]


@pytest.mark.parametrize("iri, kind", [(PI, "GovernmentService"), (DC, "GovernmentService"),
                                       (UGAP, "Organization")])
def test_thing_pages_carry_the_closest_schema_org_type(client, iri, kind):
    path = "/doc/" + iri.split("/id/", 1)[1]
    [data] = [json.loads(s) for s in _head(client, path, "en").scripts]
    assert data["@type"] == kind and data["@id"] == iri and data["name"]
    assert data["url"] == f"{PUBLIC}{path.lstrip('/')}?lang=en"


def test_json_ld_in_a_page_cannot_close_its_script():
    assert "<" not in json.dumps({"x": "</script>"}).replace("<", "\\u003c")


def test_robots_names_the_sitemap_and_keeps_crawlers_off_queries(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {PUBLIC}sitemap.xml" in text
    assert "Disallow: /sparql" in text and "Disallow: /search" in text


def _locs(client, path: str) -> tuple[str, list[str]]:
    root = ET.fromstring(client.get(path).data)
    return root.tag, [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_the_sitemap_lists_every_page_in_both_languages(client):
    tag, locs = _locs(client, "/sitemap.xml")
    assert tag == f"{SITEMAP}urlset"
    for iri in (PI, DC, UGAP):
        path = "doc/" + iri.split("/id/", 1)[1]
        assert {f"{PUBLIC}{path}?lang=fr", f"{PUBLIC}{path}?lang=en"} <= set(locs)
    assert f"{PUBLIC}catalog?lang=fr" in locs
    assert not any("/threshold/" in loc for loc in locs)  # shown on their owner's page
    for loc in locs:
        assert client.get(loc[len(PUBLIC) - 1:], headers={"Accept": "text/html"}).status_code \
            == 200, loc


def test_past_the_limit_the_sitemap_is_split_into_parts(client, monkeypatch):
    _, every = _locs(client, "/sitemap.xml")
    monkeypatch.setattr(discovery, "SITEMAP_LIMIT", 7)
    tag, parts = _locs(client, "/sitemap.xml")
    assert tag == f"{SITEMAP}sitemapindex" and len(parts) == -(-len(every) // 7)
    found = []
    for part in parts:
        _, locs = _locs(client, part[len(PUBLIC) - 1:])
        assert 0 < len(locs) <= 7
        found += locs
    assert found == every
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404


def test_a_known_id_redirects_and_an_unknown_one_is_a_direct_404(client):
    known = client.get("/id/" + PI.split("/id/", 1)[1])
    assert known.status_code == 303 and known.headers["Location"].endswith(
        "/doc/instrument/partenariat-innovation")
    unknown = client.get("/id/instrument/nothing-here", headers={"Accept": "text/turtle"})
    assert unknown.status_code == 404 and "Location" not in unknown.headers


def test_the_sitemap_is_built_once(client, monkeypatch):
    client.get("/sitemap.xml")
    built = []
    real = discovery._urlset
    monkeypatch.setattr(discovery, "_urlset", lambda addresses: built.append(1) or real(addresses))
    first, second = client.get("/sitemap.xml"), client.get("/sitemap.xml")
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data() and built == []


def test_the_sitemap_lists_the_lists_and_the_region_pages(tmp_path):
    location = "http://purl.org/dc/terms/Location"
    region = "https://w3id.org/achat-public/id/location/code-region-53"
    place = "https://w3id.org/achat-public/id/location/code-departement-35"
    data = SAMPLE_NT + (f'<{region}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                        f'<{location}> .\n<{region}> <http://www.w3.org/2000/01/rdf-schema#label>'
                        f' "Bretagne"@fr .\n<{place}> '
                        f'<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{location}> .\n')
    client = create_app({"DIST": write_dist(tmp_path / "dist", data), "TESTING": True,
                         "PUBLIC_URL": PUBLIC}).test_client()
    _, locs = _locs(client, "/sitemap.xml")
    for path in ("instruments", "organisations", "resources", "regions",
                 "doc/location/code-region-53"):
        assert {f"{PUBLIC}{path}?lang=fr", f"{PUBLIC}{path}?lang=en"} <= set(locs), path
    # a contract's place of performance is shown on the contract's page, not on its own
    assert not any("code-departement" in loc for loc in locs)
    for loc in locs:
        if "/doc/" not in loc:
            assert client.get(loc[len(PUBLIC) - 1:], headers={"Accept": "text/html"}) \
                .status_code == 200, loc
