"""The APIs (docs/api.md): Wagtail's read-only content API at /api/v2/ and the personal API at /api/me/v1/,
with the personal access tokens it takes (accounts.tokens). Read into ``base``."""

from .environment import env

__all__ = [
    "ACCOUNTS_TOKEN_DAYS",
    "ACCOUNTS_TOKEN_DAYS_DEFAULT",
    "ACCOUNTS_TOKEN_MAX_ACTIVE",
    "ACCOUNTS_TOKEN_SCOPES",
    "API_CONTENT_CACHE_SECONDS",
    "API_CONTENT_RATE_LIMIT",
    "API_PERSONAL_RATE_LIMIT_ADDRESS",
    "API_PERSONAL_RATE_LIMIT_TOKEN",
    "API_RATE_WINDOW",
    "WAGTAILAPI_BASE_URL",
    "WAGTAILAPI_LIMIT_MAX",
    "WAGTAILAPI_RICH_TEXT_FORMAT",
]

# Wagtail's content API: absolute addresses on the site's public address, at most 50 items a page,
# rich text as display HTML (links and embeds expanded, no internal ids).
WAGTAILAPI_BASE_URL = env("WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{env('WEB_PORT', '8000')}")
WAGTAILAPI_LIMIT_MAX = 50
WAGTAILAPI_RICH_TEXT_FORMAT = "html"

# What a token may be allowed to read besides the profile (accounts names its own): each function
# returns a list of accounts.tokens.scopes.Scope.
ACCOUNTS_TOKEN_SCOPES = ["courses.api.scopes.token_scopes"]
# How long a new token may work (days): the choices on the account page, and the one preselected.
ACCOUNTS_TOKEN_DAYS = (7, 30, 90, 365)
ACCOUNTS_TOKEN_DAYS_DEFAULT = 90
# Tokens that still work, per person.
ACCOUNTS_TOKEN_MAX_ACTIVE = int(env("ACCOUNTS_TOKEN_MAX_ACTIVE", "10"))

# Requests per API_RATE_WINDOW seconds: to the content API per client address; to the personal API
# per token and per client address (an address may be a whole commune office behind one NAT).
API_RATE_WINDOW = int(env("API_RATE_WINDOW", "60"))
API_CONTENT_RATE_LIMIT = int(env("API_CONTENT_RATE_LIMIT", "300"))
API_PERSONAL_RATE_LIMIT_TOKEN = int(env("API_PERSONAL_RATE_LIMIT_TOKEN", "60"))
API_PERSONAL_RATE_LIMIT_ADDRESS = int(env("API_PERSONAL_RATE_LIMIT_ADDRESS", "600"))
# Seconds a content API answer is kept (publishing empties it at once; images and documents
# change without publishing, so not much longer than this).
API_CONTENT_CACHE_SECONDS = int(env("API_CONTENT_CACHE_SECONDS", "60"))
