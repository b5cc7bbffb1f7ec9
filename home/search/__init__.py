"""Site search: the index of live pages, spelling variants, synonyms, typos, ranking (docs/search.md)."""
