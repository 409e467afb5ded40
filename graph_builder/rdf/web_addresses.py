"""Web addresses as IRIs: ``to_iri`` turns an address as people write it (spaces, accents)
into a valid IRI, percent-encoding what an IRI may not hold and keeping what is already encoded.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

_PERCENT = re.compile(r"(%[0-9A-Fa-f]{2})")

# Characters kept as they are in each part of an address (RFC 3986 ``pchar`` and friends);
# letters, digits and ``_.-~`` are always kept by ``urllib.parse.quote``.
_SUB_DELIMS = "!$&'()*+,;="
_SAFE_USER = _SUB_DELIMS + ":"
_SAFE_PATH = _SUB_DELIMS + ":@/"
_SAFE_QUERY = _SUB_DELIMS + ":@/?"
_HOST_CHARS = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=%-]+$")


def _quote_part(part: str, safe: str) -> str:
    """Percent-encode one part of an address, keeping valid ``%XX`` escapes."""
    pieces = _PERCENT.split(part)
    return "".join(
        piece if _PERCENT.fullmatch(piece) else quote(piece, safe=safe, encoding="utf-8")
        for piece in pieces
    )


def _host(hostport: str) -> str | None:
    """Return the host and port of an address as ASCII, or None when they are not valid."""
    if hostport.startswith("["):  # an IP literal: keep it when it is well formed
        return hostport if re.fullmatch(r"\[[0-9A-Fa-f:.]+\](:\d*)?", hostport) else None
    host, colon, port = hostport.partition(":")
    if colon and not port.isdigit():
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if not _HOST_CHARS.match(host):
        return None
    return host.lower() + (colon + port if colon else "")


def to_iri(url: str) -> str | None:
    """Return a web address as a valid IRI, or None when it is not an absolute http(s) one."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host = _host(hostport)
    if host is None:
        return None
    netloc = (_quote_part(userinfo, _SAFE_USER) + at if at else "") + host
    return urlunsplit((
        parts.scheme.lower(),
        netloc,
        _quote_part(parts.path, _SAFE_PATH),
        _quote_part(parts.query, _SAFE_QUERY),
        _quote_part(parts.fragment, _SAFE_QUERY),
    ))
