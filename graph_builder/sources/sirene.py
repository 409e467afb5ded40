"""Streaming reader of INSEE's Sirene stock files, keeping only the numbers asked for.

INSEE publishes the register as ``StockUniteLegale`` (one row per legal unit, key
``siren``) and ``StockEtablissement`` (one row per establishment, key ``siret``), as UTF-8
CSV (plain, or inside a .zip) and as Parquet.  Columns are found by their header names:
the layout has gained columns over the years (``societeMissionUniteLegale``,
``activitePrincipaleNAF25UniteLegale``), and only the columns below are read.

The files are several GB: rows are never all parsed.  For CSV, bytes are read in chunks and
a row is parsed only when its key (the first column in INSEE's layout) is one of the
numbers asked for; for Parquet, the key column is filtered batch by batch.  Memory stays
bounded by the chunk size, the numbers asked for and the rows kept.

A malformed kept row (wrong number of fields, invalid UTF-8, longer than
``MAX_CSV_ROW_BYTES``) comes as a ``BadRow`` naming file, line and what was expected, and
is skipped; a bad code in one column is reported and that value left out.  A file whose
header is not a Sirene stock header raises ``NotSireneFile``.

Privacy: a unit or establishment whose ``statutDiffusion…`` is not ``O`` (``P``,
partially diffusible) is never named.  Its name columns are not even kept: a
``LegalUnit`` of such a unit has ``name`` None whatever the file holds (``[ND]`` or,
in files that still carry them, a real name), and an ``Establishment`` has no commune.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from pathlib import Path

from graph_builder.errors import Problem
from graph_builder.limits import MAX_CSV_HEADER_BYTES, MAX_CSV_ROW_BYTES

# -- INSEE's column names (the "Description des fichiers du répertoire Sirene") ---------------
SIREN = "siren"
SIRET = "siret"
UNIT_STATUS = "statutDiffusionUniteLegale"
ESTABLISHMENT_STATUS = "statutDiffusionEtablissement"
#: Columns of StockUniteLegale that can carry a name: never read for a non-public unit.
UNIT_NAME_COLUMNS = (
    "denominationUniteLegale", "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale", "denominationUsuelle3UniteLegale", "sigleUniteLegale",
    "nomUniteLegale", "nomUsageUniteLegale", "prenom1UniteLegale", "prenom2UniteLegale",
    "prenom3UniteLegale", "prenom4UniteLegale", "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
)
#: The other columns of StockUniteLegale this reader uses.
UNIT_COLUMNS = (
    SIREN, UNIT_STATUS, "categorieJuridiqueUniteLegale", "trancheEffectifsUniteLegale",
    "categorieEntreprise", "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale", "etatAdministratifUniteLegale",
)
#: Columns of StockEtablissement that can carry a name or an address (not read when ``P``).
ESTABLISHMENT_NAME_COLUMNS = (
    "enseigne1Etablissement", "enseigne2Etablissement", "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
)
ESTABLISHMENT_COLUMNS = (
    SIRET, SIREN, ESTABLISHMENT_STATUS, "codeCommuneEtablissement",
    "etatAdministratifEtablissement",
)
#: What INSEE writes in a column it does not diffuse.
NOT_DIFFUSED = "[ND]"
PUBLIC = "O"
STATUSES = frozenset({"O", "P", "N"})
STAFF_BANDS = frozenset({"NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32",
                         "41", "42", "51", "52", "53"})
COMPANY_CATEGORIES = frozenset({"PME", "ETI", "GE"})

_CHUNK = 1024 * 1024
_DIGITS9 = re.compile(r"^[0-9]{9}$")
_DIGITS14 = re.compile(r"^[0-9]{14}$")
_CATEGORY = re.compile(r"^[0-9]{4}$")
_ACTIVITY = re.compile(r"^[0-9A-Z.]{2,10}$")
_NOMENCLATURE = re.compile(r"^[0-9A-Za-z]{2,12}$")
_COMMUNE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
_HEAD = itemgetter(slice(0, 9))


def _odd_quotes(data: bytes) -> bool:
    """Tell whether a line of ``data`` has an odd number of double quotes (spans lines)."""
    start = data.find(b'"')
    while start != -1:
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", start)
        if line_end == -1:
            line_end = len(data)
        if data.count(b'"', line_start, line_end) & 1:
            return True
        start = data.find(b'"', line_end)
    return False


class NotSireneFile(OSError):
    """A file that is not a Sirene stock file (no Sirene header, unreadable container)."""


@dataclass(frozen=True, slots=True)
class LegalUnit:
    """One kept row of StockUniteLegale; ``name`` is None unless the unit is public."""

    siren: str
    public: bool
    name: str | None = None
    category: str | None = None
    staff_band: str | None = None
    company_category: str | None = None
    activity: str | None = None
    activity_nomenclature: str | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class Establishment:
    """One kept row of StockEtablissement; ``commune`` is None unless it is public."""

    siret: str
    public: bool
    commune: str | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row (or one value of it) left out: file, line (row for Parquet), field, why."""

    file: str
    line: int
    field: str | None
    message: str

    def problem(self) -> Problem:
        """Return the row's problem as a Warning (the build goes on without it)."""
        return Problem(self.message, file=self.file, line=self.line, field=self.field,
                       severity="Warning")


# -- entry point ------------------------------------------------------------------------------
def read_sirene(path: Path, sirens: Collection[str] = (), sirets: Collection[str] = (),
                ) -> Iterator[LegalUnit | Establishment | BadRow]:
    """Yield the legal units of ``sirens`` or establishments of ``sirets`` in one stock file.

    The kind of file (units or establishments) comes from its header; CSV (plain or
    zipped) or Parquet from its first bytes.
    """
    path = Path(path)
    try:
        with open(path, "rb") as probe:
            magic = probe.read(4)
    except OSError as error:
        raise NotSireneFile(f"{path}: cannot be read ({error.strerror or error})") from None
    if magic == b"PAR1":
        yield from _read_parquet(path, sirens, sirets)
    elif magic[:2] == b"PK":
        yield from _read_zip(path, sirens, sirets)
    else:
        with open(path, "rb") as stream:
            yield from _read_csv(stream, str(path), sirens, sirets)


def _read_zip(path: Path, sirens, sirets) -> Iterator:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise NotSireneFile(f"{path}: not a readable .zip file ({error})") from None
    with archive:
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        if not members:
            raise NotSireneFile(f"{path}: the .zip holds no .csv file (expected one "
                                "StockUniteLegale or StockEtablissement CSV)")
        for member in members:
            with archive.open(member) as stream:
                yield from _read_csv(stream, f"{path}!{member}", sirens, sirets)


# -- what a kept row becomes ---------------------------------------------------------------------
# A kept row comes as the values of UNIT_READ (or ESTABLISHMENT_READ), in that order.
UNIT_READ = UNIT_COLUMNS + UNIT_NAME_COLUMNS
ESTABLISHMENT_READ = ESTABLISHMENT_COLUMNS
_U = {name: index for index, name in enumerate(UNIT_READ)}
_E = {name: index for index, name in enumerate(ESTABLISHMENT_READ)}


def _value(raw: str | None) -> str | None:
    if raw is None:
        return None
    raw = raw.strip()
    return raw if raw and raw != NOT_DIFFUSED else None


def _digits(value: str, count: int) -> bool:
    return len(value) == count and value.isascii() and value.isdigit()


def _code(values, column: str, index: dict, check, expected: str, file: str, line: int,
          problems: list[BadRow]) -> str | None:
    value = _value(values[index[column]])
    if value is None or check(value):
        return value
    problems.append(BadRow(file, line, column, f"expected {expected}, found {value[:40]!r}: "
                                               "value left out"))
    return None


def _unit_name(values) -> str | None:
    """Return a public unit's name: its denomination, else first name and last name."""
    name = _value(values[_U["denominationUniteLegale"]])
    if name:
        return name
    last = (_value(values[_U["nomUsageUniteLegale"]])
            or _value(values[_U["nomUniteLegale"]]))
    first = (_value(values[_U["prenomUsuelUniteLegale"]])
             or _value(values[_U["prenom1UniteLegale"]]))
    if last:
        return f"{first} {last}" if first else last
    return _value(values[_U["denominationUsuelle1UniteLegale"]])


def _status(value: str | None, column: str, file: str, line: int) -> str | BadRow:
    status = (value or "").strip()
    if status in STATUSES:
        return status
    return BadRow(file, line, column, f"expected a diffusion status O or P, found "
                                      f"{status[:20]!r}: row skipped")


def _unit(values, file: str, line: int) -> list[LegalUnit | BadRow]:
    siren = (values[0] or "").strip()
    if not _digits(siren, 9):
        return [BadRow(file, line, SIREN, f"expected a SIREN of 9 digits, found {siren[:20]!r}: "
                                          "row skipped")]
    status = _status(values[1], UNIT_STATUS, file, line)
    if isinstance(status, BadRow):
        return [status]
    public = status == PUBLIC
    problems: list[BadRow] = []
    state = _value(values[_U["etatAdministratifUniteLegale"]])
    unit = LegalUnit(
        siren=siren, public=public,
        name=_unit_name(values) if public else None,  # never read for a non-public unit
        category=_code(values, "categorieJuridiqueUniteLegale", _U, _CATEGORY.match,
                       "a legal category of 4 digits", file, line, problems),
        staff_band=_code(values, "trancheEffectifsUniteLegale", _U, STAFF_BANDS.__contains__,
                         "a staff band code (NN, 00, 01 … 53)", file, line, problems),
        company_category=_code(values, "categorieEntreprise", _U,
                               COMPANY_CATEGORIES.__contains__, "PME, ETI or GE", file, line,
                               problems),
        activity=_code(values, "activitePrincipaleUniteLegale", _U, _ACTIVITY.match,
                       "an activity code such as 62.01Z", file, line, problems),
        activity_nomenclature=_code(values, "nomenclatureActivitePrincipaleUniteLegale", _U,
                                    _NOMENCLATURE.match, "a nomenclature name such as NAFRev2",
                                    file, line, problems),
        active=None if state is None else state == "A",
    )
    if problems:
        return [*problems, unit]
    return [unit]


def _establishment(values, file: str, line: int) -> list[Establishment | BadRow]:
    siret = (values[0] or "").strip()
    if not _digits(siret, 14):
        return [BadRow(file, line, SIRET, f"expected a SIRET of 14 digits, found "
                                          f"{siret[:20]!r}: row skipped")]
    status = _status(values[_E[ESTABLISHMENT_STATUS]], ESTABLISHMENT_STATUS, file, line)
    if isinstance(status, BadRow):
        return [status]
    public = status == PUBLIC
    problems: list[BadRow] = []
    commune = (_code(values, "codeCommuneEtablissement", _E, _COMMUNE.match,
                     "a commune code of 5 characters", file, line, problems)
               if public else None)
    state = _value(values[_E["etatAdministratifEtablissement"]])
    return [*problems, Establishment(siret, public, commune,
                                     None if state is None else state == "A")]


# -- CSV ----------------------------------------------------------------------------------------
def _header(stream, file: str) -> tuple[list[str], bytes]:
    """Return the header's column names and the bytes read after it."""
    data = b""
    while b"\n" not in data:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_CSV_HEADER_BYTES and b"\n" not in data[:MAX_CSV_HEADER_BYTES]:
            raise NotSireneFile(f"{file}: line 1: no header line within "
                                f"{MAX_CSV_HEADER_BYTES} bytes (expected a Sirene header)")
    line, _, rest = data.partition(b"\n")
    try:
        text = line.removeprefix(b"\xef\xbb\xbf").decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise NotSireneFile(f"{file}: line 1: the header is not UTF-8 text") from None
    return [name.strip() for name in next(csv.reader([text]))], rest


def _kind(columns: list[str], file: str) -> str:
    if SIRET in columns and ESTABLISHMENT_STATUS in columns:
        return SIRET
    if SIREN in columns and UNIT_STATUS in columns:
        return SIREN
    raise NotSireneFile(
        f"{file}: line 1: not a Sirene stock file: expected a header with the columns "
        f"{SIREN} and {UNIT_STATUS} (StockUniteLegale) or {SIRET} and {ESTABLISHMENT_STATUS} "
        f"(StockEtablissement), found {', '.join(columns[:6])[:200]}")


def _read_csv(stream, file: str, sirens: Collection[str], sirets: Collection[str]) -> Iterator:
    columns, rest = _header(stream, file)
    kind = _kind(columns, file)
    if kind == SIREN:
        wanted = {s for s in sirens if _DIGITS9.match(s)}
        make, exact = _unit, wanted
    else:
        wanted = {s[:9] for s in sirets if _DIGITS14.match(s)}
        exact = {s for s in sirets if _DIGITS14.match(s)}
        make = _establishment
    if not wanted:
        return
    key = columns.index(kind)
    read = UNIT_READ if kind == SIREN else ESTABLISHMENT_READ
    # A column the file lacks reads as the empty value added after the last field.
    pick = itemgetter(*(columns.index(n) if n in columns else len(columns) for n in read))
    # Fast path: the first column is the SIREN (INSEE's layout for both files), so the
    # first nine bytes of a line tell whether to parse it.
    prefix = {s.encode("ascii") for s in wanted} if columns[0] == SIREN else None
    width = len(columns)

    def parse(raw: bytes, line: int) -> list:
        if len(raw) > MAX_CSV_ROW_BYTES:
            return [BadRow(file, line, None, f"row longer than {MAX_CSV_ROW_BYTES} bytes: "
                                             "skipped")]
        try:
            text = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as error:
            return [BadRow(file, line, None, f"invalid UTF-8 at byte {error.start}: "
                                             "row skipped")]
        if '"' not in text:  # no quoting: the commas are the separators
            fields = text.split(",")
        else:
            try:
                fields = next(csv.reader([text], strict=True))
            except (csv.Error, StopIteration) as error:
                return [BadRow(file, line, None, f"not a CSV row ({error}): row skipped")]
        if len(fields) != width:
            return [BadRow(file, line, None, f"expected {width} fields as in the header, "
                                             f"found {len(fields)}: row skipped")]
        if fields[key].strip() not in exact:
            return []
        fields.append("")
        return make(pick(fields), file, line)

    line = 1
    pending = rest
    multi: list[bytes] = []  # the lines of a quoted record that spans lines
    multi_start = 0
    multi_bytes = 0
    overlong = False
    while True:
        chunk = stream.read(_CHUNK)
        data = pending + chunk if pending else chunk
        lines = data.split(b"\n")
        pending = lines.pop() if chunk else b""
        if not chunk and not lines[-1]:
            lines.pop()  # the file's last newline
        if overlong and lines:  # the tail of a line already reported
            overlong = False
            line += 1
            lines = lines[1:]
        if prefix is not None and not multi and not _odd_quotes(data):
            # No record spans lines here: test each line's first nine bytes in C (map and
            # compress), so that only the kept lines reach Python.
            heads = map(prefix.__contains__, map(_HEAD, lines))
            for index in compress(range(len(lines)), heads):
                yield from parse(lines[index], line + index + 1)
            line += len(lines)
            lines = []
        for raw in lines:  # the careful way: records may span lines
            line += 1
            if multi:
                multi.append(raw)
                multi_bytes += len(raw) + 1
                if raw.count(b'"') & 1:
                    record = b"\n".join(multi)
                    multi = []
                    if prefix is None or record[:9] in prefix:
                        yield from parse(record, multi_start)
                elif multi_bytes > MAX_CSV_ROW_BYTES:
                    yield BadRow(file, multi_start, None, "quoted field never closed "
                                 f"within {MAX_CSV_ROW_BYTES} bytes: row skipped")
                    multi = []
                continue
            if raw.count(b'"') & 1:
                multi, multi_start, multi_bytes = [raw], line, len(raw)
                continue
            if prefix is None or raw[:9] in prefix:
                yield from parse(raw, line)
        if not chunk:
            break
        if overlong and not lines:  # still inside the long line already reported
            pending = b""
        elif len(pending) > MAX_CSV_ROW_BYTES:
            yield BadRow(file, line + 1, None,
                         f"row longer than {MAX_CSV_ROW_BYTES} bytes: skipped")
            pending, overlong = b"", True
    if multi:
        yield BadRow(file, multi_start, None, "quoted field never closed at the end of the "
                                              "file: row skipped")


# -- Parquet ------------------------------------------------------------------------------------
def _read_parquet(path: Path, sirens: Collection[str], sirets: Collection[str]) -> Iterator:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise NotSireneFile(f"{path}: not a readable Parquet file ({error})") from None
    columns = parquet.schema_arrow.names
    kind = _kind(columns, str(path))
    if kind == SIREN:
        wanted = sorted(s for s in sirens if _DIGITS9.match(s))
        make, read = _unit, UNIT_READ
    else:
        wanted = sorted(s for s in sirets if _DIGITS14.match(s))
        make, read = _establishment, ESTABLISHMENT_READ
    if not wanted:
        return
    present = [c for c in read if c in columns]
    value_set = pa.array(wanted, type=pa.string())
    row = 0
    for batch in parquet.iter_batches(batch_size=64 * 1024, columns=present):
        keys = batch.column(present.index(kind))
        if not pa.types.is_string(keys.type):
            keys = pc.cast(keys, pa.string())
        mask = pc.is_in(keys, value_set=value_set)
        positions = pc.indices_nonzero(mask).to_pylist()
        if positions:
            kept = batch.take(pa.array(positions)).to_pylist()
            for position, record in zip(positions, kept, strict=True):
                values = [None if record.get(name) is None else str(record[name])
                          for name in read]
                yield from make(values, str(path), row + position + 1)
        row += batch.num_rows


def read_csv_text(text: str, sirens: Collection[str] = (), sirets: Collection[str] = (),
                  file: str = "<text>") -> list[LegalUnit | Establishment | BadRow]:
    """Read a small Sirene CSV given as text (for tests and examples)."""
    return list(_read_csv(io.BytesIO(text.encode("utf-8")), file, sirens, sirets))
