"""What every app's tests share: a real Celery worker (``worker``), Chromium through Playwright and the
sign-in steps (``browser``), waiting for a background effect (``waiting``), PDF reading (``pdf``) and
adding Wagtail pages (``pages``)."""
