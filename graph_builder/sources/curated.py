"""The reader of the curated knowledge base: one YAML file per kind of record in ``data/``.

Every problem names the file, the line, the record and the field, in English and
French; all problems of a folder are collected before :class:`InvalidData` is raised.
Records are checked against the record model (``graph_builder.sources.model``); checks that
the SHACL shapes make with a better message (web addresses, codes in concept schemes,
rules across fields) are left to the gate.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from graph_builder.errors import InvalidData, Problem
from graph_builder.limits import (
    MAX_FIELD_CHARS,
    MAX_NUMBER_CHARS,
    MAX_YAML_ALIASES,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    plain_length,
)
from graph_builder.sources.model import ENTRIES, KINDS, LIST_TYPES, Field
from graph_builder.sources.records import Record

#: File name → kind of record (the IRI path segment).
FILE_KINDS: dict[str, str] = {
    "instruments.yaml": "instrument",
    "organisations.yaml": "organisation",
    "resources.yaml": "resource",
    "legal-texts.yaml": "legal-text",
    "legal-provisions.yaml": "legal-provision",
    "challenges.yaml": "challenge",
    "communities.yaml": "community",
    "projects.yaml": "project",
    "figures.yaml": "figure",
    "themes.yaml": "theme",
    "tags.yaml": "tag",
}
KIND_FILES = {kind: name for name, kind in FILE_KINDS.items()}

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EU_CONCEPT = re.compile(r"^[a-z][a-z0-9-]*/[A-Za-z0-9][A-Za-z0-9-]*$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
YEAR_MONTH = re.compile(r"^[12][0-9]{3}(?:-(0[1-9]|1[0-2]))?$")
LANGUAGES = ("fr", "en")
#: Languages a text map may hold: the data's two, and the own language of a title
#: (a resource's title stays in its language, e.g. Catalan).
TEXT_LANGUAGES = (*LANGUAGES, "ca", "it", "nl")
_YAML_TAG = "tag:yaml.org,2002:"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
#: libyaml's composer when PyYAML was built with it (about 4 times faster), else PyYAML's own.
_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


_EXPECTED = {
    "text": ("a text map such as {fr: …, en: …}", "un texte de la forme {fr: …, en: …}"),
    "texts": ("a list of text maps {fr: …, en: …}", "une liste de textes {fr: …, en: …}"),
    "string": ("a character string", "une chaîne de caractères"),
    "strings": ("a list of character strings", "une liste de chaînes de caractères"),
    "url": ("a web address (a string)", "une adresse web (chaîne)"),
    "urls": ("a list of web addresses", "une liste d'adresses web"),
    "code": ("a lower-case ASCII slug (letters, digits, hyphens)",
             "un identifiant en minuscules ASCII (lettres, chiffres, tirets)"),
    "codes": ("a list of lower-case ASCII slugs", "une liste d'identifiants en minuscules ASCII"),
    "ref": ("the key of a record (a lower-case ASCII slug)",
            "la clé d'un enregistrement (minuscules ASCII)"),
    "refs": ("a list of record keys", "une liste de clés d'enregistrements"),
    "eu-concepts": ("a list of EU authority concepts written table/code, e.g. "
                    "procurement-procedure-type/open",
                    "une liste de concepts des tables d'autorité de l'UE de la forme table/code, "
                    "p. ex. procurement-procedure-type/open"),
    "eu-concept": ("an EU authority concept written table/code, e.g. "
                   "procurement-procedure-type/open",
                   "un concept des tables d'autorité de l'UE de la forme table/code, "
                   "p. ex. procurement-procedure-type/open"),
    "date": ("a date YYYY-MM-DD", "une date AAAA-MM-JJ"),
    "partial-date": ("a date YYYY-MM-DD, a year YYYY or a month \"YYYY-MM\"",
                     "une date AAAA-MM-JJ, une année AAAA ou un mois \"AAAA-MM\""),
    "decimal": ("a number", "un nombre"),
    "bool": ("true or false", "true ou false"),
    "currency": ("an ISO 4217 currency code such as EUR", "un code de devise ISO 4217, p. ex. EUR"),
    "siren": ("a SIREN number: 9 digits, quoted", "un numéro SIREN : 9 chiffres, entre guillemets"),
    "siret": ("a SIRET number: 14 digits, quoted",
              "un numéro SIRET : 14 chiffres, entre guillemets"),
    "wikidata": ("a Wikidata id such as Q1296", "un identifiant Wikidata comme Q1296"),
    "thresholds": ("a list of thresholds {amount, currency, excluding_vat, scope}",
                   "une liste de seuils {amount, currency, excluding_vat, scope}"),
    "unmapped": ("a list of {label, value}", "une liste de {label, value}"),
    "wiki-texts": ("a list of {label, value, source, read_on}",
                   "une liste de {label, value, source, read_on}"),
    "obligations": ("a list of obligations {label, in_force_from, in_force_until}",
                    "une liste d'obligations {label, in_force_from, in_force_until}"),
    "conditions": ("a list of conditions {key, label, criterion, when_met, when_not_met, "
                   "reason_not_met, provision}",
                   "une liste de conditions {key, label, criterion, when_met, when_not_met, "
                   "reason_not_met, provision}"),
    "cpv-codes": ("a list of 8-digit CPV codes without check digit, quoted",
                  "une liste de codes CPV à 8 chiffres sans chiffre de contrôle, entre "
                  "guillemets"),
    "cpv-code": ("an 8-digit CPV code without check digit, quoted",
                 "un code CPV à 8 chiffres sans chiffre de contrôle, entre guillemets"),
}


class _Collector:
    """Problems found in one folder, each tied to a file."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, en: str, fr: str,
            record: str | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(en, fr, file=file, line=line, record=record, field=field))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def read_data_dir(path: Path) -> list[Record]:
    """Read every curated YAML file of a folder into records, or raise InvalidData.

    A folder that is missing or holds no ``*.yaml`` file raises FileNotFoundError.
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"curated data folder not found: {path}")
    files = sorted(path.glob("*.yaml"))
    misnamed = sorted(path.glob("*.yml"))
    if not files:
        hint = f"; rename to .yaml: {', '.join(f.name for f in misnamed)}" if misnamed else ""
        raise FileNotFoundError(f"no curated data found in {path}: expected files named "
                                f"{', '.join(sorted(FILE_KINDS))}{hint}")
    problems = _Collector()
    for file in misnamed:
        problems.add(str(file), None, "ignored: curated files end in .yaml; rename to .yaml",
                     "ignoré : les fichiers de données se terminent par .yaml ; renommez-le en "
                     ".yaml")
    records: list[Record] = []
    unreadable: set[str] = set()
    for file in files:
        kind = FILE_KINDS.get(file.name)
        if kind is None:
            problems.add(str(file), None,
                         f"unknown file name; expected one of {', '.join(sorted(FILE_KINDS))}",
                         f"nom de fichier inconnu ; attendu l'un de "
                         f"{', '.join(sorted(FILE_KINDS))}")
            continue
        before = len(problems.problems)
        read = _read_file(file, kind, problems)
        if not read and len(problems.problems) > before:
            unreadable.add(kind)  # references into it cannot be checked
        records.extend(read)
    _check_references(records, problems, unreadable)
    _check_identifiers(records, problems)
    _check_threshold_keys(records, problems)
    if problems.problems:
        raise InvalidData(problems.problems)
    return records


def _read_file(file: Path, kind: str, problems: _Collector) -> list[Record]:
    name = str(file)
    with open(file, "rb") as stream:
        data = stream.read(MAX_YAML_BYTES + 1)
    if len(data) > MAX_YAML_BYTES:
        problems.add(name, None, f"the file is longer than {MAX_YAML_BYTES} bytes (the limit "
                     "of a curated file)", f"le fichier dépasse {MAX_YAML_BYTES} octets (la "
                     "limite d'un fichier de données)")
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(name, line,
                     f"the file is not UTF-8: invalid byte 0x{data[error.start]:02x} at byte "
                     f"offset {error.start}; save it as UTF-8",
                     f"le fichier n'est pas en UTF-8 : octet invalide 0x{data[error.start]:02x} "
                     f"à la position {error.start} ; enregistrez-le en UTF-8")
        return []
    loader = _LOADER(text)
    try:
        if not _within_limits(text, name, problems):
            return []
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        colonne = f", colonne {mark.column + 1}" if mark else ""
        problems.add(name, line, f"malformed YAML{column}: {error.problem or error}",
                     f"YAML mal formé{colonne} : {error.problem or error}")
        return []
    except yaml.YAMLError as error:
        problems.add(name, None, f"malformed YAML: {error}", f"YAML mal formé : {error}")
        return []
    finally:
        loader.dispose()
    if root is None:
        problems.add(name, 1, "the file is empty; expected a list of records",
                     "le fichier est vide ; attendu une liste d'enregistrements")
        return []
    if not isinstance(root, yaml.SequenceNode):
        problems.add(name, _line(root),
                     "the top level is not a list; expected a list of records (lines starting "
                     "with '- key: …')",
                     "le niveau supérieur n'est pas une liste ; attendu une liste "
                     "d'enregistrements (lignes commençant par « - key: … »)")
        return []
    records = []
    seen: dict[str, int] = {}
    for item in root.value:
        record = _read_record(item, kind, name, problems)
        if record is None:
            continue
        if record.key in seen:
            problems.add(name, record.line,
                         f"duplicate key {record.key!r}: already used on line {seen[record.key]}",
                         f"clé {record.key!r} en double : déjà utilisée ligne {seen[record.key]}",
                         record=record.key, field="key")
            continue
        seen[record.key] = record.line
        records.append(record)
    return records


def _within_limits(text: str, name: str, problems: _Collector) -> bool:
    """Check the nesting depth and the number of aliases event by event, before composing."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                problems.add(name, event.start_mark.line + 1,
                             f"nested more than {MAX_YAML_DEPTH} levels deep (the limit of "
                             "curated data)", f"imbrication de plus de {MAX_YAML_DEPTH} "
                             "niveaux (la limite des données)")
                return False
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                problems.add(name, event.start_mark.line + 1,
                             f"more than {MAX_YAML_ALIASES} aliases (*name; the limit of "
                             "curated data)", f"plus de {MAX_YAML_ALIASES} alias (*nom ; la "
                             "limite des données)")
                return False
    return True


def _read_record(node: yaml.Node, kind: str, name: str, problems: _Collector) -> Record | None:
    if not isinstance(node, yaml.MappingNode):
        problems.add(name, _line(node), "a record must be a mapping of fields (key: value)",
                     "un enregistrement doit être un ensemble de champs (clé: valeur)")
        return None
    key_node = next((v for k, v in node.value if k.value == "key"), None)
    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
    label = key if isinstance(key, str) and key else f"(line {_line(node)})"
    if key is None or key == "":
        problems.add(name, _line(node), "record without a 'key'; expected a lower-case ASCII slug",
                     "enregistrement sans « key » ; attendu un identifiant en minuscules ASCII",
                     record=label, field="key")
        return None
    schema = KINDS[kind]
    fields, lines = _read_mapping(node, schema, name, label, problems, kind)
    if "key" not in fields:
        return None
    record = Record(kind=kind, key=fields.pop("key"), fields=fields, file=name,
                    line=_line(node), field_lines=lines)
    _check_record(record, problems)
    return record


def _read_mapping(node: yaml.MappingNode, schema: dict[str, Field], name: str, record: str,
                  problems: _Collector, kind: str, prefix: str = ""):
    """Read the fields of a mapping node against a schema; return values and their lines."""
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        field = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        path = f"{prefix}{field}"
        if not isinstance(field, str) or field not in schema:
            allowed = ", ".join(sorted(schema))
            what = f"{kind} record" if not prefix else "entry"
            problems.add(name, _line(key_node),
                         f"unknown field {field!r} in a {what}; allowed fields: {allowed}",
                         f"champ {field!r} inconnu ; champs permis : {allowed}",
                         record=record, field=path)
            continue
        if field in lines:
            problems.add(name, _line(key_node),
                         f"field {field!r} appears twice (first on line {lines[field]}); "
                         "keep one",
                         f"le champ {field!r} apparaît deux fois (d'abord ligne {lines[field]}) ; "
                         "n'en garder qu'un", record=record, field=path)
            continue
        lines[field] = _line(key_node)
        value = _read_value(value_node, schema[field], name, record, path, problems, kind)
        if value is not None:
            values[field] = value
    for field, spec in schema.items():
        if spec.required and field not in lines:
            en, fr = _EXPECTED[spec.type]
            problems.add(name, _line(node), f"required field {field!r} is missing; expected {en}",
                         f"le champ obligatoire {field!r} manque ; attendu {fr}",
                         record=record, field=f"{prefix}{field}")
    return values, lines


def _read_value(node: yaml.Node, spec: Field, name: str, record: str, path: str,
                problems: _Collector, kind: str) -> Any:
    """Return the value of one field, or None after reporting why it is wrong."""

    def wrong(detail_en: str = "", detail_fr: str = "", at: yaml.Node = node) -> None:
        en, fr = _EXPECTED[spec.type]
        problems.add(name, _line(at), f"expected {en}{detail_en}", f"attendu {fr}{detail_fr}",
                     record=record, field=path)

    kind_of = spec.type
    if kind_of in LIST_TYPES:
        if not isinstance(node, yaml.SequenceNode):
            wrong(f", found {_describe(node)}", f", trouvé {_describe(node, fr=True)}")
            return None
        item_spec = Field(LIST_TYPES[kind_of], refs=spec.refs)
        items = []
        for index, item in enumerate(node.value, start=1):
            value = _read_value(item, item_spec, name, record,
                                f"{path}[{index}]", problems, kind)
            if value is not None:
                items.append(value)
        return items if len(items) == len(node.value) else None
    if kind_of in ENTRIES:
        schema = ENTRIES[kind_of]
        if not isinstance(node, yaml.MappingNode):
            problems.add(name, _line(node), f"expected a mapping with {', '.join(schema)}",
                         f"attendu un ensemble de champs {', '.join(schema)}",
                         record=record, field=path)
            return None
        values, _ = _read_mapping(node, schema, name, record, problems, kind, prefix=f"{path}.")
        return values if set(values) >= {f for f, s in schema.items() if s.required} else None
    if kind_of == "text":
        if not isinstance(node, yaml.MappingNode):
            wrong(f", found {_describe(node)}", f", trouvé {_describe(node, fr=True)}")
            return None
        text: dict[str, str] = {}
        for key_node, value_node in node.value:
            lang = key_node.value
            if lang not in TEXT_LANGUAGES:
                wrong(f"; {lang!r} is not a language of the data "
                      f"({', '.join(TEXT_LANGUAGES)})",
                      f" ; {lang!r} n'est pas une langue des données "
                      f"({', '.join(TEXT_LANGUAGES)})", at=key_node)
                return None
            if lang in text:
                wrong(f"; language {lang!r} given twice", f" ; langue {lang!r} en double",
                      at=key_node)
                return None
            value = _scalar(value_node)
            if not isinstance(value, str) or not value.strip():
                wrong(f"; the {lang!r} text is empty or not a string",
                      f" ; le texte {lang!r} est vide ou n'est pas une chaîne", at=value_node)
                return None
            if len(value) > MAX_FIELD_CHARS:
                wrong(f"; the {lang!r} text is longer than {MAX_FIELD_CHARS} characters",
                      f" ; le texte {lang!r} dépasse {MAX_FIELD_CHARS} caractères",
                      at=value_node)
                return None
            text[lang] = value.strip()
        if not text:
            wrong("; the map is empty", " ; le texte est vide")
            return None
        return text
    if not isinstance(node, yaml.ScalarNode):
        wrong(f", found {_describe(node)}", f", trouvé {_describe(node, fr=True)}")
        return None
    try:
        value = _scalar(node)
    except (ValueError, yaml.constructor.ConstructorError):
        if kind_of in {"date", "partial-date"}:
            problems.add(name, _line(node), f"invalid date {_short(node.value)}; expected an "
                         "existing calendar date YYYY-MM-DD",
                         f"date invalide {_short(node.value)} ; attendu une date du calendrier "
                         "AAAA-MM-JJ", record=record, field=path)
        else:
            wrong(f", found {_short(node.value)}", f", trouvé {_short(node.value)}")
        return None
    return _check_scalar(value, node, kind_of, wrong)


def _check_scalar(value: Any, node: yaml.ScalarNode, kind_of: str, wrong) -> Any:
    """Return a scalar value if it fits its field type, or None after reporting it."""
    found_en, found_fr = f", found {_short(node.value)}", f", trouvé {_short(node.value)}"
    if kind_of in {"date", "partial-date"}:
        if isinstance(value, dt.datetime):
            wrong(" without a time", " sans heure")
            return None
        if isinstance(value, dt.date):
            return value
        if kind_of == "partial-date":
            if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 2999:
                return str(value)
            if isinstance(value, str) and YEAR_MONTH.match(value):
                return value
        wrong(found_en, found_fr)
        return None
    if kind_of == "decimal":
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            wrong(found_en, found_fr)
            return None
        value = Decimal(value)
        if not value.is_finite() or plain_length(value) > MAX_NUMBER_CHARS:
            wrong(f", found {_short(node.value)} (at most {MAX_NUMBER_CHARS} digits)",
                  f", trouvé {_short(node.value)} (au plus {MAX_NUMBER_CHARS} chiffres)")
            return None
        return value
    if kind_of == "bool":
        if not isinstance(value, bool):
            wrong(found_en, found_fr)
            return None
        return value
    if not isinstance(value, str) or not value.strip():
        wrong(found_en, found_fr)
        return None
    if len(value) > MAX_FIELD_CHARS:
        wrong(f", found {len(value)} characters (at most {MAX_FIELD_CHARS})",
              f", trouvé {len(value)} caractères (au plus {MAX_FIELD_CHARS})")
        return None
    value = value.strip()
    check = _SCALAR_CHECKS.get(kind_of)
    if check is not None and not check(value):
        wrong(found_en, found_fr)
        return None
    return value


_SCALAR_CHECKS = {
    "code": SLUG.match, "ref": SLUG.match, "eu-concept": EU_CONCEPT.match,
    "currency": CURRENCY.match, "siren": re.compile(r"^[0-9]{9}$").match,
    "siret": re.compile(r"^[0-9]{14}$").match,
    "wikidata": re.compile(r"^Q[1-9][0-9]*$").match,
    "cpv-code": re.compile(r"^[0-9]{8}$").match,
}


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar the way YAML's safe loader does, but numbers as Decimal."""
    if not isinstance(node, yaml.ScalarNode):
        return node
    if node.tag == _YAML_TAG + "float":
        try:
            return Decimal(node.value.replace("_", ""))
        except InvalidOperation as error:
            raise ValueError(node.value) from error
    construct = _CONSTRUCTOR.yaml_constructors.get(
        node.tag, yaml.constructor.SafeConstructor.construct_undefined)
    return construct(_CONSTRUCTOR, node)


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


def _describe(node: yaml.Node, fr: bool = False) -> str:
    if isinstance(node, yaml.MappingNode):
        return "un ensemble de champs" if fr else "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "une liste" if fr else "a list"
    return _short(node.value)


def _check_record(record: Record, problems: _Collector) -> None:
    """Check what only curated records must meet: labels in French and English.

    Rules that tie fields together (a legal basis or a note, a figure's dates) are the
    shapes' alone: they hold for imported pages too.
    """
    name, line, key = record.file or "", record.line, record.key
    if not SLUG.match(key):
        return
    label = record.fields.get("label")
    if record.kind != "resource" and isinstance(label, dict):
        for lang in LANGUAGES:
            if lang not in label:
                problems.add(name, record.field_lines.get("label", line),
                             f"the label has no {lang!r} text; curated records need French "
                             "and English labels",
                             f"le libellé n'a pas de texte {lang!r} ; les enregistrements "
                             "saisis à la main ont un libellé en français et en anglais",
                             record=key, field="label")


def _check_references(records: list[Record], problems: _Collector,
                      unreadable: set[str]) -> None:
    keys: dict[str, set[str]] = {}
    for record in records:
        keys.setdefault(record.kind, set()).add(record.key)
    for record in records:
        schema = KINDS[record.kind]
        for field, value in record.fields.items():
            spec = schema.get(field)
            if spec is None or not spec.refs or unreadable & set(spec.refs):
                continue
            for index, target in enumerate(value if isinstance(value, list) else [value], 1):
                if any(target in keys.get(kind, ()) for kind in spec.refs):
                    continue
                candidates = sorted(set().union(*(keys.get(kind, set()) for kind in spec.refs)))
                close = difflib.get_close_matches(target, candidates, n=3, cutoff=0.6)
                kinds = " or ".join(spec.refs)
                files = ", ".join(KIND_FILES[kind] for kind in spec.refs)
                hint_en = f"; close keys: {', '.join(close)}" if close else ""
                hint_fr = f" ; clés proches : {', '.join(close)}" if close else ""
                path = f"{field}[{index}]" if isinstance(value, list) else field
                problems.add(record.file or "", record.field_lines.get(field, record.line),
                             f"refers to {target!r}, which is not the key of any {kinds} "
                             f"record (in {files}){hint_en}",
                             f"renvoie à {target!r}, qui n'est la clé d'aucun enregistrement "
                             f"{kinds} (dans {files}){hint_fr}", record=record.key, field=path)


def _check_identifiers(records: list[Record], problems: _Collector) -> None:
    """Reject a SIREN or SIRET given to two organisations: both would share one identifier."""
    for field in ("siren", "siret"):
        owners: dict[str, Record] = {}
        for record in records:
            number = record.fields.get(field) if record.kind == "organisation" else None
            if number is None:
                continue
            first = owners.setdefault(number, record)
            if first is record:
                continue
            where = f"{first.file}:{first.field_lines.get(field, first.line)}"
            problems.add(record.file or "", record.field_lines.get(field, record.line),
                         f"{field} {number} is already the {field} of organisation "
                         f"{first.key!r} ({where}); an organisation number belongs to one record",
                         f"{field} {number} est déjà le {field} de l'organisation "
                         f"{first.key!r} ({where}) ; un numéro d'organisation appartient à un "
                         f"seul enregistrement", record=record.key, field=field)


def _check_threshold_keys(records: list[Record], problems: _Collector) -> None:
    """Reject a threshold (or condition) key used twice: both would become one node."""
    for field, en, fr in (("thresholds", "threshold", "seuil"),
                          ("conditions", "condition", "condition")):
        seen: dict[str, str] = {}
        for record in records:
            for item in record.fields.get(field) or ():
                key = item.get("key") if isinstance(item, dict) else None
                if key is None:
                    continue
                if key in seen:
                    problems.add(record.file or "", record.field_lines.get(field, record.line),
                                 f"{en} key {key!r} is already used by {seen[key]!r}; a "
                                 f"{en} key is unique across the data",
                                 f"la clé de {fr} {key!r} est déjà utilisée par {seen[key]!r} ; "
                                 f"une clé de {fr} est unique dans les données",
                                 record=record.key, field=field)
                else:
                    seen[key] = record.key
