"""The real ``achat-graph serve`` tried as an attacker: forged headers, hostile IRIs, formulas.

Each request goes over a socket (``http.client``), so ``Host`` and raw paths are
sent exactly as an attacker would send them.
"""

from __future__ import annotations

import http.client
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pyoxigraph as ox
import pytest
from helpers import SAMPLE_NT, serving, write_dist

pytestmark = pytest.mark.slow

THING = "/id/instrument/partenariat-innovation"
SD_ENDPOINT = "http://www.w3.org/ns/sparql-service-description#endpoint"
FORGED = [
    {"Host": "evil.example"},
    {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    {"X-Forwarded-Prefix": "https://evil.example"},
    {"X-Forwarded-Prefix": "//evil.example"},
    {"Forwarded": "host=evil.example;proto=https", "SCRIPT_NAME": "//evil.example"},
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    return write_dist(tmp_path_factory.mktemp("attacks") / "dist", SAMPLE_NT)


@pytest.fixture(scope="module")
def server(dist):
    """The server in its default configuration."""
    with serving(dist) as root:
        yield root


@pytest.fixture(scope="module")
def behind_proxy(dist):
    """The server trusting forwarded headers from 127.0.0.1 only."""
    with serving(dist, "--trusted-proxy", "127.0.0.1") as root:
        yield root


def fetch(root: str, path: str, headers: dict | None = None):
    """Send a GET as written (raw path, any Host); return (status, headers, body text)."""
    parts = urlsplit(root)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": "text/html", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Page(HTMLParser):
    """Every href and src of a page, and the editor's endpoint."""

    def __init__(self, html: str):
        super().__init__()
        self.hrefs, self.srcs, self.endpoint = [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.hrefs += [attrs["href"]] if "href" in attrs else []
        self.srcs += [attrs["src"]] if "src" in attrs else []
        if attrs.get("id") == "yasgui":
            self.endpoint = attrs["data-endpoint"]


def on_origin(root: str, page_url: str, target: str) -> bool:
    """Tell whether a link or redirect target, as a browser resolves it, stays on root's origin."""
    resolved = urlsplit(urljoin(page_url, target.replace("\\", "/")))
    return (resolved.scheme, resolved.netloc) == (urlsplit(root).scheme, urlsplit(root).netloc)


def sd_endpoint(root: str, headers: dict) -> str:
    _, _, body = fetch(root, "/sparql", {**headers, "Accept": "application/n-triples"})
    triples = ox.parse(body.encode(), format=ox.RdfFormat.N_TRIPLES)
    return next(t.object.value for t in triples if t.predicate.value == SD_ENDPOINT)


@pytest.mark.parametrize("forged", FORGED)
def test_forged_headers_cannot_move_the_303(server, forged):
    status, headers, _ = fetch(server, THING, forged)
    assert status == 303
    assert on_origin(server, server + THING, headers["Location"])
    assert headers["Location"] == "/doc/instrument/partenariat-innovation"


@pytest.mark.parametrize("forged", FORGED)
def test_forged_headers_cannot_move_the_editor_or_the_service_description(server, forged):
    status, _, html = fetch(server, "/query", forged)
    page = Page(html)
    assert status == 200 and page.srcs and page.endpoint
    for target in [*page.srcs, *page.hrefs, page.endpoint]:
        assert "evil" not in target
        assert not target.startswith("/") or on_origin(server, server + "/query", target)
    assert sd_endpoint(server, forged) == server + "/sparql"


def test_a_slash_merging_redirect_stays_on_the_origin(server):
    status, headers, _ = fetch(server, "/id//evil.example/x", {"Host": "evil.example"})
    assert status in (301, 302, 303, 307, 308)
    assert on_origin(server, server + "/id//evil.example/x", headers["Location"])


@pytest.mark.parametrize("path", ["/\\evil.example/x", "//evil.example/x", "/%5Cevil.example"])
def test_the_404_language_link_stays_on_the_page(server, path):
    status, _, html = fetch(server, path)
    assert status == 404
    links = [h for h in Page(html).hrefs if "lang=" in h]
    # Canonical and hreflang addresses: absolute, on our origin, the path percent-encoded.
    own = [h for h in links if h.startswith(server + "/") and "\\" not in h
           and not h[len(server):].startswith("//")]
    assert len(own) == 3
    assert [h for h in links if h not in own] == ["?lang=en"]
    assert all(on_origin(server, server + "/", h) for h in links if not h.startswith("https:"))


def test_hostile_result_iris_are_not_links(server):
    query = ("SELECT ?v { VALUES ?v { <javascript:alert(document.domain)> "
             "<https://w3id.org/achat-public//evil.example/x> <data:text/html,x> } }")
    status, _, html = fetch(server, "/query?" + urlencode({"query": query}))
    assert status == 200 and "javascript:alert(document.domain)" in html
    for href in Page(html).hrefs:
        scheme = urlsplit(href).scheme.lower()
        assert scheme in ("", "http", "https", "mailto"), href
        assert not href.startswith("//") and not href.startswith("/\\"), href


def test_security_and_cache_headers(server):
    for path, accept in (("/", "text/html"), ("/query", "text/html"), (THING, "text/html"),
                         ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
                         ("/nowhere", "text/html")):
        status, headers, _ = fetch(server, path, {"Accept": accept})
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert headers["Cache-Control"] == ("no-store" if status >= 400 else
                                            "public, max-age=300")
    _, headers, _ = fetch(server, "/")
    assert {"Accept", "Accept-Language", "Cookie"} <= {
        v.strip() for v in headers["Vary"].split(",")}


def test_spreadsheet_csv_neutralises_formulas_and_sparql_csv_is_faithful(server):
    query = 'SELECT ?v { VALUES ?v { "=HYPERLINK(\\"https://evil.example\\")" "@SUM(1)" "ok" } }'
    status, headers, table = fetch(server, "/query.csv?" + urlencode({"query": query}))
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert table.splitlines() == [
        "\ufeffv", '"\'=HYPERLINK(""https://evil.example"")"', "'@SUM(1)", "ok"]
    _, _, raw = fetch(server, "/sparql?" + urlencode({"query": query, "format": "csv"}))
    assert raw.splitlines() == ["v", '"=HYPERLINK(""https://evil.example"")"', "@SUM(1)", "ok"]


def test_forwarded_headers_count_from_a_trusted_proxy_only(server, behind_proxy):
    forwarded = {"X-Forwarded-Host": "data.example.org", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Prefix": "/achat"}
    assert sd_endpoint(server, forwarded) == server + "/sparql"
    assert sd_endpoint(behind_proxy, forwarded) == "https://data.example.org/achat/sparql"
    _, headers, _ = fetch(behind_proxy, THING, forwarded)
    assert headers["Location"] == "/achat/doc/instrument/partenariat-innovation"
    # A prefix that would leave the origin is dropped even from the trusted proxy.
    _, headers, _ = fetch(behind_proxy, THING, {"X-Forwarded-Prefix": "https://evil.example"})
    assert headers["Location"] == "/doc/instrument/partenariat-innovation"
