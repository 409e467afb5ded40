"""Numbers, amounts and dates written the way a French or an English reader expects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sparql_endpoint.pages.words import MONTHS

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
    """Write an ISO date as ``24 décembre 2018`` / ``24 December 2018``; other text as is."""
    try:
        parsed = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    first = "1er" if lang == "fr" and parsed.day == 1 else str(parsed.day)
    return f"{first} {MONTHS[lang][parsed.month - 1]} {parsed.year}"
