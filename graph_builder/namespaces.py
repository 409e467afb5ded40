"""Namespaces: the project's closed ontology namespace and the vocabularies it aligns with.

``APG`` is closed (``_fail = True``): a misspelt term fails at import time.
``tests/test_namespaces.py`` checks it against ``ontology/achat-public.ttl`` both ways.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from graph_builder.paths import ONTOLOGY_NS


class APG(DefinedNamespace):
    """The achat-public-graph ontology."""

    _NS = Namespace(ONTOLOGY_NS)
    _fail = True

    # Classes
    KnowledgeResource: URIRef
    Publication: URIRef
    Guide: URIRef
    Study: URIRef
    WikiPage: URIRef
    WebPage: URIRef
    LegalText: URIRef
    LegalProvision: URIRef
    Actor: URIRef
    Organisation: URIRef
    CommonsCommunity: URIRef
    Instrument: URIRef
    Threshold: URIRef
    Challenge: URIRef
    Community: URIRef
    Project: URIRef
    Figure: URIRef
    Indicator: URIRef
    # Concept schemes and their members
    InstrumentKindScheme: URIRef
    ObjectiveScheme: URIRef
    ActorRoleScheme: URIRef
    ThemeScheme: URIRef
    TagScheme: URIRef
    InstrumentScheme: URIRef
    # Resource properties
    addressesChallenge: URIRef
    mentionsInstrument: URIRef
    involvesOrganisation: URIRef
    usedByOrganisation: URIRef
    inCommunity: URIRef
    nextStep: URIRef
    theme: URIRef
    tag: URIRef
    oneLineDescription: URIRef
    otherInformation: URIRef
    unmappedField: URIRef
    relatedCommon: URIRef
    # Instrument properties
    instrumentKind: URIRef
    objective: URIRef
    phase: URIRef
    legalBasis: URIRef
    legalBasisNote: URIRef
    threshold: URIRef
    amount: URIRef
    currency: URIRef
    excludingVAT: URIRef
    thresholdScope: URIRef
    inForceFrom: URIRef
    inForceUntil: URIRef
    legalFactsCheckedOn: URIRef
    usageNote: URIRef
    # Legal provisions
    articleNumber: URIRef
    partOfLegalText: URIRef
    # Actor properties
    role: URIRef
    siren: URIRef
    siret: URIRef
    memberOf: URIRef
    # Challenges, communities, projects
    partOfCommunity: URIRef
    ledBy: URIRef
    # Figures and indicators
    value: URIRef
    unit: URIRef
    observationDate: URIRef
    periodStart: URIRef
    periodEnd: URIRef
    scope: URIRef
    aboutInstrument: URIRef
    measure: URIRef
    computedByQuery: URIRef
    inferred: URIRef
    isProxy: URIRef
    # DECP contract links
    usesInstrument: URIRef
    inferredInstrument: URIRef


EPO = Namespace("http://data.europa.eu/a4g/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CPV = Namespace("http://data.europa.eu/cpv/cpv/")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

#: Prefixes written in dumps and offered to the query editor.
PREFIXES: dict[str, str] = {
    "apg": ONTOLOGY_NS,
    "adms": str(ADMS),
    "dcat": str(DCAT),
    "dcterms": "http://purl.org/dc/terms/",
    "eli": str(ELI),
    "epo": str(EPO),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": str(ORG),
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": str(SCHEMA),
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vann": str(VANN),
    "void": str(VOID),
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
