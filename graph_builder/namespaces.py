"""Namespaces: the project's closed ontology namespace and the vocabularies it aligns with.

Every room writes these IRIs (the record model names its properties with them), so the
module sits beside ``errors`` and ``limits``; the strings come from ``achat_core.iris``.

``APG`` is closed (``_fail = True``): a misspelt term fails at import time.
``tests/test_namespaces.py`` checks it against ``ontology/achat-public.ttl`` both ways.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from achat_core import iris
from achat_core.iris import EU_AUTHORITY, ONTOLOGY_NS, PREFIXES


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
    LegalCategoryScheme: URIRef
    BuyerKindScheme: URIRef
    AuthorityClassScheme: URIRef
    GuideCriterionScheme: URIRef
    VerdictScheme: URIRef
    StaffBandScheme: URIRef
    CompanyCategoryScheme: URIRef
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
    nextStepResource: URIRef
    # The wiki's own words, kept beside the curated text
    WikiText: URIRef
    wikiText: URIRef
    readOn: URIRef
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
    contractNature: URIRef
    authorityClass: URIRef
    innovativeOnly: URIRef
    defenceAndSecurity: URIRef
    appliesBelow: URIRef
    lotsOnly: URIRef
    provision: URIRef
    setBy: URIRef
    officialIdentifierConfirmed: URIRef
    legalFactsCheckedOn: URIRef
    usageNote: URIRef
    Obligation: URIRef
    obligation: URIRef
    cpvClass: URIRef
    # The guide's conditions of use
    Condition: URIRef
    condition: URIRef
    criterion: URIRef
    verdictIfMet: URIRef
    verdictIfNotMet: URIRef
    reasonIfNotMet: URIRef
    # Legal provisions
    articleNumber: URIRef
    partOfLegalText: URIRef
    # Actor properties
    role: URIRef
    siren: URIRef
    siret: URIRef
    memberOf: URIRef
    # What the Sirene register gives about an organisation
    legalName: URIRef
    legalCategory: URIRef
    buyerKind: URIRef
    staffBand: URIRef
    companyCategory: URIRef
    mainActivity: URIRef
    activityNomenclature: URIRef
    partiallyDiffusible: URIRef
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


EPO = Namespace(iris.EPO)
ELI = Namespace(iris.ELI)
ADMS = Namespace(iris.ADMS)
ORG = Namespace(iris.ORG)
SCHEMA = Namespace(iris.SCHEMA)
VANN = Namespace(PREFIXES["vann"])
VOID = Namespace(PREFIXES["void"])
DCAT = Namespace(PREFIXES["dcat"])
SPDX = Namespace("http://spdx.org/rdf/terms#")

__all__ = ["ADMS", "APG", "DCAT", "ELI", "EPO", "EU_AUTHORITY", "ORG", "PREFIXES", "SCHEMA",
           "SPDX", "VANN", "VOID"]
