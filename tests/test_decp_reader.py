"""Tests of the streaming DECP reader and of quarantine in the build."""

import gzip
import io
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from graph_builder.errors import InvalidData
from graph_builder.pipeline.contracts import NotDecpFile, _Parts, build_contracts
from graph_builder.sources.decp import BrokenFile, RawRecord, read_records

FIXTURES = Path(__file__).parent / "fixtures" / "decp"
BASE = "https://example.org/"


def test_reads_marches_then_concessions_with_decimal_amounts():
    items = list(read_records(FIXTURES / "quirks.json"))
    assert all(isinstance(i, RawRecord) for i in items)
    assert [i.kind for i in items] == ["marche"] * 5 + ["contrat-concession"]
    assert [i.index for i in items[:5]] == list(range(5))
    assert items[0].data["montant"] == Decimal("84999.99")
    assert isinstance(items[0].data["montant"], Decimal)


def test_reads_gzip_files(tmp_path):
    path = tmp_path / "x.json.gz"
    path.write_bytes(gzip.compress((FIXTURES / "quirks.json").read_bytes()))
    assert len(list(read_records(path))) == 6


def test_truncated_file_keeps_records_before_the_break():
    items = list(read_records(FIXTURES / "truncated.json"))
    assert isinstance(items[0], RawRecord) and items[0].data["id"] == "T1"
    assert isinstance(items[-1], BrokenFile)
    assert "invalid JSON" in items[-1].message and "\n" not in items[-1].message


@pytest.fixture
def bad_build(tmp_path):
    return build_contracts([FIXTURES / "bad.json"], tmp_path / "out.nt", BASE, {})


EXPECTED_KINDS = {"missing-field", "bad-siret", "bad-date", "bad-amount", "unknown-procedure",
                  "empty-array", "bad-cpv", "bad-boolean", "bad-holder", "unknown-value",
                  "not-an-object"}


def test_every_bad_record_is_quarantined_and_counted(bad_build):
    assert set(bad_build.rejected) == EXPECTED_KINDS
    assert bad_build.rejected["bad-amount"] == 2
    assert bad_build.contracts_mapped == 1
    assert bad_build.records_read == 13
    rows = [json.loads(line) for line in bad_build.rejected_path.read_text().splitlines()]
    assert len(rows) == bad_build.rejected_total == 12
    by_id = {r["id"]: r for r in rows}
    assert by_id["B1"]["field"] == "acheteur.id" and "14 digits" in by_id["B1"]["problem"]
    assert by_id["B2"]["kind"] == "bad-date" and by_id["B2"]["record"] == 2
    assert by_id["B8"]["field"] == "titulaires[0].titulaire.typeIdentifiant"
    assert all(r["file"].endswith("bad.json") for r in rows)
    assert "bad-siret: 1" in bad_build.summary()


def test_good_record_beside_bad_ones_is_written(bad_build):
    text = bad_build.out_path.read_text()
    assert "/id/contract/21350238800019-ok1-" in text
    assert "/contract/21350238800019-b1-" not in text


def test_sample_includes_a_neighbour_of_each_rejected_kind(bad_build):
    contracts = {str(s) for s in bad_build.sample.subjects() if "/id/contract/" in str(s)}
    assert any("-ok1-" in c for c in contracts)


def test_strict_stops_at_the_first_bad_record(tmp_path):
    with pytest.raises(InvalidData) as error:
        build_contracts([FIXTURES / "bad.json"], tmp_path / "out.nt", BASE, {}, strict=True)
    problem = error.value.problems[0]
    assert problem.file.endswith("bad.json") and problem.field == "id"
    assert "missing-field" in problem.message


def test_broken_file_is_reported_not_raised(tmp_path):
    result = build_contracts([FIXTURES / "truncated.json"], tmp_path / "o.nt", BASE, {})
    assert result.rejected == {"broken-file": 1}
    assert result.contracts_mapped == 1


def test_duplicate_key_keeps_the_first(tmp_path):
    result = build_contracts([FIXTURES / "quirks.json"], tmp_path / "o.nt", BASE, {})
    assert result.rejected == {"duplicate-key": 1}
    text = result.out_path.read_text()
    assert '"Même identifiant, autre acheteur"@fr' in text  # same id, other buyer: kept
    assert '"10"^^' not in text  # the duplicate's amount never reaches the graph


def test_output_is_deterministic_and_gzip_has_no_time(tmp_path):
    a = build_contracts([FIXTURES / "quirks.json"], tmp_path / "a" / "o.nt.gz", BASE, {})
    b = build_contracts([FIXTURES / "quirks.json"], tmp_path / "b" / "o.nt.gz", BASE, {})
    data = a.out_path.read_bytes()
    assert data == b.out_path.read_bytes()
    assert data[4:8] == b"\x00\x00\x00\x00"  # gzip mtime
    assert len(gzip.decompress(data).decode().splitlines()) == a.triples


def test_file_with_no_records_is_named_in_the_summary(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text('{"marches": {"marche": []}}')
    result = build_contracts([path], tmp_path / "o.nt", BASE, {})
    assert result.empty_files == [str(path)]
    assert "no records" in result.summary()


def _many_records() -> bytes:
    record = json.loads((FIXTURES / "quirks.json").read_text(encoding="utf-8"))["marches"]
    return json.dumps({"marches": {"marche": record["marche"] * 400}}).encode()


def test_truncated_gzip_ends_with_a_broken_file_naming_it(tmp_path):
    packed = gzip.compress(_many_records())
    path = tmp_path / "trunc.json.gz"
    path.write_bytes(packed[:len(packed) // 2])
    items = list(read_records(path))
    assert isinstance(items[0], RawRecord)
    broken = items[-1]
    assert isinstance(broken, BrokenFile) and broken.file == str(path)
    assert "gzip" in broken.message and broken.index == len(items) - 1


def test_corrupt_gzip_ends_with_a_broken_file(tmp_path):
    packed = bytearray(gzip.compress(_many_records()))
    packed[200:210] = b"\xff" * 10
    path = tmp_path / "corrupt.json.gz"
    path.write_bytes(bytes(packed))
    assert isinstance(list(read_records(path))[-1], BrokenFile)


def test_gzip_broken_before_the_first_record_is_not_a_decp_file(tmp_path):
    path = tmp_path / "head.json.gz"
    path.write_bytes(gzip.compress(_many_records())[:30])
    with pytest.raises(NotDecpFile, match="head.json.gz"):
        build_contracts([path], tmp_path / "o.nt", BASE, {})


def test_parts_are_gzip_members_written_in_order_by_their_thread(tmp_path):
    path = tmp_path / "parts.gz"
    with open(path, "wb") as raw, _Parts(raw, packed=True) as parts:
        ends = []
        for n in range(3):
            parts.begin()
            for i in range(20):  # more chunks than may wait for the writer
                parts.write(f"part {n} line {i}\n".encode())
            ends.append(parts.end())
    data = path.read_bytes()
    assert ends[-1] == len(data)
    for n, (start, end) in enumerate(zip([0, *ends[:-1]], ends, strict=True)):
        assert gzip.decompress(data[start:end]).decode() == "".join(
            f"part {n} line {i}\n" for i in range(20))


def test_a_failed_write_is_raised_to_the_mapping_not_lost_in_the_thread(tmp_path):
    class Full(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(28, "No space left on device")

    parts = _Parts(Full(), packed=False)
    with pytest.raises(OSError, match="No space left"), parts:
        parts.begin()
        for _ in range(10):
            parts.write(b"x" * 1000)
    assert not [t for t in threading.enumerate() if t.name.startswith("parts")]
