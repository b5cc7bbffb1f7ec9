"""Sign-in, two-step verification, one-time codes, invitations and the auth log (accounts, docs/accounts.md).

Imported by ``base``; every value comes from the environment (``.env.example``).
"""

from .environment import env, env_bool, env_list

# Sign-in attempts allowed per identifier (email/phone) and per client address
# in LOGIN_RATE_WINDOW seconds before sign-in is refused for that window.
LOGIN_RATE_LIMIT = int(env("LOGIN_RATE_LIMIT", "5"))
# Reverse proxies whose X-Forwarded-For names the client (core.clients): addresses or networks,
# e.g. "127.0.0.1" behind nginx on the same machine. Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
LOGIN_RATE_WINDOW = int(env("LOGIN_RATE_WINDOW", "900"))
# Password-reset links sent per email address in PASSWORD_RESET_RATE_WINDOW seconds
# (ten times as many per client address).
PASSWORD_RESET_RATE_LIMIT = int(env("PASSWORD_RESET_RATE_LIMIT", "3"))
PASSWORD_RESET_RATE_WINDOW = int(env("PASSWORD_RESET_RATE_WINDOW", "3600"))
# Two-step verification (accounts.twofactor, docs/accounts.md) for everyone who reaches the admin or
# staff pages: on in production settings; off here so that development's demo accounts need no phone.
ACCOUNTS_TWO_FACTOR_REQUIRED = env_bool("ACCOUNTS_TWO_FACTOR_REQUIRED", False)
# Wrong codes allowed per person in TWO_FACTOR_RATE_WINDOW seconds (ten times as many per client address).
TWO_FACTOR_RATE_LIMIT = int(env("TWO_FACTOR_RATE_LIMIT", "5"))
TWO_FACTOR_RATE_WINDOW = int(env("TWO_FACTOR_RATE_WINDOW", "900"))
OTP_TOTP_ISSUER = "Kỹ Năng Số"
# One-time codes (accounts.codes, docs/accounts.md): life in seconds, wrong tries before a code dies,
# seconds before a new code may be asked for, codes per number (ten times as many per client address)
# in ACCOUNTS_CODE_RATE_WINDOW seconds, wrong codes per client (MAX_TRIES × 10) in CHECK_WINDOW seconds.
ACCOUNTS_CODE_TTL = int(env("ACCOUNTS_CODE_TTL", "600"))
ACCOUNTS_CODE_MAX_TRIES = int(env("ACCOUNTS_CODE_MAX_TRIES", "5"))
ACCOUNTS_CODE_RESEND_SECONDS = int(env("ACCOUNTS_CODE_RESEND_SECONDS", "60"))
ACCOUNTS_CODE_RATE_LIMIT = int(env("ACCOUNTS_CODE_RATE_LIMIT", "5"))
ACCOUNTS_CODE_RATE_WINDOW = int(env("ACCOUNTS_CODE_RATE_WINDOW", "3600"))
ACCOUNTS_CODE_CHECK_WINDOW = int(env("ACCOUNTS_CODE_CHECK_WINDOW", "900"))
# Seconds an invitation (roster imports: a code to choose one's password) lasts.
ACCOUNTS_INVITATION_TTL = int(env("ACCOUNTS_INVITATION_TTL", str(7 * 24 * 3600)))
# Who sends accounts' messages (codes, invitations): outreach's outbox (accounts.messaging).
ACCOUNTS_MESSAGE_SENDERS = ["outreach.account_messages.account_message_send"]
# Days the auth event log keeps a row (the daily forget task removes older ones).
ACCOUNTS_AUTH_EVENT_RETENTION_DAYS = int(env("ACCOUNTS_AUTH_EVENT_RETENTION_DAYS", "365"))
# The privacy notice in force: stored with every change of a consent (accounts.consent.services)
# and shown on the sign-up and notification settings pages. Change it when the notice changes.
ACCOUNTS_PRIVACY_NOTICE_VERSION = env("ACCOUNTS_PRIVACY_NOTICE_VERSION", "2026-11")
