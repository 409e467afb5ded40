"""Read a user query with a real SPARQL parser: its form, its dataset, and whether it uses SERVICE.

rdflib's SPARQL 1.1 parser and algebra read the query; nothing evaluates it.  The
reading gives the friendly answers (403 for an update, 400 for SERVICE or a syntax
error) and the ``FROM``/``FROM NAMED`` graphs.  It is not the security barrier: the
query then runs in a process that cannot open a network connection
(``sparql_endpoint.execution.isolation``), so a SERVICE clause some other parser would see
fails there too.  Where the two parsers disagree the query is refused: a query
rdflib cannot read gets a 400 even if pyoxigraph could run it.

The two parsers read ``\\u``/``\\U`` escapes differently: rdflib decodes them all
before parsing, as the SPARQL grammar says; pyoxigraph only inside some tokens.  An
escape that decodes to a quote, a bracket, ``#``, a backslash or a line break would
make them see different queries (``'\\u0027'`` opens a long string for rdflib, is a
one-character string for pyoxigraph), so such escapes are refused: write the
character itself.

rdflib's parser recurses once per nesting level, so very deep nesting stops it with
a RecursionError (a 400) long before pyoxigraph's own parser would overflow its stack.
The check runs inside a query process of the pool, under the same time limit.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql import algebra, parser
from rdflib.plugins.sparql.parserutils import CompValue

from sparql_endpoint.backends import engine_semantics

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
         "DescribeQuery": "DESCRIBE"}
#: Characters an escape may not stand for: ones that start, end or split tokens.
AMBIGUOUS = frozenset("'\"<>{}()#\\\n\r")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
XSD = "http://www.w3.org/2001/XMLSchema#"
#: The function IRIs a query may call: the XSD constructors both backends evaluate.
#: Any other (an engine's extension such as Virtuoso's ``bif:``, a made-up IRI) is
#: refused with a 400, rather than failing inside the store.
KNOWN_FUNCTIONS = frozenset(XSD + name for name in (
    "string", "boolean", "double", "float", "decimal", "integer", "dateTime", "date", "time",
    "duration", "yearMonthDuration", "dayTimeDuration"))
SERVICE_REFUSED = ("SERVICE refused: this endpoint does not query other services (federated "
                   "queries are disabled: query processes have no network access)")


class QueryRefused(Exception):
    """A query this endpoint will not run; carries the HTTP status and a readable reason."""

    def __init__(self, status: int, message: str, french: str | None = None):
        self.status = status
        self.message = message
        #: The reason in French, where the refusal has one (read by the editor's page).
        self.french = french
        super().__init__(message)

    def text(self, language: str = "en") -> str:
        """Return the reason in LANGUAGE, English when there is no French."""
        return self.french if language == "fr" and self.french else self.message


@dataclass(frozen=True)
class QueryInfo:
    """What the endpoint needs to know about a query before running it.

    ``default_graphs``/``named_graphs`` are the query's FROM / FROM NAMED IRIs, resolved.
    ``uses_graph`` says it has a ``GRAPH`` pattern.  ``own_base`` says the query starts
    its prologue with an absolute BASE: the endpoint's address is then no base of any of
    its IRIs (and an engine such as Virtuoso refuses a second BASE).
    """

    form: str
    digest: str
    default_graphs: tuple[str, ...] = field(default=())
    named_graphs: tuple[str, ...] = field(default=())
    own_base: bool = False
    uses_graph: bool = False
    #: What some remote engine evaluates otherwise (``backends.engine_semantics``).
    constructs: tuple = field(default=())
    #: (variable, "boolean"/"decimal"): datatypes the query itself fixes.
    result_types: tuple = field(default=())

    @classmethod
    def from_fields(cls, fields: dict) -> QueryInfo:
        """Rebuild a reading from its JSON fields (``dataclasses.asdict`` of one)."""
        return cls(**{
            **{name: tuple(value) if isinstance(value, list) else value
               for name, value in fields.items()},
            "constructs": tuple(engine_semantics.Construct(**c)
                                for c in fields.get("constructs", ())),
            "result_types": tuple(tuple(pair) for pair in fields.get("result_types", ())),
        })


def digest(query: str) -> str:
    """Return a short stable hash of a query, for logs."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def check_query(query: str, base_iri: str | None = None) -> QueryInfo:
    """Parse a read-only query; return its form and dataset, or raise QueryRefused saying why."""
    if not query.strip():
        raise QueryRefused(400, "the query is empty")
    for match in _ESCAPE.finditer(query):
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or chr(code) in AMBIGUOUS:
            raise QueryRefused(400, f"the escape {match.group(0)} is not accepted here: "
                                    "write the character itself (SPARQL parsers disagree "
                                    "on where such escapes apply)")
    try:
        parsed = parser.parseQuery(query)
    except RecursionError:
        raise QueryRefused(400, "the query nests groups or expressions too deeply; this "
                                "endpoint does not run such queries") from None
    except ParseBaseException as error:
        if _is_update(query):
            raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is not "
                                    "accepted") from None
        raise QueryRefused(400, f"Syntax error in the query: {error}") from None
    if any(node.name == "ServiceGraphPattern" for node in _nodes(parsed)):
        raise QueryRefused(400, SERVICE_REFUSED)
    _refuse_unknown_functions(parsed)  # before translateQuery, which rewrites the tree
    constructs = engine_semantics.tree_constructs(parsed)
    uses_graph = any(node.name == "GraphGraphPattern" for node in _nodes(parsed))
    try:
        translated = algebra.translateQuery(parsed, base=base_iri)
    except RecursionError:
        raise QueryRefused(400, "the query nests groups or expressions too deeply; this "
                                "endpoint does not run such queries") from None
    except Exception as error:  # rdflib raises bare Exception for unknown prefixes
        raise QueryRefused(400, f"The query cannot be read: {error}") from None
    root = translated.algebra
    default, named = [], []
    # dict.get: CompValue.get would answer a missing key with its own name.
    for clause in dict.get(root, "datasetClause") or ():
        if dict.get(clause, "default") is not None:
            default.append(str(clause["default"]))
        if dict.get(clause, "named") is not None:
            named.append(str(clause["named"]))
    bases = [str(decl["iri"]) for decl in parsed[0] if getattr(decl, "name", None) == "Base"]
    return QueryInfo(form=FORMS[root.name], digest=digest(query),
                     default_graphs=tuple(default), named_graphs=tuple(named),
                     own_base=bool(bases) and bool(urllib.parse.urlsplit(bases[0]).scheme),
                     uses_graph=uses_graph,
                     constructs=constructs + engine_semantics.algebra_constructs(translated),
                     result_types=engine_semantics.result_types(translated))


def _refuse_unknown_functions(parsed) -> None:
    """Refuse a call of any function but the XSD casts (read from the parse tree).

    The parse tree, not the algebra: rdflib's algebra drops filters inside EXISTS.
    """
    prefixes = {str(dict.get(decl, "prefix") or ""): str(decl["iri"])
                for decl in parsed[0] if getattr(decl, "name", None) == "PrefixDecl"}
    for node in _nodes(parsed[1]):
        if node.name != "Function":
            continue
        iri = dict.get(node, "iri")
        if isinstance(iri, CompValue) and iri.name == "pname":
            iri = prefixes.get(str(dict.get(iri, "prefix") or ""), "") + \
                str(dict.get(iri, "localname") or "")
        if str(iri) not in KNOWN_FUNCTIONS:
            raise QueryRefused(400, f"unknown function <{iri}>: this endpoint evaluates the "
                                    "SPARQL 1.1 functions and XSD casts only")


def _is_update(query: str) -> bool:
    try:
        parser.parseUpdate(query)
    except (ParseBaseException, RecursionError):
        return False
    except Exception:  # noqa: BLE001 - rdflib's own errors: it parsed as an update
        return True
    return True


def _nodes(tree):
    """Yield every CompValue of a parse tree, without recursion (the tree may be deep)."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)
