"""SPARQLWrapper as the remote backend uses it: every workaround it needs, in one place.

- ``setTimeout()`` truncates to whole seconds: the ``timeout`` attribute takes a float.
- It guesses the query form with a regex and warns when it cannot: silenced, since the
  engine is the judge and the ``Accept`` header is ours anyway (``setOnlyConneg``).
- Its exceptions carry the engine's body as the repr of bytes after ``Response:``:
  :func:`engine_text` reads the engine's own message back out of them.
"""

from __future__ import annotations

import ast
import warnings

from SPARQLWrapper import CONSTRUCT, JSON, POST, SELECT, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

__all__ = ["JSON", "TURTLE", "EndPointInternalError", "EndPointNotFound", "QueryBadFormed",
           "Unauthorized", "URITooLong", "engine_text", "prepared"]


def prepared(endpoint_url: str, query: str, accept: str, return_format: str,
             dataset: dict[str, list[str]], params: dict[str, str],
             timeout: float) -> SPARQLWrapper:
    """Return a POST of QUERY to the engine, with our Accept, dataset and parameters."""
    wrapper = SPARQLWrapper(endpoint_url)
    wrapper.setMethod(POST)
    wrapper.setOnlyConneg(True)
    wrapper.timeout = timeout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper.setQuery(query)
        wrapper.setReturnFormat(return_format)
    # SPARQLWrapper guesses the form from the text with a regular expression (a comment
    # saying "address" reads as ADD, an update; "construct" as CONSTRUCT): the form was
    # read by a real parser before, and the answer's format says which it is.
    wrapper.queryType = SELECT if return_format == JSON else CONSTRUCT
    for name, iris in dataset.items():
        for iri in iris:
            wrapper.addParameter(name, iri)
    for name, value in params.items():
        wrapper.addParameter(name, value)
    wrapper.addCustomHttpHeader("Accept", accept)
    return wrapper


def engine_text(error: Exception) -> str:
    """Return the engine's own message out of a SPARQLWrapper exception."""
    text = str(error)
    _, found, raw = text.partition("\n\nResponse:\n")
    if found:
        try:
            text = ast.literal_eval(raw).decode("utf-8", "replace")
        except (ValueError, SyntaxError, AttributeError):
            text = raw
    # Virtuoso repeats the query after its message; the client has it already.
    text = text.split("SPARQL query:")[0]
    return " ".join(text.split())[:500]
