"""The published dumps at ``/dumps/``: listed files only, with validators, 304s and gzip."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, request, send_file

from graph_builder.formats import BY_SUFFIX
from sparql_endpoint.web import build_info, render

bp = Blueprint("dumps", __name__)

CHUNK = 64 * 1024
#: Media types of published files the format table does not cover, by suffix.
OTHER_TYPES = {"json": "application/json", "txt": "text/plain", "gz": "application/gzip"}


def created() -> datetime | None:
    """Return the build's creation date as a UTC time, for ``Last-Modified``."""
    value = build_info().get("created")
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def media_type(name: str, listed: dict) -> str:
    """Return the media type a file is served with (``.gz`` files as ``application/gzip``)."""
    suffix = name.rsplit(".", 1)[-1]
    if suffix == "gz":
        return OTHER_TYPES["gz"]
    if suffix in BY_SUFFIX:
        return BY_SUFFIX[suffix].media_type
    return listed.get("media_type") or OTHER_TYPES.get(suffix, "application/octet-stream")


def published_files() -> list[dict]:
    """List the build's files as {name, bytes, media_type, triples, sha256}, by name."""
    files = build_info().get("files") or {}
    return [{"name": n, **files[n], "media_type": media_type(n, files[n])} for n in sorted(files)]


def _gzip_stream(path: Path):
    # A gzip member with no time and no file name, so the same file gives the same bytes.
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            yield compressor.compress(chunk)
    yield compressor.flush()


def _not_found(name: str) -> Response:
    return Response(f"404 Not Found: no published file named {name!r}; "
                    f"see /dumps/ for the list.\n", status=404, mimetype="text/plain")


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
    mimetype = media_type(name, files[name])
    wants_gzip = request.accept_encodings["gzip"] > 0 and not name.endswith(".gz")
    # Answer 304 before opening the file.
    response = Response(status=200, mimetype=mimetype)
    response.set_etag(f"{sha}-gzip" if wants_gzip else sha)
    response.last_modified = created()
    response.make_conditional(request)
    if response.status_code == 304:
        pass
    elif not wants_gzip:
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
    if mimetype.startswith("text/"):
        response.mimetype_params["charset"] = "utf-8"
    response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
