"""Tests: the same services as the environment gives (SQLite/filesystem by
default, PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

DEBUG = False
SECRET_KEY = "django-insecure-test-only"  # noqa: S105 (tests only)
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the Celery worker the tests start opens the same database.
    # TEST_SQLITE_NAME lets two test runs on one checkout use different files.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / os.environ.get("TEST_SQLITE_NAME", "test-db.sqlite3"))}
DEMO_DATA_ALLOWED = True
# Page views reach the shared counters at once (production batches them per second).
PAGE_VIEW_BATCH_SECONDS = 0
SEARCH_LOG_BATCH_SECONDS = 0
# SMS (one-time codes included) go to a JSON-lines file the tests (and the worker they start) share;
# TEST_SMS_FILE lets two test runs on one checkout use different files.
SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
SMS_FILE_PATH = str(VAR_DIR / os.environ.get("TEST_SMS_FILE", "test-sms.jsonl"))
# Zalo messages likewise (numbers ending in 99 are "not on Zalo": the fallback to SMS).
ZALO_BACKEND = "outreach.delivery.zalo.channel.FileZaloBackend"
ZALO_FILE_PATH = str(VAR_DIR / os.environ.get("TEST_ZALO_FILE", "test-zalo.jsonl"))
ZALO_APP_ID = "test-app"
ZALO_OA_SECRET_KEY = "test-oa-secret"  # noqa: S105 (tests only)
# Open Badges: a key generated once for the tests (never the development one, never committed).
BADGES_KEYS_FILE = ""
BADGES_KEYS = ""
BADGES_DEV_KEYS_FILE = str(VAR_DIR / os.environ.get("TEST_BADGES_KEYS_FILE", "test-badge-keys.json"))
