"""The cost of counting a page view (campaign pages and tutorials share one counter).

Usage: ``DATABASE_URL=… CACHE_URL=redis://…/N python bench/page_views.py [--views 20000] [--hits 2000]``
with production settings (``SECRET_KEY``, ``ALLOWED_HOSTS`` set). It needs PostgreSQL and Redis. It migrates
the database, creates a tutorial if there is none (and leaves it), then:

1. counts ``--views`` tutorial page views through ``page_view_count`` (one pipelined INCR + EXPIRE on
   Redis), as ``bench/campaigns.py`` does for a campaign page, and flushes them (one upsert);
2. serves the tutorial ``--hits`` times from the page cache through the whole middleware stack
   (Django's test client, anonymous), with the tutorial counted and, for comparison, with tutorials
   left out of ``COUNTED_PAGES`` (alternating rounds of 200, to share the machine's noise);
3. prints a Markdown table. Counters it leaves are flushed; the stored views are deleted.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")
os.environ.setdefault("WAGTAILADMIN_BASE_URL", "https://kynangso.example.vn")  # production refuses a loopback one


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=20_000)
    parser.add_argument("--hits", type=int, default=2_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings
    from django.test import Client, override_settings

    from core import page_views as campaign_tracking
    from core.page_views import page_view_count, page_views_flush, page_views_push
    from courses.models import TutorialIndexPage, TutorialPage, TutorialPageView
    from home.models import HomePage

    tutorial = TutorialPage.objects.live().first()
    if tutorial is None:
        home = HomePage.objects.first()
        if home is None:
            raise SystemExit("No home page: migrate creates one.")
        if tutorial is None:
            index = TutorialIndexPage.objects.first() or home.add_child(
                instance=TutorialIndexPage(title="Hướng dẫn", slug="huong-dan")
            )
            tutorial = index.add_child(instance=TutorialPage(title="Thử tải", slug="thu-tai", summary="Đo."))
    page_views_flush()
    TutorialPageView.objects.filter(tutorial=tutorial).delete()

    started = time.perf_counter()
    for _number in range(args.views):
        page_view_count(tutorial.pk, kind="tutorial")
    page_views_push()  # what the web process does at most once a second
    count_seconds = time.perf_counter() - started
    started = time.perf_counter()
    moved = page_views_flush()
    flush_seconds = time.perf_counter() - started
    stored = TutorialPageView.objects.get(tutorial=tutorial).views

    # Plain static files storage: no collectstatic manifest needed for this measurement.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    storages = {**settings.STORAGES, "staticfiles": plain}
    override_settings(STORAGES=storages).enable()
    client = Client(HTTP_HOST=os.environ.get("BENCH_HOST", "localhost"))
    url = tutorial.url
    first = client.get(url, secure=True)
    assert first.status_code == 200, (first.status_code, first.get("Location"), url)
    assert client.get(url, secure=True)["X-Page-Cache"] == "hit"
    counted, uncounted = [], []
    everything = campaign_tracking.COUNTED_PAGES
    without = tuple(kind for kind in everything if kind.kind != "tutorial")
    rounds = max(1, args.hits // 200)
    for _round in range(rounds):
        for pages, times in ((everything, counted), (without, uncounted)):
            campaign_tracking.COUNTED_PAGES = pages
            started = time.perf_counter()
            for _number in range(200):
                client.get(url, secure=True)
            times.append(time.perf_counter() - started)
    campaign_tracking.COUNTED_PAGES = everything
    hits = rounds * 200
    with_ms, without_ms = sum(counted) / hits * 1000, sum(uncounted) / hits * 1000
    counted_hits = page_views_flush()
    TutorialPageView.objects.filter(tutorial=tutorial).delete()
    load = os.getloadavg()[0]
    print("| Measure | Figure |")
    print("|---|---:|")
    print(
        f"| One tutorial page view counted (`page_view_count`), mean of {args.views:,} | "
        f"{count_seconds / args.views * 1e6:.0f} µs |"
    )
    flushed = f"{flush_seconds * 1000:.0f} ms ({moved:,} moved, {stored:,} stored)"
    print(f"| Flush of those counters (one upsert) | {flushed} |")
    print(f"| Cached tutorial hit through the middleware stack, counted, mean of {hits:,} | {with_ms:.2f} ms |")
    print(f"| The same, tutorials not counted | {without_ms:.2f} ms |")
    print(f"| Views counted during the hits (one per counted hit, and the first two requests) | {counted_hits:,} |")
    print(f"| Load average (1 min) at the end | {load:.2f} |")


if __name__ == "__main__":
    main()
