"""The page layout's words in French and English: the folded menu, tables of contents, folds.

Kept apart from ``pages.words`` (the pages' content) so the layout can change on its own.
"""

from __future__ import annotations

#: key -> (French, English); ``pages.words.text`` and the templates' ``t()`` read them.
LAYOUT_WORDS: dict[str, tuple[str, str]] = {
    "menu": ("Menu", "Menu"),
    "on_this_page": ("Sur cette page", "On this page"),
    "show_all_data": ("Afficher toutes les données", "Show all the data"),
    "show_table": ("Afficher le tableau", "Show the table"),
}
