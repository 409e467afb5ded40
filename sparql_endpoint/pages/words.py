"""The pages' own words in French and English, in one place (the language: ``http.language``)."""

from __future__ import annotations

from achat_core.iris import (
    ADMS,
    APG,
    DCT,
    ELI,
    FOAF,
    ORG,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
)
from sparql_endpoint.pages.layout_words import LAYOUT_WORDS
from sparql_endpoint.protocol.words import EDITOR_WORDS

#: key -> (French, English)
TEXTS: dict[str, tuple[str, str]] = {
    "site_title": ("Graphe de l'achat public", "Public procurement graph"),
    "skip": ("Aller au contenu", "Skip to content"),
    "home": ("Accueil", "Home"),
    "search": ("Recherche", "Search"),
    "search_label": ("Rechercher un instrument, un acteur, une ressource",
                     "Search an instrument, an actor, a resource"),
    "search_button": ("Rechercher", "Search"),
    "query": ("Requêtes SPARQL", "SPARQL queries"),
    "ontology": ("Ontologie", "Ontology"),
    "schemes": ("Vocabulaires", "Vocabularies"),
    "downloads": ("Téléchargements", "Downloads"),
    "catalog": ("Catalogue", "Catalogue"),
    "switch_language": ("English", "Français"),
    "licence": ("Données sous Licence Ouverte / Etalab 2.0",
                "Data under the Licence Ouverte / Etalab 2.0 (Open Licence)"),
    "source_footer": ("Sources : données choisies et citées, wiki de la Fabrique des Mobilités, "
                      "données essentielles de la commande publique (DECP).",
                      "Sources: curated and cited records, the Fabrique des Mobilités wiki, "
                      "French public contract data (DECP)."),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "colon": ("\u00a0:", ":"),
    "all_data": ("Toutes les données", "All data"),
    "answer": ("En bref", "In short"),
    "what_it_is": ("Ce que c'est", "What it is"),
    "when_usable": ("Quand l'utiliser", "When it may be used"),
    "conditions": ("Conditions", "Conditions"),
    "below": ("en dessous de", "below"),
    "from_amount": ("à partir de", "from"),
    "excl_vat": ("HT", "excl. VAT"),
    "threshold_scope": ("Seuils, du cas général aux cas particuliers",
                        "Thresholds, from the general case to the special ones"),
    "good_to_know": ("Bon à savoir", "Good to know"),
    "phases": ("Phases", "Phases"),
    "legal_basis": ("Base juridique", "Legal basis"),
    "on_site": ("sur {site}", "on {site}"),
    "code_on_legifrance": ("le code sur Légifrance", "the code on Légifrance"),
    "since": ("Depuis", "Since"),
    "in_force_since": ("En vigueur depuis le", "In force since"),
    "dated_since": ("Depuis le", "Since"),
    "text_date": ("date du texte, sans date d'entrée en vigueur connue",
                  "the text's date, no date of entry into force known"),
    "since_source": ("selon", "according to"),
    "basis_in_force": ("en vigueur depuis le", "in force since"),
    "basis_dated": ("texte du", "text of"),
    "basis_text_in_force": ("texte en vigueur depuis le", "text in force since"),
    "since_unknown": ("Aucune date connue pour sa base juridique.",
                      "No date is known for its legal basis."),
    "threshold_history": ("Seuils par période", "Thresholds by period"),
    "period": ("Période", "Period"),
    "threshold": ("Seuil", "Threshold"),
    "any_period": ("sans date", "no date"),
    "last_checked": ("Dernière vérification", "Last checked"),
    "eu_equivalent": ("Équivalent européen", "EU equivalent"),
    "no_eu_equivalent": ("Aucun code européen ne lui correspond.",
                         "No EU code corresponds to it."),
    "not_advice": ("Information, pas un conseil juridique : vérifiez le texte en vigueur "
                   "sur Légifrance avant d'agir.",
                   "Information, not legal advice: check the text in force on Légifrance "
                   "before acting."),
    "usage": ("Combien de fois il est utilisé", "How often it is used"),
    "usage_none": ("Aucun contrat publié n'utilise cet instrument.",
                   "No published contract uses this instrument."),
    "usage_between": ("conclus entre le", "concluded between"),
    "and": ("et le", "and"),
    "usage_inferred": ("Ces contrats sont déduits des données (marché innovant, sans publicité, "
                       "sous le seuil) : les données de marchés n'ont pas de case pour cet "
                       "instrument.",
                       "These contracts are inferred from the data (innovative, without "
                       "prior publication, below the threshold): contract data has no field "
                       "for this instrument."),
    "per_year": ("Contrats par année", "Contracts per year"),
    "year": ("Année", "Year"),
    "contracts": ("Contrats", "Contracts"),
    "amount": ("Montant HT", "Amount excl. VAT"),
    "top_buyers": ("Acheteurs qui l'utilisent le plus", "Buyers who use it most"),
    "buyer": ("Acheteur", "Buyer"),
    "regions": ("Régions", "Regions"),
    "region": ("Région", "Region"),
    "latest_contracts": ("Derniers contrats", "Latest contracts"),
    "contract": ("Contrat", "Contract"),
    "procedure": ("Procédure et instruments", "Procedure and instruments"),
    "what_to_read": ("À lire", "What to read"),
    "who_promotes": ("Qui le promeut", "Who promotes it"),
    "through": ("par", "through"),
    "contract_no": ("Contrat n°", "Contract no."),
    "feed": ("Fil Atom des nouveaux contrats", "Atom feed of new contracts"),
    "role_of": ("Ce rôle est tenu par", "This role is played by"),
    "no_contracts": ("Aucun contrat publié ne la nomme comme acheteur ou titulaire.",
                     "No published contract names it as buyer or holder."),
    "as_buyer": ("Comme acheteur", "As buyer"),
    "as_supplier": ("Comme titulaire", "As supplier"),
    "directory": ("Annuaire des entreprises", "French business directory"),
    "register": ("D'après le registre Sirene", "From the Sirene register"),
    "legal_name": ("Nom légal", "Legal name"),
    "buyer_kind": ("Type d'acheteur", "Kind of buyer"),
    "legal_category": ("Catégorie juridique", "Legal category"),
    "staff_band": ("Effectif", "Staff"),
    "company_category": ("Catégorie d'entreprise", "Company category"),
    "activity": ("Activité principale (NAF)", "Main activity (NAF)"),
    "commune": ("Commune", "Municipality"),
    "name_unknown": ("Nom inconnu.", "Name unknown."),
    "name_unknown_why": ("Les données de marchés ne donnent que son numéro ; le registre Sirene "
                         "de l'INSEE donne le nom, la catégorie juridique et la taille des "
                         "entreprises et organismes français. Pour l'ajouter, construisez le "
                         "graphe avec",
                         "Contract data gives only its number; INSEE's Sirene register gives "
                         "the name, legal category and size of French companies and public "
                         "bodies. To add it, build the graph with"),
    "name_unknown_see": ("(voir le README, section « Names of buyers and suppliers (Sirene) »).",
                         "(see the README, section “Names of buyers and suppliers (Sirene)”)."),
    "not_public": ("Données non diffusibles : le registre Sirene ne permet pas de publier "
                   "son nom.",
                   "Non-public data: the Sirene register does not allow its name to be "
                   "published."),
    "instruments_used": ("Instruments et procédures utilisés", "Instruments and procedures used"),
    "instrument": ("Instrument", "Instrument"),
    "instruments": ("Instruments", "Instruments"),
    "cpv_divisions": ("Principales divisions CPV", "Main CPV divisions"),
    "cpv_division": ("Division CPV", "CPV division"),
    "innovative_contracts": ("Marchés innovants", "Innovative contracts"),
    "indicators": ("Indicateurs", "Indicators"),
    "a_buyer": ("Un acheteur", "A buyer"),
    "concluded_on": ("a conclu ce contrat le", "concluded this contract on"),
    "with": ("avec", "with"),
    "for_amount": ("pour", "for"),
    "through_procedure": ("par", "through"),
    "holders": ("Titulaires", "Holders"),
    "procedure_type": ("Procédure", "Procedure"),
    "place": ("Lieu d'exécution", "Place of performance"),
    "strategic": ("Objectifs", "Objectives"),
    "strategic_innovative": ("innovant", "innovative"),
    "strategic_social": ("social", "social"),
    "strategic_green": ("environnemental", "environmental"),
    "record_id": ("Identifiant DECP", "DECP identifier"),
    "error_400": ("Requête incorrecte : le serveur n'a pas pu la lire.",
                  "Bad request: the server could not read it."),
    "error_403": ("Accès refusé.", "Access refused."),
    "error_404": ("Rien ici : cette adresse ne correspond à aucune page.",
                  "Nothing here: this address matches no page."),
    "error_405": ("Cette adresse n'accepte pas cette méthode HTTP.",
                  "This address does not accept this HTTP method."),
    "error_406": ("Aucun des formats demandés n'est disponible ici.",
                  "None of the formats asked for is offered here."),
    "error_413": ("La requête est trop grande.", "The request is too large."),
    "error_415": ("Le type du corps de la requête n'est pas accepté.",
                  "The request body's type is not accepted."),
    "error_429": ("Trop de requêtes : réessayez dans un moment.",
                  "Too many requests: try again in a moment."),
    "error_500": ("Erreur du serveur : elle a été notée.",
                  "Server error: it has been logged."),
    "error_503": ("Le serveur est occupé ou la requête a dépassé le temps imparti ; "
                  "réessayez, ou téléchargez les données.",
                  "The server is busy or the request ran past the time limit; try again, "
                  "or download the data."),
    "error_other": ("La demande n'a pas abouti.", "The request did not succeed."),
    "error_details": ("Détails techniques", "Technical details"),
    "filter": ("Filtrer", "Filter"),
    "figures_table": ("Tableau des chiffres", "Table of figures"),
    "site_search": ("Recherche sur tout le site", "Search the whole site"),
    "filter_words": ("Mots", "Words"),
    "all": ("Tous", "All"),
    "page": ("page", "page"),
    "pages": ("Pages", "Pages"),
    "previous": ("Précédente", "Previous"),
    "next": ("Suivante", "Next"),
    "source_of_list": ("Liste", "List"),
    "curated_orgs": ("Organisations décrites", "Described organisations"),
    "decp_buyers": ("Acheteurs des données de marchés", "Buyers in the contract data"),
    "nav_instruments": ("Instruments", "Instruments"),
    "nav_organisations": ("Organisations", "Organisations"),
    "nav_resources": ("Ressources", "Resources"),
    "nav_regions": ("Régions", "Regions"),
    "iri": ("IRI", "IRI"),
    "types": ("Types", "Types"),
    "property": ("Propriété", "Property"),
    "value": ("Valeur", "Value"),
    "properties": ("Propriétés", "Properties"),
    "inbound": ("Ce qui pointe ici", "What points here"),
    "subject": ("Sujet", "Subject"),
    "external": ("Liens externes", "External links"),
    "formats": ("Autres formats", "Other formats"),
    "sources": ("Sources des faits", "Sources of the facts"),
    "sources_note": ("Les faits de cette page viennent des sources suivantes :",
                     "The facts on this page come from these sources:"),
    "figures": ("Chiffres", "Figures"),
    "unit": ("Unité", "Unit"),
    "scope": ("Périmètre", "Scope"),
    "date": ("Date", "Date"),
    "source": ("Source", "Source"),
    "legal_checked": ("Faits juridiques vérifiés pour la dernière fois le",
                      "Legal facts last checked on"),
    "legal_notice": ("Cette page donne une information ; ce n'est pas un conseil juridique. "
                     "Vérifiez le texte en vigueur sur Légifrance.",
                     "This page is information, not legal advice. "
                     "Check the text in force on Légifrance."),
    "on_the_wiki": ("Sur le wiki", "On the wiki"),
    "on_the_wiki_note": ("Le texte tel que le wiki l'a écrit, sans correction, à côté de la "
                         "description rédigée par le projet.",
                         "The text as the wiki wrote it, uncorrected, beside the project's own "
                         "description."),
    "wiki_page": ("Page du wiki", "Wiki page"),
    "read_on": ("lue le", "read on"),
    "csv": ("Tableau en CSV", "Table as CSV"),
    "source_legal": ("Lire le texte sur {site}", "Read the text on {site}"),
    "source_own": ("Ouvrir la ressource à son adresse ({site})",
                   "Open the resource at its address ({site})"),
    "source_text": ("Identifiant officiel de l'article non confirmé : lire le texte qui le "
                    "contient sur {site}",
                    "The article's official identifier is not confirmed: read the text that "
                    "holds it on {site}"),
    "source_unconfirmed": ("Aucune adresse officielle n'est confirmée pour ce texte.",
                           "No official address is confirmed for this text."),
    "table_unknown": ("Cette page n'a pas ce tableau : les tableaux sont proposés en .csv et "
                      ".json.", "This page has no such table: tables are offered as .csv and "
                      ".json."),
    "org_size": ("Taille", "Size"),
    "siret": ("SIRET", "SIRET"),
    "language": ("Langue", "Language"),
    "property_iri": ("IRI de la propriété", "Property IRI"),
    "value_iri": ("IRI de la valeur", "Value IRI"),
    "subject_iri": ("IRI du sujet", "Subject IRI"),
    "json": ("Résultats en JSON", "Results as JSON"),
    "not_found": ("Ressource inconnue", "Unknown resource"),
    "not_found_text": ("Aucune donnée sur cette IRI dans le graphe publié.",
                       "The published graph holds nothing about this IRI."),
    "not_found_help": ("Essayez la recherche, ou parcourez les vocabulaires.",
                       "Try the search, or browse the vocabularies."),
    "counts": ("Le graphe en chiffres", "The graph in figures"),
    "triples": ("triplets", "triples"),
    "questions": ("Questions auxquelles le graphe répond", "Questions the graph answers"),
    "results": ("Résultats", "Results"),
    "no_results_search": ("Aucun résultat pour cette recherche.", "Nothing matches this search."),
    "kind": ("Genre", "Kind"),
    "label": ("Libellé", "Label"),
    "file": ("Fichier", "File"),
    "size": ("Taille (octets)", "Size (bytes)"),
    "media_type": ("Type de média", "Media type"),
    "classes": ("Classes", "Classes"),
    "object_properties": ("Propriétés d'objet", "Object properties"),
    "datatype_properties": ("Propriétés de données", "Datatype properties"),
    "other_terms": ("Autres termes", "Other terms"),
    "domain": ("Domaine", "Domain"),
    "range": ("Co-domaine", "Range"),
    "concepts": ("concepts", "concepts"),
    "void": ("Description VoID", "VoID description"),
    "build": ("Version publiée", "Published build"),
    "open_editor": ("Ouvrir l'éditeur de requêtes", "Open the query editor"),
    "more": ("et d'autres", "and more"),
    "more_than": ("plus de", "more than"),
    "see_all": ("tout voir dans l'éditeur de requêtes", "see them all in the query editor"),
    "page_timeout": ("Cette page demande trop de calcul pour être affichée dans le temps "
                     "imparti ; interrogez le point d'accès SPARQL ou téléchargez les données.",
                     "This page needs more work than the time limit allows; query the SPARQL "
                     "endpoint or download the data."),
    **EDITOR_WORDS,
    **LAYOUT_WORDS,
}


#: Month names, January first (``numbers.day``).
MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}

#: An in-force date's wording: (property, already in force) -> (French, English).
IN_FORCE_WORDS = {
    (APG + "inForceFrom", True): ("depuis le", "since"),
    (APG + "inForceFrom", False): ("à partir du", "from"),
    (APG + "inForceUntil", True): ("jusqu'au", "until"),
    (APG + "inForceUntil", False): ("jusqu'au", "until"),
}

#: An instrument's EU mappings, by SKOS property: (French, English).
MATCH_WORDS = {
    "exactMatch": ("équivalent exact", "exact equivalent"),
    "closeMatch": ("équivalent proche", "close equivalent"),
    "relatedMatch": ("notion liée", "related notion"),
}

#: Nouns written after a count: key -> ((French singular, plural), (English singular, plural)).
#: French takes the singular for 0 and 1 (``numbers.is_plural``).
NOUNS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "contracts": (("contrat", "contrats"), ("contract", "contracts")),
    "innovative_contracts": (("marché innovant", "marchés innovants"),
                             ("innovative contract", "innovative contracts")),
    "buyers": (("acheteur", "acheteurs"), ("buyer", "buyers")),
    "countries": (("pays", "pays"), ("country", "countries")),
    "euros": (("€", "€"), ("€", "€")),
    "percent": (("%", "%"), ("%", "%")),
    "triples": (("triplet", "triplets"), ("triple", "triples")),
    "items": (("élément", "éléments"), ("item", "items")),
    "results": (("résultat", "résultats"), ("result", "results")),
    "instruments": (("instrument d'achat", "instruments d'achat"),
                    ("procurement instrument", "procurement instruments")),
    "organisations": (("organisation", "organisations"), ("organisation", "organisations")),
    "resources": (("ressource de connaissance", "ressources de connaissance"),
                  ("knowledge resource", "knowledge resources")),
    "legal": (("texte juridique", "textes juridiques"), ("legal text", "legal texts")),
    "figures": (("chiffre ou indicateur", "chiffres et indicateurs"),
                ("figure or indicator", "figures and indicators")),
    "concepts": (("concept de vocabulaire", "concepts de vocabulaire"),
                 ("vocabulary concept", "vocabulary concepts")),
    "usage_total": (("contrat publié l'utilise, pour un montant total HT de",
                     "contrats publiés l'utilisent, pour un montant total HT de"),
                    ("published contract uses it, for a total amount excluding VAT of",
                     "published contracts use it, for a total amount excluding VAT of")),
}

#: A figure's unit as the data writes it (``apg:unit``) -> its noun in ``NOUNS``.
UNIT_NOUNS = {"EUR": "euros", "percent": "percent", "contracts": "contracts",
              "countries": "countries", "buyers": "buyers"}

#: What a page's table holds, in its file's name (``pages.table_twins``): (French, English).
TABLE_FILE_WORDS = {
    "years": ("contrats-par-annee", "contracts-per-year"),
    "buyers": ("acheteurs", "buyers"),
    "regions": ("regions", "regions"),
    "properties": ("proprietes", "properties"),
    "inbound": ("liens-entrants", "inbound-links"),
}

#: The lists' titles: list -> (French, English).
LIST_TITLES = {
    "instruments": ("Instruments d'achat", "Procurement instruments"),
    "organisations": ("Organisations", "Organisations"),
    "resources": ("Ressources de connaissance", "Knowledge resources"),
    "regions": ("Marchés innovants par région", "Innovative contracts per region"),
}

#: The lists' column headings: list -> column key -> (French, English).
COLUMN_WORDS = {
    "instruments": {"name": ("Nom", "Name"), "kind": ("Genre", "Kind"),
                    "contracts": ("Contrats publiés", "Published contracts")},
    "organisations": {"name": ("Nom", "Name"), "kind": ("Rôle ou type", "Role or kind"),
                      "size": ("Taille", "Size"), "siret": ("SIRET", "SIRET")},
    "resources": {"name": ("Titre", "Title"), "kind": ("Type", "Type"),
                  "url": ("Adresse", "Address")},
    "regions": {"name": ("Région", "Region"),
                "contracts": ("Marchés innovants", "Innovative contracts"),
                "amount": ("Montant HT", "Amount excl. VAT")},
}

#: Figures of an organisation, by measure: (French, English).
MEASURE_WORDS = {
    "contracts-by-buyer": ("Contrats", "Contracts"),
    "amount-by-buyer": ("Montant HT", "Amount excl. VAT"),
    "contracts-by-region": ("Contrats", "Contracts"),
    "amount-by-region": ("Montant HT", "Amount excl. VAT"),
    "innovative-contracts": ("Marchés innovants", "Innovative contracts"),
    "innovative-amount": ("Montant HT des marchés innovants",
                          "Amount excl. VAT of innovative contracts"),
}


#: The end of an organisation's label when DECP gives only its number (the builder writes
#: it: ``graph_builder.rdf.contracts.UNKNOWN_NAME``); such a link is marked as no name.
UNKNOWN_NAME_MARKS = ("(nom inconnu)", "(name unknown)")


DCAT, VANN = PREFIXES["dcat"], PREFIXES["vann"]

#: Names for common external terms the store does not describe: IRI -> (fr, en).
TERM_NAMES: dict[str, tuple[str, str]] = {
    RDF + "type": ("type", "type"),
    RDFS + "label": ("libellé", "label"),
    RDFS + "comment": ("commentaire", "comment"),
    RDFS + "seeAlso": ("voir aussi", "see also"),
    RDFS + "isDefinedBy": ("défini par", "defined by"),
    RDFS + "subClassOf": ("sous-classe de", "subclass of"),
    RDFS + "subPropertyOf": ("sous-propriété de", "subproperty of"),
    RDFS + "domain": ("domaine", "domain"),
    RDFS + "range": ("co-domaine", "range"),
    SKOS + "prefLabel": ("libellé préféré", "preferred label"),
    SKOS + "altLabel": ("autre nom", "alternative label"),
    SKOS + "definition": ("définition", "definition"),
    SKOS + "notation": ("notation", "notation"),
    SKOS + "inScheme": ("dans le vocabulaire", "in scheme"),
    SKOS + "topConceptOf": ("concept de tête de", "top concept of"),
    SKOS + "hasTopConcept": ("concept de tête", "top concept"),
    SKOS + "broader": ("plus large", "broader"),
    SKOS + "narrower": ("plus précis", "narrower"),
    SKOS + "related": ("lié à", "related"),
    SKOS + "exactMatch": ("correspondance exacte", "exact match"),
    SKOS + "closeMatch": ("correspondance proche", "close match"),
    SKOS + "relatedMatch": ("correspondance liée", "related match"),
    SKOS + "scopeNote": ("note d'application", "scope note"),
    DCT + "source": ("source", "source"),
    DCT + "title": ("titre", "title"),
    DCT + "description": ("description", "description"),
    DCT + "identifier": ("identifiant", "identifier"),
    DCT + "issued": ("date de publication", "issued"),
    DCT + "modified": ("date de modification", "modified"),
    DCT + "license": ("licence", "licence"),
    DCT + "publisher": ("éditeur", "publisher"),
    DCT + "creator": ("auteur", "creator"),
    DCT + "type": ("type", "type"),
    OWL + "sameAs": ("identique à", "same as"),
    OWL + "versionInfo": ("version", "version"),
    OWL + "versionIRI": ("IRI de version", "version IRI"),
    SCHEMA + "url": ("site web", "web site"),
    SCHEMA + "image": ("image", "image"),
    ADMS + "identifier": ("identifiant", "identifier"),
    ELI + "date_document": ("date du texte", "date of the text"),
    ELI + "first_date_entry_in_force": ("entrée en vigueur", "entry into force"),
    RDF + "value": ("valeur", "value"),
    SKOS + "Concept": ("concept", "concept"),
    SKOS + "ConceptScheme": ("vocabulaire", "concept scheme"),
    OWL + "Class": ("classe", "class"),
    OWL + "ObjectProperty": ("propriété d'objet", "object property"),
    OWL + "DatatypeProperty": ("propriété de données", "datatype property"),
    OWL + "FunctionalProperty": ("propriété fonctionnelle", "functional property"),
    OWL + "Ontology": ("ontologie", "ontology"),
    DCT + "Location": ("lieu", "location"),
    DCT + "subject": ("sujet", "subject"),
    DCT + "isPartOf": ("fait partie de", "part of"),
    DCT + "created": ("date de création", "created"),
    DCT + "contributor": ("contributeur", "contributor"),
    ORG + "Organization": ("organisation", "organisation"),
    FOAF + "Organization": ("organisation", "organisation"),
    FOAF + "Project": ("projet", "project"),
    FOAF + "name": ("nom", "name"),
    FOAF + "homepage": ("page d'accueil", "home page"),
    ADMS + "Identifier": ("identifiant", "identifier"),
    DCAT + "previousVersion": ("version précédente", "previous version"),
    SCHEMA + "startDate": ("date de début", "start date"),
    SCHEMA + "endDate": ("date de fin", "end date"),
    SCHEMA + "about": ("à propos de", "about"),
    SCHEMA + "mentions": ("mentionne", "mentions"),
    VANN + "preferredNamespacePrefix": ("préfixe préféré", "preferred prefix"),
    VANN + "preferredNamespaceUri": ("espace de noms préféré", "preferred namespace"),
    # The source the builder cites for every figure it computes from contract data (the
    # ``$id`` of the DECP v2 schema): named for what it is, not "marches.json".
    "https://raw.githubusercontent.com/139bercy/format-commande-publique/master/marches.json": (
        "données essentielles de la commande publique (DECP)",
        "French public contract data (DECP)"),
}


def error_text(status: int, lang: str) -> str:
    """Return the explanation of an HTTP error status in a language."""
    key = f"error_{status}"
    return text(key if key in TEXTS else "error_other", lang)


def is_ours(message: str, lang: str) -> bool:
    """Tell whether a message is one of the interface's own texts in that language."""
    index = 1 if lang == "en" else 0
    return any(pair[index] == message for pair in TEXTS.values())


def text(key: str, lang: str) -> str:
    """Return the interface text for a key in a language."""
    fr, en = TEXTS[key]
    return en if lang == "en" else fr


#: The words of the guide "Quel instrument pour mon achat ?" (``pages/guide``).
GUIDE_WORDS: dict[str, tuple[str, str]] = {
    "guide_title": ("Quel instrument pour mon achat ?", "Which instrument for my purchase?"),
    "guide_intro": ("Décrivez votre achat : le guide passe en revue chaque instrument du graphe "
                    "et dit s'il s'applique, à quelle condition, ou pourquoi il ne s'applique "
                    "pas, avec la règle et l'article qui en décident.",
                    "Describe your purchase: the guide goes through every instrument of the "
                    "graph and says whether it applies, on what condition, or why it does not, "
                    "with the rule and the article that decide it."),
    "guide_nature": ("Nature du marché", "Contract nature"),
    "guide_nature_fournitures": ("Fournitures", "Supplies"),
    "guide_nature_services": ("Services", "Services"),
    "guide_nature_travaux": ("Travaux", "Works"),
    "guide_amount": ("Valeur estimée du besoin, en euros hors taxes",
                     "Estimated value of the need, in euros excluding VAT"),
    "guide_innovative": ("Achat innovant ?", "Innovative purchase?"),
    "guide_innovative_def": (
        "Article L2172-3 du code de la commande publique : sont innovants les travaux, "
        "fournitures ou services nouveaux ou sensiblement améliorés ; le caractère innovant "
        "peut tenir à de nouveaux procédés de production ou de construction, à une nouvelle "
        "méthode de commercialisation ou à une nouvelle méthode d'organisation.",
        "Article L2172-3 of the Public Procurement Code: innovative means new or significantly "
        "improved works, supplies or services; the innovation may lie in new production or "
        "construction processes, a new marketing method or a new organisational method."),
    "guide_rd": ("Services de recherche et développement ?",
                 "Research and development services?"),
    "guide_defence": ("Marché de défense ou de sécurité ?", "Defence or security contract?"),
    "guide_buyer": ("Catégorie d'acheteur (seuils européens)", "Buyer class (EU thresholds)"),
    "guide_buyer_other-contracting-authority": (
        "Collectivité territoriale ou autre pouvoir adjudicateur",
        "Local authority or other contracting authority"),
    "guide_buyer_central-government-authority": ("État (autorité publique centrale)",
                                                 "State (central government authority)"),
    "guide_buyer_utility": ("Entité adjudicatrice (réseaux)", "Utility (network operator)"),
    "guide_date": ("Date de l'achat (aujourd'hui par défaut)",
                   "Date of the purchase (today by default)"),
    "guide_aims": ("Objectifs visés (facultatif)", "Aims (optional)"),
    "guide_aim_social": ("social", "social"),
    "guide_aim_environmental": ("environnemental", "environmental"),
    "guide_aim_local": ("territorial", "local"),
    "guide_aim_commons": ("communs", "commons"),
    "guide_submit": ("Voir les instruments", "Show the instruments"),
    "guide_answer": ("Les instruments pour cet achat", "The instruments for this purchase"),
    "guide_verdict_applies": ("S'applique", "Applies"),
    "guide_verdict_conditional": ("S'applique si…", "Applies if…"),
    "guide_verdict_does-not-apply": ("Ne s'applique pas", "Does not apply"),
    "guide_rules": ("Règles évaluées", "Rules evaluated"),
    "guide_provision": ("Disposition", "Provision"),
    "guide_contracts": ("Contrats déclarés avec cet instrument (DECP)",
                        "Contracts declared with this instrument (DECP)"),
    "guide_buyers": ("Acheteurs qui l'ont utilisé", "Buyers who used it"),
    "guide_read": ("À lire", "What to read"),
    "guide_help": ("Qui peut aider", "Who can help"),
    "guide_not_advice": ("Information, et non conseil juridique",
                         "Information, not legal advice"),
    "guide_checked": ("Les règles ont été vérifiées pour la dernière fois le {}.",
                      "The rules were last checked on {}."),
    "guide_disclaimer": ("Ce guide lit les seuils et les conditions publiés dans le graphe ; "
                         "il ne remplace ni le code de la commande publique ni un juriste.",
                         "This guide reads the thresholds and conditions published in the "
                         "graph; it replaces neither the Public Procurement Code nor a lawyer."),
    "guide_json": ("Cette réponse en JSON", "This answer as JSON"),
    "guide_errors": ("Corrigez ces champs :", "Please correct these fields:"),
    "guide_open": ("Ouvrir le guide", "Open the guide"),
    "guide_for_this": ("Cet instrument convient-il à mon achat ?",
                       "Does this instrument fit my purchase?"),
    "guide_err_nature": ("Choisissez fournitures, services ou travaux.",
                         "Choose supplies, services or works."),
    "guide_err_amount": ("Donnez un montant en euros hors taxes, par exemple 80000 ou 80 000,50.",
                         "Give an amount in euros excluding VAT, for example 80000 or 80000.50."),
    "guide_err_yes_no": ("Répondez oui ou non.", "Answer yes or no."),
    "guide_err_buyer": ("Choisissez une catégorie d'acheteur de la liste.",
                        "Choose a buyer class from the list."),
    "guide_err_date": ("Donnez une date AAAA-MM-JJ entre 2000 et 2100.",
                       "Give a date YYYY-MM-DD between 2000 and 2100."),
    "guide_err_aims": ("Choisissez parmi social, environnemental, territorial, communs.",
                       "Choose among social, environmental, local, commons."),
    "guide_period_both": ("en vigueur du {} au {}", "in force from {} to {}"),
    "guide_period_from": ("en vigueur depuis le {}", "in force since {}"),
    "guide_period_until": ("en vigueur jusqu'au {}", "in force until {}"),
    "guide_period_open": ("dates de vigueur non confirmées", "in-force dates not confirmed"),
    "guide_out_of_period": ("Hors de sa période : {}.", "Outside its period: {}."),
    "guide_no_rule": ("Aucune règle n'est enregistrée pour cet instrument : à vérifier.",
                      "No rule is recorded for this instrument: to be checked."),
    "guide_below": ("Sous le seuil de {amount} ({scope}) — article {article}, {period}.",
                    "Below the threshold of {amount} ({scope}) — article {article}, {period}."),
    "guide_lots": ("S'applique à un lot de moins de {amount} : {scope} — article {article}, "
                   "{period}.",
                   "Applies to a lot below {amount}: {scope} — article {article}, {period}."),
    "guide_above": ("La valeur estimée atteint ou dépasse le seuil de {amount} ({scope}) — "
                    "article {article}, {period}.",
                    "The estimated value reaches or exceeds the threshold of {amount} ({scope}) "
                    "— article {article}, {period}."),
    "guide_misfit_innovative-only": ("Réservé aux achats innovants ({scope}) — article "
                                     "{article}.",
                                     "Only for innovative purchases ({scope}) — article "
                                     "{article}."),
    "guide_misfit_defence-only": ("Réservé aux achats de défense ou de sécurité ({scope}) — "
                                  "article {article}.",
                                  "Only for defence or security purchases ({scope}) — article "
                                  "{article}."),
    "guide_misfit_class": ("Seuil d'une autre catégorie d'acheteurs ({scope}) — article "
                           "{article}.",
                           "A threshold of another buyer class ({scope}) — article {article}."),
    "guide_misfit_nature": ("Aucun seuil pour cette nature de marché.",
                            "No threshold for this contract nature."),
    "guide_misfit_period": ("Aucun seuil enregistré n'est en vigueur à cette date.",
                            "No recorded threshold is in force on this date."),
}
TEXTS.update(GUIDE_WORDS)


#: The words of ``/contribute`` (``pages/contribute``).
CONTRIBUTE_WORDS: dict[str, tuple[str, str]] = {
    "contribute_title": ("Ouvrir une ressource", "Open a resource"),
    "contribute_intro": ("Décrivez une ressource que votre collectivité veut ouvrir : le "
                         "graphe vérifie la fiche avec les mêmes règles que sa construction et "
                         "vous rend l'enregistrement à ajouter. Rien n'est enregistré ici.",
                         "Describe a resource your authority wants to open: the graph checks "
                         "the record with the same rules as its build and gives you the record "
                         "to add. Nothing is stored here."),
    "contribute_f_title": ("Titre, dans la langue de la ressource",
                           "Title, in the resource's own language"),
    "contribute_f_title_lang": ("Langue du titre", "Language of the title"),
    "contribute_f_url": ("Adresse web de la ressource", "Web address of the resource"),
    "contribute_publisher": ("Éditeur", "Publisher"),
    "contribute_f_publisher": ("Une organisation du graphe", "An organisation of the graph"),
    "contribute_none": ("(aucune, ou autre ci-dessous)", "(none, or another below)"),
    "contribute_f_publisher_name": ("Ou son nom", "Or its name"),
    "contribute_f_publisher_siren": ("et son SIREN (9 chiffres)", "and its SIREN (9 digits)"),
    "contribute_f_date": ("Date de parution (AAAA-MM-JJ, AAAA-MM ou AAAA)",
                          "Date published (YYYY-MM-DD, YYYY-MM or YYYY)"),
    "contribute_f_type": ("Type de ressource", "Kind of resource"),
    "contribute_type_publication": ("publication", "publication"),
    "contribute_type_guide": ("guide", "guide"),
    "contribute_type_study": ("étude", "study"),
    "contribute_type_web-page": ("page web", "web page"),
    "contribute_f_instruments": ("Instruments concernés", "Instruments concerned"),
    "contribute_f_languages": ("Langues (codes séparés par des virgules : fr, en, ca…)",
                               "Languages (codes separated by commas: fr, en, ca…)"),
    "contribute_f_licence": ("Adresse de la licence", "Address of the licence"),
    "contribute_f_description_fr": ("Description en français", "Description in French"),
    "contribute_f_description_en": ("Description en anglais", "Description in English"),
    "contribute_submit": ("Vérifier la fiche", "Check the record"),
    "contribute_valid": ("La fiche est valide : ajoutez ces enregistrements au fichier indiqué.",
                         "The record is valid: add these records to the file named."),
    "contribute_add_to": ("À ajouter à la fin de", "To add at the end of"),
    "contribute_advice": ("Conseils", "Advice"),
    "contribute_errors": ("La fiche n'est pas valide ; corrigez ces champs :",
                          "The record is not valid; please correct these fields:"),
    "contribute_err_required": ("Ce champ est requis.", "This field is required."),
    "contribute_err_choice": ("Choisissez une valeur de la liste.",
                              "Choose a value from the list."),
    "contribute_err_siren": ("Un SIREN a 9 chiffres.", "A SIREN has 9 digits."),
    "contribute_err_too_long": ("Trop long : {} caractères au plus.",
                                "Too long: {} characters at most."),
    "contribute_err_too_many": ("Trop d'instruments cochés.", "Too many instruments ticked."),
    "contribute_err_too_large": ("Le formulaire envoyé est trop volumineux.",
                                 "The form sent is too large."),
    "contribute_err_busy": ("La vérification n'a pas pu se faire maintenant ; réessayez dans un "
                            "instant.", "The check could not run now; try again in a moment."),
    "contribute_field_form": ("fiche", "record"),
}
TEXTS.update(CONTRIBUTE_WORDS)


#: The words of ``/kit/{siren}`` (``pages/kit``).
KIT_WORDS: dict[str, tuple[str, str]] = {
    "kit_title": ("Kit d'innovation", "Innovation kit"),
    "kit_contracts_csv": ("ses contrats en CSV", "its contracts as CSV"),
    "kit_establishments": ("Établissements", "Establishments"),
    "kit_buys": ("Ce qu'il achète", "What it buys"),
    "kit_years": ("Contrats et montants HT par année", "Contracts and amounts excl. VAT per year"),
    "kit_year": ("Année", "Year"),
    "kit_divisions": ("Divisions CPV les plus fréquentes", "Most frequent CPV divisions"),
    "kit_used": ("Ce qu'il a utilisé", "What it used"),
    "kit_procedures": ("Procédures", "Procedures"),
    "kit_instruments": ("Autres instruments", "Other instruments"),
    "kit_next": ("Instruments que des acheteurs du même type ont utilisés, et pas lui",
                 "Instruments buyers of the same kind used, and it did not"),
    "kit_nothing": ("Aucun pour l'instant.", "None for now."),
    "kit_typical": ("Son achat type", "Its typical purchase"),
    "kit_median": ("montant médian", "median amount"),
    "kit_unknown": ("Aucun acheteur du graphe n'a le SIREN {}.",
                    "No buyer of the graph has the SIREN {}."),
    "kit_find": ("Trouver un acheteur dans la liste des acheteurs",
                 "Find a buyer in the list of buyers"),
}
TEXTS.update(KIT_WORDS)
