"""The ``achat-graph`` command line, above the builder and the server (imported lazily)."""
