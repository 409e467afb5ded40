"""Turn curated records, wiki pages and DECP contracts into a validated RDF graph."""
