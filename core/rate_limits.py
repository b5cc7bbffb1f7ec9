"""Fixed-window rate limits that can say when to come back (``Retry-After``), for the APIs.

The sign-in limits (``accounts.backends``) count failures in a window that starts at the first one;
an API answers 429 with the seconds left, so here the windows are aligned on the clock: the counter
of ``key`` for the window ``now // window`` lives exactly until that window ends. One round trip on
Redis (``add``, then ``incr`` once the counter exists), shared by every process.
"""

import time

from django.core.cache import cache


def window_hit(*, key: str, limit: int, window: int, now: float | None = None) -> int | None:
    """Count one request for ``key``: None while within ``limit`` per ``window`` seconds, else the seconds to wait.

    ``limit`` 0 (or less) turns the limit off.
    """
    if limit <= 0 or window <= 0:
        return None
    moment = time.time() if now is None else now
    bucket = int(moment // window)
    remaining = max(1, int((bucket + 1) * window - moment + 0.999))
    counter = f"rate:{key}:{window}:{bucket}"
    if cache.add(counter, 1, remaining + 1):
        count = 1
    else:
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add() and incr()
            cache.add(counter, 1, remaining + 1)
            count = 1
    return None if count <= limit else remaining
