"""A contract told as a sentence and a short table: who bought what from whom, when, how much."""

from __future__ import annotations

from achat_core.iris import APG, DCT, EPO
from sparql_endpoint.pages import numbers
from sparql_endpoint.pages.answers import Select, node

STRATEGIC = {EPO + "InnovativeProcurement": "innovative", EPO + "SocialProcurement": "social",
             EPO + "GreenProcurement": "green"}


def contract_card(select: Select, iri: str, lang: str) -> dict | None:
    """Gather a contract's parties, amount, date, procedure, instruments, CPV and place."""
    rows = select(
        f"SELECT ?date ?title ?id ?amount ?buyer ?holder ?ptype ?instrument ?cpv ?nature ?place "
        f"?strategic WHERE {{ VALUES ?c {{ {node(iri)} }} "
        f"?c <{EPO}hasContractConclusionDate> ?date . "
        f"OPTIONAL {{ ?c <{DCT}title> ?title }} OPTIONAL {{ ?c <{DCT}identifier> ?id }} "
        f"OPTIONAL {{ ?c <{EPO}hasContractValue>/<{EPO}hasAmountValue> ?amount }} "
        f"OPTIONAL {{ ?c <{EPO}bindsBuyer>/<{EPO}playedBy> ?buyer }} "
        f"OPTIONAL {{ ?c <{EPO}bindsContractor>/<{EPO}playedBy> ?holder }} "
        f"OPTIONAL {{ ?c <{APG}usesInstrument>|<{APG}inferredInstrument> ?instrument }} "
        f"OPTIONAL {{ ?c <{EPO}hasLotReference> ?lot . "
        f"OPTIONAL {{ ?procedure <{EPO}hasProcurementScopeDividedIntoLot> ?lot ; "
        f"<{EPO}hasProcedureType> ?ptype }} "
        f"OPTIONAL {{ ?lot <{EPO}hasPurpose>/<{EPO}hasMainClassification> ?cpv }} "
        f"OPTIONAL {{ ?lot <{EPO}fulfillsStrategicProcurement>/a ?strategic }} "
        f"OPTIONAL {{ ?lot <{EPO}foreseesContractSpecificTerm> ?term . "
        f"OPTIONAL {{ ?term <{EPO}hasContractNatureType> ?nature }} "
        f"OPTIONAL {{ ?term <{EPO}definesSpecificPlaceOfPerformance> ?place }} }} }} }}")
    if not rows:
        return None

    def every(name: str) -> list[str]:
        return sorted({r[name].value for r in rows if name in r})

    def one(name: str) -> str | None:
        found = every(name)
        return found[0] if found else None

    amount = one("amount")
    return {
        "date": one("date"), "date_text": numbers.day(one("date"), lang),
        "title": one("title"), "id": one("id"),
        "amount_text": numbers.amount(amount, lang) if amount else None,
        "buyer": one("buyer"), "holders": every("holder"),
        "procedure": one("ptype"), "instruments": every("instrument"),
        "cpv": [c.rsplit("/", 1)[-1] for c in every("cpv")],
        "nature": one("nature"), "place": one("place"),
        "strategic": [STRATEGIC[s] for s in every("strategic") if s in STRATEGIC],
    }
