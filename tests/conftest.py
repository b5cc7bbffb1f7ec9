import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from home.models import HomePage

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def home_page(db):
    return HomePage.objects.get()


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


def _database_url(settings_dict):
    """The URL of the database the tests use (the test database, after setup)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if engine.endswith("postgresql"):
        user = settings_dict.get("USER") or ""
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or ""
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise RuntimeError(f"No worker URL for database engine {engine}")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the configured broker and the test database.

    It consumes a queue of its own, so a developer's running worker (or another
    test run on the same Redis) never takes these tasks.
    """
    from lms.celery import app

    assert not app.conf.task_always_eager, "tasks must go through the broker"
    queue = f"test-{uuid.uuid4().hex[:10]}"
    hostname = f"{queue}@localhost"
    with django_db_blocker.unblock():
        database_url = _database_url(connection.settings_dict)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    app.conf.task_default_queue = queue
    log = open(BASE_DIR / "var" / f"{queue}.log", "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            f"--hostname={hostname}",
            f"--queues={queue}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log.flush()
            raise RuntimeError(f"Celery worker exited: {(BASE_DIR / 'var' / f'{queue}.log').read_text()}")
        if app.control.ping(destination=[hostname], timeout=1.0):
            break
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("Celery worker did not answer a ping within 60 s")
    yield {"hostname": hostname, "queue": queue, "process": process}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
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
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/system-deps.sh installs it")
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls
    # the browser tests make around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) at a phone's width."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
