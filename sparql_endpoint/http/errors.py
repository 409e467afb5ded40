"""Readable error responses, and the handlers that keep stack traces away from clients.

An error is answered as JSON when the client prefers JSON, as an HTML page when
it prefers HTML and the pages blueprint registered ``app.extensions["error_page"]``
(a callable ``(status, message) -> Response``), and as plain text otherwise.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from achat_core.formats import BY_NAME
from sparql_endpoint.protocol.negotiation import negotiate

log = logging.getLogger("sparql_endpoint.http.errors")
#: Seconds a client is told to wait after a 503 that named no other delay.
RETRY_AFTER = "5"

#: What an error can be written as, server's preference first.  A client that
#: accepts only SPARQL JSON results or JSON-LD reads JSON errors best.
OFFERED = tuple(BY_NAME[n] for n in ("text", "json-document", "json", "jsonld", "html"))
JSON_FORMATS = tuple(BY_NAME[n] for n in ("json-document", "json", "jsonld"))


def problem(status: int, message: str, headers: dict | None = None):
    """Answer ``status`` with a readable ``message``, negotiated as JSON, HTML or text."""
    reason = HTTPStatus(status).phrase
    chosen = negotiate(request.headers.get("Accept"), OFFERED)
    page = current_app.extensions.get("error_page")
    if chosen is BY_NAME["html"] and page is not None:
        response = page(status, message)
    elif chosen in JSON_FORMATS:
        response = jsonify({"status": status, "error": reason, "message": message})
    else:
        response = current_app.response_class(
            f"{status} {reason}: {message}\n", mimetype=BY_NAME["text"].media_type
        )
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = RETRY_AFTER
    return response


def init_app(app: Flask) -> None:
    """Register handlers so every client mistake and every crash gets a short readable answer."""

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return problem(413, f"The request body is larger than this endpoint accepts "
                            f"({limit} bytes). Send a shorter query.")

    @app.errorhandler(MethodNotAllowed)
    def not_allowed(error):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        return problem(405, f"Method {request.method} is not allowed here; use {allowed}.",
                       {"Allow": allowed})

    @app.errorhandler(HTTPException)
    def http_error(error):
        return problem(error.code or 500, error.description or HTTPStatus(error.code).phrase)

    @app.errorhandler(Exception)
    def crash(error):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, "An unexpected error happened on the server; it was logged.")
