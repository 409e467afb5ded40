"""Where the project's own vocabulary, shapes and curated data live."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
DATA_DIR = ROOT / "data"
SHARED_DIR = ROOT.parent / "shared"

#: The namespace of the ontology (a hash namespace, one document).
ONTOLOGY_NS = "https://w3id.org/achat-public/ontology#"
#: The default base under which things are minted: ``{base}id/{kind}/{slug}``.
DEFAULT_BASE = "https://w3id.org/achat-public/"
