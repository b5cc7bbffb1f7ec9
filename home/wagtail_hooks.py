"""The site pages' admin: each capability's hooks are in its sub-package."""

from .search import wagtail_hooks as search_wagtail_hooks  # noqa: F401 (registers synonyms, the report, promotions)
