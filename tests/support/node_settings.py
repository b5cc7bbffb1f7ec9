"""Settings of the web nodes the two-node test starts (tests/lms/test_two_nodes.py): production's choices that
matter here (no debug, the page cache on, Redis from CACHE_URL, the bucket from AWS_*), without HTTPS and two-step
sign-in, which the plain-HTTP test setup cannot do."""

import os

from lms.settings.base import *  # noqa: F403

DEBUG = False
# lms.settings.test's key: the sessions the test signs in (force_login) carry a hash made with it.
SECRET_KEY = "django-insecure-test-only"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PAGE_CACHE_SECONDS = 600
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A prefix per test run (ids restart with each test database); the negative control gives node B one of its own.
if os.environ.get("NODE_CACHE_PREFIX"):
    for _alias, _cache in CACHES.items():  # noqa: F405
        _cache["KEY_PREFIX"] = f"{os.environ['NODE_CACHE_PREFIX']}-{_cache.get('KEY_PREFIX', '')}"
