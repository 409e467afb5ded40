"""DECP v2 contract data on the EU eProcurement Ontology: reader, mapper, indicators, generator.

``build_contracts`` streams DECP files to N-Triples; ``compute_indicators`` turns the
contract graph into ``apg:Indicator`` observations.
"""

from graph_builder.decp.build import DecpResult, build_contracts
from graph_builder.rdf.indicators import compute_indicators

__all__ = ["DecpResult", "build_contracts", "compute_indicators"]
