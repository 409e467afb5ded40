"""Headers every response carries: what browsers may do with it, and how long caches keep it.

The policy lets a page run scripts, styles, fonts and requests from this origin only
(the YASGUI editor included: it is served from here), never be framed, and tell other
sites at most our origin.  No inline script runs anywhere.  The editor's page alone
allows inline styles, which YASGUI writes (its table's column resizer adds a
``<style>`` element): a route asks for that with ``allow_inline_styles()``.

A successful GET or HEAD may be kept by shared caches for a few minutes (the data
change only with a new build and a restart); an error, a POST, or a response setting
the language cookie is not shared.  A response whose text depends on the reader's
language varies on ``Accept-Language`` and ``Cookie`` as well as on what the route
negotiates itself (``Accept``).
"""

from __future__ import annotations

from flask import Flask, Response, g, request

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(POLICY)
#: The editor's page: the same, with inline styles.
EDITOR_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'",
                                                "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
#: Seconds a shared cache may keep a successful page or result.
SHARED_MAX_AGE = 300


def language_chosen() -> None:
    """Note that this response's text depends on the reader's language (Vary)."""
    g.varies_on_language = True


def allow_inline_styles() -> None:
    """Let this response's page use inline styles (the YASGUI editor needs them)."""
    g.inline_styles = True


def cache_control(response: Response) -> None:
    """Set Cache-Control where the route did not choose one itself."""
    if "Cache-Control" in response.headers:
        return
    if response.status_code >= 400 or request.method not in ("GET", "HEAD"):
        response.headers["Cache-Control"] = "no-store"
    elif "Set-Cookie" in response.headers:
        response.headers["Cache-Control"] = f"private, max-age={SHARED_MAX_AGE}"
    else:
        response.headers["Cache-Control"] = f"public, max-age={SHARED_MAX_AGE}"


def init_app(app: Flask) -> None:
    """Add the security, Vary and Cache-Control headers to every response."""

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            EDITOR_POLICY if g.get("inline_styles") else CONTENT_SECURITY_POLICY)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if g.get("varies_on_language"):
            response.vary.update(("Accept-Language", "Cookie"))
        cache_control(response)
        return response
