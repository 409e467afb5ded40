"""The project's vocabulary (ontology, concept schemes, EU authority concepts) and its shapes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from achat_core.resources import ONTOLOGY_DIR, SHAPES_DIR
from graph_builder.errors import InvalidData, Problem

#: The vocabulary documents, in load order.
VOCABULARY_FILES = ("achat-public.ttl", "schemes.ttl", "eu-authority.ttl",
                    "legal-categories.ttl", "epo-labels.ttl")
#: The shapes documents: blocking rules, then advice.
SHAPES_FILES = ("violations.ttl", "warnings.ttl")


def _parse(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except FileNotFoundError:
            raise InvalidData(
                [Problem(f"missing vocabulary file {path.name}", f"fichier absent : {path.name}",
                         file=str(path))]
            ) from None
        except Exception as error:  # rdflib raises several parser exception types
            raise InvalidData(
                [Problem(f"invalid Turtle: {error}", f"Turtle invalide : {error}", file=str(path))]
            ) from None
    return graph


def load_vocabulary(directory: Path = ONTOLOGY_DIR) -> Graph:
    """Return the ontology, the concept schemes and the EU authority concepts as one graph."""
    return _parse([directory / name for name in VOCABULARY_FILES])


def load_shapes(directory: Path = SHAPES_DIR) -> tuple[Graph, Graph]:
    """Return the shapes graphs: blocking rules (Violation) and advice (Warning)."""
    violations, warnings = (_parse([directory / name]) for name in SHAPES_FILES)
    return violations, warnings
