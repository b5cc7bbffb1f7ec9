"""Development: the embedded default (SQLite, filesystem broker), debug on."""

from .base import *  # noqa: F403
from .base import env, env_list

DEBUG = True
# A development-only key; production refuses to start without a real one.
SECRET_KEY = env("SECRET_KEY", "django-insecure-dev-only-kynangso-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Template and CSS changes show at once while developing (production and tests cache pages).
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "0"))
# SMS (one-time codes included) go to a file a developer can read: var/sms.jsonl, one JSON line each
# ({"to", "text", "reference", "at"}); `tail -f var/sms.jsonl`. See docs/accounts.md.
SMS_BACKEND = env("SMS_BACKEND", "outreach.delivery.channels.FileSmsBackend")
