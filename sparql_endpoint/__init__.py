"""A read-only SPARQL endpoint, linked-data pages and dumps over a built ``dist/``."""

__all__ = ["create_app"]


def __getattr__(name: str):
    # Flask loads with the app, not with the package: the CLI reads http.settings without it.
    if name == "create_app":
        from sparql_endpoint.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
