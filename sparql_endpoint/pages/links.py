"""Which targets may become a link (``href``): the one check every rendered IRI goes through.

An IRI from the data or from a query result is shown as a link only when following
it is harmless: an ``http``, ``https`` or ``mailto`` IRI, or a path on this site
(``/…`` whose second character is not ``/`` or ``\\``, which browsers read as
another host).  Anything else (``javascript:``, ``data:``, ``//host``, ``/\\host``,
text with spaces or control characters that browsers strip) is shown as text.
The check reads the target with ``urllib.parse``, as a URL parser, not with patterns.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

LINK_SCHEMES = ("http", "https", "mailto")


def safe_href(target: str | None) -> str | None:
    """Return ``target`` if it may be an ``href``, else None."""
    if not target or any(c <= " " or c == "\x7f" for c in target):
        return None
    if target.startswith(("?", "#")):
        return target  # the same page
    if target.startswith("/"):
        return None if target[1:2] in ("/", "\\") else target
    scheme = urlsplit(target).scheme.lower()
    if scheme not in LINK_SCHEMES:
        return None
    if scheme != "mailto" and not urlsplit(target).netloc:
        return None  # "http:evil" or "https:/\\evil": no clear host
    return target


def init_app(app: Flask) -> None:
    """Make ``safe_href`` the templates' ``link`` filter: ``{% if iri|link %}<a href=…>``."""
    app.add_template_filter(safe_href, "link")
