"""The reader's language: asked in the URL, kept in a cookie, else from Accept-Language."""

from __future__ import annotations

from flask import request

from sparql_endpoint.http.headers import language_chosen

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "lang"


def choose_language() -> str:
    """Return the page language: ``?lang=``, then the cookie, then Accept-Language."""
    language_chosen()
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(LANGUAGES)
    return best or DEFAULT_LANGUAGE
