"""The Sirene stock reader: columns by name, only the numbers asked for, bad rows reported."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from graph_builder.limits import MAX_CSV_ROW_BYTES
from graph_builder.sources.sirene import (
    BadRow,
    Establishment,
    LegalUnit,
    NotSireneFile,
    read_csv_text,
    read_sirene,
)
from graph_builder.sources.sirene_generator import (
    COLUMNS,
    NAME_LEAK_MARK,
    OLD_COLUMNS,
    write_stock_unite_legale,
)


def _csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


ACME = {"siren": "123456789", "statutDiffusionUniteLegale": "O",
        "denominationUniteLegale": "ACME, SAS", "categorieJuridiqueUniteLegale": "5710",
        "trancheEffectifsUniteLegale": "12", "categorieEntreprise": "PME",
        "activitePrincipaleUniteLegale": "62.01Z",
        "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
        "etatAdministratifUniteLegale": "A"}
HIDDEN = {"siren": "222222222", "statutDiffusionUniteLegale": "P", "nomUniteLegale": "[ND]",
          "prenom1UniteLegale": "[ND]", "categorieJuridiqueUniteLegale": "1000"}
LEAKING = {"siren": "333333333", "statutDiffusionUniteLegale": "P",
           "nomUniteLegale": "DURAND", "prenom1UniteLegale": "Marie",
           "prenomUsuelUniteLegale": "Marie", "pseudonymeUniteLegale": "MD",
           "sigleUniteLegale": "MD", "denominationUniteLegale": "Marie Durand Conseil",
           "categorieJuridiqueUniteLegale": "1000"}


@pytest.mark.parametrize("columns", [COLUMNS, OLD_COLUMNS, tuple(reversed(COLUMNS))],
                         ids=["current", "before-2024", "reordered"])
def test_columns_are_found_by_name(columns):
    units = read_csv_text(_csv(columns, [ACME]), sirens={"123456789"})
    assert units == [LegalUnit("123456789", True, "ACME, SAS", "5710", "12", "PME", "62.01Z",
                               "NAFRev2", True)]


def test_only_the_numbers_asked_for_are_kept():
    text = _csv(COLUMNS, [ACME, HIDDEN, LEAKING])
    assert [u.siren for u in read_csv_text(text, sirens={"222222222"})] == ["222222222"]
    assert read_csv_text(text, sirens=set()) == []
    assert read_csv_text(text, sirens={"999999999", "not-a-siren"}) == []


def test_a_sole_trader_is_named_by_first_and_last_name():
    row = {"siren": "444444444", "statutDiffusionUniteLegale": "O", "nomUniteLegale": "PETIT",
           "nomUsageUniteLegale": "", "prenomUsuelUniteLegale": "Léa",
           "categorieJuridiqueUniteLegale": "1000"}
    [unit] = read_csv_text(_csv(COLUMNS, [row]), sirens={"444444444"})
    assert unit.name == "Léa PETIT"


def test_partially_diffusible_units_are_never_named():
    """Both forms: ``[ND]`` as INSEE writes it, and a file that still carries a name."""
    units = read_csv_text(_csv(COLUMNS, [HIDDEN, LEAKING]), sirens={"222222222", "333333333"})
    assert [(u.siren, u.public, u.name, u.category) for u in units] == [
        ("222222222", False, None, "1000"), ("333333333", False, None, "1000")]
    assert "[ND]" not in repr(units) and "DURAND" not in repr(units)
    assert "Marie" not in repr(units)


def test_establishments_keep_the_commune_of_public_ones_only():
    columns = ("siren", "nic", "siret", "statutDiffusionEtablissement",
               "enseigne1Etablissement", "codeCommuneEtablissement",
               "etatAdministratifEtablissement")
    rows = [{"siren": "123456789", "nic": "00012", "siret": "12345678900012",
             "statutDiffusionEtablissement": "O", "codeCommuneEtablissement": "44109",
             "etatAdministratifEtablissement": "A"},
            {"siren": "123456789", "nic": "00020", "siret": "12345678900020",
             "statutDiffusionEtablissement": "P", "enseigne1Etablissement": "SECRET",
             "codeCommuneEtablissement": "[ND]"},
            {"siren": "123456789", "nic": "00038", "siret": "12345678900038",
             "statutDiffusionEtablissement": "O", "codeCommuneEtablissement": "2A004"}]
    found = read_csv_text(_csv(columns, rows), sirets={"12345678900012", "12345678900020"})
    assert found == [Establishment("12345678900012", True, "44109", True),
                     Establishment("12345678900020", False, None, None)]


def test_malformed_rows_are_reported_with_file_and_line_and_skipped():
    header = ",".join(COLUMNS)
    good = _csv(COLUMNS, [ACME]).splitlines()[1]
    short = "222222222,O,,2001-01-01"
    bad_status = good.replace("123456789,O,", "333333333,X,")
    bad_code = _csv(COLUMNS, [{**ACME, "siren": "444444444",
                               "trancheEffectifsUniteLegale": "99"}]).splitlines()[1]
    text = "\n".join([header, short, good, bad_status, bad_code]) + "\n"
    found = read_csv_text(text, sirens={"123456789", "222222222", "333333333", "444444444"},
                          file="stock.csv")
    bad = [f for f in found if isinstance(f, BadRow)]
    assert [(b.file, b.line, b.field) for b in bad] == [
        ("stock.csv", 2, None), ("stock.csv", 4, "statutDiffusionUniteLegale"),
        ("stock.csv", 5, "trancheEffectifsUniteLegale")]
    assert "expected 35 fields" in bad[0].message and "found 4" in bad[0].message
    assert "expected a diffusion status O or P" in bad[1].message
    units = [f for f in found if isinstance(f, LegalUnit)]
    assert [(u.siren, u.staff_band) for u in units] == [("123456789", "12"), ("444444444", None)]
    assert "stock.csv:2" in str(bad[0].problem())


def test_invalid_utf8_and_overlong_rows_are_reported(tmp_path):
    path = tmp_path / "stock.csv"
    good = _csv(COLUMNS, [ACME]).encode()
    long_row = b"222222222,O," + b"x" * (MAX_CSV_ROW_BYTES + 10) + b"\n"
    latin1 = _csv(COLUMNS, [{**ACME, "siren": "333333333",
                             "denominationUniteLegale": "Société"}]).split("\n")[1]
    path.write_bytes(good + long_row + latin1.encode("latin-1") + b"\n")
    found = list(read_sirene(path, sirens={"123456789", "222222222", "333333333"}))
    bad = [(f.line, f.message.split(" at ")[0].split(":")[0]) for f in found
           if isinstance(f, BadRow)]
    assert bad == [(3, f"row longer than {MAX_CSV_ROW_BYTES} bytes"), (4, "invalid UTF-8")]
    assert [f.siren for f in found if isinstance(f, LegalUnit)] == ["123456789"]


def test_a_row_longer_than_a_read_chunk_is_skipped_once(tmp_path, monkeypatch):
    from graph_builder.sources import sirene

    monkeypatch.setattr(sirene, "_CHUNK", 1024)
    path = tmp_path / "stock.csv"
    rows = _csv(COLUMNS, [ACME]).encode()
    path.write_bytes(rows + b"222222222," + b"y" * (3 * MAX_CSV_ROW_BYTES) + b"\n"
                     + rows.split(b"\n")[1].replace(b"123456789", b"555555555") + b"\n")
    found = list(read_sirene(path, sirens={"123456789", "222222222", "555555555"}))
    assert [f.line for f in found if isinstance(f, BadRow)] == [3]
    assert [f.siren for f in found if isinstance(f, LegalUnit)] == ["123456789", "555555555"]


def test_a_quoted_field_may_span_lines():
    row = {**ACME, "denominationUniteLegale": "ACME\nDEUX"}
    text = _csv(COLUMNS, [row, {**ACME, "siren": "222222222"}])
    found = read_csv_text(text, sirens={"123456789", "222222222"})
    assert [(f.siren, f.name) for f in found] == [("123456789", "ACME\nDEUX"),
                                                  ("222222222", "ACME, SAS")]


def test_zipped_csv_with_bom_and_crlf(tmp_path):
    path = tmp_path / "StockUniteLegale_utf8.zip"
    text = "\ufeff" + _csv(COLUMNS, [ACME]).replace("\n", "\r\n")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("StockUniteLegale_utf8.csv", text.encode("utf-8"))
    [unit] = read_sirene(path, sirens={"123456789"})
    assert unit.name == "ACME, SAS" and unit.active is True


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "StockUniteLegale_utf8.parquet"
    rows = [ACME, HIDDEN, LEAKING]
    table = pa.table({c: [r.get(c) or None for r in rows] for c in COLUMNS})
    pq.write_table(table, path)
    found = list(read_sirene(path, sirens={"123456789", "333333333"}))
    assert [(u.siren, u.name, u.line if isinstance(u, BadRow) else u.category)
            for u in found] == [("123456789", "ACME, SAS", "5710"), ("333333333", None, "1000")]


def test_not_a_sirene_file(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(NotSireneFile, match=r"other.csv: line 1: not a Sirene stock file"):
        list(read_sirene(path, sirens={"123456789"}))
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "no csv")
    with pytest.raises(NotSireneFile, match="holds no .csv file"):
        list(read_sirene(empty_zip, sirens={"123456789"}))


def test_generated_file_has_insee_layout_and_both_kinds_of_hidden_units(tmp_path):
    path = tmp_path / "StockUniteLegale.csv"
    write_stock_unite_legale(path, 3000, seed=2, sirens=["123456789"])
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert tuple(rows[0]) == COLUMNS and len(COLUMNS) == 35
    assert all(len(r) == 35 for r in rows)
    hidden = [r for r in rows[1:] if r[1] == "P"]
    assert any("[ND]" in r for r in hidden)
    assert any(any(NAME_LEAK_MARK in v for v in r) for r in hidden)
    sirens = {r[0] for r in rows[1:]}
    assert "123456789" in sirens
    units = [u for u in read_sirene(path, sirens=sirens) if isinstance(u, LegalUnit)]
    assert not [u for u in read_sirene(path, sirens=sirens) if isinstance(u, BadRow)]
    assert not any(NAME_LEAK_MARK in (u.name or "") for u in units)
    assert sum(not u.public for u in units) == len(hidden)
    path2 = tmp_path / "again.csv"
    write_stock_unite_legale(path2, 3000, seed=2, sirens=["123456789"])
    assert path2.read_bytes() == path.read_bytes()
