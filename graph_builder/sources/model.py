"""The record model, declared once: for each kind of record, its fields.

A field says how it is written in YAML (its type, whether required, what it refers
to), which RDF property it becomes and what it is called in French and English.
The curated-data reader checks records against it, the mapping turns them into
triples with it, the gate names fields from it, and ``docs/model.md`` shows it
(``tests/test_model.py`` keeps the two equal).  Rules that tie several fields
together live in the shapes only.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from achat_core.iris import PREFIXES
from graph_builder.namespaces import APG, DCAT, ELI, SCHEMA

#: Types whose value is a list (in YAML) of items of another type.
LIST_TYPES = {"texts": "text", "strings": "string", "urls": "url", "codes": "code",
              "refs": "ref", "eu-concepts": "eu-concept", "thresholds": "threshold",
              "unmapped": "unmapped-entry", "obligations": "obligation",
              "cpv-codes": "cpv-code", "wiki-texts": "wiki-text",
              "conditions": "condition"}


@dataclass(frozen=True)
class Field:
    """One field of a record: how it is written, what it becomes, what people call it."""

    type: str
    required: bool = False
    #: Kinds of record a reference may name, tried in order.
    refs: tuple[str, ...] = ()
    #: The property the field becomes (None: the field shapes the node itself).
    prop: URIRef | None = None
    #: The concept scheme of a code field (``{base}id/{scheme}/{code}``).
    scheme: str | None = None
    fr: str = ""
    en: str = ""
    #: The mapping has a function of its own for it (the property is still what it makes).
    custom: bool = False

    @property
    def many(self) -> bool:
        """Say whether the field holds a list."""
        return self.type in LIST_TYPES


def _f(type_: str, prop: URIRef | None, fr: str, en: str, required: bool = False, *,
       refs: tuple[str, ...] = (), scheme: str | None = None, custom: bool = False) -> Field:
    return Field(type_, required, refs, prop, scheme, fr, en, custom)


def _ref(prop: URIRef, fr: str, en: str, *kinds: str, many: bool = True,
         required: bool = False) -> Field:
    return _f("refs" if many else "ref", prop, fr, en, required, refs=kinds)


_ORG = "organisation"
_COMMON: dict[str, Field] = {
    "key": _f("code", None, "clé", "key", True, custom=True),
    "label": _f("text", RDFS.label, "libellé", "label", True, custom=True),
    "aliases": _f("strings", SKOS.altLabel, "autres noms", "other names", custom=True),
    "synonyms": _f("texts", SKOS.altLabel, "synonymes", "synonyms"),
    "sources": _f("urls", DCTERMS.source, "sources", "sources", True),
    "description": _f("text", DCTERMS.description, "description", "description"),
    "url": _f("url", SCHEMA.url, "adresse web", "web address"),
}
_IN_FORCE = {
    "in_force_from": _f("date", APG.inForceFrom, "en vigueur depuis", "in force from"),
    "in_force_until": _f("date", APG.inForceUntil, "en vigueur jusqu'au", "in force until"),
}
_CHECKED = {"legal_facts_checked_on": _f("date", APG.legalFactsCheckedOn,
                                         "faits juridiques vérifiés le",
                                         "legal facts checked on")}

_OFFICIAL = {"official_id_confirmed": _f("bool", APG.officialIdentifierConfirmed,
                                         "identifiant officiel confirmé",
                                         "official identifier confirmed")}

#: The fields of the entries of list-of-mapping fields (thresholds, obligations...).
ENTRIES: dict[str, dict[str, Field]] = {
    "threshold": {
        "amount": _f("decimal", APG.amount, "montant", "amount", True),
        "currency": _f("currency", APG.currency, "devise", "currency", True),
        "excluding_vat": _f("bool", APG.excludingVAT, "hors taxes", "excluding VAT", True),
        "scope": _f("text", APG.thresholdScope, "champ d'application", "scope"),
        "key": _f("code", None, "clé", "key", custom=True),
        "natures": _f("eu-concepts", APG.contractNature, "natures de marché", "contract natures"),
        "authority_classes": _f("codes", APG.authorityClass, "catégories d'acheteurs",
                                "buyer classes", scheme="authority-class"),
        "innovative_only": _f("bool", APG.innovativeOnly, "achats innovants seulement",
                              "innovative purchases only"),
        "defence_and_security": _f("bool", APG.defenceAndSecurity, "défense et sécurité",
                                   "defence and security"),
        "applies_below": _f("bool", APG.appliesBelow, "s'applique en dessous", "applies below"),
        "lots_only": _f("bool", APG.lotsOnly, "par lot", "per lot"),
        "provision": _ref(APG.provision, "disposition", "provision", "legal-provision",
                          "legal-text", many=False),
        "set_by": _ref(APG.setBy, "fixé par", "set by", "legal-text"),
        "sources": _f("urls", DCTERMS.source, "sources", "sources"),
        **_IN_FORCE,
    },
    "obligation": {"label": _f("text", RDFS.label, "obligation", "obligation", True),
                   **_IN_FORCE},
    "condition": {
        "key": _f("code", None, "clé", "key", True, custom=True),
        "label": _f("text", RDFS.label, "condition en mots", "condition in words", True),
        "criterion": _f("code", APG.criterion, "critère", "criterion",
                        scheme="guide-criterion"),
        "when_met": _f("code", APG.verdictIfMet, "verdict si rempli", "verdict when met", True,
                       scheme="guide-verdict"),
        "when_not_met": _f("code", APG.verdictIfNotMet, "verdict sinon",
                           "verdict when not met", scheme="guide-verdict"),
        "reason_not_met": _f("text", APG.reasonIfNotMet, "raison sinon", "reason when not met"),
        "provision": _ref(APG.provision, "disposition", "provision", "legal-provision",
                          "legal-text", many=False),
        "sources": _f("urls", DCTERMS.source, "sources", "sources"),
        **_IN_FORCE,
    },
    "unmapped-entry": {"label": _f("string", None, "champ", "field", True),
                       "value": _f("string", None, "valeur", "value", True)},
    "wiki-text": {"label": _f("string", RDFS.label, "champ du wiki", "wiki field", True),
                  "value": _f("string", RDF.value, "texte du wiki", "wiki text", True),
                  "source": _f("url", DCTERMS.source, "page du wiki", "wiki page", True),
                  "read_on": _f("date", APG.readOn, "lu le", "read on", True)},
}

#: Kind of record → its fields, in the order ``docs/model.md`` lists them.
KINDS: dict[str, dict[str, Field]] = {
    "instrument": {
        **_COMMON,
        "definition": _f("text", SKOS.definition, "définition", "definition", True),
        "instrument_kind": _f("code", APG.instrumentKind, "type d'instrument",
                              "kind of instrument", True, scheme="instrument-kind"),
        "objectives": _f("codes", APG.objective, "objectifs", "objectives",
                         scheme="objective"),
        "legal_basis": _ref(APG.legalBasis, "base légale", "legal basis", "legal-provision",
                            "legal-text"),
        "legal_basis_note": _f("text", APG.legalBasisNote, "note sur la base légale",
                               "note on the legal basis"),
        "thresholds": _f("thresholds", APG.threshold, "seuils", "thresholds", custom=True),
        "obligations": _f("obligations", APG.obligation, "obligations", "obligations",
                          custom=True),
        "cpv_codes": _f("cpv-codes", APG.cpvClass, "codes CPV", "CPV codes", custom=True),
        "conditions": _f("conditions", APG.condition, "conditions d'usage", "conditions of use",
                         custom=True),
        **_IN_FORCE,
        **_CHECKED,
        "phases": _f("texts", APG.phase, "étapes", "phases"),
        "usage_notes": _f("texts", APG.usageNote, "notes d'usage", "usage notes"),
        "exact_match": _f("eu-concepts", SKOS.exactMatch, "équivalent exact de l'UE",
                          "exact EU match"),
        "close_match": _f("eu-concepts", SKOS.closeMatch, "équivalent proche de l'UE",
                          "close EU match"),
        "related_match": _f("eu-concepts", SKOS.relatedMatch, "concept lié de l'UE",
                            "related EU concept"),
    },
    "organisation": {
        **_COMMON,
        "roles": _f("codes", APG.role, "rôles", "roles", True, scheme="actor-role"),
        "siren": _f("siren", APG.siren, "SIREN", "SIREN", custom=True),
        "siret": _f("siret", APG.siret, "SIRET", "SIRET", custom=True),
        "wikidata": _f("wikidata", SKOS.closeMatch, "Wikidata", "Wikidata", custom=True),
        "member_of": _ref(APG.memberOf, "membre de", "member of", _ORG),
    },
    "resource": {
        **_COMMON,
        "label": _f("text", RDFS.label, "libellé", "label", custom=True),
        "title": _f("text", DCTERMS.title, "titre", "title", True, custom=True),
        "type": _f("code", RDF.type, "type de ressource", "kind of resource", custom=True),
        "one_line": _f("text", APG.oneLineDescription, "en une ligne", "in one line"),
        "wiki_page": _f("url", RDFS.seeAlso, "page du wiki", "wiki page", custom=True),
        "image": _f("url", SCHEMA.image, "image", "image"),
        "license": _f("url", DCTERMS.license, "licence", "licence"),
        "languages": _f("strings", DCTERMS.language, "langues", "languages"),
        "issued": _f("partial-date", DCTERMS.issued, "parution", "issued"),
        "publisher": _ref(DCTERMS.publisher, "éditeur", "publisher", _ORG),
        "creator": _ref(DCTERMS.creator, "auteur", "creator", _ORG),
        "involves": _ref(APG.involvesOrganisation, "organisations impliquées",
                         "organisations involved", _ORG),
        "used_by": _ref(APG.usedByOrganisation, "utilisée par", "used by", _ORG),
        "challenges": _ref(APG.addressesChallenge, "défis", "challenges", "challenge"),
        "communities": _ref(APG.inCommunity, "communautés", "communities", "community"),
        "themes": _ref(APG.theme, "thèmes", "themes", "theme"),
        "tags": _ref(APG.tag, "mots-clés", "tags", "tag"),
        "mentions": _ref(APG.mentionsInstrument, "instruments cités", "instruments mentioned",
                         "instrument"),
        "mentions_organisations": _ref(SCHEMA.mentions, "organisations citées",
                                       "organisations mentioned", _ORG),
        "related": _ref(APG.relatedCommon, "communs liés", "related commons", "resource"),
        "next_step": _f("text", APG.nextStep, "prochaine étape", "next step"),
        "next_step_resources": _ref(APG.nextStepResource, "ressources de la prochaine étape",
                                    "resources of the next step", "resource"),
        "part_of": _ref(DCTERMS.isPartOf, "fait partie de", "part of", "project"),
        "previous_versions": _ref(DCAT.previousVersion, "versions précédentes",
                                  "previous versions", "resource"),
        "other_information": _f("text", APG.otherInformation, "autres informations",
                                "other information"),
        "unmapped": _f("unmapped", APG.unmappedField, "champs non reconnus",
                       "unrecognised fields", custom=True),
        "wiki_texts": _f("wiki-texts", APG.wikiText, "textes du wiki", "wiki texts",
                         custom=True),
    },
    "legal-text": {
        **_COMMON,
        "title": _f("text", DCTERMS.title, "titre", "title", custom=True),
        "identifiers": _f("strings", DCTERMS.identifier, "identifiants", "identifiers"),
        "date": _f("date", ELI.date_document, "date du texte", "date of the text"),
        "entry_into_force": _f("date", ELI.first_date_entry_in_force, "entrée en vigueur",
                               "entry into force"),
        "same_as": _f("urls", OWL.sameAs, "même texte que", "same text as"),
        "exact_match": _f("eu-concepts", SKOS.exactMatch, "équivalent exact de l'UE",
                          "exact EU match"),
        "publisher": _ref(DCTERMS.publisher, "adopté par", "adopted by", _ORG),
        "about": _ref(SCHEMA.about, "porte sur", "about", _ORG),
        "contributors": _ref(DCTERMS.contributor, "rédigé avec", "drafted with", _ORG),
        **_OFFICIAL,
        **_CHECKED,
    },
    "legal-provision": {
        **_COMMON,
        "article_number": _f("string", APG.articleNumber, "numéro d'article",
                             "article number", True),
        "part_of": _ref(APG.partOfLegalText, "texte", "legal text", "legal-text", many=False,
                        required=True),
        "identifier": _f("string", DCTERMS.identifier, "identifiant", "identifier"),
        **_OFFICIAL,
        **_CHECKED,
    },
    "challenge": dict(_COMMON),
    "community": {**_COMMON,
                  "part_of": _ref(APG.partOfCommunity, "fait partie de", "part of",
                                  "community", _ORG),
                  "themes": _ref(DCTERMS.subject, "thèmes", "themes", "theme")},
    "project": {
        **_COMMON,
        "led_by": _ref(APG.ledBy, "mené par", "led by", _ORG),
        "partners": _ref(DCTERMS.contributor, "partenaires", "partners", _ORG),
        "start": _f("partial-date", SCHEMA.startDate, "début", "start"),
        "end": _f("partial-date", SCHEMA.endDate, "fin", "end"),
        "part_of": _ref(DCTERMS.isPartOf, "fait partie de", "part of", "project"),
    },
    "figure": {
        **_COMMON,
        "value": _f("decimal", APG.value, "valeur", "value", True),
        "unit": _f("string", APG.unit, "unité", "unit", True),
        "observation_date": _f("date", APG.observationDate, "date d'observation",
                               "observation date"),
        "period_start": _f("date", APG.periodStart, "début de période", "period start"),
        "period_end": _f("date", APG.periodEnd, "fin de période", "period end"),
        "scope": _f("text", APG.scope, "champ", "scope", True),
        "about_instrument": _ref(APG.aboutInstrument, "instrument", "instrument",
                                 "instrument"),
    },
    "theme": dict(_COMMON),
    "tag": dict(_COMMON),
}


def field_names() -> dict[str, tuple[str, ...]]:
    """Return property IRI → the names of the fields that produce it, for messages."""
    names: dict[str, list[str]] = {}
    for fields in (*KINDS.values(), *ENTRIES.values()):
        for name, spec in fields.items():
            props = [spec.prop] if spec.prop is not None else []
            if name == "label":
                props.append(SKOS.prefLabel)  # instruments and concepts: their label
            for prop in props:
                found = names.setdefault(str(prop), [])
                if name not in found:
                    found.append(name)
    return {prop: tuple(found) for prop, found in names.items()}


def _curie(iri: URIRef) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def markdown() -> str:
    """Return the tables of ``docs/model.md`` that list each kind's fields."""
    lines = []
    for kind, fields in [*KINDS.items(), *((f"{name} entries", f) for name, f in
                                            ENTRIES.items())]:
        lines += [f"### `{kind}`", "",
                  "| field | type | required | list | refers to | property | fr | en |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, spec in fields.items():
            prop = f"`{_curie(spec.prop)}`" if spec.prop is not None else ""
            lines.append(f"| `{name}` | {spec.type} | {'yes' if spec.required else ''} | "
                         f"{'yes' if spec.many else ''} | {', '.join(spec.refs)} | {prop} | "
                         f"{spec.fr} | {spec.en} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m graph_builder.sources.model: the tables for docs/model.md
    print(markdown(), end="")
