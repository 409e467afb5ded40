"""Read Fabrique des Mobilités wiki pages saved as text (the form of ``../shared/seeds/``).

A page is its title on the first non-blank line, some site noise ("De Communauté de la
Fabrique des Mobilités", "Aller à :navigation, rechercher"), then fields written
``Label : value``.  The rules:

- Lines end in LF, CRLF or CR; a byte-order mark is ignored; the file must be UTF-8.
- The space before the colon may be missing, plain, no-break or narrow no-break, and so may
  the one after it; apostrophes in labels may be typographic.
- A line starts a field when the text before its first colon is a known label (``LABELS``),
  or when it looks like a label and the line starts a paragraph: it begins with a capital,
  holds only letters, spaces, apostrophes, hyphens and brackets, at most eight words.
  So prose such as "avec un chaoitre sur le partenariat public-commun : …" or
  "Voir http://…" stays part of the value before it.
- A value runs until the next field, over several lines and paragraphs; it may be empty.
- Site noise is dropped; the wiki's own wording and typos are kept as they are.
- The page's source is its wiki address, ``{WIKI_BASE}{title with spaces as _}``,
  percent-encoded as MediaWiki does it.  Its key is the slug of its title, or, for a title
  with no Latin letter or digit (``Москва``), ``page-`` and a digest of the title.
- Limits (``graph_builder.limits``): the page's bytes, a line's and a field's characters,
  the number of fields and of names in a list field; a breach is an error of the page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from achat_core.text import ascii_fold
from graph_builder.errors import WARNING, InvalidData, Problem
from graph_builder.limits import (
    MAX_FIELD_CHARS,
    MAX_LINE_CHARS,
    MAX_LIST_NAMES,
    MAX_PAGE_BYTES,
    MAX_PAGE_FIELDS,
    MAX_TITLE_CHARS,
)
from graph_builder.slugs import slugify

WIKI_BASE = "http://wiki.lafabriquedesmobilites.fr/wiki/"

#: How each known label is read: the record field it fills and the form of its value.
#: Forms: ``text`` (French text), ``list`` (comma-separated names, reconciled), ``iri``
#: (a web address), ``image`` (a wiki file name or address), ``kept`` (known, but what it
#: names is not modelled: kept as ``apg:unmappedField`` without a warning).
LABELS: dict[str, tuple[str, str]] = {
    "description en une ligne": ("one_line", "text"),
    "description": ("description", "text"),
    "site web de la reference": ("url", "iri"),
    "tags": ("tags", "list"),
    "theme": ("themes", "list"),
    "themes": ("themes", "list"),
    "categories": ("tags", "list"),
    "organisations impliquees dans la ressource": ("involves", "list"),
    "organisations utilisatrices ou interessees pour utiliser la ressource": ("used_by", "list"),
    "defi auquel repond cette connaissance": ("challenges", "list"),
    "communaute d'interet": ("communities", "list"),
    "autre commun proche": ("related", "list"),
    "prochaine etape": ("next_step", "text"),
    "autres informations": ("other_information", "text"),
    "image": ("image", "image"),
    "type de licence": ("license", "iri"),
    "contributeur(s)": ("unmapped", "kept"),
    "contributeurs": ("unmapped", "kept"),
    "referent": ("unmapped", "kept"),
    "personnes cles a solliciter": ("unmapped", "kept"),
}

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_LABEL_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '\u2019()-])*$")
_NOISE = (
    re.compile(r"^de (communaute de la )?fabrique des mobilites$"),
    re.compile(r"^(aller a|jump to) ?:? ?navigation,? (rechercher|search)$"),
    re.compile(r"^aller a la navigation aller a la recherche$"),
)
_PLACEHOLDER_IMAGES = {"no-image-yet.jpg", "no-image-yet.png"}


@dataclass(frozen=True)
class WikiField:
    """One ``Label : value`` of a page, with the line its label is on."""

    label: str
    value: str
    line: int

    @property
    def known(self) -> tuple[str, str] | None:
        """Return (record field, form) for a known label, or None."""
        return LABELS.get(label_key(self.label))


@dataclass
class WikiPage:
    """A wiki page read from a text file: title, wiki address, fields in page order."""

    title: str
    source: str
    file: str
    fields: list[WikiField] = field(default_factory=list)
    title_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return title_key(self.title)


def title_key(title: str) -> str:
    """Return the key of a page title: its slug, else a digest when it has letters or digits."""
    slug = slugify(title)
    if slug or not any(c.isalnum() for c in title):
        return slug
    return "page-" + hashlib.blake2b(title.encode("utf-8", "surrogatepass"),
                                     digest_size=6).hexdigest()


def label_key(label: str) -> str:
    """Return the form a label is looked up in: lower case, no accents, plain spaces."""
    return _SPACES.sub(" ", ascii_fold(label)).strip().casefold()


def page_iri(title: str) -> str:
    """Return the wiki address of a page title, encoded as MediaWiki encodes it."""
    name = _SPACES.sub("_", title.strip())
    return WIKI_BASE + quote(name, safe=";@$!*(),/~:")


def is_placeholder_image(value: str) -> bool:
    """Tell whether an image value is the wiki's "no image yet" placeholder."""
    name = value.strip().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.casefold() in _PLACEHOLDER_IMAGES


def _is_noise(line: str) -> bool:
    key = label_key(line).replace(" ,", ",")
    return any(pattern.match(key) for pattern in _NOISE)


def _field_start(line: str, paragraph_start: bool) -> tuple[str, str] | None:
    """Return (label, value) when a line starts a field, following the module's rules."""
    label, colon, value = line.partition(":")
    label = _SPACES.sub(" ", label).strip()
    if not colon or not label:
        return None
    if value.startswith("//"):  # "http://…": the colon belongs to an address
        return None
    if label_key(label) in LABELS:
        return label, value
    looks_like_label = (
        paragraph_start
        and label[:1].isupper()
        and _LABEL_CHARS.match(label) is not None
        and len(label.split()) <= 8
    )
    return (label, value) if looks_like_label else None


def _clean_value(lines: list[str]) -> str:
    """Join a value's lines: trailing spaces cut, paragraphs kept, blank runs collapsed."""
    text = "\n".join(line.rstrip() for line in lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _decode(path: Path) -> str:
    name = path.name
    with open(path, "rb") as stream:
        data = stream.read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        raise InvalidData([Problem(
            f"the page is longer than {MAX_PAGE_BYTES} bytes (the limit of a page)",
            f"la page dépasse {MAX_PAGE_BYTES} octets (la limite d'une page)", file=name)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidData([Problem(
            f"not UTF-8 text (byte {error.start}: {error.reason}); save the page as UTF-8",
            f"texte non UTF-8 (octet {error.start}) ; enregistrer la page en UTF-8",
            file=name, line=line,
        )]) from None
    if not text.strip():
        raise InvalidData([Problem(
            "empty file: expected a wiki page (title, then 'Label : value' fields)",
            "fichier vide : une page du wiki était attendue "
            "(titre, puis champs « Libellé : valeur »)",
            file=name,
        )])
    return text


def parse_page(text: str, file: str) -> WikiPage:
    """Return the page written in ``text``; ``file`` names it in problems."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title, title_line = None, None
    fields: list[WikiField] = []
    problems: list[Problem] = []
    errors: list[Problem] = []
    current: tuple[str, int, list[str]] | None = None  # label, line, value lines
    stray: list[int] = []
    previous_blank = True

    def close() -> None:
        if current is not None:
            fields.append(WikiField(current[0], _clean_value(current[2]), current[1]))

    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            errors.append(Problem(
                f"the line is longer than {MAX_LINE_CHARS} characters (the limit of a line)",
                f"la ligne dépasse {MAX_LINE_CHARS} caractères (la limite d'une ligne)",
                file=file, line=number))
            continue
        blank = not line.strip()
        if not blank and _is_noise(line):
            if title is None:
                break  # site noise before any title: the title is missing
            previous_blank = True
            continue
        start = None if blank else _field_start(line, previous_blank)
        if title is None and not blank:
            if start is not None and label_key(start[0]) in LABELS:
                break  # the page begins with a field: it has no title
            title, title_line = line.strip(), number
        elif start is not None:
            close()
            current = (start[0], number, [start[1]])
        elif current is not None:
            current[2].append(line)
        elif not blank:
            stray.append(number)
        previous_blank = blank
    close()

    if title is None:
        raise InvalidData([Problem(
            "the page has no title on its first line: cannot mint a stable IRI for it",
            "la page n'a pas de titre en première ligne : impossible de lui donner un IRI stable",
            file=file, line=1, field="title",
        )])
    if len(title) > MAX_TITLE_CHARS:
        errors.append(Problem(
            f"the title is longer than {MAX_TITLE_CHARS} characters (the limit of a title)",
            f"le titre dépasse {MAX_TITLE_CHARS} caractères (la limite d'un titre)",
            file=file, line=title_line, field="title"))
    elif not title_key(title):
        errors.append(Problem(
            f"title {title!r} has no letter or digit to make a key from",
            f"le titre {title!r} n'a ni lettre ni chiffre pour en faire une clé",
            file=file, line=title_line, field="title"))
    errors += _field_limits(fields, file)
    if errors:
        raise InvalidData(errors)
    problems.extend(Problem(
        "text before the first field is not a field and was ignored",
        "texte avant le premier champ : ce n'est pas un champ, il a été ignoré",
        file=file, line=number, record=f"resource/{title_key(title)}", severity=WARNING,
    ) for number in stray)
    return WikiPage(title=title, source=page_iri(title), file=file, fields=fields,
                    title_line=title_line, problems=problems)


def _field_limits(fields: list[WikiField], file: str) -> list[Problem]:
    """Report the fields over a limit: their number, a value's length, a list's names."""
    problems = []
    if len(fields) > MAX_PAGE_FIELDS:
        problems.append(Problem(
            f"the page has {len(fields)} fields, more than {MAX_PAGE_FIELDS} (the limit of a "
            "page)", f"la page a {len(fields)} champs, plus que {MAX_PAGE_FIELDS} (la limite "
            "d'une page)", file=file, line=fields[MAX_PAGE_FIELDS].line))
    for item in fields:
        names = item.value.count(",") + 1 if item.known and item.known[1] == "list" else 0
        if len(item.value) > MAX_FIELD_CHARS:
            problems.append(Problem(
                f"the value is longer than {MAX_FIELD_CHARS} characters (the limit of a field)",
                f"la valeur dépasse {MAX_FIELD_CHARS} caractères (la limite d'un champ)",
                file=file, line=item.line, field=item.label[:100]))
        elif names > MAX_LIST_NAMES:
            problems.append(Problem(
                f"the list holds {names} names, more than {MAX_LIST_NAMES} (the limit of a list)",
                f"la liste compte {names} noms, plus que {MAX_LIST_NAMES} (la limite d'une "
                "liste)", file=file, line=item.line, field=item.label[:100]))
    return problems


def read_wiki_page(path: Path) -> WikiPage:
    """Read one wiki page from a UTF-8 text file."""
    return parse_page(_decode(Path(path)), Path(path).name)


def read_wiki_dir(path: Path) -> list[WikiPage]:
    """Read every ``*.txt`` page of a folder, in name order; report all bad pages at once."""
    pages: list[WikiPage] = []
    problems: list[Problem] = []
    for file in sorted(Path(path).glob("*.txt")):
        try:
            pages.append(read_wiki_page(file))
        except InvalidData as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidData(problems)
    return pages
