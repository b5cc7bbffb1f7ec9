"""Signed-in learners completing lessons under load, beside the bare view, and not one completion lost or counted twice.

Usage: ``python bench/completion.py [--json] [--duration 15] [--warmup 2] [--threads 2] [--connections 16]
[--learners 2000] [--lessons 20] [--workers 5] [--keep-db] [--keep-tmp]`` (with the project's virtualenv:
``.venv/bin/python bench/completion.py``). It needs PostgreSQL and Redis on 127.0.0.1 and wrk
(``apt-get install -y wrk``), and stops by itself in about a minute. Progress goes to stderr, the table (or JSON) to
stdout.

1. (Re)creates the throwaway database ``kynangso_bench_completion`` (or ``BENCH_DATABASE_URL``; its name must contain
   "bench") and runs ``migrate`` with the dev settings.
2. A child process (``django.setup()``, dev settings, the server's SECRET_KEY) creates one published course
   (``issues_certificate=False``) of ``--lessons`` lessons without quizzes and ``--learners`` learners
   (``bulk_create``, one password hash), and signs each one in without HTTP: a database session holding
   ``_auth_user_id``/``_auth_user_backend``/``_auth_user_hash``, plus a 32-character CSRF secret, sent as the
   ``csrftoken`` cookie and, unmasked, as the ``X-CSRFToken`` header (Django accepts it). Two more learners are
   reserved: one for the check by hand below, one to count the queries of a POST in-process (Django's test client).
3. Starts gunicorn (``lms.wsgi``, 5 sync workers, production settings over plain HTTP: CSRF checks Referer/Origin only
   for HTTPS; ``DATABASE_CONN_MAX_AGE=60``, Redis cache db 12), checks by hand that one POST answers 302 and writes its
   row, then runs wrk on the same server with the same parameters: the bare view ``GET /healthz`` (warm-up, measured)
   and ``POST /learn/lessons/<id>/complete/`` (warm-up, measured). ``completion.lua`` picks each request's
   (learner, lesson) pair from a deterministic sequence; every tenth request posts the previous pair again, at the same
   time (a double click, a second tab). A run disturbed by other work (over 10% of the CPU) is measured again.
4. Checks the database against what was sent (warm-up runs included): from each wrk thread's count of requests sent
   the script rebuilds exactly which pairs were posted (checksums printed by the Lua script prove both sides compute
   the same sequence), waits until the server has finished the requests still in flight when wrk stopped, and counts
   lost completions (a pair posted but without its row), rows nobody posted, duplicate rows (``GROUP BY user_id,
   lesson_id HAVING COUNT(*) > 1``), enrolments (one per learner who posted anything) and completed enrolments (exactly
   the learners with every lesson done).
5. Prints a Markdown table: req/s, POST as % of the bare view (target: at least 30%, p95 under 250 ms), p50/p95/p99,
   and the correctness counts; stops gunicorn and drops the database whatever happened (Ctrl+C and SIGTERM included).

Exit status 1 when a completion was lost or counted twice (missed targets only show in the table), 2 when a step failed.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import (
    BARE_PATH,
    HOST,
    PRODUCTION_OVER_HTTP,
    PYTHON,
    ROOT,
    BenchError,
    bench_env,
    database_drop,
    database_recreate,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    http_request,
    least_disturbed,
    log,
    log_problems,
    log_tail,
    manage,
    postgres_version,
    redis_flush,
    run_logged,
    run_main,
    wait_until_up,
)
from common import wrk as wrk_run

LUA_SCRIPT = Path(__file__).resolve().parent / "completion.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kynangso_bench_completion"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/12"
TARGET_PCT, TARGET_P95_MS = 30.0, 250.0


# --- The request sequence (the same function as pair_of() in completion.lua) --------------------


def pair_of(k, learners, lessons, group):
    """(learner, lesson), both 0-based, of global request number ``k``."""
    if k % 10 == 9:  # a deliberate duplicate of the previous request's pair
        k -= 1
    fresh = k - k // 10
    block, r = divmod(fresh, group * lessons)
    return (block * group + r % group) % learners, r // group


def sent_numbers(base, threads, report):
    """The global request numbers one wrk thread sent (thread ``id`` sends base + id + threads * n)."""
    return [base + report["id"] + threads * n for n in range(report["sent"])]


# --- Data (runs in a child process with Django set up) -------------------------------------


def child_setup(out_path, learners, lessons):
    """Create the course, the learners and their sessions; write what the load generator needs as JSON."""
    import django

    django.setup()

    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.db import connection, reset_queries
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.models import User
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from home.models import HomePage

    def publish(parent, page):
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    home = HomePage.objects.first()
    index = publish(home, CourseIndexPage(title="Khóa học (bench)", slug="khoa-hoc-bench"))
    course = publish(
        index,
        CoursePage(
            title="Kỹ năng số cơ bản (bench)",
            slug="ky-nang-so-co-ban-bench",
            summary="Khóa học đo hiệu năng.",
            issues_certificate=False,
        ),
    )
    lesson_ids = [
        publish(course, LessonPage(title=f"Bài {number}", slug=f"bai-{number}", body=[])).pk
        for number in range(1, lessons + 1)
    ]
    course = CoursePage.objects.get(pk=course.pk)
    if list(course.lessons().values_list("pk", flat=True)) != lesson_ids or course.has_final_quiz:
        raise BenchError("the benchmark course does not have the expected lessons")

    password = make_password(secrets.token_urlsafe(16))  # hashed once, shared: nobody signs in with it
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"hocvien{i:05d}@bench.example",
                full_name=f"Học viên {i}",
                password=password,
                privacy_consent_at=now,
            )
            for i in range(learners + 2)
        ]
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions, tokens = [], []
    for user in users:
        store = store_class()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
        tokens.append(get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS))

    # Queries of one POST, in-process, for the last reserved learner: the first completion (enrols) and the next one.
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST)
    client.cookies[settings.SESSION_COOKIE_NAME] = sessions[-1]
    client.cookies[settings.CSRF_COOKIE_NAME] = tokens[-1]
    profile = []
    reset_queries()  # DEBUG keeps the last 9000 queries only: CaptureQueriesContext needs room
    for lesson_id in lesson_ids[:2]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(f"/learn/lessons/{lesson_id}/complete/", HTTP_X_CSRFTOKEN=tokens[-1])
            elapsed = time.perf_counter() - started
        profile.append(
            {
                "status": response.status_code,
                "queries": len(queries.captured_queries),
                "ms": round(1000 * elapsed, 1),
                "db_ms": round(1000 * sum(float(q["time"]) for q in queries.captured_queries), 1),
                "sql": [q["sql"][:160] for q in queries.captured_queries],
            }
        )
    Path(out_path).write_text(
        json.dumps(
            {
                "course_id": course.pk,
                "lesson_ids": lesson_ids,
                "user_ids": [user.pk for user in users],
                "sessions": sessions,
                "tokens": tokens,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "profile": profile,
            }
        ),
        encoding="utf-8",
    )


def lua_data_write(path, data, learners, group):
    def strings(values):
        return "{" + ",".join(json.dumps(value) for value in values) + "}"

    Path(path).write_text(
        f"learners = {learners}\n"
        f"group = {group}\n"
        f"lessons = {{{','.join(str(pk) for pk in data['lesson_ids'])}}}\n"
        f"sessions = {strings(data['sessions'][:learners])}\n"
        f"tokens = {strings(data['tokens'][:learners])}\n"
        f"session_cookie = {json.dumps(data['session_cookie'])}\n"
        f"csrf_cookie = {json.dumps(data['csrf_cookie'])}\n",
        encoding="utf-8",
    )


# --- Database -------------------------------------------------------------------------------


def query(database_url, sql, params=()):
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        return connection.execute(sql, params).fetchall()


# --- wrk ------------------------------------------------------------------------------------


def wrk(port, args, seconds, lua_args=()):
    """One run of wrk with completion.lua: on the bare view, or with ``lua_args`` the complete-lesson POSTs."""
    url = f"http://{HOST}:{port}{BARE_PATH if not lua_args else '/'}"
    figures = wrk_run(url, LUA_SCRIPT, args.threads, args.connections, seconds, lua_args)
    del figures["output"]  # not in the report
    return figures


class PostRuns:
    """Every POST run of wrk (warm-up included): the request numbers each thread sent and the statuses it got."""

    def __init__(self, data, args, group):
        self.data, self.args, self.group = data, args, group
        self.next_base, self.numbers, self.statuses = 0, [], {}
        self.socket_errors = self.responses = 0
        self.log = []

    def run(self, port, seconds, lua_data):
        base = self.next_base
        figures = wrk(port, self.args, seconds, (lua_data, base, self.args.threads))
        if len(figures["threads"]) != self.args.threads:
            raise BenchError(f"wrk reported {len(figures['threads'])} threads, not {self.args.threads}")
        lessons = len(self.data["lesson_ids"])
        for report in figures["threads"]:
            numbers = sent_numbers(base, self.args.threads, report)
            pairs = [pair_of(k, self.args.learners, lessons, self.group) for k in numbers]
            checksum = sum(learner * lessons + lesson for learner, lesson in pairs)
            if sum(numbers) != report["sum_k"] or checksum != report["sum_pair"]:
                raise BenchError("completion.lua and completion.py disagree on the request sequence (checksums)")
            self.numbers += numbers
            for status, count in report["statuses"].items():
                self.statuses[int(status)] = self.statuses.get(int(status), 0) + count
                self.responses += count
        self.socket_errors += figures["socket_errors"]
        self.log.append(
            {
                "base": base,
                "sent": [report["sent"] for report in figures["threads"]],
                "responses_lua": sum(sum(report["statuses"].values()) for report in figures["threads"]),
                "responses_wrk": figures["requests"],
            }
        )
        last = max(self.numbers, default=base - 1)
        self.next_base = (last // 10 + 1) * 10  # the next run starts on a fresh ten
        figures["sent"] = sum(report["sent"] for report in figures["threads"])
        return figures


def measure(port, server, database, args, label, run_once):
    """Warm up, then measure; again (up to ``args.retries`` times) while other work disturbs the run."""
    best, other = least_disturbed(label, server.pid, database, args, run_once)
    best["other_cpu_pct"] = other
    seconds = best["duration_us"] / 1e6
    best.update(
        label=label,
        seconds=round(seconds, 2),
        rps=best["requests"] / seconds if seconds else 0.0,
        p50_ms=best["p50_us"] / 1000,
        p95_ms=best["p95_us"] / 1000,
        p99_ms=best["p99_us"] / 1000,
        max_ms=best["max_us"] / 1000,
    )
    return best


# --- Correctness ----------------------------------------------------------------------------


def rows_settle(database_url, course_id, timeout=20):
    """Wait until the server has finished the requests in flight when wrk stopped: the row count stops changing."""
    sql = "SELECT COUNT(*) FROM courses_lessoncompletion WHERE course_id = %s"
    previous, stable_since, deadline = None, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = query(database_url, sql, (course_id,))[0][0]
        if count != previous:
            previous, stable_since = count, time.monotonic()
        elif time.monotonic() - stable_since >= 1.5:
            return
        time.sleep(0.25)


def correctness(database_url, data, runs, args):
    lessons = len(data["lesson_ids"])
    user_index = {user_id: i for i, user_id in enumerate(data["user_ids"][: args.learners])}
    lesson_index = {lesson_id: i for i, lesson_id in enumerate(data["lesson_ids"])}
    posted = [pair_of(k, args.learners, lessons, runs.group) for k in runs.numbers]
    distinct = set(posted)
    rows = query(
        database_url,
        "SELECT user_id, lesson_id FROM courses_lessoncompletion WHERE course_id = %s",
        (data["course_id"],),
    )
    stored = {(user_index[u], lesson_index[le]) for u, le in rows if u in user_index}
    duplicate_rows = query(
        database_url,
        "SELECT COUNT(*) FROM (SELECT user_id, lesson_id FROM courses_lessoncompletion "
        "GROUP BY user_id, lesson_id HAVING COUNT(*) > 1) AS d",
    )[0][0]
    enrolments = query(
        database_url,
        "SELECT user_id, completed_at IS NOT NULL, last_lesson_id IS NOT NULL FROM courses_enrolment "
        "WHERE course_id = %s",
        (data["course_id"],),
    )
    duplicate_enrolments = query(
        database_url,
        "SELECT COUNT(*) FROM (SELECT user_id, course_id FROM courses_enrolment "
        "GROUP BY user_id, course_id HAVING COUNT(*) > 1) AS d",
    )[0][0]
    enrolled = {user_index[u] for u, _done, _last in enrolments if u in user_index}
    completed = {user_index[u] for u, done, _last in enrolments if u in user_index and done}
    learners_posting = {learner for learner, _lesson in distinct}
    done_per_learner = {}
    for learner, _lesson in stored:
        done_per_learner[learner] = done_per_learner.get(learner, 0) + 1
    all_done = {learner for learner, count in done_per_learner.items() if count == lessons}
    other_statuses = {status: count for status, count in runs.statuses.items() if status != 302}
    return {
        "requests_sent": len(posted),
        "responses": runs.responses,
        "responses_302": runs.statuses.get(302, 0),
        "other_statuses": other_statuses,
        "socket_errors": runs.socket_errors,
        "in_flight_at_stop": len(posted) - runs.responses - runs.socket_errors,
        "repeat_posts": len(posted) - len(distinct),
        "distinct_pairs": len(distinct),
        "rows": len(stored),
        "duplicate_rows": duplicate_rows,
        "lost": len(distinct - stored),
        "rows_not_posted": len(stored - distinct),
        "learners_posting": len(learners_posting),
        "enrolments": len(enrolled),
        "enrolments_wrong": len(enrolled ^ learners_posting),
        "duplicate_enrolments": duplicate_enrolments,
        "enrolments_without_last_lesson": sum(1 for u, _d, last in enrolments if u in user_index and not last),
        "completed_enrolments": len(completed),
        "learners_with_every_lesson": len(all_done),
        "completions_wrong": len(completed ^ all_done),
        "lost_examples": sorted(
            {(k, *pair) for k, pair in zip(runs.numbers, posted, strict=True) if pair in distinct - stored}
        )[:20],
        "runs": runs.log,
        "sequence_wrapped": max((k - k // 10 for k in runs.numbers), default=0) >= args.learners * lessons,
    }


def correctness_ok(check):
    return not (
        check["duplicate_rows"]
        or check["lost"]
        or check["rows_not_posted"]
        or check["enrolments_wrong"]
        or check["duplicate_enrolments"]
        or check["enrolments_without_last_lesson"]
        or check["completions_wrong"]
    )


# --- Report ---------------------------------------------------------------------------------


def markdown(report):
    bare, post, check, s = report["bare"], report["post"], report["check"], report["settings"]
    ratio = report["pct_of_bare"]
    yes = {True: "yes", False: "**NO**"}
    lines = [
        f"gunicorn {s['workers']} sync workers (production settings, plain HTTP), PostgreSQL "
        f"{report['machine']['postgresql']}, wrk -t{s['threads']} -c{s['connections']} -d{s['duration']}s after "
        f"{s['warmup']}s warm-up, {report['machine']['cpus']} CPUs, {s['learners']} learners x {s['lessons']} lessons",
        "",
        "| Request | req/s | % of bare view | p50 ms | p95 ms | p99 ms | max ms | requests | other CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in (bare, post):
        pct = 100 * row["rps"] / bare["rps"] if bare["rps"] else 0.0
        lines.append(
            f"| {row['label']} | {row['rps']:.0f} | {pct:.1f}% | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {row['max_ms']:.1f} | {row['requests']:,} | {row['other_cpu_pct']}% |"
        )
    lines += [
        "",
        f"Target: POST at least {TARGET_PCT:.0f}% of the bare view: {yes[ratio >= TARGET_PCT]} ({ratio:.1f}%); "
        f"p95 under {TARGET_P95_MS:.0f} ms: {yes[post['p95_ms'] < TARGET_P95_MS]} ({post['p95_ms']:.1f} ms). "
        "Other CPU: share of the machine used by anything but gunicorn, PostgreSQL for this database and wrk.",
        "",
        "Correctness over every POST sent (warm-up runs included):",
        "",
        "| requests sent | 302 | other statuses | socket errors | in flight at stop | repeat posts | distinct pairs "
        "| rows | duplicate rows | lost | rows not posted | enrolments (expected) | completed (expected) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {check['requests_sent']:,} | {check['responses_302']:,} | "
        f"{', '.join(f'{k}: {v}' for k, v in check['other_statuses'].items()) or 'none'} | {check['socket_errors']} "
        f"| {check['in_flight_at_stop']} | {check['repeat_posts']:,} | {check['distinct_pairs']:,} | {check['rows']:,} "
        f"| {check['duplicate_rows']} | {check['lost']} | {check['rows_not_posted']} "
        f"| {check['enrolments']:,} ({check['learners_posting']:,}) "
        f"| {check['completed_enrolments']:,} ({check['learners_with_every_lesson']:,}) |",
        "",
        f"Zero lost and zero double-counted completions: {yes[correctness_ok(check)]}. In flight at stop: requests wrk "
        "had sent when its time was up; the server still handles them, and the check waits for it, so they count.",
    ]
    if check["other_statuses"] or check["socket_errors"]:
        lines.append(
            "Some requests got no 302 or no answer: a pair whose only requests failed may rightly have no row, "
            "so `lost` overstates what was lost; see the gunicorn log."
        )
    if check["sequence_wrapped"]:
        lines.append("The sequence wrapped round (more requests than pairs): use more --learners.")
    profile = report["profile"]
    if profile:
        first, steady = profile[0], profile[-1]
        lines += [
            "",
            f"Queries per POST (in-process, dev settings): {first['queries']} for a learner's first lesson "
            f"(enrols), {steady['queries']} for the next one.",
        ]
    if report["log_problems"]:
        lines += ["", f"gunicorn log: {len(report['log_problems'])} error/warning lines, first ones:"]
        lines += [f"    {line}" for line in report["log_problems"][:10]]
    return "\n".join(lines)


# --- Main -----------------------------------------------------------------------------------


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of Markdown")
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per request kind (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (default 5)")
    parser.add_argument("--learners", type=int, default=2000, help="signed-in learners (default 2000)")
    parser.add_argument("--lessons", type=int, default=20, help="lessons in the course (default 20)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--quiet-wait", type=int, default=30, help="seconds to wait for other work to calm down")
    parser.add_argument("--retries", type=int, default=2, help="measure again if other work took over 10%% of the CPU")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--keep-tmp", action="store_true", help="leave the temporary directory (logs, Lua data)")
    parser.add_argument("--child-setup", metavar="JSON", help=argparse.SUPPRESS)  # internal: the data child
    return parser.parse_args(argv)


def hand_check(port, database_url, data, args):
    """One POST by the reserved learner: it must answer 302 (not to the sign-in page) and write its row."""
    i, lesson_id = args.learners, data["lesson_ids"][0]
    cookie = f"{data['session_cookie']}={data['sessions'][i]}; {data['csrf_cookie']}={data['tokens'][i]}"
    headers = {"Cookie": cookie, "X-CSRFToken": data["tokens"][i], "Content-Type": "application/x-www-form-urlencoded"}
    status, response_headers, body = http_request(port, "POST", f"/learn/lessons/{lesson_id}/complete/", headers)
    location = response_headers.get("location", "")
    rows = query(
        database_url,
        "SELECT COUNT(*) FROM courses_lessoncompletion WHERE user_id = %s AND lesson_id = %s",
        (data["user_ids"][i], lesson_id),
    )[0][0]
    if status != 302 or "sign-in" in location or rows != 1:
        raise BenchError(f"check by hand: POST answered {status} to {location!r}, {rows} row(s):\n{body[:500]!r}")
    without_token = http_request(port, "POST", f"/learn/lessons/{lesson_id}/complete/", {"Cookie": cookie})[0]
    if without_token != 403:
        raise BenchError(f"check by hand: a POST without the CSRF token answered {without_token}, not 403")
    log(f"check by hand: 302 to {location}, row written; without the CSRF token: 403")


def main(argv=None):
    args = arguments(argv)
    if args.child_setup:
        child_setup(args.child_setup, args.learners, args.lessons)
        return 0
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    cache_url = os.environ.get("BENCH_CACHE_URL") or DEFAULT_CACHE_URL
    tmp = Path(tempfile.mkdtemp(prefix="kynangso-bench-completion-"))
    server_log, setup_log = tmp / "gunicorn.log", tmp / "setup.log"
    secret_key = secrets.token_urlsafe(50)  # the sessions are signed and hashed with it: the same for both
    shared_env = bench_env(
        tmp, database_url, DATABASE_CONN_MAX_AGE="60", CACHE_URL=cache_url, SECRET_KEY=secret_key, PYTHONUNBUFFERED="1"
    )
    shared_env.pop("PAGE_CACHE_SECONDS", None)
    dev_env = {**shared_env, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
    production_env = {**shared_env, **PRODUCTION_OVER_HTTP}
    group = max(64, 4 * args.connections)  # a learner's next lesson comes this many fresh requests later
    database_created, server = False, None
    try:
        log(f"temporary directory {tmp}")
        name = database_recreate(database_url)
        database_created = True
        manage(["migrate", "--noinput"], dev_env, setup_log, f"database {name}: migrate")
        data_file = tmp / "data.json"
        child_args = ["--learners", str(args.learners), "--lessons", str(args.lessons)]
        run_logged(
            [PYTHON, str(Path(__file__).resolve()), "--child-setup", str(data_file), *child_args],
            dev_env,
            setup_log,
            f"creating a course of {args.lessons} lessons and {args.learners} signed-in learners",
        )
        data = json.loads(data_file.read_text(encoding="utf-8"))
        lua_data = tmp / "data.lua"
        lua_data_write(lua_data, data, args.learners, group)
        redis_flush(cache_url)
        port = args.port or free_port()
        server = gunicorn_start(production_env, port, args.workers, server_log)
        wait_until_up(server, port)
        hand_check(port, database_url, data, args)
        bare = measure(port, server, name, args, f"Bare view GET {BARE_PATH}", lambda s: wrk(port, args, s))
        runs = PostRuns(data, args, group)
        post = measure(
            port, server, name, args, "Complete lesson POST (signed in)", lambda s: runs.run(port, s, lua_data)
        )
        rows_settle(database_url, data["course_id"])
        check = correctness(database_url, data, runs, args)
        version = postgres_version(database_url)
    except BaseException:
        args.keep_tmp = True
        log_tail(server_log, "gunicorn")
        raise
    finally:
        gunicorn_stop(server)
        if database_created and not args.keep_db:
            database_drop(database_url)
        if args.keep_tmp:
            log(f"logs and files kept in {tmp}")
    for row in (bare, post):
        row.pop("threads", None)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": version,
        },
        "settings": {
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "warmup": args.warmup,
            "learners": args.learners,
            "lessons": args.lessons,
            "database_conn_max_age": 60,
        },
        "bare": bare,
        "post": post,
        "pct_of_bare": 100 * post["rps"] / bare["rps"] if bare["rps"] else 0.0,
        "targets_met": post["p95_ms"] < TARGET_P95_MS and 100 * post["rps"] / bare["rps"] >= TARGET_PCT,
        "check": check,
        "correct": correctness_ok(check),
        "profile": data["profile"],
        "log_problems": log_problems(server_log),
    }
    if not args.keep_tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else markdown(report))
    return 0 if report["correct"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    run_main(main)
