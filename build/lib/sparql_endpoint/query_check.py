"""Check a user query before any backend sees it: its form, updates and SERVICE calls.

pyoxigraph has no parse-only API, and a SPARQL engine given a ``SERVICE`` clause
calls the named host.  So the query is read here with a small lexer of its own,
after the ``\\u``/``\\U`` escapes SPARQL processes before parsing (a query may
spell ``SERVICE`` as ``\\u0053ERVICE``).  The check is conservative: any
``SERVICE`` keyword outside strings, IRIs and comments is refused unless its
endpoint is an absolute IRI on the allow-list.  Syntax errors are left to the
engine's parser, whose message reaches the client.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Deepest nesting of ``{``, ``(`` and ``[`` accepted: deeper ones crash the engine's parser.
MAX_NESTING = 100
_OPENING, _CLOSING = "{([", "})]"
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
             |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             |'(?:[^'\\\n\r]|\\.)*'
             |"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
  | (?P<name>(?:[^\W\d][\w\-.\u00B7]*)?:[\w\-.:%\\\u00B7]*|[^\W\d][\w\-\u00B7]*)
  | (?P<quote>['"])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class QueryRefused(Exception):
    """A query this endpoint will not run; carries the HTTP status and a readable reason."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class QueryInfo:
    """What the endpoint needs to know about a query before running it."""

    form: str
    digest: str
    services: tuple[str, ...] = field(default=())


def unescape(query: str) -> str:
    """Replace SPARQL's ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes, as the grammar requires."""

    def replace(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRefused(400, f"invalid escape {match.group(0)!r} in the query")
        return chr(code)

    return _ESCAPE.sub(replace, query)


def tokens(query: str) -> list[tuple[str, str]]:
    """Split an unescaped query into (kind, text) tokens, leaving out spaces and comments."""
    found = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind == "quote":
            line = query.count("\n", 0, match.start()) + 1
            raise QueryRefused(400, f"unterminated string starting on line {line} of the query")
        found.append((kind, match.group()))
    return found


def digest(query: str) -> str:
    """Return a short stable hash of a query, for logs."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def check_query(query: str, service_allowlist=()) -> QueryInfo:
    """Return the form of a read-only query, or raise QueryRefused saying why it is refused."""
    if not query.strip():
        raise QueryRefused(400, "the query is empty")
    toks = tokens(unescape(query))
    _check_nesting(toks)
    base, prefixes, position = _prologue(toks)
    form = _form(toks, position)
    allowed = {iri.rstrip("/") for iri in service_allowlist}
    services = []
    for index, (kind, text) in enumerate(toks):
        if kind != "name" or text.upper() != "SERVICE":
            continue
        target = index + 1
        if target < len(toks) and toks[target][0] == "name" \
                and toks[target][1].upper() == "SILENT":
            target += 1
        endpoint = _endpoint(toks[target] if target < len(toks) else None, base, prefixes)
        if endpoint is None or endpoint.rstrip("/") not in allowed:
            shown = endpoint or (toks[target][1] if target < len(toks) else "nothing")
            raise QueryRefused(
                400,
                f"SERVICE {shown} refused: this endpoint does not query other services"
                + (" except " + ", ".join(sorted(service_allowlist)) if service_allowlist else "")
                + " (federated queries are disabled for safety)",
            )
        services.append(endpoint)
    return QueryInfo(form=form, digest=digest(query), services=tuple(services))


def _check_nesting(toks) -> None:
    depth = 0
    for kind, text in toks:
        if kind != "other":
            continue
        if text in _OPENING:
            depth += 1
            if depth > MAX_NESTING:
                raise QueryRefused(
                    400, f"the query nests braces, parentheses or brackets more than "
                         f"{MAX_NESTING} levels deep; this endpoint does not run such queries")
        elif text in _CLOSING:
            depth = max(0, depth - 1)


def _prologue(toks):
    base, prefixes, i = None, {}, 0
    while i < len(toks):
        kind, text = toks[i]
        upper = text.upper()
        if kind == "name" and upper == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            base = _resolve(toks[i + 1][1][1:-1], base)
            i += 2
        elif kind == "name" and upper == "PREFIX" and i + 2 < len(toks) \
                and toks[i + 1][0] == "name" and toks[i + 1][1].endswith(":") \
                and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1][:-1]] = _resolve(toks[i + 2][1][1:-1], base)
            i += 3
        else:
            break
    return base, prefixes, i


def _form(toks, position) -> str:
    if position >= len(toks):
        raise QueryRefused(400, "the query has no SELECT, ASK, CONSTRUCT or DESCRIBE")
    kind, text = toks[position]
    upper = text.upper()
    if kind == "name" and upper in QUERY_FORMS:
        return upper
    if kind == "name" and upper in UPDATE_KEYWORDS:
        raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is not accepted")
    raise QueryRefused(
        400, f"expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue, found {text!r}"
    )


def _endpoint(token, base, prefixes) -> str | None:
    if token is None:
        return None
    kind, text = token
    if kind == "iri":
        return _resolve(text[1:-1], base)
    if kind == "name" and ":" in text:
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri
