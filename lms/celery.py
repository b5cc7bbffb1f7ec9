"""The Celery application, configured from Django settings (``CELERY_*``), and its task router."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

QUEUE_KINDS = ("default", "bulk", "scheduled")


def queue_name(kind: str, default: str | None = None) -> str:
    """The queue of a kind of work: the default queue, or ``<default>.bulk`` / ``<default>.scheduled``."""
    default = default or app.conf.task_default_queue
    return default if kind == "default" else f"{default}.{kind}"


def queue_names(default: str | None = None) -> list[str]:
    """Every queue a worker must consume to take all of the project's tasks."""
    return [queue_name(kind, default) for kind in QUEUE_KINDS]


def task_route(name, args, kwargs, options, task=None, **kw):
    """``CELERY_TASK_ROUTES``: bulk sending and scheduled work to their queues (``TASK_QUEUE_KINDS``).

    The queue is named when the task is sent, after the default queue in force then: a test run
    that gives itself a default queue of its own gets its own bulk and scheduled queues too.
    """
    from django.conf import settings  # the router runs once Django is set up

    kind = settings.TASK_QUEUE_KINDS.get(name)
    if kind is None:
        return None
    return {"queue": queue_name(kind)}
