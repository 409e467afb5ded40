"""The files shipped with the package: ontology, shapes, curated data and SPARQL queries.

They are read through ``importlib.resources``, so a tool installed from the wheel finds
them as a checkout does.  In the checkout, ``achat_core/assets/`` holds symbolic links to
the top-level ``ontology/``, ``shapes/`` and ``data/`` folders; the wheel holds copies.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(*parts: str) -> Path:
    # The package is installed as plain files (never zipped), so this is a real path.
    return Path(str(files("achat_core").joinpath(*parts)))


ONTOLOGY_DIR = _folder("assets", "ontology")
SHAPES_DIR = _folder("assets", "shapes")
#: The curated records; ``build --data`` reads another folder instead.
DATA_DIR = _folder("assets", "data")
#: Example queries (``NN-*.rq``) and the indicator queries (``decp-*.rq``).
QUERIES_DIR = _folder("queries")
