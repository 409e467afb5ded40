"""The published dumps at ``/dumps/``: listed files only, with validators, 304s and gzip.

Each file is served with the media type the format table gives its last suffix
(``graph.nt.gz`` as ``application/gzip``, a download saved as is); ``build.json``
and the DCAT catalogue describe its content (N-Triples, gzip-compressed).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, request, send_file

from achat_core.formats import content_of, of_file
from sparql_endpoint.http.errors import problem
from sparql_endpoint.pages.render import build_info, render

bp = Blueprint("dumps", __name__)

CHUNK = 64 * 1024
UNKNOWN = "application/octet-stream"


def created() -> datetime | None:
    """Return the build's creation date as a UTC time, for ``Last-Modified``."""
    value = build_info().get("created")
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def media_type(name: str) -> str:
    """Return the media type a file is served with, from the format table (``.gz``: gzip)."""
    fmt = of_file(name)
    return fmt.media_type if fmt else UNKNOWN


def published_files() -> list[dict]:
    """List the build's files as {name, bytes, media_type, content_type, triples, sha256}.

    ``media_type`` is how the file is served, ``content_type`` what it holds (they
    differ for compressed dumps); sorted by name.
    """
    files = build_info().get("files") or {}
    listed = []
    for name in sorted(files):
        content = content_of(name)
        listed.append({"name": name, **files[name], "media_type": media_type(name),
                       "content_type": content.media_type if content else media_type(name)})
    return listed


def _gzip_stream(path: Path):
    # A gzip member with no time and no file name, so the same file gives the same bytes.
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            yield compressor.compress(chunk)
    yield compressor.flush()


def _not_found(name: str) -> Response:
    return problem(404, f"No published file is named {name!r}; see /dumps/ for the list.")


@bp.get("/dumps/")
def listing():
    """List the published files with their sizes, media types and checksums."""
    return render("dumps.html", files=published_files())


@bp.get("/dumps/<name>")
def dump(name: str):
    """Send one published file, conditionally, gzip-compressed when the client accepts it."""
    files = build_info().get("files") or {}
    dist = build_info().get("dist")
    if name not in files or dist is None:
        return _not_found(name)
    path = Path(dist) / name
    if not path.is_file():
        return _not_found(name)
    sha = files[name].get("sha256") or ""
    mimetype = media_type(name)
    wants_gzip = request.accept_encodings["gzip"] > 0 and not name.endswith(".gz")
    # Answer 304 before opening the file.
    response = Response(status=200, mimetype=mimetype)
    response.set_etag(f"{sha}-gzip" if wants_gzip else sha)
    response.last_modified = created()
    response.make_conditional(request)
    if response.status_code == 304:
        return _finish(response, name, mimetype)
    if not wants_gzip:
        response = send_file(path, mimetype=mimetype, etag=sha or True,
                             last_modified=created(), conditional=True, max_age=3600)
    else:
        response = Response(_gzip_stream(path), mimetype=mimetype)
        response.content_encoding = "gzip"
        response.set_etag(f"{sha}-gzip")
        response.last_modified = created()
        response.cache_control.max_age = 3600
        response.cache_control.public = True
        response = response.make_conditional(request)
    return _finish(response, name, mimetype)


def _finish(response: Response, name: str, mimetype: str) -> Response:
    """Add what every answer for a dump carries, a 304 included."""
    if mimetype.startswith("text/"):
        response.mimetype_params["charset"] = "utf-8"
    response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
