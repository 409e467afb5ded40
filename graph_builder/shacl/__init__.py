"""The gate: SHACL validation of the mapped graph, through our own set-at-a-time engine.

It reads RDF (graphs or files) and the shapes, and reports; it never writes a build.
"""
