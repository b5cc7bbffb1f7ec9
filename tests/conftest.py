import io
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.demo import DEMO_PASSWORD
from home.models import HomePage
from tests.support.browser import axe_read, chromium
from tests.support.s3 import s3_bucket, s3_media, s3_server  # noqa: F401 (fixtures: an S3-compatible server)
from tests.support.worker import worker_database_url, worker_start, worker_stop


@pytest.fixture
def home_page(db):
    return HomePage.objects.get()


@pytest.fixture
def demo_site(settings):
    """The demo content and accounts, seeded as ``make run`` seeds them; returns the shared demo password.

    The journeys (``tests/journeys``) and the 360 px sweep start from it; after it, they do everything through
    the site.
    """
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())
    return DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts in Vietnamese with an empty cache (rate-limit counters live there)."""
    from django.core.cache import cache, caches
    from django.utils import translation

    cache.clear()
    caches["pages"].clear()
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture
def english_interface(settings, monkeypatch):
    """The site rendered with the code's own (English) msgids instead of the Vietnamese catalogue.

    The public site has one language, Vietnamese (docs/languages.md). Tests that read the interface's words
    use the msgids, which every change writes and the catalogue only gets after the merge: here every request
    is in English, at the same unprefixed addresses, whatever the browser asks (Vietnamese stays in
    ``LANGUAGES``: the pages' content locale is Vietnamese, and Wagtail wants it there). Messages stay Vietnamese.
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.LANGUAGES = [("en", "English"), ("vi", "Vietnamese")]
    monkeypatch.setattr(translation, "get_language_from_request", lambda request, check_path=False: "en")
    translation.activate("en")
    yield
    translation.activate("vi")


@pytest.fixture(scope="session", autouse=True)
def _sms_file_fresh():
    """Each test session starts with an empty test SMS file, before any worker reads it.

    The file provider, like a real one, takes a client reference once only (a worker remembers every reference
    in the file), and a fresh test database gives messages the references of an earlier session (the same
    message and person ids): in a file kept from an earlier run, such an SMS would be ignored as a repeat.
    """
    from django.conf import settings

    path = Path(settings.SMS_FILE_PATH)
    if path.exists():
        path.write_text("")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the configured broker and the test database.

    It consumes a queue of its own, so a developer's running worker (or another
    test run on the same Redis) never takes these tasks.
    """
    from lms.celery import app  # the Celery app loads Django's settings: not at collection time

    assert not app.conf.task_always_eager, "tasks must go through the broker"
    queue = f"test-{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        database_url = worker_database_url(connection.settings_dict)
    app.conf.task_default_queue = queue
    process = worker_start(database_url, queue)
    yield {"hostname": process.hostname, "queue": queue, "process": process}
    worker_stop(process)
    app.conf.task_default_queue = "celery"


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Function-scoped on purpose: while Playwright's sync API is active, an asyncio
    loop counts as running in this thread, so Django hands out context-local
    database connections. Those lack the serialized snapshot that
    ``serialized_rollback`` restores, which would leave every later
    transactional test with an empty database. Closing Playwright after each
    test ends that state; request ``browser``/``page`` after the database fixtures.
    """
    with chromium() as launched:
        yield launched


@pytest.fixture
def axe_source():
    """axe-core's script, to run in a page with ``tests.support.browser.axe_violations``."""
    return axe_read()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) at a phone's width."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
