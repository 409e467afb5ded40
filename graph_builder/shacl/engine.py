"""Set-at-a-time SHACL Core validation for the constraints our shapes use.

pySHACL checks every property shape once per focus node, through rdflib lookups;
on a large curated graph that per-node cost dominates the build.  This engine
evaluates each constraint once for all focus nodes of a shape, over predicate
indexes built once from the data and vocabulary graphs, and follows pySHACL's
semantics for each supported component (same focus node, path, value, source
shape, component, severity and messages; messages a shape does not give come
from pySHACL's own generic wording).

:func:`plan` splits a shapes graph in two: the constraints this engine evaluates,
and a reduced shapes graph that keeps every other constraint for pySHACL.  A
constraint is never skipped: whatever the engine does not understand (a SPARQL
constraint, a complex path, a flag it does not know) stays in the reduced graph.
"""

from __future__ import annotations

import operator
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import rdflib
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from rdflib import OWL, RDF, RDFS, SH, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection

Node = rdflib.term.Node

#: Constraint parameters this engine evaluates (``sh:flags`` goes with ``sh:pattern``).
SUPPORTED = frozenset({
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern,
    SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue, SH.node, SH["or"], SH.property,
    SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.lessThan,
    SH.lessThanOrEquals,
})
#: Every parameter that makes a constraint (pySHACL's list and the extensions it knows).
CONSTRAINT_PARAMETERS = frozenset(ALL_CONSTRAINT_PARAMETERS) | {
    SH.expression, SH.js, SH.flags}
#: Parameters only meaningful on a property shape.
PROPERTY_ONLY = frozenset({SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape,
                           SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.lessThan,
                           SH.lessThanOrEquals})
#: Parameters comparing each value node with the values of another property of the focus.
_COMPARISONS = {SH.lessThan: operator.lt, SH.lessThanOrEquals: operator.le}
#: Parameters whose presence anywhere in the shapes sends the whole graph to pySHACL.
UNPLANNABLE = frozenset({SH.target, SH.rule, SH.declare, SH.parameter})
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_REFERENCING = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_REFERENCING_LISTS = (SH["or"], SH["and"], SH.xone)
_PYTHON_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int,
                 XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date,
                 XSD.time: time, XSD.dateTime: datetime}
_NODE_KINDS = {
    SH.IRI: (URIRef,), SH.Literal: (Literal,), SH.BlankNode: (BNode,),
    SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


@dataclass(frozen=True)
class RawResult:
    """One validation result as pySHACL would report it, before it is located in records."""

    focus: Node
    path: Node | None
    value: Node | None
    component: URIRef
    shape: Node
    severity: URIRef
    messages: tuple[Literal, ...]


@dataclass
class Plan:
    """Which shapes the engine checks and what is left for pySHACL."""

    checks: list[tuple[Node, tuple[URIRef, ...], tuple[Node, ...]]] = field(default_factory=list)
    residual: rdflib.Graph | None = None
    residual_shapes: list[Node] = field(default_factory=list)


class _Shapes:
    """Read-only questions about a shapes graph."""

    def __init__(self, graph: rdflib.Graph):
        self.graph = graph
        self._supported: dict[Node, bool] = {}

    def one(self, shape: Node, param: URIRef) -> Node | None:
        return next(iter(self.graph.objects(shape, param)), None)

    def list_of(self, head: Node) -> list[Node]:
        return list(Collection(self.graph, head))

    def is_property_shape(self, shape: Node) -> bool:
        return (shape, SH.path, None) in self.graph

    def path_ok(self, shape: Node) -> bool:
        path = self.one(shape, SH.path)
        if isinstance(path, URIRef):
            return True
        inverse = self.one(path, SH.inversePath) if path is not None else None
        return isinstance(inverse, URIRef) and len(set(self.graph.predicates(path))) == 1

    def params(self, shape: Node) -> set[URIRef]:
        return {p for p in self.graph.predicates(shape) if p in CONSTRAINT_PARAMETERS}

    def referenced(self, shape: Node, param: URIRef) -> list[Node]:
        found = []
        for value in self.graph.objects(shape, param):
            found += self.list_of(value) if param in _REFERENCING_LISTS else [value]
        return found

    def param_ok(self, shape: Node, param: URIRef, nested: bool) -> bool:
        if param not in SUPPORTED:
            return False
        if param in PROPERTY_ONLY and not self.is_property_shape(shape):
            return False
        if param == SH.pattern:
            flags = self.one(shape, SH.flags)
            return flags is None or set(str(flags).lower()) <= {"i", "m"}
        if param in _COMPARISONS:
            return all(isinstance(p, URIRef) for p in self.graph.objects(shape, param))
        if param in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
            return self.param_ok(shape, SH.qualifiedValueShape, nested)
        if param == SH.qualifiedValueShape:
            disjoint = self.one(shape, SH.qualifiedValueShapesDisjoint)
            if disjoint is not None and bool(getattr(disjoint, "value", False)):
                return False
        if param in _REFERENCING or param in _REFERENCING_LISTS:
            return all(self.supported(s, nested=True) for s in self.referenced(shape, param))
        return True

    def supported(self, shape: Node, nested: bool = False) -> bool:
        """Return whether the engine can evaluate every constraint of ``shape``."""
        if shape in self._supported:
            return self._supported[shape]
        self._supported[shape] = False  # a shape that refers to itself is left to pySHACL
        ok = (not self.is_property_shape(shape) or self.path_ok(shape))
        severity = self.one(shape, SH.severity)
        if nested and severity not in (None, SH.Violation):
            ok = False
        ok = ok and all(p == SH.flags or self.param_ok(shape, p, nested)
                        for p in self.params(shape))
        self._supported[shape] = ok
        return ok


def top_level_shapes(graph: rdflib.Graph) -> list[Node]:
    """Return the shapes with targets, explicit or implicit (a shape that is a class)."""
    found = {s for t in TARGETS for s in graph.subjects(t, None)}
    for cls in (RDFS.Class, OWL.Class):
        for s in graph.subjects(RDF.type, cls):
            if (s, RDF.type, SH.NodeShape) in graph or (s, RDF.type, SH.PropertyShape) in graph:
                found.add(s)
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def plan(shapes: rdflib.Graph) -> Plan:
    """Split ``shapes`` into the engine's checks and a reduced graph for pySHACL."""
    result = Plan()
    if any((None, p, None) in shapes for p in UNPLANNABLE) or \
            (None, RDF.type, SH.ConstraintComponent) in shapes:
        result.residual = shapes
        result.residual_shapes = top_level_shapes(shapes)
        return result
    info = _Shapes(shapes)
    nested = {s for p in _REFERENCING + _REFERENCING_LISTS for shape in shapes.subjects(p, None)
              for s in info.referenced(shape, p) if p != SH.property}
    residual = rdflib.Graph()
    for triple in shapes:
        residual.add(triple)
    for shape in top_level_shapes(shapes):
        if _deactivated(shapes, shape):
            continue
        if shape in nested or (info.is_property_shape(shape) and not info.path_ok(shape)):
            result.residual_shapes.append(shape)
            continue
        own = tuple(sorted(p for p in info.params(shape)
                           if p not in (SH.property, SH.flags) and info.param_ok(shape, p, False)))
        links = tuple(sorted((ps for ps in shapes.objects(shape, SH.property)
                              if info.supported(ps)), key=str))
        result.checks.append((shape, own, links))
        for param in own:
            residual.remove((shape, param, None))
            if param == SH.pattern:
                residual.remove((shape, SH.flags, None))
        for ps in links:
            residual.remove((shape, SH.property, ps))
        if info.params(shape) - set(own) - {SH.flags, SH.property} or \
                set(shapes.objects(shape, SH.property)) - set(links):
            result.residual_shapes.append(shape)
        else:
            for target in TARGETS:
                residual.remove((shape, target, None))
    if result.residual_shapes:
        result.residual = residual
    return result


class Evaluator:
    """Evaluate planned checks over a data graph and a vocabulary graph."""

    def __init__(self, graphs: Iterable[rdflib.Graph], shapes: rdflib.Graph):
        self.graphs = list(graphs)
        self.shapes = _Shapes(shapes)
        self._out: dict[URIRef, dict[Node, list[Node]]] = {}
        self._in: dict[URIRef, dict[Node, list[Node]]] = {}
        self._supers: dict[Node, frozenset[Node]] = {}
        self._types = self._index(RDF.type, self._out)
        self._conforms: dict[tuple[Node, Node], bool] = {}
        self._checks: dict = {}
        self._prepared: dict = {}
        self._about: dict[Node, tuple] = {}
        self._generic = None

    # --- data access -------------------------------------------------------------------

    def _index(self, predicate: URIRef, cache: dict) -> dict[Node, list[Node]]:
        if predicate not in cache:
            table: dict[Node, list[Node]] = defaultdict(list)
            inverse = cache is self._in
            for graph in self.graphs:
                for s, o in graph.subject_objects(predicate):
                    key, value = (o, s) if inverse else (s, o)
                    table[key].append(value)
            if len(self.graphs) > 1:
                table = defaultdict(list, {k: list(dict.fromkeys(v)) for k, v in table.items()})
            cache[predicate] = table
        return cache[predicate]

    def superclasses(self, cls: Node) -> frozenset[Node]:
        """Return ``cls`` and every class above it through ``rdfs:subClassOf``."""
        if cls not in self._supers:
            up = self._index(RDFS.subClassOf, self._out)
            seen, todo = {cls}, [cls]
            while todo:
                for parent in up.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._supers[cls] = frozenset(seen)
        return self._supers[cls]

    def is_instance(self, node: Node, cls: Node) -> bool:
        """Return whether ``node`` has a type that is ``cls`` or one of its subclasses."""
        return any(cls in self.superclasses(t) for t in self._types.get(node, ()))

    def focus_nodes(self, shape: Node) -> list[Node]:
        """Return the focus nodes of a shape's targets, in a stable order."""
        graph = self.shapes.graph
        found: dict[Node, None] = {}
        classes = set(graph.objects(shape, SH.targetClass))
        if any((shape, RDF.type, c) in graph for c in (RDFS.Class, OWL.Class)):
            classes.add(shape)
        if classes:
            for node, types in self._types.items():
                if any(classes & self.superclasses(t) for t in types):
                    found[node] = None
        for node in graph.objects(shape, SH.targetNode):
            found[node] = None
        for predicate in graph.objects(shape, SH.targetSubjectsOf):
            found.update(dict.fromkeys(self._index(predicate, self._out)))
        for predicate in graph.objects(shape, SH.targetObjectsOf):
            found.update(dict.fromkeys(self._index(predicate, self._in)))
        return list(found)

    # --- evaluation ----------------------------------------------------------------------

    def run(self, checks) -> list[RawResult]:
        """Evaluate planned checks on their targets and return every result."""
        results: list[RawResult] = []
        for shape, own, links in checks:
            focus = self.focus_nodes(shape)
            if not focus:
                continue
            results += self.evaluate(shape, focus, own)
            for ps in links:
                results += self.evaluate(ps, focus, None)
        return results

    def conforms(self, node: Node, shape: Node) -> bool:
        """Return whether ``node`` meets every constraint of a nested ``shape``."""
        key = (node, shape)
        if key not in self._conforms:
            self._conforms[key] = not self._failures(shape, [node], None, stop_early=True)
        return self._conforms[key]

    def evaluate(self, shape: Node, focus: list[Node],
                 params: Iterable[URIRef] | None) -> list[RawResult]:
        """Evaluate ``params`` (default: all) of ``shape`` for ``focus``; return results."""
        return [self._result(s, f, v, c) for s, f, v, c in self._failures(shape, focus, params)]

    def _failures(self, shape: Node, focus: list[Node], params: Iterable[URIRef] | None,
                  stop_early: bool = False) -> list[tuple[Node, Node, Node | None, URIRef]]:
        """Return (shape, focus, value, component) for every failure, shape by shape."""
        key = (shape, None if params is None else tuple(params))
        if key not in self._prepared:
            graph = self.shapes.graph
            chosen = tuple(sorted(self.shapes.params(shape) if params is None else params))
            active = not _deactivated(graph, shape)
            nested = list(graph.objects(shape, SH.property)) if SH.property in chosen else []
            self._prepared[key] = (active, self._lookup(shape), self._compiled(shape, chosen),
                                   nested)
        active, lookup, checks, nested = self._prepared[key]
        if not active:
            return []
        found = []
        for f in focus:
            values = lookup(f)
            for check in checks:
                for value, component in check(f, values):
                    found.append((shape, f, value, component))
                    if stop_early:
                        return found
        if nested:
            value_focus = list(dict.fromkeys(v for f in focus for v in lookup(f)))
            for ps in nested:
                found += self._failures(ps, value_focus, None, stop_early)
                if stop_early and found:
                    return found
        return found

    def _lookup(self, shape: Node):
        """Return a function giving the value nodes of a focus node for ``shape``."""
        path = self.shapes.one(shape, SH.path)
        if path is None:
            return lambda focus: [focus]
        if isinstance(path, URIRef):
            table = self._index(path, self._out)
        else:
            table = self._index(self.shapes.one(path, SH.inversePath), self._in)
        return lambda focus: table.get(focus, ())

    def _compiled(self, shape: Node, params: tuple[URIRef, ...]):
        """Return one function per constraint of ``shape``: values → failures."""
        key = (shape, params)
        if key not in self._checks:
            self._checks[key] = [
                self._check(shape, param, rule) for param in params
                if param not in (SH.flags, SH.property, SH.qualifiedMinCount,
                                 SH.qualifiedMaxCount)
                for rule in self.shapes.graph.objects(shape, param)]
        return self._checks[key]

    def _check(self, shape: Node, param: URIRef, rule: Node):
        """Return a function: (focus, its value nodes) → (value or None, component) failures."""
        component = CONSTRAINT_PARAMETERS_MAP[param].shacl_constraint_component
        if param == SH.minCount:
            low = int(rule)
            return lambda _, values: [(None, component)] if len(values) < low else ()
        if param == SH.maxCount:
            high = int(rule)
            return lambda _, values: [(None, component)] if len(values) > high else ()
        if param == SH.hasValue:
            return lambda _, values: () if any(v == rule for v in values) else [(None, component)]
        if param == SH.uniqueLang:
            unique = bool(rule.value) if isinstance(rule, Literal) else False
            return lambda _, values: [(None, component) for _ in _duplicated_languages(values)
                                      ] if unique else ()
        if param in _COMPARISONS:
            others = self._index(rule, self._out)
            compare = _COMPARISONS[param]
            return lambda focus, values: [
                (v, component) for v in dict.fromkeys(values)
                for o in dict.fromkeys(others.get(focus, ())) if not _ordered(v, o, compare)]
        if param == SH.qualifiedValueShape:
            low = self.shapes.one(shape, SH.qualifiedMinCount)
            high = self.shapes.one(shape, SH.qualifiedMaxCount)

            def qualified(_, values):
                count = sum(1 for v in values if self.conforms(v, rule))
                failures = []
                if low is not None and count < int(low):
                    failures.append((None, SH.QualifiedMinCountConstraintComponent))
                if high is not None and count > int(high):
                    failures.append((None, SH.QualifiedMaxCountConstraintComponent))
                return failures
            return qualified
        test = self._value_test(shape, param, rule)
        return lambda _, values: [(v, component) for v in values if not test(v)]

    def _value_test(self, shape: Node, param: URIRef, rule: Node):
        """Return a predicate saying whether one value node meets a value-type constraint."""
        if param == SH["class"]:
            return lambda v: not isinstance(v, Literal) and self.is_instance(v, rule)
        if param == SH.datatype:
            return lambda v: _has_datatype(v, rule)
        if param == SH.nodeKind:
            kinds = _NODE_KINDS.get(rule, ())
            return lambda v: isinstance(v, kinds)
        if param == SH.pattern:
            flags = str(self.shapes.one(shape, SH.flags) or "").lower()
            regex = re.compile(str(rule), (re.I if "i" in flags else 0)
                               | (re.M if "m" in flags else 0))
            return lambda v: not isinstance(v, BNode) and regex.search(_as_string(v)) is not None
        if param == SH.languageIn:
            wanted = {str(x).lower() for x in self.shapes.list_of(rule)}
            return lambda v: _language_in(v, wanted)
        if param == SH["in"]:
            allowed = self.shapes.list_of(rule)
            return lambda v: v in allowed
        if param == SH.node:
            return lambda v: self.conforms(v, rule)
        if param == SH["or"]:
            options = self.shapes.list_of(rule)
            return lambda v: any(self.conforms(v, s) for s in options)
        raise ValueError(f"unsupported constraint parameter {param}")

    def _result(self, shape: Node, focus: Node, value: Node | None,
                component: URIRef) -> RawResult:
        if shape not in self._about:
            graph = self.shapes.graph
            self._about[shape] = (self.shapes.one(shape, SH.path),
                                  self.shapes.one(shape, SH.severity) or SH.Violation,
                                  tuple(graph.objects(shape, SH.message)))
        path, severity, messages = self._about[shape]
        if not messages:
            messages = tuple(self._generic_messages(shape, component, focus, value))
        return RawResult(focus, path, value, component, shape, severity, messages)

    def _generic_messages(self, shape: Node, component: URIRef, focus: Node,
                          value: Node | None) -> list[Literal]:
        """Return pySHACL's own wording for a result whose shape has no ``sh:message``."""
        from pyshacl.shapes_graph import ShapesGraph

        if self._generic is None:
            self._generic = ShapesGraph(self.shapes.graph)
            self._generic.shapes  # noqa: B018 - builds pySHACL's shape cache
        py_shape = self._generic.lookup_shape_from_node(shape)
        cls = next((c for c in CONSTRAINT_PARAMETERS_MAP.values()
                    if c.shacl_constraint_component == component),
                   CONSTRAINT_PARAMETERS_MAP[SH.qualifiedValueShape])
        return list(cls(py_shape).make_generic_messages(rdflib.Graph(), focus, value) or [])


def _deactivated(graph: rdflib.Graph, shape: Node) -> bool:
    flags = graph.objects(shape, SH.deactivated)
    return any(getattr(flag, "value", None) is True for flag in flags)


def _comparable(term: Node) -> tuple[object, bool]:
    """Return what pySHACL compares for a term, and whether it is a string."""
    if isinstance(term, BNode):
        raise ValueError("sh:lessThan and sh:lessThanOrEquals cannot compare a blank node")
    if isinstance(term, URIRef):
        return str(term), True
    if isinstance(term, Literal) and isinstance(term.value, str):
        return term.value, True
    return term, False


def _ordered(value: Node, other: Node, compare) -> bool:
    """Return whether ``value`` is below (or at) ``other``; a string never meets a non-string."""
    (left, left_text), (right, right_text) = _comparable(value), _comparable(other)
    if left_text != right_text:
        return False
    if any(isinstance(t, Literal) and t.value is None for t in (left, right)):
        # An unknown datatype or an ill-typed literal: rdflib's comparison tests
        # NotImplemented for truth (deprecated); pySHACL gets that answer, so do we.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return bool(compare(left, right))
    return bool(compare(left, right))


def _duplicated_languages(values: list[Node]) -> list[str]:
    seen: set[str] = set()
    duplicated: dict[str, None] = {}
    for v in values:
        if isinstance(v, Literal) and v.language:
            lang = v.language.lower()
            if lang in seen:
                duplicated[lang] = None
            seen.add(lang)
    return list(duplicated)


def _language_in(v: Node, wanted: set[str]) -> bool:
    if not isinstance(v, Literal) or not v.language:
        return False
    lang = v.language.lower()
    return "*" in wanted or lang in wanted or lang.split("-")[0] in wanted


def _as_string(v: Node) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString,
                                                                         XSD.string):
        return str(v.value)
    return str(v)


def _has_datatype(v: Node, rule: Node) -> bool:
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        if getattr(v, "ill_typed", None) is True:
            return False
        return _actual_type(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual_type(v, rule)
    if rule == RDF.langString and v.language:
        return _actual_type(v, rule)
    return False


def _actual_type(v: Literal, rule: Node) -> bool:
    expected = _PYTHON_TYPES.get(rule)
    if expected is None:
        return True
    value = v.value
    return isinstance(value, expected)
