"""The one launcher of real Celery worker processes for the tests (the ``celery_worker`` fixture and the
outreach tests' own workers, which they kill mid-batch).

A worker consumes a queue of its own, so a developer's running worker (or another test run on the same
Redis) never takes the tests' tasks: ``queue`` is its default queue, and it consumes the bulk and
scheduled queues named after it too (``lms.celery.queue_names``), unless ``kinds`` names fewer.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def worker_database_url(settings_dict):
    """The URL of the database the tests use (the test database, after setup), for a worker's ``DATABASE_URL``."""
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


def worker_start(
    database_url,
    queue,
    extra_env=None,
    log_name=None,
    *,
    settings_module="lms.settings.test",
    kinds=None,
    hostname=None,
):
    """A worker subprocess (solo pool) on ``database_url`` with ``queue`` as its default queue, once it
    answers a ping. It consumes every kind of queue (default, bulk, scheduled) or only ``kinds``.

    ``hostname``: the node name (a worker started again under the name of one that died), by default a new one.

    Its output goes to ``var/<log_name>``; the process carries ``hostname`` and ``log`` (closed by
    ``worker_stop``).
    """
    from lms.celery import QUEUE_KINDS, app, queue_name  # the Celery app loads Django's settings: not at collection

    consumed = ",".join(queue_name(kind, queue) for kind in (kinds or QUEUE_KINDS))
    hostname = hostname or f"{queue}-{uuid.uuid4().hex[:6]}@localhost"
    log_path = BASE_DIR / "var" / (log_name or f"{queue}.log")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(extra_env or {}),
    }
    log = open(log_path, "a")  # noqa: SIM115 (closed by worker_stop)
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
            f"--queues={consumed}",
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
    while not app.control.ping(destination=[hostname], timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError(f"worker did not start within 60 s: {log_path.read_text()[-3000:]}")
    process.hostname = hostname
    process.log = log
    return process


def worker_stop(process, *, kill=False):
    """Stop (or kill, as a crash would) a worker from ``worker_start``."""
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    process.log.close()
