"""docs/limits.md and graph_builder/limits.py list the same limits with the same values."""

import re
from pathlib import Path

from graph_builder import limits

DOC = Path(__file__).resolve().parents[1] / "docs" / "limits.md"
_UNITS = {"": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}


def _documented() -> dict[str, int]:
    """Return the constant → value of each row of the table (``| what | limit | constant |``)."""
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`MAX_[A-Z_]+`", cells[2]):
            number, _, unit = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d)", "", cells[1]).partition(" ")
            found[cells[2].strip("`")] = int(number) * _UNITS[unit]
    return found


def _declared() -> dict[str, int]:
    return {name: value for name, value in vars(limits).items() if name.startswith("MAX_")}


def test_every_limit_is_documented_with_its_value():
    assert _documented() == _declared()
