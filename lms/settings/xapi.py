"""xAPI statements to a Learning Record Store (docs/xapi.md, outreach/xapi/).

Off (no statement is written at all) while ``XAPI_ENDPOINT`` is empty. The endpoint is the LRS's
xAPI base, e.g. ``https://lrs.example.gov.vn/xAPI/`` (statements go to ``<endpoint>statements``), with
HTTP basic credentials from the environment.
"""

from .environment import env

__all__ = [
    "XAPI_ACTOR_KEY",
    "XAPI_BATCH_SIZE",
    "XAPI_ENDPOINT",
    "XAPI_LEASE_SECONDS",
    "XAPI_MAX_ATTEMPTS",
    "XAPI_PASSWORD",
    "XAPI_PLATFORM",
    "XAPI_RETRY_BASE_SECONDS",
    "XAPI_RETRY_MAX_SECONDS",
    "XAPI_SEND_BUDGET_SECONDS",
    "XAPI_TIMEOUT",
    "XAPI_USERNAME",
]

XAPI_ENDPOINT = env("XAPI_ENDPOINT", "").strip()
XAPI_USERNAME = env("XAPI_USERNAME", "")
XAPI_PASSWORD = env("XAPI_PASSWORD", "")
# Seconds one POST to the LRS may take (connect and each read).
XAPI_TIMEOUT = float(env("XAPI_TIMEOUT", "10"))
# Statements per POST (xAPI accepts an array; the LRS stores it in order, all or nothing).
XAPI_BATCH_SIZE = int(env("XAPI_BATCH_SIZE", "100"))
# One sender at a time holds the lease (renewed every batch); a sender dead this long is replaced.
XAPI_LEASE_SECONDS = int(env("XAPI_LEASE_SECONDS", "60"))
# A sending task stops taking batches after this long and queues a fresh task for the rest.
XAPI_SEND_BUDGET_SECONDS = float(env("XAPI_SEND_BUDGET_SECONDS", "120"))
# A temporary error (LRS down, 5xx, 429, timeout): retried after base * 2**(attempt - 1) seconds, at most
# the maximum, and failed (visible, resendable) after XAPI_MAX_ATTEMPTS attempts (about a day by default).
XAPI_MAX_ATTEMPTS = int(env("XAPI_MAX_ATTEMPTS", "150"))
XAPI_RETRY_BASE_SECONDS = float(env("XAPI_RETRY_BASE_SECONDS", "5"))
XAPI_RETRY_MAX_SECONDS = float(env("XAPI_RETRY_MAX_SECONDS", "600"))
# The key of the learners' pseudonyms (actor.account.name = HMAC of the account id): keep it for good, or
# every learner becomes a new actor in the LRS. Empty: derived from SECRET_KEY.
XAPI_ACTOR_KEY = env("XAPI_ACTOR_KEY", "")
# context.platform of every statement.
XAPI_PLATFORM = env("XAPI_PLATFORM", "Kỹ Năng Số")
