"""Accent folding: the one way names are compared (reconciliation, wiki labels) and searched.

``ascii_fold`` keeps case and punctuation (slugs and names are built from it); ``fold``
is the search form: lower case, letters and digits only, words split by single spaces.
"""

from __future__ import annotations

import re
import unicodedata

#: Apostrophe-like characters folded to a plain apostrophe.
_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u00b4\u0060\u2032"})
#: Letters that Unicode decomposition does not turn into ASCII.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O",
                            "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def ascii_fold(text: str) -> str:
    """Return TEXT without accents, ligatures spelt out and apostrophes plain; case is kept."""
    if text.isascii():  # nothing to fold, and most labels are
        return text
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Return the search form of TEXT: no accents, lower case, punctuation as single spaces."""
    return " ".join(_NON_WORD.sub(" ", ascii_fold(text).casefold()).split())
