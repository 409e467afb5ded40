"""Where a remote engine's answer would differ from SPARQL's: read from the parse, then
refused loudly or fixed in the answer.

``tree_constructs`` and ``algebra_constructs`` read a query rdflib has parsed (its parse
tree and its algebra, computed once in a query process by ``protocol.query_check``) and
list the constructs some engine evaluates otherwise (``Construct``: a code and the words
that name it). Over an engine, ``engine_refusal`` turns the ones that engine gets wrong
into a 422 naming the construct and the engine, before anything is sent;
``result_types`` lists the projected variables whose datatype is fixed by the query
itself (a comparison is a boolean, ``SECONDS`` a decimal), so the backend writes the
engine's ``1``/``0`` as ``true``/``false``.

Nothing here rewrites query text: the differences this module cannot fix are refused. An
operator may take the engine's own semantics (``serve --engine-lenient``): nothing is
refused, and every answer says so in the ``X-Engine-Semantics`` header.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql.parserutils import CompValue

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
DOUBLES = (XSD + "double", XSD + "float")
ENGINE_NAMES = {"virtuoso": "Virtuoso", "generic": "the SPARQL engine"}
LENIENT_HEADER = "X-Engine-Semantics"


@dataclass(frozen=True)
class Construct:
    """A construct found in a query: its code (see ``WORDS``) and where (a short detail)."""

    code: str
    detail: str = ""


#: code -> (English, French): what the engine gets wrong, said to the query's author.
WORDS: dict[str, tuple[str, str]] = {
    "sum-avg-double": (
        "SUM or AVG over double or float values (the engine gives a decimal, not a double)",
        "SUM ou AVG sur des valeurs double ou float (le moteur rend un décimal, pas un "
        "double)"),
    "avg-no-group": (
        "AVG without GROUP BY (over no solution the engine gives no value, SPARQL gives 0)",
        "AVG sans GROUP BY (sans solution le moteur ne rend aucune valeur, SPARQL rend 0)"),
    "filter-scope": (
        "a FILTER on a variable bound outside its group (the engine sees the outer value, "
        "SPARQL does not)",
        "un FILTER sur une variable liée hors de son groupe (le moteur voit la valeur "
        "extérieure, SPARQL non)"),
    "values-optional": (
        "VALUES on a variable bound by an OPTIONAL (the engine loses solutions)",
        "VALUES sur une variable liée par un OPTIONAL (le moteur perd des solutions)"),
    "string-tagged": (
        "{detail} on a value that may carry a language tag or a datatype (the engine "
        "handles tags otherwise): wrap the argument in STR()",
        "{detail} sur une valeur qui peut porter une langue ou un type (le moteur traite "
        "les langues autrement) : entourez l'argument de STR()"),
    "strafter-empty": (
        "STRAFTER with a separator that may be empty (the engine gives an empty string)",
        "STRAFTER avec un séparateur qui peut être vide (le moteur rend une chaîne vide)"),
    "hash": (
        "{detail} (the engine hashes non-ASCII text in another encoding)",
        "{detail} (le moteur calcule l'empreinte d'un texte non ASCII dans un autre "
        "encodage)"),
    "uuid": (
        "{detail} (the engine gives the same value in every solution)",
        "{detail} (le moteur rend la même valeur dans chaque solution)"),
    "minus-unshared": (
        "MINUS whose two sides may share no bound variable (the engine removes solutions "
        "SPARQL keeps)",
        "MINUS dont les deux côtés peuvent ne partager aucune variable liée (le moteur "
        "retire des solutions que SPARQL garde)"),
    "arithmetic": (
        "arithmetic ({detail}) on a value that may not be a number (the engine gives 0 "
        "where SPARQL gives no value): convert it with xsd:decimal() or xsd:integer()",
        "un calcul ({detail}) sur une valeur qui peut ne pas être un nombre (le moteur rend "
        "0 là où SPARQL ne rend rien) : convertissez-la avec xsd:decimal() ou "
        "xsd:integer()"),
    "integer-division": (
        "a division of two values that may both be integers (the engine divides integers "
        "as integers): convert one with xsd:decimal()",
        "une division de deux valeurs qui peuvent être entières (le moteur fait une "
        "division entière) : convertissez-en une avec xsd:decimal()"),
    "datatype": (
        "DATATYPE() other than compared with = to a datatype (the engine gives no datatype "
        "to a language-tagged text)",
        "DATATYPE() ailleurs que dans une comparaison = avec un type (le moteur ne donne "
        "aucun type à un texte avec langue)"),
    "number-equality": (
        "a FILTER comparing a variable with = to a number or a boolean (the engine answers "
        "with the constant of the query as a number, not the stored value): compare numbers "
        "with >= and <=, booleans by writing the variable alone or with !",
        "un FILTER qui compare une variable avec = à un nombre ou un booléen (le moteur rend "
        "la constante de la requête comme un nombre, pas la valeur enregistrée) : comparez "
        "les nombres avec >= et <=, les booléens en écrivant la variable seule ou avec !"),
    "typed-string": (
        "a literal typed xsd:string (the engine tells it apart from the same plain text, "
        "RDF 1.1 does not): write it as plain text \"…\"",
        "un littéral typé xsd:string (le moteur le distingue du même texte simple, RDF 1.1 "
        "non) : écrivez-le comme un texte simple \"…\""),
    "date-upper-bound": (
        "a FILTER bounding a variable from above with <= or >= by a date (the engine drops "
        "solutions below a date it does not hold): write !(?x > date)",
        "un FILTER qui borne une variable par le haut avec <= ou >= par une date (le moteur "
        "perd des solutions sous une date absente des données) : écrivez !(?x > date)"),
    "path-repeat": (
        "the property path {detail} (the engine counts the solutions of *, + and ? paths "
        "otherwise)",
        "le chemin de propriétés {detail} (le moteur compte autrement les solutions des "
        "chemins *, + et ?)"),
    "path-alternative": (
        "an alternative path (a|b) (the engine gives a solution once per branch that "
        "matches, the embedded store once): write it as a UNION",
        "un chemin alternatif (a|b) (le moteur rend une solution par branche qui la trouve, "
        "le magasin intégré une seule fois) : écrivez-le avec UNION"),
    "concat-tagged": (
        "CONCAT of values that may carry language tags or be numbers (the engine keeps "
        "tags they do not share): wrap the arguments in STR()",
        "CONCAT de valeurs qui peuvent porter une langue ou être des nombres (le moteur "
        "garde des langues qu'elles ne partagent pas) : entourez les arguments de STR()"),
    "group-concat-tagged": (
        "GROUP_CONCAT of values that may carry a language tag (the engine drops it): wrap "
        "the argument in STR()",
        "GROUP_CONCAT de valeurs qui peuvent porter une langue (le moteur la perd) : "
        "entourez l'argument de STR()"),
}

#: The constructs each engine evaluates otherwise than SPARQL 1.1 (measured by the
#: differential suite, tests/conformance).  "sum-avg-data" is decided with the data.
ENGINE_DIFFERENCES: dict[str, frozenset[str]] = {
    "virtuoso": frozenset({
        "sum-avg-double", "avg-no-group", "filter-scope", "values-optional",
        "string-tagged", "strafter-empty", "hash", "uuid", "minus-unshared", "arithmetic",
        "integer-division", "datatype", "number-equality", "path-repeat",
        "path-alternative", "concat-tagged", "group-concat-tagged", "typed-string",
        "date-upper-bound"}),
    "generic": frozenset(),
}

#: Loud refusals per code since the process started (served by /health).
REFUSALS: Counter[str] = Counter()
_LOCK = threading.Lock()


class EngineRefusal(Exception):
    """A query refused before it reached the engine: what, in English and French."""

    status = 422

    def __init__(self, engine: str, construct: Construct):
        self.engine = engine
        self.construct = construct
        super().__init__(self.text("en"))

    def text(self, language: str = "en") -> str:
        """Return the refusal in LANGUAGE ("en" or "fr")."""
        english, french = WORDS[self.construct.code]
        name = ENGINE_NAMES.get(self.engine, self.engine)
        detail = self.construct.detail
        if language == "fr":
            return (f"Requête refusée : {french.format(detail=detail)}. Le moteur SPARQL "
                    f"derrière ce point d'accès ({name}) y répondrait autrement que SPARQL "
                    "1.1 ; la requête n'a pas été envoyée.")
        return (f"Query refused: {english.format(detail=detail)}. The SPARQL engine behind "
                f"this endpoint ({name}) would answer it otherwise than SPARQL 1.1; the query "
                "was not sent.")


def engine_refusal(constructs, engine: str, *, lenient: bool = False,
                   data_has_doubles=None) -> EngineRefusal | None:
    """Return the refusal of a query with CONSTRUCTS over ENGINE, or None to send it.

    ``data_has_doubles`` (a callable) says whether the data hold double or float values;
    asked only for a query with SUM or AVG.
    """
    if lenient:
        return None
    wrong = ENGINE_DIFFERENCES.get(engine, frozenset())
    for construct in constructs:
        code = construct.code
        if code == "sum-avg":
            if "sum-avg-double" in wrong and (data_has_doubles is None or data_has_doubles()):
                code, construct = "sum-avg-double", Construct("sum-avg-double")
            else:
                continue
        if code in wrong:
            with _LOCK:
                REFUSALS[code] += 1
            return EngineRefusal(engine, construct)
    return None


def refusal_counts() -> dict[str, int]:
    """Return the loud refusals per construct since this process started."""
    with _LOCK:
        return dict(REFUSALS)


# -- reading the query -------------------------------------------------------------------


def tree_constructs(parsed) -> tuple[Construct, ...]:
    """List the constructs of a parse tree some engine evaluates otherwise.

    Read it before rdflib's ``translateQuery``, which rewrites the tree in place (and
    whose algebra drops the filters inside EXISTS).
    """
    found: list[Construct] = []
    _read_tree(parsed, found)
    return tuple(dict.fromkeys(found))


def algebra_constructs(translated) -> tuple[Construct, ...]:
    """List the constructs of a query's algebra (scopes, MINUS, VALUES) an engine gets wrong."""
    found: list[Construct] = []
    _read_algebra(translated.algebra, found)
    return tuple(dict.fromkeys(found))


def _value(node, key):
    return dict.get(node, key) if isinstance(node, dict) else None


_WRAPPERS = frozenset({
    "ConditionalOrExpression", "ConditionalAndExpression", "RelationalExpression",
    "AdditiveExpression", "MultiplicativeExpression", "UnaryExpression",
    "BrackettedExpression", "PrimaryExpression"})


def _is_wrapper(node) -> bool:
    """Say whether NODE only wraps one operand (the grammar's chain of expression levels)."""
    return isinstance(node, CompValue) and node.name in _WRAPPERS \
        and not _value(node, "other") and not _value(node, "op")


def _unwrap(expr):
    """Return the expression a chain of one-operand grammar nodes stands for."""
    while _is_wrapper(expr):
        inner = _value(expr, "expr")
        if inner is None:
            break
        expr = inner[0] if isinstance(inner, list) and len(inner) == 1 else inner
    return expr


def _simple_string(expr) -> bool:
    """Say whether EXPR is certainly a simple literal (no language tag, no datatype)."""
    expr = _unwrap(expr)
    if isinstance(expr, CompValue):
        if expr.name == "literal":
            string = _value(expr, "string")
            return _value(expr, "lang") is None and _value(expr, "datatype") is None \
                and isinstance(string, Literal)
        if expr.name == "Aggregate_GroupConcat":
            return _simple_string(_value(expr, "vars"))
        return expr.name in ("Builtin_STR", "Builtin_ENCODE_FOR_URI", "Builtin_STRUUID")
    return isinstance(expr, Literal) and expr.language is None and \
        expr.datatype in (None, URIRef(XSD + "string"))


def _numeric(expr) -> tuple[bool, bool]:
    """Return (certainly a number, certainly not an integer) for an expression."""
    expr = _unwrap(expr)
    if isinstance(expr, Literal):
        datatype = str(expr.datatype or "")
        if datatype == XSD + "integer":
            return True, False
        if datatype in (XSD + "decimal", *DOUBLES):
            return True, True
        return False, False
    if not isinstance(expr, CompValue):
        return False, False
    name = expr.name
    if name == "Function":
        iri = _function_iri(expr)
        if iri in (XSD + "decimal", *DOUBLES):
            return True, True
        return iri == XSD + "integer", False
    if name in ("Aggregate_Count", "Builtin_STRLEN", "Builtin_YEAR", "Builtin_MONTH",
                "Builtin_DAY", "Builtin_HOURS", "Builtin_MINUTES"):
        return True, False
    if name in ("Builtin_SECONDS", "Builtin_RAND"):
        return True, True
    if name in ("Builtin_ABS", "Builtin_CEIL", "Builtin_FLOOR", "Builtin_ROUND"):
        return _numeric(_value(expr, "arg"))
    if name in ("AdditiveExpression", "MultiplicativeExpression"):
        parts = [_value(expr, "expr"), *(_value(expr, "other") or [])]
        readings = [_numeric(p) for p in parts]
        return all(r[0] for r in readings), any(r[1] for r in readings) or \
            "/" in (_value(expr, "op") or [])
    if name == "UnaryExpression":
        return _numeric(_value(expr, "expr"))
    return False, False


def _path_text(node) -> str:
    return {"*": "p*", "+": "p+", "?": "p?"}.get(str(_value(node, "mod")), "")


def _function_iri(node) -> str:
    """Return the IRI of a function call of the parse tree, its prefix resolved."""
    iri = _value(node, "iri")
    if isinstance(iri, CompValue) and iri.name == "pname":
        return getattr(_READING, "prefixes", {}).get(str(_value(iri, "prefix") or ""), "") + \
            str(_value(iri, "localname") or "")
    return str(iri or "")


#: The prefixes of the query this thread is reading.
_READING = threading.local()


def _read_tree(parsed, found: list[Construct]) -> None:
    """Read the functions, paths and comparisons of the parse tree (EXISTS included)."""
    _READING.prefixes = {str(dict.get(decl, "prefix") or ""): str(decl["iri"])
                         for decl in parsed[0] if getattr(decl, "name", None) == "PrefixDecl"}
    stack = [(parsed[1] if len(parsed) > 1 else parsed, False, None)]
    tree_has_double = False
    aggregates = []
    while stack:
        item, in_optional, parent = stack.pop()
        if isinstance(item, Literal) and str(item.datatype or "") in DOUBLES:
            tree_has_double = True
        if isinstance(item, CompValue):
            _read_node(item, in_optional, parent, found, aggregates)
            if item.name == "Function" and _function_iri(item) in DOUBLES:
                tree_has_double = True
            if item.name == "Builtin_RAND":
                tree_has_double = True
            optional = in_optional or item.name == "OptionalGraphPattern"
            # A wrapper's operand keeps the wrapper's own parent (DATATYPE() = x reads it).
            above = parent if _is_wrapper(item) else item
            stack.extend((value, optional, above) for value in item.values())
        elif isinstance(item, dict):
            stack.extend((value, in_optional, parent) for value in item.values())
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend((value, in_optional, parent) for value in item)
    if aggregates:
        found.append(Construct("sum-avg-double" if tree_has_double else "sum-avg"))


def _read_node(node: CompValue, in_optional: bool, parent, found, aggregates) -> None:
    name = node.name
    if name in ("Aggregate_Sum", "Aggregate_Avg"):
        aggregates.append(node)
    elif name in ("Builtin_STRDT", "Builtin_STRLANG", "Builtin_STRBEFORE", "Builtin_REPLACE",
                  "Builtin_STRAFTER"):
        first = _value(node, "arg1") if _value(node, "arg1") is not None else \
            _value(node, "arg")
        if not _simple_string(first):
            found.append(Construct("string-tagged", name.removeprefix("Builtin_")))
        if name == "Builtin_STRAFTER":
            separator = _unwrap(_value(node, "arg2"))
            text = _value(separator, "string") if isinstance(separator, CompValue) else \
                separator
            if not (isinstance(text, Literal) and str(text) and _simple_string(separator)):
                found.append(Construct("strafter-empty"))
    elif name in ("Builtin_MD5", "Builtin_SHA1", "Builtin_SHA256", "Builtin_SHA384",
                  "Builtin_SHA512"):
        found.append(Construct("hash", name.removeprefix("Builtin_")))
    elif name in ("Builtin_UUID", "Builtin_STRUUID"):
        found.append(Construct("uuid", name.removeprefix("Builtin_") + "()"))
    elif name == "Builtin_CONCAT":
        if not all(_simple_string(arg) for arg in _value(node, "arg") or []):
            found.append(Construct("concat-tagged"))
    elif name == "Aggregate_GroupConcat":
        if not _simple_string(_value(node, "vars")):
            found.append(Construct("group-concat-tagged"))
    elif name in ("AdditiveExpression", "MultiplicativeExpression") and _value(node, "op"):
        operands = [_value(node, "expr"), *(_value(node, "other") or [])]
        readings = [_numeric(p) for p in operands]
        ops = " ".join(str(op) for op in _value(node, "op"))
        if not all(r[0] for r in readings):
            found.append(Construct("arithmetic", ops))
        elif "/" in (_value(node, "op") or []) and not any(r[1] for r in readings):
            found.append(Construct("integer-division"))
    elif name == "Builtin_DATATYPE":
        if not _datatype_compared(parent, node):
            found.append(Construct("datatype"))
    elif name == "RelationalExpression" and str(_value(node, "op")) in ("=", "!="):
        left, right = _unwrap(_value(node, "expr")), _unwrap(_value(node, "other"))
        if (isinstance(left, Variable) and _constant_number(right)) or \
                (isinstance(right, Variable) and _constant_number(left)):
            found.append(Construct("number-equality"))
    elif name == "PathElt" and _path_text(node):
        found.append(Construct("path-repeat", _path_text(node)))
    elif name == "PathAlternative" and len(_value(node, "part") or []) > 1:
        found.append(Construct("path-alternative"))
    elif name == "literal" and _datatype_iri(_value(node, "datatype")) == XSD + "string":
        found.append(Construct("typed-string"))


def _constant_number(expr) -> bool:
    """Say whether EXPR is a number or a boolean (the engine answers both with a number)."""
    expr = _unwrap(expr)
    if isinstance(expr, Literal) and str(expr.datatype or "") == XSD + "boolean":
        return True
    return _numeric(expr)[0]


def _datatype_iri(datatype) -> str:
    """Return the IRI of a literal's datatype in the parse tree (a pname resolved)."""
    if isinstance(datatype, CompValue) and datatype.name == "pname":
        return getattr(_READING, "prefixes", {}).get(str(_value(datatype, "prefix") or ""),
                                                     "") + str(_value(datatype, "localname") or "")
    return str(datatype or "")


def _datatype_compared(parent, node) -> bool:
    """Say whether DATATYPE(x) is compared with = to a constant datatype (not langString)."""
    if not isinstance(parent, CompValue) or parent.name != "RelationalExpression":
        return False
    if str(_value(parent, "op")) != "=":
        return False
    left, right = _unwrap(_value(parent, "expr")), _unwrap(_value(parent, "other"))
    other = right if left is node else left
    if isinstance(other, CompValue) and other.name == "pname":
        return True  # a prefixed datatype name: an IRI (langString is refused by name below)
    return isinstance(other, URIRef) and str(other) != RDF_LANG_STRING


# -- the algebra: scopes and certainly bound variables -------------------------------------


def _read_algebra(root, found: list[Construct]) -> None:
    optional_vars: set[Variable] = set()
    values_vars: set[Variable] = set()
    for node in _algebra_nodes(root):
        name = node.name
        if name == "LeftJoin":
            optional_vars |= set(_value(node["p2"], "_vars") or ())
        elif name == "values":
            for row in _value(node, "res") or []:
                values_vars |= set(row)
        elif name == "Minus":
            left, right = node["p1"], node["p2"]
            shared = _possible(left) & _possible(right)
            if not shared or not shared <= (_certain(left) & _certain(right)):
                found.append(Construct("minus-unshared"))
        elif name == "Filter":
            outer = _expression_vars(node["expr"]) - _possible(node["p"])
            if outer & _bound_anywhere(root):
                found.append(Construct("filter-scope"))
            if any(_date_upper_bound(c, _date_vars(root)) for c in _conjuncts(node["expr"])):
                found.append(Construct("date-upper-bound"))
        elif name == "Group" and _value(node, "expr") is None and any(
                a.name == "Aggregate_Avg" for a in _aggregates(root)):
            found.append(Construct("avg-no-group"))
    if values_vars & optional_vars:
        found.append(Construct("values-optional"))


DATES = (XSD + "date", XSD + "dateTime")


def _conjuncts(expr) -> list:
    """Return the operands of a FILTER's top-level && (the expression itself if none)."""
    if isinstance(expr, CompValue) and expr.name == "ConditionalAndExpression":
        return [part for operand in (expr["expr"], *(_value(expr, "other") or []))
                for part in _conjuncts(operand)]
    return [expr]


def _date_vars(root) -> set[Variable]:
    """Return the variables a VALUES row or a BIND sets to a date constant."""
    found = set()
    for node in _algebra_nodes(root):
        if node.name == "values":
            for row in _value(node, "res") or []:
                found |= {var for var, term in row.items() if _is_date(term)}
        elif node.name == "Extend" and _is_date(node["expr"]):
            found.add(node["var"])
    return found


def _is_date(term) -> bool:
    return isinstance(term, Literal) and str(term.datatype or "") in DATES


def _date_upper_bound(expr, date_vars: set[Variable]) -> bool:
    """Say whether EXPR is ``?x <= date`` or ``date >= ?x``: Virtuoso answers it from an
    index that loses every solution once the bound is below the greatest stored value
    (measured on 7.2; a cast, ``<`` or ``!(?x > date)`` are evaluated row by row)."""
    if not isinstance(expr, CompValue) or expr.name != "RelationalExpression":
        return False
    op = str(_value(expr, "op"))
    if op not in ("<=", ">="):
        return False
    low, high = expr["expr"], expr["other"]
    variable, bound = (low, high) if op == "<=" else (high, low)
    return isinstance(variable, Variable) and (
        _is_date(bound) or (isinstance(bound, Variable) and bound in date_vars))


def _expression_vars(expr) -> set[Variable]:
    """Return the variables an expression reads (EXISTS patterns apart: they bind their own)."""
    found, stack = set(), [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, Variable):
            found.add(item)
        elif isinstance(item, CompValue):
            if item.name not in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                stack.extend(v for k, v in item.items() if k != "_vars")
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def _bound_anywhere(root) -> set[Variable]:
    """Return the variables some pattern, BIND or VALUES of the query binds."""
    bound = set()
    for node in _algebra_nodes(root):
        if node.name == "BGP":
            bound |= _triple_vars(node["triples"])
        elif node.name == "Extend":
            bound.add(node["var"])
        elif node.name == "values":
            for row in _value(node, "res") or []:
                bound |= set(row)
    return bound


def _aggregates(root):
    for node in _algebra_nodes(root):
        if node.name == "AggregateJoin":
            yield from node["A"]


def _algebra_nodes(root):
    stack = [root]
    seen = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(v for k, v in item.items() if k != "_vars")
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _triple_vars(triples) -> set[Variable]:
    found = set()
    for triple in triples:
        for term in triple:
            if isinstance(term, Variable):
                found.add(term)
    return found


def _possible(node) -> set[Variable]:
    """Return the variables a pattern may bind (rdflib's ``_vars`` leave out VALUES)."""
    if not isinstance(node, CompValue):
        return set()
    name = node.name
    if name == "BGP":
        return _triple_vars(node["triples"])
    if name == "values":
        return {var for row in _value(node, "res") or [] for var in row}
    if name in ("Join", "LeftJoin", "Union"):
        return _possible(node["p1"]) | _possible(node["p2"])
    if name == "Minus":
        return _possible(node["p1"])
    if name == "Extend":
        return _possible(node["p"]) | {node["var"]}
    if name == "Project":
        return set(node["PV"])
    if name == "AggregateJoin":
        return _possible(node["p"]) | {a["res"] for a in node["A"]}
    if name == "Graph":
        term = _value(node, "term")
        return _possible(node["p"]) | ({term} if isinstance(term, Variable) else set())
    if _value(node, "p") is not None:
        return _possible(node["p"])
    return set(_value(node, "_vars") or ())


def _certain(node) -> set[Variable]:
    """Return the variables every solution of a pattern binds (conservatively)."""
    if not isinstance(node, CompValue):
        return set()
    name = node.name
    if name == "BGP":
        return _triple_vars(node["triples"])
    if name == "Join":
        return _certain(node["p1"]) | _certain(node["p2"])
    if name in ("LeftJoin", "Minus"):
        return _certain(node["p1"])
    if name == "Union":
        return _certain(node["p1"]) & _certain(node["p2"])
    if name in ("Filter", "Extend", "Distinct", "Reduced", "Slice", "OrderBy", "Graph",
                "ToMultiSet"):
        return _certain(node["p"])
    if name == "Project":
        return _certain(node["p"]) & set(node["PV"])
    if name == "values":
        rows = _value(node, "res") or []
        return set.intersection(*(set(r) for r in rows)) if rows else set()
    return set()


# -- the datatypes a query fixes -----------------------------------------------------------


BOOLEAN_EXPRESSIONS = frozenset({
    "RelationalExpression", "ConditionalAndExpression", "ConditionalOrExpression",
    "UnaryNot", "Builtin_isIRI", "Builtin_isBLANK", "Builtin_isLITERAL", "Builtin_isNUMERIC",
    "Builtin_BOUND", "Builtin_sameTerm", "Builtin_REGEX", "Builtin_CONTAINS",
    "Builtin_STRSTARTS", "Builtin_STRENDS", "Builtin_LANGMATCHES", "Builtin_EXISTS",
    "Builtin_NOTEXISTS"})


def _static_type(expr) -> str | None:
    if isinstance(expr, Literal) and str(expr.datatype or "") == XSD + "boolean":
        return "boolean"
    if isinstance(expr, CompValue):
        if expr.name in BOOLEAN_EXPRESSIONS:
            return "boolean"
        if expr.name == "Builtin_SECONDS":
            return "decimal"
        if expr.name == "Builtin_IF":
            then, otherwise = _static_type(expr["arg2"]), _static_type(expr["arg3"])
            return then if then == otherwise else None
    return None


def result_types(translated) -> tuple[tuple[str, str], ...]:
    """Return (variable, "boolean" or "decimal") for the variables whose datatype the
    query fixes: bound only by BIND or a projected expression of that type."""
    bound_by_pattern: set[Variable] = set()
    assigned: dict[Variable, set] = {}
    # A grouped variable comes back through SAMPLE: the same values, the same type.
    sampled = {a["res"]: a["vars"] for a in _aggregates(translated.algebra)
               if a.name == "Aggregate_Sample"}
    for node in _algebra_nodes(translated.algebra):
        if node.name == "Extend" and isinstance(node["expr"], Variable) \
                and sampled.get(node["expr"]) == node["var"]:
            continue
        if node.name == "BGP":
            bound_by_pattern |= _triple_vars(node["triples"])
        elif node.name == "values":
            for row in _value(node, "res") or []:
                bound_by_pattern |= set(row)
        elif node.name == "Extend":
            assigned.setdefault(node["var"], set()).add(_static_type(node["expr"]))
    return tuple(sorted((str(var), next(iter(types))) for var, types in assigned.items()
                        if len(types) == 1 and None not in types
                        and var not in bound_by_pattern))
