"""A send rate per channel shared by every worker (Celery's ``rate_limit`` is per worker).

A token bucket per channel: ``DELIVERY_RATE_LIMITS[channel]`` messages a minute refill it
continuously, and it holds at most one second's worth (so a burst never exceeds the
minute's rate by more than a second's). Two stores, the same arithmetic:

- Redis (``DELIVERY_RATE_LIMIT_REDIS_URL``, by default the cache or the broker when either is
  Redis): one Lua script reads, refills and takes atomically, with Redis's own clock, so
  workers on several machines share it exactly.
- Otherwise a ``RateLimitBucket`` row, read and written in one transaction (``SELECT … FOR
  UPDATE`` on PostgreSQL; SQLite's immediate transactions serialise writers). Good for the
  embedded default and a few workers; each take is one short write transaction.

``acquire(channel=, wanted=, max_wait=)`` returns how many of ``wanted`` messages may go now,
waiting (sleeping in small steps) up to ``max_wait`` seconds for at least part of them.
"""

import logging
import math
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import RateLimitBucket

log = logging.getLogger(__name__)

# A bucket holds this many seconds of the rate: the largest burst after a pause.
BURST_SECONDS = 1.0
KEY_PREFIX = "kns:rate:"

_TAKE_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
local wait = 0
if granted < want then
  wait = (1 - (tokens - math.floor(tokens))) / rate
end
return {granted, tostring(wait)}
"""


def per_minute(channel: str) -> int:
    return int((getattr(settings, "DELIVERY_RATE_LIMITS", {}) or {}).get(channel) or 0)


def _refill(tokens: float, updated: float, now: float, rate: float, capacity: float) -> float:
    return min(capacity, tokens + max(0.0, now - updated) * rate)


class DatabaseBucketStore:
    def take(self, name: str, rate: float, capacity: float, want: int) -> tuple[int, float]:
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    bucket = RateLimitBucket.objects.select_for_update().filter(name=name).first()
                    now = time.time()
                    if bucket is None:
                        bucket = RateLimitBucket.objects.create(name=name, tokens=capacity, updated=now)
                    tokens = _refill(bucket.tokens, bucket.updated, now, rate, capacity)
                    granted = min(want, math.floor(tokens))
                    tokens -= granted
                    RateLimitBucket.objects.filter(name=name).update(tokens=tokens, updated=now)
            except IntegrityError:  # two workers created the row at once: read it again
                continue
            wait = 0.0 if granted >= want else (1 - (tokens - math.floor(tokens))) / rate
            return granted, wait
        return 0, 1.0 / rate


class RedisBucketStore:
    def __init__(self, url: str) -> None:
        import redis  # optional: installed and imported only where Redis is configured

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.script = self.client.register_script(_TAKE_SCRIPT)

    def take(self, name: str, rate: float, capacity: float, want: int) -> tuple[int, float]:
        granted, wait = self.script(keys=[KEY_PREFIX + name], args=[rate, capacity, want])
        return int(granted), float(wait)


_stores = {}
_stores_lock = threading.Lock()


def store() -> "DatabaseBucketStore | RedisBucketStore":
    url = getattr(settings, "DELIVERY_RATE_LIMIT_REDIS_URL", "") or ""
    with _stores_lock:
        if url not in _stores:
            _stores[url] = RedisBucketStore(url) if url else DatabaseBucketStore()
        return _stores[url]


def acquire(
    *,
    channel: str,
    wanted: int,
    max_wait: float = 30.0,
    bucket_store: "DatabaseBucketStore | RedisBucketStore | None" = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """How many of ``wanted`` messages on ``channel`` may be sent now (waiting up to ``max_wait`` s)."""
    limit = per_minute(channel)
    if wanted <= 0 or limit <= 0:
        return wanted
    rate = limit / 60.0
    capacity = max(1.0, rate * BURST_SECONDS)
    bucket_store = bucket_store or store()
    deadline = time.monotonic() + max_wait
    while True:
        granted, wait = bucket_store.take(channel, rate, capacity, min(wanted, math.floor(capacity)))
        if granted:
            return granted
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return 0
        sleep(min(max(wait, 0.005), remaining, 1.0))
