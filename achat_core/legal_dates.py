"""Since when an instrument's legal basis is in force: one rule for the builder and the pages.

Each article or text of an instrument's legal basis dates from its own in-force date
(``apg:inForceFrom``, else ELI's first date of entry into force), else its own date
(``eli:date_document``); an article with none of them dates from the text it is part of,
by the same order.  The instrument's "since" is the earliest of these dates, and names the
article or text it comes from.  The builder warns when contracts predate it; the pages
show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from achat_core.iris import APG, ELI

#: Each instrument's legal basis with the dates that can say since when it is in force.
BASIS_DATES_QUERY = f"""SELECT ?instrument ?basis ?inForce ?date ?text ?textInForce ?textDate
WHERE {{ __VALUES__
  ?instrument <{APG}legalBasis> ?basis .
  OPTIONAL {{ ?basis <{APG}inForceFrom>|<{ELI}first_date_entry_in_force> ?inForce }}
  OPTIONAL {{ ?basis <{ELI}date_document> ?date }}
  OPTIONAL {{ ?basis <{APG}partOfLegalText> ?text .
    OPTIONAL {{ ?text <{APG}inForceFrom>|<{ELI}first_date_entry_in_force> ?textInForce }}
    OPTIONAL {{ ?text <{ELI}date_document> ?textDate }} }}
}}"""


def basis_dates_query(instrument: str | None = None) -> str:
    """Return BASIS_DATES_QUERY for every instrument, or for one (its IRI)."""
    values = f"VALUES ?instrument {{ <{instrument}> }}" if instrument else ""
    return BASIS_DATES_QUERY.replace("__VALUES__", values)


#: The order in which a basis item's dates are read, the first one it has wins: variable,
#: whether it is an in-force date (else the text's own date), whether it is the text's.
ORDER = (("inForce", True, False), ("date", False, False), ("textInForce", True, True),
         ("textDate", False, True))


def basis_date(row: Mapping[str, str]) -> tuple[str, bool, str] | None:
    """Return (date, in force, the article or text dated) one row of BASIS_DATES_QUERY gives."""
    return next(((row[name][:10], in_force, row["text"] if of_text else row["basis"])
                 for name, in_force, of_text in ORDER if row.get(name)), None)


def since(rows: Iterable[Mapping[str, str]]) -> dict[str, tuple[str, bool, str]]:
    """Return instrument -> (earliest date, in force, the article or text it comes from).

    Rows are BASIS_DATES_QUERY's solutions as plain strings (absent names left out); of two
    items of the same date the first in IRI order is kept, so the answer is stable.
    """
    found: dict[str, tuple[str, bool, str]] = {}
    for row in rows:
        dated = basis_date(row)
        if dated is None:
            continue
        current = found.get(row["instrument"])
        if current is None or (dated[0], dated[2]) < (current[0], current[2]):
            found[row["instrument"]] = dated
    return found
