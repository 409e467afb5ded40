"""Indicators computed from the contract graph at build time, stored as ``apg:Indicator``.

Each indicator records its value, unit, scope, period (the years or the first and last
contract dates it covers), the instrument it is about, the SPARQL text that made it
(``apg:computedByQuery``, one of ``achat_core/queries/indicators/*.rq``), the
organisation or region it is about (``dcterms:subject``, so their pages read the figure
instead of recomputing it) and, for the innovative-contracts-by-procedure figures shown
on the innovation partnership's page,
``apg:isProxy true``: DECP has no field for the innovation partnership.

The figures grouped over every contract (per instrument, year, buyer and region, and the
shares of considerations) come from the totals summed while the contracts were mapped
(:mod:`~graph_builder.rdf.indicator_totals`) when the build has them; the store answers
the rest (innovative contracts, a small share of them).

An indicator whose query leaves the value unbound (a sum beyond the store's ``xsd:decimal``
range, for instance) is left out rather than published with a wrong value.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyoxigraph as ox

from achat_core.iris import DCT, RDF, RDFS, SKOS, XSD
from achat_core.resources import QUERIES_DIR
from graph_builder.namespaces import APG
from graph_builder.rdf import decp_codes as codes
from graph_builder.rdf.indicator_totals import STREAMED, Totals

RDF_TYPE = ox.NamedNode(f"{RDF}type")
LABEL = ox.NamedNode(f"{RDFS}label")
SOURCE = ox.NamedNode(f"{DCT}source")
SUBJECT = ox.NamedNode(f"{DCT}subject")
#: Buyers kept per instrument by the build (the most frequent ones).
TOP_BUYERS = 10
PROCEDURE_TYPE = codes.EU + "procurement-procedure-type/"


def _p(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def read_query(name: str) -> str:
    """Return the text of a shipped query, e.g. ``indicators/innovative-per-year``.

    The build's queries live under ``indicators/``, out of the query page's examples.
    """
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")


class _Writer:
    """Collect the triples of indicators under one base."""

    def __init__(self, base: str, source: str | None):
        self.base = base
        self.source = source
        self.triples: list[ox.Triple] = []

    def add(self, slug: str, label: tuple[str, str], value, unit: str, measure: str,
            scope: tuple[str, str], period: tuple[str, str], query: str,
            instrument: str | None = None, proxy: bool = False,
            subject: str | None = None) -> None:
        if value is None:  # unbound: the store could not compute it
            return
        node = ox.NamedNode(f"{self.base}id/indicator/{slug}")
        add = self.triples.append
        add(ox.Triple(node, RDF_TYPE, _p(APG.Indicator)))
        add(ox.Triple(node, LABEL, ox.Literal(label[0], language="fr")))
        add(ox.Triple(node, LABEL, ox.Literal(label[1], language="en")))
        add(ox.Triple(node, _p(APG.value), ox.Literal(_decimal(value),
                                                      datatype=ox.NamedNode(XSD + "decimal"))))
        add(ox.Triple(node, _p(APG.unit), ox.Literal(unit)))
        add(ox.Triple(node, _p(APG.measure), ox.Literal(measure)))
        add(ox.Triple(node, _p(APG.scope), ox.Literal(scope[0], language="fr")))
        add(ox.Triple(node, _p(APG.scope), ox.Literal(scope[1], language="en")))
        date = ox.NamedNode(XSD + "date")
        add(ox.Triple(node, _p(APG.periodStart), ox.Literal(period[0], datatype=date)))
        add(ox.Triple(node, _p(APG.periodEnd), ox.Literal(period[1], datatype=date)))
        add(ox.Triple(node, _p(APG.computedByQuery), ox.Literal(query)))
        if instrument:
            add(ox.Triple(node, _p(APG.aboutInstrument), ox.NamedNode(instrument)))
        if subject:
            add(ox.Triple(node, SUBJECT, ox.NamedNode(subject)))
        if proxy:
            add(ox.Triple(node, _p(APG.isProxy), ox.Literal("true",
                                                           datatype=ox.NamedNode(XSD + "boolean"))))
        if self.source:
            add(ox.Triple(node, SOURCE, ox.NamedNode(self.source)))


def _decimal(value) -> str:
    number = Decimal(value)
    whole = number.to_integral_value()
    return format(whole if number == whole else number.quantize(Decimal("0.01")), "f")


def _value(row, name: str):
    term = row[name]
    return None if term is None else term.value


def _rows(store: ox.Store, query: str) -> list[dict[str, str | None]]:
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    return [{n: _value(s, n) for n in names} for s in solutions]


class _Names:
    """The French and English names of the things an indicator's label names (an instrument,
    a buyer, a procedure type), read from the store once each: a label says "Procédure
    adaptée", never the key ``procedure-adaptee`` or the code ``neg-w-call``."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.known: dict[str, tuple[str, str]] = {}

    def __call__(self, iri: str) -> tuple[str, str]:
        if iri not in self.known:
            found: dict[str, str] = {}
            for row in self.store.query(
                    f"SELECT ?l WHERE {{ <{iri}> <{RDFS}label>|<{SKOS}prefLabel> ?l }}"):
                found.setdefault(row["l"].language or "", row["l"].value)
            fallback = found.get("") or iri.rstrip("/").rsplit("/", 1)[-1]
            self.known[iri] = (found.get("fr", found.get("en", fallback)),
                               found.get("en", found.get("fr", fallback)))
        return self.known[iri]


Rows = Callable[[str, str], list[dict]]


def compute_indicators(store: ox.Store, base: str, source: str | None = None,
                       totals: Totals | None = None) -> list[ox.Triple]:
    """Run the DECP indicator queries and return ``apg:Indicator`` triples.

    With ``totals``, the queries they answer (``STREAMED``) are read from them, not run
    over ``store``: the same rows, without grouping the whole store.
    """
    def rows(name: str, query: str) -> list[dict]:
        if totals is not None and name in STREAMED:
            return totals.rows(name)
        return _rows(store, query)

    out = _Writer(base, source)
    names = _Names(store)
    instrument_prefix = f"{base}id/instrument/"
    france = ("France", "France")

    query = read_query("indicators/instrument-usage")
    for row in rows("instrument-usage", query):
        if not row["instrument"].startswith(instrument_prefix):
            continue
        key = row["instrument"][len(instrument_prefix):]
        fr, en = names(row["instrument"])
        inferred = row["inferred"] == "true"
        how = "inferred" if inferred else "declared"
        how_fr = "déduits" if inferred else "déclarés"
        period = (row["first"], row["last"])
        common = dict(scope=france, period=period, query=query, instrument=row["instrument"])
        out.add(f"{key}-{how}-contracts", (f"Contrats {how_fr} ({fr})",
                                           f"Contracts, {how} ({en})"),
                row["contracts"], "contracts", f"contracts-{how}", **common)
        out.add(f"{key}-{how}-amount", (f"Montant HT des contrats {how_fr} ({fr})",
                                        f"Amount excluding VAT of contracts, {how} ({en})"),
                row["total"], "EUR", f"amount-{how}", **common)
        out.add(f"{key}-{how}-buyers", (f"Acheteurs, contrats {how_fr} ({fr})",
                                        f"Buyers, contracts {how} ({en})"),
                row["buyers"], "buyers", f"buyers-{how}", **common)

    query = read_query("indicators/innovative-per-year")
    for row in rows("innovative-per-year", query):
        year = row["year"]
        period = (f"{year}-01-01", f"{year}-12-31")
        out.add(f"innovative-contracts-{year}", (f"Marchés innovants en {year}",
                                                 f"Innovative contracts in {year}"),
                row["contracts"], "contracts", "innovative-contracts", france, period, query)
        out.add(f"innovative-amount-{year}", (f"Montant HT des marchés innovants en {year}",
                                              f"Amount excluding VAT of innovative contracts in "
                                              f"{year}"),
                row["total"], "EUR", "innovative-amount", france, period, query)

    for query_name, column, name_column, prefix, subject_column in (
            ("indicators/innovative-per-buyer", "buyer", "label", "buyer-", "organisation"),
            ("indicators/innovative-per-region", "region", "name", "", "region")):
        query = read_query(query_name)
        for row in rows(query_name.removeprefix("indicators/"), query):
            code = row[column].rsplit("/", 1)[-1]
            name = row[name_column] or code
            period = (row["first"], row["last"])
            common = dict(scope=(name, name), period=period, query=query,
                          subject=row[subject_column])
            out.add(f"innovative-contracts-{prefix}{code}", (f"Marchés innovants : {name}",
                                                             f"Innovative contracts: {name}"),
                    row["contracts"], "contracts", "innovative-contracts", **common)
            out.add(f"innovative-amount-{prefix}{code}",
                    (f"Montant HT des marchés innovants : {name}",
                     f"Amount of innovative contracts: {name}"),
                    row["total"], "EUR", "innovative-amount", **common)

    _instrument_breakdowns(rows, out, instrument_prefix, names)

    query = read_query("indicators/considerations-share")
    considerations = f"{instrument_prefix}{codes.CONSIDERATIONS_INSTRUMENT}"
    for row in rows("considerations-share", query):
        period = (row["first"], row["last"])
        for name, fr, en in (("social", "sociale", "social"),
                             ("green", "environnementale", "environmental"),
                             ("either", "sociale ou environnementale", "social or environmental")):
            out.add(f"share-{name}-considerations",
                    (f"Part des contrats avec une considération {fr}",
                     f"Share of contracts with a {en} consideration"),
                    row[f"{name}Percent"], "percent", f"share-{name}", france, period, query,
                    considerations)

    query = read_query("indicators/innovative-by-procedure")
    partnership = f"{instrument_prefix}{codes.PARTNERSHIP_INSTRUMENT}"
    for row in rows("innovative-by-procedure", query):
        code = row["procedureType"].removeprefix(PROCEDURE_TYPE)
        fr, en = names(row["procedureType"])
        period = (row["first"], row["last"])
        out.add(f"innovative-contracts-procedure-{code}",
                (f"Marchés innovants par procédure ({fr}) — indicateur indirect",
                 f"Innovative contracts by procedure ({en}) — proxy"),
                row["contracts"], "contracts", "innovative-contracts-by-procedure", france,
                period, query, partnership, proxy=True)
    return out.triples


def _instrument_breakdowns(rows: Rows, out: _Writer, instrument_prefix: str,
                           names: _Names) -> None:
    """Add each instrument's contracts per year, per region and for its most frequent buyers.

    The instrument pages read these instead of grouping hundreds of thousands of contracts
    at each visit.
    """
    france = ("France", "France")
    query = read_query("indicators/instrument-per-year")
    found = rows("instrument-per-year", query)
    for row in found:
        if not row["instrument"].startswith(instrument_prefix) or row["year"] is None:
            continue
        key, year = row["instrument"][len(instrument_prefix):], row["year"]
        fr, en = names(row["instrument"])
        how = "inferred" if row["inferred"] == "true" else "declared"
        how_fr = "déduits" if how == "inferred" else "déclarés"
        common = dict(scope=france, period=(f"{year}-01-01", f"{year}-12-31"), query=query,
                      instrument=row["instrument"])
        out.add(f"{key}-{how}-contracts-{year}",
                (f"Contrats {how_fr} en {year} ({fr})", f"Contracts, {how}, in {year} ({en})"),
                row["contracts"], "contracts", f"contracts-{how}-per-year", **common)
        out.add(f"{key}-{how}-amount-{year}",
                (f"Montant HT des contrats {how_fr} en {year} ({fr})",
                 f"Amount excluding VAT of contracts, {how}, in {year} ({en})"),
                row["total"], "EUR", f"amount-{how}-per-year", **common)

    query = read_query("indicators/instrument-per-buyer")
    found = rows("instrument-per-buyer", query)
    kept: dict[str, int] = {}
    for row in found:  # most contracts first within each instrument
        instrument = row["instrument"]
        if not instrument.startswith(instrument_prefix):
            continue
        if kept.setdefault(instrument, 0) >= TOP_BUYERS:
            continue
        kept[instrument] += 1
        key = instrument[len(instrument_prefix):]
        code = row["organisation"].rsplit("/", 1)[-1]
        fr, en = names(instrument)
        buyer_fr, buyer_en = names(row["organisation"])
        common = dict(scope=france, period=(row["first"], row["last"]), query=query,
                      instrument=instrument, subject=row["organisation"])
        out.add(f"{key}-contracts-buyer-{code}", (f"Contrats de l'acheteur {buyer_fr} ({fr})",
                                                  f"Contracts of buyer {buyer_en} ({en})"),
                row["contracts"], "contracts", "contracts-by-buyer", **common)
        out.add(f"{key}-amount-buyer-{code}", (f"Montant HT, acheteur {buyer_fr} ({fr})",
                                               f"Amount excluding VAT, buyer {buyer_en} ({en})"),
                row["total"], "EUR", "amount-by-buyer", **common)

    query = read_query("indicators/instrument-per-region")
    found = rows("instrument-per-region", query)
    for row in found:
        instrument = row["instrument"]
        if not instrument.startswith(instrument_prefix):
            continue
        key, code = instrument[len(instrument_prefix):], row["region"].rsplit("/", 1)[-1]
        fr, en = names(instrument)
        name = row["name"] or code
        common = dict(scope=(name, name), period=(row["first"], row["last"]), query=query,
                      instrument=instrument, subject=row["region"])
        out.add(f"{key}-contracts-{code}", (f"Contrats : {name} ({fr})",
                                            f"Contracts: {name} ({en})"),
                row["contracts"], "contracts", "contracts-by-region", **common)
        out.add(f"{key}-amount-{code}", (f"Montant HT : {name} ({fr})",
                                         f"Amount excluding VAT: {name} ({en})"),
                row["total"], "EUR", "amount-by-region", **common)
