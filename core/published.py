"""Published content, remembered by each process until something is published again.

A generation number in the ``pages`` cache (Redis in production, shared by every
process) changes whenever what visitors may see changes: publishing, unpublishing,
moving, renaming or deleting a page, saving a public service, a site or a page's
privacy (``core.apps`` connects those signals to ``published_content_changed``; ``courses.apps``
connects public services).
The anonymous page cache (``core.page_cache``) stores every page with the number
it was rendered under. The same number lets a process remember, between requests,
what only such changes can alter (``published_memo``): the site of a host name, the
page a URL leads to, the menu, whether any page is private, a lesson and its course.
A request reads the number once (one round trip); a new number starts afresh.
Entries are also forgotten after ``MEMO_MAX_AGE`` seconds, so a change that sends no
signal (an image's description, say) shows within minutes, as with the page cache.
"""

import copy
import secrets
import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

CACHE_ALIAS = "pages"
GENERATION_KEY = "page-cache-generation"
# Entries one process keeps for a generation (routes of existing pages, menus, lessons...).
MEMO_MAX_ENTRIES = 5000
MEMO_MAX_PAGES = 500
MEMO_MAX_AGE = 300
# Site search's results per process (settings.SEARCH_MEMO_MAX_ENTRIES; 0 remembers none, as `make bench`'s
# "results not remembered" row measures).
MEMO_MAX_SEARCHES = int(getattr(settings, "SEARCH_MEMO_MAX_ENTRIES", 1000))


def _cache():
    return caches[CACHE_ALIAS]


def _new_generation():
    # A random start rather than 1: a number that comes back after the cache lost the key
    # (Redis restarted or evicted it, a test emptied it) must not match what a process remembers.
    return secrets.randbits(52)


def published_generation():
    """The current generation number (one round trip)."""
    return _cache().get_or_set(GENERATION_KEY, _new_generation, timeout=None)


def _generation_bump():
    cache = _cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, _new_generation(), timeout=None)


def published_content_changed(**_kwargs):
    """Start a new generation: every process forgets what it remembered (a signal receiver too)."""
    _generation_bump()
    # Publishing runs in a transaction: until it commits, another process may read the new
    # number and remember (or render) the old content under it. Bump again once committed.
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_generation_bump, robust=True)


def request_generation(request):
    """The generation for this request: read once, then kept on the request."""
    try:
        return request._published_generation
    except AttributeError:
        request._published_generation = generation = published_generation()
        return generation


class _Memo:
    """Values this process computed under one generation."""

    def __init__(self, max_entries=MEMO_MAX_ENTRIES):
        self.max_entries = max_entries
        self._state: tuple[object, float, dict[object, object]] = (None, 0.0, {})

    def values(self, request):
        generation = request_generation(request)
        state = self._state
        if state[0] != generation or time.monotonic() - state[1] > MEMO_MAX_AGE:
            # One tuple, replaced whole: a thread still working under the old number
            # writes into the old dictionary, never into the new one.
            state = self._state = (generation, time.monotonic(), {})
        return state[2]

    def get(self, request, key, default=None):
        return self.values(request).get(key, default)

    def set(self, request, key, value):
        values = self.values(request)
        if len(values) < self.max_entries:
            values[key] = value


memo = _Memo()
# Page objects (with their converted StreamField blocks) are bigger: fewer of them.
pages_memo = _Memo(max_entries=MEMO_MAX_PAGES)
# Site search's results (home.search): a memo of their own, so that many different queries
# cannot fill the one above. Search results change only with published content and synonyms.
search_memo = _Memo(max_entries=MEMO_MAX_SEARCHES)


def published_memo(request, key, compute):
    """``compute()``, remembered by this process for the current generation.

    Only for what the changes listed in the module docstring can alter. The value is shared
    by the requests of the process: treat it as read-only (or copy it).
    """
    values = memo.values(request)
    try:
        return values[key]
    except KeyError:
        value = compute()
        if len(values) < MEMO_MAX_ENTRIES:
            values[key] = value
        return value


def search_memo_get(request, key, compute):
    """``compute()`` for site search, remembered by this process for the current generation (in ``search_memo``)."""
    value = search_memo.get(request, key)
    if value is None:
        value = compute()
        search_memo.set(request, key, value)
    return value


def site_for_request(request):
    """``Site.find_for_request``, remembered per generation and host."""
    from django.http.request import split_domain_port
    from wagtail.models import Site

    if request is None:
        return None
    if not hasattr(request, "_wagtail_site"):
        key = ("site", split_domain_port(request._get_raw_host())[0], request.get_port())
        site = published_memo(request, key, lambda: Site._find_for_request(request))
        if site is not None:
            # The request's own copy: Wagtail caches the specific root page on it.
            site = copy.copy(site)
            site.root_page = copy.copy(site.root_page)
        request._wagtail_site = site
    return request._wagtail_site


def site_root_paths_for_request(request):
    """Wagtail's site root paths (needed for every page URL), remembered per generation, kept on the request."""
    from wagtail.models import Site

    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        request._wagtail_cached_site_root_paths = published_memo(request, "site-root-paths", Site.get_site_root_paths)
    return request._wagtail_cached_site_root_paths


def any_page_private(request):
    """Whether any page has a view restriction."""
    from wagtail.models import PageViewRestriction

    return published_memo(request, "any-page-private", PageViewRestriction.objects.exists)


def public_q():
    """Pages outside every private section: what ``PageQuerySet.public()`` keeps, as a subquery.

    ``public()`` first loads every view restriction in a query of its own.
    """
    from django.db.models import CharField, Exists, F, OuterRef
    from django.db.models.functions import Cast
    from django.db.models.lookups import StartsWith
    from wagtail.models import PageViewRestriction

    restricted = PageViewRestriction.objects.filter(StartsWith(Cast(OuterRef("path"), CharField()), F("page__path")))
    return ~Exists(restricted)


def page_prepared(page):
    """Load now what rendering ``page`` would load on every request, so that a remembered page keeps it.

    Its own foreign keys (a tutorial's public service) and many-to-many fields (tags), its
    parent, and its StreamField blocks (converting them loads the images and snippets they
    choose). Returns the page.
    """
    from wagtail.fields import StreamField

    opts = page._meta
    values = [getattr(page, field.name) for field in opts.local_fields if field.many_to_one]
    for field in opts.local_many_to_many:
        manager = getattr(page, field.name)
        cache_name = getattr(manager, "prefetch_cache_name", None)
        if cache_name is not None:
            # Evaluated as the manager orders it (prefetch_related would lose taggit's order),
            # then kept where the manager looks for prefetched objects.
            related = manager.all()
            list(related)
            page.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = related
    if not page.is_root():
        page.get_parent()  # kept on the page (treebeard's _cached_parent_obj)
    # The blocks stay converted in the StreamValue, which every copy of the page shares.
    values += [getattr(page, field.name) for field in opts.fields if isinstance(field, StreamField)]
    _renditions_prefetch(values)
    return page


def _renditions_prefetch(values):
    """Attach their existing renditions to the images in ``values`` (blocks, lists, structs, images).

    ``{% image %}`` and ``{% srcset_image %}`` then find them on the image instead of asking
    the cache (a round trip per image); a rendition made later is added to the list.
    """
    from django.db.models import Prefetch, prefetch_related_objects
    from wagtail.blocks.list_block import ListValue
    from wagtail.blocks.stream_block import StreamValue
    from wagtail.images import get_image_model
    from wagtail.images.models import AbstractImage

    images = []

    def walk(value):
        if isinstance(value, AbstractImage):
            images.append(value)
        elif isinstance(value, StreamValue):
            for child in value:
                walk(child.value)
        elif isinstance(value, dict):  # StructValue
            for item in value.values():
                walk(item)
        elif isinstance(value, ListValue | list | tuple):
            for item in value:
                walk(item)

    walk(values)
    images = [image for image in images if not hasattr(image, "prefetched_renditions")]
    if images:
        renditions = get_image_model().get_rendition_model().objects.all()
        prefetch_related_objects(images, Prefetch("renditions", queryset=renditions, to_attr="prefetched_renditions"))


def remembered_page(request, key, compute):
    """A copy of the page ``compute()`` returns (prepared), remembered per generation; None is not remembered."""
    page = pages_memo.get(request, key)
    if page is None:
        page = compute()
        if page is None:
            return None  # unknown ids and paths must not fill the memo
        pages_memo.set(request, key, page_prepared(page))
    # The request's own copy: attributes it sets stay its own.
    return copy.copy(page)


def live_page(request, model, pk):
    """The live page ``pk`` of type ``model`` outside private sections, or None (remembered per generation)."""
    return remembered_page(
        request, ("live-page", model, pk), lambda: model.objects.live().filter(public_q(), pk=pk).first()
    )
