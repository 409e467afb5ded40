"""Numbers, amounts and dates written the way a French or an English reader expects."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from sparql_endpoint.pages.words import MONTHS, NOUNS, UNIT_NOUNS

#: French groups thousands with a narrow no-break space and puts the euro sign after a
#: no-break space; English groups with commas and puts the sign first.
NARROW_NBSP, NBSP = "\u202f", "\u00a0"


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number(value, lang: str, places: int = 0) -> str:
    """Write a number with the language's grouping and decimal mark; unreadable text as is."""
    parsed = _decimal(value)
    if parsed is None:
        return str(value)
    text = f"{parsed:,.{places}f}"
    if lang == "fr":
        return text.replace(",", NARROW_NBSP).replace(".", ",")
    return text


def places(value) -> int:
    """Return how many decimals to write: none for a whole number, else two."""
    parsed = _decimal(value)
    return 0 if parsed is None or parsed == parsed.to_integral_value() else 2


def amount(value, lang: str, currency: str = "EUR") -> str:
    """Write an amount: ``80 000 €`` in French, ``€80,000`` in English (cents when present)."""
    parsed = _decimal(value)
    if parsed is None:
        return str(value)
    digits = number(parsed, lang, places(parsed))
    if currency != "EUR":
        return f"{digits}{NBSP}{currency}"
    return f"{digits}{NBSP}€" if lang == "fr" else f"€{digits}"


def day(value, lang: str) -> str:
    """Write an ISO date as ``24 décembre 2018`` / ``December 24, 2018``; other text as is."""
    try:
        parsed = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    month = MONTHS[lang][parsed.month - 1]
    if lang != "fr":
        return f"{month} {parsed.day}, {parsed.year}"
    first = "1er" if parsed.day == 1 else str(parsed.day)
    return f"{first} {month} {parsed.year}"


def is_plural(value, lang: str) -> bool:
    """Tell whether a count takes the plural: in French from 2 on (0 and 1 are singular),
    in English for every count but 1."""
    parsed = _decimal(value)
    if parsed is None:
        return True
    return abs(parsed) >= 2 if lang == "fr" else parsed != 1


def noun(key: str, value, lang: str) -> str:
    """Return the word of ``words.NOUNS[key]`` agreeing with a count."""
    singular, plural = NOUNS[key][0 if lang == "fr" else 1]
    return plural if is_plural(value, lang) else singular


def counted(value, key: str, lang: str) -> str:
    """Write a count with its noun: ``0 contrat``, ``1 contrat``, ``1,373 items``."""
    return f"{number(value, lang, places(value))}{NBSP}{noun(key, value, lang)}"


def unit(code: str, value, lang: str) -> str:
    """Word a figure's unit (``EUR``, ``percent``, ``contracts``…) in the language, agreeing
    with its value; an unknown unit is shown as the data gives it."""
    key = UNIT_NOUNS.get(code)
    return noun(key, value, lang) if key else code


def is_year_name(name: str) -> bool:
    """Tell whether a column or property name says it holds years (``year``, ``annee``,
    ``contractYear``, ``year_start``)."""
    return bool(re.search(r"(^|_|[a-z])(Year|year|YEAR|annee|Annee|année)s?($|_|[A-Z])", name))


def year(value) -> str:
    """Write a year as its digits: never grouped (``2019``, not ``2 019`` or ``2,019``)."""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def names_day(text: str, value: str) -> bool:
    """Tell whether a text already gives an ISO day, in any of the ways titles write it
    (``29 décembre 2025``, ``29 December 2025``, ``December 29, 2025``)."""
    try:
        parsed = date.fromisoformat(value[:10])
    except ValueError:
        return False
    british = f"{parsed.day} {MONTHS['en'][parsed.month - 1]} {parsed.year}"
    return any(form in text for form in (day(value, "fr"), day(value, "en"), british))
