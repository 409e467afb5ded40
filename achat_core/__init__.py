"""What the builder and the server share: light, with no rdflib, Flask or gunicorn.

- ``iris``: the ontology namespace, the default base and the prefixes, as strings;
- ``formats``: the one table of formats (names, media types, suffixes);
- ``rdf_files``: opening an RDF file, gzipped or not, and knowing its syntax;
- ``jsonld``: the published JSON-LD ``@context`` and compact JSON-LD written with it;
- ``text``: accent folding, the one used for matching names and for search;
- ``manifest``: ``build.json``, written, read and checked in one place;
- ``search_index``: the format of ``search-index.json``;
- ``resources``: the ontology, shapes, curated data and queries shipped with the package.

``graph_builder`` and ``sparql_endpoint`` import from here and never from each other;
``achat_graph`` (the command line) sits above both (``make test`` checks the contract).
"""
