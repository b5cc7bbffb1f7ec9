"""Resolving an audience segment of 100,000 people and enqueuing its campaign messages, and the cost
of counting a campaign page view.

Usage: ``python bench/campaigns.py [--people 100000] [--json] [--keep-db] [--no-wait]``
(``make bench-campaigns``). It needs PostgreSQL and Redis on 127.0.0.1. Progress goes to stderr,
the table (or JSON) to stdout. The setup follows ``bench/reminders.py`` (whose helpers it uses):

1. Waits until the machine is quiet (``--no-wait`` skips it), (re)creates the throwaway database
   ``kns_bench_campaigns`` (or ``BENCH_DATABASE_URL``; its name must contain "bench") and
   empties the Redis database ``BENCH_REDIS_URL`` (default db 5: the broker and the cache).
2. ``migrate`` (production settings), then a child process creates one province with 10 communes,
   ``--people`` citizens in them with an e-mail address and campaign consent (20 % of them with
   SMS chosen and a phone number, so they get two messages), another 10 % without consent, half
   of whom completed the course the segment excludes (``bulk_create``).
3. Measures, in one child process, with no worker consuming the queue (so what is timed is
   ours, not the provider's): the segment's live count (the admin's "Count"), "Send now"
   (``campaign_message_send``: checks, one conditional UPDATE, the task queued), then the
   planning task's body as the worker runs it (``campaign_message_plan``: one query for the
   segment and consent, rendering and signing the links, COPY into the outbox with ON CONFLICT
   DO NOTHING, ``deliveries_send`` tasks queued on the Redis broker per committed batch). Then
   it checks one delivery per person and channel and counts the tasks on the broker.
4. Counts 20,000 campaign page views through ``page_view_count`` (one pipelined INCR + EXPIRE
   on Redis) and flushes them to the database, to give the per-view cost.
5. Prints a Markdown table; drops the database unless ``--keep-db``.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import reminders as reminders_bench  # bench/reminders.py: its environment and quiet-machine wait
from common import PYTHON, ROOT, BenchError, cpu_model, database_recreate, log, redis_flush

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kns_bench_campaigns"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"  # not 14: CI's test run uses it (.ci/run)
QUEUE = "bench-campaigns"
TARGET_SECONDS = 10.0


def child_generate(people):
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Consent, ContactPreference, OrganisationUnit, User
    from courses.models import CourseIndexPage, CoursePage, Enrolment
    from home.models import HomePage

    started = time.monotonic()
    without_consent = people // 10
    total = people + without_consent
    with transaction.atomic():
        home = HomePage.objects.first()
        index = CourseIndexPage(title="Khóa học", slug="khoa-hoc")
        home.add_child(instance=index)
        course = CoursePage(title="Dịch vụ công trực tuyến", slug="dich-vu-cong", summary="Nộp hồ sơ trên mạng.")
        index.add_child(instance=course)
        province = OrganisationUnit.add_root(code="BENCH", name="Tỉnh Thử Tải", kind="province")
        communes = [
            province.add_child(code=f"BENCH-{number}", name=f"Xã {number}", kind="commune") for number in range(10)
        ]
        User.objects.bulk_create(
            (
                User(
                    email=f"nguoi.dan.{number}@bench.kynangso.local",
                    phone=f"09{number:08d}" if number % 5 == 0 else None,
                    full_name=f"Trần Thị Thử {number}",
                    kind=User.Kind.CITIZEN,
                    organisation_unit=communes[number % 10],
                    password="!",  # noqa: S106 (unusable: nobody signs in)
                )
                for number in range(total)
            ),
            batch_size=5000,
        )
        ids = list(
            User.objects.filter(email__endswith="@bench.kynangso.local").order_by("pk").values_list("pk", flat=True)
        )
        now = timezone.now()
        # Campaign consent per channel: e-mail for everyone consenting, SMS too for those with a phone.
        Consent.objects.bulk_create(
            (
                Consent(
                    user_id=pk, purpose=Consent.Purpose.CAMPAIGNS, channel=channel, granted=True, at=now, source="bench"
                )
                for number, pk in enumerate(ids[:people])
                for channel in (("email", "sms") if number % 5 == 0 else ("email",))
            ),
            batch_size=5000,
        )
        ContactPreference.objects.bulk_create(
            (
                ContactPreference(user_id=pk, use_email=True, use_sms=True, use_in_app=False)
                for number, pk in enumerate(ids)
                if number % 5 == 0
            ),
            batch_size=5000,
        )
        Enrolment.objects.bulk_create(
            # Half of those without consent completed the course: outside the segment.
            (Enrolment(user_id=pk, course=course, completed_at=now) for pk in ids[people::2]),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print("BENCH_RESULT " + json.dumps({"people": total, "seconds": round(time.monotonic() - started, 1)}))


def child_measure(people):
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import OrganisationUnit, User
    from core.page_views import page_view_count, page_views_flush, page_views_push
    from courses.models import CoursePage
    from home.models import HomePage
    from outreach.campaigns.audiences import segment_counts
    from outreach.campaigns.messages import campaign_message_plan, campaign_message_send
    from outreach.models import (
        CAMPAIGN_KIND,
        AudienceSegment,
        CampaignIndexPage,
        CampaignMessage,
        CampaignPage,
        CampaignPageView,
        Delivery,
        ReminderSetting,
    )

    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = config.quiet_hours_start.replace(hour=0, minute=0)
    config.save()
    course = CoursePage.objects.get()
    home = HomePage.objects.first()
    index = CampaignIndexPage(title="Chiến dịch", slug="chien-dich")
    home.add_child(instance=index)
    today = timezone.localdate()
    campaign = CampaignPage(
        title="Làm thủ tục trên mạng, không phải xếp hàng",
        slug="lam-thu-tuc-tren-mang",
        goal="Nộp hồ sơ trực tuyến.",
        starts_on=today,
        ends_on=today,
        calls_to_action=[{"type": "course", "value": {"page": course.pk, "label": ""}}],
    )
    index.add_child(instance=campaign)
    segment = AudienceSegment.objects.create(
        name="Người dân tỉnh, chưa học", learner_kind=User.Kind.CITIZEN, not_completed_course=course
    )
    segment.units.set([OrganisationUnit.objects.get(code="BENCH")])
    message = CampaignMessage.objects.create(
        campaign=campaign,
        segment=segment,
        name="Đợt 1",
        email_subject="{campaign}",
        email_body="Chào {name},\n\nLàm thủ tục trên mạng: {link}\nHọc cách làm: {action}\n\n{site}",
        sms_body="{site}: {campaign} {link}",
        in_app_body="{campaign}: {link}",
    )
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(QUEUE)

    started = time.monotonic()
    total, consenting = segment_counts(rules=segment)
    count_seconds = time.monotonic() - started

    started = time.monotonic()
    campaign_message_send(message=message)
    send_seconds = time.monotonic() - started
    started = time.monotonic()
    planned_people = campaign_message_plan(message_id=message.pk)
    plan_seconds = time.monotonic() - started
    tasks = client.llen(QUEUE)

    rows = Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk)
    by_channel = dict(rows.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n"))
    duplicates = rows.values("recipient_id", "channel").annotate(n=Count("pk")).filter(n__gt=1).count()
    queued = rows.filter(queued_at__isnull=False).count()

    views = 20_000
    started = time.monotonic()
    for _number in range(views):
        page_view_count(campaign.pk)
    page_views_push()  # what the web process does at most once a second
    count_view_seconds = time.monotonic() - started
    started = time.monotonic()
    moved = page_views_flush()
    flush_seconds = time.monotonic() - started
    stored = CampaignPageView.objects.get(campaign=campaign).views
    client.delete(QUEUE)
    print(
        "BENCH_RESULT "
        + json.dumps(
            {
                "segment_total": total,
                "segment_consenting": consenting,
                "count_seconds": round(count_seconds, 3),
                "send_click_seconds": round(send_seconds, 3),
                "planned_people": planned_people,
                "plan_seconds": round(plan_seconds, 2),
                "resolve_and_enqueue_seconds": round(send_seconds + plan_seconds, 2),
                "deliveries": by_channel,
                "queued_rows": queued,
                "duplicates": duplicates,
                "tasks_on_broker": tasks,
                "batch_size": settings.DELIVERY_BATCH_SIZE,
                "views": views,
                "view_microseconds": round(count_view_seconds / views * 1e6, 1),
                "views_flushed": moved,
                "views_stored": stored,
                "flush_ms": round(flush_seconds * 1000, 1),
            }
        )
    )


def report(result, meta):
    met = result["resolve_and_enqueue_seconds"] < TARGET_SECONDS
    deliveries = sum(result["deliveries"].values())
    lines = [
        "| Measure | Figure |",
        "|---|---:|",
        f"| People in the segment / with campaign consent | {result['segment_total']:,} / "
        f"{result['segment_consenting']:,} |",
        f'| Live count (the admin\'s "Count": one query) | {result["count_seconds"] * 1000:.0f} ms |',
        f'| "Send now" (counts, conditional UPDATE, task queued) | {result["send_click_seconds"] * 1000:.0f} ms |',
        f"| Planning task: resolve, render and sign, COPY {deliveries:,} deliveries "
        f"({result['deliveries']}), queue {result['tasks_on_broker']:,} tasks of {result['batch_size']} ids "
        f"| {result['plan_seconds']:.1f} s |",
        f"| **Resolve and enqueue, total** | **{result['resolve_and_enqueue_seconds']:.1f} s** |",
        f"| One campaign page view counted (pipelined INCR + EXPIRE on Redis), mean of {result['views']:,} "
        f"| {result['view_microseconds']:.0f} µs |",
        f"| Flushing the counters into the database (beat, every minute) | {result['flush_ms']:.0f} ms |",
    ]
    checks = (
        f"Checks: {result['planned_people']:,} people planned, {result['queued_rows']:,} rows queued, "
        f"{result['duplicates']} person × channel with two deliveries; {result['views_stored']:,} views stored."
    )
    verdict = f"Target (under {TARGET_SECONDS:.0f} s): **{'met' if met else 'not met'}**."
    setup = (
        f"Run on {meta['date']}: {meta['cpu']} ({meta['cores']} cores, shared), PostgreSQL {meta['postgres']}, "
        f"Redis {meta['redis']}, production settings, load average before the run {meta['load']:.2f}."
    )
    return "\n".join(lines), checks, verdict, setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-wait", action="store_true")
    parser.add_argument("--child", choices=["generate", "measure"])
    args = parser.parse_args()
    if args.child == "generate":
        return child_generate(args.people)
    if args.child == "measure":
        return child_measure(args.people)

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    var_dir = Path(tempfile.mkdtemp(prefix="kns-bench-campaigns-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    try:
        load = os.getloadavg()[0] if args.no_wait else reminders_bench.wait_until_quiet(limit=1.5)
        name = database_recreate(database_url)
        redis_flush(redis_url)
        log(f"database {name} created, Redis {redis_url} emptied")
        env = reminders_bench.reminders_env(database_url, redis_url, var_dir, 1)
        env["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        started = time.monotonic()
        migrate = subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if migrate.returncode != 0:
            raise BenchError(f"migrate failed:\n{migrate.stdout[-2000:]}{migrate.stderr[-3000:]}")
        log(f"migrated in {time.monotonic() - started:.0f} s; generating {args.people:,} people")
        command = [PYTHON, str(Path(__file__).resolve())]
        generated = _child(command, "generate", env, args.people)
        log(f"generated {generated['people']:,} people in {generated['seconds']} s; measuring")
        result = _child(command, "measure", env, args.people)
        import psycopg
        import redis

        with psycopg.connect(database_url) as connection:
            postgres = connection.execute("SHOW server_version").fetchone()[0]
        meta = {
            "date": time.strftime("%Y-%m-%d"),
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "postgres": postgres,
            "redis": redis.Redis.from_url(redis_url).info("server")["redis_version"],
            "load": load,
        }
        result["meta"] = meta
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            table, checks, verdict, setup = report(result, meta)
            print(f"{setup}\n\n{table}\n\n{checks} {verdict}")
        ok = result["duplicates"] == 0 and result["planned_people"] == result["segment_consenting"] == args.people
        shutil.rmtree(var_dir, ignore_errors=True)
        return 0 if ok else 1
    except BenchError as error:
        log(f"error: {error}")
        return 2
    finally:
        if not args.keep_db:
            try:
                database_recreate(database_url, drop_only=True)
            except Exception as error:  # cleanup must not hide the real error
                log(f"could not drop the benchmark database: {error}")


def _child(command, mode, env, people):
    result = subprocess.run(
        [*command, f"--child={mode}", f"--people={people}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BenchError(f"{mode} failed (exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-5000:]}")
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT ") :])
    raise BenchError(f"{mode} printed no result:\n{result.stdout[-2000:]}")


if __name__ == "__main__":
    sys.exit(main())
