"""Uptake import: checking (dry run) and importing a 10,000-row file of the one-stop system's figures.

Usage: ``.venv/bin/python bench/uptake.py [--rows 10000] [--sqlite] [--keep-db] [--json]``.

1. (Re)creates the throwaway PostgreSQL database ``kns_bench_uptake`` (or ``BENCH_DATABASE_URL``; its name must
   contain "bench") and runs ``migrate`` with the production settings (DEBUG off); ``--sqlite`` uses a
   temporary SQLite file instead.
2. Creates a province, 100 communes and 20 public services with procedure codes, then writes the file: one row
   per (service, commune, month) over as many months as ``--rows`` needs (CSV, UTF-8 with BOM, Vietnamese
   headers, months as mm/yyyy), and the same figures as XLSX (months as yyyy-mm).
3. Times, in this process, the services the admin calls (``uptake_import_create``: store and check;
   ``uptake_import_apply``: re-read, re-plan and write in bulk):
   a. CSV, every figure new; b. the same CSV again (must change nothing); c. the CSV with 10 % of the figures
   corrected (replaced); d. the XLSX of c (must change nothing).
4. Prints a Markdown table (or JSON) and drops the database, whatever happened.

Exit status 1 if the re-import changed anything, 2 when a step failed.
"""

import argparse
import csv
import io
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, database_drop, database_recreate, in_process_env, log, manage, run_main

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kns_bench_uptake"
HEADERS = ["Mã thủ tục", "Mã đơn vị", "Tháng", "Hồ sơ trực tuyến", "Hồ sơ giấy"]
SERVICES, COMMUNES = 20, 100


def world_create():
    from accounts.models import OrganisationUnit
    from courses.models import PublicService

    province = OrganisationUnit.add_root(code="BENCH", name="Tỉnh Bench", kind="province")
    for number in range(COMMUNES):
        province.add_child(code=f"XA-{number:03d}", name=f"Xã {number:03d}", kind="commune")
        province.refresh_from_db()
    for number in range(SERVICES):
        PublicService.objects.create(
            name=f"Thủ tục {number}",
            agency="UBND cấp xã",
            procedure_code=f"1.{number:06d}",
            official_url="https://x.vn",
        )


def rows_generate(count, seed):
    from core.localtime import local_today, months_add

    rng = random.Random(seed)
    months = -(-count // (SERVICES * COMMUNES))
    last = months_add(local_today().replace(day=1), -1)
    rows = []
    for back in range(months):
        month = months_add(last, -back)
        for service in range(SERVICES):
            for commune in range(COMMUNES):
                online = rng.randint(0, 200)
                rows.append([f"1.{service:06d}", f"XA-{commune:03d}", month, online, rng.randint(0, 200)])
    return rows[:count]


def csv_write(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([[code, unit, f"{month:%m/%Y}", online, paper] for code, unit, month, online, paper in rows])
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_write(rows):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for code, unit, month, online, paper in rows:
        sheet.append([code, unit, f"{month:%Y-%m}", online, paper])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timed(label, content, name):
    from insights.uptake.services import uptake_import_apply, uptake_import_create

    started = time.perf_counter()
    upload = uptake_import_create(user=None, file_name=name, content=content)
    checked = time.perf_counter()
    upload, _imported = uptake_import_apply(import_id=upload.pk)
    applied = time.perf_counter()
    counts = upload.summary.get("counts", {})
    log(f"{label}: check {checked - started:.2f} s, import {applied - checked:.2f} s, {counts}")
    return {
        "label": label,
        "format": name.rsplit(".", 1)[-1],
        "bytes": len(content),
        "check_s": checked - started,
        "apply_s": applied - checked,
        **{key: counts.get(key, 0) for key in ("create", "replace", "unchanged", "errors")},
    }


def runs(rows_count):
    import django

    django.setup()
    from django.db import connection

    world_create()
    rows = rows_generate(rows_count, seed=15)
    content = csv_write(rows)
    results = [timed("CSV, every figure new", content, "figures.csv"), timed("same CSV again", content, "figures.csv")]
    rng = random.Random(16)
    for row in rng.sample(rows, len(rows) // 10):
        row[3] += 1
    results.append(timed("CSV, 10 % corrected", csv_write(rows), "figures.csv"))
    results.append(timed("the same as XLSX", xlsx_write(rows), "figures.xlsx"))
    problems = [
        f"{run['label']} changed something" for run in (results[1], results[3]) if run["create"] or run["replace"]
    ]
    problems += [f"{run['label']} had errors" for run in results if run["errors"]]
    return {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "database": connection.vendor,
        },
        "rows": rows_count,
        "results": results,
        "problems": problems,
        "load_average": os.getloadavg()[0],
    }


def markdown(report):
    lines = [
        f"{report['rows']:,} rows · {report['machine']['database']} · Python {report['machine']['python']}"
        f" · {report['machine']['cpus']} CPUs · load average {report['load_average']:.1f}",
        "",
        "| Run | File | Check (dry run) s | Import s | Added | Replaced | Unchanged |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in report["results"]:
        lines.append(
            f"| {run['label']} | {run['format'].upper()} {run['bytes'] / 1024:,.0f} KB | {run['check_s']:.2f} "
            f"| {run['apply_s']:.2f} | {run['create']:,} | {run['replace']:,} | {run['unchanged']:,} |"
        )
    lines += [f"PROBLEM: {problem}" for problem in report["problems"]]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kynangso-bench-uptake-"))
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if args.sqlite:
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = in_process_env(tmp, database_url)
    created = False
    try:
        if not args.sqlite:
            log(f"database {database_recreate(database_url)} created")
            created = True
        manage(["migrate", "--noinput"], env, tmp / "migrate.log", "manage.py migrate")
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        report = runs(args.rows)
    finally:
        if created and not args.keep_db:
            if "django.db" in sys.modules:
                sys.modules["django.db"].connections.close_all()
            database_drop(database_url)
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else markdown(report))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    run_main(main)
