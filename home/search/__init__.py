"""Site search: the index of live pages, spelling variants, synonyms, typos, ranking; the query log and its
report (``querylog.py``, ``report.py``); promoted results (``promotions.py``). See docs/search.md."""
