"""Records to RDF: the mapping of each source onto the ontology."""
