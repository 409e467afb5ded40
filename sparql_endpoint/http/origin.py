"""The public origin the server names: the configured one, never a client's Host or X-Forwarded-*.

Werkzeug builds every absolute URL, link and redirect from the WSGI environ
(``HTTP_HOST``, ``wsgi.url_scheme``, ``SCRIPT_NAME``).  ``PublicOrigin`` sets those
from the configured public URL before the app sees a request, so a forged ``Host``
or ``X-Forwarded-*`` header moves nothing.  Forwarded headers are read only from a
peer listed as a trusted proxy (werkzeug's ProxyFix, one hop); even then a public URL,
when one was given, fixes host, scheme and path prefix, and forwarded values that
would not make a same-origin URL (a prefix such as ``//evil`` or ``https://evil``, a
host with a path) are dropped for the configured ones.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

#: Where the app says it lives when neither a public URL nor a listening address is set.
DEFAULT_ORIGIN = "http://localhost/"


class Origin(NamedTuple):
    """A public root URL taken apart: scheme, ``host[:port]`` and path prefix (no trailing /)."""

    scheme: str
    host: str
    prefix: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.prefix}/"


def _printable(text: str) -> bool:
    """Tell whether text has no space, control or backslash (which browsers rewrite in URLs)."""
    return all(c > " " and c not in "\\\x7f" for c in text)


def parse_origin(url: str) -> Origin:
    """Read a public root URL such as ``https://data.example.org/achat/`` (ValueError if unfit)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not _printable(url):
        raise ValueError(f"the public URL {url!r} must be an http(s) URL such as "
                         "https://data.example.org/")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"the public URL {url!r} must not carry credentials, a query or "
                         "a fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"the public URL {url!r} has an invalid port") from None
    prefix = parts.path.rstrip("/")
    if prefix.startswith("//"):
        raise ValueError(f"the public URL {url!r} has a path starting with //")
    return Origin(parts.scheme, parts.netloc.lower(), prefix)


def _safe_host(host: str) -> bool:
    """Tell whether a forwarded host is a bare ``host[:port]``."""
    if not host or not _printable(host) or any(c in host for c in "/?#@"):
        return False
    parts = urlsplit("//" + host)
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return bool(parts.hostname) and parts.netloc == host


def _safe_prefix(prefix: str) -> bool:
    """Tell whether a forwarded path prefix keeps links on this origin (``""`` or ``/x``)."""
    return prefix == "" or (prefix.startswith("/") and not prefix.startswith("//")
                            and _printable(prefix) and not any(c in prefix for c in "?#"))


def parse_proxies(addresses) -> tuple:
    """Read trusted proxy addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``)."""
    try:
        return tuple(ip_network(a.strip(), strict=False) for a in addresses)
    except ValueError as error:
        raise ValueError(f"--trusted-proxy: {error}; give an IP address or network") from None


class PublicOrigin:
    """WSGI middleware: the environ names the configured origin, whatever the client sent.

    ``public_url``: the origin users reach (fixed even behind a trusted proxy), or None;
    ``fallback``: the origin when none was given and no trusted proxy forwarded one
    (the listening address); ``trusted``: proxy addresses or networks.
    """

    def __init__(self, app, public_url: str | None, fallback: str, trusted=()):
        self.app = app
        self.pinned = parse_origin(public_url) if public_url else None
        self.origin = self.pinned or parse_origin(fallback)
        self.trusted = parse_proxies(trusted)
        self.through_proxy = ProxyFix(self._forwarded, x_for=1, x_proto=1, x_host=1,
                                      x_prefix=1)

    def __call__(self, environ, start_response):
        if self._is_trusted(environ.get("REMOTE_ADDR", "")):
            return self.through_proxy(environ, start_response)
        for key in [k for k in environ if k.startswith(("HTTP_X_FORWARDED_", "HTTP_FORWARDED"))]:
            del environ[key]
        self._set(environ, self.origin)
        return self.app(environ, start_response)

    def _is_trusted(self, address: str) -> bool:
        try:
            peer = ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        return any(peer in network for network in self.trusted)

    def _forwarded(self, environ, start_response):
        """After ProxyFix: keep what the trusted proxy said only where it is well formed."""
        if self.pinned:
            self._set(environ, self.pinned)
        else:
            scheme = environ.get("wsgi.url_scheme")
            host = environ.get("HTTP_HOST", "")
            prefix = environ.get("SCRIPT_NAME", "").rstrip("/")
            self._set(environ, Origin(
                scheme if scheme in ("http", "https") else self.origin.scheme,
                host if _safe_host(host) else self.origin.host,
                prefix if _safe_prefix(prefix) else self.origin.prefix))
        return self.app(environ, start_response)

    @staticmethod
    def _set(environ: dict, origin: Origin) -> None:
        environ["wsgi.url_scheme"] = origin.scheme
        environ["HTTP_HOST"] = origin.host
        parts = urlsplit(f"//{origin.host}")
        environ["SERVER_NAME"] = parts.hostname
        environ["SERVER_PORT"] = str(parts.port or (443 if origin.scheme == "https" else 80))
        environ["SCRIPT_NAME"] = origin.prefix


def site_root() -> str:
    """Return the server's public root URL, ending with a slash.

    ``request.url_root`` names the configured origin (see ``PublicOrigin``),
    not the client's ``Host``.
    """
    return request.url_root
