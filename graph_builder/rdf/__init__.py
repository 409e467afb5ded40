"""Records to RDF: mapping, reconciliation, the DECP contract mapper, indicators.

Modules here read what ``graph_builder.sources`` returns and write triples (rdflib graphs
for curated data, N-Triples lines for bulk DECP data); they never run the gate or write
the build's files.
"""
