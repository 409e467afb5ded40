"""The example queries in ``achat_core/queries/*.rq``, each with a bilingual title and description.

A file starts with comment lines ``# title-en:``, ``# title-fr:``, ``# description-en:``,
``# description-fr:``, then the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from achat_core.resources import QUERIES_DIR

HEADER = re.compile(r"^#\s*(title|description)-(fr|en)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Example:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    query: str

    def view(self, lang: str) -> dict:
        """Return the example's name, title, description and query in one language."""
        return {"name": self.name, "title": self.title[lang],
                "description": self.description[lang], "query": self.query}


def parse_example(path: Path) -> Example:
    """Read one ``.rq`` file; raise ValueError naming the file and the missing header."""
    title: dict[str, str] = {}
    description: dict[str, str] = {}
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            field, lang, value = match.groups()
            (title if field == "title" else description)[lang] = value
    for field, found in (("title", title), ("description", description)):
        for lang in ("fr", "en"):
            if lang not in found:
                raise ValueError(f"{path}: missing header line '# {field}-{lang}: …'")
    return Example(path.stem, title, description, text)


@cache
def load_examples(folder: Path = QUERIES_DIR) -> tuple[Example, ...]:
    """Return the example queries of a folder, in file-name order."""
    return tuple(parse_example(p) for p in sorted(folder.glob("*.rq")))


def find(name: str) -> Example | None:
    """Return the example of that name, or None."""
    return next((e for e in load_examples() if e.name == name), None)
