"""The answer card a thing's page opens with, chosen by its type.

A contract is told as a sentence, an organisation by what it bought or won, a region by
its figures, an instrument by what it is, when to use it and how often it is used;
anything else gets the plain page.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from achat_core.iris import APG, DCT, EPO, ORG, RDF
from sparql_endpoint.pages import answers, charts, feeds, parties, table_twins
from sparql_endpoint.pages.answers import Select
from sparql_endpoint.pages.contract_card import contract_card
from sparql_endpoint.pages.render import backend, labeller, term_view
from sparql_endpoint.pages.words import text

CONTRACTS = {EPO + "Contract", EPO + "ConcessionContract"}
ROLES = {EPO + "Buyer", EPO + "Winner", EPO + "Contractor"}
PARTIES = ROLES | {APG + "Organisation", ORG + "Organization"}


def name_of(lang: str):
    """Return a template helper naming an IRI (label, language, link) in the page's language."""
    return lambda iri: term_view(ox.NamedNode(iri), lang)


IRI_KEYS = ("iri", "buyer", "kind", "instrument", "owner", "procedure", "nature", "place")


def _iris(value) -> set[str]:
    """Collect the IRIs held in a card (values under the keys ``iri``, ``buyer``, …)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in IRI_KEYS and isinstance(item, str) and "://" in item:
                found.add(item)
            else:
                found |= _iris(item)
    elif isinstance(value, list):
        for item in value:
            found |= {item} if isinstance(item, str) and "://" in item else _iris(item)
    return found


def answer_of(iri: str, pairs: list, lang: str, timed_select: Select,
              outbound: Callable[[str], list]) -> tuple[str, dict]:
    """Choose the page's template and gather its answer card, by the thing's type.

    ``timed_select`` runs the cards' queries under the page's deadline; ``outbound``
    reads a thing's own values (a role's owner).
    """
    types = {o.value for p, o in pairs if p.value == RDF + "type"}
    if types & CONTRACTS:
        card = contract_card(timed_select, iri, lang)
        if card:
            card["register"] = parties.kinds_and_sizes(
                backend().select, ([card["buyer"]] if card["buyer"] else []) + card["holders"],
                lang)
            labeller().fetch(_iris(card) | set(card["holders"]) | set(card["instruments"]))
            return "contract.html", {"answered": True, "card": card, "name_of": name_of(lang)}
    if types & PARTIES:
        owner = parties.role_owner(pairs) if types & ROLES else None
        subject = owner or iri
        subject_pairs = outbound(owner) if owner else pairs
        card = parties.party_card(timed_select, backend().select, subject, subject_pairs, lang)
        for side in card["sides"]:
            side["chart"] = charts.bar_chart(
                [(y["year"], y["contracts"], y["contracts_text"]) for y in side["years"]],
                text("per_year", lang), f"chart-{side['role']}")
        labeller().fetch(_iris(card) | ({owner} if owner else set()))
        return "organisation.html", {"answered": True, "card": card, "owner": owner,
                                     "name_of": name_of(lang),
                                     "feed_url": feeds.feed_url(subject)}
    if DCT + "Location" in types and "/id/location/code-region-" in iri:
        card = {"indicators": parties.indicators_about(backend().select, iri, lang)}
        labeller().fetch(_iris(card))
        return "region.html", {"answered": True, "card": card, "name_of": name_of(lang)}
    if APG + "Instrument" not in types:
        return "resource.html", {"answered": False}
    card = answers.instrument_card(timed_select, backend().select, iri, pairs, lang)
    usage = card["usage"]
    register = parties.kinds_and_sizes(backend().select, [b["iri"] for b in usage["buyers"]],
                                       lang)
    for buyer in usage["buyers"]:
        buyer["kind"], buyer["size"] = register.get(buyer["iri"], ("", ""))
    usage["chart"] = charts.bar_chart(
        [(y["year"], y["contracts"], y["contracts_text"]) for y in usage["years"]],
        text("per_year", lang), "years-chart")
    labeller().fetch(_iris(card))
    return "instrument.html", {
        "answered": True, "card": card, "name_of": name_of(lang), "figures_shown": True,
        "feed_url": feeds.feed_url(iri),
        "csv_links": {t: table_twins.table_link(iri, t, "csv", lang)
                      for t in table_twins.USAGE_TABLES},
        "json_links": {t: table_twins.table_link(iri, t, "json", lang)
                       for t in table_twins.USAGE_TABLES},
    }
