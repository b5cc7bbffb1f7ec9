"""Roster imports: the HR office's list of civil servants, checked first (dry run), then applied all or nothing.

``reading`` reads the file (CSV/XLSX, headers, dates), ``planning`` compares it with the database
(``roster_plan``), ``services`` writes it and runs the import's life (check, apply, resume or give
up lost tasks, forget stored files), ``messages`` holds the translated messages, ``views`` the
admin pages and ``tasks`` the Celery tasks.
"""
