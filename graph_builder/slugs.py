"""Slugs: the stable keys of records and the last segment of minted IRIs.

``slugify`` makes lower-case ASCII letters, digits and single hyphens.  Readers key their
records with it and mappers mint IRIs with it, so it sits beside ``errors`` and ``limits``,
shared by every room.
"""

from __future__ import annotations

import re

from achat_core.text import ascii_fold

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 80) -> str:
    """Return a stable key for a name: lower-case ASCII, digits and single hyphens.

    Longer slugs are cut at a hyphen so they stay under ``max_length``; a text with no
    letter or digit gives the empty string.
    """
    slug = _NOT_SLUG.sub("-", ascii_fold(text).lower()).strip("-")
    if len(slug) > max_length:
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[: cut if cut > 0 else max_length].strip("-")
    return slug
