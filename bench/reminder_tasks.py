"""Loaded by the benchmark's worker only (``celery worker --include reminder_tasks``, bench/ on PYTHONPATH).

``bench.noop``: the raw rate of Celery on the broker. It does nothing but count itself in Redis
(INCR), so the benchmark knows when all have run; results are ignored (nothing written to
the database).
"""

import os

import redis

from lms.celery import app

_client = None


@app.task(name="bench.noop", ignore_result=True)
def noop():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["BENCH_COUNTER_URL"])
    _client.incr("bench:noop")
