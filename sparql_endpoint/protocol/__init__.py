"""The SPARQL 1.1 Protocol and the query editor: read a user query, run it, write its results."""
