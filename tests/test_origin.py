"""Links, redirects and headers name the configured origin; only proxies may forward headers.

In-process (Flask test client, whose peer address is 127.0.0.1); the same attacks
against the real ``achat-graph serve`` are in ``test_serve_attacks.py``.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from achat_core.spreadsheet import cell
from sparql_endpoint.http.origin import parse_origin
from sparql_endpoint.pages.links import safe_href

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "https://evil.example"}
THING = "/id/instrument/partenariat-innovation"
SD_ENDPOINT = "http://www.w3.org/ns/sparql-service-description#endpoint"


class Links(HTMLParser):
    """Collect every href and src of a page, and the editor's endpoint."""

    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.endpoint = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append(attrs["src"])
        if tag == "div" and attrs.get("id") == "yasgui":
            self.endpoint = attrs["data-endpoint"]


def sd_endpoint(client, headers=None, peer: str = "127.0.0.1") -> str:
    response = client.get("/sparql", headers={"Accept": "application/n-triples", **(headers or {})},
                          environ_base={"REMOTE_ADDR": peer})
    triples = ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)
    return next(t.object.value for t in triples if t.predicate.value == SD_ENDPOINT)


@pytest.mark.parametrize(("target", "linked"), [
    ("https://example.org/a", True), ("http://example.org/", True),
    ("mailto:someone@example.org", True), ("HTTPS://example.org/", True),
    ("/doc/instrument/x", True), ("?lang=en", True), ("#main", True),
    ("javascript:alert(document.domain)", False), ("JavaScript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False), ("vbscript:x", False),
    ("//evil.example/x", False), ("/\\evil.example/x", False), ("https:/\\evil.example", False),
    ("http:evil.example", False), ("java\tscript:alert(1)", False), (" javascript:x", False),
    ("/\t/evil.example", False), ("urn:isbn:123", False), ("", False), (None, False),
])
def test_only_http_https_mailto_and_our_paths_become_links(target, linked):
    assert safe_href(target) == (target if linked else None)


@pytest.mark.parametrize("url", ["ftp://example.org/", "example.org", "https://u:p@example.org/",
                                 "https://example.org/?q", "https://example.org//x/",
                                 "https://example.org:99999/", "https://exa mple.org/"])
def test_an_unfit_public_url_is_refused(url):
    with pytest.raises(ValueError, match="public URL"):
        parse_origin(url)


def test_forged_headers_move_nothing(client):
    response = client.get(THING, headers=FORGED)
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/instrument/partenariat-innovation"
    assert sd_endpoint(client, FORGED) == "http://localhost/sparql"
    page = Links(client.get("/query", headers={**FORGED, "Accept": "text/html"}).text)
    assert page.endpoint == "/sparql"
    assert all(src.startswith("/") and not src.startswith("//") for src in page.srcs)
    assert not [h for h in page.hrefs if "evil" in h]


def test_the_public_url_names_every_link(make_app):
    client = make_app(PUBLIC_URL="https://data.example.org/achat/").test_client()
    assert client.get(THING, headers=FORGED).headers["Location"] == (
        "/achat/doc/instrument/partenariat-innovation")
    assert sd_endpoint(client, FORGED) == "https://data.example.org/achat/sparql"
    page = Links(client.get("/", headers={**FORGED, "Accept": "text/html"}).text)
    assert "/achat/query" in page.hrefs and "/achat/static/site.css" in page.hrefs


def test_a_trusted_proxy_s_forwarded_headers_are_honoured(make_app):
    client = make_app(TRUSTED_PROXIES=("127.0.0.0/8",)).test_client()
    forwarded = {"X-Forwarded-Host": "data.example.org", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Prefix": "/achat"}
    assert sd_endpoint(client, forwarded) == "https://data.example.org/achat/sparql"
    assert client.get(THING, headers=forwarded).headers["Location"].startswith("/achat/doc/")
    # Even from the proxy, a prefix or host that would leave the origin is dropped.
    for bad in ({"X-Forwarded-Prefix": "https://evil.example"},
                {"X-Forwarded-Prefix": "//evil.example"}, {"X-Forwarded-Prefix": "/\\evil"},
                {"X-Forwarded-Host": "evil.example/x"}, {"X-Forwarded-Host": "a@evil.example"}):
        assert client.get(THING, headers=bad).headers["Location"] == (
            "/doc/instrument/partenariat-innovation")
        assert sd_endpoint(client, bad) == "http://localhost/sparql"


def test_a_public_url_wins_over_a_trusted_proxy(make_app):
    client = make_app(PUBLIC_URL="https://data.example.org/",
                      TRUSTED_PROXIES=("127.0.0.1",)).test_client()
    assert sd_endpoint(client, FORGED) == "https://data.example.org/sparql"


def test_only_the_listed_peers_are_trusted(make_app):
    app = make_app(TRUSTED_PROXIES=("10.0.0.0/24",))
    forwarded = {"X-Forwarded-Host": "data.example.org"}
    client = app.test_client()
    assert sd_endpoint(client, forwarded, "10.0.0.7") == "http://data.example.org/sparql"
    assert sd_endpoint(client, forwarded, "192.0.2.1") == "http://localhost/sparql"
    assert sd_endpoint(client, forwarded, "127.0.0.1") == "http://localhost/sparql"


def test_security_headers_on_pages_results_and_errors(client):
    for path, headers in (("/", {"Accept": "text/html"}), ("/sparql?query=ASK{}", {}),
                          ("/nowhere", {"Accept": "text/html"}), (THING, {})):
        response = client.get(path, headers=headers)
        response.close()
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
    editor = client.get("/query", headers={"Accept": "text/html"})
    assert "script-src 'self';" in editor.headers["Content-Security-Policy"]


def test_cache_control_and_vary_follow_what_a_response_depends_on(client):
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.headers["Cache-Control"] == "public, max-age=300"
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    switched = client.get("/?lang=en", headers={"Accept": "text/html"})
    assert switched.headers["Cache-Control"].startswith("private")
    results = client.get("/sparql?query=ASK{}")
    results.close()  # a streamed answer holds its query process until it is read or closed
    assert results.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept" in results.vary
    assert client.get("/nowhere").headers["Cache-Control"] == "no-store"
    posted = client.post("/sparql", data={"query": "ASK {}"})
    posted.close()
    assert posted.headers["Cache-Control"] == "no-store"
    assert client.get("/health").headers["Cache-Control"] == "no-store"


def test_the_language_link_stays_on_the_page(client):
    html = client.get("/\\evil.example/x", headers={"Accept": "text/html"}).text
    links = [h for h in Links(html).hrefs if "lang=" in h]
    # The page's canonical and hreflang addresses are absolute, on our origin, percent-encoded.
    own = [h for h in links if h.startswith("http://localhost/%5Cevil.example/x?lang=")]
    assert len(own) == 3
    assert [h for h in links if h not in own] == ["?lang=en"]


@pytest.mark.parametrize(("text", "shown"), [
    ("=HYPERLINK(\"https://evil.example\")", "'=HYPERLINK(\"https://evil.example\")"),
    ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("a=b", "a=b"), ("", ""),
])
def test_spreadsheet_cells_never_start_a_formula(text, shown):
    assert cell(text) == shown


def test_query_csv_neutralises_and_sparql_csv_stays_faithful(client):
    query = 'SELECT ?v { VALUES ?v { "=1+1" "-2" <https://example.org/a> } }'
    table = client.get("/query.csv", query_string={"query": query})
    assert table.mimetype == "text/csv"
    assert table.headers["Content-Disposition"].startswith("attachment")
    assert table.text.splitlines() == ["\ufeffv", "'=1+1", "'-2", "https://example.org/a"]
    raw = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert raw.text.splitlines() == ["v", "=1+1", "-2", "https://example.org/a"]
    refused = client.get("/query.csv", query_string={"query": "SELEC nothing"})
    assert refused.status_code == 400


def test_result_iris_become_links_only_when_harmless(client):
    query = ("SELECT ?v { VALUES ?v { <javascript:alert(document.domain)> "
             "<https://w3id.org/achat-public//evil.example/x> <mailto:a@example.org> } }")
    html = client.get("/query", query_string={"query": query},
                      headers={"Accept": "text/html"}).text
    hrefs = Links(html).hrefs
    assert "javascript:alert(document.domain)" in html
    assert not [h for h in hrefs if h.lower().startswith("javascript") or h.startswith("//")]
    assert "mailto:a@example.org" in hrefs


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--public-url", "javascript:alert(1)", "public URL"),
    ("--trusted-proxy", "proxy.example", "--trusted-proxy"),
])
def test_serve_refuses_an_unfit_origin_or_proxy(dist, option, value, said):
    from click.testing import CliRunner

    from achat_graph.cli import main

    result = CliRunner().invoke(main, ["serve", "--dist", str(dist), option, value])
    assert result.exit_code == 2
    assert said in result.output and "Traceback" not in result.output
