"""The limits every reader enforces, so that no input can crash, hang or exhaust the builder.

Each limit is far above what real data needs and far below what breaks a tool down the
line (pyoxigraph refuses a literal over 16 MiB; Python refuses to read an integer of more
than 4 300 digits).  A breach is reported like any other bad value: file, line or record,
field, the limit.  docs/limits.md lists them with their reasons.
"""

from __future__ import annotations

from decimal import Decimal

#: Characters in one field value (a wiki field, a YAML string, a DECP string or key).
MAX_FIELD_CHARS = 100_000
#: Characters in a wiki page title (it becomes a label and part of an address).
MAX_TITLE_CHARS = 1_000
#: Characters in one line of a wiki page.
MAX_LINE_CHARS = 100_000
#: Bytes in one wiki page file.
MAX_PAGE_BYTES = 2 * 1024 * 1024
#: ``Label : value`` fields in one wiki page.
MAX_PAGE_FIELDS = 500
#: Names in one list field of a wiki page (tags, organisations, …).
MAX_LIST_NAMES = 1_000
#: Bytes in one curated YAML file.
MAX_YAML_BYTES = 16 * 1024 * 1024
#: Nesting depth of YAML collections (a record is three levels deep at most).
MAX_YAML_DEPTH = 20
#: Aliases (``*name``) in one YAML file: curated data needs none, "billion laughs" many.
MAX_YAML_ALIASES = 1_000
#: Nesting depth of JSON arrays and objects inside one DECP record.
MAX_JSON_DEPTH = 20
#: Bytes of JSON text in one DECP record.
MAX_RECORD_BYTES = 1024 * 1024
#: Bytes of DECP JSON read without one complete JSON value (a string, a number, …).
MAX_VALUE_BYTES = 1024 * 1024
#: Consecutive digits anywhere in a DECP file (a number that long cannot be an amount).
MAX_DIGIT_RUN = 1_000
#: Characters of a number written without an exponent (amounts and curated decimals).
MAX_NUMBER_CHARS = 40
#: Bytes in one row of a Sirene stock CSV file (a real row is under 1 KiB).
MAX_CSV_ROW_BYTES = 64 * 1024
#: Characters in the header line of a Sirene stock CSV file.
MAX_CSV_HEADER_BYTES = 16 * 1024


def plain_length(value: Decimal) -> int:
    """Return how many digits ``value`` takes written without an exponent (cheaply)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return 0  # infinity or NaN: refused elsewhere
    whole = len(digits) + exponent
    return max(whole, 1) + max(-exponent, 0)
