"""Cells for spreadsheets: a text that a spreadsheet would run as a formula is kept as text.

The contracts table the builder writes and the CSV exports the server sends for
spreadsheets share this rule; SPARQL CSV/TSV results stay faithful to the W3C formats.
"""

#: What starts a formula (or a DDE call) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """Return a cell's text as a spreadsheet shows it, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
