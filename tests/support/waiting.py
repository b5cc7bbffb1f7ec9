"""Waiting for what a worker (or a browser) does in the background."""

import time


def wait_until(predicate, timeout=60, interval=0.2):
    """Call ``predicate`` until it returns something truthy (returned) or ``timeout`` seconds pass.

    After the deadline it is called once more and its (falsy) value returned, so ``assert wait_until(...)``
    fails with the last state.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
