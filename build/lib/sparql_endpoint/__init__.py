"""A read-only SPARQL endpoint, linked-data pages and dumps over a built ``dist/``."""

from sparql_endpoint.app import create_app

__all__ = ["create_app"]
