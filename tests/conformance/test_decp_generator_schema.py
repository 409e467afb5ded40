"""The synthetic DECP generator writes records that follow the official DECP v2 schema."""

import json

import pytest
from helpers import SHARED_DIR

from graph_builder.sources.decp_generator import write_decp

pytestmark = pytest.mark.conformance
SCHEMA = SHARED_DIR / "data" / "decp-v2" / "schema_decp_v2.0.3.json"


def test_generated_records_follow_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent (shared test material)")
    path = tmp_path / "g.json"
    write_decp(path, 200, seed=2, concession_share=0.1)
    jsonschema.validate(json.loads(path.read_text()), json.loads(SCHEMA.read_text()))
