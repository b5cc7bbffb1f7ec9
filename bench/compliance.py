"""Compliance report and unit manager's page on a province's worth of data: response times and query counts.

Usage: ``.venv/bin/python bench/compliance.py [--runs 30] [--fresh] [--explain] [--json]`` (``make bench-compliance``).
It needs PostgreSQL on 127.0.0.1. Progress goes to stderr, the table (or JSON) to stdout.

1. Creates the database ``kns_bench_compliance`` (or ``BENCH_DATABASE_URL``; its name must contain "bench") if it
   does not exist (``--fresh`` drops and re-creates it), runs ``migrate`` with the production settings (DEBUG off, so
   no query log; a random SECRET_KEY; cache, media and broker under a temporary directory; static files through
   the plain storage, so no ``collectstatic``), and
   ``generate_training_data --force`` (100,000 civil servants in 2,000 units, 5 requirements, about 500,000 current
   assignments: two minutes; nothing if the data is there). The database is kept for the next run.
2. ``VACUUM ANALYZE`` (statistics, and the visibility map that index-only scans need).
3. In this process, with Django's test client over HTTPS (``secure=True``) and the production settings, signed in as
   a training administrator, as the manager of a commune of 50–100 people and as a manager of the whole province:
   each page or export is requested twice to warm up, then ``--runs`` times; the table gives the median, p95 and
   maximum wall time of the whole request (middleware, session, view, queries, template), its SQL query count and
   its size. Before each page it waits (up to 30 s) for a second in which other processes use under 10% of the CPU
   and reports that share ("other CPU"): a busy neighbour on a small machine slows everything down. (It is not
   measured during the runs: PostgreSQL's parallel workers come and go within a query and could not be told apart
   from other work.)
4. ``--explain``: ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest query of each page, to stderr.

Targets (issue 4): the report's first page (the whole province's roll-up) under 300 ms, a unit manager's page under
100 ms. Exit status 1 if a target is missed (median), 2 when a step failed.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, BenchError, database_ensure, in_process_env, log, manage, quiet_wait, run_main, timings_table

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kns_bench_compliance"
TARGETS_MS = {"report": 300.0, "manager": 100.0}


def vacuum_analyze(database_url):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        version = connection.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            connection.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('jit', 'max_parallel_workers_per_gather', 'work_mem', 'shared_buffers', 'lc_collate')"
            ).fetchall()
        )
    return version, settings


# --- Measuring ------------------------------------------------------------------------------


def personas():
    """(training administrator, manager of a commune of 50–100 people, manager of the province) and their units."""
    from django.contrib.auth.models import Group
    from django.db.models import Q

    from accounts import roles
    from accounts.models import OrganisationUnit, User

    admin, _created = User.objects.get_or_create(
        email="bench-admin@kynangso.invalid", defaults={"full_name": "Quản trị đào tạo (bench)", "is_staff": True}
    )
    admin.groups.add(Group.objects.get(name=roles.TRAINING_ADMINISTRATOR))
    province = OrganisationUnit.objects.get(code="GEN")
    communes = OrganisationUnit.objects.filter(kind=OrganisationUnit.Kind.COMMUNE, path__startswith=province.path)
    commune = None
    for candidate in communes.order_by("path")[:40]:
        people = User.objects.filter(organisation_unit__path__startswith=candidate.path).count()
        if 50 <= people <= 100 and candidate.managers.exists():
            commune, commune_people = candidate, people
            break
    if commune is None:
        raise BenchError("no generated commune of 50–100 people with a manager: regenerate with --fresh")
    agency = (
        OrganisationUnit.objects.filter(kind=OrganisationUnit.Kind.AGENCY, path__startswith=province.path)
        .order_by("path")
        .first()
    )
    agency_people = User.objects.filter(organisation_unit__path__startswith=agency.path).count()
    division = OrganisationUnit.objects.filter(path__startswith=agency.path, depth=agency.depth + 1).first()
    manager = commune.managers.order_by("pk").first()
    province_manager = province.managers.order_by("pk").first()
    counts = {
        "people": User.objects.filter(employee_code__startswith="GEN").count(),
        "units": OrganisationUnit.objects.filter(Q(code="GEN") | Q(code__startswith="GEN-")).count(),
        "commune_people": commune_people,
        "agency_people": agency_people,
    }
    return {
        "admin": admin,
        "manager": manager,
        "province_manager": province_manager,
        "province": province,
        "commune": commune,
        "agency": agency,
        "division": division,
        "counts": counts,
    }


def cases(p):
    from django.urls import reverse

    from courses.models import TrainingRequirement

    report, people = reverse("courses_compliance_report"), reverse("courses_compliance_people")
    requirement = TrainingRequirement.objects.filter(name__endswith="[GEN]").order_by("pk").first()
    team = reverse("courses:team")
    commune, agency = p["commune"], p["agency"]
    return [
        # (key, label, persona, URL, target)
        ("report", "Report, first page (whole province)", "admin", report, "report"),
        ("report_filtered", "Report, first page, overdue of one requirement", "admin",
         f"{report}?requirement={requirement.pk}&state=overdue", None),
        ("report_agency", f"Report, drill-down: agency ({p['counts']['agency_people']} people)", "admin",
         f"{report}?unit={agency.pk}", None),
        ("report_commune", f"Report, drill-down: commune ({p['counts']['commune_people']} people)", "admin",
         f"{report}?unit={commune.pk}", None),
        ("people_commune", "People: commune, page 1", "admin", f"{people}?unit={commune.pk}", None),
        ("people_agency", "People: agency, page 1", "admin", f"{people}?unit={agency.pk}", None),
        ("people_province", "People: whole province, page 1", "admin", f"{people}?unit={p['province'].pk}", None),
        ("export_report_csv", "Export: first page roll-up, CSV", "admin",
         reverse("courses_compliance_export", args=["csv"]), None),
        ("export_report_xlsx", "Export: first page roll-up, XLSX", "admin",
         reverse("courses_compliance_export", args=["xlsx"]), None),
        ("export_people_csv", "Export: people of the commune, CSV", "admin",
         f"{reverse('courses_compliance_people_export', args=['csv'])}?unit={commune.pk}", None),
        ("export_people_xlsx", "Export: people of the commune, XLSX", "admin",
         f"{reverse('courses_compliance_people_export', args=['xlsx'])}?unit={commune.pk}", None),
        ("export_agency_csv", "Export: people of the agency, CSV", "admin",
         f"{reverse('courses_compliance_people_export', args=['csv'])}?unit={agency.pk}", None),
        ("export_agency_xlsx", "Export: people of the agency, one requirement, XLSX", "admin",
         f"{reverse('courses_compliance_people_export', args=['xlsx'])}?unit={agency.pk}&requirement={requirement.pk}",
         None),
        ("team", "Manager of the commune: team page", "manager", team, "manager"),
        ("team_overdue", "Manager of the commune: overdue only", "manager", f"{team}?state=overdue", "manager"),
        ("team_division", "Manager of the commune: a division", "manager",
         f"{team}?unit={commune.get_children().first().pk}", "manager"),
        ("team_export_csv", "Manager of the commune: export CSV", "manager",
         reverse("courses:team_export", args=["csv"]), None),
        ("team_export_xlsx", "Manager of the commune: export XLSX", "manager",
         reverse("courses:team_export", args=["xlsx"]), None),
        ("team_province", "Manager of the province: team page", "province_manager", team, None),
    ]  # fmt: skip


def explain(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(client, url, runs, want_explain, database):
    """Warm up twice, count queries once, wait (up to 30 s) for a quiet second, then time ``runs`` requests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    captured = list(queries.captured_queries)  # the next request's request_started signal empties the log
    size = len(response.content)
    slowest = max(captured, key=lambda query: float(query["time"]))
    plan = None
    if want_explain and slowest["sql"].lstrip().upper().startswith("SELECT"):
        # With psycopg's client-side binding the captured SQL holds its parameters: explain it as it ran.
        plan = explain(slowest["sql"], None)
    other = quiet_wait(os.getpgid(0), database, 30)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(statistics.quantiles(times, n=20, method="inclusive")[18], 1),
        "max_ms": round(times[-1], 1),
        "min_ms": round(times[0], 1),
        "queries": len(captured),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        "bytes": size,
        "other_cpu_pct": other,
        "plan": plan,
    }


def runs(args, database):
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    # Static URLs without collectstatic: the plain storage instead of the manifest (same cost per URL).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()

    p = personas()
    log(
        f"data: {p['counts']['people']:,} people, {p['counts']['units']:,} units; commune {p['commune'].name} "
        f"({p['counts']['commune_people']} people), agency {p['agency'].name} ({p['counts']['agency_people']} people)"
    )
    clients = {}
    for persona in ("admin", "manager", "province_manager"):
        clients[persona] = Client(HTTP_HOST="localhost")
        clients[persona].force_login(p[persona])
    rows = []
    for key, label, persona, url, target in cases(p):
        if args.only and key not in args.only:
            continue
        log(f"{label}: {url}")
        result = measure(clients[persona], url, args.runs, args.explain, database)
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
    return {"counts": p["counts"], "rows": rows}


def markdown(report):
    lines = [
        f"PostgreSQL {report['postgres']} ({', '.join(f'{k}={v}' for k, v in report['pg_settings'].items())}), "
        f"Python {report['python']}, {report['cpus']} CPUs; {report['counts']['people']:,} people, "
        f"{report['counts']['units']:,} units, {report['runs']} runs per page.",
        "",
    ]
    lines += timings_table(report["rows"])
    return "\n".join(lines)


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--fresh", action="store_true", help="drop the database and generate the data again")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--requirements", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    parser.add_argument("--only", nargs="*", help="only these pages (keys as in the JSON)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kynangso-bench-compliance-"))
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    env = in_process_env(tmp, database_url)
    try:
        database = database_ensure(database_url, args.fresh)
        manage(["migrate", "--noinput"], env, tmp / "manage.log")
        seconds = manage(
            [
                "generate_training_data",
                "--force",
                f"--people={args.people}",
                f"--units={args.units}",
                f"--requirements={args.requirements}",
            ],
            env,
            tmp / "manage.log",
        )
        log(f"generate_training_data: {seconds:.1f} s ({(tmp / 'manage.log').read_text().strip().splitlines()[-1]})")
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
    )
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else markdown(report))
    return 0 if all(row["met"] is not False for row in report["rows"]) else 1


if __name__ == "__main__":
    run_main(main)
