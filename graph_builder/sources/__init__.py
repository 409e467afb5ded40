"""The readers, one per source: each turns a source's files into records or raw records.

Readers know the record model (``model``) and the input limits, never RDF writing, the
gate or the output: what they return is mapped by ``graph_builder.rdf``.
"""
