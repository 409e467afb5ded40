"""The catalogue's own words in French and English: its portal page, term pages, site heads."""

from __future__ import annotations

#: The catalogue page's words: key -> (French, English).
WORDS = {
    "datasets": ("Jeux de données", "Datasets"),
    "files": ("Fichiers", "Files"),
    "file": ("Fichier", "File"),
    "format": ("Format", "Format"),
    "size": ("Taille", "Size"),
    "checksum": ("Empreinte SHA-256", "SHA-256 checksum"),
    "download": ("Télécharger", "Download"),
    "themes": ("Thèmes", "Themes"),
    "keywords": ("Mots-clés", "Keywords"),
    "coverage": ("Période couverte", "Period covered"),
    "spatial": ("Couverture géographique", "Geographic coverage"),
    "licence": ("Licence", "Licence"),
    "publisher": ("Producteur", "Publisher"),
    "contact": ("Contact", "Contact"),
    "updated": ("Mis à jour le", "Updated on"),
    "issued": ("Publié le", "Published on"),
    "access": ("Accès", "Access"),
    "rights": ("Conditions de réutilisation", "Terms of reuse"),
    "service": ("Interroger en ligne", "Query online"),
    "endpoint": ("Point d'accès", "Endpoint"),
    "serves": ("Données servies", "Data served"),
    "harvest": ("Moissonner ce catalogue", "Harvest this catalogue"),
    "harvest_text": ("Ce catalogue suit DCAT-AP 3.0.1. Un moissonneur l'obtient en Turtle "
                     "à cette adresse, ou dans l'un de ces formats :",
                     "This catalogue follows DCAT-AP 3.0.1. A harvester gets it as Turtle "
                     "at this address, or in one of these formats:"),
    "identifier": ("Identifiant", "Identifier"),
    "to": ("au", "to"),
    "from": ("du", "from"),
}

#: Words of a term's page: key -> (French, English).
TERM_WORDS = {
    "term": ("Terme de l'ontologie", "Ontology term"),
    "definition": ("Définition", "Definition"),
    "labels": ("Libellés", "Labels"),
    "subterms": ("Termes plus précis", "Narrower terms"),
    "domain_of": ("Propriétés qui le décrivent", "Properties describing it"),
    "range_of": ("Propriétés qui y mènent", "Properties leading to it"),
    "in_ontology": ("Voir dans l'ontologie complète", "See it in the whole ontology"),
    "parents": ("Termes plus généraux", "Broader terms"),
    "matches": ("Correspondances", "Mappings"),
}

#: The site's name and description for search engines: lang -> (name, description).
SITE = {
    "fr": ("Graphe de l'achat public",
           "Graphe ouvert de données liées sur l'achat public en France : instruments pour "
           "acheter l'innovation et acheter autrement, acteurs, ressources, textes juridiques, "
           "contrats (DECP) et chiffres, interrogeable en SPARQL et téléchargeable."),
    "en": ("Public procurement graph",
           "An open linked-data graph of French public procurement: instruments for buying "
           "innovation and buying differently, actors, resources, legal texts, contracts (DECP) "
           "and figures, to query with SPARQL and to download."),
}


def words(lang: str) -> dict[str, str]:
    """Return the catalogue page's words in one language."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in WORDS.items()}
