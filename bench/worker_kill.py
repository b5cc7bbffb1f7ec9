"""Delivery through failures: workers killed with SIGKILL, Redis and PostgreSQL restarted mid-send, a slow SMS provider.

``make bench-worker-kill`` (``BENCH_ARGS="--scenario kill"`` for one scenario, ``--messages N`` to shrink):

1. Starts its OWN PostgreSQL cluster (``--pg-port``, 5440, data under ``--pg-data``) and its OWN Redis
   (``--redis-port``, 6390, persistence off: a restart loses every queued task), so it can kill them.
2. Starts a real SMTP server process (aiosmtpd; counts every message per ``X-Idempotency-Key``) and an
   SMS gateway stub (HTTP, our gateway contract: de-duplicates on ``client_reference`` and counts the
   re-offers, refuses numbers starting 0977 with 400, can hang one call in five for 15 s).
3. Per scenario: a fresh database (migrated once, then copied), people each due one reminder (half by
   e-mail, half by SMS), two prefork workers (``celery -A lms worker -c 2`` each) and beat, with the
   production settings and the delivery defaults (lease 60 s, heartbeat 15 s, recovery every 30 s).
   The planner task is sent as beat sends it; at a share of ``sent`` the failure is injected.
4. Reports lost messages (planned, never reached the provider), e-mails received twice, SMS re-offered
   (ignored by reference) and delivered twice, seconds from the failure to all sent, and the most rows
   seen ``sending`` past their lease; writes the table into docs/performance.md (``--no-docs``: not).

Scenarios: ``kill`` (12,000 messages: SIGKILL of worker 1's whole process group at 30 %, restarted 5 s
later under the same name; SIGKILL of worker 2 at 60 %, not restarted), ``redis`` (6,000: Redis killed
at 30 %, started again 10 s later, empty), ``postgres`` (6,000: ``pg_ctl stop -m immediate`` at 30 %,
started 10 s later), ``slow`` (500 SMS, 10 invalid numbers, one gateway call in five hangs 15 s).
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from common import PYTHON, ROOT, BenchError, log, manage, run_main

SECTION_START = "<!-- bench/worker_kill.py: start (this section is rewritten by the benchmark) -->"
SECTION_END = "<!-- bench/worker_kill.py: end -->"
SMTP_PORT, SMS_PORT = 9125, 9126
LEASE = 60


# --- The providers (children of this script) ---------------------------------------------------


def child_smtp(port, out_path):
    """A real SMTP server: accepts everything, one JSON line per message received (its key)."""
    import asyncio

    from aiosmtpd.controller import Controller

    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            key = ""
            for line in envelope.content.decode("utf-8", "replace").splitlines():
                if line.lower().startswith("x-idempotency-key:"):
                    key = line.split(":", 1)[1].strip()
                    break
                if not line.strip():
                    break
            with lock, open(out_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key, "to": envelope.rcpt_tos}) + "\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


def child_sms(port, out_path, hang):
    """The SMS gateway stub (tests/support/sms_gateway.py): de-duplicates on client_reference, refuses
    numbers starting 0977, hangs one call in five for ``hang`` s; one JSON line per call in ``out_path``."""
    sys.path.insert(0, str(ROOT))
    from tests.support.sms_gateway import GatewayBehaviour, gateway_server

    server = gateway_server(GatewayBehaviour(hang=hang, out_path=Path(out_path)), port)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    server.serve_forever()


def child_seed(people, sms_share, invalid):
    """People each with one mandatory-training assignment due in 7 days; no quiet hours."""
    import datetime

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ContactPreference, OrganisationUnit, User
    from courses.models import Assignment, CourseIndexPage, CoursePage, TrainingRequirement
    from home.models import HomePage
    from outreach.models import ReminderSetting

    with transaction.atomic():
        home = HomePage.objects.first()
        index = CourseIndexPage(title="Khóa học", slug="khoa-hoc")
        home.add_child(instance=index)
        course = CoursePage(title="An toàn thông tin cơ bản", slug="an-toan-thong-tin", summary="Bắt buộc.")
        index.add_child(instance=course)
        unit = OrganisationUnit.add_root(code="BENCH", name="Tỉnh Thử Tải", kind="province")
        sms_people = int(people * sms_share)
        users = []
        for number in range(people):
            sms = number < sms_people
            phone = (f"0977{number:06d}" if number < invalid else f"0913{number:06d}") if sms else None
            users.append(
                User(
                    email=f"can.bo.{number}@bench.kynangso.local",
                    phone=phone,
                    full_name=f"Nguyễn Văn Thử {number}",
                    kind=User.Kind.CIVIL_SERVANT,
                    organisation_unit=unit,
                    password="!",  # noqa: S106 (unusable)
                )
            )
        User.objects.bulk_create(users, batch_size=5000)
        ids = list(User.objects.filter(organisation_unit=unit).order_by("pk").values_list("pk", flat=True))
        ContactPreference.objects.bulk_create(
            [
                ContactPreference(
                    user_id=pk, use_email=index >= sms_people, use_sms=index < sms_people, use_in_app=False
                )
                for index, pk in enumerate(ids)
            ],
            batch_size=5000,
        )
        requirement = TrainingRequirement.objects.create(
            name="An toàn thông tin hằng năm", course=course, due_rule="after_assigned", due_days=30
        )
        requirement.units.set([unit])
        due_on = timezone.localdate() + datetime.timedelta(days=7)
        Assignment.objects.bulk_create(
            (
                Assignment(requirement=requirement, user_id=pk, unit=unit, unit_path=unit.path, due_on=due_on)
                for pk in ids
            ),
            batch_size=5000,
        )
        config = ReminderSetting.load()
        config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)
        config.save()
    print("BENCH_RESULT {}")


def child_plan():
    import django

    django.setup()
    from outreach.tasks import reminders_plan

    reminders_plan.delay()
    print("BENCH_RESULT {}")


# --- Infrastructure ------------------------------------------------------------------------------


class Infra:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.pg_data = Path(args.pg_data)
        self.redis = None
        self.processes = {}

    # PostgreSQL (our own cluster)
    def _pg(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)

    def pg_start(self):
        binaries = Path(self.args.pg_bin)
        if not (self.pg_data / "PG_VERSION").exists():
            self.pg_data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.pg_data, "postgres")
            result = self._pg(str(binaries / "initdb"), "-D", str(self.pg_data), "-A", "trust", "-U", "postgres")
            if result.returncode:
                raise BenchError(f"initdb failed: {result.stderr}")
        options = f"-p {self.args.pg_port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"
        result = self._pg(
            str(binaries / "pg_ctl"),
            "-D",
            str(self.pg_data),
            "-o",
            options,
            "-l",
            str(self.pg_data / "log"),
            "-w",
            "start",
        )
        if result.returncode and "another server might be running" not in result.stderr:
            raise BenchError(f"PostgreSQL did not start: {result.stdout}{result.stderr}")

    def pg_stop_immediate(self):
        self._pg(str(Path(self.args.pg_bin) / "pg_ctl"), "-D", str(self.pg_data), "-m", "immediate", "stop")

    def pg_url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.args.pg_port}/{name}"

    # Redis (our own, persistence off)
    def redis_start(self):
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.args.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def redis_kill(self):
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait()
            self.redis = None

    # Child processes of this script and the project
    def start(self, name, command, env, group=True):
        out = open(self.tmp / f"{name}.log", "a", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=group
        )
        process.out = out
        self.processes[name] = process
        return process

    def kill(self, name):
        process = self.processes.pop(name, None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            process.out.close()

    def stop(self, name):
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.out.close()

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)
        self.redis_kill()


def project_env(infra, database, redis_db=0, extra=None):
    redis_url = f"redis://127.0.0.1:{infra.args.redis_port}/{redis_db}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DELIVERY_", "SMS_", "CELERY_", "EMAIL_")) and key not in {"CACHE_URL", "DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY="bench-" + secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        WAGTAILADMIN_BASE_URL="https://kynangso.example.vn",
        DATABASE_URL=infra.pg_url(database),
        DATABASE_CONN_MAX_AGE="600",
        CELERY_BROKER_URL=redis_url,
        CACHE_URL=redis_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(SMTP_PORT),
        SMS_BACKEND="outreach.delivery.channels.HttpGatewaySmsBackend",
        SMS_GATEWAY_URL=f"http://127.0.0.1:{SMS_PORT}/sms",
        DELIVERY_RATE_LIMIT_EMAIL=str(infra.args.rate),
        DELIVERY_RATE_LIMIT_SMS=str(infra.args.rate),
        VAR_DIR=str(infra.tmp / "var"),
        STATIC_ROOT=str(infra.tmp / "static"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), str(Path(__file__).resolve().parent)])),
        **(extra or {}),
    )
    return env


def run_child(mode, env, *args, timeout=900):
    command = [PYTHON, str(Path(__file__).resolve()), f"--child={mode}", *map(str, args)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise BenchError(f"{mode} failed (exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-5000:]}")


def worker_command(name):
    return [
        PYTHON,
        "-m",
        "celery",
        "-A",
        "lms",
        "worker",
        "-c",
        "2",
        "--loglevel=WARNING",
        f"--hostname={name}@localhost",
    ]


def beat_command(tmp):
    return [PYTHON, "-m", "celery", "-A", "lms", "beat", "--loglevel=WARNING", f"--pidfile={tmp / 'beat.pid'}"]


# --- Watching the outbox ------------------------------------------------------------------------


def counts(url):
    """{status: n} and the rows sending past their lease; None while the database is unreachable."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            statuses = dict(
                connection.execute("SELECT status, count(*) FROM outreach_delivery GROUP BY status").fetchall()
            )
            stuck = connection.execute(
                "SELECT count(*) FROM outreach_delivery "
                "WHERE status = 'sending' AND claimed_at < now() - %s * interval '1 second'",
                [LEASE],
            ).fetchone()[0]
            return statuses, stuck
    except psycopg.Error:
        return None


def db_now(url):
    import psycopg

    with psycopg.connect(url, connect_timeout=2) as connection:
        return connection.execute("SELECT now()").fetchone()[0]


def held_since(url, moment):
    """Rows still ``sending`` under a claim (or renewal) older than ``moment``; None if unreachable."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            return connection.execute(
                "SELECT count(*) FROM outreach_delivery WHERE status = 'sending' AND claimed_at < %s", [moment]
            ).fetchone()[0]
    except psycopg.Error:
        return None


def keys_by_channel(url):
    import psycopg

    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT channel, idempotency_key, status FROM outreach_delivery WHERE status <> 'skipped'"
        ).fetchall()
    found = {}
    for channel, key, status in rows:
        found.setdefault(channel, {})[key] = status
    return found


def jsonl(path):
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


# --- Scenarios ----------------------------------------------------------------------------------


def scenario_run(infra, name, messages, sms_share, failures, *, hang=0.0, invalid=0, cap=1800):
    """One scenario: fresh database, providers, two workers and beat, the failures at their shares."""
    import psycopg

    database = f"kns_bench_wk_{name}"
    with psycopg.connect(infra.pg_url("postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {database} TEMPLATE kns_bench_wk_template")
    subprocess.run(["redis-cli", "-p", str(infra.args.redis_port), "flushall"], capture_output=True)
    smtp_out, sms_out = infra.tmp / f"{name}-smtp.jsonl", infra.tmp / f"{name}-sms.jsonl"
    for path in (smtp_out, sms_out):
        path.write_text("")
    env = project_env(infra, database)
    run_child("seed", env, messages, sms_share, invalid)
    infra.start(f"{name}-smtp", [PYTHON, __file__, "--child=smtp", str(SMTP_PORT), str(smtp_out)], env)
    infra.start(f"{name}-sms", [PYTHON, __file__, "--child=sms", str(SMS_PORT), str(sms_out), str(hang)], env)
    for worker in ("wk1", "wk2"):
        infra.start(worker, worker_command(worker), env)
    infra.start("beat", beat_command(infra.tmp), env)
    time.sleep(8)
    url = infra.pg_url(database)
    log(f"{name}: {messages} messages ({int(messages * sms_share)} SMS), failures {[f[0] for f in failures]}")
    run_child("plan", env)
    started = time.monotonic()
    pending = list(failures)
    events, max_stuck, first_failure, last_failure = [], 0, None, None
    while True:
        time.sleep(0.5)
        seen = counts(url)
        if seen is None:
            continue
        statuses, stuck = seen
        max_stuck = max(max_stuck, stuck)
        total = sum(statuses.values()) or 1
        finals = sum(statuses.get(s, 0) for s in ("sent", "failed", "skipped", "cancelled"))
        if pending and statuses.get("sent", 0) >= pending[0][1] * messages:
            label, _share, action = pending.pop(0)
            at = time.monotonic()
            first_failure = first_failure or at
            log(f"{name}: {label} at {statuses.get('sent', 0)} sent ({at - started:.1f} s)")
            moment = db_now(url)
            held = held_since(url, moment)
            action(infra, env)
            last_failure = time.monotonic()
            events.append(
                {
                    "failure": label,
                    "at_sent": statuses.get("sent", 0),
                    "at_seconds": round(at - started, 1),
                    "held": held,
                    "moment": moment,
                    "monotonic": at,
                    "released_after": None,
                }
            )
        for event in events:
            if event["released_after"] is None and held_since(url, event["moment"]) == 0:
                # Every row claimed before the failure is sent, handed back or recovered.
                event["released_after"] = round(time.monotonic() - event["monotonic"], 1)
        if not pending and finals >= total and total >= messages * 0.9:
            break
        if time.monotonic() - started > cap:
            log(f"{name}: not finished after {cap} s: {statuses}")
            break
    finished = time.monotonic()
    statuses, _stuck = counts(url)
    rows = keys_by_channel(url)
    for process in ("wk1", "wk2", "beat", f"{name}-smtp", f"{name}-sms"):
        infra.stop(process)
    email = Counter(line["key"] for line in jsonl(smtp_out))
    sms_lines = jsonl(sms_out)
    sms_sent = Counter(line["key"] for line in sms_lines if line["kind"] == "sent")
    sms_repeats = sum(1 for line in sms_lines if line["kind"] == "repeat")
    email_rows, sms_rows = rows.get("email", {}), rows.get("sms", {})
    lost = sum(1 for key in email_rows if email_rows[key] != "failed" and key not in email) + sum(
        1 for key in sms_rows if sms_rows[key] != "failed" and key not in sms_sent
    )
    result = {
        "scenario": name,
        "messages": messages,
        "events": events,
        "statuses": statuses,
        "lost": lost,
        "email_twice": sum(count - 1 for count in email.values()),
        "sms_reoffered": sms_repeats,
        "sms_twice": sum(count - 1 for count in sms_sent.values()),
        "seconds_total": round(finished - started, 1),
        "seconds_after_failure": round(finished - first_failure, 1) if first_failure else None,
        # From the end of the last failure (the server back, the worker killed) to every message final.
        "seconds_after_recovery": round(finished - last_failure, 1) if last_failure else None,
        "max_sending_past_lease": max_stuck,
        "unfinished": statuses.get("planned", 0) + statuses.get("sending", 0),
    }
    for event in events:
        event.pop("moment"), event.pop("monotonic")
    log(f"{name}: {json.dumps(result)}")
    return result


def kill_worker(name, restart_after=None):
    def action(infra, env):
        infra.kill(name)
        if restart_after is not None:

            def again():
                time.sleep(restart_after)
                infra.start(name, worker_command(name), env)

            threading.Thread(target=again, daemon=True).start()

    return action


def redis_restart(infra, env):
    infra.redis_kill()
    time.sleep(10)
    infra.redis_start()


def postgres_restart(infra, env):
    infra.pg_stop_immediate()
    time.sleep(10)
    infra.pg_start()


SCENARIOS = {
    "kill": lambda infra, n: scenario_run(
        infra,
        "kill",
        n,
        0.5,
        [
            ("SIGKILL worker 1 (restarted after 5 s)", 0.3, kill_worker("wk1", restart_after=5)),
            ("SIGKILL worker 2 (not restarted)", 0.6, kill_worker("wk2")),
        ],
    ),
    "redis": lambda infra, n: scenario_run(
        infra, "redis", n // 2, 0.5, [("Redis killed, back empty after 10 s", 0.3, redis_restart)]
    ),
    "postgres": lambda infra, n: scenario_run(
        infra, "postgres", n // 2, 0.5, [("PostgreSQL immediate stop, back after 10 s", 0.3, postgres_restart)]
    ),
    "slow": lambda infra, n: scenario_run(infra, "slow", 500, 1.0, [], hang=15.0, invalid=10, cap=1200),
}


def report(results):
    lines = [
        "| Scenario | Messages | Failure (rows claimed then; all of them sent or planned again after) "
        "| Lost | E-mails twice | SMS re-offered (ignored) | SMS twice "
        "| First failure → all final | Server back / last kill → all final | Max rows `sending` past lease "
        "| Left unfinished |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        events = (
            "; ".join(
                f"{e['failure']} at {e['at_sent']:,} sent: {e['held']} rows held, "
                f"none left after {e['released_after']} s"
                for e in result["events"]
            )
            or "none"
        )
        after = result["seconds_after_failure"]
        after = after if after is not None else result["seconds_total"]
        recovery = result["seconds_after_recovery"]
        lines.append(
            f"| {result['scenario']} | {result['messages']:,} | {events} | {result['lost']} | {result['email_twice']} "
            f"| {result['sms_reoffered']} | {result['sms_twice']} | {after} s "
            f"| {recovery if recovery is not None else '–'} s "
            f"| {result['max_sending_past_lease']} | {result['unfinished']} |"
        )
    return "\n".join(lines)


def docs_update(table, results):
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8")
    body = (
        f"{SECTION_START}\n{table}\n\nStatuses at the end: "
        + "; ".join(f"{r['scenario']}: {r['statuses']}" for r in results)
        + f"\n{SECTION_END}"
    )
    if SECTION_START in text:
        head, rest = text.split(SECTION_START, 1)
        text = head + body + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    path.write_text(text, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="all", help="all, or names separated by commas: " + ", ".join(SCENARIOS))
    parser.add_argument("--messages", type=int, default=12000)
    parser.add_argument("--rate", type=int, default=3000, help="messages a minute per channel (the default)")
    parser.add_argument("--pg-port", type=int, default=5440)
    parser.add_argument("--pg-data", default=str(Path(tempfile.gettempdir()) / "pg-resilience" / "data"))
    parser.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    tmp = Path(os.environ.get("BENCH_TMP", str(Path(tempfile.gettempdir()) / "bench-worker-kill")))
    tmp.mkdir(parents=True, exist_ok=True)
    infra = Infra(args, tmp)
    results = []
    try:
        infra.pg_start()
        infra.redis_start()
        import psycopg

        with psycopg.connect(infra.pg_url("postgres"), autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = 'kns_bench_wk_template'").fetchone()
            if not exists:
                connection.execute("CREATE DATABASE kns_bench_wk_template")
        if not exists:
            manage(["migrate", "--no-input"], project_env(infra, "kns_bench_wk_template"), tmp / "migrate.log")
        names = list(SCENARIOS) if args.scenario == "all" else args.scenario.split(",")
        for name in names:
            results.append(SCENARIOS[name](infra, args.messages))
            (tmp / "results.json").write_text(json.dumps(results, indent=1))
    finally:
        infra.stop_all()
    table = report(results)
    print(table)
    if not args.no_docs and results:
        docs_update(table, results)
    return 0


if __name__ == "__main__":
    child = next((arg.split("=", 1)[1] for arg in sys.argv[1:] if arg.startswith("--child=")), None)
    rest = [arg for arg in sys.argv[1:] if not arg.startswith("--child=")]
    if child == "smtp":
        child_smtp(int(rest[0]), rest[1])
    elif child == "sms":
        child_sms(int(rest[0]), rest[1], float(rest[2]))
    elif child == "seed":
        child_seed(int(rest[0]), float(rest[1]), int(rest[2]))
    elif child == "plan":
        child_plan()
    else:
        run_main(main)
