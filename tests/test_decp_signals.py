"""Every DECP signal counted: each instrument's published count equals a count from the input.

The expected counts are taken straight from the JSON, with the signal → instrument table
written here from the DECP v2 schema's values (not from the mapper's tables): a record is
counted once per instrument it names, and a record whose key (buyer, id, date) was already
seen is left out, as the build keeps the first.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from helpers import SHARED_DIR

from achat_core.resources import DATA_DIR
from graph_builder.pipeline.contracts import build_contracts
from graph_builder.rdf.contracts import _instrument_keys
from graph_builder.rdf.indicators import compute_indicators
from graph_builder.sources.decp_generator import write_decp

BASE = "https://example.org/"
APG = "https://w3id.org/achat-public/ontology#"
DECP_DIR = SHARED_DIR / "data" / "decp-v2"
PROCEDURES = {
    "Procédure adaptée": "procedure-adaptee",
    "Appel d'offres ouvert": "appel-offres-ouvert",
    "Appel d'offres restreint": "appel-offres-restreint",
    "Procédure avec négociation": "procedure-avec-negociation",
    "Marché passé sans publicité ni mise en concurrence préalable": "marche-sans-publicite",
    "Dialogue compétitif": "dialogue-competitif",
}
TECHNIQUES = {"Accord-cadre": "accord-cadre", "Concours": "concours"}
SOCIAL = {"Marché réservé": "marche-reserve"}
#: Values of the schema with no instrument in the curated data (said in the docs).
WITHOUT_INSTRUMENT = {"Système d'acquisition dynamique", "Système de qualification",
                      "Catalogue électronique", "Enchère électronique"}
NO_SOCIAL, NO_GREEN = "Pas de considération sociale", "Pas de considération environnementale"


def _values(record: dict, outer: str, inner: str) -> list[str]:
    holder = record.get(outer) or {}
    values = holder.get(inner, []) if isinstance(holder, dict) else []
    return [values] if isinstance(values, str) else list(values)


def count_signals(files: list[Path]) -> tuple[Counter, Counter]:
    """Return the contracts per instrument, and the records per technique value, from JSON."""
    per_instrument, per_technique = Counter(), Counter()
    seen = set()
    for path in files:
        arrays = json.loads(path.read_text(encoding="utf-8"))["marches"]
        for kind, buyer, day in (("marche", "acheteur", "dateNotification"),
                                 ("contrat-concession", "autoriteConcedante", "dateSignature")):
            for record in arrays.get(kind, []):
                key = (record[buyer]["id"], str(record["id"]).strip(), record[day])
                if key in seen:
                    continue
                seen.add(key)
                instruments = set()
                if kind == "marche":
                    instruments.add(PROCEDURES[record["procedure"]])
                techniques = _values(record, "techniques", "technique")
                per_technique.update(set(techniques))
                instruments |= {TECHNIQUES[t] for t in techniques if t in TECHNIQUES}
                social = _values(record, "considerationsSociales", "considerationSociale")
                green = _values(record, "considerationsEnvironnementales",
                                "considerationEnvironnementale")
                instruments |= {SOCIAL[v] for v in social if v in SOCIAL}
                if any(v != NO_SOCIAL for v in social) or any(v != NO_GREEN for v in green):
                    instruments.add("clauses-sociales-environnementales")
                per_instrument.update(instruments)
    return per_instrument, per_technique


def published_counts(files: list[Path], folder: Path) -> tuple[Counter, object]:
    """Build the contract graph and return each instrument's published (declared) count."""
    result = build_contracts(files, folder / "c.nt", BASE, {})
    store = ox.Store()
    store.load(path=str(result.out_path), format=ox.RdfFormat.N_TRIPLES)
    counts = Counter()
    for t in compute_indicators(store, BASE):
        slug = t.subject.value.rsplit("/", 1)[-1]
        if t.predicate.value == APG + "value" and slug.endswith("-declared-contracts"):
            counts[slug.removesuffix("-declared-contracts")] = int(t.object.value)
    return counts, result


def test_generated_data_counts_match(tmp_path):
    source = tmp_path / "generated.json"
    write_decp(source, 3000, seed=7)
    expected, techniques = count_signals([source])
    published, result = published_counts([source], tmp_path)
    assert result.rejected_total == 0
    assert published == expected
    # The generator emits every technique of the schema, and each counted signal is there.
    assert WITHOUT_INSTRUMENT | set(TECHNIQUES) <= set(techniques)
    for key in ("accord-cadre", "concours", "marche-reserve", *PROCEDURES.values()):
        assert expected[key] > 0, key


@pytest.mark.conformance
def test_real_decp_examples_counts_match(tmp_path):
    if not DECP_DIR.is_dir():
        pytest.skip(f"{DECP_DIR} is absent (shared test material)")
    files = sorted(f for f in DECP_DIR.glob("*.json") if not f.name.startswith("schema"))
    expected, _ = count_signals(files)
    published, _ = published_counts(files, tmp_path)
    assert published == expected
    assert expected["accord-cadre"] > 0  # the real examples hold an accord-cadre


def test_every_mapped_instrument_is_a_curated_instrument():
    records = yaml.safe_load((DATA_DIR / "instruments.yaml").read_text(encoding="utf-8"))
    keys = {record["key"] for record in records}
    assert set(_instrument_keys()) <= keys
    assert set(TECHNIQUES.values()) | set(SOCIAL.values()) | set(PROCEDURES.values()) <= keys
