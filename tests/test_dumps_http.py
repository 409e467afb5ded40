"""/dumps/: only catalogued files, ETag and Last-Modified, 304s, gzip, no path traversal."""

from __future__ import annotations

import gzip
import hashlib

import pyoxigraph as ox
import pytest

from sparql_endpoint import create_app
from sparql_endpoint.backends.store import OxigraphBackend

TURTLE = (b"<https://w3id.org/achat-public/id/x/y> "
          b"<http://www.w3.org/2000/01/rdf-schema#label> \"y\" .\n")


class Client:
    """A test client whose responses are read and closed at once (no open files left)."""

    def __init__(self, client, files):
        self.client, self.files = client, files

    def get(self, path, headers=None):
        response = self.client.get(path, headers=headers or {})
        response.get_data()
        response.close()
        return response


@pytest.fixture
def client(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "graph.ttl").write_bytes(TURTLE * 50)
    (dist / "graph.nt.gz").write_bytes(gzip.compress(TURTLE, mtime=0))
    (dist / "secret.txt").write_text("not published")
    files = {}
    for name, media in (("graph.ttl", "text/turtle"), ("graph.nt.gz", "application/n-triples")):
        data = (dist / name).read_bytes()
        files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                       "media_type": media, "triples": 1}
    build = {"base": "https://w3id.org/achat-public/", "created": "2026-01-02", "files": files,
             "dist": dist, "build_id": "b1"}
    app = create_app({"BACKEND": OxigraphBackend(ox.Store()), "BUILD": build})
    return Client(app.test_client(), files)


def test_dump_has_validators_and_type(client):
    response = client.get("/dumps/graph.ttl")
    assert response.status_code == 200
    assert response.data == TURTLE * 50
    assert response.mimetype == "text/turtle"
    assert response.headers["ETag"] == f'"{client.files["graph.ttl"]["sha256"]}"'
    assert response.headers["Last-Modified"] == "Fri, 02 Jan 2026 00:00:00 GMT"


def test_unchanged_dump_answers_304(client):
    etag = client.get("/dumps/graph.ttl").headers["ETag"]
    assert client.get("/dumps/graph.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/dumps/graph.ttl", headers={"If-None-Match": '"other"'}).status_code == 200
    since = {"If-Modified-Since": "Sat, 03 Jan 2026 00:00:00 GMT"}
    assert client.get("/dumps/graph.ttl", headers=since).status_code == 304
    older = {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"}
    assert client.get("/dumps/graph.ttl", headers=older).status_code == 200


def test_gzip_on_request_with_its_own_etag(client):
    response = client.get("/dumps/graph.ttl", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == TURTLE * 50
    assert "Accept-Encoding" in response.headers["Vary"]
    etag = response.headers["ETag"]
    assert etag.endswith('-gzip"')
    again = client.get("/dumps/graph.ttl", headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": etag})
    assert again.status_code == 304
    # Byte-for-byte the same each time (no time stamp in the gzip header).
    assert client.get("/dumps/graph.ttl", headers={"Accept-Encoding": "gzip"}).data == \
        response.data


def test_compressed_dump_is_served_as_is(client):
    response = client.get("/dumps/graph.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert response.mimetype == "application/gzip"
    assert "Content-Encoding" not in response.headers
    assert gzip.decompress(response.data) == TURTLE
    etag = response.headers["ETag"]
    assert client.get("/dumps/graph.nt.gz", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("name", ["secret.txt", "..%2Fbuild.json", "../graph.ttl", "nope.ttl"])
def test_only_catalogued_files(client, name):
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 404


def test_listing_links_every_file(client):
    html = client.get("/dumps/").get_data(as_text=True)
    assert 'href="/dumps/graph.ttl"' in html and 'href="/dumps/graph.nt.gz"' in html
    assert client.files["graph.ttl"]["sha256"] in html


@pytest.mark.parametrize(("accept", "media_type"), [
    ("text/html", "text/html"), ("application/json", "application/json"),
    ("*/*", "text/plain")])
def test_a_missing_file_is_a_negotiated_404(client, accept, media_type):
    response = client.get("/dumps/nope.ttl", headers={"Accept": accept})
    assert response.status_code == 404 and response.mimetype == media_type
    assert "nope.ttl" in response.get_data(as_text=True)


def test_media_types_come_from_the_format_table(client):
    from achat_core.formats import BY_SUFFIX, content_of, of_file

    assert of_file("graph.nt.gz") is BY_SUFFIX["gz"] and of_file("README") is None
    assert content_of("graph.nt.gz") is BY_SUFFIX["nt"] and content_of("x.jsonl").name == "ndjson"
    served = client.get("/dumps/graph.nt.gz").mimetype
    assert served == of_file("graph.nt.gz").media_type == "application/gzip"
    html = client.get("/dumps/").get_data(as_text=True)
    # The listing says what the file holds and how it is served.
    assert "application/n-triples (application/gzip)" in html
