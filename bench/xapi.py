"""xAPI statements per second through one Celery worker to a real Ralph LRS, beside Ralph's own intake
rate measured in the same run (docs/performance.md, "xAPI").

Usage: ``python bench/xapi.py [--statements 5000] [--learners 100] [--database-url URL] [--json]``.
SQLite and the filesystem broker in a temporary folder by default; with ``--database-url`` (a name
containing "bench": it is created again and dropped) and ``CELERY_BROKER_URL`` (Redis), PostgreSQL.

1. Migrates a throwaway database (production settings, random key) and writes ``--statements`` rows
   in the xAPI outbox for ``--learners`` people, round-robin, built by ``outreach.xapi.statements``
   (the statements the site sends: actor, verb, activity, result, context).
2. Reference: the same statements POSTed straight to a fresh Ralph (tests/support/lrs.py) from one
   process in arrays of ``XAPI_BATCH_SIZE`` (100), one after the other: what the LRS itself takes.
3. Ours: one Celery worker (solo pool) to another fresh Ralph; one ``xapi_send`` task is queued and
   the clock stops when every row is ``sent``. Then what Ralph stored is read back through its API
   (every statement once, each learner's in the order written).

Ralph's filesystem backend reads its whole file for every POST (the duplicate check), so both rates
fall as the file grows: compare them at the same size, as here.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import PYTHON, ROOT, BenchError, database_recreate, in_process_env, log, manage, process_stop, run_main

sys.path.insert(0, str(ROOT))

from tests.support.lrs import RalphLRS


def statements_write(count, learners):
    """The outbox rows (``Statement``), built by the site's builder; returns their payloads in order."""
    import datetime

    from django.utils import timezone

    from accounts.models import User
    from outreach.models import Statement
    from outreach.xapi import statements as xs

    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.vn", full_name=f"Học viên {n}") for n in range(learners)]
    )
    start = timezone.now() - datetime.timedelta(hours=1)
    rows = []
    for number in range(count):
        user = users[number % len(users)]
        lesson = xs.Activity(f"{xs.site_url()}/khoa-hoc/khoa-1/bai-{number}/", "lesson", f"Bài {number}")
        course = xs.Activity(f"{xs.site_url()}/khoa-hoc/khoa-1/", "course", "Khóa 1")
        built = xs.build(
            fact=f"bench:{number}",
            user_id=user.pk,
            verb="answered",
            activity=lesson,
            at=start + datetime.timedelta(milliseconds=number),
            result={"score": xs.score(raw=80, minimum=0, maximum=100, scaled=0.8), "success": True, "completion": True},
            parent=course,
            enrolment_id=number % len(users) + 1,
        )
        rows.append(
            Statement(
                statement_id=built.statement_id,
                learner_id=user.pk,
                verb=built.verb,
                activity=built.activity,
                payload=built.payload,
            )
        )
    Statement.objects.bulk_create(rows, batch_size=1000)
    return [row.payload for row in rows], {user.pk: xs.actor_name(user.pk) for user in users}


def reference_rate(payloads, batch):
    """Ralph's own intake: the same arrays POSTed straight from one process."""
    import requests

    lrs = RalphLRS().start()
    try:
        session = requests.Session()
        started = time.monotonic()
        for start in range(0, len(payloads), batch):
            response = session.post(
                lrs.endpoint + "statements",
                json=payloads[start : start + batch],
                auth=(lrs.username, lrs.password),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=60,
            )
            if response.status_code != 200:
                raise BenchError(f"Ralph refused a batch: {response.status_code} {response.text[:300]}")
        return len(payloads) / (time.monotonic() - started)
    finally:
        lrs.remove()


def worker_start(env, logfile):
    process = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "lms", "worker", "--pool=solo", "--loglevel=WARNING",
         f"--hostname=bench-xapi-{uuid.uuid4().hex[:6]}@localhost", f"--queues={env['CELERY_TASK_DEFAULT_QUEUE']}",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    process.logfile = logfile
    return process


def worker_rate(env, count, tmp):
    """Ours: one worker sends the outbox to a fresh Ralph; statements per second, and Ralph's copy checked."""
    from outreach.models import Statement
    from outreach.tasks import xapi_send

    lrs = RalphLRS().start()
    worker = None
    try:
        env = {**env, "XAPI_ENDPOINT": lrs.endpoint, "XAPI_USERNAME": lrs.username, "XAPI_PASSWORD": lrs.password}
        worker = worker_start(env, open(tmp / "worker.log", "a"))  # noqa: SIM115 (closed by process_stop)
        time.sleep(8)  # the worker's start (Django, Celery), outside the measure
        if worker.poll() is not None:
            raise BenchError(f"the worker stopped: {(tmp / 'worker.log').read_text()[-2000:]}")
        started = time.monotonic()
        xapi_send.delay([])
        while Statement.objects.filter(status=Statement.Status.SENT).count() < count:
            if time.monotonic() - started > 1800:
                raise BenchError("not every statement was sent within 30 minutes")
            if Statement.objects.filter(status=Statement.Status.FAILED).exists():
                raise BenchError("a statement failed: " + Statement.objects.filter(status="failed").first().last_error)
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        stored = lrs.statements(limit=100)
        return count / elapsed, elapsed, stored
    finally:
        process_stop(worker, "worker", whole_group=True)
        lrs.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-xapi-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if args.database_url:
        database_recreate(database_url)
    env = {
        **in_process_env(tmp, database_url),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "filesystem://")
        if args.database_url
        else "filesystem://",
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-xapi-{uuid.uuid4().hex[:8]}",
        "XAPI_ENDPOINT": "http://127.0.0.1:9/xAPI/",  # on, to write; each phase names its own Ralph
    }
    try:
        log(f"migrating {database_url}")
        manage(["migrate", "--noinput"], env, tmp / "migrate.log")
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings

        log(f"writing {args.statements} statements for {args.learners} learners")
        payloads, names = statements_write(args.statements, args.learners)
        log("reference: the same statements POSTed straight to Ralph")
        reference = reference_rate(payloads, settings.XAPI_BATCH_SIZE)
        log("ours: one worker to Ralph")
        ours, elapsed, stored = worker_rate(env, args.statements, tmp)
        if sorted(s["id"] for s in stored) != sorted(p["id"] for p in payloads):
            raise BenchError(f"Ralph stored {len(stored)} statements, not the {len(payloads)} written")
        order = {payload["id"]: number for number, payload in enumerate(payloads)}
        by_actor = {}
        for statement in stored:
            by_actor.setdefault(statement["actor"]["account"]["name"], []).append(order[statement["id"]])
        if any(numbers != sorted(numbers) for numbers in by_actor.values()) or len(by_actor) != len(names):
            raise BenchError("a learner's statements were stored out of order")
        vendor = (
            "PostgreSQL + " + env["CELERY_BROKER_URL"].split(":")[0] if args.database_url else "SQLite + filesystem"
        )
        result = {
            "statements": args.statements,
            "learners": args.learners,
            "database": vendor,
            "batch": settings.XAPI_BATCH_SIZE,
            "worker_seconds": round(elapsed, 2),
            "worker_per_second": round(ours),
            "ralph_direct_per_second": round(reference),
            "ratio": round(ours / reference, 2),
        }
        print(json.dumps(result) if args.json else "\n".join(f"{key}: {value}" for key, value in result.items()))
        return 0
    finally:
        if args.database_url:
            database_recreate(database_url, drop_only=True)


if __name__ == "__main__":
    run_main(main)
