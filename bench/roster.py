"""Roster import: checking (dry run) and importing a 10,000-row HR file, CSV and XLSX, on a fresh database.

Usage: ``.venv/bin/python bench/roster.py [--rows 10000] [--sqlite] [--keep-db] [--json]`` (``make bench-roster``).

1. (Re)creates the throwaway PostgreSQL database ``kns_bench_roster`` (or ``BENCH_DATABASE_URL``; its name must
   contain "bench") and runs ``migrate`` with the production settings (DEBUG off, so no query log), a random
   SECRET_KEY and everything else (broker, cache, media) under a temporary directory. ``--sqlite`` uses a
   temporary SQLite file instead (the embedded default).
2. Creates a province and 120 units (communes, agencies, divisions), then writes the files: ``--rows`` civil
   servants with Vietnamese names (family, middle and given names drawn from common ones), employee codes, an
   email for about 70 % of them and a phone for about 85 % (at least one each), unit codes, positions and start
   dates; as CSV (UTF-8 with BOM, Vietnamese headers, dd/mm/yyyy) and as XLSX (real dates). A second set of
   people (other codes, emails and phones) goes into the XLSX so that both formats create people.
3. Times, in this process, the services the admin calls (``roster_import_create`` runs the check, then
   ``roster_import_apply_start`` the import; Celery is bypassed by setting ``ROSTER_ASYNC_ROWS`` above the row
   count, so the figures are the work itself, not a queue's latency):
   a. CSV, everyone new: check, then import (bulk inserts, group memberships, the people-changed hook);
   b. the same CSV again: check and import must find 0 changes;
   c. the CSV with 10 % of the people moved to another unit or given another position, as a full roster
      with 5 % of them left out (so 5 % are deactivated);
   d. XLSX, everyone new (the second set);
4. Prints a Markdown table (or JSON) and drops the database, whatever happened.

Exit status 1 if the re-import changed anything or a run did not end as expected, 2 when a step failed.
"""

import argparse
import datetime
import io
import json
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, BenchError, database_drop, database_recreate, in_process_env, log, manage, run_main

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kns_bench_roster"
TARGET_SECONDS = 20.0

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
FAMILY += ["Dương", "Lý", "Đinh", "Trịnh", "Mai", "Lương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Hoài", "Xuân", "Kim", "Công"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hằng", "Hiếu", "Hoa", "Hùng", "Hương"]
GIVEN += ["Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Nhung", "Phong", "Phương", "Quân", "Quang"]
GIVEN += ["Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Tiến", "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến"]
POSITIONS = ["Chuyên viên", "Cán sự", "Văn thư", "Kế toán", "Phó Chủ tịch", "Chủ tịch", "Công chức Tư pháp - Hộ tịch"]
POSITIONS += ["Công chức Địa chính", "Công chức Văn hóa - Xã hội", "Trưởng phòng", "Phó Trưởng phòng"]
HEADERS = ["Họ và tên", "Mã cán bộ", "Email", "Số điện thoại", "Mã đơn vị", "Chức vụ", "Ngày bắt đầu"]
MOBILE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "032", "035", "038", "070", "077"]


# --- Data -----------------------------------------------------------------------------------


def people_generate(count, first_code, unit_codes, seed):
    """``count`` rows of an HR export: [name, code, email, phone, unit code, position, start date]."""
    from anyascii import anyascii

    rng = random.Random(seed)
    rows = []
    for number in range(first_code, first_code + count):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        code = f"CB{number:06d}"
        has_email = rng.random() < 0.7
        has_phone = rng.random() < 0.85 or not has_email
        slug = anyascii(name).lower().split()
        email = f"{slug[-1]}.{''.join(part[0] for part in slug[:-1])}{number}@example.gov.vn" if has_email else ""
        phone = f"{rng.choice(MOBILE_PREFIXES)}{number:07d}" if has_phone else ""
        if phone and rng.random() < 0.3:
            phone = f"{phone[:4]} {phone[4:7]} {phone[7:]}"  # typed with spaces
        started = datetime.date(1995, 1, 1) + datetime.timedelta(days=rng.randrange(30 * 365))
        rows.append([name, code, email, phone, rng.choice(unit_codes), rng.choice(POSITIONS), started])
    return rows


def csv_write(rows):
    import tablib

    dataset = tablib.Dataset(headers=HEADERS)
    for row in rows:
        dataset.append([*row[:6], row[6].strftime("%d/%m/%Y")])
    return ("\ufeff" + dataset.export("csv")).encode()


def xlsx_write(rows):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    for cell in sheet["G"][1:]:
        cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def units_create(count):
    from accounts.models import OrganisationUnit

    province = OrganisationUnit.add_root(name="Tỉnh Thử Nghiệm", code="T01", kind=OrganisationUnit.Kind.PROVINCE)
    codes = []
    for number in range(1, count + 1):
        kind = OrganisationUnit.Kind.COMMUNE if number % 3 else OrganisationUnit.Kind.AGENCY
        province.refresh_from_db()
        province.add_child(name=f"Đơn vị {number:03d}", code=f"T01-{number:03d}", kind=kind)
        codes.append(f"T01-{number:03d}")
    return codes


# --- Runs -----------------------------------------------------------------------------------


def timed_import(label, content, file_name, full_roster=False):
    """Check then import ``content``; the timings and the counts."""
    from accounts.models import RosterImport
    from accounts.roster.services import roster_import_apply_start, roster_import_create

    started = time.perf_counter()
    roster_import = roster_import_create(user=None, file_name=file_name, content=content, full_roster=full_roster)
    checked = time.perf_counter()
    if roster_import.status != RosterImport.Status.CHECKED or roster_import.summary["counts"]["errors"]:
        raise BenchError(f"{label}: the check did not pass: {roster_import.error} {roster_import.summary}")
    roster_import, _started = roster_import_apply_start(import_id=roster_import.pk)
    applied = time.perf_counter()
    if roster_import.status != RosterImport.Status.APPLIED:
        raise BenchError(f"{label}: the import did not complete: {roster_import.error}")
    counts = roster_import.summary["counts"]
    log(f"{label}: check {checked - started:.2f} s, import {applied - checked:.2f} s, {counts}")
    return {
        "label": label,
        "format": roster_import.summary["format"],
        "bytes": len(content),
        "rows": counts["rows"],
        "check_s": checked - started,
        "apply_s": applied - checked,
        "total_s": applied - started,
        **{key: counts[key] for key in ("create", "update", "reactivate", "deactivate", "unchanged")},
    }


def runs(rows_count):
    import django

    django.setup()

    from django.conf import settings
    from django.db import connection

    from accounts.models import User

    settings.ROSTER_ASYNC_ROWS = 10**9  # measure the work, not the queue
    settings.ROSTER_MAX_ROWS = max(rows_count, 50_000)
    settings.ROSTER_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
    log("creating 120 organisation units")
    unit_codes = units_create(120)
    people = people_generate(rows_count, 1, unit_codes, seed=4)
    others = people_generate(rows_count, 500_001, unit_codes, seed=5)
    csv_content = csv_write(people)
    xlsx_content = xlsx_write(others)
    log(f"files: CSV {len(csv_content):,} bytes, XLSX {len(xlsx_content):,} bytes, {rows_count:,} rows each")

    load_before = os.getloadavg()[0]
    results = [timed_import("CSV, everyone new", csv_content, "roster.csv")]
    results.append(timed_import("same CSV again", csv_content, "roster.csv"))

    rng = random.Random(6)
    changed = [list(row) for row in people]
    for row in rng.sample(changed, len(changed) // 10):
        if rng.random() < 0.5:
            row[4] = rng.choice([code for code in unit_codes if code != row[4]])
        else:
            row[5] = rng.choice([position for position in POSITIONS if position != row[5]])
    kept = [row for row in changed if rng.random() >= 0.05]
    results.append(
        timed_import("CSV full roster: 10 % changed, 5 % left out", csv_write(kept), "roster.csv", full_roster=True)
    )
    results.append(timed_import("XLSX, everyone new", xlsx_content, "roster.xlsx"))
    problems = []
    again = results[1]
    if any(again[key] for key in ("create", "update", "reactivate", "deactivate")):
        problems.append(f"the re-import changed something: {again}")
    if again["unchanged"] != rows_count:
        problems.append(f"the re-import left {again['unchanged']} unchanged, not {rows_count}")
    if User.objects.filter(employee_code__isnull=False).count() != 2 * rows_count:
        problems.append("people were deleted or not created")
    return {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "database": f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}",
        },
        "rows": rows_count,
        "results": results,
        "problems": problems,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # Other work on the machine slows every figure: the 1-minute load average around the runs.
        "load_average": [load_before, os.getloadavg()[0]],
    }


def markdown(report):
    lines = [
        f"{report['rows']:,} rows per file · {report['machine']['database']} · Python {report['machine']['python']}"
        f" · {report['machine']['cpus']} CPUs · peak memory {report['max_rss_mb']:.0f} MB"
        f" · load average {report['load_average'][0]:.1f} before, {report['load_average'][1]:.1f} after",
        "",
        "| Run | File | Check (dry run) s | Import s | Total s | Created | Updated | Reactivated | Deactivated"
        " | Unchanged |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["results"]:
        size = f"{run['format'].upper()} {run['bytes'] / 1024:,.0f} KB"
        lines.append(
            f"| {run['label']} | {size} | {run['check_s']:.2f} | {run['apply_s']:.2f} | **{run['total_s']:.2f}** "
            f"| {run['create']:,} | {run['update']:,} | {run['reactivate']:,} | {run['deactivate']:,} "
            f"| {run['unchanged']:,} |"
        )
    worst = max(run["total_s"] for run in report["results"])
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    lines += ["", f"Target: check + import under {TARGET_SECONDS:.0f} s per file: {verdict} (slowest {worst:.2f} s)."]
    lines += [f"PROBLEM: {problem}" for problem in report["problems"]]
    return "\n".join(lines)


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows per file (default 10,000)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kynangso-bench-roster-"))
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if args.sqlite:
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = in_process_env(tmp, database_url)
    created = False
    try:
        if not args.sqlite:
            name = database_recreate(database_url)
            created = True
            log(f"database {name} created")
        manage(["migrate", "--noinput"], env, tmp / "migrate.log", f"manage.py migrate ({database_url.split('@')[-1]})")
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
