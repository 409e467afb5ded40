"""Map one DECP v2 record onto the EU eProcurement Ontology (ePO 4.2.0), as N-Triples lines.

Each record is checked field by field; a record either maps completely or is rejected
with one ``Rejection`` (kind of problem, field, message).  What a contract becomes:

- ``id/contract/{key}`` an ``epo:Contract`` (``epo:ConcessionContract`` for a concession),
  key = buyer SIRET + record id + notification (signature) date; its value
  ``id/amount/{key}`` (``epo:MonetaryValue``, EUR excluding VAT, ``xsd:decimal``);
  ``apg:usesInstrument`` our instrument for the procedure (and ``accord-cadre``,
  ``concours``, ``marche-reserve``, ``clauses-sociales-environnementales`` when the
  techniques or considerations name them: ``codes.TECHNIQUE_INSTRUMENTS``,
  ``codes.SOCIAL_INSTRUMENTS``); ``apg:inferredInstrument``
  ``achat-innovant`` for an innovative contract awarded without publicity below
  100 000 € — inferred by us from the figures, never declared in DECP; ``dcterms:modified``
  the latest valid modification date (values stay the initial ones).
- ``id/procedure/{key}`` (``epo:Procedure``, EU procedure type, its ``epo:ProcedureTerm``),
  ``id/lot/{key}`` (``epo:Lot``: DECP has no lot numbers, a record is one awarded lot),
  each with an ``adms:Identifier`` ``id/identifier/{procedure,lot}-{key}`` (the record id,
  ePO requires one), ``id/purpose/{key}`` (CPV without check digit),
  ``id/contract-term/{key}`` (contract nature, place of performance ``id/location/…`` part
  of its region), and
  ``id/strategic-procurement/{key}-{innovation,social,green}``.
- Roles per organisation: ``id/buyer/siret-{siret}`` (``epo:Buyer``) and
  ``id/winner/{scheme}-{id}`` (``epo:Winner`` and ``epo:Contractor``), ``epo:playedBy``
  the curated organisation whose SIRET or SIREN matches, else
  ``id/organisation/{scheme}-{id}``, identified by ``id/identifier/{scheme}-{id}`` and
  labelled "SIRET … (nom inconnu)" / "SIRET … (name unknown)" (``unknown_name_lines``):
  DECP has no names, and a number is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from hashlib import blake2b
from typing import Any

from achat_core.iris import DCT, FOAF, ORG, RDFS, SKOS
from achat_core.spreadsheet import cell
from graph_builder.limits import MAX_NUMBER_CHARS, plain_length
from graph_builder.namespaces import ADMS, APG, EPO
from graph_builder.rdf import decp_codes as codes
from graph_builder.rdf.indicator_totals import ContractFacts
from graph_builder.rdf.ntriples import RDF_TYPE, decimal, iri, text, triple, typed
from graph_builder.slugs import slugify
from graph_builder.sources.decp import CONCESSION

_EPO = str(EPO)
_SIRET = re.compile(r"^[0-9]{14}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CPV = re.compile(r"^([0-9]{8})(?:-[0-9])?$")
_PLAIN_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Largest plausible amount (EUR, excluding VAT): a thousand billion, far above any public
# contract. The store holds xsd:decimal as a 128-bit number with 18 fractional digits (at most
# about 1.7e20), so a larger amount would leave sums unbound; this cap keeps sums of up to
# 170 million contracts in range.
MAX_AMOUNT = 10**12

# Predicates and classes, as N-Triples terms.
A = RDF_TYPE
LABEL, SEE_ALSO = f"<{RDFS}label>", f"<{RDFS}seeAlso>"
TITLE, IDENTIFIER, MODIFIED = f"<{DCT}title>", f"<{DCT}identifier>", f"<{DCT}modified>"
DCT_TYPE, PART_OF, LOCATION = f"<{DCT}type>", f"<{DCT}isPartOf>", f"<{DCT}Location>"
NOTATION = f"<{SKOS}notation>"
ORG_ORGANIZATION, FOAF_ORGANIZATION = f"<{ORG}Organization>", f"<{FOAF}Organization>"
ADMS_IDENTIFIER, ADMS_IDENTIFIER_CLASS = iri(str(ADMS.identifier)), iri(str(ADMS.Identifier))
USES, INFERRED = iri(str(APG.usesInstrument)), iri(str(APG.inferredInstrument))
SIRET_P = iri(str(APG.siret))
#: What an organisation's label says when DECP gives only its number: (French, English).
UNKNOWN_NAME = ("nom inconnu", "name unknown")


def _epo(name: str) -> str:
    return f"<{_EPO}{name}>"


FRENCH = iri(codes.EU + "language/FRA")
EURO = iri(codes.EU + "currency/EUR")
FRANCE = iri(codes.EU + "country/FRA")
STRATEGIC = {"innovation": _epo("InnovativeProcurement"), "social": _epo("SocialProcurement"),
             "green": _epo("GreenProcurement")}


class Rejected(Exception):
    """A record that cannot be mapped: the kind of problem, the field and what was wrong."""

    def __init__(self, kind: str, field_name: str, message: str, record_id: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.field = field_name
        self.message = message
        self.record_id = record_id


@dataclass
class MappedContract:
    """A mapped record: its key, its own triples and the shared nodes it needs."""

    key: str
    identity: tuple[str, str, str]
    lines: list[str]
    shared: dict[str, list[str]] = field(default_factory=dict)
    modifications: int = 0
    skipped_modifications: int = 0
    #: The record as one row of the contracts table (TABLE_COLUMNS), for spreadsheets.
    row: tuple[str, ...] = ()
    #: What the indicators count of it (``rdf.indicator_totals``).
    facts: ContractFacts | None = None


#: Columns of the contracts table written beside the contract graph (``contracts.csv.gz``).
#: The two name columns stay empty here: the Sirene join fills them (``pipeline.contracts``).
TABLE_COLUMNS = ("contract", "kind", "id", "buyer_siret", "buyer_name", "date",
                 "amount_eur_excl_vat", "procedure", "eu_procedure_type", "instruments",
                 "innovative", "cpv", "place_type", "place_code", "holders", "holder_names",
                 "title")


def _table_row(mapped: MappedContract, contract: str, kind: str, amount, procedure: str,
               eu_type: str, instruments: list[str], innovative: bool, cpv: str | None,
               place: tuple[str, str] | None, holders: list[tuple[str, str]],
               title: str | None) -> tuple[str, ...]:
    siret, record_id, day = mapped.identity
    return (contract[1:-1], kind, record_id, siret, "", day, str(amount), procedure, eu_type,
            " ".join(instruments), "true" if innovative else "false", cpv or "",
            place[0] if place else "", place[1] if place else "",
            " ".join(f"{scheme}:{number}" for scheme, number in holders), "",
            cell(title or ""))


class Mapper:
    """Map DECP records under one base, knowing the curated organisations by SIREN/SIRET."""

    def __init__(self, base: str, org_lookup: dict[str, str]):
        self.base = base
        self.id = base + "id/"
        self.org_lookup = org_lookup
        self.instrument = {key: iri(f"{self.id}instrument/{key}") for key in _instrument_keys()}

    # -- entry point ----------------------------------------------------------------------
    def map(self, kind: str, data: Any) -> MappedContract:
        """Map one record, or raise ``Rejected``."""
        if not isinstance(data, dict):
            raise Rejected("not-an-object", "", f"expected a JSON object, found {_show(data)}")
        record_id = _record_id(data)
        try:
            if kind == CONCESSION:
                return self._concession(data, record_id)
            return self._marche(data, record_id)
        except Rejected as rejected:
            rejected.record_id = record_id
            raise

    # -- the two kinds of record ------------------------------------------------------------
    def _marche(self, data: dict, record_id: str) -> MappedContract:
        siret = _siret(_object(data, "acheteur").get("id"), "acheteur.id")
        day = _date(data.get("dateNotification"), "dateNotification")
        amount = _amount(data.get("montant"), "montant")
        procedure = _procedure_name(data, codes.PROCEDURES, "procedures")
        innovative = data.get("marcheInnovant")
        if innovative is None:
            raise Rejected("missing-field", "marcheInnovant", "required field is missing")
        if not isinstance(innovative, bool):
            raise Rejected("bad-boolean", "marcheInnovant",
                           f"expected true or false, found {_show(innovative)}")
        cpv = _cpv(data.get("codeCPV"))
        _enum(data.get("nature"), codes.MARCHE_NATURES, "nature", required=False)
        holders = _holders(data, "titulaires", "titulaire")
        social, green, social_values = _considerations(data)
        techniques = _list_field(data, "techniques", "technique", codes.TECHNIQUES)
        place = _place(data.get("lieuExecution"))
        published = _optional_date(data.get("datePublicationDonnees"), "datePublicationDonnees")
        title = _title(data.get("objet"))
        latest, count, skipped = _modifications(data, "dateNotificationModification")

        key = _key(siret, record_id, day)
        eu_type, instrument = codes.PROCEDURES[procedure]
        uses = [instrument] + _signal_instruments(techniques, social_values)
        if social or green:
            uses.append(codes.CONSIDERATIONS_INSTRUMENT)
        uses = list(dict.fromkeys(uses))  # a value given twice is one use
        inferred = (innovative and procedure == codes.WITHOUT_PUBLICITY
                    and amount < codes.INNOVATIVE_PURCHASE_LIMIT)
        strategic = [name for name, on in (("innovation", innovative), ("social", social),
                                           ("green", green)) if on]
        mapped = MappedContract(key, (siret, record_id, day), [], {}, count, skipped)
        self._contract(mapped, "Contract", record_id, title, day, published, amount, latest)
        lines = mapped.lines
        contract = self._iri("contract", key)
        for name in uses:
            lines.append(triple(contract, USES, self.instrument[name]))
        if inferred:
            lines.append(triple(contract, INFERRED, self.instrument[codes.INNOVATIVE_PURCHASE]))
        self._procedure(mapped, eu_type, strategic, codes.contract_nature_of_cpv(cpv), place,
                        cpv)
        parties = self._parties(mapped, siret, holders)
        mapped.facts = self._facts(contract, day, amount, parties, uses,
                                   [codes.INNOVATIVE_PURCHASE] if inferred else [], place,
                                   social, green)
        used = uses + ([codes.INNOVATIVE_PURCHASE] if inferred else [])
        mapped.row = _table_row(mapped, contract, "marche", amount, procedure, eu_type, used,
                                innovative, cpv, place, holders, title)
        return mapped

    def _concession(self, data: dict, record_id: str) -> MappedContract:
        siret = _siret(_object(data, "autoriteConcedante").get("id"), "autoriteConcedante.id")
        day = _date(data.get("dateSignature"), "dateSignature")
        amount = _amount(data.get("valeurGlobale"), "valeurGlobale")
        procedure = _procedure_name(data, codes.CONCESSION_PROCEDURES, "concession procedures")
        nature = _enum(data.get("nature"), codes.CONCESSION_NATURES, "nature", required=False)
        holders = _holders(data, "concessionnaires", "concessionnaire")
        social, green, social_values = _considerations(data)
        published = _optional_date(data.get("datePublicationDonnees"), "datePublicationDonnees")
        title = _title(data.get("objet"))
        latest, count, skipped = _modifications(data, "dateSignatureModification")

        key = _key(siret, record_id, day)
        strategic = [name for name, on in (("social", social), ("green", green)) if on]
        mapped = MappedContract(key, (siret, record_id, day), [], {}, count, skipped)
        self._contract(mapped, "ConcessionContract", record_id, title, day, published, amount,
                       latest)
        used = _signal_instruments([], social_values)
        if social or green:
            used.append(codes.CONSIDERATIONS_INSTRUMENT)
        used = list(dict.fromkeys(used))
        contract = self._iri("contract", key)
        for name in used:
            mapped.lines.append(triple(contract, USES, self.instrument[name]))
        self._procedure(mapped, codes.CONCESSION_PROCEDURE_TYPE, strategic,
                        codes.CONCESSION_NATURES.get(nature) if nature else None, None, None)
        parties = self._parties(mapped, siret, holders)
        mapped.facts = self._facts(contract, day, amount, parties, used, [], None, social,
                                   green)
        mapped.row = _table_row(mapped, self._iri("contract", key), "concession", amount,
                                procedure, codes.CONCESSION_PROCEDURE_TYPE, used, False, None,
                                None, holders, title)
        return mapped

    # -- nodes --------------------------------------------------------------------------------
    def _iri(self, kind: str, key: str) -> str:
        return f"<{self.id}{kind}/{key}>"

    def _facts(self, contract: str, day: str, amount: Decimal | int, parties: tuple[str, str],
               uses: list[str], inferred: list[str], place: tuple[str, str] | None,
               social: bool, green: bool) -> ContractFacts:
        """Return what the indicators count of a contract, as the store would give it."""
        def keys(names: list[str]) -> tuple[str, ...]:
            return tuple(self.instrument[name][1:-1] for name in names)

        return ContractFacts(contract[1:-1], day, amount, parties[0][1:-1], parties[1][1:-1],
                             keys(uses), keys(inferred),
                             self._region_of_place(*place) if place else None, social, green)

    def _region_of_place(self, type_code: str, code: str) -> tuple[str, str] | None:
        """Return the region node a place is (or is part of) and its French label.

        As ``?place dcterms:isPartOf? ?region`` with a ``code-region-`` IRI would find it.
        """
        region = codes.region_of(type_code, code)
        if type_code == "Code région" and region:
            return (f"{self.id}location/code-region-{region.lower()}",
                    f"Région {codes.REGIONS[region][0]}")
        location = f"{self.id}location/{codes.PLACE_TYPES[type_code]}-{_slug(code)}"
        if "/id/location/code-region-" in location:
            return location, f"{type_code} {code}"
        if region:
            return (f"{self.id}location/code-region-{region.lower()}",
                    f"Région {codes.REGIONS[region][0]}")
        return None

    def _contract(self, mapped: MappedContract, cls: str, record_id: str, title: str | None,
                  day: str, published: str | None, amount: Decimal | int,
                  latest: str | None) -> None:
        key, add = mapped.key, mapped.lines.append
        contract, value = self._iri("contract", key), self._iri("amount", key)
        add(triple(contract, A, _epo(cls)))
        add(triple(contract, IDENTIFIER, text(record_id)))
        if title:
            add(triple(contract, TITLE, text(title, "fr")))
        add(triple(contract, _epo("hasContractConclusionDate"), typed(day, "date")))
        if published:
            add(triple(contract, _epo("hasPublicationDate"), typed(published, "date")))
        if latest:
            add(triple(contract, MODIFIED, typed(latest, "date")))
        add(triple(contract, _epo("hasOfficialLanguage"), FRENCH))
        add(triple(contract, _epo("hasContractValue"), value))
        add(triple(contract, _epo("hasLotReference"), self._iri("lot", key)))
        add(triple(value, A, _epo("MonetaryValue")))
        add(triple(value, _epo("hasAmountValue"), decimal(amount)))
        add(triple(value, _epo("hasCurrency"), EURO))

    def _procedure(self, mapped: MappedContract, eu_type: str, strategic: list[str],
                   nature: str | None, place: tuple[str, str] | None,
                   cpv: str | None) -> None:
        key, add = mapped.key, mapped.lines.append
        procedure, lot = self._iri("procedure", key), self._iri("lot", key)
        term, contract_term = self._iri("procedure-term", key), self._iri("contract-term", key)
        add(triple(procedure, A, _epo("Procedure")))
        add(triple(procedure, _epo("hasProcedureType"),
                   iri(f"{codes.EU}procurement-procedure-type/{eu_type}")))
        add(triple(procedure, _epo("hasProcurementScopeDividedIntoLot"), lot))
        add(triple(procedure, _epo("isSubjectToProcedureSpecificTerm"), term))
        add(triple(term, A, _epo("ProcedureTerm")))
        add(triple(lot, A, _epo("Lot")))
        for kind, node in (("procedure", procedure), ("lot", lot)):
            identifier = self._iri("identifier", f"{kind}-{key}")
            add(triple(node, ADMS_IDENTIFIER, identifier))
            add(triple(identifier, A, ADMS_IDENTIFIER_CLASS))
            add(triple(identifier, NOTATION, text(mapped.identity[1])))
        if cpv:
            purpose = self._iri("purpose", key)
            add(triple(lot, _epo("hasPurpose"), purpose))
            add(triple(purpose, A, _epo("Purpose")))
            add(triple(purpose, _epo("hasMainClassification"), iri(f"{codes.CPV_SCHEME}/{cpv}")))
        add(triple(lot, _epo("foreseesContractSpecificTerm"), contract_term))
        add(triple(contract_term, A, _epo("ContractTerm")))
        if nature:
            add(triple(contract_term, _epo("hasContractNatureType"),
                       iri(f"{codes.EU}contract-nature/{nature}")))
        if place:
            location = self._location(mapped, *place)
            add(triple(contract_term, _epo("definesSpecificPlaceOfPerformance"), location))
        for name in strategic:
            node = self._iri("strategic-procurement", f"{key}-{name}")
            add(triple(lot, _epo("fulfillsStrategicProcurement"), node))
            add(triple(node, A, STRATEGIC[name]))

    def place(self, type_code: str, code: str) -> tuple[str, dict[str, list[str]]]:
        """Return the IRI of a place (a DECP type of code and a code) and its nodes' lines."""
        mapped = MappedContract("", ("", "", ""), [])
        return self._location(mapped, type_code, code), mapped.shared

    def _location(self, mapped: MappedContract, type_code: str, code: str) -> str:
        if type_code == "Code région" and codes.region_of(type_code, code):
            return self._region(mapped, codes.region_of(type_code, code))
        location = self._iri("location", f"{codes.PLACE_TYPES[type_code]}-{_slug(code)}")
        if location not in mapped.shared:
            lines = [triple(location, A, LOCATION),
                     triple(location, LABEL, text(f"{type_code} {code}", "fr")),
                     triple(location, NOTATION, text(code))]
            region = codes.region_of(type_code, code)
            if type_code != "Code pays":
                lines.append(triple(location, _epo("hasCountryCode"), FRANCE))
            if region:
                region_iri = self._region(mapped, region)
                lines.append(triple(location, PART_OF, region_iri))
            mapped.shared[location] = lines
        return location

    def _region(self, mapped: MappedContract, region: str) -> str:
        node = self._iri("location", f"code-region-{region.lower()}")
        name = codes.REGIONS[region][0]
        mapped.shared[node] = [
            triple(node, A, LOCATION),
            triple(node, LABEL, text(f"Région {name}", "fr")),
            triple(node, LABEL, text(f"Region {name}", "en")),
            triple(node, NOTATION, text(region)),
            triple(node, _epo("hasCountryCode"), FRANCE),
        ]
        return node

    def _parties(self, mapped: MappedContract, siret: str, holders: list[tuple[str, str]]
                 ) -> tuple[str, str]:
        """Write the buyer and holders; return the buyer role's and its organisation's IRIs."""
        contract, procedure = self._iri("contract", mapped.key), self._iri("procedure", mapped.key)
        buyer = self._iri("buyer", f"siret-{siret}")
        organisation = self._organisation(mapped, "SIRET", siret)
        mapped.shared[buyer] = [
            triple(buyer, A, _epo("Buyer")),
            triple(buyer, LABEL, text(f"Acheteur SIRET {siret}", "fr")),
            triple(buyer, LABEL, text(f"Buyer SIRET {siret}", "en")),
            triple(buyer, _epo("playedBy"), organisation),
        ]
        mapped.lines.append(triple(contract, _epo("bindsBuyer"), buyer))
        mapped.lines.append(triple(procedure, _epo("involvesBuyer"), buyer))
        played_by = organisation
        for scheme, number in holders:
            slug = _identifier_slug(scheme, number)
            winner = self._iri("winner", slug)
            organisation = self._organisation(mapped, scheme, number)
            mapped.shared[winner] = [
                triple(winner, A, _epo("Winner")),
                triple(winner, A, _epo("Contractor")),
                triple(winner, LABEL, text(f"Titulaire {scheme} {number}", "fr")),
                triple(winner, LABEL, text(f"Winner {scheme} {number}", "en")),
                triple(winner, _epo("playedBy"), organisation),
            ]
            mapped.lines.append(triple(contract, _epo("bindsContractor"), winner))
        return buyer, played_by

    def _organisation(self, mapped: MappedContract, scheme: str, number: str) -> str:
        slug = _identifier_slug(scheme, number)
        identifier = self._iri("identifier", slug)
        curated = None
        if scheme == "SIRET":
            curated = self.org_lookup.get(number) or self.org_lookup.get(number[:9])
        organisation = iri(curated) if curated else self._iri("organisation", slug)
        lines = [triple(organisation, ADMS_IDENTIFIER, identifier),
                 triple(identifier, A, ADMS_IDENTIFIER_CLASS),
                 triple(identifier, NOTATION, text(number)),
                 triple(identifier, DCT_TYPE, text(scheme)),
                 triple(identifier, _epo("hasScheme"), text(scheme))]
        if not curated:
            lines += [triple(organisation, A, ORG_ORGANIZATION),
                      triple(organisation, A, FOAF_ORGANIZATION)]
            mapped.shared[f"{organisation} label"] = unknown_name_lines(organisation, scheme,
                                                                         number)
        if scheme == "SIRET":
            lines += [triple(organisation, SIRET_P, text(number)),
                      triple(organisation, SEE_ALSO, iri(
                          f"https://annuaire-entreprises.data.gouv.fr/etablissement/{number}"))]
        mapped.shared[f"{organisation} {identifier}"] = lines
        return organisation


def unknown_name_lines(organisation: str, scheme: str, number: str) -> list[str]:
    """Return the labels of an organisation DECP gives only a number for, saying so.

    A number is not a name: the label says the name is unknown (the Sirene join gives it),
    so no page passes "SIRET …" off as one.
    """
    return [triple(organisation, LABEL, text(f"{scheme} {number} ({UNKNOWN_NAME[0]})", "fr")),
            triple(organisation, LABEL, text(f"{scheme} {number} ({UNKNOWN_NAME[1]})", "en"))]


# -- field checks ------------------------------------------------------------------------------
def _signal_instruments(techniques: list[str], social: list[str]) -> list[str]:
    """Return the instruments the techniques and social considerations of a record name."""
    return ([codes.TECHNIQUE_INSTRUMENTS[t] for t in techniques
             if t in codes.TECHNIQUE_INSTRUMENTS]
            + [codes.SOCIAL_INSTRUMENTS[v] for v in social if v in codes.SOCIAL_INSTRUMENTS])


def _instrument_keys() -> tuple[str, ...]:
    keys = {instrument for _, instrument in codes.PROCEDURES.values()}
    keys |= set(codes.TECHNIQUE_INSTRUMENTS.values()) | set(codes.SOCIAL_INSTRUMENTS.values())
    keys |= {codes.INNOVATIVE_PURCHASE, codes.CONSIDERATIONS_INSTRUMENT}
    return tuple(sorted(keys))


def _show(value: Any) -> str:
    """Show a JSON value in a message: scalars as written, containers by kind only."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = f'"{value[:60]}"'
    else:
        shown = str(value) if isinstance(value, Decimal) else repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _is_code(value: Any, allowed) -> bool:
    """Tell whether a JSON value is one of the ``allowed`` codes (a string or a number)."""
    return isinstance(value, str | int) and not isinstance(value, bool) and value in allowed


def _record_id(data: dict) -> str:
    value = data.get("id")
    if value is None or value == "":
        raise Rejected("missing-field", "id", "required field is missing or empty")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Rejected("bad-value", "id", f"expected a text identifier, found {_show(value)}")
    return _check_text(str(value).strip(), "id")


def _check_text(value: str, name: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Rejected("bad-text", name,
                       "text holds an invalid character (lone surrogate)") from None
    return value


def _object(data: dict, name: str) -> dict:
    value = data.get(name)
    if value is None:
        raise Rejected("missing-field", name, "required field is missing")
    if not isinstance(value, dict):
        raise Rejected("bad-value", name, f"expected an object, found {_show(value)}")
    return value


def _procedure_name(data: dict, allowed, what: str) -> str:
    procedure = data.get("procedure")
    if procedure is None:
        raise Rejected("missing-field", "procedure", "required field is missing")
    if not _is_code(procedure, allowed):
        raise Rejected("unknown-procedure", "procedure",
                       f"{_show(procedure)} is not one of the DECP v2 {what}")
    return procedure


def _siret(value: Any, name: str) -> str:
    if value is None or value == "":
        raise Rejected("missing-field", name, "required SIRET is missing")
    if not isinstance(value, str) or not _SIRET.match(value):
        raise Rejected("bad-siret", name, f"expected a SIRET of 14 digits, found {_show(value)}")
    return value


def _date(value: Any, name: str) -> str:
    if value is None or value == "":
        raise Rejected("missing-field", name, "required date is missing")
    if not isinstance(value, str) or not _DATE.match(value):
        raise Rejected("bad-date", name, f"expected a date YYYY-MM-DD, found {_show(value)}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise Rejected("bad-date", name, f"{_show(value)} is not a calendar date") from None
    return value


def _optional_date(value: Any, name: str) -> str | None:
    return None if value is None or value == "" else _date(value, name)


def _amount(value: Any, name: str) -> Decimal | int:
    if value is None:
        raise Rejected("missing-field", name, "required amount is missing")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise Rejected("bad-amount", name, f"expected a number, found {_show(value)}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise Rejected("bad-amount", name, f"expected a finite number, found {value}")
    if value < 0:
        raise Rejected("bad-amount", name, f"expected an amount of 0 or more, found {_show(value)}")
    if value > MAX_AMOUNT:
        raise Rejected("bad-amount", name, f"expected an amount of at most {MAX_AMOUNT} EUR, "
                                           f"found {_show(value)}")
    if isinstance(value, Decimal) and plain_length(value) > MAX_NUMBER_CHARS:
        raise Rejected("bad-amount", name, f"expected at most {MAX_NUMBER_CHARS} digits "
                                           f"written without an exponent, found {_show(value)}")
    return value


def _cpv(value: Any) -> str:
    if value is None or value == "":
        raise Rejected("missing-field", "codeCPV", "required CPV code is missing")
    match = _CPV.match(value) if isinstance(value, str) else None
    if not match:
        raise Rejected("bad-cpv", "codeCPV",
                       f"expected 8 digits with an optional check digit (-d), found {_show(value)}")
    return match.group(1)


def _enum(value: Any, allowed, name: str, required: bool) -> Any:
    if value is None:
        if required:
            raise Rejected("missing-field", name, "required field is missing")
        return None
    if not _is_code(value, allowed):
        raise Rejected("unknown-value", name, f"{_show(value)} is not an allowed value")
    return value


def _list_field(data: dict, outer: str, inner: str, allowed) -> list[str]:
    """Return the values of ``{outer: {inner: [...]}}``; absent or empty means none."""
    holder = data.get(outer)
    if holder is None or holder == [] or holder == {}:
        return []
    values = holder.get(inner) if isinstance(holder, dict) else None
    if values is None:
        raise Rejected("bad-value", outer,
                       f"expected {{\"{inner}\": [...]}}, found {_show(holder)}")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise Rejected("bad-value", f"{outer}.{inner}", f"expected a list, found {_show(values)}")
    for value in values:
        if not _is_code(value, allowed):
            raise Rejected("unknown-value", f"{outer}.{inner}",
                           f"{_show(value)} is not an allowed value")
    return values


def _considerations(data: dict) -> tuple[bool, bool, list[str]]:
    """Return whether a record has social and environmental considerations, and the social ones."""
    social = _list_field(data, "considerationsSociales", "considerationSociale",
                         codes.SOCIAL | {codes.NO_SOCIAL})
    green = _list_field(data, "considerationsEnvironnementales", "considerationEnvironnementale",
                        codes.ENVIRONMENTAL | {codes.NO_ENVIRONMENTAL})
    return (any(v in codes.SOCIAL for v in social), any(v in codes.ENVIRONMENTAL for v in green),
            social)


def _holders(data: dict, name: str, inner: str) -> list[tuple[str, str]]:
    values = data.get(name)
    if values is None:
        raise Rejected("missing-field", name, "required list of holders is missing")
    if not isinstance(values, list):
        raise Rejected("bad-value", name, f"expected a list, found {_show(values)}")
    if not values:
        raise Rejected("empty-array", name, "expected at least one holder, found an empty list")
    holders: dict[tuple[str, str], None] = {}  # ordered, without repeats
    for n, item in enumerate(values):
        where = f"{name}[{n}].{inner}"
        holder = item.get(inner) if isinstance(item, dict) else None
        if not isinstance(holder, dict):
            raise Rejected("bad-holder", where, f"expected an object, found {_show(item)}")
        scheme, number = holder.get("typeIdentifiant"), holder.get("id")
        if not _is_code(scheme, codes.HOLDER_TYPES):
            raise Rejected("bad-holder", f"{where}.typeIdentifiant",
                           f"{_show(scheme)} is not one of {', '.join(sorted(codes.HOLDER_TYPES))}")
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if not isinstance(number, str) or not number.strip():
            raise Rejected("bad-holder", f"{where}.id", f"expected an identifier, found "
                                                         f"{_show(number)}")
        number = _check_text(number.strip(), f"{where}.id")
        if scheme == "SIRET":
            _siret(number, f"{where}.id")
        holders[(scheme, number)] = None
    return list(holders)


def _place(value: Any) -> tuple[str, str] | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise Rejected("bad-value", "lieuExecution", f"expected an object, found {_show(value)}")
    code, type_code = value.get("code"), value.get("typeCode")
    if not _is_code(type_code, codes.PLACE_TYPES):
        raise Rejected("unknown-value", "lieuExecution.typeCode",
                       f"{_show(type_code)} is not an allowed type of code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not _slug(code):
        raise Rejected("bad-value", "lieuExecution.code", f"expected a code, found {_show(code)}")
    return type_code, _check_text(code.strip(), "lieuExecution.code")


def _title(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejected("bad-value", "objet", f"expected text, found {_show(value)}")
    return _check_text(value.strip(), "objet") or None


def _modifications(data: dict, date_field: str) -> tuple[str | None, int, int]:
    """Return the latest valid modification date, the count, and how many had no valid date."""
    values = data.get("modifications")
    if not isinstance(values, list):
        return None, 0, 0
    latest, skipped = None, 0
    for item in values:
        modification = item.get("modification") if isinstance(item, dict) else None
        day = modification.get(date_field) if isinstance(modification, dict) else None
        try:
            day = _date(day, date_field)
        except Rejected:
            skipped += 1
            continue
        latest = day if latest is None or day > latest else latest
    return latest, len(values), skipped


def _slug(value: str) -> str:
    value = value.strip()
    if _PLAIN_KEY.match(value):
        return value
    slug = slugify(value, max_length=60)
    digest = blake2b(value.encode("utf-8", "surrogatepass"), digest_size=3).hexdigest()
    return f"{slug}-{digest}" if slug else digest


def _identifier_slug(scheme: str, number: str) -> str:
    return f"{scheme.lower()}-{_slug(number)}"


def _key(siret: str, record_id: str, day: str) -> str:
    return f"{siret}-{_slug(record_id)}-{day}"
