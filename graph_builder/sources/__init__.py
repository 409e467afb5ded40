"""One reader per source: curated YAML, wiki pages, DECP, the Sirene register."""
