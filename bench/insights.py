"""Operations dashboard and public transparency page on a province's year of activity: response times, queries.

Usage: ``.venv/bin/python bench/insights.py [--runs 20] [--fresh] [--explain] [--json]`` (``make bench-insights``).
It needs PostgreSQL on 127.0.0.1. Progress goes to stderr, the table (or JSON) to stdout.

1. Creates the database ``kns_bench_insights`` (or ``BENCH_DATABASE_URL``; its name must contain "bench") unless it
   exists (``--fresh`` drops it first), migrates with the production settings (as ``bench/compliance.py`` does) and
   runs ``generate_insights_data --force``: ``generate_training_data`` (100,000 civil servants in 2,000 units, about
   500,000 assignments), then a year of activity: about 200,000 enrolments, 1,000,000 lesson completions (COPY),
   certificates, 20,000 citizens, tutorials done, feedback, reminders and a campaign's deliveries. The database is
   kept for the next run.
2. ``VACUUM ANALYZE``, then the nightly rebuild of the daily summary (``insights.UnitDayFigure``, 400 days), timed.
3. In this process, with Django's test client and the production settings: the dashboard as a leader (whole
   province; the default period of 13 weeks, and a whole year), as the training office, for one commune, as that
   commune's manager, an export; the public page as an anonymous visitor (served from the page cache) and once
   computed from scratch. Each is warmed up twice, then timed ``--runs`` times (median, p95, max), with its query
   count and size. Before each, it waits (up to 30 s) for a quiet second (``bench/pages.py``'s check).

Targets (issue 7): the whole province under 500 ms, one unit under 150 ms, the public page under 20 ms when cached.
Exit status 1 if a target is missed (median), 2 when a step failed.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import BenchError, database_ensure, in_process_env, log, manage, quiet_wait, timings_table  # noqa: E402
from compliance import explain, vacuum_analyze  # noqa: E402

PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://kynangso:kynangso@127.0.0.1:5432/kns_bench_insights"
TARGETS_MS = {"province": 500.0, "unit": 150.0, "public": 20.0}


def personas():
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import OrganisationUnit, User
    from insights.roles import LEADER

    def with_group(email, name, group):
        user, _created = User.objects.get_or_create(email=email, defaults={"full_name": name, "is_staff": True})
        user.groups.add(Group.objects.get(name=group))
        return user

    leader = with_group("bench-leader@kynangso.invalid", "Lãnh đạo (bench)", LEADER)
    office = with_group("bench-office@kynangso.invalid", "Quản trị đào tạo (bench)", roles.TRAINING_ADMINISTRATOR)
    province = OrganisationUnit.objects.get(code="GEN")
    commune = None
    for candidate in OrganisationUnit.objects.filter(kind="commune", path__startswith=province.path).order_by("path")[
        :40
    ]:
        people = User.objects.filter(organisation_unit__path__startswith=candidate.path).count()
        if 50 <= people <= 100 and candidate.managers.exists():
            commune, commune_people = candidate, people
            break
    if commune is None:
        raise BenchError("no generated commune of 50–100 people with a manager: regenerate with --fresh")
    manager = commune.managers.order_by("pk").first()
    return {
        "leader": leader,
        "office": office,
        "manager": manager,
        "province": province,
        "commune": commune,
        "commune_people": commune_people,
    }


def counts():
    from accounts.models import OrganisationUnit, User
    from courses.models import Assignment, Certificate, Enrolment, LessonCompletion
    from outreach.models import Delivery

    return {
        "units": OrganisationUnit.objects.count(),
        "people": User.objects.count(),
        "assignments": Assignment.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "lesson_completions": LessonCompletion.objects.count(),
        "certificates": Certificate.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def cases(p):
    from django.urls import reverse

    from core.localtime import local_today

    dashboard = reverse("insights_dashboard")
    today = local_today()
    year = f"start={(today.replace(year=today.year - 1)).isoformat()}&end={today.isoformat()}"
    commune = p["commune"]
    return [
        # (key, label, persona, URL, target)
        ("province", "Dashboard, whole province, 13 weeks (leader)", "leader", dashboard, "province"),
        ("province_year", "Dashboard, whole province, one year (leader)", "leader", f"{dashboard}?{year}", "province"),
        ("province_office", "Dashboard, whole province (training office)", "office", dashboard, "province"),
        ("province_sorted", "Dashboard, whole province, sorted by rate", "leader",
         f"{dashboard}?sort=rate&dir=asc", "province"),
        ("unit", f"Dashboard, one commune ({p['commune_people']} people; leader)", "leader",
         f"{dashboard}?unit={commune.pk}", "unit"),
        ("unit_manager", "Dashboard, that commune's manager", "manager", dashboard, "unit"),
        ("unit_year", "Dashboard, one commune, one year", "leader", f"{dashboard}?unit={commune.pk}&{year}", "unit"),
        ("export_units_xlsx", "Export: by unit, whole province, XLSX", "leader",
         reverse("insights_export", args=["units", "xlsx"]), None),
        ("public", "Public page, anonymous, from the page cache", "anonymous", "/minh-bach/", "public"),
        ("public_figures_cached", "Public page, figures cached, page not cached", "anonymous_fresh_page",
         "/minh-bach/", "public"),
        ("public_computed", "Public page, computed from scratch", "anonymous_cold", "/minh-bach/", None),
    ]  # fmt: skip


def measure(client, url, runs, want_explain, database, before_each=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        if before_each:
            before_each()
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}")
    if before_each:
        before_each()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    captured = list(queries.captured_queries)
    slowest = max(captured, key=lambda query: float(query["time"]), default=None)
    plan = None
    if want_explain and slowest and slowest["sql"].lstrip().upper().startswith("SELECT"):
        plan = explain(slowest["sql"], None)
    other = quiet_wait(os.getpgid(0), database, 30)
    times = []
    for _ in range(runs):
        if before_each:
            before_each()
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(statistics.quantiles(times, n=20, method="inclusive")[18], 1) if len(times) > 1 else None,
        "max_ms": round(times[-1], 1),
        "queries": len(captured),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0.0,
        "bytes": len(response.content),
        "page_cache": response.get("X-Page-Cache", ""),
        "other_cpu_pct": other,
        "plan": plan,
    }


def runs(args, database):
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache, caches
    from django.test import Client
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()
    from insights.selectors import TRANSPARENCY_CACHE_KEY
    from insights.tasks import figures_rebuild_recent

    started = time.perf_counter()
    summary_rows = figures_rebuild_recent()
    rebuild_seconds = time.perf_counter() - started
    log(f"daily summary of the last 400 days rebuilt: {summary_rows:,} rows in {rebuild_seconds:.1f} s")
    p = personas()
    data = counts()
    log(f"data: {', '.join(f'{value:,} {name}' for name, value in data.items())}")
    clients = {}
    for persona in ("leader", "office", "manager"):
        clients[persona] = Client(HTTP_HOST="localhost")
        clients[persona].force_login(p[persona])
    for persona in ("anonymous", "anonymous_fresh_page", "anonymous_cold"):
        clients[persona] = Client(HTTP_HOST="localhost")

    def page_cache_clear():
        caches["pages"].clear()

    def everything_clear():
        caches["pages"].clear()
        cache.delete(TRANSPARENCY_CACHE_KEY)

    before = {"anonymous_fresh_page": page_cache_clear, "anonymous_cold": everything_clear}
    rows = []
    for key, label, persona, url, target in cases(p):
        if args.only and key not in args.only:
            continue
        log(f"{label}: {url}")
        result = measure(
            clients[persona],
            url,
            args.runs if persona != "anonymous_cold" else max(3, args.runs // 4),
            args.explain,
            database,
            before.get(persona),
        )
        if result["plan"]:
            log(f"  slowest query ({result['slowest_query_ms']} ms), EXPLAIN ANALYZE:\n{result['plan']}")
        log(f"  median {result['median_ms']} ms, p95 {result['p95_ms']} ms, {result['queries']} queries")
        target_ms = TARGETS_MS.get(target)
        rows.append(
            {
                "key": key,
                "label": label,
                "url": url,
                "target_ms": target_ms,
                "met": None if target_ms is None else result["median_ms"] < target_ms,
                **result,
            }
        )
    return {"counts": data, "rows": rows, "rebuild_seconds": rebuild_seconds, "summary_rows": summary_rows}


def markdown(report):
    counts = report["counts"]
    lines = [
        f"PostgreSQL {report['postgres']} ({', '.join(f'{k}={v}' for k, v in report['pg_settings'].items())}), "
        f"Python {report['python']}, {report['cpus']} CPUs; "
        + ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items())
        + f"; {report['runs']} runs per page; generation {report['generate_seconds']:.0f} s; daily summary "
        f"({report['summary_rows']:,} rows, 400 days) rebuilt in {report['rebuild_seconds']:.1f} s.",
        "",
    ]
    lines += timings_table(report["rows"])
    return "\n".join(lines)


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--fresh", action="store_true", help="drop the database and generate the data again")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--progress", type=int, default=1_000_000, help="lesson completions")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    parser.add_argument("--only", nargs="*", help="only these pages (keys as in the JSON)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kynangso-bench-insights-"))
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    env = in_process_env(tmp, database_url)
    try:
        database = database_ensure(database_url, args.fresh)
        manage(["migrate", "--noinput"], env, tmp / "manage.log")
        seconds = manage(
            [
                "generate_insights_data",
                "--force",
                f"--people={args.people}",
                f"--units={args.units}",
                f"--progress={args.progress}",
            ],
            env,
            tmp / "manage.log",
            timeout=3600,
        )
        log(f"generate_insights_data: {seconds:.1f} s")
        for line in (tmp / "manage.log").read_text().strip().splitlines()[-12:]:
            log(f"  {line}")
        log("VACUUM ANALYZE")
        version, pg_settings = vacuum_analyze(database_url)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        report = runs(args, database)
    finally:
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        shutil.rmtree(tmp, ignore_errors=True)
    report.update(
        postgres=version,
        pg_settings=pg_settings,
        python=platform.python_version(),
        cpus=os.cpu_count(),
        runs=args.runs,
        generate_seconds=seconds,
    )
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else markdown(report))
    return 0 if all(row["met"] is not False for row in report["rows"]) else 1


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"[bench] FAILED: {error}", file=sys.stderr)
        sys.exit(2)
