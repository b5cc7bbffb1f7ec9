"""Site search: the query log and its report (``querylog.py``, ``report.py``), promoted results (``promotions.py``)."""
