"""Production: PostgreSQL, Redis, gunicorn behind a TLS-terminating proxy.

Refuses to start without a real SECRET_KEY. ``python manage.py check --deploy``
is clean with these settings.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .badges import BADGES_KEYS, BADGES_KEYS_FILE
from .base import *  # noqa: F403
from .base import SECRET_KEY, WAGTAILADMIN_BASE_URL, env, env_bool, env_list, logging_config

if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names in production.")


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


# The public address ends up in QR codes, certificates, e-mails and every SMS link.
if _is_loopback(WAGTAILADMIN_BASE_URL):
    raise ImproperlyConfigured(
        f"WAGTAILADMIN_BASE_URL is {WAGTAILADMIN_BASE_URL!r}: set it to the site's public address "
        "(https://…) in production; it is printed in QR codes, certificates and message links."
    )

# Open Badges: credentials are signed with the site's own key, never one generated on the fly
# (a new key per machine would make every credential signed elsewhere unverifiable).
if not BADGES_KEYS and not BADGES_KEYS_FILE:
    raise ImproperlyConfigured(
        "BADGES_KEYS_FILE (a JWK Set of the site's private signing keys) or BADGES_KEYS must be set in "
        "production (python manage.py badge_key_new > /etc/kynangso/badge-keys.json; docs/badges.md)."
    )
if BADGES_KEYS_FILE and not Path(BADGES_KEYS_FILE).is_file():
    raise ImproperlyConfigured(f"BADGES_KEYS_FILE is {BADGES_KEYS_FILE!r}, which is not a readable file.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS: the proxy terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
# The LTI tool's key comes from LTI_TOOL_PRIVATE_KEY(_FILE), never generated on a server (docs/lti.md).
LTI_TOOL_KEY_GENERATE = False
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True

# Probes ask gunicorn directly over plain HTTP (no X-Forwarded-Proto): liveness and readiness answer
# them instead of redirecting to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Logs: one JSON object per line on stdout, each with its request id or Celery task (core.logs);
# LOG_FORMAT=text for readable lines.
LOGGING = logging_config(json_lines=env("LOG_FORMAT", "json") == "json", level=env("LOG_LEVEL", "INFO"))

# Staff sign in with two steps (password, then a code from an app or a recovery code): accounts.twofactor.
ACCOUNTS_TWO_FACTOR_REQUIRED = True
