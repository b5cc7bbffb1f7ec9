"""Personal access tokens: a person lets a program (the provincial portal, a mobile app) read their own
progress and certificates through the personal API (``courses.api``, docs/api.md)."""
