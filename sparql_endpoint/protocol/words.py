"""The query editor's own words in French and English (the page shell's are ``pages.words``)."""

from __future__ import annotations

#: key -> (French, English); ``pages.words.text`` and the templates' ``t()`` read them.
EDITOR_WORDS: dict[str, tuple[str, str]] = {
    "results_table": ("Tableau des résultats", "Table of results"),
    "run": ("Exécuter", "Run"),
    "rows": ("lignes", "rows"),
    "no_rows": ("Aucun résultat.", "No results."),
    "query_text": ("Requête SPARQL", "SPARQL query"),
    "examples": ("Exemples", "Examples"),
    "editor_intro": ("Écrivez une requête SPARQL ou partez d'un exemple. "
                     "Le formulaire fonctionne aussi sans JavaScript.",
                     "Write a SPARQL query or start from an example. "
                     "The form also works without JavaScript."),
    "query_error": ("La requête n'a pas pu être exécutée", "The query could not be run"),
    "error_at": ("Ligne {line}, colonne {column}", "Line {line}, column {column}"),
    "parser_message": ("Message de l'analyseur SPARQL (en anglais)", "The SPARQL parser's message"),
    "raw_term": ("Terme exact", "Exact term"),
    "truncated_rows": ("Les résultats s'arrêtent ici : la requête en donne davantage. "
                       "Affinez-la (LIMIT, motifs plus précis), ou téléchargez les données "
                       "complètes.",
                       "The results stop here: the query gives more. Narrow it (LIMIT, more "
                       "specific patterns), or download the full data."),
    "table_truncated": ("… tableau tronqué après {rows} lignes : limite de ce serveur",
                        "… table cut after {rows} rows: this server's limit"),
}
