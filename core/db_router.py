"""Reads that may go to a read replica (``DATABASE_REPLICA_URL``), and everything else on the primary.

Only code that asks for it reads from the replica: a view decorated with ``replica_reads`` (the insights
dashboard and its exports, which read many rows and can live with a second or so of replication lag). Inside
it, a read goes to the ``replica`` alias unless

- no replica is configured (the embedded default, most tests): everything stays on ``default``;
- a transaction is open on the primary (``atomic``): what it reads must agree with what it writes;
- this request already wrote (a write, then a read of it, sees its own write);
- the model is one whose reads must see the latest write: people and their sessions, sign-in, permissions,
  two-step devices (``PRIMARY_ONLY_APPS``, the user model), so signing in or out never reads a stale copy.

Writes always go to the primary; migrations run only there (the replica is a copy of it).
"""

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections, models

REPLICA = "replica"
PRIMARY = "default"
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "contenttypes", "otp_static", "otp_totp", "django_otp", "admin"})

# None: outside a replica_reads block. Otherwise a one-item list: whether this block already wrote.
_state: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads_block() -> Iterator[None]:
    """Reads inside may go to the replica (see the module's rules)."""
    token = _state.set([False])
    try:
        yield
    finally:
        _state.reset(token)


def replica_reads(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view whose reads may go to the replica."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads_block():
            response = view(*args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()  # a TemplateResponse's template reads too: render it inside the block
            return response

    return wrapped


def _primary_only(model: type[models.Model]) -> bool:
    opts = model._meta
    return opts.app_label in PRIMARY_ONLY_APPS or opts.label == settings.AUTH_USER_MODEL


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry (lms/settings/replica.py adds it when ``DATABASE_REPLICA_URL`` is set)."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        state = _state.get()
        if state is None or state[0] or not replica_configured() or _primary_only(model):
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        state = _state.get()
        if state is not None:
            state[0] = True  # from now on this block reads its own writes from the primary
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
