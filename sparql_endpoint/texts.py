"""The interface's own words in French and English, and the choice of language."""

from __future__ import annotations

from flask import request

from sparql_endpoint.response_headers import language_chosen

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "lang"

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
    "json": ("Résultats en JSON", "Results as JSON"),
    "not_found": ("Ressource inconnue", "Unknown resource"),
    "not_found_text": ("Aucune donnée sur cette IRI dans le graphe publié.",
                       "The published graph holds nothing about this IRI."),
    "not_found_help": ("Essayez la recherche, ou parcourez les vocabulaires.",
                       "Try the search, or browse the vocabularies."),
    "counts": ("Le graphe en chiffres", "The graph in figures"),
    "triples": ("triplets", "triples"),
    "questions": ("Questions auxquelles le graphe répond", "Questions the graph answers"),
    "run": ("Exécuter", "Run"),
    "results": ("Résultats", "Results"),
    "rows": ("lignes", "rows"),
    "no_rows": ("Aucun résultat.", "No results."),
    "query_text": ("Requête SPARQL", "SPARQL query"),
    "examples": ("Exemples", "Examples"),
    "editor_intro": ("Écrivez une requête SPARQL ou partez d'un exemple. "
                     "Le formulaire fonctionne aussi sans JavaScript.",
                     "Write a SPARQL query or start from an example. "
                     "The form also works without JavaScript."),
    "query_error": ("La requête n'a pas pu être exécutée", "The query could not be run"),
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
}


def choose_language() -> str:
    """Return the page language: ``?lang=``, then the cookie, then Accept-Language."""
    language_chosen()
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(LANGUAGES)
    return best or DEFAULT_LANGUAGE


def text(key: str, lang: str) -> str:
    """Return the interface text for a key in a language."""
    fr, en = TEXTS[key]
    return en if lang == "en" else fr
