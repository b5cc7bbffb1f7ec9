"""Wagtail's read-only content API (``/api/v2/``, docs/api.md): published, public pages, images and documents."""
