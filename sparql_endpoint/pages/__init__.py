"""HTML pages of the data and their twins: documents, answer cards, lists, feeds, search."""
